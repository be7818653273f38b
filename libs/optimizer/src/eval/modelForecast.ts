import { forecaster, naiveForecaster, type IntensityForecaster, type IntensityGrid } from '../eval/evaluate';

const SLOT_MS = 30 * 60_000;
const HORIZON_SLOTS = 96; // 48 h

type Models = typeof import('@carbonreducer/models');
type PointForecaster = Awaited<ReturnType<Models['servedForecaster']>>['forecaster'];
type HistoryWindow = Parameters<PointForecaster['forecast']>[0][number];

export interface ModelForecast {
  forecast: IntensityForecaster;
  /** Champion version and training window, for the report (requests mapped into it are in-sample). */
  version: string;
  trainingWindow: { from: string; to: string };
}

/**
 * `--forecast model`: the champion intensity model of the @carbonreducer/models registry (ONNX, served by
 * onnxruntime-node), fed the actual intensity before the forecast origin (the half-hour `now` lies in). Slots the
 * model leaves empty (NaN) fall back to the seasonal naive value. Loaded lazily so other modes do not start
 * onnxruntime.
 *
 * Point forecasts come from `servedForecaster` directly: `loadChampion(...).forecast` also replays the past week's
 * forecasts at every call to recalibrate its 80 % bands (seconds per call), and the plans here use points only.
 */
export async function modelForecaster(grid: IntensityGrid): Promise<ModelForecast> {
  let models: Models;
  try {
    // require, not import(): the bin shim registers tsx for CommonJS only.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    models = require('@carbonreducer/models') as Models;
  } catch (err) {
    throw new Error('--forecast model: cannot load @carbonreducer/models', { cause: err });
  }
  let model: PointForecaster;
  let meta: Awaited<ReturnType<InstanceType<Models['ModelRegistry']>['loadChampion']>>['meta'];
  try {
    const stored = await new models.ModelRegistry().loadChampion('intensity');
    const served = await models.servedForecaster(stored);
    if (served.stepMs !== SLOT_MS) {
      throw new Error(`the champion forecasts ${served.stepMs / 60_000}-minute slots; the evaluation needs 30`);
    }
    model = served.forecaster;
    meta = stored.meta;
  } catch (err) {
    throw new Error(
      '--forecast model: cannot load the champion intensity model from the @carbonreducer/models registry (train and register one with `npx carbonreducer-models`)',
      { cause: err },
    );
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
      const window: HistoryWindow = { endMs: originMs, stepMs: SLOT_MS, values };
      r = Promise.resolve(model.forecast([window], [steps])).then((out) => (out[0] ?? []).map((f) => f.point));
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
  return { forecast, version: meta.version, trainingWindow: meta.trainingWindow };
}
