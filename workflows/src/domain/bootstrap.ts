import { MINUTE_MS, wallClockAsUtc, wallClockToInstant } from '@carbonreducer/common';
import type { RunRequest } from '../types';

/** Offset of a time zone from UTC at an instant, ms (Europe/London in summer: +3 600 000). */
export function zoneOffsetMs(instantMs: number, timeZone: string): number {
  return wallClockAsUtc(instantMs, timeZone) - instantMs;
}

/** The first instant at or after `notBeforeMs` whose wall clock in `timeZone` reads `hh:mm`. */
export function nextLocalTime(notBeforeMs: number, hh: number, mm: number, timeZone: string): number {
  if (!Number.isInteger(hh) || hh < 0 || hh > 23 || !Number.isInteger(mm) || mm < 0 || mm > 59) {
    throw new RangeError(`nextLocalTime: ${hh}:${mm} is not a wall-clock time`);
  }
  const localNow = new Date(notBeforeMs + zoneOffsetMs(notBeforeMs, timeZone));
  for (let day = 0; day <= 2; day++) {
    const wallAsUtc = Date.UTC(localNow.getUTCFullYear(), localNow.getUTCMonth(), localNow.getUTCDate() + day, hh, mm);
    // The instant the clock shows hh:mm that day, across a clock change too.
    const candidate = wallClockToInstant(wallAsUtc, timeZone);
    if (candidate >= notBeforeMs) return candidate;
  }
  throw new Error(
    `nextLocalTime: no ${hh}:${mm} in ${timeZone} within two days of ${new Date(notBeforeMs).toISOString()}`,
  );
}

/** A real appliance cycle as a run request carries it: its duration, mean power and per-minute profile. */
export interface CycleSummary {
  appliance: string;
  durationMin: number;
  /** Mean power over the cycle (W, rounded). */
  powerW: number;
  /** Mean power of each minute from the cycle's start (W, 0.1 W), `durationMin` values; the last minute may be partial. */
  profileW: number[];
}

/**
 * Duration (whole minutes, rounded up), mean power and per-minute power profile of a recorded cycle: from the first to
 * the last sample above `onW`, each sample held until the next one. The profile keeps the cycle's energy: its minutes
 * sum to the trace's (to rounding), with 0 W after the end in the last, partial minute.
 */
export function summariseCycle(
  appliance: string,
  timeMs: ArrayLike<number>,
  powerW: ArrayLike<number>,
  onW = 15,
): CycleSummary {
  let first = -1;
  let last = -1;
  for (let i = 0; i < powerW.length; i++) {
    if ((powerW[i] as number) > onW) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0 || last + 1 >= timeMs.length) {
    throw new Error(`${appliance}: the trace has no complete cycle above ${onW} W`);
  }
  const startMs = timeMs[first] as number;
  const spanMs = (timeMs[last + 1] as number) - startMs;
  const durationMin = Math.ceil(spanMs / MINUTE_MS);
  const energyWmsPerMin = new Array<number>(durationMin).fill(0);
  let energyWms = 0;
  for (let i = first; i <= last; i++) {
    const p = powerW[i] as number;
    const a = (timeMs[i] as number) - startMs;
    const b = (timeMs[i + 1] as number) - startMs;
    energyWms += p * (b - a);
    // Spread the sample's energy over the minutes it overlaps.
    for (let m = Math.floor(a / MINUTE_MS); m < durationMin && m * MINUTE_MS < b; m++) {
      const overlapMs = Math.min(b, (m + 1) * MINUTE_MS) - Math.max(a, m * MINUTE_MS);
      if (overlapMs > 0) energyWmsPerMin[m] = (energyWmsPerMin[m] as number) + p * overlapMs;
    }
  }
  return {
    appliance,
    durationMin,
    powerW: Math.round(energyWms / spanMs),
    profileW: energyWmsPerMin.map((e) => Math.round((e / MINUTE_MS) * 10) / 10),
  };
}

export interface BootstrapRequestOptions {
  nowMs: number;
  timeZone: string;
  /** Real cycles to request, each with the local wall-clock time it should be ready by. */
  cycles: { cycle: CycleSummary; deviceId: string; readyBy: { hh: number; mm: number } }[];
  /** A request's window (ready-by minus now) is at least this long, else the next day's ready-by is used (ms). */
  minFlexMs: number;
}

/**
 * The run requests the main job sends each simulated home: one per real cycle, ready by the next local ready-by
 * time leaving at least `minFlexMs` of choice. Request ids carry the local date of the ready-by time, so sending the
 * same day's requests again is refused by the workflow as a duplicate instead of planning a second run.
 */
export function bootstrapRequests(options: BootstrapRequestOptions): RunRequest[] {
  return options.cycles.map(({ cycle, deviceId, readyBy }) => {
    const readyByMs = nextLocalTime(
      options.nowMs + options.minFlexMs + cycle.durationMin * MINUTE_MS,
      readyBy.hh,
      readyBy.mm,
      options.timeZone,
    );
    const localDate = new Date(readyByMs + zoneOffsetMs(readyByMs, options.timeZone)).toISOString().slice(0, 10);
    return {
      requestId: `${cycle.appliance}-ready-${localDate}`,
      deviceId,
      appliance: cycle.appliance,
      durationMin: cycle.durationMin,
      powerW: cycle.powerW,
      profileW: cycle.profileW,
      readyBy: new Date(readyByMs).toISOString(),
    };
  });
}
