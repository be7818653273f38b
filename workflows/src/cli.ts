/**
 * What `carbonreducer workflows …` (and the `carbonreducer-workflows` alias) does once commander has read the command
 * line (cli/src/commands/workflows.ts): the operator's and the main job's way into the workflows (homes registry, run
 * requests, plans, schedules). Reads the same validated configuration as the worker (`scripts/stack env`); prints JSON.
 */
import { HOUR_MS, errorMessage, silentLogger, simulatedHomeIds } from '@carbonreducer/common';
import { readApplianceTrace, sharedDataPath } from '@carbonreducer/datasets';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { PostgresHomeRegistry } from './adapters/homes';
import { CarbonReducerClient, type ScheduleName } from './client';
import { withStackDefaults } from '@carbonreducer/stack-env';
import { loadConfig, type WorkflowsConfig } from './config';
import { ensureSchedules, scheduleDefinitions } from './schedules';
import { bootstrapRequests, summariseCycle, type CycleSummary } from './domain/bootstrap';
import type { RunRequest } from './types';

export const SCHEDULES: ScheduleName[] = ['ingest', 'forecast', 'retrain-intensity', 'retrain-load'];

async function withRegistry<T>(config: WorkflowsConfig, f: (r: PostgresHomeRegistry) => Promise<T>): Promise<T> {
  const registry = new PostgresHomeRegistry({ connectionString: config.postgresUrl });
  try {
    return await f(registry);
  } finally {
    await registry.close();
  }
}

