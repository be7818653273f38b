import type { AppDeps } from '../deps';
import { ApiProblem } from '../http/problem';
import { route, type AnyRoute } from '../http/route';
import { HomeParams, Leaderboard, LeaderboardQuery, Report, ReportQuery, ROLES } from '../schemas';

/** UTC start of the day or month a time falls in (ISO). */
export function periodStart(iso: string, period: 'day' | 'month'): string {
  const d = new Date(iso);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), period === 'day' ? d.getUTCDate() : 1)).toISOString();
}

type AvoidedRun = { startAt: string; avoidedG: number };

const sumPerPeriod = (runs: readonly AvoidedRun[], period: 'day' | 'month'): Map<string, number> => {
  const sums = new Map<string, number>();
  for (const r of runs)
    sums.set(periodStart(r.startAt, period), (sums.get(periodStart(r.startAt, period)) ?? 0) + r.avoidedG);
  return sums;
};

/**
 * Expected (planned) and verified (measured) avoided grams per period start, in kg, oldest first. Verified is null
 * for a period with no verified run yet (not 0: nothing was measured), and a period with verified runs only still
 * gets a row.
 */
export function rollUp(expected: readonly AvoidedRun[], period: 'day' | 'month', verified: readonly AvoidedRun[] = []) {
  const planned = sumPerPeriod(expected, period);
  const measured = sumPerPeriod(verified, period);
  return [...new Set([...planned.keys(), ...measured.keys()])].sort().map((start) => ({
    start,
    expectedAvoidedKg: (planned.get(start) ?? 0) / 1000,
    verifiedAvoidedKg: measured.has(start) ? (measured.get(start) ?? 0) / 1000 : null,
  }));
}

export function reportRoutes(deps: AppDeps): AnyRoute[] {
  return [
    route({
      id: 'reports.home',
      method: 'get',
      path: '/api/reports/homes/{homeId}',
      summary: 'Expected (planned) and verified avoided emissions of a home per day or month',
      tag: 'reports',
      access: { kind: 'user', roles: ROLES, home: { param: 'homeId', mode: 'read' } },
      params: HomeParams,
      query: ReportQuery,
      response: {
        status: 200,
        description: 'Rows per period; verified is null until measured runs are verified',
        schema: Report,
      },
      handler: async ({ homeId, query, ids }) => {
        const from = new Date(query.from);
        const to = new Date(query.to);
        if (!(from < to))
          throw new ApiProblem('validation_failed', 'query.from must be before query.to', { field: 'query.from' });
        const [runs, verified] = await Promise.all([
          deps.series.plannedAvoided({ homeIds: [homeId], from, to }),
          deps.series.verifiedAvoided({ homeIds: [homeId], from, to }),
        ]);
        return { body: { homeId: ids.home(homeId), period: query.period, rows: rollUp(runs, query.period, verified) } };
      },
    }),
    route({
      id: 'leaderboard',
      method: 'get',
      path: '/api/leaderboard',
      summary: 'Avoided kg CO2 per opted-in home for a month, by pseudonym',
      tag: 'reports',
      access: { kind: 'user', roles: ROLES },
      query: LeaderboardQuery,
      response: { status: 200, description: 'Ranked, pseudonymous for everyone', schema: Leaderboard },
      handler: async ({ query }) => {
        const [y, m] = query.month.split('-').map(Number) as [number, number];
        const from = new Date(Date.UTC(y, m - 1, 1));
        const to = new Date(Date.UTC(y, m, 1));
        const homes = await deps.directory.leaderboardHomes();
        const runs = homes.length === 0 ? [] : await deps.series.plannedAvoided({ homeIds: homes, from, to });
        const totals = new Map<string, number>(homes.map((h) => [h, 0]));
        for (const r of runs) totals.set(r.homeId, (totals.get(r.homeId) ?? 0) + r.avoidedG);
        const entries = [...totals.entries()]
          .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
          .map(([homeId, g], i) => ({ rank: i + 1, home: deps.pseudonyms.home(homeId), avoidedKg: g / 1000 }));
        return { body: { month: query.month, entries } };
      },
    }),
  ];
}
