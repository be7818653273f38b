/**
 * A regular time series: `values[i]` is the mean over the slot [startMs + i·stepMs, startMs + (i+1)·stepMs).
 * Missing slots are NaN. Forecasting code only ever sees a `HistoryWindow`, which ends at the forecast origin.
 */
export interface RegularSeries {
  startMs: number;
  stepMs: number;
  values: Float64Array;
}

/**
 * What a forecaster may see at an origin: the last `values.length` slots, the final one ending exactly at `endMs`
 * (the origin). It is always a copy: nothing after the origin is reachable from it.
 */
export interface HistoryWindow {
  endMs: number;
  stepMs: number;
  values: Float64Array;
}

/** Builds a regular series from timestamped slots (e.g. parsed CSV points); slots not given stay NaN. */
export function toRegularSeries(
  points: ReadonlyArray<{ fromMs: number; value: number | null }>,
  stepMs: number,
): RegularSeries {
  if (!(stepMs > 0)) throw new RangeError(`toRegularSeries: stepMs must be > 0, got ${stepMs}`);
  if (points.length === 0) return { startMs: 0, stepMs, values: new Float64Array(0) };
  let first = Infinity;
  let last = -Infinity;
  for (const p of points) {
    first = Math.min(first, p.fromMs);
    last = Math.max(last, p.fromMs);
  }
  const startMs = Math.floor(first / stepMs) * stepMs;
  const n = Math.floor((last - startMs) / stepMs) + 1;
  const values = new Float64Array(n).fill(Number.NaN);
  for (const p of points) {
    if (p.fromMs % stepMs !== startMs % stepMs) {
      throw new RangeError(`toRegularSeries: slot at ${new Date(p.fromMs).toISOString()} is off the ${stepMs} ms grid`);
    }
    const v = p.value;
    if (v !== null && Number.isFinite(v)) values[(p.fromMs - startMs) / stepMs] = v;
  }
  return { startMs, stepMs, values };
}

/** End of the slot at index i. */
export function slotEndMs(series: RegularSeries, i: number): number {
  return series.startMs + (i + 1) * series.stepMs;
}

/** Value of the slot ending at `endMs`, NaN if outside the series or missing. */
export function valueEndingAt(series: RegularSeries, endMs: number): number {
  const i = (endMs - series.startMs) / series.stepMs - 1;
  if (!Number.isInteger(i) || i < 0 || i >= series.values.length) return Number.NaN;
  return series.values[i] as number;
}

/**
 * The window of at most `lookbackSteps` slots that end at or before `originMs`, copied. This is the only way the
 * backtest hands data to a forecaster, so the future cannot leak into a forecast.
 */
export function historyWindow(series: RegularSeries, originMs: number, lookbackSteps: number): HistoryWindow {
  const { startMs, stepMs } = series;
  if ((originMs - startMs) % stepMs !== 0) {
    throw new RangeError(`historyWindow: origin ${new Date(originMs).toISOString()} is not on the series grid`);
  }
  const endIdx = Math.min((originMs - startMs) / stepMs, series.values.length); // exclusive
  const values = new Float64Array(lookbackSteps).fill(Number.NaN);
  for (let k = 0; k < lookbackSteps; k++) {
    const i = endIdx - lookbackSteps + k;
    if (i >= 0 && i < endIdx) values[k] = series.values[i] as number;
  }
  return { endMs: originMs, stepMs, values };
}

/** Value of the slot ending `stepsBack` slots before the window end (0 = the last slot); NaN if outside or missing. */
export function lagValue(window: HistoryWindow, stepsBack: number): number {
  const i = window.values.length - 1 - stepsBack;
  return i >= 0 && i < window.values.length ? (window.values[i] as number) : Number.NaN;
}

/** Last observed (non-NaN) value at or before `stepsBack`, searching at most `maxGap` slots further back. */
export function lastObserved(window: HistoryWindow, stepsBack = 0, maxGap = Infinity): number {
  const limit = Math.min(window.values.length - 1, stepsBack + maxGap);
  for (let s = stepsBack; s <= limit; s++) {
    const v = lagValue(window, s);
    if (!Number.isNaN(v)) return v;
  }
  return Number.NaN;
}

