import { DAY_MS } from '@carbonreducer/common';
import type { IntervalForecast } from './direct';
import { lagValue, type HistoryWindow, type RegularSeries } from './series';

/** Something the backtest can run: it sees only history windows that end at the origin. */
export interface Forecaster {
  readonly name: string;
  readonly lookbackSteps: number;
  /** For each window, forecasts for each requested number of slots ahead (same order). */
  forecast(windows: HistoryWindow[], stepsAhead: number[][]): IntervalForecast[][] | Promise<IntervalForecast[][]>;
}

export type SeasonalPeriod = 'day' | 'week';

/**
 * Picks the seasonal-naive period on training data: the same slot one day earlier, unless one week earlier has the
 * lower mean absolute error there.
 */
export function chooseSeasonalPeriod(train: RegularSeries): {
  period: SeasonalPeriod;
  dayMae: number;
  weekMae: number;
} {
  const perDay = DAY_MS / train.stepMs;
  const err = (lag: number): number => {
    let s = 0;
    let n = 0;
    for (let i = 7 * perDay; i < train.values.length; i++) {
      const a = train.values[i] as number;
      const b = train.values[i - lag] as number;
      if (Number.isNaN(a) || Number.isNaN(b)) continue;
      s += Math.abs(a - b);
      n++;
    }
    return n === 0 ? NaN : s / n;
  };
  const dayMae = err(perDay);
  const weekMae = err(7 * perDay);
  return { period: weekMae < dayMae ? 'week' : 'day', dayMae, weekMae };
}

/**
 * Seasonal naive: the newest value from a whole number of periods before the target that is already known at the
 * origin (for a 48 h horizon with a daily period that is two days before the target).
 */
export function seasonalNaive(stepMs: number, period: SeasonalPeriod): Forecaster {
  const periodSteps = ((period === 'day' ? 1 : 7) * DAY_MS) / stepMs;
  return {
    name: `seasonal-naive-${period}`,
    lookbackSteps: 2 * periodSteps + 1,
    forecast: (windows, steps) =>
      windows.map((w, i) =>
        (steps[i] ?? []).map((k) => {
          const back = Math.max(1, Math.ceil(k / periodSteps)) * periodSteps - k;
          const v = lagValue(w, back);
          return { point: v, lower: v, upper: v };
        }),
      ),
  };
}

/**
 * K-nearest-neighbours regressor on the last `lags` values, used recursively for multi-step forecasts — the
 * baseline EMHASS ships (scikit-learn KNeighborsRegressor on lagged load). k is chosen on the tail of the training
 * data among `kCandidates`.
 */
export function trainKnn(
  train: RegularSeries,
  options: { lags: number; kCandidates?: number[]; holdoutShare?: number },
): Forecaster & { k: number } {
  const L = options.lags;
  const rows: number[] = [];
  const targets: number[] = [];
  for (let i = L; i < train.values.length; i++) {
    const t = train.values[i] as number;
    if (Number.isNaN(t)) continue;
    let ok = true;
    for (let j = i - L; j < i; j++) if (Number.isNaN(train.values[j] as number)) ok = false;
    if (!ok) continue;
    for (let j = i - L; j < i; j++) rows.push(train.values[j] as number);
    targets.push(t);
  }
  if (targets.length < 20) throw new RangeError(`trainKnn: only ${targets.length} complete training rows`);
  const x = Float64Array.from(rows);
  const y = Float64Array.from(targets);
  const predictOne = (query: Float64Array, k: number, limit: number): number => {
    // Keep the k smallest distances with an insertion-sorted buffer.
    const bestD = new Float64Array(k).fill(Infinity);
    const bestY = new Float64Array(k);
    for (let r = 0; r < limit; r++) {
      let d = 0;
      const off = r * L;
      for (let j = 0; j < L; j++) {
        const e = (x[off + j] as number) - (query[j] as number);
        d += e * e;
        if (d >= (bestD[k - 1] as number)) break;
      }
      if (d >= (bestD[k - 1] as number)) continue;
      let p = k - 1;
      while (p > 0 && (bestD[p - 1] as number) > d) {
        bestD[p] = bestD[p - 1] as number;
        bestY[p] = bestY[p - 1] as number;
        p--;
      }
      bestD[p] = d;
      bestY[p] = y[r] as number;
    }
    let s = 0;
    let n = 0;
    for (let i = 0; i < k; i++) {
      if (bestD[i] === Infinity) continue;
      s += bestY[i] as number;
      n++;
    }
    return n === 0 ? NaN : s / n;
  };
  const cut = Math.floor(y.length * (1 - (options.holdoutShare ?? 0.2)));
  let bestK = (options.kCandidates ?? [5])[0] as number;
  let bestErr = Infinity;
  for (const k of options.kCandidates ?? [5, 10, 20, 40]) {
    let err = 0;
    for (let r = cut; r < y.length; r++) {
      err += Math.abs((y[r] as number) - predictOne(x.subarray(r * L, (r + 1) * L), k, cut));
    }
    if (err < bestErr) {
      bestErr = err;
      bestK = k;
    }
  }
  const k = bestK;
  return {
    name: `knn-k${k}-lags${L}`,
    k,
    lookbackSteps: L,
    forecast: (windows, steps) =>
      windows.map((w, i) => {
        const want = steps[i] ?? [];
        const maxK = Math.max(0, ...want);
        const buf = new Float64Array(L + maxK);
        for (let j = 0; j < L; j++) buf[j] = lagValue(w, L - 1 - j);
        // Fill gaps with the last known value so one missing minute-hour does not blank the forecast.
        for (let j = 1; j < L; j++) if (Number.isNaN(buf[j] as number)) buf[j] = buf[j - 1] as number;
        const path: number[] = [];
        for (let s = 0; s < maxK; s++) {
          const v = predictOne(buf.subarray(s, s + L), k, y.length);
          buf[L + s] = v;
          path.push(v);
        }
        return want.map((kk) => {
          const v = path[kk - 1] ?? NaN;
          return { point: v, lower: v, upper: v };
        });
      }),
  };
}