async function withClient<T>(config: WorkflowsConfig, f: (c: CarbonReducerClient) => Promise<T>): Promise<T> {
  const client = await CarbonReducerClient.connect({ ...config.temporal, region: config.region });
  try {
    return await f(client);
  } finally {
    await client.close();
  }
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function progress(message: string): void {
  process.stderr.write(`[bootstrap ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Real cycles from ../shared/data/appliances (DeviceScope examples of REFIT/UK-DALE, CC BY 4.0). */
async function realCycles(): Promise<{ dishwasher: CycleSummary; washingMachine: CycleSummary }> {
  const read = async (file: string, appliance: string): Promise<CycleSummary> => {
    const trace = await readApplianceTrace(sharedDataPath(`appliances/${file}`));
    return summariseCycle(appliance, trace.timeMs, trace.powerW);
  };
  return {
    dishwasher: await read('devicescope-example-dishwasher.csv.gz', 'dishwasher'),
    washingMachine: await read('devicescope-example-washingmachine.csv.gz', 'washing_machine'),
  };
}

export interface BootstrapOptions {
  homes: number;
  homePrefix: string;
  minFlexHours: number;
  /** Default 60 A at 230 V, the smallest common UK domestic main fuse. */
  importLimitW: number | null;
  timeZone: string;
}

export const BOOTSTRAP_DEFAULTS: BootstrapOptions = {
  homes: 10,
  homePrefix: 'sim',
  minFlexHours: 8,
  importLimitW: 13_800,
  timeZone: 'Europe/London',
};

async function bootstrap(config: WorkflowsConfig, o: BootstrapOptions): Promise<void> {
  const count = o.homes;
  const prefix = o.homePrefix;
  const minFlexH = o.minFlexHours;
  const importLimitW = o.importLimitW;
  const timeZone = o.timeZone;
  // The simulator's ids, so the homes' telemetry and plans line up.
  const homeIds = simulatedHomeIds(prefix, count);

  const registered = await withRegistry(config, (r) =>
    r.register(homeIds.map((homeId) => ({ homeId, region: config.region, timeZone, importLimitW }))),
  );
  progress(`homes registered: ${registered.created} new, ${registered.updated} already known (${homeIds[0]}…)`);
  const cycles = await realCycles();

  await withClient(config, async (client) => {
    // The worker creates the schedules when it starts; on a loaded machine it may not have yet (main.sh starts both
    // within seconds). Idempotent: the worker's later call finds them.
    const schedules = await ensureSchedules(client.temporal, scheduleDefinitions(config.region), silentLogger);
    const created = schedules.filter((s) => s.action === 'created').length;
    if (created > 0) progress(`schedules created before the worker did: ${created}`);
    const ingest = await client.runScheduleNow('ingest');
    progress(`ingest ${ingest.workflowId}: ${JSON.stringify(ingest.result)}`);
    const forecast = await client.runScheduleNow('forecast');
    progress(`forecast ${forecast.workflowId}: ${JSON.stringify(forecast.result)}`);
    const requests = bootstrapRequests({
      nowMs: Date.now(),
      timeZone,
      minFlexMs: minFlexH * HOUR_MS,
      cycles: [
        { cycle: cycles.dishwasher, deviceId: 'dishwasher', readyBy: { hh: 7, mm: 0 } },
        { cycle: cycles.washingMachine, deviceId: 'washing_machine', readyBy: { hh: 18, mm: 0 } },
      ],
    });
    let planned = 0;
    let known = 0;
    for (const homeId of homeIds) {
      for (const request of requests) {
        try {
          const result = await client.requestRun(homeId, request);
          planned++;
          progress(
            `${homeId} ${request.appliance}: start ${result.startAt}, ready by ${request.readyBy}, ` +
              `avoids ${Math.round(result.avoidedEmissionsG)} g CO2`,
          );
        } catch (err) {
          // Running the main job twice on one day: the workflow refuses the same request id, which is what we want.
          if (err instanceof WorkflowUpdateFailedError && /already used/.test(errorMessage(err.cause ?? err))) {
            known++;
            continue;
          }
          throw new Error(`requesting ${request.appliance} in ${homeId} failed`, { cause: err });
        }
      }
    }
    progress(`run requests: ${planned} planned, ${known} already requested today`);
  });
}

const configOf = (env: NodeJS.ProcessEnv = withStackDefaults(process.env)): WorkflowsConfig => loadConfig(env);

export interface RegisterOptions {
  region?: string;
  timeZone: string;
  importLimitW: number | null;
}

export const homesRegister = async (ids: string[], o: RegisterOptions): Promise<void> => {
  const config = configOf();
  print(
    await withRegistry(config, (r) =>
      r.register(
        ids.map((homeId) => ({
          homeId,
          region: o.region ?? config.region,
          timeZone: o.timeZone,
          importLimitW: o.importLimitW,
        })),
      ),
    ),
  );
};

export const homesList = async (): Promise<void> => print(await withRegistry(configOf(), (r) => r.list()));

export const homesDeactivate = async (homeId: string): Promise<void> =>
  print({ homeId, deactivated: await withRegistry(configOf(), (r) => r.deactivate(homeId)) });

export interface RequestRunOptions {
  home: string;
  device: string;
  appliance: string;
  durationMin: number;
  powerW: number;
  readyBy: string;
  earliestStart?: string;
  requestId?: string;
  stopAtEnd?: boolean;
}

export async function requestRun(o: RequestRunOptions): Promise<void> {
  const request: RunRequest = {
    requestId: o.requestId ?? `${o.appliance}-${new Date().toISOString().replace(/[-:.]/g, '')}`,
    deviceId: o.device,
    appliance: o.appliance,
    durationMin: o.durationMin,
    powerW: o.powerW,
    readyBy: o.readyBy,
    ...(o.earliestStart ? { earliestStart: o.earliestStart } : {}),
    ...(o.stopAtEnd ? { stopAtEnd: true } : {}),
  };
  // The workflow validates the request and names every bad field (update validator).
  print(await withClient(configOf(), (c) => c.requestRun(o.home, request)));
}

export async function plan(homeId: string): Promise<void> {
  const current = await withClient(configOf(), (c) => c.currentPlan(homeId));
  if (current === null) throw new Error(`no optimizer runs for home ${homeId} (request a run first)`);
  print(current);
}

export const runSchedule = async (name: ScheduleName): Promise<void> =>
  print(await withClient(configOf(), (c) => c.runScheduleNow(name)));

export const runBootstrap = (o: BootstrapOptions): Promise<void> => bootstrap(configOf(), o);
