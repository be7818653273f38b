import {
  BUCKETS,
  createInfluxClient,
  forecastRowsQuery,
  INTENSITY_FORECAST,
  LOAD_FORECAST,
  PLANNED_POWER,
  PLANNED_RUN,
  writePoints,
  type ForecastKind,
  type ForecastRow,
  type InfluxSettings,
} from '@carbonreducer/influx';
import { Point, type InfluxDB, type QueryApi } from '@influxdata/influxdb-client';
import type { ForecastStore, IntensityForecast, LoadForecast, ScheduleStore } from '../ports';
import type { PublishedPlan } from '../types';

/** Where each forecast kind lives: one series per region or home, one value field. */
const SERIES = {
  intensity: {
    measurement: INTENSITY_FORECAST.measurement,
    tag: INTENSITY_FORECAST.tags.region,
    field: INTENSITY_FORECAST.fields.intensity,
  },
  load: { measurement: LOAD_FORECAST.measurement, tag: LOAD_FORECAST.tags.homeId, field: LOAD_FORECAST.fields.power },
} as const satisfies Record<ForecastKind, { measurement: string; tag: string; field: string }>;

export class InfluxForecastStore implements ForecastStore {
  private readonly client: InfluxDB;
  private readonly queryApi: QueryApi;

  constructor(
    private readonly settings: InfluxSettings,
    private readonly bucket: string = BUCKETS.forecasts,
  ) {
    this.client = createInfluxClient(settings);
    this.queryApi = this.client.getQueryApi(settings.org);
  }

  private target() {
    return { org: this.settings.org, bucket: this.bucket, precision: 's' } as const;
  }

  async writeIntensityForecast(forecast: IntensityForecast): Promise<void> {
    const points = forecast.points.map((p) =>
      this.forecastPoint(SERIES.intensity, forecast.region, forecast, p.intensityGPerKWh, p.time),
    );
    await writePoints(this.client, this.target(), points, 'intensity forecast');
  }

  async writeLoadForecasts(forecasts: LoadForecast[]): Promise<void> {
    const points = forecasts.flatMap((f) =>
      f.points.map((p) => this.forecastPoint(SERIES.load, f.homeId, f, p.powerW, p.time)),
    );
    await writePoints(this.client, this.target(), points, 'load forecast');
  }

  async latestIntensityForecast(args: { region: string; from: Date; to: Date }): Promise<IntensityForecast | null> {
    const latest = await this.latest('intensity', args.region, args, `the intensity forecast of ${args.region}`);
    return (
      latest && {
        ...latest,
        region: args.region,
        points: latest.points.map((p) => ({ time: p.time, intensityGPerKWh: p.value })),
      }
    );
  }

  async latestLoadForecast(args: { homeId: string; from: Date; to: Date }): Promise<LoadForecast | null> {
    const latest = await this.latest('load', args.homeId, args, `the load forecast of home ${args.homeId}`);
    return (
      latest && {
        ...latest,
        homeId: args.homeId,
        points: latest.points.map((p) => ({ time: p.time, powerW: p.value })),
      }
    );
  }

  private forecastPoint(
    series: (typeof SERIES)[ForecastKind],
    tagValue: string,
    issue: { modelVersion: string; issuedAt: string },
    value: number,
    time: string,
  ): Point {
    return new Point(series.measurement)
      .tag(series.tag, tagValue)
      .tag(INTENSITY_FORECAST.tags.modelVersion, issue.modelVersion)
      .tag(INTENSITY_FORECAST.tags.issuedAt, issue.issuedAt)
      .floatField(series.field, value)
      .timestamp(new Date(time));
  }

  /** Points of the most recently issued forecast of one series with slots in [from, to]. */
  private async latest(
    kind: ForecastKind,
    key: string,
    window: { from: Date; to: Date },
    what: string,
  ): Promise<{ issuedAt: string; modelVersion: string; points: { time: string; value: number }[] } | null> {
    const query = forecastRowsQuery(this.bucket, {
      kind,
      key,
      startMs: window.from.getTime(),
      stopMs: window.to.getTime() + 1000,
    });
    let rows: ForecastRow[];
    try {
      rows = await this.queryApi.collectRows(query);
    } catch (err) {
      throw new Error(`reading ${what} from bucket ${this.bucket} failed`, { cause: err });
    }
    if (rows.length === 0) return null;
    // Issue times are ISO strings, so the lexically greatest is the latest.
    const issuedAt = rows.reduce((max, r) => (r.issued_at > max ? r.issued_at : max), '');
    const ofLatest = rows
      .filter((r) => r.issued_at === issuedAt)
      .sort((a, b) => Date.parse(a._time) - Date.parse(b._time));
    return {
      issuedAt,
      modelVersion: ofLatest[0]?.model_version ?? 'unknown',
      points: ofLatest.map((r) => ({ time: new Date(r._time).toISOString(), value: Number(r._value) })),
    };
  }
}

export class InfluxScheduleStore implements ScheduleStore {
  private readonly client: InfluxDB;

  constructor(
    private readonly settings: InfluxSettings,
    private readonly bucket: string = BUCKETS.schedules,
  ) {
    this.client = createInfluxClient(settings);
  }

  async writePlan(plan: PublishedPlan): Promise<void> {
    const version = String(plan.version);
    const runs = plan.runs.map((r) =>
      new Point(PLANNED_RUN.measurement)
        .tag(PLANNED_RUN.tags.homeId, plan.homeId)
        .tag(PLANNED_RUN.tags.deviceId, r.deviceId)
        .tag(PLANNED_RUN.tags.appliance, r.appliance)
        .tag(PLANNED_RUN.tags.requestId, r.requestId)
        .tag(PLANNED_RUN.tags.planVersion, version)
        .stringField(PLANNED_RUN.fields.endAt, r.endAt)
        .floatField(PLANNED_RUN.fields.power, r.powerW)
        .floatField(PLANNED_RUN.fields.energy, r.energyWh)
        .floatField(PLANNED_RUN.fields.emissions, r.emissionsG)
        .floatField(PLANNED_RUN.fields.avoidedEmissions, r.avoidedEmissionsG)
        .timestamp(new Date(r.startAt)),
    );
    // Latest plan wins per slot: the power series has no version tag, so re-plans overwrite the slots they cover.
    const slots = plan.slots.map((s) =>
      new Point(PLANNED_POWER.measurement)
        .tag(PLANNED_POWER.tags.homeId, plan.homeId)
        .floatField(PLANNED_POWER.fields.power, s.powerW)
        .intField(PLANNED_POWER.fields.planVersion, plan.version)
        .timestamp(new Date(s.time)),
    );
    await writePoints(
      this.client,
      { org: this.settings.org, bucket: this.bucket, precision: 's' },
      [...runs, ...slots],
      'schedule',
    );
  }
}

export type { InfluxSettings };
