/**
 * What `carbonreducer models …` (and the `carbonreducer-models` alias) does once commander has read the command
 * line (cli/src/commands/models.ts): typed options in, output on stdout, progress on stderr.
 */
import { HOUR_MS } from '@carbonreducer/common';
import { INTENSITY_HORIZONS_MIN, intensityFeatures, loadFeatures, type ModelTarget } from '@carbonreducer/forecast';
import { registerOutcome } from '../api';
import { backtestIntensity, backtestLoad, type BacktestOutcome } from '../backtest';
import { loadHouseholdHourlyKWh, loadIntensity, type TimeRange } from '../data';
import type { IntensityModelChoice } from '../intensityModels';
import { plotBacktest } from '../plot/backtestPlot';
import { writePlotFiles } from '../plot/writePlot';
import { backtestScore, ModelRegistry } from '../registry';
import { successiveHalving } from '../search';
import Table from 'cli-table3';
import { createProgress } from './progress';
import { formatTable } from './table';

export interface BacktestCliOptions {
  target: ModelTarget;
  train: string[];
  test: string[];
  json: boolean;
  plot?: string;
  trainRange?: TimeRange;
  testRange?: TimeRange;
  searchSeconds?: number;
  register: boolean;
  registry?: string;
  model: IntensityModelChoice;
  lstmSeconds?: number;
  seeds?: number;
}

/** stdout carries exactly one JSON document: anything a library prints (tfjs greets on stdout) goes to stderr. */
function quietStdout(): void {
  console.log = console.error;
  console.info = console.error;
}

async function runBacktestOnly(o: BacktestCliOptions): Promise<BacktestOutcome> {
  if (o.json) quietStdout();
  const progress = createProgress(process.stderr);
  const options = {
    target: o.target,
    trainFiles: o.train,
    testFiles: o.test,
    trainRange: o.trainRange,
    testRange: o.testRange,
    searchSeconds: o.searchSeconds,
    model: o.model,
    lstmSeconds: o.lstmSeconds,
    seeds: o.seeds,
    onProgress: (d: number, t: number, label: string) => progress.update(d, t, label),
  };
  const outcome = o.target === 'intensity' ? await backtestIntensity(options) : await backtestLoad(options);
  progress.done();
  return outcome;
}

async function register(outcome: BacktestOutcome, registry: string | undefined) {
  const r = await registerOutcome(outcome, registry, Date.now());
  process.stderr.write(
    `registered ${r.meta.target} ${r.meta.version} (score ${r.challengerScore.toFixed(4)}; champion ${
      r.championScore === null ? 'none' : r.championScore.toFixed(4)
    }): ${r.promoted ? 'promoted to champion' : 'kept as challenger'}\n`,
  );
  return r;
}

async function writePlot(outcome: BacktestOutcome, o: BacktestCliOptions): Promise<void> {
  const plot = await plotBacktest(outcome, undefined, o.target === 'intensity' ? o.model : 'gbm');
  const files = await writePlotFiles(o.plot ?? `backtest-${o.target}.png`, plot);
  process.stderr.write(`plot written to ${files.png} and ${files.svg}\n`);
}

/** `models backtest`: the report as one JSON line (--json) or a table and a plot. */
export async function runBacktest(o: BacktestCliOptions): Promise<void> {
  const outcome = await runBacktestOnly(o);
  if (o.register) await register(outcome, o.registry);
  process.stdout.write(o.json ? `${JSON.stringify(outcome.report)}\n` : `${formatTable(outcome.report)}\n`);
  if (o.plot !== undefined || !o.json) await writePlot(outcome, o);
}

/** `models train`: backtest, register and promote if better; prints the registration (the retrain job's steps). */
export async function runTrain(o: Omit<BacktestCliOptions, 'register'>): Promise<void> {
  const outcome = await runBacktestOnly({ ...o, register: true });
  const r = await register(outcome, o.registry);
  const result = {
    target: r.meta.target,
    version: r.meta.version,
    modelType: r.meta.modelType,
    promoted: r.promoted,
    challengerScore: r.challengerScore,
    championScore: r.championScore,
    trainingWindow: r.meta.trainingWindow,
    testWindow: r.meta.testWindow,
    backtest: outcome.report,
  };
  process.stdout.write(o.json ? `${JSON.stringify(result)}\n` : `${formatTable(outcome.report)}\n`);
  if (o.plot !== undefined) await writePlot(outcome, { ...o, register: true });
}

export interface SearchCliOptions {
  target: ModelTarget;
  train: string[];
  trainRange?: TimeRange;
  seconds: number;
  configs: number;
  seed: number;
  json: boolean;
}

