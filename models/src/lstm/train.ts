import { mulberry32 as seededRandom } from '@carbonreducer/common';
import * as tf from '@tensorflow/tfjs';
import { assembleBatch, batchInputs, singleInput } from './batch';
import { exportLstmOnnx, ONNX_INPUTS, ONNX_OUTPUTS } from './onnx-export';
import { decodeOutputs, networkInput, quantile, type LstmParams } from './params';
import type {
  IntensitySeriesInput,
  LstmBatchResult,
  LstmModel,
  LstmOnnxMeta,
  LstmOptions,
  LstmPrediction,
} from './types';
import {
  FEATURES_PER_STEP,
  horizonsForStep,
  LstmInputError,
  originAfterSlot,
  targetsAtSlot,
  toRegularGrid,
  windowAtSlot,
  type WindowInput,
} from './windows';

const PREDICT_CHUNK = 1024;

interface ResolvedOptions {
  windowSteps: number;
  units: number;
  epochs: number;
  maxSeconds: number;
  learningRate: number;
  seed: number;
  stepMin: 30 | 60;
  batchSize: number;
  patience: number;
  validationFraction: number;
  originStride: number;
  maxGapSteps: number;
}

function resolveOptions(o: LstmOptions): ResolvedOptions {
  const intIn = (name: string, v: number | undefined, def: number, min: number, max: number): number => {
    const x = v ?? def;
    if (!Number.isInteger(x) || x < min || x > max) {
      throw new LstmInputError(`LstmOptions.${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
    }
    return x;
  };
  const numIn = (name: string, v: number | undefined, def: number, min: number, max: number): number => {
    const x = v ?? def;
    if (!Number.isFinite(x) || x <= min || x > max) {
      throw new LstmInputError(`LstmOptions.${name} must be a number in (${min}, ${max}], got ${String(v)}`);
    }
    return x;
  };
  if (o.stepMin !== 30 && o.stepMin !== 60) {
    throw new LstmInputError(`LstmOptions.stepMin must be 30 or 60, got ${String(o.stepMin)}`);
  }
  return {
    stepMin: o.stepMin,
    windowSteps: intIn('windowSteps', o.windowSteps, 48, 2, 2016),
    units: intIn('units', o.units, 16, 1, 512),
    epochs: intIn('epochs', o.epochs, 30, 1, 10_000),
    maxSeconds: numIn('maxSeconds', o.maxSeconds, 120, 0, 86_400),
    learningRate: numIn('learningRate', o.learningRate, 0.01, 0, 1),
    seed: intIn('seed', o.seed, 42, 0, 2 ** 31 - 1),
    batchSize: intIn('batchSize', o.batchSize, 32, 1, 65_536),
    patience: intIn('patience', o.patience, 4, 1, 10_000),
    validationFraction: numIn('validationFraction', o.validationFraction, 0.2, 0, 0.9),
    originStride: intIn('originStride', o.originStride, 3, 1, 10_000),
    maxGapSteps: intIn('maxGapSteps', o.maxGapSteps, 4, 0, 10_000),
  };
}

/** The pure-JS CPU backend, chosen on purpose (tfjs-node would download a binary); its "install tfjs-node" notice is muted. */
async function useCpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
  (tf.backend() as { firstUse?: boolean }).firstUse = false;
}

function buildNetwork(o: ResolvedOptions, horizons: number): tf.Sequential {
  const model = tf.sequential();
  model.add(
    tf.layers.lstm({
      units: o.units,
      inputShape: [o.windowSteps, FEATURES_PER_STEP],
      // ONNX's LSTM uses the logistic sigmoid; tfjs defaults to hardSigmoid.
      recurrentActivation: 'sigmoid',
      activation: 'tanh',
      kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed }),
      recurrentInitializer: tf.initializers.orthogonal({ seed: o.seed + 1, gain: 1 }),
      biasInitializer: 'zeros',
      unitForgetBias: true,
    }),
  );
  model.add(
    tf.layers.dense({
      units: horizons,
      // Zero head: the untrained model is persistence (targets are deltas from the last value), so a short,
      // time-bounded training run can only move away from persistence where validation says it helps.
      kernelInitializer: 'zeros',
      biasInitializer: 'zeros',
    }),
  );
  model.compile({ optimizer: tf.train.adam(o.learningRate), loss: 'meanSquaredError' });
  return model;
}

/** Runs the network in chunks; returns the raw outputs [n, horizons]. */
function runNetwork(
  model: tf.LayersModel,
  x: Float32Array,
  n: number,
  windowSteps: number,
  horizons: number,
): Float32Array {
  const out = new Float32Array(n * horizons);
  for (let start = 0; start < n; start += PREDICT_CHUNK) {
    const m = Math.min(PREDICT_CHUNK, n - start);
    const chunk = x.subarray(start * windowSteps * FEATURES_PER_STEP, (start + m) * windowSteps * FEATURES_PER_STEP);
    const data = tf.tidy(() => {
      const y = model.predict(tf.tensor3d(chunk, [m, windowSteps, FEATURES_PER_STEP])) as tf.Tensor;
      return y.dataSync() as Float32Array;
    });
    out.set(data, start * horizons);
  }
  return out;
}

function mse(pred: Float32Array, target: Float32Array): number {
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += ((pred[i] as number) - (target[i] as number)) ** 2;
  return s / pred.length;
}

/**
 * Trains the carbon-intensity LSTM on one series (actuals only). Origins are every slot whose window can be filled
 * (gaps ≤ maxGapSteps) and whose horizon targets are all observed. The last `validationFraction` of origins (in
 * time) is held out for early stopping and the interval quantiles; training origins whose targets reach into the
 * validation targets are dropped, so no validation actual is ever a training target.
 */
export async function trainIntensityLstm(series: IntensitySeriesInput, options: LstmOptions): Promise<LstmModel> {
  const o = resolveOptions(options);
  await useCpuBackend();
  const { horizonsSteps, horizonsMin, unavailableMin } = horizonsForStep(o.stepMin);
  const k = horizonsSteps.length;
  const maxH = Math.max(...horizonsSteps);
  const grid = toRegularGrid(series, o.stepMin);
  const spec = { windowSteps: o.windowSteps, stepMin: o.stepMin, maxGapSteps: o.maxGapSteps };

  const origins: number[] = [];
  const inputs: WindowInput[] = [];
  const targets: Float64Array[] = [];
  let rejectedWindows = 0;
  for (let last = o.windowSteps - 1; last + maxH < grid.values.length; last++) {
    const y = targetsAtSlot(grid, last, horizonsSteps);
    if (y === null) continue;
    const input = windowAtSlot(grid, last, spec);
    if (typeof input === 'string') {
      rejectedWindows++;
      continue;
    }
    origins.push(last);
    inputs.push(input);
    targets.push(y);
  }
  const nVal = Math.floor(origins.length * o.validationFraction);
  if (origins.length - nVal < 2 * o.batchSize && origins.length - nVal < 64) {
    throw new LstmInputError(
      `too little data: ${origins.length} usable origins (window ${o.windowSteps} + horizon ${maxH} slots, gaps ≤ ${o.maxGapSteps}); need at least 64 for training after the validation split`,
    );
  }
  if (nVal < 16) throw new LstmInputError(`too little data: only ${nVal} validation origins; need at least 16`);
  const valStart = origins.length - nVal;
  const firstValSlot = origins[valStart] as number;
  const trainIdx: number[] = [];
  for (let i = 0; i < valStart; i++) {
    if ((origins[i] as number) + maxH <= firstValSlot && i % o.originStride === 0) trainIdx.push(i);
  }
  const valIdx = Array.from({ length: nVal }, (_, j) => valStart + j);

  // Normalisation from the values the training origins can see (window and targets), never from validation.
  const lastTrainSlot = (origins[trainIdx[trainIdx.length - 1] ?? 0] as number) + maxH;
  let sum = 0;
  let sumSq = 0;
  let count = 0;
  for (let i = 0; i <= lastTrainSlot; i++) {
    const v = grid.values[i] as number;
    if (!Number.isFinite(v)) continue;
    sum += v;
    sumSq += v * v;
    count++;
  }
  const meanGPerKWh = sum / count;
  const stdGPerKWh = Math.max(Math.sqrt(Math.max(sumSq / count - meanGPerKWh ** 2, 0)), 1e-3);
  const deltaScaleGPerKWh = horizonsSteps.map((_, h) => {
    let s = 0;
    for (const i of trainIdx) {
      const d = (targets[i]?.[h] as number) - ((inputs[i] as WindowInput).windowGPerKWh[o.windowSteps - 1] as number);
      s += d * d;
    }
    return Math.max(Math.sqrt(s / trainIdx.length), 1e-3);
  });

  const norm = { windowSteps: o.windowSteps, meanGPerKWh, stdGPerKWh };
  const encodeTargets = (idx: number[]): Float32Array => {
    const out = new Float32Array(idx.length * k);
    idx.forEach((i, n) => {
      const last = (inputs[i] as WindowInput).windowGPerKWh[o.windowSteps - 1] as number;
      for (let h = 0; h < k; h++)
        out[n * k + h] = ((targets[i]?.[h] as number) - last) / (deltaScaleGPerKWh[h] as number);
    });
    return out;
  };
  const xTrain = networkInput(
    trainIdx.map((i) => inputs[i] as WindowInput),
    norm,
  );
  const yTrain = encodeTargets(trainIdx);
  const xVal = networkInput(
    valIdx.map((i) => inputs[i] as WindowInput),
    norm,
  );
  // Early stopping scores at most ~512 evenly spaced validation origins per epoch (a forward pass on the shared CPU
  // is not free); the interval quantiles below use all of them.
  const stopEvery = Math.max(1, Math.ceil(valIdx.length / 512));
  const stopIdx = valIdx.filter((_, j) => j % stopEvery === 0);
  const xStop = networkInput(
    stopIdx.map((i) => inputs[i] as WindowInput),
    norm,
  );
  const yStop = encodeTargets(stopIdx);

  const model = buildNetwork(o, k);
  const rand = seededRandom(o.seed);
  const stride = o.windowSteps * FEATURES_PER_STEP;
  const startedMs = performance.now();
  const elapsedS = (): number => (performance.now() - startedMs) / 1000;
  let best = { loss: Infinity, epoch: 0, weights: model.getWeights().map((w) => w.clone()) };
  let stoppedBy: 'early-stopping' | 'max-epochs' | 'max-seconds' = 'max-epochs';
  const lossHistory: { epoch: number; trainLoss: number; validationLoss: number; seconds: number }[] = [];
  let epochsRun = 0;
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const order = trainIdx.map((_, n) => n);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    let lossSum = 0;
    let batches = 0;
    let outOfTime = false;
    for (let b = 0; b < order.length; b += o.batchSize) {
      if (elapsedS() > o.maxSeconds) {
        outOfTime = true;
        break;
      }
      const rows = order.slice(b, b + o.batchSize);
      const xb = new Float32Array(rows.length * stride);
      const yb = new Float32Array(rows.length * k);
      rows.forEach((r, n) => {
        xb.set(xTrain.subarray(r * stride, (r + 1) * stride), n * stride);
        yb.set(yTrain.subarray(r * k, (r + 1) * k), n * k);
      });
      const xt = tf.tensor3d(xb, [rows.length, o.windowSteps, FEATURES_PER_STEP]);
      const yt = tf.tensor2d(yb, [rows.length, k]);
      try {
        const loss = await model.trainOnBatch(xt, yt);
        lossSum += typeof loss === 'number' ? loss : (loss[0] ?? NaN);
        batches++;
      } finally {
        xt.dispose();
        yt.dispose();
      }
    }
    if (batches > 0) {
      epochsRun = epoch;
      const valLoss = mse(runNetwork(model, xStop, stopIdx.length, o.windowSteps, k), yStop);
      const progress = { epoch, trainLoss: lossSum / batches, validationLoss: valLoss, seconds: elapsedS() };
      lossHistory.push(progress);
      options.onEpoch?.(progress);
      if (valLoss < best.loss) {
        best.weights.forEach((w) => w.dispose());
        best = { loss: valLoss, epoch, weights: model.getWeights().map((w) => w.clone()) };
      }
    }
    if (outOfTime) {
      stoppedBy = 'max-seconds';
      break;
    }
    if (epoch - best.epoch >= o.patience) {
      stoppedBy = 'early-stopping';
      break;
    }
  }
  if (best.epoch === 0) {
    model.dispose();
    best.weights.forEach((w) => w.dispose());
    throw new LstmInputError(`maxSeconds ${o.maxSeconds} ended training before the first batch finished`);
  }
  model.setWeights(best.weights);
  best.weights.forEach((w) => w.dispose());

  const lstmWeights = (model.layers[0] as tf.layers.Layer).getWeights();
  const denseWeights = (model.layers[1] as tf.layers.Layer).getWeights();
  const data = (t: tf.Tensor | undefined): Float32Array => new Float32Array(t?.dataSync() ?? []);
  const params: LstmParams = {
    windowSteps: o.windowSteps,
    stepMin: o.stepMin,
    units: o.units,
    horizonsSteps,
    maxGapSteps: o.maxGapSteps,
    meanGPerKWh,
    stdGPerKWh,
    deltaScaleGPerKWh,
    residualQ10GPerKWh: [],
    residualQ90GPerKWh: [],
    lstmKernel: data(lstmWeights[0]),
    lstmRecurrentKernel: data(lstmWeights[1]),
    lstmBias: data(lstmWeights[2]),
    denseKernel: data(denseWeights[0]),
    denseBias: data(denseWeights[1]),
  };

  // Interval widths: per-horizon quantiles of the best model's validation residuals (actual − forecast).
  const valInputs = valIdx.map((i) => inputs[i] as WindowInput);
  const valRaw = runNetwork(model, xVal, valIdx.length, o.windowSteps, k);
  const zeroQ = horizonsSteps.map(() => 0);
  const valForecasts = decodeOutputs(valRaw, valInputs, {
    ...params,
    residualQ10GPerKWh: zeroQ,
    residualQ90GPerKWh: zeroQ,
  });
  const residuals = horizonsSteps.map((_, h) =>
    valIdx.map((i, n) => (targets[i]?.[h] as number) - (valForecasts[n]?.meanGPerKWh[h] as number)),
  );
  params.residualQ10GPerKWh = residuals.map((r) => quantile(r, 0.1));
  params.residualQ90GPerKWh = residuals.map((r) => quantile(r, 0.9));
  const validationMaeGPerKWh = residuals.map((r) => r.reduce((s, x) => s + Math.abs(x), 0) / r.length);

  const iso = (slot: number): string => new Date(originAfterSlot(grid, slot)).toISOString();
  const meta = {
    kind: 'carbon-intensity-lstm',
    formatVersion: 1,
    windowSteps: o.windowSteps,
    stepMin: o.stepMin,
    horizonsSteps,
    horizonsMin,
    unavailableHorizonsMin: unavailableMin,
    maxGapSteps: o.maxGapSteps,
    units: o.units,
    epochsMax: o.epochs,
    maxSeconds: o.maxSeconds,
    learningRate: o.learningRate,
    seed: o.seed,
    batchSize: o.batchSize,
    patience: o.patience,
    validationFraction: o.validationFraction,
    originStride: o.originStride,
    normalisation: { meanGPerKWh, stdGPerKWh },
    deltaScaleGPerKWh,
    residualQ10GPerKWh: params.residualQ10GPerKWh,
    residualQ90GPerKWh: params.residualQ90GPerKWh,
    trainingWindow: {
      seriesFrom: new Date(grid.startMs).toISOString(),
      firstTrainOrigin: iso(origins[trainIdx[0] ?? 0] as number),
      lastTrainOrigin: iso(origins[trainIdx[trainIdx.length - 1] ?? 0] as number),
      firstValidationOrigin: iso(firstValSlot),
      lastValidationOrigin: iso(origins[origins.length - 1] as number),
      trainOrigins: trainIdx.length,
      validationOrigins: valIdx.length,
      rejectedWindows,
    },
    epochsRun,
    bestEpoch: best.epoch,
    stoppedBy,
    trainingSeconds: elapsedS(),
    /** MSE of the scaled deltas on the early-stopping subset of validation origins, best epoch. */
    validationLoss: best.loss,
    validationMaeGPerKWh,
    lossHistory,
    onnx: { inputs: ONNX_INPUTS, outputs: ONNX_OUTPUTS },
  };
  return new TfjsLstmModel(model, params, meta);
}

class TfjsLstmModel implements LstmModel {
  readonly horizonsSteps: number[];
  readonly windowSteps: number;
  readonly stepMin: number;
  private readonly meta: LstmOnnxMeta;

  constructor(
    private readonly model: tf.Sequential,
    private readonly params: LstmParams,
    private readonly info: Record<string, unknown>,
  ) {
    this.horizonsSteps = [...params.horizonsSteps];
    this.windowSteps = params.windowSteps;
    this.stepMin = params.stepMin;
    this.meta = {
      windowSteps: params.windowSteps,
      stepMin: params.stepMin,
      horizonsSteps: params.horizonsSteps,
      maxGapSteps: params.maxGapSteps,
    };
  }

  private run(inputs: WindowInput[]): LstmPrediction[] {
    if (inputs.length === 0) return [];
    const x = networkInput(inputs, this.params);
    const raw = runNetwork(this.model, x, inputs.length, this.windowSteps, this.horizonsSteps.length);
    return decodeOutputs(raw, inputs, this.params);
  }

  predict(history: ArrayLike<number>, originMs: number): LstmPrediction {
    return this.run([singleInput(history, originMs, this.meta)])[0] as LstmPrediction;
  }

  predictBatch(series: IntensitySeriesInput, originsMs: readonly number[]): LstmBatchResult {
    const { inputs, slots, skipped } = batchInputs(series, originsMs, this.meta);
    return assembleBatch(originsMs.length, slots, this.run(inputs), skipped);
  }

  toOnnx(): Uint8Array {
    return exportLstmOnnx(this.params);
  }

  metadata(): Record<string, unknown> {
    return structuredClone(this.info);
  }

  dispose(): void {
    this.model.dispose();
  }
}
