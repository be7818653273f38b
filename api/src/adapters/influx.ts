/**
 * Every Flux query of the API, in one file. Names (buckets, measurements, tags, fields) come from the data model in
 * @carbonreducer/influx; queries it has a builder for use it, the API's own ones are here, built only with the
 * `flux` tagged template (parameters escaped).
 */
import {
  BUCKETS,
  createInfluxClient,
  forecastRowsQuery,
  INTENSITY_FORECAST,
  PLANNED_RUN,
  INTENSITY,
  intensityForecastIssuesQuery,
  intensityPointsQuery,
  type IntensityForecastIssueRow,
  VERIFIED_RUN,
  TELEMETRY,
  type ForecastRow,
  type InfluxSettings,
} from '@carbonreducer/influx';
import { DEVICE_KINDS } from '@carbonreducer/telemetry';
import { flux, fluxDuration, type InfluxDB, type ParameterizedQuery, type QueryApi } from '@influxdata/influxdb-client';
import {
  DependencyUnavailable,
  type ForecastIssue,
  type IntensityIssuePoint,
  type ReadingSeries,
  type TimeSeries,
} from '../ports';

/**
 * Interval bounds of the intensity forecast, when the forecast workflow writes them (it does not yet: the data model
 * has only the point value), as further fields of the same series.
 */
const BAND_FIELDS = { lower: 'lower_g_per_kwh', upper: 'upper_g_per_kwh' } as const;

export class InfluxTimeSeries implements TimeSeries {
  private readonly queryApi: QueryApi;
  private readonly client: InfluxDB;

  constructor(private readonly settings: InfluxSettings) {
    this.client = createInfluxClient({
      url: settings.url,
      token: settings.token,
      org: settings.org,
      timeoutMs: settings.timeoutMs ?? 10_000,
    });
    this.queryApi = this.client.getQueryApi(settings.org);
  }

  private async rows<T>(query: ParameterizedQuery, what: string): Promise<T[]> {
    try {
      return await this.queryApi.collectRows<T>(query);
    } catch (err) {
      throw new DependencyUnavailable(`InfluxDB: reading ${what} failed`, { cause: err });
    }
  }

  /** Equality filters first: InfluxDB pushes them down to the storage engine (a `contains()` it would scan). */
  async readings(args: {
    homeId: string;
    field: string;
    from: Date;
    to: Date;
    every: string;
  }): Promise<ReadingSeries[]> {
    const q = flux`from(bucket: ${BUCKETS.telemetry})
  |> range(start: ${args.from}, stop: ${args.to})
  |> filter(fn: (r) => r[${TELEMETRY.tags.homeId}] == ${args.homeId} and r._field == ${args.field})
  |> filter(fn: (r) => contains(value: r._measurement, set: ${[...DEVICE_KINDS]}))
  |> aggregateWindow(every: ${fluxDuration(args.every)}, fn: mean, createEmpty: false)
  |> keep(columns: ["_time", "_value", "_measurement", ${TELEMETRY.tags.deviceId}])`;
    const rows = await this.rows<{ _time: string; _value: number; _measurement: string; device_id: string }>(
      q,
      `readings of home ${args.homeId}`,
    );
    const byDevice = new Map<string, ReadingSeries>();
    for (const r of rows) {
      const key = `${r._measurement}/${r.device_id}`;
      let s = byDevice.get(key);
      if (!s) byDevice.set(key, (s = { deviceId: r.device_id, kind: r._measurement, points: [] }));
      s.points.push({ time: new Date(r._time).toISOString(), value: Number(r._value) });
    }
    return [...byDevice.values()].sort((a, b) => a.deviceId.localeCompare(b.deviceId));
  }

