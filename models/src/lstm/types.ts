/** Public shapes of the carbon-intensity LSTM; implementations live in train.ts, forecaster.ts and onnx-runtime.ts. */

export interface LstmOptions {
  /** Input window in slots of the series (default 48). */
  windowSteps?: number;
  /** LSTM hidden units (default 16). */
  units?: number;
  /** Upper bound on epochs (default 30); early stopping usually ends sooner. */
  epochs?: number;
  /** Wall-clock budget for the training loop in seconds (default 120); checked before every batch. */
  maxSeconds?: number;
  /** Adam learning rate (default 0.01). */
  learningRate?: number;
  /** Seeds the weight initialisers and the batch order (default 42). */
  seed?: number;
  /** Slot length of the series: 30 (NESO) or 60 (Electricity Maps). */
  stepMin: 30 | 60;
  /** Batch size (default 32). */
  batchSize?: number;
  /** Epochs without validation improvement before stopping (default 4). */
  patience?: number;
  /** Share of the training origins, taken from the end, used for early stopping and intervals (default 0.2). */
  validationFraction?: number;
  /** Use every n-th origin for training (default 3); tfjs' pure-JS backend is slow, so this buys epochs within maxSeconds. */
  originStride?: number;
  /** Longest run of missing slots filled inside a window (default 4); longer gaps reject the window. */
  maxGapSteps?: number;
  /** Called after each epoch (losses are MSE of the scaled deltas), e.g. to show progress. */
  onEpoch?: (progress: { epoch: number; trainLoss: number; validationLoss: number; seconds: number }) => void;
}

/** A forecast from one origin, one entry per horizon (see `horizonsSteps`). */
export interface LstmPrediction {
  meanGPerKWh: number[];
  /** 10 % quantile: the 80 % prediction interval's lower bound. */
  lower80: number[];
  /** 90 % quantile: the 80 % prediction interval's upper bound. */
  upper80: number[];
}

export interface LstmBatchResult {
  /** Same order as the requested origins; null where the window was rejected (see `skipped`). */
  predictions: (LstmPrediction | null)[];
  skipped: { originMs: number; reason: string }[];
}

export interface IntensitySeriesInput {
  /** Slot starts, ms since epoch, ascending, on the `stepMin` grid (gaps allowed). */
  timeMs: ArrayLike<number>;
  /** Actual gCO2/kWh per slot; NaN for missing. */
  valueGPerKWh: ArrayLike<number>;
}

/** What the ONNX runtime path needs besides the graph; `LstmModel.metadata()` carries all of it. */
export interface LstmOnnxMeta {
  windowSteps: number;
  stepMin: 30 | 60;
  horizonsSteps: number[];
  maxGapSteps: number;
}

export interface LstmModel {
  /** Horizon k forecasts the slot ending `horizonsSteps[k]` steps after the origin. */
  readonly horizonsSteps: number[];
  readonly windowSteps: number;
  readonly stepMin: number;
  /**
   * history: actuals up to and including the origin slot (oldest first; NaN for missing),
   * originMs: start of the last slot + step. Throws LstmInputError when the window cannot be used.
   */
  predict(history: ArrayLike<number>, originMs: number): LstmPrediction;
  /** Forecasts from many origins of one series in a single pass (for backtests). */
  predictBatch(series: IntensitySeriesInput, originsMs: readonly number[]): LstmBatchResult;
  /** The ONNX model: raw gCO2/kWh window + time features in; mean, lower80, upper80 out. */
  toOnnx(): Uint8Array;
  /** Hyperparameters, training window, validation loss and the fields of LstmOnnxMeta. JSON-serialisable. */
  metadata(): Record<string, unknown>;
  /** Frees the tfjs tensors. */
  dispose(): void;
}

export interface OnnxIntensityForecaster {
  readonly horizonsSteps: number[];
  readonly windowSteps: number;
  readonly stepMin: number;
  predict(history: ArrayLike<number>, originMs: number): Promise<LstmPrediction>;
  predictBatch(series: IntensitySeriesInput, originsMs: readonly number[]): Promise<LstmBatchResult>;
  release(): Promise<void>;
}
