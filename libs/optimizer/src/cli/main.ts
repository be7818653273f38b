import { basename } from 'node:path';
import { readAcnSessionsFile, readHouseholdFiles, readIntensityFiles } from '@carbonreducer/datasets';
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

const FORECASTS = ['perfect', 'operator', 'model', 'naive'] as const;
type ForecastMode = (typeof FORECASTS)[number];

export const HELP = `carbonreducer-optimizer — plan flexible household loads for low CO2 and evaluate the plans on real data

Usage:
  carbonreducer-optimizer evaluate --intensity FILE... --households FILE... --ev FILE
                                   --forecast perfect|operator|model|naive --flex-hours N
                                   [--plan-once] [--from DATE] [--json]

Options:
  --intensity FILE...   Carbon intensity CSVs: NESO (from,to,forecast,actual,index; half-hourly) or
                        Electricity Maps hourly (one format per run). Hourly values cover both half-hours.
  --households FILE...  1-minute household files (Time,Aggregate,Kettle,Dishwasher,WashingMachine,Microwave).
                        Files are grouped into homes by name (refit-house2-*, ukdale-house2-*).
  --ev FILE             Caltech ACN-Data sessions JSON.
  --forecast MODE       Intensity the planner sees:
                          perfect   the actual intensity (perfect foresight)
                          operator  the NESO file's own forecast column (NESO files only)
                          naive     seasonal naive: the same slot one day earlier (further back if not yet known)
                          model     the trained champion intensity model (@carbonreducer/models registry)
  --flex-hours N        Flexibility: a cycle must finish by request + its duration + N h; an EV session counts
                        when the driver's request leaves at least N h (requested departure − plug-in − full-power
                        charging time) and must then be charged by plug-in + full-power time + N h. Sessions
                        with less are reported apart ("lessFlexible"), planned up to their requested departure.
  --plan-once           Plan once at request time. Default: plan again every 30 min with the forecast as then
                        known, while a cycle has not started (EV: for the charging still to come), as the product
                        does; only the naive and model forecasts change with time, so only they are re-planned.
  --from DATE           Map requests only onto the intensity data from DATE (YYYY-MM-DD, UTC), e.g. after the
                        model's training window; the data before it remain history for the forecasts.
  --json                Print one JSON object instead of the table.
  -h, --help            This help.

What is evaluated:
  Requests: appliance cycles detected in the Dishwasher and WashingMachine columns (the real start is the request
  time, the real 1-minute profile is the cycle) and EV sessions with a driver request (plug-in time, requested
  departure, kWh requested; 7 kW wallbox, 1.4 kW minimum when on). Each request is planned alone minimising CO2
  (energy price 0, 1 per kg CO2) in 30-minute slots starting at the request time, then scored with the actual
  intensity. Baseline: the load runs at request time (the EV at full power from plug-in). Perfect: the plan made
  with the actual intensity (or running at request time, if that is better). EVs asking for more than the charger
  can deliver by their requested departure are counted as infeasible (all plans deliver what is possible).

Date mapping (the data sets cover different years):
  Every request is moved by a whole number of weeks of local wall-clock time into the intensity period, keeping
  weekday and local time of day: households on the UK clock (Europe/London), EV sessions on their site's clock
  (America/Los_Angeles), the intensity period on the UK clock. Anchor = the first Monday 00:00 at least 8 days
  after the intensity data start (history for the naive and model forecasts); span = the whole weeks from the
  anchor to 2 days before the data end (room for the plan). A request at local time w is planned at UK local time
  anchor + ((w − anchor) mod span). Seasons are not kept.

Data: NESO Carbon Intensity API (CC BY 4.0); Electricity Maps (attribution required); REFIT and UK-DALE
(CC BY 4.0) as prepared by DeviceScope (Apache-2.0); Caltech ACN-Data (JPL site, ACN-Data terms of use).
`;

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

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseArgs(argv: string[]): EvaluateArgs | 'help' {
  if (argv.length === 0 || argv.includes('-h') || argv.includes('--help')) return 'help';
  const [command, ...rest] = argv;
  if (command !== 'evaluate') throw new UsageError(`unknown command ${JSON.stringify(command)}: expected "evaluate"`);
  const lists: Record<string, string[]> = {};
  let json = false;
  let planOnce = false;
  let current: string | null = null;
  for (const a of rest) {
    if (a === '--json' || a === '--plan-once') {
      if (a === '--json') json = true;
      else planOnce = true;
      current = null;
    } else if (a.startsWith('--')) {
      if (!['--intensity', '--households', '--ev', '--forecast', '--flex-hours', '--from'].includes(a)) {
        throw new UsageError(`unknown option ${a}`);
      }
      current = a.slice(2);
      lists[current] = lists[current] ?? [];
    } else if (current === null) {
      throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
    } else (lists[current] as string[]).push(a);
  }
  const one = (name: string): string | null => {
    const v = lists[name];
    if (v === undefined) return null;
    if (v.length !== 1) throw new UsageError(`--${name} takes exactly one value, got ${v.length}`);
    return v[0] as string;
  };
  const intensity = lists['intensity'] ?? [];
  if (intensity.length === 0) throw new UsageError('--intensity FILE... is required');
  const households = lists['households'] ?? [];
  const ev = one('ev');
  if (households.length === 0 && ev === null) throw new UsageError('give --households FILE... and/or --ev FILE');
  const forecast = one('forecast');
  if (forecast === null || !(FORECASTS as readonly string[]).includes(forecast)) {
    throw new UsageError(`--forecast must be one of ${FORECASTS.join('|')}, got ${JSON.stringify(forecast)}`);
  }
  const flexRaw = one('flex-hours');
  const flexHours = Number(flexRaw);
  if (flexRaw === null || !Number.isFinite(flexHours) || flexHours < 0 || flexHours > 40) {
    throw new UsageError(`--flex-hours must be a number of hours 0–40, got ${JSON.stringify(flexRaw)}`);
  }
  const fromRaw = one('from');
  const fromMs =
    fromRaw === null ? null : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(fromRaw) ? `${fromRaw}T00:00:00Z` : fromRaw);
  if (fromMs !== null && !Number.isFinite(fromMs)) {
    throw new UsageError(`--from must be a date (YYYY-MM-DD, UTC) or an ISO time, got ${JSON.stringify(fromRaw)}`);
  }
  return { intensity, households, ev, forecast: forecast as ForecastMode, flexHours, json, planOnce, fromMs };
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

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