  async latestIntensityForecast(args: { region: string; from: Date; to: Date }): Promise<ForecastIssue<{
    time: string;
    intensityGPerKWh: number;
    lower: number | null;
    upper: number | null;
  }> | null> {
    const s = INTENSITY_FORECAST;
    const fields = [s.fields.intensity, BAND_FIELDS.lower, BAND_FIELDS.upper];
    const q = flux`from(bucket: ${BUCKETS.forecasts})
  |> range(start: ${args.from}, stop: ${new Date(args.to.getTime() + 1000)})
  |> filter(fn: (r) => r._measurement == ${s.measurement} and r[${s.tags.region}] == ${args.region})
  |> filter(fn: (r) => contains(value: r._field, set: ${fields}))
  |> group()
  |> keep(columns: ["_time", "_value", "_field", "issued_at", "model_version"])`;
    const rows = await this.rows<Row>(q, `the intensity forecast of ${args.region}`);
    const latest = latestIssue(rows);
    if (!latest) return null;
    const byTime = new Map<
      string,
      { time: string; intensityGPerKWh: number; lower: number | null; upper: number | null }
    >();
    for (const r of latest.rows) {
      const time = new Date(r._time).toISOString();
      let p = byTime.get(time);
      if (!p) byTime.set(time, (p = { time, intensityGPerKWh: Number.NaN, lower: null, upper: null }));
      if (r._field === s.fields.intensity) p.intensityGPerKWh = Number(r._value);
      else if (r._field === BAND_FIELDS.lower) p.lower = Number(r._value);
      else p.upper = Number(r._value);
    }
    const points = [...byTime.values()]
      .filter((p) => Number.isFinite(p.intensityGPerKWh))
      .sort((a, b) => a.time.localeCompare(b.time));
    return { issuedAt: latest.issuedAt, modelVersion: latest.modelVersion, points };
  }

  async latestLoadForecast(args: {
    homeId: string;
    from: Date;
    to: Date;
  }): Promise<ForecastIssue<{ time: string; powerW: number }> | null> {
    const q = forecastRowsQuery(BUCKETS.forecasts, {
      kind: 'load',
      key: args.homeId,
      startMs: args.from.getTime(),
      stopMs: args.to.getTime() + 1000,
    });
    const latest = latestIssue(await this.rows<ForecastRow>(q, `the load forecast of home ${args.homeId}`));
    if (!latest) return null;
    return {
      issuedAt: latest.issuedAt,
      modelVersion: latest.modelVersion,
      points: latest.rows
        .map((r) => ({ time: new Date(r._time).toISOString(), powerW: Number(r._value) }))
        .sort((a, b) => a.time.localeCompare(b.time)),
    };
  }

  async plannedAvoided(args: {
    homeIds: string[] | 'all';
    from: Date;
    to: Date;
  }): Promise<{ homeId: string; startAt: string; avoidedG: number }[]> {
    const q =
      args.homeIds === 'all'
        ? flux`from(bucket: ${BUCKETS.schedules})
  |> range(start: ${args.from}, stop: ${args.to})
  |> filter(fn: (r) => r._measurement == ${PLANNED_RUN.measurement} and r._field == ${PLANNED_RUN.fields.avoidedEmissions})
  |> group()
  |> keep(columns: ["_time", "_value", "home_id", "request_id", "plan_version"])`
        : flux`from(bucket: ${BUCKETS.schedules})
  |> range(start: ${args.from}, stop: ${args.to})
  |> filter(fn: (r) => r._measurement == ${PLANNED_RUN.measurement} and r._field == ${PLANNED_RUN.fields.avoidedEmissions})
  |> filter(fn: (r) => contains(value: r[${PLANNED_RUN.tags.homeId}], set: ${args.homeIds}))
  |> group()
  |> keep(columns: ["_time", "_value", "home_id", "request_id", "plan_version"])`;
    const rows = await this.rows<{
      _time: string;
      _value: number;
      home_id: string;
      request_id: string;
      plan_version: string;
    }>(q, 'planned runs');
    return latestPlanPerRequest(rows);
  }

  async verifiedAvoided(args: {
    homeIds: string[];
    from: Date;
    to: Date;
  }): Promise<{ homeId: string; startAt: string; avoidedG: number }[]> {
    // One point per verified run (series home, device, request; time = its real start): a re-verification overwrites.
    const rows = await this.rows<{ _time: string; _value: number; home_id: string }>(
      flux`from(bucket: ${BUCKETS.schedules})
  |> range(start: ${args.from}, stop: ${args.to})
  |> filter(fn: (r) => r._measurement == ${VERIFIED_RUN.measurement} and r._field == ${VERIFIED_RUN.fields.avoided})
  |> filter(fn: (r) => contains(value: r[${VERIFIED_RUN.tags.homeId}], set: ${args.homeIds}))
  |> group()
  |> keep(columns: ["_time", "_value", "home_id"])`,
      'verified runs',
    );
    return rows.map((r) => ({ homeId: r.home_id, startAt: r._time, avoidedG: r._value }));
  }

