import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { readAcnSessionsFile, readHouseholdFiles, readIntensityFiles } from '@carbonreducer/datasets';
import { paretoSweep, solveHome, type ParetoPoint } from '../core/solve';
import type { HomePlan, HomeRequest } from '../core/types';
import { InvalidRequestError, validateRequest } from '../core/validate';
import { createHighsSolver } from '../solver/highs';
import {
  DEFAULT_EVAL_OPTIONS,
  evaluate,
  intensityGrid,
  naiveForecaster,
  operatorForecaster,
  perfectForecaster,
  type EvaluationResult,
  type IntensityForecaster,
  type IntensityGrid,
} from '../eval/evaluate';
import { modelForecaster, type IntensityPointModel } from '../eval/modelForecast';
import { detectCycles, periodMapping, type CycleDemand, type EvDemand } from '../eval/requests';

export const FORECASTS = ['perfect', 'operator', 'model', 'naive'] as const;
export type ForecastMode = (typeof FORECASTS)[number];

export interface EvaluateArgs {
  intensity: string[];
  households: string[];
  ev: string | null;
  forecast: ForecastMode;
  flexHours: number;
  json: boolean;
  /** One plan at request time instead of planning again every 30 min with the forecast as then known. */
  planOnce: boolean;
  /** Map requests only onto the intensity data from this instant (e.g. after a model's training window). */
  fromMs: number | null;
}

/** Household files grouped into homes by the part of the name before -YYYY-MM. */
export function groupHomes(paths: string[]): Map<string, string[]> {
  const homes = new Map<string, string[]>();
  for (const p of paths) {
    const key = basename(p).replace(/-\d{4}-\d{2}\.csv(\.gz)?$/, '');
    homes.set(key, [...(homes.get(key) ?? []), p]);
  }
  return homes;
}

const COLUMNS: Record<string, CycleDemand['kind']> = { Dishwasher: 'dishwasher', WashingMachine: 'washing_machine' };

async function loadCycles(paths: string[]): Promise<CycleDemand[]> {
  const out: CycleDemand[] = [];
  for (const [home, files] of groupHomes(paths)) {
    const series = await readHouseholdFiles(files);
    for (const [column, kind] of Object.entries(COLUMNS)) {
      const power = series.appliancesW[column];
      if (power === undefined)
        throw new Error(`${home}: no ${column} column (has ${series.applianceNames.join(', ')})`);
      // REFIT and UK-DALE are UK homes: their routines follow the UK clock.
      for (const c of detectCycles(series.timeMs, power))
        out.push({ kind, source: home, timeZone: 'Europe/London', ...c });
    }
  }
  return out;
}

async function loadEvs(path: string): Promise<{ evs: EvDemand[]; skipped: number }> {
  const sessions = await readAcnSessionsFile(path);
  const evs: EvDemand[] = [];
  let skipped = 0;
  for (const s of sessions) {
    if (s.energyRequestedKWh === null || s.requestedDepartureMs === null || s.requestedDepartureMs <= s.connectionMs) {
      skipped++; // no usable driver request: nothing to plan against
      continue;
    }
    evs.push({
      kind: 'ev',
      source: s.sessionId,
      connectionMs: s.connectionMs,
      departureMs: s.requestedDepartureMs,
      energyWh: s.energyRequestedKWh * 1000,
      timeZone: s.timezone,
    });
  }
  return { evs, skipped };
}

/** What the CLI is given by the package that runs it (the optimizer loads no models itself). */
export interface OptimizerCliDeps {
  /**
   * Loads the trained intensity model for `--forecast model` (`@carbonreducer/models` injects its champion; the
   * `carbonreducer-optimizer` command is that package's).
   */
  loadIntensityModel?: () => Promise<IntensityPointModel>;
  /** Requests planned so far (the command shows a progress bar on a terminal). */
  onProgress?: (done: number, total: number) => void;
}

async function forecasterFor(
  mode: ForecastMode,
  grid: IntensityGrid,
  deps: OptimizerCliDeps,
): Promise<{
  forecast: IntensityForecaster;
  model?: { version: string; trainingWindow: { from: string; to: string } };
}> {
  switch (mode) {
    case 'perfect':
      return { forecast: perfectForecaster(grid) };
    case 'operator':
      return { forecast: operatorForecaster(grid) };
    case 'naive':
      return { forecast: naiveForecaster(grid) };
    case 'model': {
      if (!deps.loadIntensityModel) {
        throw new Error(
          '--forecast model: no intensity model given to the CLI; run it as `npx carbonreducer-optimizer` (from @carbonreducer/models)',
        );
      }
      let m: ReturnType<typeof modelForecaster>;
      try {
        m = modelForecaster(grid, await deps.loadIntensityModel());
      } catch (err) {
        throw new Error(
          '--forecast model: cannot load the champion intensity model from the @carbonreducer/models registry (train and register one with `npx carbonreducer-models`)',
          { cause: err },
        );
      }
      return { forecast: m.forecast, model: { version: m.version, trainingWindow: m.trainingWindow } };
    }
  }
}

