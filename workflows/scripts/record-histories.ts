/**
 * Records workflow histories for the replay test (src/replay.test.ts): runs each workflow on the real dev server
 * (`scripts/stack up temporal`, namespace carbonreducer-it, no other worker there) with fake activities and writes its
 * history as JSON to src/__fixtures__/histories/<name>.json.
 * Re-record deliberately (and review the diff) only when a workflow change is meant to be incompatible, e.g. behind
 * `patched()`: usage `npx tsx workflows/scripts/record-histories.ts`.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createJsonLogger, TASK_QUEUES } from '@carbonreducer/common';
import type { createActivities } from '../src/activities';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadStackEnv } from '@carbonreducer/stack-env';
import { TemporalHomeNotifier } from '../src/adapters/temporalNotifier';
import { ensureNamespace } from '../src/testing/namespace';
import { IT_NAMESPACE } from '../src/testing/workerProcess';
import { quietRuntime, workflowBundle } from '../src/testing/temporalTestEnv';
import { fakePlan } from '../src/testing/fakePlans';
import type { PublishedPlan, RunRequest } from '../src/types';
import {
  commandAckSignal,
  forecastsChangedSignal,
  forecastWorkflow,
  ingestCarbonIntensityWorkflow,
  manualStartSignal,
  optimizeHomeWorkflow,
  requestRunUpdate,
  retrainModelsWorkflow,
} from '../src/workflows';

type Activities = ReturnType<typeof createActivities>;
const MIN = 60_000;
const HOUR = 60 * MIN;
let homes: string[] = [];
/** Set in main: the forecast's notifications really signal the recorded homes. */
let notifier: TemporalHomeNotifier | undefined;

function temporalCli(): string {
  const version = loadStackEnv().get('TEMPORAL_CLI_VERSION');
  return join(
    process.env.CR_CACHE ?? join(homedir(), '.cache', 'carbonreducer'),
    `temporal-cli-${version}`,
    'bin',
    'temporal',
  );
}
const out = join(__dirname, '..', 'src', '__fixtures__', 'histories');

const activities: Activities = {
  async ingestCarbonIntensity({ region }) {
    return {
      region,
      source: 'file',
      attempts: [
        { source: 'neso', ok: false, error: 'offline' },
        { source: 'file', ok: true },
      ],
      pointsWritten: 144,
    };
  },
  async planIntensityBackfill({ now }) {
    return {
      enabled: true,
      from: new Date(Date.parse(now) - 8 * 24 * HOUR).toISOString(),
      to: now,
      missingSlots: 0,
      chunks: [],
    };
  },
  async backfillIntensityChunk({ from, to }) {
    return { from, to, source: 'file', pointsWritten: 0, rejected: {} };
  },
  async scoreIntensityForecasts() {
    return [];
  },
  async verifyHomeRuns() {
    return [];
  },
  async listHomes() {
    return homes;
  },
  async notifyForecastsChanged({ homeIds, change }) {
    if (!notifier) throw new Error('notifier not set');
    return { notified: (await notifier.forecastsChanged(homeIds, change)).length };
  },
  async publishSchedule() {},
  async dispatchCommand(c) {
    return {
      idempotencyKey: c.idempotencyKey,
      published: true,
      topic: `carbonreducer/${c.homeId}/commands/${c.deviceId}`,
    };
  },
  async promoteChampion() {},
  async forecastIntensity({ region, issuedAt }) {
    return { region, issuedAt, modelVersion: 'intensity-v1', pointsWritten: 96 };
  },
  async forecastHomeLoads({ homeIds, issuedAt }) {
    return { issuedAt, modelVersion: 'load-v1', homesForecast: homeIds, failed: [] };
  },
  async planHome(input): Promise<PublishedPlan> {
    const startMs = (r: RunRequest) =>
      Math.max(Date.parse(input.now), Date.parse(r.earliestStart ?? input.now)) + 5_000;
    return fakePlan(input, startMs, { emissionsG: 200, baselineEmissionsG: 300 }, 'intensity-v1');
  },
  async paretoHome(input) {
    return {
      homeId: input.homeId,
      computedAt: input.now,
      tariff: { name: 'none', currency: 'GBP' },
      forecastIssuedAt: null,
      forecastModelVersion: null,
      points: [],
    };
  },
  async searchHyperparameters({ target, trials }) {
    const all = Array.from({ length: trials }, (_, i) => ({
      trial: i,
      params: { depth: 3 + i },
      validationMae: 30 - i,
    }));
    return { target, trials: all, best: all[all.length - 1]! };
  },
  async trainAndRegisterModel({ target }) {
    return { target, modelVersion: `${target}-v2` };
  },
  async backtestModels({ target, challengerVersion }) {
    return {
      target,
      challengerVersion,
      challengerScore: 20,
      championVersion: `${target}-v1`,
      championScore: 25,
      windows: 10,
    };
  },
};