  async intensityActuals(args: { region: string; from: Date; to: Date }): Promise<{ timeMs: number; value: number }[]> {
    const rows = await this.rows<{ _time: string; intensity_g_per_kwh?: number }>(
      intensityPointsQuery(BUCKETS.carbonIntensity, {
        regionId: args.region,
        kind: 'actual',
        startMs: args.from.getTime(),
        stopMs: args.to.getTime(),
      }),
      `the actual intensity of ${args.region}`,
    );
    // One value per slot: sources of the chain agree on a slot's actual, the first read is kept.
    const bySlot = new Map<number, number>();
    for (const r of rows) {
      const v = r[INTENSITY.fields.intensity];
      const t = Date.parse(r._time);
      if (typeof v === 'number' && !bySlot.has(t)) bySlot.set(t, v);
    }
    return [...bySlot.entries()].sort(([a], [b]) => a - b).map(([timeMs, value]) => ({ timeMs, value }));
  }

  async intensityIssues(args: {
    region: string;
    from: Date;
    to: Date;
    issuedFrom: Date;
  }): Promise<IntensityIssuePoint[]> {
    const rows = await this.rows<IntensityForecastIssueRow>(
      intensityForecastIssuesQuery(BUCKETS.forecasts, {
        regionId: args.region,
        startMs: args.from.getTime(),
        stopMs: args.to.getTime(),
        issuedFromMs: args.issuedFrom.getTime(),
        issuedToMs: args.to.getTime(),
      }),
      `the intensity forecast issues of ${args.region}`,
    );
    return rows.map((r) => ({
      issuedAtMs: Date.parse(r.issued_at),
      slotMs: Date.parse(r._time),
      servedBy: r.served_by ?? 'champion',
      value: Number(r.intensity_g_per_kwh),
      lower: typeof r.lower_g_per_kwh === 'number' ? r.lower_g_per_kwh : null,
      upper: typeof r.upper_g_per_kwh === 'number' ? r.upper_g_per_kwh : null,
    }));
  }

  async ping(): Promise<void> {
    const res = await fetch(new URL('/health', this.settings.url), { signal: AbortSignal.timeout(2000) });
    if (!res.ok) throw new Error(`InfluxDB /health answered ${res.status}`);
  }
}

interface Row {
  _time: string;
  _value: number;
  _field: string;
  issued_at: string;
  model_version: string;
}

/** Rows of the most recently issued forecast (issue times are ISO strings: the lexically greatest is the latest). */
export function latestIssue<R extends { issued_at: string; model_version: string }>(
  rows: R[],
): { issuedAt: string; modelVersion: string; rows: R[] } | null {
  if (rows.length === 0) return null;
  const issuedAt = rows.reduce((max, r) => (r.issued_at > max ? r.issued_at : max), '');
  const of = rows.filter((r) => r.issued_at === issuedAt);
  return { issuedAt, modelVersion: of[0]?.model_version ?? 'unknown', rows: of };
}

/** Re-plans write a new `plan_version` series per run: keep each (home, request)'s latest version only. */
export function latestPlanPerRequest(
  rows: { _time: string; _value: number; home_id: string; request_id: string; plan_version: string }[],
): { homeId: string; startAt: string; avoidedG: number }[] {
  const latest = new Map<string, { version: number; homeId: string; startAt: string; avoidedG: number }>();
  for (const r of rows) {
    const key = `${r.home_id}\0${r.request_id}`;
    const version = Number(r.plan_version);
    const seen = latest.get(key);
    if (!seen || version > seen.version) {
      latest.set(key, {
        version,
        homeId: r.home_id,
        startAt: new Date(r._time).toISOString(),
        avoidedG: Number(r._value),
      });
    }
  }
  return [...latest.values()].map(({ homeId, startAt, avoidedG }) => ({ homeId, startAt, avoidedG }));
}
