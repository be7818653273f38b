import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeReading, parseTopic, telemetryTopic, type Reading } from '@carbonreducer/telemetry';
import mqtt, { type MqttClient } from 'mqtt';
import { connectMqtt } from '../mqtt';
import { LOCAL_BROKER_MAX_INFLIGHT, TcpProxy, freePort, startLocalBroker } from '../testing/localBroker';
import { redeliveryBound } from './config';
import { requirePipelineStack, sameCounts, settle, uniqueHomeId, type PipelineStack } from '../testing/stack';

// Telegraf flushes every 10 s and InfluxDB queries take a moment: minutes, not the default 5 s.
jest.setTimeout(300_000);

// The edge gateway as a real process between a real local Mosquitto and the central stack, across a central broker
// outage (a cut TCP relay) and a SIGKILL in the middle of replaying its disk buffer.
const cli = resolve(__dirname, 'cli.ts');
const PLUGS = ['kettle', 'dishwasher', 'washing_machine', 'microwave'];
const GATEWAY_SETTINGS = { maxInflight: 5, cursorSyncRecords: 20 };
// One central outage (a reconnect) and one kill -9 (a crash): the most the gateway may send twice.
const bound = redeliveryBound(GATEWAY_SETTINGS, LOCAL_BROKER_MAX_INFLIGHT);
const MAX_REDELIVERIES = bound.perReconnect + bound.perCrash;

interface Arrival {
  deviceId: string;
  tsMs: number;
}

