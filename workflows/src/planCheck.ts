/**
 * Does a live plan tell the truth? For a home's current plan (the optimizer workflow's `currentPlan` query) this
 * rebuilds the request its planner solved — the same run requests, the intensity and load forecast issues a plan made
 * at `plannedAt` read from InfluxDB, the home's fuse — and hands it to the optimizer's own command line
 * (`carbonreducer optimizer solve --json`); the plan's expected avoided emissions must equal the CLI's, run by run.
 * It also says whether the plan was made from a full-input forecast (`served_by` = champion).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { HOUR_MS } from '@carbonreducer/common';
import type { HomePlan, HomeRequest } from '@carbonreducer/optimizer';
import { InfluxForecastStore } from './adapters/influx';
import { PostgresHomeRegistry } from './adapters/homes';
import { CarbonReducerClient } from './client';
import type { WorkflowsConfig } from './config';
import { homeRequest } from './adapters/optimizerPlanner';
import { effectiveRequest } from './domain/overrides';
import type { CurrentPlanView, RunRequest } from './types';

const run = promisify(execFile);
const repoRoot = resolve(__dirname, '..', '..');

export interface RunComparison {
  requestId: string;
  appliance: string;
  planStartAt: string;
  cliStartAt: string | null;
  planAvoidedG: number;
  cliAvoidedG: number | null;
}

export interface PlanCheck {
  homeId: string;
  planVersion: number;
  plannedAt: string;
  forecastIssuedAt: string | null;
  forecastServedBy: string | null;
  forecastFallbackReason: string | null;
  loadServedBy: string | null;
  /** The plan's intensity forecast was served by the champion with every input present. */
  fullInput: boolean;
  runs: RunComparison[];
  planAvoidedG: number;
  cliAvoidedG: number;
  /** Every run of this plan version compared and within tolerance (0.5 g or 0.1 %, whichever is larger). */
  agree: boolean;
  /** Runs of the plan that an earlier version planned (already dispatched): not part of this version's request. */
  carriedOver: string[];
  /** The forecast the plan read, over its window (plannedAt … last deadline): where it is lowest, and at plannedAt. */
  forecastWindow: { atPlannedGPerKWh: number; minGPerKWh: number; minAt: string; maxGPerKWh: number } | null;
  problems: string[];
}

