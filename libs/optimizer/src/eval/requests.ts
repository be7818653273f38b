/**
 * Evaluation requests from real data: appliance cycles detected in per-appliance household columns, EV
 * demands from ACN sessions, and the mapping of both onto the period covered by the intensity data.
 */
import { DAY_MS, MINUTE_MS, wallClockAsUtc, wallClockToInstant, WEEK_MS } from '@carbonreducer/common';

export type EvalKind = 'dishwasher' | 'washing_machine' | 'ev';

export interface CycleDemand {
  kind: 'dishwasher' | 'washing_machine';
  source: string;
  /** Real start (UTC instant) in the household data: the request time. */
  startMs: number;
  /** Where the household lives: its behaviour follows this zone's clock (mapping keeps local time of day). */
  timeZone: string;
  /** 1-minute power profile of the real cycle, W. */
  profileW: number[];
}

export interface EvDemand {
  kind: 'ev';
  source: string;
  /** Plug-in (UTC instant). */
  connectionMs: number;
  /** The driver's requested departure (UTC instant; ACN `requestedDeparture` = plug-in + `minutesAvailable`). */
  departureMs: number;
  /** The driver's requested energy (ACN `kWhRequested`), Wh. */
  energyWh: number;
  /** The charging site's zone (ACN `timezone`). */
  timeZone: string;
}

export interface CycleDetectionOptions {
  /** Above this the appliance counts as on, W. */
  onThresholdW: number;
  /** Off-periods up to this long stay inside one cycle (heating and drying pauses), min. */
  maxPauseMin: number;
  minEnergyWh: number;
  minDurationMin: number;
  /** Longer runs are rejected (gap-filled flat runs in the prepared files). */
  maxDurationMin: number;
}

export const DEFAULT_CYCLE_DETECTION: CycleDetectionOptions = {
  onThresholdW: 15,
  maxPauseMin: 30,
  minEnergyWh: 150,
  minDurationMin: 20,
  maxDurationMin: 240,
};

/**
 * Cycles in one appliance column of 1-minute readings: runs above the threshold joined across short pauses,
 * kept when their energy and duration look like a real programme. A cycle with a gap in the readings (missing
 * minutes or empty cells) is dropped rather than guessed.
 */
export function detectCycles(
  timeMs: ArrayLike<number>,
  powerW: ArrayLike<number>,
  options: CycleDetectionOptions = DEFAULT_CYCLE_DETECTION,
): { startMs: number; profileW: number[] }[] {
  const out: { startMs: number; profileW: number[] }[] = [];
  let start = -1;
  let lastOn = -1;
  const flush = (endIdx: number) => {
    if (start < 0) return;
    const s = start;
    start = -1;
    const startMs = timeMs[s] as number;
    const lastMs = timeMs[endIdx] as number;
    const durationMin = (lastMs - startMs) / MINUTE_MS + 1;
    if (durationMin !== endIdx - s + 1) return; // a gap in the readings inside the cycle
    const profileW: number[] = [];
    let energyWh = 0;
    for (let i = s; i <= endIdx; i++) {
      const p = powerW[i] as number;
      profileW.push(p);
      energyWh += p / 60;
    }
    if (
      energyWh >= options.minEnergyWh &&
      durationMin >= options.minDurationMin &&
      durationMin <= options.maxDurationMin
    ) {
      out.push({ startMs, profileW });
    }
  };
  // After a gap in the readings inside a cycle, the rest of that cycle is skipped too (until a long pause).
  let taintedOnMs: number | null = null;
  for (let i = 0; i < timeMs.length; i++) {
    const p = powerW[i] as number;
    const t = timeMs[i] as number;
    const on = !Number.isNaN(p) && p > options.onThresholdW;
    if (start >= 0) {
      const gapToPrev = t - (timeMs[i - 1] as number) > MINUTE_MS;
      const pausedTooLong = (t - (timeMs[lastOn] as number)) / MINUTE_MS > options.maxPauseMin;
      if (pausedTooLong) flush(lastOn);
      else if (gapToPrev || Number.isNaN(p)) {
        taintedOnMs = timeMs[lastOn] as number;
        start = -1;
      }
    }
    if (taintedOnMs !== null) {
      if (on) taintedOnMs = t;
      if ((t - taintedOnMs) / MINUTE_MS > options.maxPauseMin) taintedOnMs = null;
      else continue;
    }
    if (on) {
      if (start < 0) start = i;
      lastOn = i;
    }
  }
  if (start >= 0) flush(lastOn);
  return out;
}

/**
 * How request times from other years land in the intensity period: shifted by whole weeks of local wall-clock
 * time, so weekday and local time of day are kept (a household's 19:00 stays 19:00 on the target grid's clock,
 * whatever the daylight-saving state in either year). Everything happens on wall clocks written as UTC: the
 * request's wall clock in its own zone is shifted, then read as a wall-clock time of `targetTimeZone` (the
 * grid's). The anchor is the first Monday 00:00 (target wall clock) at least `leadDays` after the period starts
 * (history for the naive and model forecasts); the usable span is a whole number of weeks ending `tailMs`
 * before the period ends (room for the plan horizon). A wall time w maps to anchor + ((w − anchor) mod span).
 */
export interface PeriodMapping {
  anchorMs: number;
  spanMs: number;
  targetTimeZone: string;
  /** The UTC instant on the intensity grid for a request at instant `ms` in zone `timeZone`. */
  map(ms: number, timeZone: string): number;
}

export interface PeriodMappingOptions {
  leadDays?: number;
  tailMs?: number;
  targetTimeZone?: string;
}

export function periodMapping(
  periodFromMs: number,
  periodToMs: number,
  { leadDays = 8, tailMs = 2 * DAY_MS, targetTimeZone = 'Europe/London' }: PeriodMappingOptions = {},
): PeriodMapping {
  // Wall clock of the target zone; the margins (≥ 1 day) absorb its offset from UTC.
  const fromWall = wallClockAsUtc(periodFromMs, targetTimeZone);
  const toWall = wallClockAsUtc(periodToMs, targetTimeZone);
  const earliest = fromWall + leadDays * DAY_MS;
  const dayStart = Math.ceil(earliest / DAY_MS) * DAY_MS;
  // 1970-01-01 was a Thursday: Monday is day index 4 (mod 7).
  const dow = Math.floor(dayStart / DAY_MS) % 7;
  const anchorMs = dayStart + ((4 - dow + 7) % 7) * DAY_MS;
  const spanMs = Math.floor((toWall - tailMs - anchorMs) / WEEK_MS) * WEEK_MS;
  if (spanMs < WEEK_MS) {
    throw new Error(
      `the intensity data cover too short a period (${new Date(periodFromMs).toISOString()} – ${new Date(periodToMs).toISOString()}) to map requests onto whole weeks`,
    );
  }
  return {
    anchorMs,
    spanMs,
    targetTimeZone,
    map: (ms, timeZone) => {
      const wall = wallClockAsUtc(ms, timeZone);
      return wallClockToInstant(anchorMs + ((((wall - anchorMs) % spanMs) + spanMs) % spanMs), targetTimeZone);
    },
  };
}
