/** Home appliance scheduling for cost and CO2 together: pure model building and solution parsing (core) plus the HiGHS edge. */
export * from './core/types';
export { buildModel, modelContext, type BuildOptions } from './core/model';
export { parsePlan, NoPlanError } from './core/solution';
export { explain, clockTime, durationWords } from './core/explain';
export {
  solveHome,
  paretoSweep,
  relativeGap,
  DEFAULT_SOLVE_OPTIONS,
  type ParetoPoint,
  type SolveHomeOptions,
} from './core/solve';
export { InvalidRequestError, validateRequest } from './core/validate';
export { resampleProfileW, spreadProfileWh } from './core/profile';
export {
  buildCycleHomeRequest,
  dominated,
  EXAMPLE_TWO_RATE_TARIFF,
  meanPerSlot,
  tariffPerSlot,
  type CycleHomeInput,
  type CycleRun,
  type TimedValue,
  type TimeOfUseTariff,
} from './core/homeRequest';
export { checkPlan, type Violation } from './core/check';
export {
  createHighsSolver,
  createWasmHighsSolver,
  DEFAULT_HIGHS_OPTIONS,
  WASM_HIGHS_VERSION,
  type HighsBackend,
} from './solver/highs';
export { createNativeHighsSolver, DEFAULT_NATIVE_HIGHS_OPTIONS } from './solver/highsNative';
export {
  createFleetSolver,
  solveFleet,
  type FleetHome,
  type FleetOptions,
  type FleetOutcome,
  type FleetSolveOptions,
  type FleetSolver,
} from './solver/fleet';
export {
  evaluateJson,
  FORECASTS,
  planText,
  readRequestFile,
  runEvaluate,
  runPareto,
  runSolve,
  type EvaluateArgs,
  type EvaluateOutcome,
  type ForecastMode,
  type OptimizerCliDeps,
} from './cli/main';
export type { IntensityPointModel } from './eval/modelForecast';
export type { EvaluationResult, KindResult } from './eval/evaluate';
