import { forecaster, naiveForecaster, type IntensityForecaster, type IntensityGrid } from '../eval/evaluate';

const SLOT_MS = 30 * 60_000;

/**
 * `--forecast model`: the champion intensity model from the @carbonreducer/models registry (ONNX, served by
 * onnxruntime-node), fed the actual intensity up to the request time. Slots the model leaves empty (NaN) fall
 * back to the seasonal naive value. Loaded lazily so other modes do not start onnxruntime.
 */
export async function modelForecaster(grid: IntensityGrid): Promise<IntensityForecaster> {
  let models: typeof import('@carbonreducer/models');
  try {
    // require, not import(): the bin shim registers tsx for CommonJS only.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    models = require('@carbonreducer/models') as typeof import('@carbonreducer/models');
  } catch (err) {
    throw new Error('--forecast model: cannot load @carbonreducer/models', { cause: err });
  }
  let champion: Awaited<ReturnType<typeof models.loadChampion>>;
  try {
    champion = await models.loadChampion('intensity');
  } catch (err) {
    throw new Error(
      '--forecast model: cannot load the champion intensity model from the @carbonreducer/models registry (train and register one with `npx carbonreducer-models`)',
      { cause: err },
    );
  }
  const history = { startMs: grid.startMs, stepMs: SLOT_MS, values: grid.actual };
  const naive = naiveForecaster(grid);
  // One model run per forecast origin (the half-hour `now` lies in), 48 h ahead, shared by every request planned
  // from that origin; the model only sees history before the origin.
  const runs = new Map<number, Promise<Map<number, number>>>();
  const run = (originMs: number) => {
    let r = runs.get(originMs);
    if (r === undefined) {
      r = champion
        .forecast(history, originMs, 48 * 3_600_000)
        .then((points) => new Map(points.map((x) => [x.fromMs, x.point])));
      runs.set(originMs, r);
    }
    return r;
  };
  return forecaster(true, async (nowMs, fromMs, slots) => {
    const originMs = grid.startMs + Math.floor((nowMs - grid.startMs) / SLOT_MS) * SLOT_MS;
    const points = await run(originMs);
    const fallback = await naive(nowMs, fromMs, slots);
    return Array.from({ length: slots }, (_, k) => {
      const p = points.get(fromMs + k * SLOT_MS);
      return p !== undefined && Number.isFinite(p) ? p : (fallback[k] as number);
    });
  });
}
