import type { AppDeps } from '../deps';
import { ApiProblem } from '../http/problem';
import { route, type AnyRoute } from '../http/route';
import { HomeParams, Leaderboard, LeaderboardQuery, Report, ReportQuery, ROLES } from '../schemas';

/** UTC start of the day or month a time falls in (ISO). */
export function periodStart(iso: string, period: 'day' | 'month'): string {
  const d = new Date(iso);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), period === 'day' ? d.getUTCDate() : 1)).toISOString();
}

/** Sums avoided grams per period start, in kg, oldest first. */
export function rollUp(runs: readonly { startAt: string; avoidedG: number }[], period: 'day' | 'month') {
  const sums = new Map<string, number>();
  for (const r of runs)
    sums.set(periodStart(r.startAt, period), (sums.get(periodStart(r.startAt, period)) ?? 0) + r.avoidedG);
  return [...sums.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([start, g]) => ({ start, expectedAvoidedKg: g / 1000, verifiedAvoidedKg: null }));
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
        const runs = await deps.series.plannedAvoided({ homeIds: [homeId], from, to });
        return { body: { homeId: ids.home(homeId), period: query.period, rows: rollUp(runs, query.period) } };
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
