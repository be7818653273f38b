import {
  BUCKETS,
  createInfluxClient,
  INTENSITY,
  INTENSITY_REJECTS,
  intensityPointsQuery,
  writePoints,
  type InfluxSettings,
} from '@carbonreducer/influx';
import { Point, type InfluxDB, type QueryApi } from '@influxdata/influxdb-client';
import { type RejectedPoint } from './screen';
import type { IntensityPoint, IntensityQuery, IntensityRegion, IntensityWriter, StoredIntensityPoint } from './types';

export interface InfluxConnection extends InfluxSettings {
  /** Default `carbon_intensity`. */
  bucket?: string;
}

/** `issued_at` tag value: ISO-8601 UTC for known issue times. */
export function issuedAtTag(issuedAtMs: number | null): string {
  return issuedAtMs === null ? INTENSITY.unknownIssue : new Date(issuedAtMs).toISOString();
}

/**
 * Line-protocol points for `carbon_intensity`: tags `region`, `source`, `kind` and, for forecasts, `issued_at`;
 * fields `intensity_g_per_kwh` (float) and `duration_s` (slot length, integer); time = slot start, second precision.
 * Each forecast issue is its own series, so a later issue never overwrites an earlier one (needed to score
 * forecasts horizon by horizon), while writing the same points again overwrites them in place: no duplicates.
 */
export function toInfluxPoints(points: IntensityPoint[], region: IntensityRegion): Point[] {
  return points.map((p) => {
    const point = new Point(INTENSITY.measurement)
      .tag(INTENSITY.tags.region, region.id)
      .tag(INTENSITY.tags.source, p.source)
      .tag(INTENSITY.tags.kind, p.kind)
      .floatField(INTENSITY.fields.intensity, p.intensityGPerKWh)
      .intField(INTENSITY.fields.duration, Math.round((p.toMs - p.fromMs) / 1000))
      .timestamp(new Date(p.fromMs));
    if (p.kind === 'forecast') point.tag(INTENSITY.tags.issuedAt, issuedAtTag(p.issuedAtMs));
    return point;
  });
}

