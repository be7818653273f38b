import { wallClockAsUtc, wallClockToInstant } from '@carbonreducer/common';
import type { RunRequest } from '../types';

const MIN_MS = 60_000;

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

/** A real appliance cycle reduced to what a run request carries. */
export interface CycleSummary {
  appliance: string;
  durationMin: number;
  powerW: number;
}

/**
 * Duration (whole minutes, rounded up) and mean power of a recorded cycle: from the first to the last sample above
 * `onW`, each sample held until the next one.
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
  let energyWms = 0;
  for (let i = first; i <= last; i++) {
    energyWms += (powerW[i] as number) * ((timeMs[i + 1] as number) - (timeMs[i] as number));
  }
  const spanMs = (timeMs[last + 1] as number) - (timeMs[first] as number);
  return { appliance, durationMin: Math.ceil(spanMs / MIN_MS), powerW: Math.round(energyWms / spanMs) };
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
      options.nowMs + options.minFlexMs + cycle.durationMin * MIN_MS,
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
      readyBy: new Date(readyByMs).toISOString(),
    };
  });
}
