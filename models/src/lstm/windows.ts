/**
 * Windowing for the carbon-intensity LSTM: regular grids, gap filling, time features and the input/target pairs.
 * Pure: plain arrays in, plain arrays out. Nothing here reads a value after the origin slot when building an input.
 */

/** Horizons the team asks for, in minutes after the origin. */
export const REQUESTED_HORIZONS_MIN: readonly number[] = [30, 60, 120, 240, 480, 720, 1440, 2880];

/** Features per step: normalised intensity, sin/cos time of day, sin/cos day of week. */
export const FEATURES_PER_STEP = 5;
/** Time features per step (the part the caller supplies to the ONNX graph). */
export const TIME_FEATURES_PER_STEP = 4;

export class LstmInputError extends Error {
  override name = 'LstmInputError';
}

export interface HorizonSet {
  /** Steps of the series after the origin: horizon h forecasts the slot that ends h steps after the origin. */
  horizonsSteps: number[];
  horizonsMin: number[];
  /** Requested horizons the step length cannot express (30 min on hourly data). */
  unavailableMin: number[];
}

export function horizonsForStep(stepMin: number): HorizonSet {
  if (stepMin !== 30 && stepMin !== 60) {
    throw new LstmInputError(`stepMin must be 30 or 60, got ${String(stepMin)}`);
  }
  const horizonsSteps: number[] = [];
  const horizonsMin: number[] = [];
  const unavailableMin: number[] = [];
  for (const min of REQUESTED_HORIZONS_MIN) {
    if (min % stepMin === 0) {
      horizonsSteps.push(min / stepMin);
      horizonsMin.push(min);
    } else {
      unavailableMin.push(min);
    }
  }
  return { horizonsSteps, horizonsMin, unavailableMin };
}

export interface RegularGrid {
  /** Start of slot 0, ms since epoch (UTC). */
  startMs: number;
  stepMin: number;
  /** gCO2/kWh per slot; NaN where the source has no value. */
  values: Float64Array;
}

/**
 * Puts a series of slot starts and values on a regular grid; absent slots and non-finite values become NaN.
 * Rejects unsorted, duplicated or off-grid timestamps, naming the first offending index.
 */
export function toRegularGrid(
  series: { timeMs: ArrayLike<number>; valueGPerKWh: ArrayLike<number> },
  stepMin: number,
): RegularGrid {
  const n = series.timeMs.length;
  if (series.valueGPerKWh.length !== n) {
    throw new LstmInputError(
      `series.timeMs has ${n} entries but series.valueGPerKWh has ${series.valueGPerKWh.length}`,
    );
  }
  if (n === 0) throw new LstmInputError('series is empty');
  const stepMs = stepMin * MINUTE_MS;
  const startMs = series.timeMs[0] as number;
  if (!Number.isFinite(startMs)) throw new LstmInputError('series.timeMs[0] is not a finite time');
  const lastMs = series.timeMs[n - 1] as number;
  const length = Math.round((lastMs - startMs) / stepMs) + 1;
  const values = new Float64Array(length).fill(NaN);
  let prev = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = series.timeMs[i] as number;
    if (!(t > prev)) {
      throw new LstmInputError(`series.timeMs[${i}] (${new Date(t).toISOString()}) is not after the previous slot`);
    }
    const offset = (t - startMs) / stepMs;
    if (!Number.isInteger(offset)) {
      throw new LstmInputError(
        `series.timeMs[${i}] (${new Date(t).toISOString()}) is not on the ${stepMin}-minute grid starting ${new Date(startMs).toISOString()}`,
      );
    }
    const v = series.valueGPerKWh[i] as number;
    values[offset] = Number.isFinite(v) ? v : NaN;
    prev = t;
  }
  return { startMs, stepMin, values };
}

/**
 * Fills gaps of at most `maxGapSteps` slots in a window, in place: interior gaps linearly between the observed
 * neighbours, gaps touching either end by holding the nearest observed value (no value after the window is used).
 * Returns null, leaving the window partly filled, when a gap is longer or nothing is observed.
 */
export function fillShortGaps(window: Float64Array, maxGapSteps: number): Float64Array | null {
  const n = window.length;
  let i = 0;
  let lastObserved = -1;
  while (i < n) {
    if (Number.isFinite(window[i] as number)) {
      lastObserved = i;
      i++;
      continue;
    }
    let j = i;
    while (j < n && !Number.isFinite(window[j] as number)) j++;
    const gap = j - i;
    if (gap > maxGapSteps) return null;
    if (lastObserved < 0 && j >= n) return null;
    const left = lastObserved >= 0 ? (window[lastObserved] as number) : (window[j] as number);
    const right = j < n ? (window[j] as number) : left;
    for (let k = i; k < j; k++) {
      const frac = (k - i + 1) / (gap + 1);
      window[k] = lastObserved >= 0 && j < n ? left + (right - left) * frac : lastObserved >= 0 ? left : right;
    }
    i = j;
  }
  return window;
}

