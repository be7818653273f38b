import { featuresFor, historyWindow, type ForecastPoint, type RegularSeries } from '@carbonreducer/forecast';
import { backtestIntensity, backtestLoad, type BacktestOptions, type BacktestOutcome } from './backtest';
import { OnnxDirectModel } from './onnx/session';
import { hashSeries, ModelRegistry, type ModelMetadata, type RegistryTarget } from './registry';

const ATTRIBUTION: Record<RegistryTarget, string> = {
  intensity:
    'Carbon intensity data: National Energy System Operator (NESO) Carbon Intensity API, CC BY 4.0; Electricity Maps (attribution required).',
  load: 'Household power data: REFIT and UK-DALE, CC BY 4.0, as prepared by the DeviceScope project (Apache-2.0).',
};

export interface TrainAndRegisterOptions extends BacktestOptions {
  registryRoot?: string;
  /** Wall-clock time of the run (stamps the version); the caller's clock, so this stays testable. */
  nowMs: number;
}

export interface TrainAndRegisterResult {
  meta: ModelMetadata;
  promoted: boolean;
  challengerScore: number;
  championScore: number | null;
  outcome: BacktestOutcome;
}

/**
 * The retrain job: trains on `trainFiles`, backtests on `testFiles` (rolling origin, ONNX-served), stores the ONNX
 * model with its metadata in the registry and promotes it if its backtest score beats the champion's.
 */
export async function trainAndRegister(opts: TrainAndRegisterOptions): Promise<TrainAndRegisterResult> {
  const outcome = opts.target === 'intensity' ? await backtestIntensity(opts) : await backtestLoad(opts);
  return registerOutcome(outcome, opts.registryRoot, opts.nowMs);
}

export async function registerOutcome(
  outcome: BacktestOutcome,
  registryRoot: string | undefined,
  nowMs: number,
): Promise<TrainAndRegisterResult> {
  const registry = new ModelRegistry(registryRoot);
  const { models: _trees, ...direct } = outcome.model;
  const iso = (ms: number): string => new Date(ms).toISOString();
  const testStart = outcome.run.horizons[0]?.records[0]?.originMs ?? NaN;
  const testEnd = Math.max(...outcome.run.horizons.flatMap((h) => h.records.map((r) => r.targetEndMs)));
  const meta = await registry.register(
    {
      target: outcome.report.target,
      modelType: 'gbm-direct',
      trainingWindow: { from: iso(outcome.trainWindow.fromMs), to: iso(outcome.trainWindow.toMs) },
      testWindow: {
        from: Number.isFinite(testStart) ? iso(testStart) : '',
        to: Number.isFinite(testEnd) ? iso(testEnd) : '',
      },
      features: direct.featureNames,
      hyperparameters: { ...direct.params, treesPerHorizon: outcome.model.models.map((m) => m.trees.length) },
      dataHash: hashSeries(outcome.trainSeries),
      backtest: { points: outcome.report.points, horizons: outcome.report.horizons },
      direct,
      attribution: ATTRIBUTION[outcome.report.target],
    },
    outcome.onnx,
    nowMs,
  );
  const p = await registry.promoteIfBetter(meta.target, meta.version, nowMs);
  return { meta, ...p, outcome };
}

export interface LoadedForecaster {
  meta: ModelMetadata;
  /** Unit of the forecasts: gCO2/kWh for intensity, kWh per hour for load. */
  unit: 'gCO2/kWh' | 'kWh';
  /**
   * Forecasts each slot of the next `horizonMs` (default 48 h) from `history` up to `nowMs` (rounded down to the
   * model's step). `history` must be on the model's step (30 min NESO intensity, or hourly kWh for load).
   */
  forecast(history: RegularSeries, nowMs: number, horizonMs?: number): Promise<ForecastPoint[]>;
}

/** Loads the champion model for a target from the registry, served by onnxruntime-node. */
export async function loadChampion(target: RegistryTarget, registryRoot?: string): Promise<LoadedForecaster> {
  const registry = new ModelRegistry(registryRoot);
  const { meta, onnx } = await registry.loadChampion(target);
  if (!meta.direct) throw new Error(`${target} champion ${meta.version} has no direct-model metadata`);
  const session = await OnnxDirectModel.create(onnx, meta.direct);
  const model = meta.direct;
  const lookback = featuresFor(model.kind, model.stepMs).lookbackSteps;
  return {
    meta,
    unit: target === 'intensity' ? 'gCO2/kWh' : 'kWh',
    async forecast(history, nowMs, horizonMs = 48 * 3_600_000) {
      if (history.stepMs !== model.stepMs) {
        throw new RangeError(
          `history has ${history.stepMs / 60_000}-minute slots; the ${target} model needs ${model.stepMs / 60_000}`,
        );
      }
      const originMs = history.startMs + Math.floor((nowMs - history.startMs) / history.stepMs) * history.stepMs;
      return session.forecastAhead(historyWindow(history, originMs, lookback), horizonMs);
    },
  };
}
