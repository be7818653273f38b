import {
  historyWindow,
  nearestHorizon,
  weeklyOnlineCalibration,
  withOnlineCalibration,
  type DirectModelMeta,
  type ForecastPoint,
  type Forecaster,
  type ModelTarget,
  type RegularSeries,
} from '@carbonreducer/forecast';
import { backtestIntensity, backtestLoad, type BacktestOptions, type BacktestOutcome } from './backtest';
import { averageForecaster, lstmForecaster, type ServedIntensityModel } from './intensityModels';
import { createOnnxIntensityForecaster } from './lstm';
import { OnnxDirectModel } from './onnx/session';
import { hashSeries, ModelRegistry, type ModelMetadata, type ModelType, type StoredModel } from './registry';

const ATTRIBUTION: Record<ModelTarget, string> = {
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
  const modelType = modelTypeOf(outcome);
  const lstm = outcome.lstm;
  if (modelType !== 'gbm-direct' && lstm === undefined)
    throw new Error(`registerOutcome: the backtest reports ${outcome.report.model} but carries no trained LSTM`);
  const gbmPart = {
    features: direct.featureNames,
    hyperparameters: { ...direct.params, treesPerHorizon: outcome.model.models.map((m) => m.trees.length) },
  };
  const lstmPart = {
    features: ['intensity window', 'time of day (sin, cos)', 'day of week (sin, cos)'],
    hyperparameters: lstm?.metadata ?? {},
  };
  const described =
    modelType === 'gbm-direct'
      ? { ...gbmPart, direct }
      : modelType === 'lstm'
        ? { ...lstmPart, lstm: lstm?.metadata }
        : {
            features: [...gbmPart.features, ...lstmPart.features.map((f) => `lstm: ${f}`)],
            hyperparameters: { gbm: gbmPart.hyperparameters, lstm: lstmPart.hyperparameters },
            direct,
            lstm: lstm?.metadata,
          };
  const main = modelType === 'lstm' ? (lstm as ServedIntensityModel).onnx : outcome.onnx;
  const extra: Record<string, Uint8Array> =
    modelType === 'ensemble' ? { [LSTM_FILE]: (lstm as ServedIntensityModel).onnx } : {};
  const meta = await registry.register(
    {
      target: outcome.report.target,
      modelType,
      trainingWindow: { from: iso(outcome.trainWindow.fromMs), to: iso(outcome.trainWindow.toMs) },
      testWindow: {
        from: Number.isFinite(testStart) ? iso(testStart) : '',
        to: Number.isFinite(testEnd) ? iso(testEnd) : '',
      },
      ...described,
      dataHash: hashSeries(outcome.trainSeries),
      backtest: { points: outcome.report.points, horizons: outcome.report.horizons },
      attribution: ATTRIBUTION[outcome.report.target],
    },
    main,
    nowMs,
    extra,
  );
  const p = await registry.promoteIfBetter(meta.target, meta.version, nowMs);
  return { meta, ...p, outcome };
}

const LSTM_FILE = 'lstm.onnx';

/** Which model the backtest's figures came from (`report.model` is e.g. `gbm-onnx`, `lstm-onnx`, `ensemble-onnx`). */
function modelTypeOf(outcome: BacktestOutcome): ModelType {
  const m = outcome.report.model.replace(/-onnx$/, '');
  if (m === 'gbm') return 'gbm-direct';
  if (m === 'lstm' || m === 'ensemble') return m;
  throw new Error(`registerOutcome: unknown model ${outcome.report.model}`);
}

/**
 * How much history the served model reads (its feature windows): `lookbackSteps` slots end at the origin for the
 * point forecast; the online band recalibration replays `calibrationSteps` more origins before it.
 */
export interface ServingHistory {
  stepMs: number;
  lookbackSteps: number;
  calibrationSteps: number;
  /** History for the point forecast to equal the backtest's: lookback × step. */
  pointsMs: number;
  /** History for the bands too (lookback plus the calibration replay). */
  bandsMs: number;
}

export interface LoadedForecaster {
  meta: ModelMetadata;
  /** The history the model reads, from its feature windows. */
  history: ServingHistory;
  /** Unit of the forecasts: gCO2/kWh for intensity, kWh per hour for load. */
  unit: 'gCO2/kWh' | 'kWh';
  /**
   * Forecasts each slot of the next `horizonMs` (default 48 h) from `history` up to `nowMs` (rounded down to the
   * model's step). `history` must be on the model's step (30 min NESO intensity, or hourly kWh for load). The 80 %
   * bands are recalibrated online from the model's own residuals, replayed from `history` (only origins after the
   * training window whose full lookback lies in `history`): the window is the longer of a week and ten horizons, so
   * a 48 h forecast wants lookback 8 d + 20 d + 2 d = 30 days of history for the full effect; with less, fewer
   * residuals are used, and with none the stored split-conformal band is served.
   */
  forecast(history: RegularSeries, nowMs: number, horizonMs?: number): Promise<ForecastPoint[]>;
}