async function main(): Promise<void> {
  quietRuntime();
  const address = `127.0.0.1:${loadStackEnv().port('TEMPORAL_PORT')}`;
  const namespace = IT_NAMESPACE;
  const connection = await Connection.connect({ address });
  await ensureNamespace(connection, namespace);
  const nativeConnection = await NativeConnection.connect({ address });
  const client = new Client({ connection, namespace });
  notifier = new TemporalHomeNotifier(client, createJsonLogger({ level: 'warn' }));
  const env = {
    client,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    currentTimeMs: async () => Date.now(),
  };
  const bundle = await workflowBundle();
  const io = await Worker.create({
    connection: nativeConnection,
    namespace,
    taskQueue: TASK_QUEUES.io,
    workflowBundle: bundle,
    activities,
  });
  const compute = await Worker.create({
    connection: nativeConnection,
    namespace,
    taskQueue: TASK_QUEUES.compute,
    activities,
  });
  const suffix = Date.now().toString(36);
  const homeId = `rec-home-${suffix}`;
  homes = [homeId, `rec-home-2-${suffix}`];
  try {
    await io.runUntil(
      compute.runUntil(async () => {
        // The Temporal CLI writes the JSON that historyFromJSON reads (the SDK's own historyToJSON needs a matching protobufjs).
        const save = async (name: string, workflowId: string): Promise<void> => {
          const json = execFileSync(
            temporalCli(),
            [
              'workflow',
              'show',
              '--address',
              address,
              '--namespace',
              namespace,
              '--workflow-id',
              workflowId,
              '--output',
              'json',
            ],
            { maxBuffer: 64 << 20 },
          ).toString('utf8');
          const events = (JSON.parse(json) as { events?: unknown[] }).events?.length ?? 0;
          writeFileSync(join(out, `${name}.json`), json.trimEnd() + '\n');
          process.stdout.write(`recorded ${name} (${events} events)\n`);
        };
        await env.client.workflow.execute(ingestCarbonIntensityWorkflow, {
          taskQueue: TASK_QUEUES.io,
          workflowId: `rec-ingest-${suffix}`,
          args: [{ region: 'GB' }],
        });
        await save('ingestCarbonIntensity', `rec-ingest-${suffix}`);

        // The homes the forecast signals must exist: the Java test server never fails a signal to a missing workflow.
        const home = await env.client.workflow.start(optimizeHomeWorkflow, {
          taskQueue: TASK_QUEUES.io,
          workflowId: 'optimize-home/' + homeId,
          args: [{ homeId, region: 'GB', ackTimeoutMs: 10 * MIN }],
        });
        const other = await env.client.workflow.start(optimizeHomeWorkflow, {
          taskQueue: TASK_QUEUES.io,
          workflowId: `optimize-home/rec-home-2-${suffix}`,
          args: [{ homeId: `rec-home-2-${suffix}`, region: 'GB' }],
        });
        const now = await env.currentTimeMs();
        await home.executeUpdate(requestRunUpdate, {
          args: [
            {
              requestId: 'dw',
              deviceId: 'dw1',
              appliance: 'dishwasher',
              durationMin: 120,
              powerW: 1000,
              readyBy: new Date(now + 12 * HOUR).toISOString(),
            },
          ],
        });
        await home.executeUpdate(requestRunUpdate, {
          args: [
            {
              requestId: 'wm',
              deviceId: 'wm1',
              appliance: 'washing_machine',
              durationMin: 90,
              powerW: 800,
              readyBy: new Date(now + 12 * HOUR).toISOString(),
              stopAtEnd: true,
            },
          ],
        });
        await env.client.workflow.execute(forecastWorkflow, {
          taskQueue: TASK_QUEUES.io,
          workflowId: `rec-forecast-${suffix}`,
          args: [{ region: 'GB', batchSize: 1 }],
        });
        await save('forecast', `rec-forecast-${suffix}`);
        await env.client.workflow.execute(retrainModelsWorkflow, {
          taskQueue: TASK_QUEUES.io,
          workflowId: `rec-retrain-${suffix}`,
          args: [{ target: 'intensity', trials: 3 }],
        });
        await save('retrainModels', `rec-retrain-${suffix}`);

        await env.sleep(8_000);
        await home.signal(commandAckSignal, {
          idempotencyKey: `${homeId}/dw/start`,
          ok: true,
          at: new Date().toISOString(),
        });
        await home.signal(manualStartSignal, { deviceId: 'wm1', at: new Date().toISOString() });
        await home.signal(forecastsChangedSignal, {
          issuedAt: new Date(now).toISOString(),
          modelVersion: 'intensity-v2',
        });
        await env.sleep(8_000);
        await new Promise((r) => setTimeout(r, 1000));
        await other.terminate('recorded');
        await home.terminate('recorded');
        await save('optimizeHome', 'optimize-home/' + homeId);
      }),
    );
  } finally {
    await nativeConnection.close();
    await connection.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
