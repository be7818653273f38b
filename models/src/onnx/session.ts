import {
  featuresFor,
  finishForecast,
  nearestHorizon,
  type DirectModelMeta,
  type ForecastPoint,
  type Forecaster,
  type HistoryWindow,
  type IntervalForecast,
} from '@carbonreducer/forecast';
import * as ort from 'onnxruntime-node';

/** An ONNX Runtime session over an exported direct model. */
export class OnnxDirectModel {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly model: DirectModelMeta,
  ) {}

  static async create(onnxBytes: Uint8Array, model: DirectModelMeta): Promise<OnnxDirectModel> {
    // The ONNX trees index features by position: the code that builds them must be the one the model was trained with.
    const expected = featuresFor(model.kind, model.stepMs).names;
    if (expected.join(',') !== model.featureNames.join(',')) {
      throw new Error(
        `the ${model.kind} model was trained on features [${model.featureNames.join(', ')}] but this code builds ` +
          `[${expected.join(', ')}]: retrain it (trainAndRegister or the backtest CLI with --register)`,
      );
    }
    try {
      const session = await ort.InferenceSession.create(onnxBytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
      return new OnnxDirectModel(session, model);
    } catch (err) {
      throw new Error('cannot load the ONNX model into onnxruntime-node', { cause: err });
    }
  }

  /** Raw model outputs [rows × horizons] for a row-major double feature matrix. */
  async runRaw(features: Float64Array, rows: number): Promise<Float32Array> {
    const cols = this.model.featureNames.length;
    if (features.length !== rows * cols)
      throw new RangeError(`runRaw: expected ${rows}×${cols} features, got ${features.length}`);
    if (rows === 0) return new Float32Array(0);
    const out = await this.session.run({ features: new ort.Tensor('float64', features, [rows, cols]) });
    const raw = out.raw;
    if (!raw) throw new Error('ONNX model produced no `raw` output');
    return raw.data as Float32Array;
  }

  /** Batched forecasts: one ONNX run for every (window, slots-ahead) pair; any lead time ≥ 1 slot. */
  async forecast(windows: HistoryWindow[], stepsAhead: number[][]): Promise<IntervalForecast[][]> {
    const features = featuresFor(this.model.kind, this.model.stepMs);
    const cols = features.names.length;
    const H = this.model.stepsAhead.length;
    const jobs: Array<{ w: number; s: number; h: number; ok: boolean }> = [];
    const buf = new Float64Array(cols);
    const rowsData: number[] = [];
    windows.forEach((win, w) => {
      (stepsAhead[w] ?? []).forEach((k, s) => {
        if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`ONNX model: slots ahead must be ≥ 1, got ${k}`);
        // Between trained horizons, the nearest one's trees with this lead time's own features (as forecastAhead).
        const h = this.model.stepsAhead.indexOf(nearestHorizon(this.model.stepsAhead, k));
        const ok = features.build(win, k, buf);
        for (let j = 0; j < cols; j++) rowsData.push(ok ? (buf[j] as number) : 0);
        jobs.push({ w, s, h, ok });
      });
    });
    const raw = await this.runRaw(Float64Array.from(rowsData), jobs.length);
    const out: IntervalForecast[][] = windows.map((_, w) =>
      (stepsAhead[w] ?? []).map(() => ({ point: NaN, lower: NaN, upper: NaN })),
    );
    jobs.forEach((j, r) => {
      if (!j.ok) return;
      const v = raw[r * H + j.h] as number;
      (out[j.w] as IntervalForecast[])[j.s] = finishForecast(
        this.model,
        j.h,
        v,
        windows[j.w] as HistoryWindow,
        features,
      );
    });
    return out;
  }

  /**
   * Every slot from the origin (the last slot boundary at or before the window end) to `horizonMs` ahead. Slots
   * between trained horizons use the nearest trained horizon's trees with their own lead-time features.
   */
  async forecastAhead(window: HistoryWindow, horizonMs = 48 * 3_600_000): Promise<ForecastPoint[]> {
    const features = featuresFor(this.model.kind, this.model.stepMs);
    const cols = features.names.length;
    const n = Math.floor(horizonMs / this.model.stepMs);
    const H = this.model.stepsAhead.length;
    const data = new Float64Array(n * cols);
    const ok: boolean[] = [];
    const buf = new Float64Array(cols);
    for (let k = 1; k <= n; k++) {
      const good = features.build(window, k, buf);
      ok.push(good);
      if (good) data.set(buf, (k - 1) * cols);
    }
    const raw = await this.runRaw(data, n);
    const out: ForecastPoint[] = [];
    for (let k = 1; k <= n; k++) {
      const h = this.model.stepsAhead.indexOf(nearestHorizon(this.model.stepsAhead, k));
      const fromMs = window.endMs + (k - 1) * this.model.stepMs;
      const toMs = fromMs + this.model.stepMs;
      if (!ok[k - 1]) {
        out.push({ point: NaN, lower: NaN, upper: NaN, fromMs, toMs });
        continue;
      }
      const f = finishForecast(this.model, h, raw[(k - 1) * H + h] as number, window, features);
      out.push({ ...f, fromMs, toMs });
    }
    return out;
  }

  asForecaster(name = 'gbm-onnx'): Forecaster {
    const lookbackSteps = featuresFor(this.model.kind, this.model.stepMs).lookbackSteps;
    return { name, lookbackSteps, forecast: (w, s) => this.forecast(w, s) };
  }
}
