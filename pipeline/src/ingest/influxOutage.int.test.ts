import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { encodeReading, telemetryTopic } from '@carbonreducer/telemetry';
import type { MqttClient } from 'mqtt';
import { connectMqtt } from '../mqtt';
import { requirePipelineStack, settle, uniqueHomeId, type PipelineStack } from '../testing/stack';

// Telegraf flushes every 10 s and InfluxDB queries take a moment: minutes, not the default 5 s.
jest.setTimeout(300_000);

// InfluxDB stopped for a while under load: Telegraf keeps the unwritten points (and leaves their MQTT messages
// unacknowledged, queued in the broker's session), and writes every one once InfluxDB is back.
const run = promisify(execFile);
const stackScript = resolve(__dirname, '..', '..', '..', 'scripts', 'stack');
const stackCmd = (...args: string[]) => run('bash', [stackScript, ...args], { timeout: 180_000 });
const N = 3000;

describe('InfluxDB outage (scripts/stack up mosquitto influxdb telegraf)', () => {
  let stack: PipelineStack;
  let device: MqttClient;
  beforeAll(async () => {
    stack = await requirePipelineStack();
    device = await connectMqtt(stack.device, { clientId: `it-outage-${process.pid}` });
  }, 30_000);
  afterAll(async () => {
    await device?.endAsync();
    // Whatever happened, leave InfluxDB running for the next test.
    await stackCmd('up', 'influxdb').catch(() => undefined);
  }, 200_000);

  it('loses nothing while InfluxDB is down', async () => {
    const homeId = uniqueHomeId('it-outage');
    const t0 = Date.now() - N * 1000 - 60_000;
    const range = { startMs: t0 - 60_000, stopMs: Date.now() + 600_000 };
    await stackCmd('down', 'influxdb');
    const started = Date.now();
    for (let i = 0; i < N; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, N - i) }, (_, j) =>
          device.publishAsync(
            telemetryTopic(homeId, 'meter', 'main'),
            encodeReading({ tsMs: t0 + (i + j) * 1000, powerW: i + j }),
            {
              qos: 1,
            },
          ),
        ),
      );
    }
    // Long enough for Telegraf to fail several flushes.
    await new Promise((r) => setTimeout(r, Math.max(0, 25_000 - (Date.now() - started))));
    await stackCmd('up', 'influxdb');
    const counts = await settle(
      () => stack.query.countPoints(homeId, range),
      (c) => c['meter/main'] === N,
      120_000,
    );
    expect(counts).toEqual({ 'meter/main': N });
    const values = await stack.query.fieldValues(homeId, 'main', 'power_w', range);
    expect(values.get(t0 + 1234 * 1000)).toBe(1234);
  }, 400_000);
});