/** What the evaluation of `carbonreducer optimizer evaluate` gives: the figures, and the model the planner saw. */
export interface EvaluateOutcome {
  result: EvaluationResult;
  model?: { version: string; trainingWindow: { from: string; to: string } };
}

/** `optimizer evaluate` once its command line is read: loads the data, plans every request and scores the plans. */
export async function runEvaluate(args: EvaluateArgs, deps: OptimizerCliDeps = {}): Promise<EvaluateOutcome> {
  const series = await readIntensityFiles(args.intensity);
  const grid = intensityGrid(series.points, series.format === 'neso');
  const first = series.points[0];
  const last = series.points[series.points.length - 1];
  if (!first || !last) throw new Error('intensity files hold no data');
  if (args.fromMs !== null && (args.fromMs < first.fromMs || args.fromMs >= last.toMs)) {
    throw new Error(
      `--from ${new Date(args.fromMs).toISOString()} lies outside the intensity data (${new Date(first.fromMs).toISOString()} – ${new Date(last.toMs).toISOString()})`,
    );
  }
  // With --from, the forecasts still see the data before it as history.
  const mapping =
    args.fromMs === null
      ? periodMapping(first.fromMs, last.toMs)
      : periodMapping(args.fromMs, last.toMs, { leadDays: Math.max(0, 8 - (args.fromMs - first.fromMs) / 86_400_000) });
  const { forecast, model } = await forecasterFor(args.forecast, grid, deps);
  const cycles = await loadCycles(args.households);
  const { evs } = args.ev ? await loadEvs(args.ev) : { evs: [] };
  const solver = await createHighsSolver();
  const result = await evaluate(
    grid,
    mapping,
    cycles,
    evs,
    forecast,
    solver,
    { ...DEFAULT_EVAL_OPTIONS, flexHours: args.flexHours, replan: !args.planOnce },
    deps.onProgress,
  );
  return { result, ...(model ? { model } : {}) };
}

/** The `--json` document of `optimizer evaluate` (other tools read it: keep its keys). */
export function evaluateJson(args: EvaluateArgs, o: EvaluateOutcome): Record<string, unknown> {
  return { ...o.result, forecast: args.forecast, ...(o.model ? { model: o.model } : {}) };
}

/** A home request file (the optimizer's `HomeRequest`, JSON) read and checked; `now` defaults to its first slot. */
export async function readRequestFile(path: string, nowMs?: number): Promise<{ request: HomeRequest; nowMs: number }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the request file ${path}`, { cause: err });
  }
  let request: HomeRequest;
  try {
    request = JSON.parse(text) as HomeRequest;
  } catch (err) {
    throw new InvalidRequestError(`${path}: not JSON (${(err as Error).message})`, { cause: err });
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw new InvalidRequestError(`${path}: expected a JSON object (a HomeRequest)`);
  }
  const now = nowMs ?? request.startMs;
  try {
    validateRequest(request, now);
  } catch (err) {
    if (err instanceof InvalidRequestError) throw new InvalidRequestError(`${path}: ${err.message}`, { cause: err });
    throw err;
  }
  return { request, nowMs: now };
}

/** `optimizer solve`: one plan for the request, with its explanations. */
export async function runSolve(request: HomeRequest, nowMs: number): Promise<HomePlan> {
  const solver = await createHighsSolver();
  return solveHome(request, nowMs, solver);
}

/** `optimizer pareto`: one plan per CO2 price (cost against CO2). */
export async function runPareto(request: HomeRequest, nowMs: number, co2PricesPerKg: number[]): Promise<ParetoPoint[]> {
  const solver = await createHighsSolver();
  return paretoSweep(request, nowMs, solver, co2PricesPerKg);
}

const clock = (ms: number, timeZone: string): string =>
  new Date(ms).toLocaleString('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit' });

/** A plan as a homeowner reads it: each device's start, its expected CO2, and what gave way. */
export function planText(request: HomeRequest, plan: HomePlan): string {
  const tz = request.timeZone ?? 'UTC';
  return [
    `Plan ${plan.status} (gap ${plan.mipGap === null ? '—' : plan.mipGap.toExponential(1)}, ${plan.solveTimeMs.toFixed(0)} ms, ${plan.model.solver ?? 'HiGHS'}); ${plan.slotCount} × ${plan.slotMin} min from ${new Date(plan.startMs).toISOString()}`,
    ...plan.devices.map(
      (d) =>
        `  ${d.label.padEnd(18)} ${d.startsMs.length ? `starts ${d.startsMs.map((t) => clock(t, tz)).join(', ')}` : 'no start'}; ${(d.energyWh / 1000).toFixed(2)} kWh, ${d.kgCO2Expected.toFixed(3)} kg CO2 (at request time ${d.baselineKgCO2.toFixed(3)})`,
    ),
    `Expected: ${plan.kgCO2Expected.toFixed(3)} kg CO2, cost ${plan.costExpected.toFixed(2)}; baseline ${plan.baselineKgCO2.toFixed(3)} kg, cost ${plan.baselineCost.toFixed(2)}; avoided ${plan.avoidedKgCO2.toFixed(3)} kg CO2.`,
    ...plan.explanations.map((e) => `  note: ${e.message}`),
  ].join('\n');
}