/** `intensity_rejects` points: one per source and reason, counting the refused points. */
export function toRejectPoints(rejected: RejectedPoint[], region: IntensityRegion, nowMs: number): Point[] {
  const groups = new Map<string, RejectedPoint[]>();
  for (const r of rejected) {
    const key = `${r.source}\u0000${r.reason}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as RejectedPoint;
    return new Point(INTENSITY_REJECTS.measurement)
      .tag(INTENSITY_REJECTS.tags.region, region.id)
      .tag(INTENSITY_REJECTS.tags.source, first.source)
      .tag(INTENSITY_REJECTS.tags.reason, first.reason)
      .intField(INTENSITY_REJECTS.fields.count, group.length)
      .stringField(INTENSITY_REJECTS.fields.detail, first.detail)
      .timestamp(new Date(nowMs));
  });
}

/** Writes intensity points to InfluxDB 2 (`carbon_intensity` bucket). */
export class InfluxIntensityWriter implements IntensityWriter {
  private readonly client: InfluxDB;
  private readonly bucket: string;

  constructor(private readonly connection: InfluxConnection) {
    this.client = createInfluxClient(connection);
    this.bucket = connection.bucket ?? BUCKETS.carbonIntensity;
  }

  async write(points: IntensityPoint[], region: IntensityRegion): Promise<void> {
    await writePoints(
      this.client,
      { org: this.connection.org, bucket: this.bucket, precision: 's' },
      toInfluxPoints(points, region),
      'carbon-intensity',
    );
  }

  /** One point per source and reason at `nowMs`: how many points were refused, and the first one's detail. */
  async writeRejects(rejected: RejectedPoint[], region: IntensityRegion, nowMs: number): Promise<void> {
    await writePoints(
      this.client,
      { org: this.connection.org, bucket: this.bucket, precision: 'ms' },
      toRejectPoints(rejected, region, nowMs),
      'carbon-intensity reject',
    );
  }

  /** Nothing to release: each write opens and closes its own write API. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Reads `carbon_intensity` back through the `flux` tagged template only. */
export class InfluxIntensityQuery implements IntensityQuery {
  private readonly queryApi: QueryApi;
  private readonly bucket: string;

  constructor(connection: InfluxConnection) {
    this.queryApi = createInfluxClient(connection).getQueryApi(connection.org);
    this.bucket = connection.bucket ?? BUCKETS.carbonIntensity;
  }

  async recentActuals(options: {
    regionId: string;
    sinceMs: number;
    untilMs: number;
    source?: string;
  }): Promise<StoredIntensityPoint[]> {
    const query = intensityPointsQuery(this.bucket, {
      regionId: options.regionId,
      kind: 'actual',
      startMs: options.sinceMs,
      stopMs: options.untilMs,
      ...(options.source !== undefined ? { source: options.source } : {}),
    });
    const rows = await this.queryApi.collectRows<Record<string, unknown>>(query);
    return rows.map(rowToPoint).sort((a, b) => a.fromMs - b.fromMs || a.source.localeCompare(b.source));
  }

  async latestForecast(options: {
    regionId: string;
    nowMs: number;
    lookbackMin?: number;
    source?: string;
  }): Promise<StoredIntensityPoint[]> {
    const sinceMs = options.nowMs - (options.lookbackMin ?? 24 * 60) * 60_000;
    // Forecast slots lie ahead of now: the range reaches 8 days out (no source forecasts beyond 72 h).
    const untilMs = options.nowMs + 8 * 24 * 3_600_000;
    const query = intensityPointsQuery(this.bucket, {
      regionId: options.regionId,
      kind: 'forecast',
      startMs: sinceMs,
      stopMs: untilMs,
      ...(options.source !== undefined ? { source: options.source } : {}),
    });
    const rows = (await this.queryApi.collectRows<Record<string, unknown>>(query)).map(rowToPoint);
    const known = rows.filter((p) => p.issuedAtMs !== null && p.issuedAtMs <= options.nowMs);
    let chosen: StoredIntensityPoint[];
    if (known.length > 0) {
      const latest = Math.max(...known.map((p) => p.issuedAtMs ?? -Infinity));
      // Several sources may have issued at the same instant; prefer one, deterministically.
      const bySource = known.filter((p) => p.issuedAtMs === latest);
      const firstSource = [...new Set(bySource.map((p) => p.source))].sort()[0];
      chosen = bySource.filter((p) => p.source === firstSource);
    } else {
      const unknown = rows.filter((p) => p.issuedAtMs === null);
      const firstSource = [...new Set(unknown.map((p) => p.source))].sort()[0];
      chosen = unknown.filter((p) => p.source === firstSource);
    }
    return chosen.sort((a, b) => a.fromMs - b.fromMs);
  }
}

function rowToPoint(row: Record<string, unknown>): StoredIntensityPoint {
  const time = row._time;
  const value = row[INTENSITY.fields.intensity];
  const durationS = row[INTENSITY.fields.duration];
  const fromMs = typeof time === 'string' ? Date.parse(time) : NaN;
  if (!Number.isFinite(fromMs)) throw new Error(`carbon_intensity row has an invalid _time: ${JSON.stringify(time)}`);
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(
      `carbon_intensity row at ${String(time)} has no numeric ${INTENSITY.fields.intensity}: ${JSON.stringify(value)}`,
    );
  }
  if (typeof durationS !== 'number' || !(durationS > 0)) {
    throw new Error(
      `carbon_intensity row at ${String(time)} has no positive ${INTENSITY.fields.duration}: ${JSON.stringify(durationS)}`,
    );
  }
  const kind = row.kind === 'forecast' ? 'forecast' : 'actual';
  const issued = row.issued_at;
  const issuedAtMs =
    kind === 'forecast' && typeof issued === 'string' && issued !== INTENSITY.unknownIssue ? Date.parse(issued) : null;
  return {
    fromMs,
    toMs: fromMs + durationS * 1000,
    intensityGPerKWh: value,
    kind,
    issuedAtMs: issuedAtMs !== null && Number.isFinite(issuedAtMs) ? issuedAtMs : null,
    source: String(row.source),
    region: String(row.region),
  };
}
