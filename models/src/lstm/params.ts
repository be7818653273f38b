import { FEATURES_PER_STEP, TIME_FEATURES_PER_STEP, type WindowInput } from './windows';

/**
 * Everything a trained model is, as plain arrays. Layouts follow tfjs: LSTM kernel [features, 4·units] and
 * recurrent kernel [units, 4·units] with gate blocks i, f, c, o; dense kernel [units, horizons].
 */
export interface LstmParams {
  windowSteps: number;
  stepMin: 30 | 60;
  units: number;
  horizonsSteps: number[];
  maxGapSteps: number;
  /** Input normalisation, gCO2/kWh. */
  meanGPerKWh: number;
  stdGPerKWh: number;
  /** Per horizon: the network predicts (actual − last window value) / deltaScale. */
  deltaScaleGPerKWh: number[];
  /** Per horizon: 10 % and 90 % quantiles of validation residuals (actual − mean forecast), gCO2/kWh. */
  residualQ10GPerKWh: number[];
  residualQ90GPerKWh: number[];
  lstmKernel: Float32Array;
  lstmRecurrentKernel: Float32Array;
  lstmBias: Float32Array;
  denseKernel: Float32Array;
  denseBias: Float32Array;
}

/** Network input [n, windowSteps, 5] from raw windows: normalised intensity then the four time features. */
export function networkInput(
  inputs: readonly WindowInput[],
  p: Pick<LstmParams, 'windowSteps' | 'meanGPerKWh' | 'stdGPerKWh'>,
): Float32Array {
  const w = p.windowSteps;
  const out = new Float32Array(inputs.length * w * FEATURES_PER_STEP);
  inputs.forEach((inp, n) => {
    for (let s = 0; s < w; s++) {
      const o = (n * w + s) * FEATURES_PER_STEP;
      out[o] = ((inp.windowGPerKWh[s] as number) - p.meanGPerKWh) / p.stdGPerKWh;
      for (let f = 0; f < TIME_FEATURES_PER_STEP; f++) {
        out[o + 1 + f] = inp.timeFeatures[s * TIME_FEATURES_PER_STEP + f] as number;
      }
    }
  });
  return out;
}

/** Turns network outputs [n, horizons] (scaled deltas) into forecasts with intervals. */
export function decodeOutputs(
  raw: ArrayLike<number>,
  inputs: readonly WindowInput[],
  p: Pick<LstmParams, 'windowSteps' | 'deltaScaleGPerKWh' | 'residualQ10GPerKWh' | 'residualQ90GPerKWh'>,
): { meanGPerKWh: number[]; lower80: number[]; upper80: number[] }[] {
  const k = p.deltaScaleGPerKWh.length;
  return inputs.map((inp, n) => {
    const last = inp.windowGPerKWh[p.windowSteps - 1] as number;
    const meanGPerKWh: number[] = [];
    const lower80: number[] = [];
    const upper80: number[] = [];
    for (let h = 0; h < k; h++) {
      const mean = last + (raw[n * k + h] as number) * (p.deltaScaleGPerKWh[h] as number);
      meanGPerKWh.push(mean);
      lower80.push(mean + (p.residualQ10GPerKWh[h] as number));
      upper80.push(mean + (p.residualQ90GPerKWh[h] as number));
    }
    return { meanGPerKWh, lower80, upper80 };
  });
}

/** Linear-interpolated quantile (type 7) of unsorted values; NaN for an empty array. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}
