/**
 * What a forecast may be served from: the champion only when every slot its features read is present and fresh;
 * otherwise the next forecaster in the declared order, each point saying who served it and why. Pure: plain data and
 * the origin in, plain data out.
 */
import { DAY_MS } from '@carbonreducer/common';
import type { FallbackReason, ServedBy } from '../types';

/** The declared order, best first. `source_forecast` only for intensity (a home's load has no published forecast). */
export const SERVING_ORDER: readonly ServedBy[] = [
  'champion',
  'source_forecast',
  'seasonal_naive',
  'persistence',
  'flat',
];

export interface Sample {
  timeMs: number;
  value: number;
}

export interface HistoryRequirements {
  stepMs: number;
  /** Slots ending at the origin that the champion's features read. */
  lookbackSteps: number;
  /** The newest slot must end no earlier than this before the origin (ms). */
  maxStaleMs: number;
  /** Share of the lookback's slots that may be missing. */
  maxMissingShare: number;
  /** Longest run of consecutive missing slots allowed. */
  maxGapSteps: number;
}

export interface HistoryCheck {
  ok: boolean;
  reason: FallbackReason;
  detail: string;
  missingSlots: number;
  longestGapSteps: number;
  /** End of the newest slot present (ms), or null when there is none. */
  newestEndMs: number | null;
}

/** Whether the lookback window [origin − lookback·step, origin) is present and fresh enough for the champion. */
export function checkHistory(samples: readonly Sample[], originMs: number, req: HistoryRequirements): HistoryCheck {
  const startMs = originMs - req.lookbackSteps * req.stepMs;
  const present = new Set<number>();
  let newestEndMs: number | null = null;
  for (const s of samples) {
    if (s.timeMs >= originMs || !Number.isFinite(s.value)) continue;
    const endMs = s.timeMs + req.stepMs;
    if (newestEndMs === null || endMs > newestEndMs) newestEndMs = endMs;
    if (s.timeMs >= startMs) present.add(s.timeMs);
  }
  let missing = 0;
  let gap = 0;
  let longest = 0;
  for (let t = startMs; t < originMs; t += req.stepMs) {
    if (present.has(t)) gap = 0;
    else {
      missing++;
      longest = Math.max(longest, ++gap);
    }
  }
  const base = { missingSlots: missing, longestGapSteps: longest, newestEndMs };
  const iso = (ms: number): string => new Date(ms).toISOString();
  if (newestEndMs === null) {
    return { ok: false, reason: 'no_history', detail: `no actuals before ${iso(originMs)}`, ...base };
  }
  if (newestEndMs < originMs - req.maxStaleMs) {
    return {
      ok: false,
      reason: 'stale_history',
      detail: `newest actual ends ${iso(newestEndMs)}, more than ${req.maxStaleMs / 60_000} min before ${iso(originMs)}`,
      ...base,
    };
  }
  if (missing > req.maxMissingShare * req.lookbackSteps || longest > req.maxGapSteps) {
    return {
      ok: false,
      reason: 'incomplete_history',
      detail:
        `${missing} of ${req.lookbackSteps} slots missing since ${iso(startMs)} (longest gap ${longest}; ` +
        `allowed ${Math.floor(req.maxMissingShare * req.lookbackSteps)}, gap ${req.maxGapSteps})`,
      ...base,
    };
  }
  return { ok: true, reason: 'none', detail: 'complete', ...base };
}

export interface ServedPoint {
  fromMs: number;
  value: number;
  lower?: number;
  upper?: number;
  servedBy: ServedBy;
  fallbackReason: FallbackReason;
}

/**
 * The forecast for the slots [origin, origin + n·step) when the champion cannot serve: each slot from the source's
 * own forecast if it has that slot, else seasonal naive (the same time of day on the latest earlier day with an
 * actual, within a week), else persistence (the newest actual), else `flatValue`.
 */
export function fallbackForecast(args: {
  originMs: number;
  stepMs: number;
  steps: number;
  actuals: readonly Sample[];
  sourceForecast?: readonly Sample[];
  reason: FallbackReason;
  flatValue: number;
}): ServedPoint[] {
  const { originMs, stepMs, reason } = args;
  const actual = new Map<number, number>();
  let newest: Sample | undefined;
  for (const s of args.actuals) {
    if (s.timeMs >= originMs || !Number.isFinite(s.value)) continue;
    actual.set(s.timeMs, s.value);
    if (newest === undefined || s.timeMs > newest.timeMs) newest = s;
  }
  const source = new Map<number, number>();
  for (const s of args.sourceForecast ?? []) if (Number.isFinite(s.value)) source.set(s.timeMs, s.value);
  const out: ServedPoint[] = [];
  for (let i = 0; i < args.steps; i++) {
    const fromMs = originMs + i * stepMs;
    const published = source.get(fromMs);
    if (published !== undefined) {
      out.push({ fromMs, value: published, servedBy: 'source_forecast', fallbackReason: reason });
      continue;
    }
    let seasonal: number | undefined;
    for (let d = Math.max(1, Math.ceil((fromMs + stepMs - originMs) / DAY_MS)); d <= 7 && seasonal === undefined; d++) {
      seasonal = actual.get(fromMs - d * DAY_MS);
    }
    if (seasonal !== undefined)
      out.push({ fromMs, value: seasonal, servedBy: 'seasonal_naive', fallbackReason: reason });
    else if (newest !== undefined)
      out.push({ fromMs, value: newest.value, servedBy: 'persistence', fallbackReason: reason });
    else out.push({ fromMs, value: args.flatValue, servedBy: 'flat', fallbackReason: reason });
  }
  return out;
}

/** Points per forecaster, and the one that served the most (ties: the earlier in the declared order). */
export function servingSummary(points: readonly { servedBy?: ServedBy }[]): {
  servedBy: ServedBy;
  counts: Partial<Record<ServedBy, number>>;
} {
  const counts: Partial<Record<ServedBy, number>> = {};
  for (const p of points) {
    const s = p.servedBy ?? 'champion';
    counts[s] = (counts[s] ?? 0) + 1;
  }
  let best: ServedBy = 'flat';
  let bestN = -1;
  for (const s of SERVING_ORDER) {
    const n = counts[s] ?? 0;
    if (n > bestN) {
      best = s;
      bestN = n;
    }
  }
  return { servedBy: best, counts };
}
