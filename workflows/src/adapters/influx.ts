import { BUCKETS } from '@carbonreducer/common';
import { flux, InfluxDB, Point, type QueryApi } from '@influxdata/influxdb-client';
import type { ForecastStore, IntensityForecast, LoadForecast, ScheduleStore } from '../ports';
import type { HomePlan } from '../types';

/** Forecasts bucket: one series per issue (`issued_at` tag), so a later issue never overwrites an earlier one. */
export const FORECAST_MEASUREMENTS = {
  intensity: 'intensity_forecast',
  load: 'load_forecast',
} as const;
/** Schedules bucket: one point per planned run (at its start) and planned power per slot. */
export const SCHEDULE_MEASUREMENTS = {
  run: 'planned_run',
  power: 'planned_power',
} as const;

/** Where each forecast kind lives: one series per region or home, one value field. */
interface ForecastSeries {
  measurement: string;
  tag: string;
  field: string;
}
const SERIES = {
  intensity: { measurement: FORECAST_MEASUREMENTS.intensity, tag: 'region', field: 'intensity_g_per_kwh' },
  load: { measurement: FORECAST_MEASUREMENTS.load, tag: 'home_id', field: 'power_w' },
} as const satisfies Record<string, ForecastSeries>;

export interface InfluxSettings {
  url: string;
  token: string;
  org: string;
  timeoutMs?: number;
}

async function writePoints(
  client: InfluxDB,
  org: string,
  bucket: string,
  points: Point[],
  what: string,
): Promise<void> {
  if (points.length === 0) return;
  const writeApi = client.getWriteApi(org, bucket, 's', {
    batchSize: points.length + 1,
    flushInterval: 0,
    maxRetries: 2,
  });
  let failed = false;
  try {
    writeApi.writePoints(points);
    await writeApi.flush();
  } catch (err) {
    failed = true;
    throw new Error(`writing ${points.length} ${what} points to bucket ${bucket} failed`, { cause: err });
  } finally {
    await writeApi.close().catch((err: unknown) => {
      if (!failed) throw new Error(`closing the InfluxDB write API for bucket ${bucket} failed`, { cause: err });
    });
  }
}

function client(settings: InfluxSettings): InfluxDB {
  return new InfluxDB({ url: settings.url, token: settings.token, timeout: settings.timeoutMs ?? 10_000 });
}

export class InfluxForecastStore implements ForecastStore {
  private readonly client: InfluxDB;
  private readonly queryApi: QueryApi;

  constructor(
    private readonly settings: InfluxSettings,
    private readonly bucket: string = BUCKETS.forecasts,
  ) {
    this.client = client(settings);
    this.queryApi = this.client.getQueryApi(settings.org);
  }

  async writeIntensityForecast(forecast: IntensityForecast): Promise<void> {
    const points = forecast.points.map((p) =>
      this.forecastPoint(SERIES.intensity, forecast.region, forecast, p.intensityGPerKWh, p.time),
    );
    await writePoints(this.client, this.settings.org, this.bucket, points, 'intensity forecast');
  }

  async writeLoadForecasts(forecasts: LoadForecast[]): Promise<void> {
    const points = forecasts.flatMap((f) =>
      f.points.map((p) => this.forecastPoint(SERIES.load, f.homeId, f, p.powerW, p.time)),
    );
    await writePoints(this.client, this.settings.org, this.bucket, points, 'load forecast');
  }

  async latestIntensityForecast(args: { region: string; from: Date; to: Date }): Promise<IntensityForecast | null> {
    const latest = await this.latest(SERIES.intensity, args.region, args, `the intensity forecast of ${args.region}`);
    return (
      latest && {
        ...latest,
        region: args.region,
        points: latest.points.map((p) => ({ time: p.time, intensityGPerKWh: p.value })),
      }
    );
  }

  async latestLoadForecast(args: { homeId: string; from: Date; to: Date }): Promise<LoadForecast | null> {
    const latest = await this.latest(SERIES.load, args.homeId, args, `the load forecast of home ${args.homeId}`);
    return (
      latest && {
        ...latest,
        homeId: args.homeId,
        points: latest.points.map((p) => ({ time: p.time, powerW: p.value })),
      }
    );
  }

  private forecastPoint(
    series: ForecastSeries,
    tagValue: string,
    issue: { modelVersion: string; issuedAt: string },
    value: number,
    time: string,
  ): Point {
    return new Point(series.measurement)
      .tag(series.tag, tagValue)
      .tag('model_version', issue.modelVersion)
      .tag('issued_at', issue.issuedAt)
      .floatField(series.field, value)
      .timestamp(new Date(time));
  }

  /** Points of the most recently issued forecast of one series with slots in [from, to]. */
  private async latest(
    series: ForecastSeries,
    tagValue: string,
    window: { from: Date; to: Date },
    what: string,
  ): Promise<{ issuedAt: string; modelVersion: string; points: { time: string; value: number }[] } | null> {
    const query = flux`from(bucket: ${this.bucket})
  |> range(start: ${window.from}, stop: ${new Date(window.to.getTime() + 1000)})
  |> filter(fn: (r) => r._measurement == ${series.measurement} and r[${series.tag}] == ${tagValue} and r._field == ${series.field})
  |> group()
  |> keep(columns: ["_time", "_value", "issued_at", "model_version"])`;
    let rows: { _time: string; _value: number; issued_at: string; model_version: string }[];
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
    this.client = client(settings);
  }

  async writePlan(plan: HomePlan): Promise<void> {
    const version = String(plan.version);
    const runs = plan.runs.map((r) =>
      new Point(SCHEDULE_MEASUREMENTS.run)
        .tag('home_id', plan.homeId)
        .tag('device_id', r.deviceId)
        .tag('appliance', r.appliance)
        .tag('request_id', r.requestId)
        .tag('plan_version', version)
        .stringField('end_at', r.endAt)
        .floatField('power_w', r.powerW)
        .floatField('energy_wh', r.energyWh)
        .floatField('emissions_g', r.emissionsG)
        .floatField('avoided_emissions_g', r.avoidedEmissionsG)
        .timestamp(new Date(r.startAt)),
    );
    // Latest plan wins per slot: the power series has no version tag, so re-plans overwrite the slots they cover.
    const slots = plan.slots.map((s) =>
      new Point(SCHEDULE_MEASUREMENTS.power)
        .tag('home_id', plan.homeId)
        .floatField('power_w', s.powerW)
        .intField('plan_version', plan.version)
        .timestamp(new Date(s.time)),
    );
    await writePoints(this.client, this.settings.org, this.bucket, [...runs, ...slots], 'schedule');
  }
}
