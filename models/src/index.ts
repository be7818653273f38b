export { trainAndRegister, registerOutcome, loadChampion } from './api';
export type { LoadedForecaster, TrainAndRegisterOptions, TrainAndRegisterResult } from './api';
export { backtestIntensity, backtestLoad } from './backtest';
export type { BacktestOptions, BacktestOutcome, BacktestReport } from './backtest';
export { ModelRegistry, DEFAULT_REGISTRY_ROOT, backtestScore } from './registry';
export type { ModelMetadata, Champion, RegistryTarget } from './registry';
export { directModelToOnnx } from './onnx/treeEnsemble';
export { OnnxDirectModel } from './onnx/session';
export { loadIntensity, loadHouseholdHourlyKWh } from './data';
