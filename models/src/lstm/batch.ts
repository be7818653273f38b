import type { IntensitySeriesInput, LstmBatchResult, LstmOnnxMeta, LstmPrediction } from './types';
import { LstmInputError, toRegularGrid, windowAtSlot, windowFromHistory, type WindowInput } from './windows';

/** Runs the network on a batch of inputs; the tfjs and ONNX paths differ only here. */
export type BatchRunner<R> = (inputs: WindowInput[]) => R;

/** Window for one origin, or LstmInputError with the reason. */
export function singleInput(history: ArrayLike<number>, originMs: number, meta: LstmOnnxMeta): WindowInput {
  const input = windowFromHistory(history, originMs, meta);
  if (typeof input === 'string') throw new LstmInputError(input);
  return input;
}

/** Windows for many origins of one series; origins must fall on the series' slot boundaries. */
export function batchInputs(
  series: IntensitySeriesInput,
  originsMs: readonly number[],
  meta: LstmOnnxMeta,
): { inputs: WindowInput[]; slots: number[]; skipped: { originMs: number; reason: string }[] } {
  const grid = toRegularGrid(series, meta.stepMin);
  const stepMs = meta.stepMin * 60_000;
  const inputs: WindowInput[] = [];
  const slots: number[] = [];
  const skipped: { originMs: number; reason: string }[] = [];
  originsMs.forEach((originMs, i) => {
    const lastIndex = (originMs - grid.startMs) / stepMs - 1;
    let input: WindowInput | string;
    if (!Number.isInteger(lastIndex))
      input = `origin ${String(originMs)} is not on the series' ${meta.stepMin}-minute grid`;
    else if (lastIndex >= grid.values.length)
      input = `origin ${new Date(originMs).toISOString()} is after the series ends`;
    else input = windowAtSlot(grid, lastIndex, meta);
    if (typeof input === 'string') skipped.push({ originMs, reason: input });
    else {
      inputs.push(input);
      slots.push(i);
    }
  });
  return { inputs, slots, skipped };
}

export function assembleBatch(
  originsCount: number,
  slots: number[],
  predictions: LstmPrediction[],
  skipped: { originMs: number; reason: string }[],
): LstmBatchResult {
  const out: (LstmPrediction | null)[] = new Array<LstmPrediction | null>(originsCount).fill(null);
  slots.forEach((slot, j) => {
    out[slot] = predictions[j] ?? null;
  });
  return { predictions: out, skipped };
}

/** Validates metadata handed back from a registry (e.g. `LstmModel.metadata()` after a JSON round trip). */
export function parseOnnxMeta(meta: unknown): LstmOnnxMeta {
  if (typeof meta !== 'object' || meta === null) throw new LstmInputError('LSTM metadata must be an object');
  const m = meta as Record<string, unknown>;
  const int = (key: string): number => {
    const v = m[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new LstmInputError(`LSTM metadata.${key} must be a non-negative integer, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const windowSteps = int('windowSteps');
  const stepMin = int('stepMin');
  if (stepMin !== 30 && stepMin !== 60)
    throw new LstmInputError(`LSTM metadata.stepMin must be 30 or 60, got ${stepMin}`);
  const maxGapSteps = int('maxGapSteps');
  const hs = m.horizonsSteps;
  if (
    !Array.isArray(hs) ||
    hs.length === 0 ||
    !hs.every((h) => typeof h === 'number' && Number.isInteger(h) && h > 0)
  ) {
    throw new LstmInputError(`LSTM metadata.horizonsSteps must be a non-empty array of positive integers`);
  }
  return { windowSteps, stepMin, maxGapSteps, horizonsSteps: hs as number[] };
}
