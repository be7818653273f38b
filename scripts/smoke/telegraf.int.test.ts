import { InfluxDB, flux } from '@influxdata/influxdb-client';
import { assertReachable, eventually } from '@carbonreducer/stack-env';
import { loadStackEnv } from '@carbonreducer/stack-env';

// Smoke test of the native Telegraf: health endpoint, and its own metrics (inputs.internal) written through
// outputs.influxdb_v2 with the telegraf token into the `telemetry` bucket. The device contract path
// (MQTT/HTTP → validator → InfluxDB) is tested by the pipeline's integration tests.
const stack = loadStackEnv();
const host = '127.0.0.1';
// Telegraf collects and flushes every 10 s; allow a few rounds on a busy machine.
jest.setTimeout(120_000);

describe('Telegraf (scripts/stack up telegraf)', () => {
  beforeAll(async () => {
    await assertReachable('Telegraf health endpoint', host, stack.port('TELEGRAF_HEALTH_PORT'));
    await assertReachable('InfluxDB', host, stack.port('INFLUXDB_PORT'));
  });

  it('reports healthy', async () => {
    const response = await fetch(`http://${host}:${stack.port('TELEGRAF_HEALTH_PORT')}/`);
    expect(response.status).toBe(200);
  });

  it('writes its internal metrics into the telemetry bucket', async () => {
    const sinceStart = new Date(Date.now() - 60_000);
    const queryApi = new InfluxDB({
      url: `http://${host}:${stack.port('INFLUXDB_PORT')}`,
      token: stack.get('INFLUXDB_APP_TOKEN'),
      timeout: 10_000,
    }).getQueryApi('carbonreducer');
    const rows = await eventually(
      'internal_write metrics of outputs.influxdb_v2 in bucket telemetry',
      async () => {
        const found = await queryApi.collectRows<{ _value: number; output: string }>(flux`from(bucket: "telemetry")
          |> range(start: ${sinceStart})
          |> filter(fn: (r) => r._measurement == "internal_write" and r._field == "metrics_written")
          |> filter(fn: (r) => r.output == "influxdb_v2")`);
        return found.length > 0 ? found : undefined;
      },
      90_000,
    );
    expect(rows[0]?.output).toBe('influxdb_v2');
    expect(rows.every((row) => Number.isFinite(row._value) && row._value >= 0)).toBe(true);
  });
});
