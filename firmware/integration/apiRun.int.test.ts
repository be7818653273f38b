import { assertReachable, loadStackEnv } from '@carbonreducer/stack-env';
import { commandTopic } from '@carbonreducer/telemetry';
import { IT_NAMESPACE, startWorker, useTestTemporal, writeFixtureForecast } from '@carbonreducer/workflows/testing';
import mqtt, { type MqttClient } from 'mqtt';
import { apiCall, operatorLogin, startApi, type ApiProcess, type Operator } from './api';
import { VirtualDevice, buildFirmware } from './virtualDevice';

// A run requested through the API, end to end on the real stack: the API (child process) sends the request to the
// home's optimizer workflow on Temporal (the integration namespace), a real worker (child process) plans it with HiGHS
// against a forecast of this run's own region and publishes the start on the device's command topic, and the
// firmware core built for Linux, logged in with the broker credentials the API issued at its registration, runs it
// and acknowledges it; the worker's device bridge records the ack in the plan.
//
// The planner puts starts on its 30 min slot grid; with a flat forecast it starts the run in the current slot, so
// the near-term moment is now (a later one would mean waiting for the next slot boundary, up to 30 min).
jest.setTimeout(600_000);

const env = loadStackEnv();
const mqttPort = env.port('MQTT_PORT');
const run = Math.random().toString(36).slice(2, 8);
const homeId = `it-fwrun-${run}`;
const deviceId = 'dw-1';
/** This run's own region, so the forecast written here is the only one its plans see. */
const REGION = `ZZ${run.toUpperCase().replace(/[^A-Z]/g, 'X')}`;
const HOUR = 3_600_000;

interface PlanBody {
  version: number | null;
  runs: { requestId: string; deviceId: string; startAt: string }[];
  requests: { requestId: string; status: string }[];
  commands: { requestId: string; deviceId: string; action: string; at: string; status: string }[];
}

const { workers, atEnd } = useTestTemporal();
atEnd((client) => client.workflow.getHandle(`optimize-home/${homeId}`).terminate('end of the firmware API-run integration test'));
let api: ApiProcess;
let operator: Operator;
let service: MqttClient;
let creds: { username: string; password: string };
const arrivals: { topic: string; payload: string; at: number }[] = [];
const devices: VirtualDevice[] = [];
/** The worker's log lines (stderr), shown when the plan never records the ack. */
const workerLog: string[] = [];

const plan = async (): Promise<PlanBody> =>
  apiCall<PlanBody>(api.url, await operator.token(), 'GET', `/api/optimize/homes/${homeId}/plan`);
const on = (topic: string) =>
  arrivals.filter((a) => a.topic === topic).map((a) => JSON.parse(a.payload) as Record<string, unknown>);
const until = async <T>(
  what: string | (() => Promise<string>),
  timeoutMs: number,
  probe: () => Promise<T | undefined> | T | undefined,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline)
      throw new Error(`not within ${timeoutMs} ms: ${typeof what === 'string' ? what : await what()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

beforeAll(async () => {
  const hint = 'bash scripts/stack up';
  await assertReachable(`Mosquitto (${hint} mosquitto)`, '127.0.0.1', mqttPort);
  await assertReachable(`InfluxDB (${hint} influxdb)`, '127.0.0.1', env.port('INFLUXDB_PORT'));
  await assertReachable(`Temporal (${hint} temporal)`, '127.0.0.1', env.port('TEMPORAL_PORT'));
  await assertReachable(`Keycloak (${hint} keycloak)`, '127.0.0.1', env.port('KEYCLOAK_PORT'));
  await assertReachable(`PostgreSQL (${hint} postgres)`, '127.0.0.1', env.port('POSTGRES_PORT'));
  await buildFirmware();
  await writeFixtureForecast(REGION, () => 200);
  [api, operator] = await Promise.all([
    startApi({ TEMPORAL_NAMESPACE: IT_NAMESPACE }),
    operatorLogin('it-fwrun-operator'),
    startWorker({ region: REGION, started: workers, log: workerLog }),
  ]);
  await apiCall(api.url, await operator.token(), 'POST', '/api/homes', {
    homeId,
    region: REGION,
    timeZone: 'Europe/London',
  });
  const reg = await apiCall<{ mqtt: { username: string; password: string } | null }>(
    api.url,
    await operator.token(),
    'POST',
    `/api/auth/homes/${homeId}/devices`,
    { deviceId, kind: 'plug' },
  );
  if (!reg.mqtt) throw new Error(`the API issued no broker credentials for ${deviceId}`);
  creds = reg.mqtt;
  service = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
    username: 'service',
    password: env.get('MQTT_SERVICE_PASSWORD'),
    clientId: `it-fwrun-service-${process.pid}`,
    reconnectPeriod: 500,
  });
  service.on('message', (topic, payload) => arrivals.push({ topic, payload: payload.toString(), at: Date.now() }));
  await service.subscribeAsync(`carbonreducer/${homeId}/#`, { qos: 1 });
}, 600_000);

