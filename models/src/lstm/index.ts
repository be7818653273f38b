/**
 * Carbon-intensity LSTM: trained with tfjs (pure JS CPU backend), exported to ONNX, run with onnxruntime-node.
 * Missing values: gaps of up to `maxGapSteps` slots inside an input window are filled (linearly between observed
 * neighbours, or by holding the nearest observed value at the window's ends); a window with a longer gap is
 * rejected (LstmInputError from `predict`, a `skipped` entry from `predictBatch`, left out of training).
 */
export type {
  IntensitySeriesInput,
  LstmBatchResult,
  LstmModel,
  LstmOnnxMeta,
  LstmOptions,
  LstmPrediction,
  OnnxIntensityForecaster,
} from './types';
export { trainIntensityLstm } from './train';
export { createOnnxIntensityForecaster } from './onnx-runtime';
export { ONNX_INPUTS, ONNX_OUTPUTS } from './onnx-export';
export { horizonsForStep, LstmInputError, REQUESTED_HORIZONS_MIN, windowFromHistory } from './windows';
export { actualsSeries } from './series';
