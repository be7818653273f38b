import { DAY_MS } from '@carbonreducer/common';
import { dayOfWeekUtc, hourOfDayUtc, isNonWorkingDay } from './calendar';
import { lagValue, lastObserved, type HistoryWindow } from './series';

/**
 * How a direct forecaster sees a window: the features for one horizon, the reference the target is measured from
 * (the model learns `actual − reference`), and a scale of recent variability that normalises residuals for the
 * conformal intervals.
 */
export interface FeatureSet {
  kind: 'intensity' | 'load';
  names: readonly string[];
  /** Slots of history the features read (the window must be at least this long). */
  lookbackSteps: number;
  /** Fills `out` for the slot `stepsAhead` after the window end; false when the window is too empty to forecast. */
  build(window: HistoryWindow, stepsAhead: number, out: Float64Array): boolean;
  reference(window: HistoryWindow): number;
  /** Recent variability for a forecast `stepsAhead` slots out (same units as the series). */
  scale(window: HistoryWindow, stepsAhead: number): number;
}

function windowStats(
  window: HistoryWindow,
  steps: number,
): { mean: number; std: number; min: number; max: number; meanAbsDiff: number } {
  let sum = 0;
  let sq = 0;
  let n = 0;
  let min = Infinity;
  let max = -Infinity;
  let diffSum = 0;
  let diffN = 0;
  let prev = Number.NaN;
  const start = Math.max(0, window.values.length - steps);
  for (let i = start; i < window.values.length; i++) {
    const v = window.values[i] as number;
    if (Number.isNaN(v)) {
      prev = Number.NaN;
      continue;
    }
    sum += v;
    sq += v * v;
    n++;
    if (v < min) min = v;
    if (v > max) max = v;
    if (!Number.isNaN(prev)) {
      diffSum += Math.abs(v - prev);
      diffN++;
    }
    prev = v;
  }
  if (n === 0) return { mean: NaN, std: NaN, min: NaN, max: NaN, meanAbsDiff: NaN };
  const mean = sum / n;
  return {
    mean,
    std: Math.sqrt(Math.max(0, sq / n - mean * mean)),
    min,
    max,
    meanAbsDiff: diffN > 0 ? diffSum / diffN : NaN,
  };
}

/** Mean |y(t) − y(t − k)| over the last `span` slots of the window (pairs fully inside it). */
function persistenceError(window: HistoryWindow, k: number, span: number): number {
  const v = window.values;
  let sum = 0;
  let n = 0;
  for (let i = Math.max(k, v.length - span); i < v.length; i++) {
    const a = v[i] as number;
    const b = v[i - k] as number;
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    sum += Math.abs(a - b);
    n++;
  }
  return n === 0 ? NaN : sum / n;
}

/** Steps back from the window end to the newest slot that is a whole number of `periodSteps` before the target. */
function seasonalStepsBack(stepsAhead: number, periodSteps: number): number {
  const periods = Math.max(1, Math.ceil(stepsAhead / periodSteps));
  return periods * periodSteps - stepsAhead;
}

/** Grid carbon intensity (gCO2/kWh), any step that divides a day (30 min for NESO, 60 min for Electricity Maps). */
export function intensityFeatures(stepMs: number): FeatureSet {
  const perDay = DAY_MS / stepMs;
  if (!Number.isInteger(perDay)) throw new RangeError(`intensityFeatures: step ${stepMs} ms does not divide a day`);
  const perHour = 3_600_000 / stepMs;
  const diffLagsSteps = [1, 2, 3, 4, 6, 8, 12, 24].filter((s) => s <= perDay / 2);
  const names = [
    'y0',
    ...diffLagsSteps.map((s) => `y0_minus_lag${s}`),
    'mean24h_minus_y0',
    'std24h',
    'min24h_minus_y0',
    'max24h_minus_y0',
    'mean6h_minus_y0',
    'day_ago_target_minus_y0',
    'day_ago_change',
    'week_ago_target_minus_y0',
    'week_ago_change',
    'two_day_ago_change',
    'week_profile_change',
    'mean3d_minus_y0',
    'mean7d_minus_y0',
    'daily_mean_trend',
    'target_slot_mean7d_minus_y0',
    'target_hour',
    'target_hour_sin',
    'target_hour_cos',
    'origin_hour',
    'target_dow',
    'target_nonworking',
    'origin_nonworking',
  ];
  const lookbackSteps = 8 * perDay + 1;
  return {
    kind: 'intensity',
    names,
    lookbackSteps,
    reference: (w) => lastObserved(w, 0, 4 * perHour),
    // The persistence error at this lead time over the past week: a horizon-specific, locally adaptive scale.
    scale: (w, k) => {
      const s = persistenceError(w, k, 7 * perDay);
      return Number.isFinite(s) ? Math.max(s, 1) : 10;
    },
    build(w, k, out) {
      const y0 = lastObserved(w, 0, 4 * perHour);
      if (Number.isNaN(y0)) return false;
      const targetEndMs = w.endMs + k * stepMs;
      const targetMidMs = targetEndMs - stepMs / 2;
      let j = 0;
      out[j++] = y0;
      for (const s of diffLagsSteps) out[j++] = y0 - lagValue(w, s);
      const d = windowStats(w, perDay);
      out[j++] = d.mean - y0;
      out[j++] = d.std;
      out[j++] = d.min - y0;
      out[j++] = d.max - y0;
      out[j++] = windowStats(w, 6 * perHour).mean - y0;
      const dayBack = seasonalStepsBack(k, perDay);
      const dayPeriods = (dayBack + k) / perDay;
      out[j++] = lagValue(w, dayBack) - y0;
      out[j++] = lagValue(w, dayBack) - lagValue(w, dayPeriods * perDay);
      const weekBack = seasonalStepsBack(k, 7 * perDay);
      out[j++] = lagValue(w, weekBack) - y0;
      out[j++] = lagValue(w, weekBack) - lagValue(w, 7 * perDay);
      out[j++] = lagValue(w, dayBack + perDay) - lagValue(w, (dayPeriods + 1) * perDay);
      // Typical change from the origin's time of day to the target's over the past week (the diurnal shape);
      // zero when the target falls at the origin's time of day, where it would only measure a noisy trend.
      let shape = 0;
      let shapeN = k % perDay === 0 ? 1 : 0;
      for (let p = 0; p < 7 && k % perDay !== 0; p++) {
        const d = lagValue(w, dayBack + p * perDay) - lagValue(w, (dayPeriods + p) * perDay);
        if (!Number.isNaN(d)) {
          shape += d;
          shapeN++;
        }
      }
      out[j++] = shapeN > 0 ? shape / shapeN : NaN;
      // Multi-day level and its drift: what the series relaxes towards at long lead times.
      out[j++] = windowStats(w, 3 * perDay).mean - y0;
      out[j++] = windowStats(w, 7 * perDay).mean - y0;
      out[j++] = d.mean - windowStats({ ...w, values: w.values.subarray(0, w.values.length - perDay) }, perDay).mean;
      // Climatology of the target's time of day over the past week (the weekly profile at that slot).
      let slot = 0;
      let slotN = 0;
      for (let p = 0; p < 7; p++) {
        const v = lagValue(w, dayBack + p * perDay);
        if (!Number.isNaN(v)) {
          slot += v;
          slotN++;
        }
      }
      out[j++] = slotN > 0 ? slot / slotN - y0 : NaN;
      const th = hourOfDayUtc(targetMidMs);
      out[j++] = th;
      out[j++] = Math.sin((2 * Math.PI * th) / 24);
      out[j++] = Math.cos((2 * Math.PI * th) / 24);
      out[j++] = hourOfDayUtc(w.endMs - stepMs / 2);
      out[j++] = dayOfWeekUtc(targetMidMs);
      out[j++] = isNonWorkingDay(targetMidMs) ? 1 : 0;
      out[j] = isNonWorkingDay(w.endMs - stepMs / 2) ? 1 : 0;
      return true;
    },
  };
}

