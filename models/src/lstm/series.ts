import type { IntensitySeriesInput } from './types';

/** Actuals of parsed intensity points (e.g. `@carbonreducer/datasets` IntensityRecord) as the LSTM's series; null → NaN. */
export function actualsSeries(
  points: readonly { fromMs: number; actualGPerKWh: number | null }[],
  fromMs = -Infinity,
  toMs = Infinity,
): { timeMs: Float64Array; valueGPerKWh: Float64Array } & IntensitySeriesInput {
  const kept = points.filter((p) => p.fromMs >= fromMs && p.fromMs < toMs);
  return {
    timeMs: Float64Array.from(kept, (p) => p.fromMs),
    valueGPerKWh: Float64Array.from(kept, (p) => p.actualGPerKWh ?? NaN),
  };
}
