/**
 * On the real stack (`scripts/stack up`): Temporal dev server, InfluxDB and Mosquitto. A home's request goes in, the
 * worker (a child process) is killed while the workflow waits for the planned time, a new worker takes over, and
 * exactly one start command comes out on the device topic at the planned time; the device's ack reaches the plan.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { BUCKETS, INFLUX_ORG } from '@carbonreducer/common';
import { Client, Connection } from '@temporalio/client';
import mqtt, { type MqttClient } from 'mqtt';
import { loadStackEnv } from '../../scripts/smoke/stackEnv';
import { InfluxForecastStore } from './adapters/influx';
import { HomeIdKey, workflowIds } from './ids';
import { ensureNamespace } from './testing/namespace';
import { ackTopic, commandTopic, type CommandPayload } from './topics';
import { currentPlanQuery, requestRunUpdate } from './workflows/definitions';
import { TASK_QUEUES } from '@carbonreducer/common';

jest.setTimeout(300_000);

const repoRoot = resolve(__dirname, '..', '..');
/** Its own namespace, so a worker started by the main job on the same server cannot take these tasks. */
const NAMESPACE = 'carbonreducer-it';
const MIN = 60_000;

const stack = loadStackEnv();
const settings = {
  temporalAddress: `127.0.0.1:${stack.port('TEMPORAL_PORT')}`,
  influx: {
    url: `http://127.0.0.1:${stack.port('INFLUXDB_PORT')}`,
    token: stack.get('INFLUXDB_APP_TOKEN'),
    org: INFLUX_ORG,
  },
  mqtt: {
    url: `mqtt://127.0.0.1:${stack.port('MQTT_PORT')}`,
    username: 'service',
    password: stack.get('MQTT_SERVICE_PASSWORD'),
  },
};

let connection: Connection;
let client: Client;
let device: MqttClient;
const workers: ChildProcess[] = [];

/**
 * Starts workflows/src/worker.ts with tsx as one process (`node --require tsx/cjs`: the tsx CLI would fork a child that
 * survives a SIGKILL of its parent), leading its own process group, and resolves once it logs that it is running.
 */
function startWorker(region: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(__dirname, 'worker.ts')], {
    cwd: repoRoot,
    detached: true,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: settings.temporalAddress,
      TEMPORAL_NAMESPACE: NAMESPACE,
      INFLUXDB_APP_TOKEN: settings.influx.token,
      INFLUXDB_URL: settings.influx.url,
      MQTT_URL: settings.mqtt.url,
      MQTT_SERVICE_PASSWORD: settings.mqtt.password,
      REGION: region,
      INTENSITY_SOURCES: 'file',
      ENSURE_SCHEDULES: 'false',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  workers.push(child);
  let log = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker did not start within 120 s:\n${log.slice(-3000)}`)),
      120_000,
    );
    child.stderr?.on('data', (d: Buffer) => {
      log += d.toString('utf8');
      if (log.includes('"msg":"worker running"')) {
        clearTimeout(timer);
        resolvePromise(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before running:\n${log.slice(-3000)}`));
    });
  });
}

/** Signals the worker's process group; resolves with its exit code (null when the signal killed it). */
function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) return res(child.exitCode);
    child.once('exit', (code) => {
      // Nothing of the worker may keep Jest from exiting.
      child.stderr?.destroy();
      child.unref();
      res(code);
    });
    try {
      process.kill(-(child.pid ?? 0), signal);
    } catch {
      child.kill(signal);
    }
  });
}

async function waitFor<T>(
  probe: () => Promise<T> | T,
  ok: (v: T) => boolean,
  what: string,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  try {
    connection = await Connection.connect({ address: settings.temporalAddress, connectTimeout: 5_000 });
  } catch (err) {
    throw new Error(`Temporal dev server not reachable at ${settings.temporalAddress}: run scripts/stack up`, {
      cause: err,
    });
  }
  await ensureNamespace(connection, NAMESPACE);
  client = new Client({ connection, namespace: NAMESPACE });
  try {
    device = await mqtt.connectAsync(settings.mqtt.url, {
      ...settings.mqtt,
      clientId: `it-device-${randomUUID()}`,
      reconnectPeriod: 0,
    });
  } catch (err) {
    throw new Error(`Mosquitto not reachable at ${settings.mqtt.url}: run scripts/stack up`, { cause: err });
  }
});

