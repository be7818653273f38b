import type { Forecaster, HistoryWindow, IntervalForecast, RegularSeries } from '@carbonreducer/forecast';
import {
  createOnnxIntensityForecaster,
  LstmInputError,
  trainIntensityLstm,
  type LstmPrediction,
  type OnnxIntensityForecaster,
} from './lstm';

/** Which model produces the intensity figures: the direct GBM, the LSTM, or their average. */
export type IntensityModelChoice = 'gbm' | 'lstm' | 'ensemble';

/** A trained intensity model as the backtest sees it: a forecaster served by ONNX Runtime plus its ONNX bytes. */
export interface ServedIntensityModel {
  name: string;
  forecaster: Forecaster;
  onnx: Uint8Array;
  metadata: Record<string, unknown>;
}

const NAN: IntervalForecast = { point: NaN, lower: NaN, upper: NaN };

/**
 * Trains the LSTM (models/src/lstm) on the training series and serves it through onnxruntime-node. Each backtest
 * window is handed to the LSTM on its own, so the LSTM also only ever sees data up to the origin.
 */
export async function trainServedLstm(
  train: RegularSeries,
  maxSeconds: number,
  name = 'lstm',
): Promise<ServedIntensityModel> {
  const stepMin = train.stepMs / 60_000;
  if (stepMin !== 30 && stepMin !== 60) throw new Error(`the LSTM needs 30- or 60-minute slots, got ${stepMin}`);
  const timeMs = Array.from(train.values, (_, i) => train.startMs + i * train.stepMs);
  const model = await trainIntensityLstm({ timeMs, valueGPerKWh: train.values }, { stepMin, maxSeconds });
  const onnx = model.toOnnx();
  const metadata = model.metadata();
  model.dispose();
  const served = await createOnnxIntensityForecaster(onnx, metadata);
  const forecaster = lstmForecaster(served, name);
  return { name, forecaster, onnx, metadata };
}

/**
 * The served LSTM as a backtest/serving forecaster. Each window is handed to the LSTM on its own, so it only ever
 * sees data up to the origin. Lead times between its trained horizons are interpolated linearly between the two
 * neighbouring horizons' outputs (points and bounds); beyond the last one there is no forecast (NaN).
 */
export function lstmForecaster(served: OnnxIntensityForecaster, name = 'lstm'): Forecaster {
  const hs = served.horizonsSteps;
  const at = (pred: LstmPrediction, k: number): IntervalForecast => {
    const exact = hs.indexOf(k);
    const pick = (i: number): IntervalForecast => ({
      point: pred.meanGPerKWh[i] as number,
      lower: pred.lower80[i] as number,
      upper: pred.upper80[i] as number,
    });
    if (exact >= 0) return pick(exact);
    const b = hs.findIndex((h) => h > k);
    if (b <= 0) return NAN;
    const lo = pick(b - 1);
    const hi = pick(b);
    const t = (k - (hs[b - 1] as number)) / ((hs[b] as number) - (hs[b - 1] as number));
    const mix = (x: number, y: number): number => x + (y - x) * t;
    return { point: mix(lo.point, hi.point), lower: mix(lo.lower, hi.lower), upper: mix(lo.upper, hi.upper) };
  };
  return {
    name,
    lookbackSteps: served.windowSteps,
    async forecast(windows: HistoryWindow[], steps: number[][]) {
      const out: IntervalForecast[][] = [];
      for (let i = 0; i < windows.length; i++) {
        const w = windows[i] as HistoryWindow;
        const want = steps[i] ?? [];
        let pred: LstmPrediction;
        try {
          pred = await served.predict(w.values.subarray(Math.max(0, w.values.length - served.windowSteps)), w.endMs);
        } catch (err) {
          if (err instanceof LstmInputError) {
            out.push(want.map(() => NAN));
            continue;
          }
          throw err;
        }
        out.push(want.map((k) => at(pred, k)));
      }
      return out;
    },
  };
}

/** Equal-weight average of two forecasters' points and interval bounds. */
export function averageForecaster(a: Forecaster, b: Forecaster, name = 'ensemble'): Forecaster {
  return {
    name,
    lookbackSteps: Math.max(a.lookbackSteps, b.lookbackSteps),
    async forecast(windows, steps) {
      const trim = (f: Forecaster): HistoryWindow[] =>
        windows.map((w) => ({ ...w, values: w.values.slice(Math.max(0, w.values.length - f.lookbackSteps)) }));
      const ra = await a.forecast(trim(a), steps);
      const rb = await b.forecast(trim(b), steps);
      return ra.map((row, i) =>
        row.map((x, j) => {
          const y = rb[i]?.[j] ?? NAN;
          return { point: (x.point + y.point) / 2, lower: (x.lower + y.lower) / 2, upper: (x.upper + y.upper) / 2 };
        }),
      );
    },
  };
}