/** The optimizer's own CLI on a request file: `carbonreducer optimizer solve FILE --json`. */
export async function solveWithCli(request: HomeRequest): Promise<HomePlan> {
  const dir = await mkdtemp(join(tmpdir(), 'carbonreducer-plancheck-'));
  try {
    const file = join(dir, 'request.json');
    await writeFile(file, JSON.stringify(request));
    const { stdout } = await run(
      join(repoRoot, 'node_modules', '.bin', 'carbonreducer'),
      ['optimizer', 'solve', file, '--json'],
      {
        cwd: repoRoot,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return JSON.parse(stdout) as HomePlan;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function windowOf(
  forecast: { points: { time: string; intensityGPerKWh: number }[] },
  window: { from: Date; to: Date },
): PlanCheck['forecastWindow'] {
  const fromMs = window.from.getTime() + HOUR_MS;
  // The slot holding plannedAt, then every slot up to the last deadline.
  const inWindow = forecast.points.filter(
    (p) => Date.parse(p.time) > fromMs - 30 * 60_000 && Date.parse(p.time) < window.to.getTime(),
  );
  const first = inWindow[0];
  if (!first) return null;
  const min = inWindow.reduce((a, p) => (p.intensityGPerKWh < a.intensityGPerKWh ? p : a), first);
  return {
    atPlannedGPerKWh: first.intensityGPerKWh,
    minGPerKWh: min.intensityGPerKWh,
    minAt: min.time,
    maxGPerKWh: Math.max(...inWindow.map((p) => p.intensityGPerKWh)),
  };
}

const tolerance = (g: number): number => Math.max(0.5, Math.abs(g) * 1e-3);

/**
 * The requests the planner was given for the plan's version: those still `planned`, and those dispatched by a start
 * command of this very version (dispatched by an earlier version, their runs were only carried over).
 */
function plannedRequests(view: CurrentPlanView, version: number): { input: RunRequest[]; carriedOver: string[] } {
  const startVersion = new Map(
    view.commands.filter((c) => c.action === 'start').map((c) => [c.requestId, c.planVersion] as const),
  );
  const input: RunRequest[] = [];
  const carriedOver: string[] = [];
  for (const entry of view.requests) {
    const id = entry.request.requestId;
    if (!view.plan?.runs.some((r) => r.requestId === id)) continue;
    if (entry.status === 'planned' || (entry.status === 'dispatched' && startVersion.get(id) === version)) {
      input.push(effectiveRequest(entry));
    } else carriedOver.push(id);
  }
  return { input, carriedOver };
}

export async function checkPlan(args: {
  view: CurrentPlanView;
  region: string;
  importLimitW: number | null;
  store: Pick<InfluxForecastStore, 'latestIntensityForecast' | 'latestLoadForecast'>;
  slotMin: 15 | 30 | 60;
  solve?: (request: HomeRequest) => Promise<HomePlan>;
}): Promise<PlanCheck> {
  const { view, region } = args;
  const plan = view.plan;
  if (!plan) throw new Error(`home ${view.homeId} has no plan yet`);
  const problems: string[] = [];
  const base = {
    homeId: view.homeId,
    planVersion: plan.version,
    plannedAt: plan.plannedAt,
    forecastIssuedAt: plan.forecastIssuedAt,
    forecastServedBy: plan.forecastServedBy ?? null,
    forecastFallbackReason: plan.forecastFallbackReason ?? null,
    loadServedBy: plan.loadServedBy ?? null,
    fullInput: plan.forecastServedBy === 'champion' && (plan.forecastFallbackReason ?? 'none') === 'none',
  };
  if (!base.fullInput) {
    problems.push(
      `the plan's intensity forecast was served by ${base.forecastServedBy ?? 'an untagged forecaster'} (${base.forecastFallbackReason ?? 'no reason recorded'}), not the champion with full inputs`,
    );
  }
  const { input, carriedOver } = plannedRequests(view, plan.version);
  if (input.length === 0) {
    problems.push(
      `no run of plan version ${plan.version} is still to compare (carried over: ${carriedOver.join(', ')})`,
    );
    return {
      ...base,
      runs: [],
      planAvoidedG: 0,
      cliAvoidedG: 0,
      agree: false,
      carriedOver,
      forecastWindow: null,
      problems,
    };
  }

  // What the planHome activity read at plannedAt (compute.ts planningInputs): the latest issues with slots from an
  // hour before until the last deadline, issued by then.
  const nowMs = Date.parse(plan.plannedAt);
  const window = {
    from: new Date(nowMs - HOUR_MS),
    to: new Date(Math.max(...input.map((r) => Date.parse(r.readyBy)), nowMs)),
    issuedBy: new Date(nowMs),
  };
  const forecast = await args.store.latestIntensityForecast({ region, ...window });
  if (!forecast) throw new Error(`no intensity forecast of region ${region} issued by ${plan.plannedAt} in InfluxDB`);
  if (forecast.issuedAt !== plan.forecastIssuedAt) {
    problems.push(
      `the plan names the forecast issued at ${plan.forecastIssuedAt}, a plan at ${plan.plannedAt} reads the one issued at ${forecast.issuedAt}`,
    );
  }
  const loadForecast = await args.store.latestLoadForecast({ homeId: view.homeId, ...window });
  if ((loadForecast?.servedBy ?? null) !== base.loadServedBy) {
    problems.push(
      `the plan's base load was served by ${base.loadServedBy}, the load forecast read back by ${loadForecast?.servedBy ?? 'none'}`,
    );
  }
  const request = homeRequest({
    homeId: view.homeId,
    requests: input,
    forecast,
    loadForecast,
    importLimitW: args.importLimitW,
    now: new Date(nowMs),
    slotMin: args.slotMin,
  });
  const cli = await (args.solve ?? solveWithCli)(request);

  const runs: RunComparison[] = input.map((r) => {
    const planned = plan.runs.find((p) => p.requestId === r.requestId);
    const device = cli.devices.find((d) => d.id === r.requestId);
    const startMs = device?.startsMs[0];
    return {
      requestId: r.requestId,
      appliance: r.appliance,
      planStartAt: planned?.startAt ?? '',
      cliStartAt: startMs === undefined ? null : new Date(startMs).toISOString(),
      planAvoidedG: planned?.avoidedEmissionsG ?? Number.NaN,
      cliAvoidedG: device ? device.avoidedKgCO2 * 1000 : null,
    };
  });
  for (const r of runs) {
    if (r.cliAvoidedG === null) problems.push(`the CLI planned no run for ${r.requestId}`);
    else if (!(Math.abs(r.planAvoidedG - r.cliAvoidedG) <= tolerance(r.cliAvoidedG))) {
      problems.push(
        `${r.requestId}: the plan expects ${r.planAvoidedG.toFixed(1)} g avoided, the CLI ${r.cliAvoidedG.toFixed(1)} g`,
      );
    }
  }
  const planAvoidedG = runs.reduce((g, r) => g + r.planAvoidedG, 0);
  const cliAvoidedG = runs.reduce((g, r) => g + (r.cliAvoidedG ?? 0), 0);
  const agree =
    runs.every((r) => r.cliAvoidedG !== null && Math.abs(r.planAvoidedG - r.cliAvoidedG) <= tolerance(r.cliAvoidedG)) &&
    forecast.issuedAt === plan.forecastIssuedAt;
  return {
    ...base,
    runs,
    planAvoidedG,
    cliAvoidedG,
    agree,
    carriedOver,
    forecastWindow: windowOf(forecast, window),
    problems,
  };
}

/** {@link checkPlan} for a home of the running system: its plan from Temporal, its record from PostgreSQL. */
export async function checkHomePlan(
  config: WorkflowsConfig,
  homeId: string,
  solve?: (request: HomeRequest) => Promise<HomePlan>,
): Promise<PlanCheck> {
  const registry = new PostgresHomeRegistry({ connectionString: config.postgresUrl });
  let home;
  try {
    home = await registry.get(homeId);
  } finally {
    await registry.close();
  }
  if (!home) throw new Error(`home ${homeId} is not registered (carbonreducer workflows homes list)`);
  const client = await CarbonReducerClient.connect({ ...config.temporal, region: home.region });
  let view: CurrentPlanView | null;
  try {
    view = await client.currentPlan(homeId);
  } finally {
    await client.close();
  }
  if (!view) throw new Error(`home ${homeId} has no optimizer workflow in namespace ${config.temporal.namespace}`);
  return checkPlan({
    view,
    region: home.region,
    importLimitW: home.importLimitW,
    store: new InfluxForecastStore(config.influx),
    slotMin: config.planSlotMin,
    ...(solve ? { solve } : {}),
  });
}
