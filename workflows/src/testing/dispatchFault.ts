/**
 * The fault suite's "worker killed mid-dispatch" experiment (scripts/faults/dispatch.ts runs this file as a process
 * and reads the JSON line it prints last). On the real stack: `homes` homes each ask for a dishwasher run at the same
 * earliest start, so the worker dispatches all their start commands at once; the worker is SIGKILLed as soon as the
 * first command reaches the devices' topics, a new worker is started 2 s later, and a device-side client counts the
 * commands per idempotency key. Nothing accepted may be lost (every home gets its start command), none may come
 * twice, and it must recover without a human.
 *
 *   node --require tsx/cjs workflows/src/testing/dispatchFault.ts [homes]
 */
import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import mqtt from 'mqtt';
import { TASK_QUEUES } from '@carbonreducer/common';
import { commandTopic, type CommandPayload } from '@carbonreducer/telemetry';
import { HomeIdKey, workflowIds } from '../ids';
import { requestRunUpdate } from '../workflows/definitions';
import { connectTestTemporal, killWorker, stackSettings, startWorker, writeFixtureForecast } from './workerProcess';

const MIN = 60_000;
/** A namespace of its own: no other test's worker may take (or fail to take) these tasks. */
const NAMESPACE = 'carbonreducer-faults';

export interface DispatchFaultFigures {
  homes: number;
  /** Commands the devices' topics carried, all homes (retained replays on subscribe excluded: subscribed before). */
  received: number;
  distinctKeys: number;
  duplicates: number;
  lost: number;
  receivedAtKill: number;
  /** From the second worker running until the last home's command arrived; -1: not within the bound. */
  recoverS: number;
  /** From the kill until the last home's command arrived. */
  killToAllS: number;
  workerStartS: number;
}

export async function workerKillMidDispatch(homes: number, log: (line: string) => void): Promise<DispatchFaultFigures> {
  const settings = stackSettings();
  const suffix = randomUUID().slice(0, 6);
  const region = `FD-${suffix}`;
  const homeIds = Array.from({ length: homes }, (_, i) => `fault-dispatch-${suffix}-${i}`);
  const now = Date.now();
  await writeFixtureForecast(region, (slotStartMs) => (slotStartMs < now + 90 * MIN ? 50 : 400));
  const { connection, client } = await connectTestTemporal(NAMESPACE);
  const device = await mqtt.connectAsync(settings.mqtt.url, {
    ...settings.mqtt,
    clientId: `fault-dispatch-device-${suffix}`,
    reconnectPeriod: 1000,
  });
  const workers: ChildProcess[] = [];
  const byKey = new Map<string, number>();
  let received = 0;
  let lastAt = 0;
  const topics = new Set(homeIds.map((h) => commandTopic(h, 'dw1')));
  device.on('message', (topic, payload, packet) => {
    if (!topics.has(topic) || payload.length === 0 || packet.retain) return;
    const cmd = JSON.parse(payload.toString('utf8')) as CommandPayload;
    byKey.set(cmd.idempotencyKey, (byKey.get(cmd.idempotencyKey) ?? 0) + 1);
    received++;
    lastAt = Date.now();
  });
  try {
    await device.subscribeAsync([...topics], { qos: 1 });
    const first = await startWorker({ namespace: NAMESPACE, region, started: workers });
    // Everyone's run may start in 45 s: all dispatches fall due together.
    const earliestStart = new Date(Date.now() + 45_000).toISOString();
    await Promise.all(
      homeIds.map(async (homeId) => {
        const handle = await client.workflow.start('optimizeHomeWorkflow', {
          taskQueue: TASK_QUEUES.io,
          workflowId: workflowIds.optimizeHome(homeId),
          args: [{ homeId, region, ackTimeoutMs: 10 * MIN }],
          typedSearchAttributes: [{ key: HomeIdKey, value: homeId }],
        });
        await handle.executeUpdate(requestRunUpdate, {
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
      }),
    );
    log(`${homes} homes planned to start at ${earliestStart}; waiting for the first command`);
    const waitUntil = async (ok: () => boolean, timeoutMs: number): Promise<boolean> => {
      const deadline = Date.now() + timeoutMs;
      while (!ok()) {
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 5));
      }
      return true;
    };
    if (!(await waitUntil(() => received > 0, 180_000))) throw new Error('no command within 180 s of planning');
    await killWorker(first, 'SIGKILL');
    const killedAt = Date.now();
    const receivedAtKill = received;
    log(`worker killed with ${receivedAtKill} of ${homes} commands out; a new worker in 2 s`);
    await new Promise((r) => setTimeout(r, 2000));
    const startAt = Date.now();
    await startWorker({ namespace: NAMESPACE, region, started: workers });
    const runningAt = Date.now();
    const all = await waitUntil(() => byKey.size >= homes, 180_000);
    await new Promise((r) => setTimeout(r, 5000)); // stragglers would be duplicates
    const distinctKeys = byKey.size;
    return {
      homes,
      received,
      distinctKeys,
      duplicates: received - distinctKeys,
      lost: homes - distinctKeys,
      receivedAtKill,
      recoverS: all ? Math.round((lastAt - runningAt) / 100) / 10 : -1,
      killToAllS: all ? Math.round((lastAt - killedAt) / 100) / 10 : -1,
      workerStartS: Math.round((runningAt - startAt) / 100) / 10,
    };
  } finally {
    await Promise.all(
      homeIds.map((h) =>
        client.workflow
          .getHandle(workflowIds.optimizeHome(h))
          .terminate('fault experiment done')
          .catch(() => undefined),
      ),
    );
    await Promise.all(workers.map((w) => killWorker(w, 'SIGKILL')));
    // The retained start commands of these homes go too.
    await Promise.all(
      [...topics].map((t) => device.publishAsync(t, '', { qos: 1, retain: true }).catch(() => undefined)),
    );
    await device.endAsync();
    await connection.close();
  }
}

if (require.main === module) {
  const homes = Number(process.argv[2] ?? 10);
  workerKillMidDispatch(homes, (line) => process.stderr.write(`${line}\n`)).then(
    (figures) => {
      process.stdout.write(`${JSON.stringify({ figures })}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
