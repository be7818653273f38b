/**
 * The retrain workflow's compute port on top of @carbonreducer/models: successive-halving search, train + register a
 * challenger (rolling-origin backtest included), champion/challenger figures and promotion by the registry's rule.
 * Data come from the shared data files (NESO intensity, REFIT household 2) in bounded windows.
 */
import { DAY_MS, HOUR_MS } from '@carbonreducer/common';
import { sharedDataPath } from '@carbonreducer/datasets';
import {
  INTENSITY_HORIZONS_MIN,
  intensityFeatures,
  loadFeatures,
  type GbmParams,
  type RegularSeries,
} from '@carbonreducer/forecast';
import {
  ModelRegistry,
  hashSeries,
  successiveHalving,
  type SearchTrial,
  backtestIntensity,
  backtestLoad,
  backtestScore,
  loadHouseholdHourlyKWh,
  loadIntensity,
  type BacktestOutcome,
} from '@carbonreducer/models';
import { BadInputError } from '../errors';
import type { ModelLifecycle } from '../ports';
import type { Hyperparameters, ModelTarget, TrialResult } from '../types';

const ATTRIBUTION: Record<ModelTarget, string> = {
  intensity: 'Carbon intensity data: National Energy System Operator (NESO) Carbon Intensity API, CC BY 4.0.',
  load: 'Household power data: REFIT (University of Strathclyde), CC BY 4.0, as prepared by the DeviceScope project.',
};

/** Files and UTC windows one target trains and tests on; train and test must not overlap. */
export interface TargetData {
  files: string[];
  train: { fromMs: number; toMs: number };
  test: { fromMs: number; toMs: number };
}

export interface ModelLifecycleOptions {
  /** Registry directory (default: the models package's registry, which the forecasters read). */
  registryRoot?: string;
  /** Wall-clock budget of one hyperparameter search, ms (default 20 s). */
  searchBudgetMs?: number;
  data?: Partial<Record<ModelTarget, TargetData>>;
  /** Wall clock, ms; stamps versions and promotions. */
  clock?: () => number;
  env?: NodeJS.ProcessEnv;
}

/** Four weeks of training and three days of test data per target: small enough for a worker run of minutes. */
export function defaultTargetData(env: NodeJS.ProcessEnv = process.env): Record<ModelTarget, TargetData> {
  const jan2023 = Date.UTC(2023, 0, 1);
  // REFIT house 2 reads 0 W throughout January 2014 (a filled gap); March 2014 is real data.
  const mar2014 = Date.UTC(2014, 2, 1);
  return {
    intensity: {
      files: [sharedDataPath('carbon-intensity/neso-gb-national-2023H1.csv', env)],
      train: { fromMs: jan2023, toMs: jan2023 + 28 * DAY_MS },
      test: { fromMs: jan2023 + 28 * DAY_MS, toMs: jan2023 + 31 * DAY_MS },
    },
    load: {
      files: [sharedDataPath('households/refit-house2-2014-03.csv.gz', env)],
      train: { fromMs: mar2014, toMs: mar2014 + 25 * DAY_MS },
      test: { fromMs: mar2014 + 25 * DAY_MS, toMs: mar2014 + 28 * DAY_MS },
    },
  };
}

/** Hyperparameters travel as numbers through Temporal; the GBM loss is encoded as `lossL1` (1 = l1, 0 = l2). */
export function encodeParams(p: Partial<GbmParams>): Hyperparameters {
  const out: Hyperparameters = {};
  for (const [k, v] of Object.entries(p)) {
    if (k === 'loss') out.lossL1 = v === 'l1' ? 1 : 0;
    else if (typeof v === 'number') out[k] = v;
  }
  return out;
}

const NUMERIC_PARAMS = [
  'numTrees',
  'learningRate',
  'maxDepth',
  'minSamplesLeaf',
  'subsample',
  'colsample',
  'lambda',
  'maxBins',
  'seed',
  'earlyStoppingRounds',
] as const;

export function decodeParams(h: Hyperparameters): Partial<GbmParams> {
  const out: Partial<GbmParams> = {};
  for (const [k, v] of Object.entries(h)) {
    if (!Number.isFinite(v)) throw new BadInputError(`hyperparameter ${k} must be a finite number, got ${v}`);
    if (k === 'lossL1') out.loss = v === 1 ? 'l1' : 'l2';
    else if ((NUMERIC_PARAMS as readonly string[]).includes(k)) (out as Record<string, number>)[k] = v;
    else
      throw new BadInputError(
        `unknown hyperparameter ${JSON.stringify(k)} (known: ${NUMERIC_PARAMS.join(', ')}, lossL1)`,
      );
  }
  return out;
}

function bestOf(trials: TrialResult[]): TrialResult {
  const best = trials.reduce<TrialResult | undefined>(
    (a, b) => (a && a.validationMae <= b.validationMae ? a : b),
    undefined,
  );
  if (best === undefined) throw new BadInputError('the hyperparameter search finished no trial');
  return best;
}

