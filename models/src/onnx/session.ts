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
import { horizonOutputName, perHorizonOnnx } from './treeEnsemble';

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 };

async function loadSession(onnxBytes: Uint8Array): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(onnxBytes, SESSION_OPTIONS);
  } catch (err) {
    throw new Error('cannot load the ONNX model into onnxruntime-node', { cause: err });
  }
}

/** An ONNX Runtime session over an exported direct model. */
export class OnnxDirectModel {
  private constructor(
    private readonly onnxBytes: Uint8Array,
    readonly model: DirectModelMeta,
    /** One session per horizon over the same trees (see `perHorizonOnnx`); empty = every row runs the whole model. */
    private readonly horizonSessions: ort.InferenceSession[],
    /**
     * The whole model (output `raw`, every horizon). Loaded at `create` only when it serves (no per-horizon
     * sessions); otherwise only `runRaw` needs it, so it is loaded on first use (it costs about as much load time
     * and memory as all the per-horizon sessions together).
     */
    private whole: Promise<ort.InferenceSession> | undefined,
  ) {}

  /**
   * `perHorizon` (default true): load each horizon's trees as a session of its own, so a row built for one horizon
   * walks only its trees (the whole model walks all of them for every row: ~8× the work for the intensity model);
   * the whole model is then loaded only if `runRaw` is called. False serves every row through the whole file, as
   * before (kept for comparisons in benchmarks).
   */
  static async create(
    onnxBytes: Uint8Array,
    model: DirectModelMeta,
    options: { perHorizon?: boolean } = {},
  ): Promise<OnnxDirectModel> {
    // The ONNX trees index features by position: the code that builds them must be the one the model was trained with.
    const expected = featuresFor(model.kind, model.stepMs).names;
    if (expected.join(',') !== model.featureNames.join(',')) {
      throw new Error(
        `the ${model.kind} model was trained on features [${model.featureNames.join(', ')}] but this code builds ` +
          `[${expected.join(', ')}]: retrain it (trainAndRegister or the backtest CLI with --register)`,
      );
    }
    if (options.perHorizon === false)
      return new OnnxDirectModel(onnxBytes, model, [], Promise.resolve(await loadSession(onnxBytes)));
    let parts: Uint8Array[];
    try {
      parts = perHorizonOnnx(onnxBytes, model);
    } catch (err) {
      throw new Error('cannot load the ONNX model into onnxruntime-node', { cause: err });
    }
    return new OnnxDirectModel(onnxBytes, model, await Promise.all(parts.map(loadSession)), undefined);
  }

  /** Raw model outputs [rows × horizons] for a row-major double feature matrix. */
  async runRaw(features: Float64Array, rows: number): Promise<Float32Array> {
    const cols = this.model.featureNames.length;
    if (features.length !== rows * cols)
      throw new RangeError(`runRaw: expected ${rows}×${cols} features, got ${features.length}`);
    if (rows === 0) return new Float32Array(0);
    this.whole ??= loadSession(this.onnxBytes);
    const out = await (await this.whole).run({ features: new ort.Tensor('float64', features, [rows, cols]) });
    const raw = out.raw;
    if (!raw) throw new Error('ONNX model produced no `raw` output');
    return raw.data as Float32Array;
  }

