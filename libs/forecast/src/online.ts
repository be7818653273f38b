import type { Forecaster } from './baselines';
import type { IntervalForecast } from './direct';
import type { HistoryWindow } from './series';

/**
 * Online recalibration of prediction intervals from the forecaster's own recent residuals.
 *
 * A forecast for k slots ahead issued at origin o is "resolved" at the first later origin o' ≥ o + k·step: only then
 * is its actual known, and it is read from the window handed over at o' (which ends at o'). Its residual is
 * normalised by the half-width of the interval it was issued with, r = (actual − centre) / halfWidth, so the
 * incoming band is [−1, 1] in these units. The band issued at an origin is then
 * centre + [q(tail), q(1 − tail)] · halfWidth over the last `windowSize` resolved residuals for that k, blended
 * with the incoming band (weight `priorWeight` pseudo-residuals) while few are known. Optionally the tail level
 * adapts to the recent miss rate (adaptive conformal inference, Gibbs & Candès 2021) with step `gamma`.
 *
 * Everything used at an origin is in windows ending at or before it, so the state cannot carry the future.
 */
export interface OnlineCalibrationOptions {
  /** Nominal coverage of the intervals (default 0.8). */
  coverage?: number;
  /** Resolved residuals kept per lead time (e.g. one week of origins). */
  windowSize: number;
  /**
   * At long lead times neighbouring residuals overlap (a 48 h forecast issued every 30 min shares most of its
   * future with the next), so a window holds few independent errors: it is widened to at least this many lead
   * times' worth of origins (default 0: off).
   */
  minLeadsPerWindow?: number;
  /** Pseudo-count given to the incoming band when blending (default windowSize / 7). */
  priorWeight?: number;
  /** Resolved residuals needed before the band moves at all (default 10). */
  minResiduals?: number;
  /** Adaptive-conformal step on the miscoverage level per resolved forecast; 0 turns it off (default 0). */
  gamma?: number;
  /**
   * Caps the adaptive-conformal step at `gammaDelayCap / k` for lead k (slots ahead). A miss at lead k is only seen
   * k slots later, so the level keeps moving for k origins on stale news; with γ·k large it overshoots and
   * oscillates (0: no cap).
   */
  gammaDelayCap?: number;
}

interface Pending {
  targetEndMs: number;
  centre: number;
  halfWidth: number;
  lower: number;
  upper: number;
}

interface LeadState {
  /** Slots ahead. */
  k: number;
  pending: Pending[];
  /** Resolved residuals, oldest first, and the same values kept sorted (quantiles are read at every origin). */
  residuals: number[];
  sorted: number[];
  /** Current miscoverage level (ACI); starts at 1 − coverage. */
  alpha: number;
}