/** sin/cos of time of day and day of week for the slot starting at `slotStartMs` (UTC). */
export function timeFeaturesAt(slotStartMs: number, out: Float32Array, offset: number): void {
  const dayFrac = (((slotStartMs % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS;
  // 1970-01-01 was a Thursday; the phase only has to be consistent, not Monday-based.
  const weekFrac = (((slotStartMs % WEEK_MS) + WEEK_MS) % WEEK_MS) / WEEK_MS;
  out[offset] = Math.sin(2 * Math.PI * dayFrac);
  out[offset + 1] = Math.cos(2 * Math.PI * dayFrac);
  out[offset + 2] = Math.sin(2 * Math.PI * weekFrac);
  out[offset + 3] = Math.cos(2 * Math.PI * weekFrac);
}

export interface WindowSpec {
  windowSteps: number;
  stepMin: number;
  maxGapSteps: number;
}

/** One model input: the gap-filled raw window (gCO2/kWh, oldest first) and its time features. */
export interface WindowInput {
  windowGPerKWh: Float64Array;
  /** windowSteps × 4, row-major. */
  timeFeatures: Float32Array;
}

/**
 * The input for a forecast made at `originMs` (end of the last known slot) from `history`, whose last element is
 * the slot ending at the origin. Reads only `history[length - windowSteps .. length - 1]`.
 * Returns a reason string instead when the window is too short or has a gap longer than `maxGapSteps`.
 */
export function windowFromHistory(
  history: ArrayLike<number>,
  originMs: number,
  spec: WindowSpec,
): WindowInput | string {
  const { windowSteps, stepMin, maxGapSteps } = spec;
  if (!Number.isFinite(originMs)) return `originMs ${String(originMs)} is not a finite time`;
  if (history.length < windowSteps) {
    return `history has ${history.length} slots but the model needs the last ${windowSteps}`;
  }
  const start = history.length - windowSteps;
  const window = new Float64Array(windowSteps);
  for (let i = 0; i < windowSteps; i++) {
    const v = history[start + i] as number;
    window[i] = Number.isFinite(v) ? v : NaN;
  }
  if (fillShortGaps(window, maxGapSteps) === null) {
    return `the ${windowSteps}-slot window before ${new Date(originMs).toISOString()} has a gap longer than ${maxGapSteps} slots`;
  }
  const timeFeatures = new Float32Array(windowSteps * TIME_FEATURES_PER_STEP);
  const stepMs = stepMin * MINUTE_MS;
  for (let i = 0; i < windowSteps; i++) {
    timeFeaturesAt(originMs - (windowSteps - i) * stepMs, timeFeatures, i * TIME_FEATURES_PER_STEP);
  }
  return { windowGPerKWh: window, timeFeatures };
}

/** The origin (ms) right after grid slot `lastIndex`. */
export function originAfterSlot(grid: RegularGrid, lastIndex: number): number {
  return grid.startMs + (lastIndex + 1) * grid.stepMin * MINUTE_MS;
}

/**
 * The input for the origin right after grid slot `lastIndex`, reading only grid slots ≤ lastIndex
 * (a subarray view, so later slots cannot be reached).
 */
export function windowAtSlot(grid: RegularGrid, lastIndex: number, spec: WindowSpec): WindowInput | string {
  if (lastIndex < 0 || lastIndex >= grid.values.length) return `slot ${lastIndex} is outside the series`;
  return windowFromHistory(grid.values.subarray(0, lastIndex + 1), originAfterSlot(grid, lastIndex), spec);
}

/** Actuals for each horizon after slot `lastIndex`, or null if any is missing or beyond the series. */
export function targetsAtSlot(
  grid: RegularGrid,
  lastIndex: number,
  horizonsSteps: readonly number[],
): Float64Array | null {
  const out = new Float64Array(horizonsSteps.length);
  for (let k = 0; k < horizonsSteps.length; k++) {
    const v = grid.values[lastIndex + (horizonsSteps[k] as number)];
    if (v === undefined || !Number.isFinite(v)) return null;
    out[k] = v;
  }
  return out;
}
import { DAY_MS, MINUTE_MS, WEEK_MS } from '@carbonreducer/common';
