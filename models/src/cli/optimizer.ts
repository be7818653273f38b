/**
 * This package's champion intensity model for `carbonreducer optimizer evaluate --forecast model` (the optimizer
 * library does not depend on the models; `cli/src/commands/optimizer.ts` injects it).
 */
import type { IntensityPointModel } from '@carbonreducer/optimizer';
import { servedForecaster } from '../api';
import { ModelRegistry } from '../registry';

/**
 * The champion intensity model as point forecasts. `servedForecaster` directly: `loadChampion(...).forecast` also
 * replays the past week's forecasts at every call to recalibrate its 80 % bands (seconds per call), and the plans
 * use points only.
 */
export async function championIntensityModel(registry = new ModelRegistry()): Promise<IntensityPointModel> {
  const stored = await registry.loadChampion('intensity');
  const served = await servedForecaster(stored);
  const model = served.forecaster;
  return {
    version: stored.meta.version,
    trainingWindow: stored.meta.trainingWindow,
    stepMs: served.stepMs,
    lookbackSteps: model.lookbackSteps,
    forecast: async (window, steps) => (await model.forecast([window], [steps]))[0]?.map((f) => f.point) ?? [],
  };
}
