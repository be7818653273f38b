import type { ServedBy } from '../types';
import { servingSummary } from './serving';

/**
 * Which stored issue of a forecast a plan reads (issue #13: "re-plan preferring the champion forecast over a newer
 * fallback one"). Normally the latest. But when the latest was served by a fallback (the champion's inputs had a
 * hole at that hour, say) and a champion-served issue of the last few hours still covers the window about as well,
 * that one is better than the guess: the plan keeps it, and a re-plan signalled by the fallback issue changes nothing.
 * The same hour issued twice (a bootstrap and the schedule) is one issue, the champion's version when there is one.
 */
export interface ForecastIssueRow {
  issuedAt: string;
  modelVersion: string;
  /** Absent on points written before forecasts were tagged: the champion's. */
  servedBy?: ServedBy;
  slotMs: number;
}

export interface ChosenIssue {
  issuedAt: string;
  modelVersion: string;
  /** Set when an older champion issue was preferred over the newer fallback one issued at this time. */
  preferredOver?: string;
}

/** How much older than the latest issue a champion issue may be and still be preferred (hourly forecasts). */
export const CHAMPION_PREFERENCE_MAX_AGE_MS = 6 * 3_600_000;
/** The share of the latest issue's slots in the window it must cover. */
export const CHAMPION_PREFERENCE_MIN_COVERAGE = 0.9;

interface Issue {
  issuedAt: string;
  modelVersion: string;
  servedBy: ServedBy;
  slots: number;
}

/** The issue to plan with, of every row of every issue with slots in the window; undefined when there are none. */
export function chooseForecastIssue(
  rows: readonly ForecastIssueRow[],
  opts: { maxAgeMs?: number; minCoverage?: number } = {},
): ChosenIssue | undefined {
  const maxAgeMs = opts.maxAgeMs ?? CHAMPION_PREFERENCE_MAX_AGE_MS;
  const minCoverage = opts.minCoverage ?? CHAMPION_PREFERENCE_MIN_COVERAGE;
  const byIssue = new Map<string, Map<string, ForecastIssueRow[]>>();
  for (const r of rows) {
    const versions = byIssue.get(r.issuedAt) ?? new Map<string, ForecastIssueRow[]>();
    versions.set(r.modelVersion, [...(versions.get(r.modelVersion) ?? []), r]);
    byIssue.set(r.issuedAt, versions);
  }
  // One issue per issue time: the champion-served version when there is one, else the lexically greatest.
  const issues: Issue[] = [];
  for (const [issuedAt, versions] of byIssue) {
    const candidates = [...versions.entries()]
      .map(([modelVersion, rs]) => ({
        issuedAt,
        modelVersion,
        servedBy: servingSummary(rs.map((r) => ({ servedBy: r.servedBy ?? 'champion' }))).servedBy,
        slots: new Set(rs.map((r) => r.slotMs)).size,
        champion: rs.some((r) => r.servedBy === 'champion'),
      }))
      .sort((a, b) => (a.modelVersion < b.modelVersion ? -1 : a.modelVersion > b.modelVersion ? 1 : 0));
    const pick = candidates.find((c) => c.champion) ?? candidates[candidates.length - 1];
    if (pick) issues.push({ issuedAt, modelVersion: pick.modelVersion, servedBy: pick.servedBy, slots: pick.slots });
  }
  // Issue times are ISO strings: the lexically greatest is the latest.
  issues.sort((a, b) => (a.issuedAt < b.issuedAt ? 1 : a.issuedAt > b.issuedAt ? -1 : 0));
  const latest = issues[0];
  if (!latest) return undefined;
  if (latest.servedBy === 'champion') return { issuedAt: latest.issuedAt, modelVersion: latest.modelVersion };
  const latestMs = Date.parse(latest.issuedAt);
  const champion = issues.find(
    (i) =>
      i.servedBy === 'champion' &&
      latestMs - Date.parse(i.issuedAt) <= maxAgeMs &&
      i.slots >= Math.ceil(latest.slots * minCoverage),
  );
  return champion
    ? { issuedAt: champion.issuedAt, modelVersion: champion.modelVersion, preferredOver: latest.issuedAt }
    : { issuedAt: latest.issuedAt, modelVersion: latest.modelVersion };
}