/** `models search`: successive halving over the GBM hyperparameters on the training files (held-out tail). */
export async function runSearch(o: SearchCliOptions): Promise<void> {
  if (o.json) quietStdout();
  const series =
    o.target === 'intensity'
      ? (await loadIntensity(o.train, o.trainRange)).actual
      : await loadHouseholdHourlyKWh(o.train, o.trainRange);
  const features = o.target === 'intensity' ? intensityFeatures(series.stepMs) : loadFeatures(HOUR_MS);
  // The retrain workflow's representative horizons: 30 min, 4 h and 24 h (intensity); 1, 12 and 24 h (load).
  const stepsAhead =
    o.target === 'intensity'
      ? INTENSITY_HORIZONS_MIN.filter((_, i) => i === 0 || i === 3 || i === 6).map((m) => (m * 60_000) / series.stepMs)
      : [1, 12, 24];
  const progress = createProgress(process.stderr);
  const result = successiveHalving(series, features, {
    stepsAhead,
    budgetMs: o.seconds * 1000,
    configs: o.configs,
    seed: o.seed,
    onProgress: (d, t, label) => progress.update(d, t, label),
  });
  progress.done();
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ target: o.target, stepsAhead, ...result })}\n`);
    return;
  }
  const best = [...result.trials].sort((a, b) => a.score - b.score).slice(0, 5);
  process.stdout.write(
    [
      `${o.target} search: ${result.trials.length} trials in ${(result.elapsedMs / 1000).toFixed(1)} s${result.stoppedByBudget ? ' (stopped by the time budget)' : ''}`,
      `best score ${result.bestScore.toFixed(4)} (validation MAE / MAE of no change; lower is better): ${JSON.stringify(result.best)}`,
      'top trials:',
      ...best.map((t) => `  ${t.score.toFixed(4)}  rung ${t.rung}  ${t.trees} trees  ${JSON.stringify(t.params)}`),
      '',
    ].join('\n'),
  );
}

export interface RegistryRow {
  target: ModelTarget;
  version: string;
  modelType: string;
  createdAt: string;
  trainingWindow: { from: string; to: string };
  score: number;
  champion: boolean;
}

const TARGETS: ModelTarget[] = ['intensity', 'load'];

/** Every stored model of the targets, oldest first, with its backtest score and whether it is the champion. */
export async function registryList(root: string | undefined, targets: ModelTarget[] = TARGETS): Promise<RegistryRow[]> {
  const registry = new ModelRegistry(root);
  const rows: RegistryRow[] = [];
  for (const target of targets) {
    const champion = await registry.champion(target);
    for (const version of await registry.versions(target)) {
      const { meta } = await registry.load(target, version);
      rows.push({
        target,
        version,
        modelType: meta.modelType,
        createdAt: meta.createdAt,
        trainingWindow: meta.trainingWindow,
        score: backtestScore(meta.backtest.horizons),
        champion: champion?.version === version,
      });
    }
  }
  return rows;
}

/** A model's metadata (the champion's when no version is given). */
export async function registryShow(root: string | undefined, target: ModelTarget, version?: string) {
  const registry = new ModelRegistry(root);
  const v = version ?? (await registry.champion(target))?.version;
  if (v === undefined)
    throw new Error(`no ${target} champion in ${registry.root}: train one with carbonreducer models train`);
  const { meta } = await registry.load(target, v);
  return {
    ...meta,
    score: backtestScore(meta.backtest.horizons),
    champion: (await registry.champion(target))?.version === v,
  };
}

/** Promotes a stored model by the one promotion rule (it must beat the champion's score). */
export async function registryPromote(root: string | undefined, target: ModelTarget, version: string) {
  const registry = new ModelRegistry(root);
  if (!(await registry.versions(target)).includes(version)) {
    throw new Error(`no ${target} model ${version} in ${registry.root} (carbonreducer models registry list)`);
  }
  return { target, version, ...(await registry.promoteIfBetter(target, version, Date.now())) };
}

/** The registry as columns without borders (cli-table3), one model a line; `*` marks the champion. */
export function registryTable(rows: RegistryRow[]): string {
  if (rows.length === 0) return 'no models registered';
  const none = {
    top: '',
    'top-mid': '',
    'top-left': '',
    'top-right': '',
    bottom: '',
    'bottom-mid': '',
    'bottom-left': '',
  };
  const table = new Table({
    head: ['target', 'version', 'type', 'score', 'trained on', 'champion'],
    chars: {
      ...none,
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: '  ',
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  table.push(
    ...rows.map((r) => [
      r.target,
      r.version,
      r.modelType,
      r.score.toFixed(4),
      `${r.trainingWindow.from.slice(0, 10)} – ${r.trainingWindow.to.slice(0, 10)}`,
      r.champion ? '*' : '',
    ]),
  );
  return table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
}