afterAll(async () => {
  for (const d of devices) {
    await d.stop('SIGKILL');
    d.cleanup();
  }
  // The retained start of this run would be delivered to nobody; clear it.
  await service?.publishAsync(commandTopic(homeId, deviceId), '', { qos: 1, retain: true }).catch(() => undefined);
  await service?.endAsync();
  if (api && operator) {
    const token = await operator.token().catch(() => '');
    await apiCall(api.url, token, 'DELETE', `/api/auth/homes/${homeId}/devices/${deviceId}`).catch(() => undefined);
    await apiCall(api.url, token, 'DELETE', `/api/homes/${homeId}`).catch(() => undefined);
  }
  await api?.stop();
  await operator?.close();
}, 300_000);

it('a run requested through the API is commanded, run at its moment and acked exactly once, across device restarts', async () => {
  const d = new VirtualDevice({
    homeId,
    deviceId,
    brokerUrl: `mqtt://127.0.0.1:${mqttPort}`,
    mqttUsername: creds.username,
    mqttPassword: creds.password,
    kind: 'plug',
    readingIntervalMs: 1000,
    minSwitchIntervalMs: 2000,
    batchMax: 50,
  });
  devices.push(d);
  d.start();
  await d.waitFor('connected', 15_000);

  // Power cut before the run is requested: the start the workflow sends waits at the broker (retained) meanwhile.
  await d.stop('SIGKILL');
  // The homeowner's request, through the API to the workflow: with a flat forecast the plan starts it in the
  // current slot, so the worker dispatches the start at once.
  const askedAtMs = Date.now();
  await apiCall(api.url, await operator.token(), 'POST', `/api/optimize/homes/${homeId}/runs`, {
    idempotencyKey: 'dw',
    deviceId,
    appliance: 'dishwasher',
    durationMin: 60,
    powerW: 1800,
    readyBy: new Date(Date.now() + 6 * HOUR).toISOString(),
  });
  const planned = await plan();
  expect(planned.runs.map((r) => [r.requestId, r.deviceId])).toEqual([['dw', deviceId]]);
  const startAtMs = Date.parse(planned.runs[0]!.startAt);
  expect(startAtMs).toBeLessThanOrEqual(askedAtMs + 60_000);
  const topic = commandTopic(homeId, deviceId);
  const ackTopic = `carbonreducer/${homeId}/acks/${deviceId}`;
  const sent = await until('the start command on the device topic', 15_000, () =>
    on(topic).find((c) => c.action === 'start'),
  );
  expect(sent).toMatchObject({ v: 1, homeId, deviceId, requestId: 'dw', idempotencyKey: `${homeId}/dw/start` });
  // The command carries the plan's start.
  const plannedAtMs = Date.parse(String(sent.plannedAt));
  expect(plannedAtMs).toBe(startAtMs);

  // Back on: the retained start arrives, the relay switches (its planned moment has passed: at once), one ack.
  await new Promise((r) => setTimeout(r, 2000));
  d.start();
  const [relay] = await d.waitFor('relay', 20_000, 1, (e) => e.detail.startsWith('on=true'));
  expect(relay!.t).toBeGreaterThanOrEqual(plannedAtMs);
  await d.waitFor('ack_published', 10_000);
  const acked = await until(
    async () =>
      `the plan records the ack (acks on the broker: ${JSON.stringify(on(ackTopic))}; commands in the plan: ` +
      `${JSON.stringify((await plan()).commands)}); worker log:\n${workerLog
        .join('')
        .split('\n')
        .filter((l) => /bridge|ack|warn|error/.test(l))
        .slice(-20)
        .join('\n')}`,
    30_000,
    async () => {
      const c = (await plan()).commands.find((x) => x.requestId === 'dw' && x.action === 'start');
      return c?.status === 'acked' ? c : undefined;
    },
  );
  expect(acked).toMatchObject({ deviceId, at: new Date(plannedAtMs).toISOString() });

  // Restarted again: the retained start is a duplicate (persisted idempotency key), no switch, no second ack.
  await d.stop('SIGKILL');
  d.start();
  await d.waitFor('command_duplicate', 15_000);
  await new Promise((r) => setTimeout(r, 3000));
  const acks = on(ackTopic);
  expect(acks).toEqual([{ idempotencyKey: `${homeId}/dw/start`, ok: true, at: expect.any(String) }]);
  expect(Date.parse(String(acks[0]!.at))).toBeGreaterThanOrEqual(plannedAtMs);
  expect(d.of('relay').filter((e) => e.detail.startsWith('on=true'))).toHaveLength(1);
  // The workflow sent the start once.
  expect(on(topic).filter((c) => c.action === 'start')).toHaveLength(1);
  expect((await plan()).requests.find((r) => r.requestId === 'dw')?.status).toBe('dispatched');
  await d.stop();
});
