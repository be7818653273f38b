import type { Logger } from '@carbonreducer/common';
import { InfluxDB, setLogger, type Point, type WritePrecisionType } from '@influxdata/influxdb-client';

/** Where and as whom to reach InfluxDB (the service's config module fills it from INFLUX_URL, INFLUX_TOKEN, INFLUX_ORG). */
export interface InfluxSettings {
  url: string;
  token: string;
  org: string;
  /** Per request (ms); default 10 s. */
  timeoutMs?: number;
}

export function createInfluxClient(settings: InfluxSettings): InfluxDB {
  return new InfluxDB({ url: settings.url, token: settings.token, timeout: settings.timeoutMs ?? 10_000 });
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

/**
 * Writes points in one batch with an explicit precision, then flushes and closes the write API in `finally`. A failed
 * write throws naming what and where (`what`: e.g. "intensity forecast"); a close error after it is not news.
 */
export async function writePoints(
  client: InfluxDB,
  target: { org: string; bucket: string; precision: WritePrecisionType },
  points: Point[],
  what: string,
): Promise<void> {
  if (points.length === 0) return;
  const writeApi = client.getWriteApi(target.org, target.bucket, target.precision, {
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
    throw new Error(`writing ${points.length} ${what} points to bucket ${target.bucket} failed`, { cause: err });
  } finally {
    // close() flushes again; after a failed flush the points are reported above, so a second error is not news.
    await writeApi.close().catch((err: unknown) => {
      if (!failed) throw new Error(`closing the InfluxDB write API for bucket ${target.bucket} failed`, { cause: err });
    });
  }
}
