import { naiveForecaster, type IntensityForecaster, type IntensityGrid } from '../eval/evaluate';

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
  return async (nowMs, fromMs, slots) => {
    const horizonMs = fromMs + slots * SLOT_MS - Math.floor(nowMs / SLOT_MS) * SLOT_MS;
    const points = await champion.forecast(history, nowMs, horizonMs);
    const fallback = await naive(nowMs, fromMs, slots);
    return Array.from({ length: slots }, (_, k) => {
      const p = points.find((x) => x.fromMs === fromMs + k * SLOT_MS)?.point;
      return p !== undefined && Number.isFinite(p) ? p : (fallback[k] as number);
    });
  };
}
