/**
 * On the real Temporal dev server with a real worker (child process) and the real models package: the retrain
 * workflow's hyperparameter search heartbeats while it trains (CPU-bound, in the worker's only thread), and when the
 * worker is killed mid-search the retry on a new worker resumes from the last heartbeat instead of starting over.
 * The registry is a temporary copy of the shipped one, so nothing in the repository changes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJsonLogger, TASK_QUEUES } from '@carbonreducer/common';
import { DEFAULT_REGISTRY_ROOT } from '@carbonreducer/models';
import { seedModelRegistry } from './adapters/registrySeed';
import { killWorker, startWorker, useTestTemporal, waitFor } from './testing/workerProcess';
import type { RetrainResult } from './types';

jest.setTimeout(600_000);

const { client, workers } = useTestTemporal();
let registryDir: string;

beforeAll(async () => {
  registryDir = await mkdtemp(join(tmpdir(), 'carbonreducer-it-registry-'));
  await seedModelRegistry(DEFAULT_REGISTRY_ROOT, registryDir, createJsonLogger({ level: 'error' }));
});

afterAll(async () => {
  if (registryDir) await rm(registryDir, { recursive: true, force: true });
});

it('resumes a killed hyperparameter search from its last heartbeat and finishes the retrain', async () => {
  const region = `IT-RETRAIN-${Date.now().toString(36)}`;
  // A search long enough to be killed in the middle; trials are fits of the real load model on REFIT data.
  const env = { MODEL_REGISTRY_DIR: registryDir, MODEL_SEARCH_SECONDS: '60', DEVICE_BRIDGE: 'false' };
  const firstLog: string[] = [];
  const first = await startWorker({ region, started: workers, env, log: firstLog });
  const workflowId = `it-retrain-${Date.now().toString(36)}`;
  const handle = await client().workflow.start('retrainModelsWorkflow', {
    taskQueue: TASK_QUEUES.io,
    workflowId,
    // 1,500 configurations take ~35 s on a quiet machine: longer than the SDK's heartbeat throttle (24 s here).
    args: [{ target: 'load', trials: 1500, seed: 7, reason: 'on-demand' }],
  });

  // Heartbeats reach the server while the search runs: their details carry the finished trials.
  const beforeKill = await waitFor(
    async () => {
      const d = await handle.describe();
      const pending = d.raw.pendingActivities?.find((a) => a.activityType?.name === 'searchHyperparameters');
      const data = pending?.heartbeatDetails?.payloads?.[0]?.data;
      const details = data ? (JSON.parse(Buffer.from(data).toString('utf8')) as { completed?: unknown[] }) : null;
      return { attempt: pending?.attempt ?? 0, finishedTrials: details?.completed?.length ?? 0 };
    },
    (p) => p.finishedTrials > 0,
    'a heartbeat of the search carrying finished trials',
    240_000,
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}\nworker log (tail):\n${firstLog.join('').slice(-4000)}`);
  });
  // The first attempt heartbeats: the CPU-bound search runs in a worker thread, not on the activity's event loop.
  expect(beforeKill.attempt).toBe(1);
  expect(await killWorker(first, 'SIGKILL')).toBeNull();
  const secondLog: string[] = [];
  await startWorker({ region, started: workers, env, log: secondLog });

  const result = (await handle.result()) as RetrainResult;
  expect(result.target).toBe('load');
  expect(typeof result.challengerVersion).toBe('string');

  // The search ran twice (killed, then retried after the 30 s heartbeat timeout) and the second attempt started from
  // the first one's trials: its result contains trials that the second attempt did not run.
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const searchScheduled = events.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'searchHyperparameters',
  );
  const scheduledId = String(searchScheduled?.eventId);
  const started = events.find((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === scheduledId);
  expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(2);
  expect(started?.activityTaskStartedEventAttributes?.lastFailure?.timeoutFailureInfo?.timeoutType).toBe(
    // TIMEOUT_TYPE_HEARTBEAT
    4,
  );
  const completed = events.find(
    (e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === scheduledId,
  );
  expect(completed).toBeDefined();
  // The new worker's search started from the killed one's trials (activity log), not from scratch.
  expect(secondLog.join('')).toMatch(/"msg":"resuming hyperparameter search"[^\n]*"completed":[1-9]/);
}, 600_000);