afterAll(async () => {
  await Promise.all(workers.map((w) => kill(w, 'SIGKILL')));
  await device?.endAsync();
  await connection?.close();
});

it('sends exactly one start command at the planned time although the worker is killed while it waits', async () => {
  const suffix = randomUUID().slice(0, 8);
  const homeId = `it-home-${suffix}`;
  const region = `IT-${suffix}`;
  const now = Date.now();

  // A forecast where the first hour is the cleanest: the plan starts the dishwasher at its earliest start.
  const slot = 30 * MIN;
  const t0 = Math.floor(now / slot) * slot - slot;
  await new InfluxForecastStore(settings.influx, BUCKETS.forecasts).writeIntensityForecast({
    region,
    issuedAt: new Date(t0).toISOString(),
    modelVersion: 'it-fixture',
    points: Array.from({ length: 60 }, (_, i) => ({
      time: new Date(t0 + i * slot).toISOString(),
      intensityGPerKWh: t0 + i * slot < now + 90 * MIN ? 50 : 400,
    })),
  });

  const received: CommandPayload[] = [];
  const topic = commandTopic(homeId, 'dw1');
  device.on('message', (t, payload) => {
    if (t === topic) received.push(JSON.parse(payload.toString('utf8')) as CommandPayload);
  });
  await device.subscribeAsync(topic, { qos: 1 });

  const first = await startWorker(region);
  const handle = await client.workflow.start('optimizeHomeWorkflow', {
    taskQueue: TASK_QUEUES.io,
    workflowId: workflowIds.optimizeHome(homeId),
    args: [{ homeId, region, ackTimeoutMs: 2 * MIN }],
    typedSearchAttributes: [{ key: HomeIdKey, value: homeId }],
  });
  const earliestStart = new Date(Date.now() + 30_000).toISOString();
  const planned = await handle.executeUpdate(requestRunUpdate, {
    args: [
      {
        requestId: 'r1',
        deviceId: 'dw1',
        appliance: 'dishwasher',
        durationMin: 60,
        powerW: 1200,
        earliestStart,
        readyBy: new Date(now + 8 * 60 * MIN).toISOString(),
      },
    ],
  });
  expect(planned.startAt).toBe(earliestStart);
  expect(planned.avoidedEmissionsG).toBeGreaterThanOrEqual(0);

  // Kill the worker while the workflow sleeps until the planned start, then bring up another.
  expect(await kill(first, 'SIGKILL')).toBeNull();
  expect(received).toHaveLength(0);
  await startWorker(region);

  await waitFor(
    () => received.length,
    (n) => n >= 1,
    'the start command',
    150_000,
  );
  const receivedAt = Date.now();
  expect(receivedAt).toBeGreaterThanOrEqual(Date.parse(planned.startAt));
  expect(received[0]).toMatchObject({ idempotencyKey: `${homeId}/r1/start`, action: 'start', deviceId: 'dw1', homeId });

  await device.publishAsync(
    ackTopic(homeId, 'dw1'),
    JSON.stringify({ idempotencyKey: `${homeId}/r1/start`, ok: true }),
    { qos: 1 },
  );
  const view = await waitFor(
    () => handle.query(currentPlanQuery),
    (v) => v.commands[0]?.status === 'acked',
    'the ack to reach the plan',
    30_000,
  );
  expect(view.commands).toHaveLength(1);
  await new Promise((r) => setTimeout(r, 3_000));
  expect(received).toHaveLength(1);

  // The search attribute an operator filters on in the UI.
  const described = await handle.describe();
  expect(described.typedSearchAttributes.get(HomeIdKey)).toBe(homeId);
  await handle.terminate('integration test done');
});
