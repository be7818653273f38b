/**
 * Replay rate after an outage: the virtual device buffers N readings (1 ms apart) while offline, then connects to
 * the real broker; prints how fast the backlog is published (PUBACKed by Mosquitto) and how long until all of it
 * is in InfluxDB through Telegraf. Needs `scripts/stack up mosquitto influxdb telegraf`; run under
 * `flock /tmp/bench.lock` and report the load average:
 *   flock /tmp/bench.lock npx tsx firmware/bench/replay.ts [N=4000] [batchMax=50]
 */
import { loadavg } from 'node:os';
import { createInfluxClient, telemetryCountQuery } from '@carbonreducer/influx';
import { loadStackEnv } from '@carbonreducer/stack-env';
import { VirtualDevice, buildFirmware } from '../integration/virtualDevice';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 4000);
  const batchMax = Number(process.argv[3] ?? 50);
  const env = loadStackEnv();
  await buildFirmware();
  const homeId = `bench-fw-${Date.now().toString(36)}`;
  const t0 = Date.now() - 60_000;
  const org = env.find('INFLUX_ORG') ?? 'carbonreducer';
  const influx = createInfluxClient({
    url: env.find('INFLUX_URL') ?? `http://127.0.0.1:${env.port('INFLUXDB_PORT')}`,
    token: env.find('INFLUX_TOKEN') ?? env.get('INFLUXDB_APP_TOKEN'),
    org,
    timeoutMs: 60_000,
  }).getQueryApi(org);
  const device = new VirtualDevice(
    {
      homeId,
      deviceId: 'bench',
      brokerUrl: `mqtt://127.0.0.1:${env.port('MQTT_PORT')}`,
      mqttUsername: 'device',
      mqttPassword: env.get('MQTT_DEVICE_PASSWORD'),
      kind: 'plug',
      readingIntervalMs: 3_600_000,
      batchMax,
    },
    ['--burst', String(n)],
  );
  device.start();
  try {
    await device.waitFor('burst_done', n * 5 + 30_000);
    const [done] = await device.waitFor('replay_done', 300_000);
    const f = VirtualDevice.fields(done!);
    const connectedAt = device.of('connected')[0]!.t;
    let count = 0;
    const deadline = Date.now() + 300_000;
    while (count < Number(f.records) && Date.now() < deadline) {
      const rows = await influx.collectRows<{ _measurement: string; _field: string; _value: number }>(
        telemetryCountQuery('telemetry', { homeId, startMs: t0, stopMs: Date.now() + 60_000 }),
      );
      count = rows
        .filter((r) => r._measurement === 'plug' && r._field === 'power_w')
        .reduce((a, r) => a + Number(r._value), 0);
      if (count < Number(f.records)) await new Promise((r) => setTimeout(r, 250));
    }
    const inInfluxMs = Date.now() - connectedAt;
    const rate = Math.round((Number(f.records) / Math.max(1, Number(f.ms))) * 1000);
    process.stdout.write(
      `replay: ${f.records} buffered readings published in ${f.ms} ms (${rate} readings/s, batches of ${batchMax}); ` +
        `${count} in InfluxDB ${inInfluxMs} ms after reconnect; load average ${loadavg()
          .map((x) => x.toFixed(2))
          .join(' ')}\n`,
    );
  } finally {
    await device.stop();
    device.cleanup();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err instanceof Error ? err.stack : err)}\n`);
  process.exit(1);
});