/** Household hourly energy (the series holds kWh per hour, so models work on values of order 1). */
export function loadFeatures(stepMs = 3_600_000): FeatureSet {
  const perDay = DAY_MS / stepMs;
  if (!Number.isInteger(perDay)) throw new RangeError(`loadFeatures: step ${stepMs} ms does not divide a day`);
  const names = [
    'y0',
    'lag1',
    'lag2',
    'mean3',
    'mean24',
    'std24',
    'max24',
    'mean7d',
    'same_hour_day_ago',
    'same_hour_week_ago',
    'same_hour_mean7d',
    'same_hour_median7d',
    'next_hour_day_ago',
    'prev_hour_day_ago',
    'target_hour',
    'target_dow',
    'target_nonworking',
    'origin_hour',
    'steps_ahead',
  ];
  return {
    kind: 'load',
    names,
    lookbackSteps: 8 * perDay + 1,
    reference: () => 0,
    scale: (w) => {
      const s = windowStats(w, perDay).mean;
      return Number.isFinite(s) ? Math.max(s, 0.05) : 0.3;
    },
    build(w, k, out) {
      const y0 = lastObserved(w, 0, 3);
      const d = windowStats(w, perDay);
      if (Number.isNaN(y0) || Number.isNaN(d.mean)) return false;
      const targetMidMs = w.endMs + k * stepMs - stepMs / 2;
      const dayBack = seasonalStepsBack(k, perDay);
      const sameHour: number[] = [];
      for (let p = 0; p < 7; p++) {
        const v = lagValue(w, dayBack + p * perDay);
        if (!Number.isNaN(v)) sameHour.push(v);
      }
      sameHour.sort((a, b) => a - b);
      const mid = sameHour.length >> 1;
      let j = 0;
      out[j++] = y0;
      out[j++] = lagValue(w, 1);
      out[j++] = lagValue(w, 2);
      out[j++] = windowStats(w, 3).mean;
      out[j++] = d.mean;
      out[j++] = d.std;
      out[j++] = d.max;
      out[j++] = windowStats(w, 7 * perDay).mean;
      out[j++] = lagValue(w, dayBack);
      out[j++] = lagValue(w, seasonalStepsBack(k, 7 * perDay));
      out[j++] = sameHour.length > 0 ? sameHour.reduce((s, v) => s + v, 0) / sameHour.length : NaN;
      out[j++] =
        sameHour.length === 0
          ? NaN
          : sameHour.length % 2 === 1
            ? (sameHour[mid] as number)
            : ((sameHour[mid - 1] as number) + (sameHour[mid] as number)) / 2;
      out[j++] = dayBack >= 1 ? lagValue(w, dayBack - 1) : NaN;
      out[j++] = lagValue(w, dayBack + 1);
      out[j++] = hourOfDayUtc(targetMidMs);
      out[j++] = dayOfWeekUtc(targetMidMs);
      out[j++] = isNonWorkingDay(targetMidMs) ? 1 : 0;
      out[j++] = hourOfDayUtc(w.endMs - stepMs / 2);
      out[j] = k;
      return true;
    },
  };
}
