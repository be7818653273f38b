/**
 * `npx carbonreducer-workflows …`: the operator's and the main job's way into the workflows (homes registry, run
 * requests, plans, schedules). Reads the same validated configuration as the worker (`scripts/stack env`).
 */
import { parseArgs } from 'node:util';
import { HOUR_MS, errorMessage, simulatedHomeIds } from '@carbonreducer/common';
import { readApplianceTrace, sharedDataPath } from '@carbonreducer/datasets';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { PostgresHomeRegistry } from './adapters/homes';
import { CarbonReducerClient, type ScheduleName } from './client';
import { withStackDefaults } from '@carbonreducer/stack-env';
import { loadConfig, type WorkflowsConfig } from './config';
import { bootstrapRequests, summariseCycle, type CycleSummary } from './domain/bootstrap';
import type { RunRequest } from './types';

const USAGE = `usage: carbonreducer-workflows COMMAND [options]

  homes register ID... [--region GB] [--time-zone Europe/London] [--import-limit-w W]
  homes list
  homes deactivate ID
  request-run --home ID --device ID --appliance NAME --duration-min N --power-w W --ready-by ISO
              [--earliest-start ISO] [--request-id ID] [--stop-at-end]
  plan --home ID                      the home's current plan (JSON)
  run-schedule ingest|forecast|retrain-intensity|retrain-load
                                      trigger a schedule now and wait for its workflow (JSON result)
  bootstrap [--homes N] [--home-prefix sim] [--min-flex-hours 8] [--import-limit-w W] [--time-zone TZ]
            register the simulated homes, ingest and forecast now, and request a dishwasher and a washing-machine
            run (real cycles from ../shared/data) in every home, so the Temporal UI shows real workflows at once`;

class UsageError extends Error {}

const SCHEDULES: ScheduleName[] = ['ingest', 'forecast', 'retrain-intensity', 'retrain-load'];

function intOption(name: string, value: string | undefined, fallback: number | null): number | null {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} ${value}: expected a positive integer`);
  return n;
}

function required(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

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

async function bootstrap(config: WorkflowsConfig, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      homes: { type: 'string' },
      'home-prefix': { type: 'string' },
      'min-flex-hours': { type: 'string' },
      'import-limit-w': { type: 'string' },
      'time-zone': { type: 'string' },
    },
  });
  const count = intOption('homes', values.homes, 10) as number;
  const prefix = values['home-prefix'] ?? 'sim';
  const minFlexH = intOption('min-flex-hours', values['min-flex-hours'], 8) as number;
  // 60 A at 230 V, the smallest common UK domestic main fuse.
  const importLimitW = intOption('import-limit-w', values['import-limit-w'], 13_800);
  const timeZone = values['time-zone'] ?? 'Europe/London';
  // The simulator's ids, so the homes' telemetry and plans line up.
  const homeIds = simulatedHomeIds(prefix, count);

  const registered = await withRegistry(config, (r) =>
    r.register(homeIds.map((homeId) => ({ homeId, region: config.region, timeZone, importLimitW }))),
  );
  progress(`homes registered: ${registered.created} new, ${registered.updated} already known (${homeIds[0]}…)`);
  const cycles = await realCycles();

  await withClient(config, async (client) => {
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

export async function main(argv: string[], env: NodeJS.ProcessEnv = withStackDefaults(process.env)): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadConfig(env);
  switch (command) {
    case 'homes': {
      const [sub, ...ids] = rest;
      if (sub === 'list') return print(await withRegistry(config, (r) => r.list()));
      if (sub === 'deactivate') {
        const id = ids[0];
        if (id === undefined) throw new UsageError('homes deactivate: which home?');
        return print({ homeId: id, deactivated: await withRegistry(config, (r) => r.deactivate(id)) });
      }
      if (sub === 'register') {
        const { values, positionals } = parseArgs({
          args: ids,
          allowPositionals: true,
          options: {
            region: { type: 'string' },
            'time-zone': { type: 'string' },
            'import-limit-w': { type: 'string' },
          },
        });
        if (positionals.length === 0) throw new UsageError('homes register: give at least one home id');
        const importLimitW = intOption('import-limit-w', values['import-limit-w'], null);
        return print(
          await withRegistry(config, (r) =>
            r.register(
              positionals.map((homeId) => ({
                homeId,
                region: values.region ?? config.region,
                timeZone: values['time-zone'] ?? 'Europe/London',
                importLimitW,
              })),
            ),
          ),
        );
      }
      throw new UsageError(`homes ${sub ?? ''}: expected register, list or deactivate`);
    }
    case 'request-run': {
      const { values } = parseArgs({
        args: rest,
        options: {
          home: { type: 'string' },
          device: { type: 'string' },
          appliance: { type: 'string' },
          'duration-min': { type: 'string' },
          'power-w': { type: 'string' },
          'ready-by': { type: 'string' },
          'earliest-start': { type: 'string' },
          'request-id': { type: 'string' },
          'stop-at-end': { type: 'boolean' },
        },
      });
      const homeId = required('home', values.home);
      const appliance = required('appliance', values.appliance);
      const request: RunRequest = {
        requestId: values['request-id'] ?? `${appliance}-${new Date().toISOString().replace(/[-:.]/g, '')}`,
        deviceId: required('device', values.device),
        appliance,
        durationMin: Number(required('duration-min', values['duration-min'])),
        powerW: Number(required('power-w', values['power-w'])),
        readyBy: required('ready-by', values['ready-by']),
        ...(values['earliest-start'] ? { earliestStart: values['earliest-start'] } : {}),
        ...(values['stop-at-end'] ? { stopAtEnd: true } : {}),
      };
      // The workflow validates the request and names every bad field (update validator).
      return print(await withClient(config, (c) => c.requestRun(homeId, request)));
    }
    case 'plan': {
      const { values } = parseArgs({ args: rest, options: { home: { type: 'string' } } });
      const homeId = required('home', values.home);
      const plan = await withClient(config, (c) => c.currentPlan(homeId));
      if (plan === null) throw new UsageError(`no optimizer runs for home ${homeId} (request a run first)`);
      return print(plan);
    }
    case 'run-schedule': {
      const name = rest[0] as ScheduleName | undefined;
      if (name === undefined || !SCHEDULES.includes(name)) {
        throw new UsageError(`run-schedule: expected one of ${SCHEDULES.join(', ')}`);
      }
      return print(await withClient(config, (c) => c.runScheduleNow(name)));
    }
    case 'bootstrap':
      return bootstrap(config, rest);
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

/** Entry of `bin/carbonreducer-workflows.js` and of `tsx src/cli.ts`: exit code 2 for usage errors, 1 for failures. */
export function runCli(): void {
  main(process.argv.slice(2)).catch((err: unknown) => {
    const cause = err instanceof Error && err.cause !== undefined ? `\n  cause: ${errorMessage(err.cause)}` : '';
    process.stderr.write(`carbonreducer-workflows: ${errorMessage(err)}${cause}\n`);
    if (err instanceof UsageError) process.stderr.write(`${USAGE}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  });
}

if (require.main === module) runCli();
