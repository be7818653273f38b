import type { AppDeps } from '../deps';
import { ApiProblem } from '../http/problem';
import { route, type AnyRoute } from '../http/route';
import type { IntensityIssuePoint } from '../ports';
import { AccuracyQuery, IntensityAccuracy, RegionParams, ROLES, type AccuracyHorizon } from '../schemas';

const MINUTE_MS = 60_000;
const SLOT_MS = 30 * MINUTE_MS;
/** The live scoring's horizons (lead = slot end − issue time), as labels; checked against @carbonreducer/forecast. */
export const HORIZON_MIN: Record<AccuracyHorizon, number> = {
  '30m': 30,
  '1h': 60,
  '2h': 120,
  '4h': 240,
  '8h': 480,
  '12h': 720,
  '24h': 1440,
  '48h': 2880,
};

export interface AccuracySlot {
  time: string;
  actualGPerKWh: number;
  forecastGPerKWh: number | null;
  absErrorGPerKWh: number | null;
  lowerGPerKWh: number | null;
  upperGPerKWh: number | null;
  issuedAt: string | null;
  servedBy: string | null;
}

/**
 * Each actual slot next to what was forecast for it `leadMin` before the slot ended (the issue of that time, as the
 * live scoring reads leads; else the latest issue before it, so a late issue still counts at a longer lead), with the
 * MAE and the 80 % band's coverage over the slots that had a forecast. Pure: stored rows in, figures out.
 */
export function forecastVsActual(args: {
  actuals: readonly { timeMs: number; value: number }[];
  forecasts: readonly IntensityIssuePoint[];
  leadMin: number;
}): { slots: AccuracySlot[]; maeGPerKWh: number | null; coverage80: number | null; scored: number } {
  const bySlot = new Map<number, IntensityIssuePoint[]>();
  for (const f of args.forecasts) bySlot.set(f.slotMs, [...(bySlot.get(f.slotMs) ?? []), f]);
  let err = 0;
  let scored = 0;
  let banded = 0;
  let inBand = 0;
  const seen = new Set<number>();
  const slots: AccuracySlot[] = [];
  for (const a of [...args.actuals].sort((x, y) => x.timeMs - y.timeMs)) {
    if (seen.has(a.timeMs) || !Number.isFinite(a.value)) continue;
    seen.add(a.timeMs);
    const latestIssueMs = a.timeMs + SLOT_MS - args.leadMin * MINUTE_MS;
    const f = (bySlot.get(a.timeMs) ?? [])
      .filter((p) => p.issuedAtMs <= latestIssueMs && Number.isFinite(p.value))
      .reduce<IntensityIssuePoint | null>(
        (best, p) => (best === null || p.issuedAtMs > best.issuedAtMs ? p : best),
        null,
      );
    const absError = f ? Math.abs(f.value - a.value) : null;
    if (absError !== null) {
      err += absError;
      scored++;
    }
    if (f && f.lower !== null && f.upper !== null) {
      banded++;
      if (a.value >= f.lower && a.value <= f.upper) inBand++;
    }
    slots.push({
      time: new Date(a.timeMs).toISOString(),
      actualGPerKWh: a.value,
      forecastGPerKWh: f?.value ?? null,
      absErrorGPerKWh: absError,
      lowerGPerKWh: f?.lower ?? null,
      upperGPerKWh: f?.upper ?? null,
      issuedAt: f ? new Date(f.issuedAtMs).toISOString() : null,
      servedBy: f?.servedBy ?? null,
    });
  }
  return {
    slots,
    maeGPerKWh: scored > 0 ? err / scored : null,
    coverage80: banded > 0 ? inBand / banded : null,
    scored,
  };
}

const MAX_WINDOW_MS = 31 * 24 * 3_600_000;

export function accuracyRoutes(deps: AppDeps): AnyRoute[] {
  return [
    route({
      id: 'predict.intensity.accuracy',
      method: 'get',
      path: '/api/predict/intensity/{region}/accuracy',
      summary: 'Actual carbon intensity of a region next to what was forecast for each slot at one lead time, with MAE',
      tag: 'predict',
      access: { kind: 'user', roles: ROLES },
      params: RegionParams,
      query: AccuracyQuery,
      response: {
        status: 200,
        description: 'One row per actual slot in the window; forecast null where none was issued that early',
        schema: IntensityAccuracy,
      },
      handler: async ({ params, query }) => {
        const fromMs = Date.parse(query.from);
        const toMs = Date.parse(query.to);
        if (!(fromMs < toMs))
          throw new ApiProblem('validation_failed', 'query.from must be before query.to', { field: 'query.from' });
        if (toMs - fromMs > MAX_WINDOW_MS)
          throw new ApiProblem('validation_failed', 'the window is longer than 31 days', { field: 'query.to' });
        const leadMin = HORIZON_MIN[query.horizon];
        const [actuals, forecasts] = await Promise.all([
          deps.series.intensityActuals({ region: params.region, from: new Date(fromMs), to: new Date(toMs) }),
          deps.series.intensityIssues({
            region: params.region,
            from: new Date(fromMs),
            to: new Date(toMs),
            issuedFrom: new Date(fromMs + SLOT_MS - leadMin * MINUTE_MS - 48 * 3_600_000),
          }),
        ]);
        const figures = forecastVsActual({ actuals, forecasts, leadMin });
        return {
          body: {
            region: params.region,
            horizon: query.horizon,
            from: new Date(fromMs).toISOString(),
            to: new Date(toMs).toISOString(),
            maeGPerKWh: figures.maeGPerKWh,
            coverage80: figures.coverage80,
            scoredSlots: figures.scored,
            slots: figures.slots,
          },
          headers: { 'Cache-Control': 'private, max-age=60' },
        };
      },
    }),
  ];
}
