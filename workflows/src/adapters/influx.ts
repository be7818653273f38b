import { HALF_HOUR_MS, HOUR_MS } from '@carbonreducer/common';
import { InfluxIntensityQuery } from '@carbonreducer/intensity';
import {
  BUCKETS,
  createInfluxClient,
  FORECAST_ACCURACY,
  FORECAST_SERVING,
  forecastRowsQuery,
  FORECAST_SERIES,
  INTENSITY_FORECAST,
  intensityForecastIssuesQuery,
  SERVING_TAGS,
  type IntensityForecastIssueRow,
  PLANNED_POWER,
  PLANNED_RUN,
  writePoints,
  type ForecastKind,
  type ForecastRow,
  type InfluxSettings,
} from '@carbonreducer/influx';
import { Point, type InfluxDB, type QueryApi } from '@influxdata/influxdb-client';
import { chooseForecastIssue } from '../domain/forecastIssue';
import { servingSummary } from '../domain/serving';
import type { StoredForecastPoint } from '../domain/accuracy';
import type {
  AccuracyStore,
  ForecastStore,
  IntensityForecast,
  LoadForecast,
  ScheduleStore,
  ServingRecord,
} from '../ports';
import type { AccuracyScore, FallbackReason, PublishedPlan, ServedBy } from '../types';

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
    const points = forecast.points.map((p) => {
      const point = this.forecastPoint(
        FORECAST_SERIES.intensity,
        forecast.region,
        forecast,
        p.intensityGPerKWh,
        p.time,
        p,
      );
      if (p.lowerGPerKWh !== undefined) point.floatField(INTENSITY_FORECAST.fields.lower, p.lowerGPerKWh);
      if (p.upperGPerKWh !== undefined) point.floatField(INTENSITY_FORECAST.fields.upper, p.upperGPerKWh);
      return point;
    });
    await writePoints(this.client, this.target(), points, 'intensity forecast');
  }

  async writeLoadForecasts(forecasts: LoadForecast[]): Promise<void> {
    const points = forecasts.flatMap((f) =>
      f.points.map((p) => this.forecastPoint(FORECAST_SERIES.load, f.homeId, f, p.powerW, p.time, p)),
    );
    await writePoints(this.client, this.target(), points, 'load forecast');
  }

  async writeServing(records: ServingRecord[]): Promise<void> {
    const points = records.map((r) =>
      new Point(FORECAST_SERVING.measurement)
        .tag(FORECAST_SERVING.tags.kind, r.kind)
        .tag(FORECAST_SERVING.tags.key, r.key)
        .tag(FORECAST_SERVING.tags.servedBy, r.servedBy)
        .tag(FORECAST_SERVING.tags.fallbackReason, r.fallbackReason)
        .intField(FORECAST_SERVING.fields.points, r.points)
        .intField(FORECAST_SERVING.fields.fallback, r.servedBy === 'champion' ? 0 : 1)
        .stringField(FORECAST_SERVING.fields.detail, r.detail.slice(0, 500))
        .timestamp(new Date(r.issuedAt)),
    );
    await writePoints(this.client, this.target(), points, 'forecast serving');
  }

  /** `issuedBy`: only issues made by then (what a plan made at that moment read); default every issue. */
  async latestIntensityForecast(args: {
    region: string;
    from: Date;
    to: Date;
    issuedBy?: Date;
  }): Promise<IntensityForecast | null> {
    const latest = await this.latest('intensity', args.region, args, `the intensity forecast of ${args.region}`);
    return (
      latest && {
        ...latest,
        region: args.region,
        points: latest.points.map((p) => ({ time: p.time, intensityGPerKWh: p.value, ...p.serving })),
      }
    );
  }

  async latestLoadForecast(args: {
    homeId: string;
    from: Date;
    to: Date;
    issuedBy?: Date;
  }): Promise<LoadForecast | null> {
    const latest = await this.latest('load', args.homeId, args, `the load forecast of home ${args.homeId}`);
    return (
      latest && {
        ...latest,
        homeId: args.homeId,
        points: latest.points.map((p) => ({ time: p.time, powerW: p.value, ...p.serving })),
      }
    );
  }

  private forecastPoint(
    series: (typeof FORECAST_SERIES)[ForecastKind],
    tagValue: string,
    issue: { modelVersion: string; issuedAt: string },
    value: number,
    time: string,
    serving: { servedBy?: ServedBy; fallbackReason?: FallbackReason },
  ): Point {
    return new Point(series.measurement)
      .tag(series.tag, tagValue)
      .tag(INTENSITY_FORECAST.tags.modelVersion, issue.modelVersion)
      .tag(INTENSITY_FORECAST.tags.issuedAt, issue.issuedAt)
      .tag(SERVING_TAGS.servedBy, serving.servedBy ?? 'champion')
      .tag(SERVING_TAGS.fallbackReason, serving.fallbackReason ?? 'none')
      .floatField(series.field, value)
      .timestamp(new Date(time));
  }

  /** Points of the most recently issued forecast of one series with slots in [from, to]. */
  private async latest(
    kind: ForecastKind,
    key: string,
    window: { from: Date; to: Date; issuedBy?: Date },
    what: string,
  ): Promise<{
    issuedAt: string;
    modelVersion: string;
    servedBy?: ServedBy;
    fallbackReason?: FallbackReason;
    points: {
      time: string;
      value: number;
      serving: { servedBy?: ServedBy; fallbackReason?: FallbackReason };
    }[];
  } | null> {
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
    if (window.issuedBy !== undefined) {
      const byMs = window.issuedBy.getTime();
      rows = rows.filter((r) => Date.parse(r.issued_at) <= byMs);
    }
    if (rows.length === 0) return null;
    // The latest issue, or a champion issue of the last hours over a newer fallback one; one version per issue time,
    // the champion's when there is one, so a fallback and a champion issue never mix slot by slot (forecastIssue.ts).
    const chosen = chooseForecastIssue(
      rows.map((r) => ({
        issuedAt: r.issued_at,
        modelVersion: r.model_version,
        ...(r.served_by ? { servedBy: r.served_by as ServedBy } : {}),
        slotMs: Date.parse(r._time),
      })),
    );
    if (!chosen) return null;
    const issuedAt = chosen.issuedAt;
    const seen = new Set<number>();
    const ofLatest = rows
      .filter((r) => r.issued_at === issuedAt && r.model_version === chosen.modelVersion)
      .sort((a, b) => Date.parse(a._time) - Date.parse(b._time))
      .filter((r) => {
        const t = Date.parse(r._time);
        if (seen.has(t)) return false;
        seen.add(t);
        return true;
      });
    const points = ofLatest.map((r) => ({
      time: new Date(r._time).toISOString(),
      value: Number(r._value),
      serving:
        r.served_by === undefined || r.served_by === null
          ? {}
          : {
              servedBy: r.served_by as ServedBy,
              fallbackReason: (r.fallback_reason ?? 'none') as FallbackReason,
            },
    }));
    const tagged = points.filter((p) => p.serving.servedBy !== undefined);
    const summary = tagged.length > 0 ? servingSummary(tagged.map((p) => p.serving)) : null;
    const primary = summary && tagged.find((p) => p.serving.servedBy === summary.servedBy);
    return {
      issuedAt,
      modelVersion: ofLatest[0]?.model_version ?? 'unknown',
      ...(primary ? primary.serving : {}),
      points,
    };
  }
}

