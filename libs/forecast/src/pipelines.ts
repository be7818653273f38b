import type { Forecaster } from './baselines';
import { finishForecast, forecastDirect, type DirectModel, type IntervalForecast } from './direct';
import { predictRow, type GbmModel } from './gbm';
import { intensityFeatures, loadFeatures, type FeatureSet } from './features';
import { historyWindow, type RegularSeries } from './series';

/** Horizons the intensity backtest reports, in minutes. */
export const INTENSITY_HORIZONS_MIN = [30, 60, 120, 240, 480, 720, 1440, 2880] as const;

export function horizonLabel(minutes: number): string {
  return minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
}

export function featuresFor(kind: DirectModel['kind'], stepMs: number): FeatureSet {
  return kind === 'intensity' ? intensityFeatures(stepMs) : loadFeatures(stepMs);
}

/** A backtest forecaster that runs a trained direct model in TypeScript. */
export function directForecaster(model: DirectModel, name = 'gbm'): Forecaster {
  const features = featuresFor(model.kind, model.stepMs);
  return {
    name,
    lookbackSteps: features.lookbackSteps,
    forecast: (windows, steps) => windows.map((w, i) => forecastDirect(model, features, w, steps[i] ?? [])),
  };
}

/** For slot k ahead, the trained horizon used: the nearest one (ties go to the longer horizon). */
export function nearestHorizon(trained: readonly number[], k: number): number {
  let best = trained[0] as number;
  for (const t of trained)
    if (Math.abs(t - k) < Math.abs(best - k) || (Math.abs(t - k) === Math.abs(best - k) && t > best)) best = t;
  return best;
}

export interface ForecastPoint extends IntervalForecast {
  /** Start and end of the forecast slot, ms since epoch (UTC). */
  fromMs: number;
  toMs: number;
}

/**
 * Forecasts every slot from `now` (rounded down to the series step) to `now + horizonMs`, from history up to then.
 * Slots between trained horizons use the nearest trained horizon's model with the features of their own lead time.
 */
export function forecastAhead(
  model: DirectModel,
  history: RegularSeries,
  nowMs: number,
  horizonMs = 48 * 3_600_000,
): ForecastPoint[] {
  if (history.stepMs !== model.stepMs) {
    throw new RangeError(`forecastAhead: history has ${history.stepMs} ms steps, the model ${model.stepMs} ms`);
  }
  const features = featuresFor(model.kind, model.stepMs);
  const originMs = Math.floor((nowMs - history.startMs) / history.stepMs) * history.stepMs + history.startMs;
  const window = historyWindow(history, originMs, features.lookbackSteps);
  const n = Math.floor(horizonMs / model.stepMs);
  const out: ForecastPoint[] = [];
  const buf = new Float64Array(features.names.length);
  for (let k = 1; k <= n; k++) {
    const hi = model.stepsAhead.indexOf(nearestHorizon(model.stepsAhead, k));
    const fromMs = originMs + (k - 1) * model.stepMs;
    const toMs = fromMs + model.stepMs;
    if (!features.build(window, k, buf)) {
      out.push({ point: NaN, lower: NaN, upper: NaN, fromMs, toMs });
      continue;
    }
    const raw = predictRow(model.models[hi] as GbmModel, buf);
    out.push({ ...finishForecast(model, hi, raw, window, features), fromMs, toMs });
  }
  return out;
}
