import type { FeatureSet } from './features';
import {
  DEFAULT_GBM_PARAMS,
  averageGbmModels,
  predictRow,
  trainGbm,
  type GbmModel,
  type GbmParams,
  type Matrix,
} from './gbm';
import { applyBand, calibrateBand, type ResidualBand } from './intervals';
import { historyWindow, valueEndingAt, type HistoryWindow, type RegularSeries } from './series';

/** A forecast for one future slot: point value and the 80 % (or configured) interval. */
export interface IntervalForecast {
  point: number;
  lower: number;
  upper: number;
}

/** Everything about a direct model except its trees (which live in the ONNX file when served). */
export type DirectModelMeta = Omit<DirectModel, 'models'>;

/** A trained direct multi-horizon model: one tree ensemble per horizon (in slots ahead). */
export interface DirectModel {
  kind: FeatureSet['kind'];
  stepMs: number;
  stepsAhead: number[];
  featureNames: string[];
  models: GbmModel[];
  bands: ResidualBand[];
  params: GbmParams;
  /** Mean absolute error per horizon on the held-out tail of the training data. */
  validationMae: number[];
  /** Refits (seeds `params.seed`, +1, …) averaged into each horizon's ensemble; absent in older models = 1. */
  seeds?: number;
}

export interface TrainingSet {
  x: Matrix;
  /** Target relative to the window's reference. */
  y: Float64Array;
  reference: Float64Array;
  scale: Float64Array;
  originMs: Float64Array;
}

/**
 * Builds the training rows for one horizon: every origin in the series (every `originStride` slots) whose target is
 * known. Windows come from `historyWindow`, the same slicing the backtest uses.
 */
export function buildTrainingSet(
  series: RegularSeries,
  features: FeatureSet,
  stepsAhead: number,
  originStride = 1,
): TrainingSet {
  const { stepMs } = series;
  const f = features.names.length;
  const rows: number[] = [];
  const ys: number[] = [];
  const refs: number[] = [];
  const scales: number[] = [];
  const origins: number[] = [];
  const buf = new Float64Array(f);
  const minStart = Math.min(features.lookbackSteps, 7 * Math.round(86_400_000 / stepMs));
  for (let i = minStart; i + stepsAhead <= series.values.length; i += originStride) {
    const originMs = series.startMs + i * stepMs;
    const actual = valueEndingAt(series, originMs + stepsAhead * stepMs);
    if (Number.isNaN(actual)) continue;
    const w = historyWindow(series, originMs, features.lookbackSteps);
    if (!features.build(w, stepsAhead, buf)) continue;
    const ref = features.reference(w);
    for (let j = 0; j < f; j++) rows.push(buf[j] as number);
    ys.push(actual - ref);
    refs.push(ref);
    scales.push(features.scale(w, stepsAhead));
    origins.push(originMs);
  }
  return {
    x: { rows: ys.length, cols: f, data: Float64Array.from(rows) },
    y: Float64Array.from(ys),
    reference: Float64Array.from(refs),
    scale: Float64Array.from(scales),
    originMs: Float64Array.from(origins),
  };
}

export function sliceRows(set: TrainingSet, from: number, to: number): TrainingSet {
  const c = set.x.cols;
  return {
    x: { rows: to - from, cols: c, data: set.x.data.slice(from * c, to * c) },
    y: set.y.slice(from, to),
    reference: set.reference.slice(from, to),
    scale: set.scale.slice(from, to),
    originMs: set.originMs.slice(from, to),
  };
}

export interface DirectTrainOptions {
  stepsAhead: number[];
  params: Partial<GbmParams>;
  /** Share of the (time-ordered) training rows held out for early stopping and interval calibration. */
  holdoutShare?: number;
  coverage?: number;
  originStride?: number;
  /**
   * Final refits with consecutive seeds (different row/column subsamples), averaged into one ensemble per horizon:
   * cuts the variance of a subsampled GBM for `seeds`× the refit time (default 1).
   */
  seeds?: number;
  /** Called after each horizon, for progress display. */
  onHorizon?: (done: number, total: number) => void;
}

