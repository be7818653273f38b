import { BUCKETS, type Logger } from '@carbonreducer/common';
import { flux, InfluxDB, Point, setLogger, type QueryApi } from '@influxdata/influxdb-client';
import type { IntensityPoint, IntensityQuery, IntensityRegion, IntensityWriter, StoredIntensityPoint } from './types';

export const INTENSITY_MEASUREMENT = 'carbon_intensity';
export const INTENSITY_FIELD = 'intensity_g_per_kwh';
export const DURATION_FIELD = 'duration_s';
/** `issued_at` tag of forecasts whose issue time is unknown (the NESO CSV's benchmark column). */
export const UNKNOWN_ISSUE = 'unknown';

export interface InfluxConnection {
  url: string;
  token: string;
  org: string;
  /** Default `carbon_intensity`. */
  bucket?: string;
  timeoutMs?: number;
}

/**
 * Sends the InfluxDB client's own messages (write retries, dropped buffers) to our structured logger instead of the
 * console. The client keeps one logger per process, so call this once at the edge (worker, CLI).
 */
export function routeInfluxClientLogs(logger: Logger): void {
  setLogger({
    error: (message: string, err?: unknown) =>
      logger.error(`influxdb-client: ${message}`, err === undefined ? {} : { err }),
    warn: (message: string, err?: unknown) =>
      logger.warn(`influxdb-client: ${message}`, err === undefined ? {} : { err }),
  });
}

/** `issued_at` tag value: ISO-8601 UTC for known issue times. */
export function issuedAtTag(issuedAtMs: number | null): string {
  return issuedAtMs === null ? UNKNOWN_ISSUE : new Date(issuedAtMs).toISOString();
}

/**
 * Line-protocol points for `carbon_intensity`: tags `region`, `source`, `kind` and, for forecasts, `issued_at`;
 * fields `intensity_g_per_kwh` (float) and `duration_s` (slot length, integer); time = slot start, second precision.
 * Each forecast issue is its own series, so a later issue never overwrites an earlier one (needed to score
 * forecasts horizon by horizon), while writing the same points again overwrites them in place: no duplicates.
 */
export function toInfluxPoints(points: IntensityPoint[], region: IntensityRegion): Point[] {
  return points.map((p) => {
    const point = new Point(INTENSITY_MEASUREMENT)
      .tag('region', region.id)
      .tag('source', p.source)
      .tag('kind', p.kind)
      .floatField(INTENSITY_FIELD, p.intensityGPerKWh)
      .intField(DURATION_FIELD, Math.round((p.toMs - p.fromMs) / 1000))
      .timestamp(new Date(p.fromMs));
    if (p.kind === 'forecast') point.tag('issued_at', issuedAtTag(p.issuedAtMs));
    return point;
  });
}

/** Writes intensity points to InfluxDB 2 (`carbon_intensity` bucket). */
export class InfluxIntensityWriter implements IntensityWriter {
  private readonly client: InfluxDB;
  private readonly bucket: string;

  constructor(private readonly connection: InfluxConnection) {
    this.client = new InfluxDB({
      url: connection.url,
      token: connection.token,
      timeout: connection.timeoutMs ?? 10_000,
    });
    this.bucket = connection.bucket ?? BUCKETS.carbonIntensity;
  }

  async write(points: IntensityPoint[], region: IntensityRegion): Promise<void> {
    if (points.length === 0) return;
    const writeApi = this.client.getWriteApi(this.connection.org, this.bucket, 's', {
      batchSize: points.length + 1,
      flushInterval: 0,
      maxRetries: 2,
    });
    let failed = false;
    try {
      writeApi.writePoints(toInfluxPoints(points, region));
      await writeApi.flush();
    } catch (err) {
      failed = true;
      throw new Error(`writing ${points.length} carbon-intensity points to bucket ${this.bucket} failed`, {
        cause: err,
      });
    } finally {
      // close() flushes again; after a failed flush the points are reported above, so a second error is not news.
      await writeApi.close().catch((err: unknown) => {
        if (!failed) throw new Error(`closing the InfluxDB write API for bucket ${this.bucket} failed`, { cause: err });
      });
    }
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
    const client = new InfluxDB({
      url: connection.url,
      token: connection.token,
      timeout: connection.timeoutMs ?? 10_000,
    });
    this.queryApi = client.getQueryApi(connection.org);
    this.bucket = connection.bucket ?? BUCKETS.carbonIntensity;
  }

  async recentActuals(options: {
    regionId: string;
    sinceMs: number;
    untilMs: number;
    source?: string;
  }): Promise<StoredIntensityPoint[]> {
    const source = options.source ?? '';
    const query = flux`from(bucket: ${this.bucket})
  |> range(start: ${new Date(options.sinceMs)}, stop: ${new Date(options.untilMs)})
  |> filter(fn: (r) => r._measurement == ${INTENSITY_MEASUREMENT} and r.region == ${options.regionId} and r.kind == "actual")
  |> filter(fn: (r) => ${source} == "" or r.source == ${source})
  |> filter(fn: (r) => r._field == ${INTENSITY_FIELD} or r._field == ${DURATION_FIELD})
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")`;
    const rows = await this.queryApi.collectRows<Record<string, unknown>>(query);
    return rows.map(rowToPoint).sort((a, b) => a.fromMs - b.fromMs || a.source.localeCompare(b.source));
  }

  async latestForecast(options: {
    regionId: string;
    nowMs: number;
    lookbackMin?: number;
    source?: string;
  }): Promise<StoredIntensityPoint[]> {
    const source = options.source ?? '';
    const sinceMs = options.nowMs - (options.lookbackMin ?? 24 * 60) * 60_000;
    // Forecast slots lie ahead of now: the range reaches 8 days out (no source forecasts beyond 72 h).
    const untilMs = options.nowMs + 8 * 24 * 3_600_000;
    const query = flux`from(bucket: ${this.bucket})
  |> range(start: ${new Date(sinceMs)}, stop: ${new Date(untilMs)})
  |> filter(fn: (r) => r._measurement == ${INTENSITY_MEASUREMENT} and r.region == ${options.regionId} and r.kind == "forecast")
  |> filter(fn: (r) => ${source} == "" or r.source == ${source})
  |> filter(fn: (r) => r._field == ${INTENSITY_FIELD} or r._field == ${DURATION_FIELD})
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")`;
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
  const value = row[INTENSITY_FIELD];
  const durationS = row[DURATION_FIELD];
  const fromMs = typeof time === 'string' ? Date.parse(time) : NaN;
  if (!Number.isFinite(fromMs)) throw new Error(`carbon_intensity row has an invalid _time: ${JSON.stringify(time)}`);
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(
      `carbon_intensity row at ${String(time)} has no numeric ${INTENSITY_FIELD}: ${JSON.stringify(value)}`,
    );
  }
  if (typeof durationS !== 'number' || !(durationS > 0)) {
    throw new Error(
      `carbon_intensity row at ${String(time)} has no positive ${DURATION_FIELD}: ${JSON.stringify(durationS)}`,
    );
  }
  const kind = row.kind === 'forecast' ? 'forecast' : 'actual';
  const issued = row.issued_at;
  const issuedAtMs =
    kind === 'forecast' && typeof issued === 'string' && issued !== UNKNOWN_ISSUE ? Date.parse(issued) : null;
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