/** Stored intensity forecasts and actuals for the live scoring; scores go to `forecast_accuracy`. */
export class InfluxAccuracyStore implements AccuracyStore {
  private readonly client: InfluxDB;
  private readonly queryApi: QueryApi;
  private readonly actuals: InfluxIntensityQuery;

  constructor(private readonly settings: InfluxSettings) {
    this.client = createInfluxClient(settings);
    this.queryApi = this.client.getQueryApi(settings.org);
    this.actuals = new InfluxIntensityQuery({ ...settings, bucket: BUCKETS.carbonIntensity });
  }

  async scoringData(args: { region: string; fromMs: number; toMs: number }) {
    // Slots ending in (from, to] start in [from − 30 min, to − 30 min); issues up to 48 h (+ a slot) before.
    const startMs = args.fromMs - HALF_HOUR_MS;
    const query = intensityForecastIssuesQuery(BUCKETS.forecasts, {
      regionId: args.region,
      startMs,
      stopMs: args.toMs,
      issuedFromMs: startMs - 48 * HOUR_MS,
      issuedToMs: args.toMs,
    });
    let rows: IntensityForecastIssueRow[];
    try {
      rows = await this.queryApi.collectRows<IntensityForecastIssueRow>(query);
    } catch (err) {
      throw new Error(`reading the intensity forecasts of ${args.region} for scoring failed`, { cause: err });
    }
    const forecasts: StoredForecastPoint[] = rows.map((r) => ({
      issuedAtMs: Date.parse(r.issued_at),
      slotMs: Date.parse(r._time),
      servedBy: r.served_by ?? 'champion',
      value: Number(r.intensity_g_per_kwh),
      ...(typeof r.lower_g_per_kwh === 'number' ? { lower: r.lower_g_per_kwh } : {}),
      ...(typeof r.upper_g_per_kwh === 'number' ? { upper: r.upper_g_per_kwh } : {}),
    }));
    const actuals = (
      await this.actuals.recentActuals({ regionId: args.region, sinceMs: startMs, untilMs: args.toMs })
    ).map((p) => ({ timeMs: p.fromMs, value: p.intensityGPerKWh }));
    return { forecasts, actuals };
  }

  async writeScores(args: { region: string; nowMs: number; scores: AccuracyScore[] }): Promise<void> {
    const points = args.scores.map((s) => {
      const p = new Point(FORECAST_ACCURACY.measurement)
        .tag(FORECAST_ACCURACY.tags.region, args.region)
        .tag(FORECAST_ACCURACY.tags.servedBy, s.servedBy)
        .tag(FORECAST_ACCURACY.tags.horizon, s.horizon)
        .tag(FORECAST_ACCURACY.tags.window, s.window)
        .floatField(FORECAST_ACCURACY.fields.mae, s.maeGPerKWh)
        .intField(FORECAST_ACCURACY.fields.points, s.points)
        .timestamp(new Date(args.nowMs));
      if (s.coverage80 !== null) p.floatField(FORECAST_ACCURACY.fields.coverage80, s.coverage80);
      return p;
    });
    await writePoints(
      this.client,
      { org: this.settings.org, bucket: BUCKETS.forecasts, precision: 's' },
      points,
      'forecast accuracy',
    );
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
