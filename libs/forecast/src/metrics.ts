/** Error metrics over paired arrays. Pairs where either side is not finite are skipped by the caller, not here. */

export function mae(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  checkLengths(actual, predicted, 'mae');
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += Math.abs((actual[i] as number) - (predicted[i] as number));
  return actual.length === 0 ? Number.NaN : sum / actual.length;
}

export function rmse(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  checkLengths(actual, predicted, 'rmse');
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = (actual[i] as number) - (predicted[i] as number);
    sum += e * e;
  }
  return actual.length === 0 ? Number.NaN : Math.sqrt(sum / actual.length);
}

/** Mean absolute percentage error in percent; pairs whose actual is 0 are left out (the ratio is undefined there). */
export function mape(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  checkLengths(actual, predicted, 'mape');
  let sum = 0;
  let n = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    if (a === 0) continue;
    sum += Math.abs((a - (predicted[i] as number)) / a);
    n++;
  }
  return n === 0 ? Number.NaN : (100 * sum) / n;
}

/** Share (0–1) of actuals inside [lower, upper], bounds included. */
export function coverage(actual: ArrayLike<number>, lower: ArrayLike<number>, upper: ArrayLike<number>): number {
  checkLengths(actual, lower, 'coverage');
  checkLengths(actual, upper, 'coverage');
  let inside = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    if (a >= (lower[i] as number) && a <= (upper[i] as number)) inside++;
  }
  return actual.length === 0 ? Number.NaN : inside / actual.length;
}

/** Empirical quantile (linear interpolation between order statistics, like numpy's default), q in [0, 1]. */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be in [0, 1], got ${q}`);
  const sorted = Array.from(values)
    .filter((v) => Number.isFinite(v))
    .sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

function checkLengths(a: ArrayLike<number>, b: ArrayLike<number>, name: string): void {
  if (a.length !== b.length) throw new RangeError(`${name}: arrays differ in length (${a.length} vs ${b.length})`);
}
