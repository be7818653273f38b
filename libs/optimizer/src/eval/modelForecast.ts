import { forecaster, naiveForecaster, type IntensityForecaster, type IntensityGrid } from './evaluate';

const SLOT_MS = 30 * 60_000;
const HORIZON_SLOTS = 96; // 48 h

/**
 * A trained intensity model as the evaluation needs it: point forecasts from a window of history. The optimizer
 * does not load models itself (a library does not reach into an application package): the caller injects one, as
 * `@carbonreducer/models` does for `carbonreducer-optimizer evaluate --forecast model` (its champion, ONNX).
 */
export interface IntensityPointModel {
  /** Version and training window, for the report (requests mapped into the window are in-sample). */
  version: string;
  trainingWindow: { from: string; to: string };
  /** The model's step, ms (the evaluation needs 30-minute steps). */
  stepMs: number;
  /** History steps the model reads before the origin. */
  lookbackSteps: number;
  /**
   * Point forecasts for `steps` (1 = the step starting at `window.endMs`), from `window.values` (the last
   * `lookbackSteps` values before `window.endMs`, NaN where unknown); NaN where the model has none.
   */
  forecast(window: { endMs: number; stepMs: number; values: Float64Array }, steps: number[]): Promise<number[]>;
}

export interface ModelForecast {
  forecast: IntensityForecaster;
  /** Model version and training window, for the report (requests mapped into it are in-sample). */
  version: string;
  trainingWindow: { from: string; to: string };
}

/**
 * `--forecast model`: the injected model fed the actual intensity before the forecast origin (the half-hour `now`
 * lies in). Slots the model leaves empty (NaN) fall back to the seasonal naive value.
 */
export function modelForecaster(grid: IntensityGrid, model: IntensityPointModel): ModelForecast {
  if (model.stepMs !== SLOT_MS) {
    throw new Error(`the model forecasts ${model.stepMs / 60_000}-minute slots; the evaluation needs 30`);
  }
  const lookback = model.lookbackSteps;
  const steps = Array.from({ length: HORIZON_SLOTS }, (_, k) => k + 1);
  // One model run per forecast origin, 48 h ahead, shared by every plan made from that origin; the model sees only
  // the history before the origin.
  const runs = new Map<number, Promise<number[]>>();
  const run = (originMs: number): Promise<number[]> => {
    let r = runs.get(originMs);
    if (r === undefined) {
      const end = (originMs - grid.startMs) / SLOT_MS;
      const values = new Float64Array(lookback).fill(Number.NaN);
      for (let k = 0; k < lookback; k++) {
        const i = end - lookback + k;
        if (i >= 0) values[k] = grid.actual[i] as number;
      }
      r = model.forecast({ endMs: originMs, stepMs: SLOT_MS, values }, steps);
      runs.set(originMs, r);
    }
    return r;
  };
  const naive = naiveForecaster(grid);
  const forecast = forecaster(true, async (nowMs, fromMs, slots) => {
    const originMs = grid.startMs + Math.floor((nowMs - grid.startMs) / SLOT_MS) * SLOT_MS;
    const points = await run(originMs);
    const fallback = await naive(nowMs, fromMs, slots);
    return Array.from({ length: slots }, (_, k) => {
      // Step 1 is the slot starting at the origin.
      const p = points[(fromMs + k * SLOT_MS - originMs) / SLOT_MS];
      return p !== undefined && Number.isFinite(p) ? p : (fallback[k] as number);
    });
  });
  return { forecast, version: model.version, trainingWindow: model.trainingWindow };
}