/** Aggregates a series to a coarser step (a whole multiple) by averaging; a coarse slot needs all its parts. */
export function downsample(series: RegularSeries, stepMs: number): RegularSeries {
  const factor = stepMs / series.stepMs;
  if (!Number.isInteger(factor) || factor < 1) {
    throw new RangeError(`downsample: ${stepMs} ms is not a whole multiple of ${series.stepMs} ms`);
  }
  if (factor === 1) return series;
  const startMs = Math.ceil(series.startMs / stepMs) * stepMs;
  const offset = (startMs - series.startMs) / series.stepMs;
  const n = Math.floor((series.values.length - offset) / factor);
  const values = new Float64Array(Math.max(0, n));
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let k = 0; k < factor; k++) sum += series.values[offset + j * factor + k] as number;
    values[j] = sum / factor;
  }
  return { startMs, stepMs, values };
}

/** Joins series on one grid; where two give a value for the same slot, the later series wins. */
export function mergeSeries(parts: RegularSeries[]): RegularSeries {
  const first = parts[0];
  if (first === undefined) throw new Error('mergeSeries: no series given');
  const stepMs = first.stepMs;
  let start = Infinity;
  let end = -Infinity;
  for (const p of parts) {
    if (p.stepMs !== stepMs) throw new RangeError(`mergeSeries: steps differ (${p.stepMs} vs ${stepMs} ms)`);
    if (p.values.length === 0) continue;
    start = Math.min(start, p.startMs);
    end = Math.max(end, p.startMs + p.values.length * stepMs);
  }
  if (!Number.isFinite(start)) return { startMs: first.startMs, stepMs, values: new Float64Array(0) };
  const values = new Float64Array((end - start) / stepMs).fill(Number.NaN);
  for (const p of parts) {
    const off = (p.startMs - start) / stepMs;
    if (!Number.isInteger(off)) throw new RangeError('mergeSeries: series are on different grids');
    p.values.forEach((v, i) => {
      if (!Number.isNaN(v)) values[off + i] = v;
    });
  }
  return { startMs: start, stepMs, values };
}

/**
 * Refines a series to a step that divides it (hourly → 30 min) by linear interpolation between slot means, with
 * the sub-slots of each coarse slot averaging back to its value. Training data only: interpolated slots look
 * smoother than measured ones.
 */
export function upsample(series: RegularSeries, stepMs: number): RegularSeries {
  const factor = series.stepMs / stepMs;
  if (!Number.isInteger(factor) || factor < 1) {
    throw new RangeError(`upsample: ${series.stepMs} ms is not a whole multiple of ${stepMs} ms`);
  }
  if (factor === 1) return series;
  const v = series.values;
  const out = new Float64Array(v.length * factor);
  for (let i = 0; i < v.length; i++) {
    const c = v[i] as number;
    const prev = i > 0 && !Number.isNaN(v[i - 1] as number) ? (v[i - 1] as number) : c;
    const next = i + 1 < v.length && !Number.isNaN(v[i + 1] as number) ? (v[i + 1] as number) : c;
    for (let j = 0; j < factor; j++) {
      // Offset of the sub-slot centre from the coarse slot centre, in coarse slots (−0.5…0.5).
      const off = (j + 0.5) / factor - 0.5;
      const raw = off < 0 ? c + (c - prev) * off : c + (next - c) * off;
      out[i * factor + j] = raw;
    }
    // Shift the sub-slots so they average exactly to the coarse value.
    let mean = 0;
    for (let j = 0; j < factor; j++) mean += out[i * factor + j] as number;
    mean /= factor;
    for (let j = 0; j < factor; j++) out[i * factor + j] = (out[i * factor + j] as number) + (c - mean);
  }
  return { startMs: series.startMs, stepMs, values: out };
}
