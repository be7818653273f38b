/**
 * @jest-environment ./models/jest-ort-environment.js
 *
 * What `bash scripts/main.sh` then `carbonreducer workflows plan --home sim-001` must show, on the real stack
 * (`scripts/stack up`) with a fresh region (no history at all, as on a fresh machine): the main job's steps — register
 * the home, ingest (which backfills), forecast, request the bootstrap's real dishwasher and washing-machine cycles —
 * by a worker whose file source replays the shared NESO file at wall-clock time (as the main job's does); then the
 * plan must be made from a full-input forecast (served_by champion) and its expected avoided emissions must equal what
 * `carbonreducer optimizer solve` computes for the same request (src/planCheck.ts, also
 * `npx tsx workflows/scripts/check-plan.ts --home sim-001` on the main job's homes).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOUR_MS, TASK_QUEUES } from '@carbonreducer/common';
import { readApplianceTrace, sharedDataPath } from '@carbonreducer/datasets';
import { withStackDefaults } from '@carbonreducer/stack-env';
import { PostgresHomeRegistry } from './adapters/homes';
import { InfluxForecastStore } from './adapters/influx';
import { CarbonReducerClient } from './client';
import { loadConfig } from './config';
import { bootstrapRequests, summariseCycle } from './domain/bootstrap';
import { workflowIds } from './ids';
import { checkHomePlan, checkPlan } from './planCheck';
import { connectTestTemporal, killWorker, stackSettings, startWorker } from './testing/workerProcess';
import type { ChildProcess } from 'node:child_process';
import type { Client } from '@temporalio/client';
import type { ForecastResult, IngestSummary } from './types';

jest.setTimeout(900_000);

const NAMESPACE = 'carbonreducer-it-plancheck';
const region = `PL${randomUUID()
  .replace(/[^a-f]/g, '')
  .slice(0, 6)
  .toUpperCase()}`;
const homeId = `it-plancheck-${randomUUID().slice(0, 8)}`;
const settings = stackSettings();
const config = loadConfig(withStackDefaults({ ...process.env, TEMPORAL_NAMESPACE: NAMESPACE, REGION: region }));
const workers: ChildProcess[] = [];
let temporal: Client;
let closeTemporal: () => Promise<void>;
let registry: PostgresHomeRegistry;
let registryRoot: string;

beforeAll(async () => {
  registryRoot = await mkdtemp(join(tmpdir(), 'carbonreducer-plancheck-registry-'));
  const connected = await connectTestTemporal(NAMESPACE);
  temporal = connected.client;
  closeTemporal = () => connected.connection.close();
  registry = new PostgresHomeRegistry({ connectionString: settings.postgresUrl, connectionTimeoutMillis: 5_000 });
  await registry.list().catch((err: unknown) => {
    throw new Error('PostgreSQL not reachable: run scripts/stack up', { cause: err });
  });
});

afterAll(async () => {
  await temporal?.workflow
    .getHandle(workflowIds.optimizeHome(homeId))
    .terminate('test over')
    .catch(() => undefined);
  await registry?.deactivate(homeId).catch(() => false);
  await registry?.close();
  await Promise.all(workers.map((w) => killWorker(w, 'SIGKILL')));
  await closeTemporal?.();
  await rm(registryRoot, { recursive: true, force: true });
});

it('a fresh region: the plan is made from the champion with full inputs, and its savings equal the CLI', async () => {
  const w = await startWorker({
    namespace: NAMESPACE,
    region,
    started: workers,
    // The main job's worker, minus the network source: the shared NESO file replayed at wall-clock time.
    env: { INTENSITY_SOURCES: 'file', INTENSITY_FILE_REPLAY: 'true', MODEL_REGISTRY_DIR: registryRoot },
  });
  await registry.register([{ homeId, region, timeZone: 'Europe/London', importLimitW: 13_800 }]);
  const now = new Date().toISOString();
  const ingest: IngestSummary = await temporal.workflow.execute('ingestCarbonIntensityWorkflow', {
    taskQueue: TASK_QUEUES.io,
    workflowId: `plancheck-ingest/${region}`,
    args: [{ region, now }],
  });
  expect(ingest.backfill?.enabled).toBe(true);
  expect(ingest.backfill?.pointsWritten).toBeGreaterThanOrEqual(8 * 48);
  const forecast: ForecastResult = await temporal.workflow.execute('forecastWorkflow', {
    taskQueue: TASK_QUEUES.io,
    workflowId: `plancheck-forecast/${region}`,
    args: [{ region, issuedAt: now, horizonH: 48 }],
  });
  expect(forecast).toMatchObject({ intensityServedBy: 'champion', intensityFallbackReason: 'none' });

  // The bootstrap's requests: the real cycles of ../shared/data/appliances with at least 8 h of choice.
  const cycle = async (file: string, appliance: string) => {
    const trace = await readApplianceTrace(sharedDataPath(`appliances/${file}`));
    return summariseCycle(appliance, trace.timeMs, trace.powerW);
  };
  const requests = bootstrapRequests({
    nowMs: Date.now(),
    timeZone: 'Europe/London',
    minFlexMs: 8 * HOUR_MS,
    cycles: [
      {
        cycle: await cycle('devicescope-example-dishwasher.csv.gz', 'dishwasher'),
        deviceId: 'dishwasher',
        readyBy: { hh: 7, mm: 0 },
      },
      {
        cycle: await cycle('devicescope-example-washingmachine.csv.gz', 'washing_machine'),
        deviceId: 'washing_machine',
        readyBy: { hh: 18, mm: 0 },
      },
    ],
  });
  // And one asked for at the forecast's dirtiest hour of the next day, with 8 h of choice after it: its baseline (run
  // when asked) is the peak, so the plan avoids something whatever the hour of this run (at night both bootstrap
  // runs may rightly start at once and avoid 0 g).
  const served = await new InfluxForecastStore(settings.influx).latestIntensityForecast({
    region,
    from: new Date(Date.now()),
    to: new Date(Date.now() + 24 * HOUR_MS),
  });
  const peak = (served?.points ?? []).reduce<{ time: string; intensityGPerKWh: number } | null>(
    (best, p) => (best === null || p.intensityGPerKWh > best.intensityGPerKWh ? p : best),
    null,
  );
  if (!peak) throw new Error(`no served forecast of ${region} for the next 24 h`);
  const peakMs = Math.max(Date.now(), Date.parse(peak.time));
  requests.push({
    ...requests[0]!,
    requestId: 'dishwasher-at-peak',
    earliestStart: new Date(peakMs).toISOString(),
    readyBy: new Date(peakMs + 8 * HOUR_MS + requests[0]!.durationMin * 60_000).toISOString(),
  });
  const client = new CarbonReducerClient(temporal, region);
  for (const r of requests) await client.requestRun(homeId, r);

  const check = await checkHomePlan(config, homeId);
  expect(check.problems).toEqual([]);
  expect(check).toMatchObject({ fullInput: true, agree: true, forecastServedBy: 'champion' });
  expect(check.runs.map((r) => r.appliance).sort()).toEqual(['dishwasher', 'dishwasher', 'washing_machine']);
  for (const r of check.runs) expect(r.cliStartAt).toBe(r.planStartAt);
  // The run asked for at the peak avoids something; the figures are not both zero by accident.
  expect(check.runs.find((r) => r.requestId === 'dishwasher-at-peak')?.cliAvoidedG).toBeGreaterThan(1);

  // The check can fail: a plan whose expected savings were off by 10 g, or made from a fallback forecast.
  const view = await client.currentPlan(homeId);
  if (!view?.plan) throw new Error('no plan');
  const tampered = {
    ...view,
    plan: {
      ...view.plan,
      forecastServedBy: 'seasonal_naive' as const,
      forecastFallbackReason: 'incomplete_history' as const,
      runs: view.plan.runs.map((r, i) => (i === 0 ? { ...r, avoidedEmissionsG: r.avoidedEmissionsG + 10 } : r)),
    },
  };
  const bad = await checkPlan({
    view: tampered,
    region,
    importLimitW: 13_800,
    store: new InfluxForecastStore(settings.influx),
    slotMin: config.planSlotMin,
  });
  expect(bad).toMatchObject({ fullInput: false, agree: false });
  expect(bad.problems.join('\n')).toMatch(/not the champion[\s\S]*the plan expects/);
  await killWorker(w, 'SIGTERM');
});