/**
 * Trains one model per horizon: fit on the first (1 − holdout) of the rows with early stopping on the held-out
 * tail, calibrate the interval on that tail's residuals, then refit on all rows with the number of trees found.
 */
export function trainDirectModel(
  series: RegularSeries,
  features: FeatureSet,
  options: DirectTrainOptions,
): DirectModel {
  const holdout = options.holdoutShare ?? 0.2;
  const seeds = options.seeds ?? 1;
  if (!(Number.isInteger(seeds) && seeds >= 1))
    throw new RangeError(`trainDirectModel: seeds must be a positive integer, got ${seeds}`);
  const models: GbmModel[] = [];
  const bands: ResidualBand[] = [];
  const validationMae: number[] = [];
  options.stepsAhead.forEach((k, hi) => {
    const set = buildTrainingSet(series, features, k, options.originStride ?? 1);
    if (set.y.length < 50) {
      throw new RangeError(
        `trainDirectModel: only ${set.y.length} training rows for ${k} steps ahead; give more training data`,
      );
    }
    const cut = Math.floor(set.y.length * (1 - holdout));
    const fit = sliceRows(set, 0, cut);
    const val = sliceRows(set, cut, set.y.length);
    const first = trainGbm(fit.x, fit.y, options.params, { x: val.x, y: val.y });
    const residuals = new Float64Array(val.y.length);
    let absSum = 0;
    for (let i = 0; i < val.y.length; i++) {
      residuals[i] = (val.y[i] as number) - predictRow(first, val.x.data, i * val.x.cols);
      absSum += Math.abs(residuals[i] as number);
    }
    validationMae.push(absSum / Math.max(1, val.y.length));
    bands.push(calibrateBand(residuals, val.scale, options.coverage ?? 0.8));
    const seed = options.params.seed ?? DEFAULT_GBM_PARAMS.seed;
    const refits = Array.from({ length: seeds }, (_, s) =>
      trainGbm(set.x, set.y, {
        ...options.params,
        seed: seed + s,
        numTrees: first.trees.length,
        earlyStoppingRounds: 0,
      }),
    );
    models.push(seeds === 1 ? (refits[0] as GbmModel) : averageGbmModels(refits));
    options.onHorizon?.(hi + 1, options.stepsAhead.length);
  });
  return {
    kind: features.kind,
    stepMs: series.stepMs,
    stepsAhead: [...options.stepsAhead],
    featureNames: [...features.names],
    models,
    bands,
    params: { ...DEFAULT_GBM_PARAMS, ...options.params },
    validationMae,
    ...(seeds > 1 ? { seeds } : {}),
  };
}

/**
 * Turns model outputs (target relative to the reference) into forecasts with intervals. Shared by the TypeScript
 * predictor below and the ONNX runtime at the edge, so both apply the same post-processing.
 */
export function finishForecast(
  model: Pick<DirectModel, 'bands' | 'stepsAhead'>,
  horizonIndex: number,
  raw: number,
  window: HistoryWindow,
  features: FeatureSet,
): IntervalForecast {
  const band = model.bands[horizonIndex];
  if (band === undefined) throw new RangeError(`finishForecast: no horizon ${horizonIndex}`);
  const point = features.reference(window) + raw;
  const { lower, upper } = applyBand(point, features.scale(window, model.stepsAhead[horizonIndex] as number), band);
  return { point, lower, upper };
}

/** Forecasts the slots `stepsAhead` (each must be one the model was trained for) after the window end. */
export function forecastDirect(
  model: DirectModel,
  features: FeatureSet,
  window: HistoryWindow,
  stepsAhead: readonly number[],
): IntervalForecast[] {
  const buf = new Float64Array(features.names.length);
  return stepsAhead.map((k) => {
    const hi = model.stepsAhead.indexOf(k);
    if (hi < 0)
      throw new RangeError(`forecastDirect: model has no horizon of ${k} steps (has ${model.stepsAhead.join(', ')})`);
    if (!features.build(window, k, buf)) return { point: NaN, lower: NaN, upper: NaN };
    const raw = predictRow(model.models[hi] as GbmModel, buf);
    return finishForecast(model, hi, raw, window, features);
  });
}