/** First index in ascending `a` whose value is ≥ v. */
function lowerBound(a: readonly number[], v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Quantile of ascending values, interpolated between order statistics (as `quantile` in metrics.ts). */
function sortedQuantile(sorted: readonly number[], q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const a = sorted[lo] as number;
  const b = sorted[Math.ceil(pos)] as number;
  return a + (b - a) * (pos - lo);
}

/** The calibration state for one sequence of origins. Feed windows in origin order. */
export class OnlineBandCalibrator {
  private readonly coverage: number;
  private readonly windowSize: number;
  private readonly minLeadsPerWindow: number;
  private readonly priorWeight: number;
  private readonly minResiduals: number;
  private readonly gamma: number;
  private readonly gammaDelayCap: number;
  private readonly leads = new Map<number, LeadState>();
  private lastOriginMs = -Infinity;

  constructor(options: OnlineCalibrationOptions) {
    this.coverage = options.coverage ?? 0.8;
    if (!(this.coverage > 0 && this.coverage < 1))
      throw new RangeError(`OnlineBandCalibrator: coverage must be in (0, 1), got ${this.coverage}`);
    if (!(Number.isInteger(options.windowSize) && options.windowSize >= 1))
      throw new RangeError(`OnlineBandCalibrator: windowSize must be a positive integer, got ${options.windowSize}`);
    this.windowSize = options.windowSize;
    this.minLeadsPerWindow = options.minLeadsPerWindow ?? 0;
    this.priorWeight = options.priorWeight ?? options.windowSize / 7;
    this.minResiduals = options.minResiduals ?? 10;
    this.gamma = options.gamma ?? 0;
    this.gammaDelayCap = options.gammaDelayCap ?? 0;
    if (!(this.priorWeight >= 0) || !(this.gamma >= 0) || !(this.gammaDelayCap >= 0))
      throw new RangeError('OnlineBandCalibrator: priorWeight, gamma and gammaDelayCap must be ≥ 0');
  }

  private lead(k: number): LeadState {
    let s = this.leads.get(k);
    if (s === undefined)
      this.leads.set(k, (s = { k, pending: [], residuals: [], sorted: [], alpha: 1 - this.coverage }));
    return s;
  }

  /**
   * Resolves every pending forecast whose target slot ends at or before the window end, with the actual read from
   * the window. Windows must come in non-decreasing order of their end.
   */
  observe(window: HistoryWindow): void {
    if (window.endMs < this.lastOriginMs)
      throw new RangeError('OnlineBandCalibrator: windows must be observed in origin order');
    this.lastOriginMs = window.endMs;
    for (const s of this.leads.values()) {
      let done = 0;
      for (const p of s.pending) {
        if (p.targetEndMs > window.endMs) break;
        done++;
        const back = (window.endMs - p.targetEndMs) / window.stepMs;
        const i = window.values.length - 1 - back;
        const actual = Number.isInteger(i) && i >= 0 ? (window.values[i] as number) : Number.NaN;
        if (!Number.isFinite(actual)) continue;
        const r = (actual - p.centre) / p.halfWidth;
        s.residuals.push(r);
        s.sorted.splice(lowerBound(s.sorted, r), 0, r);
        if (s.residuals.length > Math.max(this.windowSize, this.minLeadsPerWindow * s.k)) {
          const old = s.residuals.shift() as number;
          s.sorted.splice(lowerBound(s.sorted, old), 1);
        }
        if (this.gamma > 0) {
          const miss = actual < p.lower || actual > p.upper ? 1 : 0;
          const gamma = this.gammaDelayCap > 0 ? Math.min(this.gamma, this.gammaDelayCap / s.k) : this.gamma;
          s.alpha = Math.min(0.99, Math.max(0.001, s.alpha + gamma * (1 - this.coverage - miss)));
        }
      }
      if (done > 0) s.pending.splice(0, done);
    }
  }

  /** The current miscoverage level for lead time k (ACI; 1 − coverage until misses and hits move it). */
  missLevel(k: number): number {
    return this.lead(k).alpha;
  }

  /** The band, in half-widths of the incoming interval around its centre, for forecasts k slots ahead. */
  band(k: number): { lowerQ: number; upperQ: number; n: number } {
    const s = this.lead(k);
    const n = s.residuals.length;
    if (n < this.minResiduals) return { lowerQ: -1, upperQ: 1, n };
    const tail = s.alpha / 2;
    const w = n / (n + this.priorWeight);
    return {
      lowerQ: w * sortedQuantile(s.sorted, tail) + (1 - w) * -1,
      upperQ: w * sortedQuantile(s.sorted, 1 - tail) + (1 - w) * 1,
      n,
    };
  }

  /**
   * Recalibrates a forecast issued at the window end for k slots ahead with the residuals tracked for `key`
   * (default k), and remembers it until it resolves.
   */
  adjust(window: HistoryWindow, k: number, f: IntervalForecast, key = k): IntervalForecast {
    if (window.endMs !== this.lastOriginMs)
      throw new RangeError('OnlineBandCalibrator: observe the window before adjusting its forecasts');
    const centre = (f.lower + f.upper) / 2;
    const halfWidth = (f.upper - f.lower) / 2;
    if (!Number.isFinite(centre) || !(halfWidth > 0)) return f;
    const { lowerQ, upperQ } = this.band(key);
    const out = { point: f.point, lower: centre + lowerQ * halfWidth, upper: centre + upperQ * halfWidth };
    // A slot calibrated with another lead time's residuals (see `leadKey`) uses them without adding to them.
    if (key !== k) return out;
    const s = this.lead(k);
    const targetEndMs = window.endMs + k * window.stepMs;
    // Pending stays sorted by target: origins only move forward, so insert from the back.
    let at = s.pending.length;
    while (at > 0 && (s.pending[at - 1] as Pending).targetEndMs > targetEndMs) at--;
    s.pending.splice(at, 0, { targetEndMs, centre, halfWidth, lower: out.lower, upper: out.upper });
    return out;
  }
}

/**
 * Wraps a forecaster so its intervals are recalibrated online. Each call starts a fresh calibrator and walks the
 * windows in origin order, so the result for a window depends only on that window and the earlier ones in the same
 * call: a backtest passes every origin of the test period; a served forecaster passes recent past origins (replayed
 * from its history) followed by the current one.
 */
export function withOnlineCalibration(
  base: Forecaster,
  options: OnlineCalibrationOptions & {
    /**
     * Lead times (slots ahead) forecast and tracked at every origin even when not requested there, so e.g. a
     * day-ahead forecast issued once a day learns from the residuals of every hour's forecasts, as a served model
     * forecasting every slot each time would.
     */
    leads?: readonly number[];
    /**
     * The lead time whose residuals calibrate a slot k ahead (default k itself). A served model forecasting every
     * slot maps each to its nearest trained horizon, so only those need replaying.
     */
    leadKey?: (k: number) => number;
  },
  name = base.name,
): Forecaster {
  const leads = options.leads ?? [];
  return {
    name,
    lookbackSteps: base.lookbackSteps,
    async forecast(windows, stepsAhead) {
      const asked = windows.map((_, i) => [...new Set([...(stepsAhead[i] ?? []), ...leads])]);
      const raw = await base.forecast(windows, asked);
      const order = windows.map((_, i) => i).sort((a, b) => (windows[a]?.endMs ?? 0) - (windows[b]?.endMs ?? 0));
      const cal = new OnlineBandCalibrator(options);
      const out: IntervalForecast[][] = windows.map(() => []);
      for (const i of order) {
        const w = windows[i] as HistoryWindow;
        cal.observe(w);
        const steps = asked[i] as number[];
        const adjusted = (raw[i] ?? []).map((f, j) => {
          const k = steps[j] as number;
          return cal.adjust(w, k, f, options.leadKey ? options.leadKey(k) : k);
        });
        out[i] = adjusted.slice(0, (stepsAhead[i] ?? []).length);
      }
      return out;
    },
  };
}

/**
 * Default online calibration for a series step: one week of resolved residuals per lead time (at least ten lead
 * times' worth), ACI step 0.005, capped at 0.1 / k for a lead of k slots (from 10 h ahead at 30 min). Window and
 * step were chosen on a validation month (NESO 2023-03), the cap on a validation quarter (model trained on
 * Electricity Maps 2021–2022, tested on NESO 2023-01…03: coverage 0.795–0.806 at every horizon, against 0.774 at
 * 24 h without it), never on reported test periods.
 */
export function weeklyOnlineCalibration(stepMs: number, coverage = 0.8): OnlineCalibrationOptions {
  const perDay = Math.round(86_400_000 / stepMs);
  return {
    coverage,
    windowSize: 7 * perDay,
    priorWeight: perDay,
    minResiduals: 10,
    gamma: 0.005,
    gammaDelayCap: 0.1,
    minLeadsPerWindow: 10,
  };
}
