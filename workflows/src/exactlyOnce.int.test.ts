/**
 * On the real stack (`scripts/stack up`): Temporal dev server, InfluxDB and Mosquitto. A home's request goes in, the
 * worker (a child process) is killed while the workflow waits for the planned time, a new worker takes over, and
 * exactly one start command comes out on the device topic at the planned time; the device's ack reaches the plan.
 */
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import {
  killWorker,
  stackSettings,
  startWorker,
  waitFor,
  useTestTemporal,
  writeFixtureForecast,
} from './testing/workerProcess';
import { HomeIdKey, workflowIds } from './ids';
import { ackTopic, commandTopic, type CommandPayload } from '@carbonreducer/telemetry';
import { currentPlanQuery, requestRunUpdate } from './workflows/definitions';
import { TASK_QUEUES } from '@carbonreducer/common';

jest.setTimeout(300_000);

const MIN = 60_000;

const settings = stackSettings();

const { client, workers } = useTestTemporal();
let device: MqttClient;

beforeAll(async () => {
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
  await device?.endAsync();
});

it('sends exactly one start command at the planned time although the worker is killed while it waits', async () => {
  const suffix = randomUUID().slice(0, 8);
  const homeId = `it-home-${suffix}`;
  const region = `IT-${suffix}`;
  const now = Date.now();

  // A forecast where the first hour is the cleanest: the plan starts the dishwasher at its earliest start.
  await writeFixtureForecast(region, (slotStartMs) => (slotStartMs < now + 90 * MIN ? 50 : 400));

  const received: CommandPayload[] = [];
  const topic = commandTopic(homeId, 'dw1');
  device.on('message', (t, payload) => {
    if (t === topic) received.push(JSON.parse(payload.toString('utf8')) as CommandPayload);
  });
  await device.subscribeAsync(topic, { qos: 1 });

  const first = await startWorker({ region, started: workers });
  const handle = await client().workflow.start('optimizeHomeWorkflow', {
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
  expect(await killWorker(first, 'SIGKILL')).toBeNull();
  expect(received).toHaveLength(0);
  await startWorker({ region, started: workers });

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
