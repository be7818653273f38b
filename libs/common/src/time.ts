/** Time constants and time-zone arithmetic on wall clocks, with Intl only (pure: no clock, no I/O). */

/** Milliseconds in a minute, half hour, hour, day and week: the one set every package uses. */
export const MINUTE_MS = 60_000;
export const HALF_HOUR_MS = 30 * MINUTE_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;

/** Local wall-clock time at `ms` in `timeZone`, expressed as a UTC instant (keeps weekday and time of day). */
export function wallClockAsUtc(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(ms);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) + (ms % 1000);
}

/** The UTC instant at which the clock in `timeZone` shows `wallMs` (a wall-clock time written as UTC). */
export function wallClockToInstant(wallMs: number, timeZone: string): number {
  // offset(t) = wall(t) − t; two fixed-point steps settle it except inside a spring-forward gap (then +1 h).
  let t = wallMs - (wallClockAsUtc(wallMs, timeZone) - wallMs);
  t = wallMs - (wallClockAsUtc(t, timeZone) - t);
  return t;
}