describe('edge gateway (scripts/stack up mosquitto influxdb telegraf)', () => {
  let stack: PipelineStack;
  let local: Awaited<ReturnType<typeof startLocalBroker>>;
  let proxy: TcpProxy;
  let bufferDir: string;
  let gateway: ChildProcess | undefined;
  let gatewayLog = '';
  let device: MqttClient;
  let central: MqttClient;
  const arrivals: Arrival[] = [];
  /** Every plug reading the device published, as `deviceId/tsMs`. */
  const published = new Set<string>();
  const homeId = uniqueHomeId('it-gw');

  const startGateway = (): ChildProcess => {
    const proc = spawn(process.execPath, ['--require', 'tsx/cjs', cli], {
      cwd: resolve(__dirname, '..', '..', '..'),
      env: {
        ...process.env,
        GATEWAY_HOME_ID: homeId,
        GATEWAY_ID: 'gw',
        GATEWAY_LOCAL_MQTT_URL: `mqtt://127.0.0.1:${local.port}`,
        MQTT_URL: `mqtt://127.0.0.1:${proxy.port}`,
        MQTT_USERNAME: stack.device.username,
        MQTT_PASSWORD: stack.device.password,
        GATEWAY_BUFFER_DIR: bufferDir,
        GATEWAY_SEGMENT_KB: '16',
        GATEWAY_BUFFER_MAX_MB: '64',
        GATEWAY_MAX_INFLIGHT: String(GATEWAY_SETTINGS.maxInflight),
        GATEWAY_CURSOR_SYNC_RECORDS: String(GATEWAY_SETTINGS.cursorSyncRecords),
        GATEWAY_HEARTBEAT_S: '3600',
        GATEWAY_RETRY_S: '0.5',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout?.on('data', (d: Buffer) => (gatewayLog += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (gatewayLog += d.toString()));
    return proc;
  };
  const stopGateway = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = gateway;
    gateway = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill(signal);
    await exited;
  };

  const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 3 * 3_600_000;
  let nextMinute = 0;
  /** Publishes `n` readings per plug to the local broker (QoS 1: resolved once the local broker has them). */
  const publishReadings = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++, nextMinute++) {
      await Promise.all(
        PLUGS.map((id, k) => {
          const reading: Reading = { tsMs: t0 + nextMinute * 1000, powerW: k * 100 + (nextMinute % 97) };
          published.add(`${id}/${reading.tsMs}`);
          return device.publishAsync(telemetryTopic(homeId, 'plug', id), encodeReading(reading), { qos: 1 });
        }),
      );
    }
  };
  const uniqueArrivals = (): number => new Set(arrivals.map((a) => `${a.deviceId}/${a.tsMs}`)).size;

  beforeAll(async () => {
    stack = await requirePipelineStack();
    local = await startLocalBroker();
    proxy = new TcpProxy(await freePort(), stack.mqttPort);
    await proxy.open();
    bufferDir = mkdtempSync(join(tmpdir(), 'cr-gateway-'));
    central = await connectMqtt(stack.service, { clientId: `it-gw-central-${process.pid}` });
    central.on('message', (topic, payload) => {
      const t = parseTopic(topic);
      if (t?.type !== 'telemetry' || t.kind !== 'plug') return;
      const body = JSON.parse(payload.toString()) as { ts: number };
      arrivals.push({ deviceId: t.deviceId, tsMs: body.ts });
    });
    await central.subscribeAsync(`carbonreducer/${homeId}/telemetry/#`, { qos: 1 });
    device = mqtt.connect(`mqtt://127.0.0.1:${local.port}`, { clientId: `it-gw-device-${process.pid}` });
    await new Promise((r) => device.once('connect', r));
    gateway = startGateway();
    // On its very first start the gateway must subscribe before the local broker keeps anything for it.
    await settle(
      async () => gatewayLog,
      (log) => log.includes('subscribed to the local broker'),
      30_000,
    );
  }, 60_000);

  afterAll(async () => {
    await stopGateway('SIGTERM');
    await device?.endAsync();
    await central?.endAsync();
    await proxy?.cut();
    await local?.stop();
    if (bufferDir) rmSync(bufferDir, { recursive: true, force: true });
  });

  it('forwards, buffers across an outage, survives a kill mid-replay, and loses and duplicates nothing', async () => {
    // 1. Connected: readings flow straight through.
    await publishReadings(50);
    await settle(
      async () => uniqueArrivals(),
      (n) => n === 200,
      30_000,
    );
    expect(uniqueArrivals()).toBe(200);

    // 2. Central broker unreachable: the gateway keeps accepting (and acknowledging) into its disk buffer.
    await proxy.cut();
    await publishReadings(400);
    await new Promise((r) => setTimeout(r, 2000));
    expect(uniqueArrivals()).toBe(200);
    const duplicatesBeforeKill = arrivals.length - uniqueArrivals();
    expect(duplicatesBeforeKill).toBe(0);

    // 3. Reachable again; kill -9 the gateway while it replays, restart it.
    await proxy.open();
    // Polled every few ms (arrivals are counted by this process's subscriber): the kill lands soon after 600 of the
    // 1800 readings are through, i.e. mid-replay, however fast the replay runs.
    const replayDeadline = Date.now() + 30_000;
    while (uniqueArrivals() < 600 && Date.now() < replayDeadline) await new Promise((r) => setTimeout(r, 2));
    await stopGateway('SIGKILL');
    const atKill = uniqueArrivals();
    await publishReadings(100); // while the gateway is dead: the local broker keeps them for its session
    gateway = startGateway();

    const total = 4 * (50 + 400 + 100);
    await settle(
      async () => uniqueArrivals(),
      (n) => n === total,
      60_000,
    );
    // No loss and nothing else: the readings that arrived are exactly the ones the device published.
    const arrived = new Set(arrivals.map((a) => `${a.deviceId}/${a.tsMs}`));
    expect({
      missing: [...published].filter((k) => !arrived.has(k)).length,
      extra: arrived.size - published.size,
    }).toEqual({ missing: 0, extra: 0 });
    expect(published.size).toBe(total);
    expect(atKill).toBeGreaterThanOrEqual(600);
    expect(atKill).toBeLessThan(1800);

    // In order: per device, each reading first arrives after every earlier one (a resend repeats an earlier one).
    for (const id of PLUGS) {
      const seen = new Set<number>();
      const firsts: number[] = [];
      for (const a of arrivals) {
        if (a.deviceId !== id || seen.has(a.tsMs)) continue;
        seen.add(a.tsMs);
        firsts.push(a.tsMs);
      }
      expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
    }
    // Resends come only from the outage and the kill, and never exceed what was in flight (redeliveryBound).
    const redelivered = arrivals.length - uniqueArrivals();
    if (redelivered > MAX_REDELIVERIES) process.stdout.write(gatewayLog.slice(-3000));
    expect(redelivered).toBeLessThanOrEqual(MAX_REDELIVERIES);

    // Exactly one point per reading in InfluxDB: nothing lost, redeliveries overwrote themselves.
    const range = { startMs: t0 - 60_000, stopMs: Date.now() + 60_000 };
    const expected = Object.fromEntries(PLUGS.map((id) => [`plug/${id}`, total / 4]));
    const counts = await settle(
      async () => {
        const c = await stack.query.countPoints(homeId, range);
        return Object.fromEntries(Object.entries(c).filter(([k]) => k.startsWith('plug/')));
      },
      (c) => sameCounts(c, expected),
      60_000,
    );
    expect(counts).toEqual(expected);
    process.stdout.write(
      `gateway test: ${total} readings, ${redelivered} resent (bound ${MAX_REDELIVERIES}: ${bound.perReconnect} per reconnect + ${bound.perCrash} per crash)\n`,
    );
  }, 300_000);

  it('drops out-of-contract device messages and stamps readings that have no device time', async () => {
    const before = arrivals.length;
    await device.publishAsync(telemetryTopic(homeId, 'plug', 'kettle'), '{"v":1,"ts":1,"powerW":5}', { qos: 1 });
    await device.publishAsync(telemetryTopic(homeId, 'plug', 'kettle'), 'not json', { qos: 1 });
    const sentAt = Date.now();
    await device.publishAsync(telemetryTopic(homeId, 'plug', 'microwave'), '{"v":1,"powerW":1234}', { qos: 1 });
    await settle(
      async () => arrivals.length,
      (n) => n > before,
      20_000,
    );
    await new Promise((r) => setTimeout(r, 500));
    const fresh = arrivals.slice(before);
    expect(fresh).toHaveLength(1);
    expect(fresh[0]!.deviceId).toBe('microwave');
    expect(Math.abs(fresh[0]!.tsMs - sentAt)).toBeLessThan(5000);
    expect(gatewayLog).toMatch(/"reason":"ts_too_old"/);
    expect(gatewayLog).toMatch(/"reason":"bad_json"/);
  }, 60_000);
});
