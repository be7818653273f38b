import * as ort from 'onnxruntime-node';
import { assembleBatch, batchInputs, parseOnnxMeta, singleInput } from './batch';
import { ONNX_INPUTS, ONNX_OUTPUTS, readOnnxLstmMeta } from './onnx-export';
import type { IntensitySeriesInput, LstmBatchResult, LstmPrediction, OnnxIntensityForecaster } from './types';
import { LstmInputError, TIME_FEATURES_PER_STEP, type WindowInput } from './windows';

const RUN_CHUNK = 4096;

/**
 * The production path: runs an exported LSTM with onnxruntime-node. `meta` is `LstmModel.metadata()` (or any object
 * with windowSteps, stepMin, horizonsSteps, maxGapSteps); without it, the copy stored in the model is used.
 * Gap filling and time features are the same TypeScript code as in training, so both paths see identical inputs.
 */
export async function createOnnxIntensityForecaster(
  onnxBytes: Uint8Array,
  meta?: Record<string, unknown>,
): Promise<OnnxIntensityForecaster> {
  let stored: unknown;
  try {
    stored = readOnnxLstmMeta(onnxBytes);
  } catch (err) {
    throw new LstmInputError('onnxBytes is not a valid ONNX model', { cause: err });
  }
  const m = parseOnnxMeta(meta ?? stored);
  let session: ort.InferenceSession;
  try {
    // One intra-op thread: forecasts are tiny and the machines are shared.
    session = await ort.InferenceSession.create(onnxBytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  } catch (err) {
    throw new LstmInputError('onnxruntime could not load the LSTM model', { cause: err });
  }
  const k = m.horizonsSteps.length;
  const w = m.windowSteps;

  const run = async (inputs: WindowInput[]): Promise<LstmPrediction[]> => {
    const out: LstmPrediction[] = [];
    for (let start = 0; start < inputs.length; start += RUN_CHUNK) {
      const chunk = inputs.slice(start, start + RUN_CHUNK);
      const n = chunk.length;
      const windows = new Float32Array(n * w);
      const feats = new Float32Array(n * w * TIME_FEATURES_PER_STEP);
      chunk.forEach((inp, i) => {
        windows.set(inp.windowGPerKWh, i * w);
        feats.set(inp.timeFeatures, i * w * TIME_FEATURES_PER_STEP);
      });
      const result = await session.run({
        [ONNX_INPUTS.window]: new ort.Tensor('float32', windows, [n, w]),
        [ONNX_INPUTS.timeFeatures]: new ort.Tensor('float32', feats, [n, w, TIME_FEATURES_PER_STEP]),
      });
      const col = (name: string): Float32Array => {
        const t = result[name];
        if (t === undefined) throw new Error(`ONNX LSTM model has no output ${name}`);
        return t.data as Float32Array;
      };
      const mean = col(ONNX_OUTPUTS.mean);
      const lower = col(ONNX_OUTPUTS.lower80);
      const upper = col(ONNX_OUTPUTS.upper80);
      for (let i = 0; i < n; i++) {
        out.push({
          meanGPerKWh: Array.from(mean.subarray(i * k, (i + 1) * k)),
          lower80: Array.from(lower.subarray(i * k, (i + 1) * k)),
          upper80: Array.from(upper.subarray(i * k, (i + 1) * k)),
        });
      }
    }
    return out;
  };

  return {
    horizonsSteps: [...m.horizonsSteps],
    windowSteps: w,
    stepMin: m.stepMin,
    async predict(history: ArrayLike<number>, originMs: number): Promise<LstmPrediction> {
      const [p] = await run([singleInput(history, originMs, m)]);
      return p as LstmPrediction;
    },
    async predictBatch(series: IntensitySeriesInput, originsMs: readonly number[]): Promise<LstmBatchResult> {
      const { inputs, slots, skipped } = batchInputs(series, originsMs, m);
      return assembleBatch(originsMs.length, slots, await run(inputs), skipped);
    },
    async release(): Promise<void> {
      await session.release();
    },
  };
}