export function table(result: EvaluationResult, args: EvaluateArgs): string {
  const rows = [
    ['load', 'requests', 'infeasible', 'baseline kg', 'optimized kg', 'perfect kg', 'reduction %', 'capture %'],
    ...(['dishwasher', 'washing_machine', 'ev'] as const).map((k) => {
      const r = result.byKind[k];
      return [
        k,
        String(r.requests),
        String(r.infeasible),
        f2(r.baselineKgCO2),
        f2(r.optimizedKgCO2),
        f2(r.perfectKgCO2),
        f1(r.reductionPct),
        f1(r.captureOfPerfectPct),
      ];
    }),
    [
      `all (flex ≥ ${args.flexHours} h)`,
      String(result.requests),
      String(result.infeasible),
      f2(result.baselineKgCO2),
      f2(result.optimizedKgCO2),
      f2(result.perfectKgCO2),
      f1(result.reductionPct),
      f1(result.captureOfPerfectPct),
    ],
    [
      'ev, less flexible',
      String(result.lessFlexible.requests),
      String(result.lessFlexible.infeasible),
      f2(result.lessFlexible.baselineKgCO2),
      f2(result.lessFlexible.optimizedKgCO2),
      f2(result.lessFlexible.perfectKgCO2),
      f1(result.lessFlexible.reductionPct),
      f1(result.lessFlexible.captureOfPerfectPct),
    ],
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  const lines = rows.map((r) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
  );
  return [
    `Forecast: ${args.forecast} (${result.replan ? 're-planned every 30 min while not started' : 'planned once'}); flexibility: ${args.flexHours} h; 30-minute slots; CO2 scored with the actual intensity.`,
    '"ev, less flexible": sessions whose request leaves under the flexibility; not in "all".',
    '',
    ...lines,
    '',
    'Data: NESO Carbon Intensity API (CC BY 4.0) / Electricity Maps; REFIT & UK-DALE (CC BY 4.0) via DeviceScope;',
    'Caltech ACN-Data (JPL).',
  ].join('\n');
}

export async function run(argv: string[], deps: OptimizerCliDeps = {}): Promise<number> {
  let args: EvaluateArgs | 'help';
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\n\n${HELP}`);
      return 2;
    }
    throw err;
  }
  if (args === 'help') {
    console.log(HELP);
    return 0;
  }
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
  const progress = args.json
    ? undefined
    : (done: number, total: number) => {
        if (done % 100 === 0 || done === total) process.stderr.write(`\rplanned ${done}/${total}`);
      };
  const result = await evaluate(
    grid,
    mapping,
    cycles,
    evs,
    forecast,
    solver,
    { ...DEFAULT_EVAL_OPTIONS, flexHours: args.flexHours, replan: !args.planOnce },
    progress,
  );
  if (args.json) console.log(JSON.stringify({ ...result, forecast: args.forecast, ...(model ? { model } : {}) }));
  else {
    process.stderr.write('\n');
    console.log(table(result, args));
    if (model) {
      console.log(
        `Model: champion ${model.version}, trained on ${model.trainingWindow.from} – ${model.trainingWindow.to} (requests mapped into that window are in-sample).`,
      );
    }
  }
  return 0;
}

/**
 * Runs the CLI on `argv` and exits with its code (errors printed with their causes). The `carbonreducer-optimizer`
 * command (`@carbonreducer/models`' bin) calls this with its model loader.
 */
export function runCliAndExit(argv: string[], deps: OptimizerCliDeps = {}): void {
  run(argv, deps).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error('error:', err instanceof Error ? err.message : err);
      let cause = err instanceof Error ? err.cause : undefined;
      while (cause instanceof Error) {
        console.error('  caused by:', cause.message);
        cause = cause.cause;
      }
      process.exit(1);
    },
  );
}

// Run directly with tsx (without a model loader), not when imported.
if (require.main === module) runCliAndExit(process.argv.slice(2));
