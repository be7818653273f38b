import { mulberry32 } from './prng';
import { downsample, upsample, type RegularSeries } from './series';

/**
 * Root-mean-square difference, in the series' units, between each slot of a finely measured series (NESO half-hours)
 * and what interpolating its own `coarseStepMs` means gives back (`upsample(downsample(series))`): the sub-slot
 * variation that a coarser source interpolated to this step lacks. Only coarse slots with every part known count.
 */
export function subSlotJitterRms(series: RegularSeries, coarseStepMs: number): number {
  const coarse = downsample(series, coarseStepMs);
  const smooth = upsample(coarse, series.stepMs);
  const offset = (smooth.startMs - series.startMs) / series.stepMs;
  let sq = 0;
  let n = 0;
  for (let i = 0; i < smooth.values.length; i++) {
    const d = (series.values[offset + i] as number) - (smooth.values[i] as number);
    if (Number.isNaN(d)) continue;
    sq += d * d;
    n++;
  }
  if (n === 0) throw new RangeError('subSlotJitterRms: no complete coarse slot in the series');
  return Math.sqrt(sq / n);
}

/**
 * Adds seeded Gaussian jitter of standard deviation `sigma` to each slot of a series that was interpolated from
 * `coarseStepMs` means, with the parts of each coarse slot summing to zero: every coarse mean is kept exactly, and
 * the slots gain the sub-slot noise of a measured series (for training rows only). Coarse slots with a missing part
 * are left alone.
 */
export function addSubSlotJitter(
  series: RegularSeries,
  coarseStepMs: number,
  sigma: number,
  seed: number,
): RegularSeries {
  const factor = coarseStepMs / series.stepMs;
  if (!Number.isInteger(factor) || factor < 2) {
    throw new RangeError(`addSubSlotJitter: ${coarseStepMs} ms is not a multiple (≥ 2×) of ${series.stepMs} ms`);
  }
  if (!(sigma >= 0 && Number.isFinite(sigma)))
    throw new RangeError(`addSubSlotJitter: sigma must be ≥ 0, got ${sigma}`);
  const values = series.values.slice();
  if (sigma === 0) return { ...series, values };
  const rand = mulberry32(seed);
  // Deviations from the mean of `factor` unit normals have variance (factor − 1) / factor.
  const scale = sigma * Math.sqrt(factor / (factor - 1));
  const first = (((coarseStepMs - (series.startMs % coarseStepMs)) % coarseStepMs) / series.stepMs) | 0;
  const e = new Float64Array(factor);
  for (let i = first; i + factor <= values.length; i += factor) {
    let mean = 0;
    for (let j = 0; j < factor; j++) {
      // Box–Muller; 1 − u keeps the logarithm finite.
      e[j] = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
      mean += e[j] as number;
    }
    mean /= factor;
    let complete = true;
    for (let j = 0; j < factor; j++) if (Number.isNaN(values[i + j] as number)) complete = false;
    if (!complete) continue;
    for (let j = 0; j < factor; j++) values[i + j] = (values[i + j] as number) + scale * ((e[j] as number) - mean);
  }
  return { ...series, values };
}