export function createModelLifecycle(options: ModelLifecycleOptions = {}): ModelLifecycle {
  const registry = new ModelRegistry(options.registryRoot);
  const clock = options.clock ?? Date.now;
  const budgetMs = options.searchBudgetMs ?? 20_000;
  const data = { ...defaultTargetData(options.env), ...options.data };

  async function trainSeries(target: ModelTarget): Promise<RegularSeries> {
    const d = data[target];
    return target === 'intensity'
      ? (await loadIntensity(d.files, d.train)).actual
      : loadHouseholdHourlyKWh(d.files, d.train);
  }

  async function score(target: ModelTarget, version: string): Promise<number> {
    const { meta } = await registry.load(target, version);
    return backtestScore(meta.backtest.horizons);
  }

  return {
    async searchHyperparameters({ target, trials, seed }, progress) {
      const series = await trainSeries(target);
      const stepMs = series.stepMs;
      const features = target === 'intensity' ? intensityFeatures(stepMs) : loadFeatures(HOUR_MS);
      const stepsAhead =
        target === 'intensity'
          ? INTENSITY_HORIZONS_MIN.filter((_, i) => i === 0 || i === 3 || i === 6).map((m) => (m * 60_000) / stepMs)
          : [1, 12, 24];
      if (progress.signal.aborted)
        throw new Error('hyperparameter search cancelled', { cause: progress.signal.reason });
      // validationMae is the search's relative error: MAE / MAE of predicting no change, on the held-out tail.
      const toTrial = (t: SearchTrial, i: number): TrialResult => ({
        trial: i,
        rung: t.rung,
        params: encodeParams({ ...t.params, numTrees: t.trees }),
        validationMae: t.score,
      });
      // Trials of an interrupted attempt (from its last heartbeat) are reused by the search, not fitted again.
      const resumeFrom: SearchTrial[] = progress.completed
        .filter((t) => t.rung !== undefined)
        .map((t) => {
          const { numTrees, ...params } = t.params;
          return { params: decodeParams(params), rung: t.rung as number, trees: numTrees ?? 0, score: t.validationMae };
        });
      const checkpoint: TrialResult[] = [];
      const result = successiveHalving(series, features, {
        stepsAhead,
        budgetMs,
        configs: trials,
        seed,
        clock,
        completed: resumeFrom,
        onTrial: (t) => {
          checkpoint.push(toTrial(t, resumeFrom.length + checkpoint.length));
          progress.onTrial([...progress.completed, ...checkpoint]);
        },
        onProgress: () => {
          if (progress.signal.aborted) {
            throw new Error('hyperparameter search cancelled', { cause: progress.signal.reason });
          }
          progress.heartbeat();
        },
      });
      // In search order, resumed trials in place: the last checkpoint equals the result.
      const found = result.trials.map(toTrial);
      progress.onTrial(found);
      // The search fits with few trees and early stopping; the final model gets at least the search's choice.
      const best: TrialResult = { ...bestOf(found), params: encodeParams(result.best) };
      return { target, trials: found, best };
    },

    async trainAndRegister({ target, params }, heartbeat) {
      const d = data[target];
      const opts = {
        target,
        trainFiles: d.files,
        testFiles: d.files,
        trainRange: d.train,
        testRange: d.test,
        params: decodeParams(params),
        onProgress: () => heartbeat(),
      };
      const outcome: BacktestOutcome =
        target === 'intensity' ? await backtestIntensity(opts) : await backtestLoad(opts);
      const { models: _trees, ...direct } = outcome.model;
      const iso = (ms: number): string => new Date(ms).toISOString();
      const nowMs = clock();
      // Registered only: promotion is the workflow's decision (promote below).
      const meta = await registry.register(
        {
          target,
          modelType: 'gbm-direct',
          trainingWindow: { from: iso(outcome.trainWindow.fromMs), to: iso(outcome.trainWindow.toMs) },
          testWindow: { from: iso(d.test.fromMs), to: iso(d.test.toMs) },
          features: direct.featureNames,
          hyperparameters: { ...direct.params, treesPerHorizon: outcome.model.models.map((m) => m.trees.length) },
          dataHash: hashSeries(outcome.trainSeries),
          backtest: { points: outcome.report.points, horizons: outcome.report.horizons },
          direct,
          attribution: ATTRIBUTION[target],
        },
        outcome.onnx,
        nowMs,
      );
      return { target, modelVersion: meta.version };
    },

    async backtest({ target, challengerVersion }) {
      const { meta } = await registry.load(target, challengerVersion);
      const champion = await registry.champion(target);
      const championVersion = champion && champion.version !== challengerVersion ? champion.version : null;
      // Both figures use the registry's score (mean MAE / seasonal-naive MAE), comparable across test windows.
      return {
        target,
        challengerVersion,
        challengerScore: backtestScore(meta.backtest.horizons),
        championVersion,
        championScore: championVersion === null ? null : await score(target, championVersion),
        windows: meta.backtest.points,
      };
    },

    async promote({ target, modelVersion }) {
      const r = await registry.promoteIfBetter(target, modelVersion, clock());
      if (!r.promoted) {
        throw new BadInputError(
          `${target} model ${modelVersion} not promoted: its backtest score ${r.challengerScore.toFixed(4)} does not beat ` +
            `the champion's ${r.championScore?.toFixed(4)}`,
        );
      }
    },
  };
}
