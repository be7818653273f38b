/**
 * Calendar features in UTC: time of day, day of week, and bank holidays of England and Wales, computed from the
 * rules (Easter by the Gregorian computus, "first/last Monday of" rules, weekend substitution) for any year.
 */

/** Easter Sunday (Gregorian), as a UTC midnight timestamp in ms. */
export function easterSundayMs(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31); // 3 = March, 4 = April
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return Date.UTC(year, month - 1, day);
}

function firstMonday(year: number, month0: number): number {
  const first = Date.UTC(year, month0, 1);
  const dow = new Date(first).getUTCDay();
  return first + ((8 - dow) % 7) * DAY_MS;
}

function lastMonday(year: number, month0: number): number {
  const last = Date.UTC(year, month0 + 1, 0);
  const dow = new Date(last).getUTCDay();
  return last - ((dow + 6) % 7) * DAY_MS;
}

/**
 * One-off bank holidays proclaimed for single events; they follow no rule, so they are listed (England and Wales).
 * The 2020 and 2022/2023 moves of regular holidays are listed as pairs [removed, added].
 */
const ONE_OFF_ADDED = ['2011-04-29', '2012-06-05', '2022-06-03', '2022-09-19', '2023-05-08'];
const MOVED: Array<[string, string]> = [
  ['2012-05-28', '2012-06-04'],
  ['2020-05-04', '2020-05-08'],
  ['2022-05-30', '2022-06-02'],
];

/** Bank holidays of England and Wales for one year, as sorted UTC-midnight timestamps in ms. */
export function ukBankHolidaysMs(year: number): number[] {
  const days = new Set<number>();
  // New Year's Day, moved to Monday when it falls on a weekend.
  const ny = Date.UTC(year, 0, 1);
  const nyDow = new Date(ny).getUTCDay();
  days.add(nyDow === 6 ? ny + 2 * DAY_MS : nyDow === 0 ? ny + DAY_MS : ny);
  const easter = easterSundayMs(year);
  days.add(easter - 2 * DAY_MS);
  days.add(easter + DAY_MS);
  days.add(firstMonday(year, 4));
  days.add(lastMonday(year, 4));
  days.add(lastMonday(year, 7));
  // Christmas and Boxing Day with substitute days.
  const xmas = Date.UTC(year, 11, 25);
  const xDow = new Date(xmas).getUTCDay();
  if (xDow === 5) days.add(xmas).add(xmas + 3 * DAY_MS);
  else if (xDow === 6) days.add(xmas + 2 * DAY_MS).add(xmas + 3 * DAY_MS);
  else if (xDow === 0) days.add(xmas + 2 * DAY_MS).add(xmas + DAY_MS);
  else days.add(xmas).add(xmas + DAY_MS);
  for (const [removed, added] of MOVED) {
    if (removed.startsWith(String(year))) {
      days.delete(Date.parse(`${removed}T00:00:00Z`));
      days.add(Date.parse(`${added}T00:00:00Z`));
    }
  }
  for (const d of ONE_OFF_ADDED) if (d.startsWith(String(year))) days.add(Date.parse(`${d}T00:00:00Z`));
  return [...days].sort((a, b) => a - b);
}

const holidayCache = new Map<number, Set<number>>();

export function isUkBankHoliday(timeMs: number): boolean {
  const day = Math.floor(timeMs / DAY_MS) * DAY_MS;
  const year = new Date(day).getUTCFullYear();
  let set = holidayCache.get(year);
  if (set === undefined) {
    set = new Set(ukBankHolidaysMs(year));
    holidayCache.set(year, set);
  }
  return set.has(day);
}

/** Hour of day in UTC as a fraction, 0 ≤ h < 24. */
export function hourOfDayUtc(timeMs: number): number {
  return ((((timeMs % DAY_MS) + DAY_MS) % DAY_MS) / 3_600_000) as number;
}

/** Day of week in UTC, 0 = Sunday … 6 = Saturday. */
export function dayOfWeekUtc(timeMs: number): number {
  return new Date(timeMs).getUTCDay();
}

/** Weekend or bank holiday: the days on which household and grid patterns look alike. */
export function isNonWorkingDay(timeMs: number): boolean {
  const dow = dayOfWeekUtc(timeMs);
  return dow === 0 || dow === 6 || isUkBankHoliday(timeMs);
}
import { DAY_MS } from '@carbonreducer/common';