  /**
   * Raw outputs for rows that each need one horizon (`horizonOfRow[r]`): one run of that horizon's own session per
   * horizon present, so ONNX Runtime walks only its trees; without per-horizon sessions, every row runs the whole
   * model and the column is picked. Both give the same values (same trees, same doubles).
   */
  async runByHorizon(features: Float64Array, horizonOfRow: readonly number[]): Promise<Float64Array> {
    const cols = this.model.featureNames.length;
    const rows = horizonOfRow.length;
    const H = this.model.stepsAhead.length;
    const out = new Float64Array(rows);
    if (this.horizonSessions.length === 0) {
      const raw = await this.runRaw(features, rows);
      horizonOfRow.forEach((h, r) => (out[r] = raw[r * H + h] as number));
      return out;
    }
    if (features.length !== rows * cols)
      throw new RangeError(`runByHorizon: expected ${rows}×${cols} features, got ${features.length}`);
    for (const [h, session] of this.horizonSessions.entries()) {
      const idx: number[] = [];
      horizonOfRow.forEach((hr, r) => {
        if (hr === h) idx.push(r);
      });
      if (idx.length === 0) continue;
      const x = new Float64Array(idx.length * cols);
      idx.forEach((r, i) => x.set(features.subarray(r * cols, (r + 1) * cols), i * cols));
      const name = horizonOutputName(h);
      const res = await session.run({ features: new ort.Tensor('float64', x, [idx.length, cols]) }, [name]);
      const y = res[name]?.data as Float32Array | undefined;
      if (!y || y.length !== idx.length) throw new Error(`ONNX model for horizon ${h} produced no \`${name}\` output`);
      idx.forEach((r, i) => (out[r] = y[i] as number));
    }
    return out;
  }

  /** Batched forecasts: one ONNX run for every (window, slots-ahead) pair; any lead time ≥ 1 slot. */
  async forecast(windows: HistoryWindow[], stepsAhead: number[][]): Promise<IntervalForecast[][]> {
    const features = featuresFor(this.model.kind, this.model.stepMs);
    const cols = features.names.length;
    const jobs: Array<{ w: number; s: number; h: number; ok: boolean }> = [];
    const total = stepsAhead.reduce((n, s) => n + s.length, 0);
    // Rows are written straight into the input tensor's buffer (a served call has ~8,500 rows of 31 features).
    const rowsData = new Float64Array(total * cols);
    windows.forEach((win, w) => {
      (stepsAhead[w] ?? []).forEach((k, s) => {
        if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`ONNX model: slots ahead must be ≥ 1, got ${k}`);
        // Between trained horizons, the nearest one's trees with this lead time's own features (as forecastAhead).
        const h = this.model.stepsAhead.indexOf(nearestHorizon(this.model.stepsAhead, k));
        const row = rowsData.subarray(jobs.length * cols, (jobs.length + 1) * cols);
        const ok = features.build(win, k, row);
        if (!ok) row.fill(0);
        jobs.push({ w, s, h, ok });
      });
    });
    const raw = await this.runByHorizon(
      rowsData.subarray(0, jobs.length * cols),
      jobs.map((j) => j.h),
    );
    const out: IntervalForecast[][] = windows.map((_, w) =>
      (stepsAhead[w] ?? []).map(() => ({ point: NaN, lower: NaN, upper: NaN })),
    );
    jobs.forEach((j, r) => {
      if (!j.ok) return;
      const v = raw[r] as number;
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
    const data = new Float64Array(n * cols);
    const ok: boolean[] = [];
    const buf = new Float64Array(cols);
    for (let k = 1; k <= n; k++) {
      const good = features.build(window, k, buf);
      ok.push(good);
      if (good) data.set(buf, (k - 1) * cols);
    }
    const horizonOf = Array.from({ length: n }, (_, i) =>
      this.model.stepsAhead.indexOf(nearestHorizon(this.model.stepsAhead, i + 1)),
    );
    const raw = await this.runByHorizon(data, horizonOf);
    const out: ForecastPoint[] = [];
    for (let k = 1; k <= n; k++) {
      const h = horizonOf[k - 1] as number;
      const fromMs = window.endMs + (k - 1) * this.model.stepMs;
      const toMs = fromMs + this.model.stepMs;
      if (!ok[k - 1]) {
        out.push({ point: NaN, lower: NaN, upper: NaN, fromMs, toMs });
        continue;
      }
      const f = finishForecast(this.model, h, raw[k - 1] as number, window, features);
      out.push({ ...f, fromMs, toMs });
    }
    return out;
  }

  asForecaster(name = 'gbm-onnx'): Forecaster {
    const lookbackSteps = featuresFor(this.model.kind, this.model.stepMs).lookbackSteps;
    return { name, lookbackSteps, forecast: (w, s) => this.forecast(w, s) };
  }
}