/** The forecaster a stored model serves through, by model type (all ONNX, run by onnxruntime-node). */
export async function servedForecaster(stored: StoredModel): Promise<{ forecaster: Forecaster; stepMs: number }> {
  const { meta } = stored;
  const gbm = async (): Promise<Forecaster> => {
    if (!meta.direct)
      throw new Error(`${meta.target} model ${meta.version} (${meta.modelType}) has no direct-model metadata`);
    return (await OnnxDirectModel.create(stored.onnx, meta.direct)).asForecaster('gbm');
  };
  const lstm = async (bytes: Uint8Array | undefined): Promise<Forecaster> => {
    if (!meta.lstm || bytes === undefined)
      throw new Error(`${meta.target} model ${meta.version} (${meta.modelType}) has no LSTM metadata or file`);
    return lstmForecaster(await createOnnxIntensityForecaster(bytes, meta.lstm), 'lstm');
  };
  switch (meta.modelType) {
    case 'gbm-direct':
      return { forecaster: await gbm(), stepMs: (meta.direct as DirectModelMeta).stepMs };
    case 'lstm':
      return { forecaster: await lstm(stored.onnx), stepMs: lstmStepMs(meta) };
    case 'ensemble':
      return {
        forecaster: averageForecaster(await gbm(), await lstm(stored.extra[LSTM_FILE]), 'ensemble'),
        stepMs: (meta.direct as DirectModelMeta).stepMs,
      };
    default:
      throw new Error(
        `${meta.target} model ${meta.version} has an unknown model type ${JSON.stringify(meta.modelType)}`,
      );
  }
}

/** The lead times (slots ahead) the served model was trained for. */
function trainedLeads(meta: ModelMetadata): number[] {
  const hs = meta.modelType === 'lstm' ? meta.lstm?.horizonsSteps : meta.direct?.stepsAhead;
  if (!Array.isArray(hs) || hs.length === 0 || !hs.every((h) => typeof h === 'number' && h >= 1))
    throw new Error(`${meta.target} model ${meta.version} records no trained horizons`);
  return hs as number[];
}

function lstmStepMs(meta: ModelMetadata): number {
  const stepMin = meta.lstm?.stepMin;
  if (typeof stepMin !== 'number')
    throw new Error(`${meta.target} model ${meta.version}: LSTM metadata has no stepMin`);
  return stepMin * 60_000;
}

/**
 * Serves a stored model of any type: at `now`, replays the model's forecasts over the past week (plus the horizon)
 * from `history` to recalibrate its 80 % bands online, exactly as the backtest does at every origin, then forecasts
 * every slot of the horizon.
 */
export async function serveModel(stored: StoredModel): Promise<LoadedForecaster> {
  const { meta } = stored;
  const { forecaster, stepMs } = await servedForecaster(stored);
  const online = weeklyOnlineCalibration(stepMs);
  // Bands are tracked for the trained lead times only; every other slot borrows its nearest one's.
  const keys = trainedLeads(meta);
  const calibrated = withOnlineCalibration(forecaster, { ...online, leadKey: (k) => nearestHorizon(keys, k) });
  const maxKey = Math.max(...keys);
  const trainedUntilMs = Date.parse(meta.trainingWindow.to);
  const lookbackSteps = forecaster.lookbackSteps;
  const calibrationSteps = Math.max(online.windowSize, (online.minLeadsPerWindow ?? 0) * maxKey) + maxKey;
  return {
    meta,
    history: {
      stepMs,
      lookbackSteps,
      calibrationSteps,
      pointsMs: lookbackSteps * stepMs,
      bandsMs: (lookbackSteps + calibrationSteps) * stepMs,
    },
    unit: meta.target === 'intensity' ? 'gCO2/kWh' : 'kWh',
    async forecast(history, nowMs, horizonMs = 48 * 3_600_000) {
      if (history.stepMs !== stepMs) {
        throw new RangeError(
          `history has ${history.stepMs / 60_000}-minute slots; the ${meta.target} model needs ${stepMs / 60_000}`,
        );
      }
      const n = Math.floor(horizonMs / stepMs);
      if (n < 1)
        throw new RangeError(`horizonMs must cover at least one ${stepMs / 60_000}-minute slot, got ${horizonMs}`);
      const originMs = history.startMs + Math.floor((nowMs - history.startMs) / stepMs) * stepMs;
      const lookback = forecaster.lookbackSteps;
      // Past origins whose residuals can be known by now: out of sample (after training), with a full lookback.
      let firstMs = Math.max(
        originMs - (Math.max(online.windowSize, (online.minLeadsPerWindow ?? 0) * maxKey) + maxKey) * stepMs,
        history.startMs + lookback * stepMs,
        Number.isFinite(trainedUntilMs) ? trainedUntilMs : -Infinity,
      );
      firstMs = history.startMs + Math.ceil((firstMs - history.startMs) / stepMs) * stepMs;
      const origins: number[] = [];
      for (let o = firstMs; o < originMs; o += stepMs) origins.push(o);
      origins.push(originMs);
      const steps = Array.from({ length: n }, (_, i) => i + 1);
      const windows = origins.map((o) => historyWindow(history, o, lookback));
      const replaySteps = keys.filter((k) => k <= n);
      const out = await calibrated.forecast(
        windows,
        windows.map((_, i) => (i === windows.length - 1 ? steps : replaySteps)),
      );
      const last = out[out.length - 1] ?? [];
      return last.map((f, i) => ({ ...f, fromMs: originMs + i * stepMs, toMs: originMs + (i + 1) * stepMs }));
    },
  };
}

/** Loads the champion model for a target from the registry (any model type), served by onnxruntime-node. */
export async function loadChampion(target: ModelTarget, registryRoot?: string): Promise<LoadedForecaster> {
  return serveModel(await new ModelRegistry(registryRoot).loadChampion(target));
}
