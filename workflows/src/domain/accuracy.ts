/**
 * Live forecast accuracy: the forecasts that were issued before each actual that has since arrived, scored per lead
 * time (the backtest's horizons: 30 min … 48 h from issue to the end of the slot) and per served model, over rolling
 * windows. Pure: stored rows and `now` in, scores out.
 */
import { HALF_HOUR_MS, MINUTE_MS } from '@carbonreducer/common';
import { horizonLabel, INTENSITY_HORIZONS_MIN } from '@carbonreducer/forecast';
import type { AccuracyScore } from '../types';

export interface StoredForecastPoint {
  issuedAtMs: number;
  /** Slot start. */
  slotMs: number;
  servedBy: string;
  value: number;
  lower?: number;
  upper?: number;
}

export interface ScoringWindow {
  label: string;
  ms: number;
}

/**
 * For each window (slots that ended in [now − window, now]), each served model and each horizon: MAE of the point
 * forecasts against the actual of the slot, and the share of actuals inside the 80 % band (null without bands).
 */
export function scoreForecasts(args: {
  forecasts: readonly StoredForecastPoint[];
  actuals: readonly { timeMs: number; value: number }[];
  nowMs: number;
  windows: readonly ScoringWindow[];
  stepMs?: number;
}): AccuracyScore[] {
  const stepMs = args.stepMs ?? HALF_HOUR_MS;
  const actual = new Map<number, number>();
  for (const a of args.actuals) if (Number.isFinite(a.value)) actual.set(a.timeMs, a.value);
  const horizonByLeadMin = new Map<number, string>(INTENSITY_HORIZONS_MIN.map((m) => [m, horizonLabel(m)]));
  const out: AccuracyScore[] = [];
  for (const w of args.windows) {
    const groups = new Map<
      string,
      { servedBy: string; horizon: string; err: number; n: number; inBand: number; banded: number }
    >();
    for (const f of args.forecasts) {
      const endMs = f.slotMs + stepMs;
      if (endMs > args.nowMs || endMs <= args.nowMs - w.ms) continue;
      const y = actual.get(f.slotMs);
      if (y === undefined || !Number.isFinite(f.value)) continue;
      const horizon = horizonByLeadMin.get((endMs - f.issuedAtMs) / MINUTE_MS);
      if (horizon === undefined) continue;
      const key = `${f.servedBy}\u0000${horizon}`;
      const g = groups.get(key) ?? { servedBy: f.servedBy, horizon, err: 0, n: 0, inBand: 0, banded: 0 };
      g.err += Math.abs(f.value - y);
      g.n++;
      if (f.lower !== undefined && f.upper !== undefined && Number.isFinite(f.lower) && Number.isFinite(f.upper)) {
        g.banded++;
        if (y >= f.lower && y <= f.upper) g.inBand++;
      }
      groups.set(key, g);
    }
    const order = (h: string): number => [...horizonByLeadMin.values()].indexOf(h);
    for (const g of [...groups.values()].sort(
      (a, b) => a.servedBy.localeCompare(b.servedBy) || order(a.horizon) - order(b.horizon),
    )) {
      out.push({
        window: w.label,
        servedBy: g.servedBy,
        horizon: g.horizon,
        maeGPerKWh: g.err / g.n,
        coverage80: g.banded > 0 ? g.inBand / g.banded : null,
        points: g.n,
      });
    }
  }
  return out;
}
