import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { encodeReading, telemetryTopic } from '@carbonreducer/telemetry';
import { uniqueHomeId } from '../testing/stack';
import { publishAll, settleCounts, useDeviceClient } from '../testing/ingest';

// Telegraf flushes every second and InfluxDB queries take a moment: minutes, not the default 5 s.
jest.setTimeout(300_000);

// InfluxDB stopped for a while under load: Telegraf keeps the unwritten points (and leaves their MQTT messages
// unacknowledged, queued in the broker's session), and writes every one once InfluxDB is back.
const run = promisify(execFile);
const stackScript = resolve(__dirname, '..', '..', '..', 'scripts', 'stack');
const stackCmd = (...args: string[]) => run('bash', [stackScript, ...args], { timeout: 180_000 });
const N = 3000;

describe('InfluxDB outage (scripts/stack up mosquitto influxdb telegraf)', () => {
  const io = useDeviceClient('outage');
  afterAll(async () => {
    // Whatever happened, leave InfluxDB running for the next test.
    await stackCmd('up', 'influxdb').catch(() => undefined);
  }, 200_000);

  it('loses nothing while InfluxDB is down', async () => {
    const homeId = uniqueHomeId('it-outage');
    const t0 = Date.now() - N * 1000 - 60_000;
    const range = { startMs: t0 - 60_000, stopMs: Date.now() + 600_000 };
    await stackCmd('down', 'influxdb');
    const started = Date.now();
    await publishAll(
      io.device,
      Array.from({ length: N }, (_, i) => ({
        topic: telemetryTopic(homeId, 'meter', 'main'),
        payload: encodeReading({ tsMs: t0 + i * 1000, powerW: i }),
      })),
      100,
    );
    // Long enough for Telegraf to fail several flushes.
    await new Promise((r) => setTimeout(r, Math.max(0, 25_000 - (Date.now() - started))));
    await stackCmd('up', 'influxdb');
    expect(await settleCounts(() => io.stack.query.countPoints(homeId, range), { 'meter/main': N }, 120_000)).toEqual({
      'meter/main': N,
    });
    const values = await io.stack.query.fieldValues(homeId, 'main', 'power_w', range);
    expect(values.get(t0 + 1234 * 1000)).toBe(1234);
  }, 400_000);
});
