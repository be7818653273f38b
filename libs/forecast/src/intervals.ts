import { quantile } from './metrics';

/**
 * Split-conformal intervals on scale-normalised residuals: on held-out data, r = (actual − forecast) / scale, where
 * scale is a measure of recent variability known at the origin. The interval is forecast + [qLo, qHi] · scale.
 */
export interface ResidualBand {
  /** Nominal coverage, e.g. 0.8. */
  coverage: number;
  lowerQ: number;
  upperQ: number;
  /** Held-out residuals it was calibrated on. */
  n: number;
}

export function calibrateBand(residuals: ArrayLike<number>, scales: ArrayLike<number>, coverage = 0.8): ResidualBand {
  if (residuals.length !== scales.length) throw new RangeError('calibrateBand: residuals and scales differ in length');
  if (!(coverage > 0 && coverage < 1))
    throw new RangeError(`calibrateBand: coverage must be in (0, 1), got ${coverage}`);
  const r: number[] = [];
  for (let i = 0; i < residuals.length; i++) {
    const s = scales[i] as number;
    const e = residuals[i] as number;
    if (Number.isFinite(e) && s > 0) r.push(e / s);
  }
  if (r.length < 10) throw new RangeError(`calibrateBand: need at least 10 held-out residuals, got ${r.length}`);
  const tail = (1 - coverage) / 2;
  return { coverage, lowerQ: quantile(r, tail), upperQ: quantile(r, 1 - tail), n: r.length };
}

export function applyBand(point: number, scale: number, band: ResidualBand): { lower: number; upper: number } {
  return { lower: point + band.lowerQ * scale, upper: point + band.upperQ * scale };
}
