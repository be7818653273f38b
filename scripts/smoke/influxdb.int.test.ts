import { randomUUID } from 'node:crypto';
import { HttpError, InfluxDB, Point, flux, setLogger } from '@influxdata/influxdb-client';
import { loadStackEnv } from '@carbonreducer/stack-env';

// Smoke test of the native InfluxDB from `scripts/stack up influxdb`: setup, buckets and the scoped tokens.
const stack = loadStackEnv();
const url = stack.find('INFLUX_URL') ?? `http://127.0.0.1:${stack.port('INFLUXDB_PORT')}`;
const org = stack.find('INFLUX_ORG') ?? 'carbonreducer';
const measurement = 'stack_smoke';

// The client logs failed writes to the console; the rejected writes below are expected.
setLogger({ error: () => undefined, warn: () => undefined });

interface SmokeRow {
  _time: string;
  _field: string;
  _value: number;
  home_id: string;
  run_id: string;
}

/** Writes one point with `token` and resolves when the server accepted it (rejects with the HttpError otherwise). */
async function writeOne(token: string, bucket: string, point: Point): Promise<void> {
  // No retries: 404/503 would otherwise be retried for minutes.
  const writeApi = new InfluxDB({ url, token, timeout: 10_000 }).getWriteApi(org, bucket, 'ms', { maxRetries: 0 });
  try {
    writeApi.writePoint(point);
    await writeApi.flush();
  } finally {
    await writeApi.close().catch(() => undefined);
  }
}

async function readRun(token: string, bucket: string, runId: string, since: Date): Promise<SmokeRow[]> {
  const query = flux`from(bucket: ${bucket})
    |> range(start: ${since})
    |> filter(fn: (r) => r._measurement == ${measurement} and r.run_id == ${runId})`;
  return new InfluxDB({ url, token, timeout: 10_000 }).getQueryApi(org).collectRows<SmokeRow>(query);
}

async function rejectionStatus(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HttpError) return error.statusCode;
    throw error;
  }
  throw new Error('expected the server to reject the request, but it accepted it');
}

describe('native InfluxDB (scripts/stack up influxdb)', () => {
  const runId = randomUUID();
  const start = new Date(Date.now() - 60_000);
  let appToken = '';

  beforeAll(async () => {
    try {
      const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) });
      const body = (await health.json()) as { status?: string };
      if (body.status !== 'pass') throw new Error(`/health says ${JSON.stringify(body)}`);
    } catch (error) {
      throw new Error(`InfluxDB is not healthy at ${url}: start it with scripts/stack up influxdb`, { cause: error });
    }
    appToken = stack.get('INFLUXDB_APP_TOKEN');
    // A server set up from another secrets file (another STACK_STATE, compose) refuses our tokens: say so up front.
    const probe = await fetch(`${url}/api/v2/buckets?limit=1`, { headers: { Authorization: `Token ${appToken}` } });
    if (probe.status === 401) {
      throw new Error(
        `InfluxDB at ${url} refuses INFLUXDB_APP_TOKEN: it was set up with other secrets than this STACK_STATE's; run scripts/stack up influxdb`,
      );
    }
  });

  afterAll(async () => {
    // Leave no smoke points behind in the real buckets.
    if (!appToken) return;
    for (const bucket of ['telemetry', 'forecasts']) {
      const params = new URLSearchParams({ org, bucket });
      await fetch(`${url}/api/v2/delete?${params}`, {
        method: 'POST',
        headers: { Authorization: `Token ${appToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          start: new Date(start.getTime() - 3_600_000).toISOString(),
          stop: new Date(Date.now() + 3_600_000).toISOString(),
          predicate: `_measurement="${measurement}" AND run_id="${runId}"`,
        }),
      });
    }
  });

  it('app token writes a point to telemetry and reads it back with Flux', async () => {
    const time = new Date(Math.floor(Date.now() / 1000) * 1000 - 5_000);
    await writeOne(
      appToken,
      'telemetry',
      new Point(measurement)
        .tag('home_id', 'home-smoke')
        .tag('run_id', runId)
        .floatField('power_w', 1234.5)
        .timestamp(time),
    );

    const rows = await readRun(appToken, 'telemetry', runId, start);

    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ _field: 'power_w', _value: 1234.5, home_id: 'home-smoke', run_id: runId });
    // Flux prints RFC 3339 without zero milliseconds; compare instants.
    expect(Date.parse(rows[0]?._time ?? '')).toBe(time.getTime());
  });

  it('app token can write to every project bucket', async () => {
    const time = new Date();
    await writeOne(
      appToken,
      'forecasts',
      new Point(measurement).tag('run_id', runId).floatField('power_w', 7).timestamp(time),
    );
    const rows = await readRun(appToken, 'forecasts', runId, start);
    expect(rows.map((row) => row._value)).toEqual([7]);
  });

  it('telegraf token writes telemetry only', async () => {
    const telegrafToken = stack.get('INFLUXDB_TELEGRAF_TOKEN');
    const time = new Date();
    const point = () =>
      new Point(measurement)
        .tag('run_id', runId)
        .tag('home_id', 'home-telegraf')
        .intField('energy_wh', 42)
        .timestamp(time);

    await writeOne(telegrafToken, 'telemetry', point());
    const written = await readRun(appToken, 'telemetry', runId, start);
    expect(written.filter((row) => row.home_id === 'home-telegraf').map((row) => row._value)).toEqual([42]);

    const status = await rejectionStatus(writeOne(telegrafToken, 'forecasts', point()));
    expect([401, 403]).toContain(status);
    // Nor may it read what it writes.
    expect([401, 403, 404]).toContain(await rejectionStatus(readRun(telegrafToken, 'telemetry', runId, start)));
  });

  it('grafana token reads every bucket and writes none', async () => {
    const grafanaToken = stack.get('INFLUXDB_GRAFANA_TOKEN');
    const rows = await readRun(grafanaToken, 'forecasts', runId, start);
    expect(rows.map((row) => row._value)).toEqual([7]);
    const point = new Point(measurement).tag('run_id', runId).floatField('power_w', 1).timestamp(new Date());
    expect([401, 403]).toContain(await rejectionStatus(writeOne(grafanaToken, 'telemetry', point)));
  });

  it('an unknown token is refused', async () => {
    const point = new Point(measurement).tag('run_id', runId).floatField('power_w', 1).timestamp(new Date());
    expect(await rejectionStatus(writeOne('not-a-token', 'telemetry', point))).toBe(401);
  });
});
