import type { Forecaster } from './baselines';
import type { IntervalForecast } from './direct';
import { coverage, mae, mape, rmse } from './metrics';
import { historyWindow, valueEndingAt, type HistoryWindow, type RegularSeries } from './series';

/** One reported horizon: which slots ahead it pools, and from which origins it is issued. */
export interface HorizonSpec {
  label: string;
  stepsAhead: number[];
  originsMs: number[];
}

export interface BacktestRecord {
  originMs: number;
  targetEndMs: number;
  actual: number;
  /** Forecasts by forecaster name. */
  forecasts: Record<string, IntervalForecast>;
}

export interface BacktestRun {
  horizons: Array<{ label: string; records: BacktestRecord[] }>;
  origins: number;
}

/**
 * Rolling-origin evaluation. At each origin, every forecaster gets only `historyWindow(series, origin, lookback)`:
 * a copy of the slots that end at or before the origin. Nothing after the origin is reachable from what a
 * forecaster is given, so leakage of the future is impossible by construction. Actuals are read afterwards.
 */
export async function runBacktest(
  series: RegularSeries,
  horizons: HorizonSpec[],
  forecasters: Forecaster[],
  /** Where actuals are scored from (defaults to `series`), e.g. only the test period. */
  actuals: RegularSeries = series,
): Promise<BacktestRun> {
  const names = new Set<string>();
  for (const f of forecasters) {
    if (names.has(f.name)) throw new Error(`runBacktest: two forecasters named ${f.name}`);
    names.add(f.name);
  }
  const stepsByOrigin = new Map<number, Set<number>>();
  for (const h of horizons) {
    for (const o of h.originsMs) {
      let s = stepsByOrigin.get(o);
      if (s === undefined) stepsByOrigin.set(o, (s = new Set()));
      for (const k of h.stepsAhead) s.add(k);
    }
  }
  const origins = [...stepsByOrigin.keys()].sort((a, b) => a - b);
  const steps = origins.map((o) => [...(stepsByOrigin.get(o) as Set<number>)].sort((a, b) => a - b));
  const results = new Map<string, IntervalForecast[][]>();
  for (const f of forecasters) {
    const windows: HistoryWindow[] = origins.map((o) => historyWindow(series, o, f.lookbackSteps));
    const out = await f.forecast(windows, steps);
    if (out.length !== origins.length)
      throw new Error(`runBacktest: ${f.name} returned ${out.length} results for ${origins.length} origins`);
    results.set(f.name, out);
  }
  const originIndex = new Map(origins.map((o, i) => [o, i]));
  return {
    origins: origins.length,
    horizons: horizons.map((h) => {
      const records: BacktestRecord[] = [];
      for (const o of h.originsMs) {
        const oi = originIndex.get(o) as number;
        const stepList = steps[oi] as number[];
        for (const k of h.stepsAhead) {
          const targetEndMs = o + k * series.stepMs;
          const actual = valueEndingAt(actuals, targetEndMs);
          const si = stepList.indexOf(k);
          const forecasts: Record<string, IntervalForecast> = {};
          for (const f of forecasters) {
            const fc = (results.get(f.name) as IntervalForecast[][])[oi]?.[si];
            if (fc !== undefined) forecasts[f.name] = fc;
          }
          records.push({ originMs: o, targetEndMs, actual, forecasts });
        }
      }
      return { label: h.label, records };
    }),
  };
}

export interface HorizonMetrics {
  h: string;
  mae: number;
  rmse: number;
  mape: number;
  seasonalNaiveMae: number;
  operatorMae: number | null;
  knnMae: number | null;
  coverage80: number;
}

export interface SummaryOptions {
  model: string;
  seasonalNaive: string;
  knn?: string;
  /** The operator's published forecast for the slot ending at a time (a benchmark, never a model input). */
  operator?: (targetEndMs: number) => number;
}

/**
 * Metrics per horizon, all computed on the same points: those where the actual, the model, seasonal naive and
 * (when present) KNN and the operator forecast all have a value.
 */
export function summarize(run: BacktestRun, opts: SummaryOptions): { points: number; horizons: HorizonMetrics[] } {
  let points = 0;
  const horizons = run.horizons.map(({ label, records }) => {
    const a: number[] = [];
    const m: number[] = [];
    const lo: number[] = [];
    const hi: number[] = [];
    const sn: number[] = [];
    const kn: number[] = [];
    const op: number[] = [];
    for (const r of records) {
      const f = r.forecasts[opts.model];
      const s = r.forecasts[opts.seasonalNaive];
      const k = opts.knn ? r.forecasts[opts.knn] : undefined;
      const o = opts.operator ? opts.operator(r.targetEndMs) : NaN;
      if (!Number.isFinite(r.actual) || !f || !Number.isFinite(f.point) || !s || !Number.isFinite(s.point)) continue;
      if (opts.knn && !(k && Number.isFinite(k.point))) continue;
      if (opts.operator && !Number.isFinite(o)) continue;
      a.push(r.actual);
      m.push(f.point);
      lo.push(f.lower);
      hi.push(f.upper);
      sn.push(s.point);
      if (k) kn.push(k.point);
      op.push(o);
    }
    points += a.length;
    return {
      h: label,
      mae: round(mae(a, m)),
      rmse: round(rmse(a, m)),
      mape: round(mape(a, m)),
      seasonalNaiveMae: round(mae(a, sn)),
      operatorMae: opts.operator ? round(mae(a, op)) : null,
      knnMae: opts.knn ? round(mae(a, kn)) : null,
      coverage80: round(coverage(a, lo, hi)),
    };
  });
  return { points, horizons };
}

function round(v: number): number {
  return Number.isFinite(v) ? Math.round(v * 10_000) / 10_000 : v;
}

/** Origins on the series grid from `fromMs` (inclusive) to `toMs` (exclusive), every `everyMs`. */
export function originsBetween(fromMs: number, toMs: number, everyMs: number): number[] {
  const out: number[] = [];
  for (let t = Math.ceil(fromMs / everyMs) * everyMs; t < toMs; t += everyMs) out.push(t);
  return out;
}
