import type { AppDeps } from '../deps';
import { ApiProblem } from '../http/problem';
import { route, type AnyRoute } from '../http/route';
import { ForecastWindowQuery, HomeParams, IntensityForecast, LoadForecast, RegionParams, ROLES } from '../schemas';

/** Expected emissions of a load forecast against an intensity forecast: Σ P·Δt·I over the slots both cover (g). */
export function expectedEmissionsG(
  load: readonly { time: string; powerW: number }[],
  intensity: readonly { time: string; intensityGPerKWh: number }[],
): number | null {
  const byTime = new Map(intensity.map((p) => [Date.parse(p.time), p.intensityGPerKWh]));
  let total = 0;
  let covered = 0;
  for (let i = 0; i < load.length; i++) {
    const p = load[i] as { time: string; powerW: number };
    const t = Date.parse(p.time);
    const next = load[i + 1];
    const slotH = next
      ? (Date.parse(next.time) - t) / 3_600_000
      : i > 0
        ? (t - Date.parse((load[i - 1] as { time: string }).time)) / 3_600_000
        : 0.5;
    const g = byTime.get(t);
    if (g === undefined || !(slotH > 0)) continue;
    total += (p.powerW / 1000) * slotH * g;
    covered++;
  }
  return covered === 0 ? null : total;
}

function window(query: { from?: string | undefined; hours: number }, now: Date): { from: Date; to: Date } {
  const from = query.from ? new Date(query.from) : now;
  return { from, to: new Date(from.getTime() + query.hours * 3_600_000) };
}

export function predictRoutes(deps: AppDeps): AnyRoute[] {
  return [
    route({
      id: 'predict.intensity',
      method: 'get',
      path: '/api/predict/intensity/{region}',
      summary: 'Latest carbon-intensity forecast of a grid region, with its 80 % interval where the forecast has one',
      tag: 'predict',
      access: { kind: 'user', roles: ROLES },
      params: RegionParams,
      query: ForecastWindowQuery,
      response: {
        status: 200,
        description: 'The most recently issued forecast for the window',
        schema: IntensityForecast,
      },
      handler: async ({ params, query, now }) => {
        const w = window(query, now);
        const f = await deps.series.latestIntensityForecast({ region: params.region, ...w });
        if (!f) throw new ApiProblem('forecast_not_found', `no intensity forecast for ${params.region} in the window`);
        const banded = f.points.some((p) => p.lower !== null && p.upper !== null);
        return {
          body: {
            region: params.region,
            issuedAt: f.issuedAt,
            modelVersion: f.modelVersion,
            servedBy: 'influxdb:forecasts',
            coverage: banded ? 0.8 : null,
            points: f.points.map((p) => ({
              time: p.time,
              intensityGPerKWh: p.intensityGPerKWh,
              lowerGPerKWh: p.lower,
              upperGPerKWh: p.upper,
            })),
          },
          headers: { 'Cache-Control': 'private, max-age=60' },
        };
      },
    }),
    route({
      id: 'predict.load',
      method: 'get',
      path: '/api/predict/homes/{homeId}/load',
      summary: "Latest load forecast of a home and its expected emissions against the region's intensity forecast",
      tag: 'predict',
      access: { kind: 'user', roles: ROLES, home: { param: 'homeId', mode: 'read' } },
      params: HomeParams,
      query: ForecastWindowQuery,
      response: {
        status: 200,
        description: 'The most recently issued load forecast for the window',
        schema: LoadForecast,
      },
      handler: async ({ homeId, query, ids, now }) => {
        const w = window(query, now);
        const home = await deps.directory.getHome(homeId);
        const [load, intensity] = await Promise.all([
          deps.series.latestLoadForecast({ homeId, ...w }),
          deps.series.latestIntensityForecast({ region: home?.region ?? 'GB', ...w }),
        ]);
        if (!load) throw new ApiProblem('forecast_not_found', 'no load forecast for this home in the window');
        return {
          body: {
            homeId: ids.home(homeId),
            issuedAt: load.issuedAt,
            modelVersion: load.modelVersion,
            points: load.points,
            expectedEmissionsG: intensity ? expectedEmissionsG(load.points, intensity.points) : null,
          },
        };
      },
    }),
  ];
}
