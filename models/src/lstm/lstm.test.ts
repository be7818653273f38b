/**
 * @jest-environment ./models/jest-ort-environment.js
 */
import { HALF_HOUR_MS } from '@carbonreducer/common';
import { readIntensityFiles, sharedDataPath, type IntensitySeries } from '@carbonreducer/datasets';
import {
  actualsSeries,
  createOnnxIntensityForecaster,
  LstmInputError,
  trainIntensityLstm,
  type LstmModel,
} from './index';
import { toRegularGrid, windowAtSlot } from './windows';

jest.setTimeout(300_000);

const JAN = Date.UTC(2023, 0, 1);
const MAR = Date.UTC(2023, 2, 1);
const MAR15 = Date.UTC(2023, 2, 15);

let neso: IntensitySeries;
let model: LstmModel;

beforeAll(async () => {
  neso = await readIntensityFiles([sharedDataPath('carbon-intensity/neso-gb-national-2023H1.csv')]);
  // A tiny model trained briefly: the test is about export parity, not accuracy.
  model = await trainIntensityLstm(actualsSeries(neso.points, JAN, Date.UTC(2023, 1, 1)), {
    stepMin: 30,
    windowSteps: 48,
    units: 8,
    epochs: 2,
    maxSeconds: 60,
    originStride: 4,
    batchSize: 64,
    seed: 7,
  });
});

afterAll(() => model?.dispose());

function marchOrigins(count: number): number[] {
  return Array.from({ length: count }, (_, i) => MAR + 96 * HALF_HOUR_MS + i * 7 * HALF_HOUR_MS);
}

describe('carbon-intensity LSTM on NESO data', () => {
  it('exports to ONNX and onnxruntime-node reproduces the tfjs forecasts to 1e-4 gCO2/kWh', async () => {
    const series = actualsSeries(neso.points, MAR, MAR15);
    const origins = marchOrigins(40);
    const tfjsOut = model.predictBatch(series, origins);
    const onnx = await createOnnxIntensityForecaster(model.toOnnx(), model.metadata());
    try {
      const onnxOut = await onnx.predictBatch(series, origins);
      expect(onnxOut.skipped).toEqual(tfjsOut.skipped);
      let compared = 0;
      let maxDiff = 0;
      tfjsOut.predictions.forEach((p, i) => {
        const q = onnxOut.predictions[i];
        if (p === null || q === null || q === undefined) return;
        for (const key of ['meanGPerKWh', 'lower80', 'upper80'] as const) {
          p[key].forEach((v, h) => {
            maxDiff = Math.max(maxDiff, Math.abs(v - (q[key][h] as number)));
            compared++;
          });
        }
      });
      expect(compared).toBeGreaterThan(30 * 3 * 8);
      expect(maxDiff).toBeLessThan(1e-4);
      // The network contributes: persistence would give one value for every horizon of an origin.
      const spread = tfjsOut.predictions.map((p) => (p ? Math.max(...p.meanGPerKWh) - Math.min(...p.meanGPerKWh) : 0));
      expect(spread.filter((s) => s > 0.5).length).toBeGreaterThan(30);
    } finally {
      await onnx.release();
    }
  });

  it('ONNX forecaster reads its metadata from the model when none is given, and the single-origin path agrees', async () => {
    const onnx = await createOnnxIntensityForecaster(model.toOnnx());
    try {
      expect(onnx.horizonsSteps).toEqual([1, 2, 4, 8, 16, 24, 48, 96]);
      const series = actualsSeries(neso.points, MAR, MAR15);
      const origin = MAR + 200 * HALF_HOUR_MS;
      const history = series.valueGPerKWh.subarray(0, 200);
      const a = await onnx.predict(history, origin);
      const b = model.predict(history, origin);
      a.meanGPerKWh.forEach((v, h) => expect(Math.abs(v - (b.meanGPerKWh[h] as number))).toBeLessThan(1e-4));
      a.lower80.forEach((v, h) => expect(v).toBeLessThan(a.upper80[h] as number));
    } finally {
      await onnx.release();
    }
  });

  it('never reads data after the origin: scrambling the future leaves forecasts unchanged', () => {
    const series = actualsSeries(neso.points, MAR, MAR15);
    const origins = marchOrigins(10);
    const before = model.predictBatch(series, origins);
    const grid = toRegularGrid(series, 30);
    for (const origin of origins) {
      const lastIndex = (origin - grid.startMs) / HALF_HOUR_MS - 1;
      const scrambled = Float64Array.from(series.valueGPerKWh);
      for (let i = lastIndex + 1; i < scrambled.length; i++)
        scrambled[i] = i % 3 === 0 ? NaN : 1000 - (scrambled[i] as number);
      const s2 = { timeMs: series.timeMs, valueGPerKWh: scrambled };
      const after = model.predictBatch(s2, [origin]);
      expect(after.predictions[0]).toEqual(before.predictions[origins.indexOf(origin)]);
      const w1 = windowAtSlot(grid, lastIndex, { windowSteps: 48, stepMin: 30, maxGapSteps: 4 });
      const w2 = windowAtSlot(toRegularGrid(s2, 30), lastIndex, { windowSteps: 48, stepMin: 30, maxGapSteps: 4 });
      expect(w2).toEqual(w1);
    }
    // The scrambled future does change forecasts made after it.
    const later = Date.UTC(2023, 2, 12);
    const scrambledAll = Float64Array.from(series.valueGPerKWh, (v) => 1000 - v);
    const moved = model.predictBatch({ timeMs: series.timeMs, valueGPerKWh: scrambledAll }, [later]).predictions[0];
    expect(moved?.meanGPerKWh).not.toEqual(model.predictBatch(series, [later]).predictions[0]?.meanGPerKWh);
  });

  it('fills short gaps and rejects windows with long ones, naming the gap', () => {
    const series = actualsSeries(neso.points, MAR, MAR15);
    const history = Float64Array.from(series.valueGPerKWh.subarray(0, 300));
    const origin = MAR + 300 * HALF_HOUR_MS;
    const clean = model.predict(history, origin);
    const short = Float64Array.from(history);
    short[280] = NaN;
    short[281] = NaN;
    short[299] = NaN;
    const filled = model.predict(short, origin);
    expect(filled.meanGPerKWh.every(Number.isFinite)).toBe(true);
    expect(filled.meanGPerKWh).not.toEqual(clean.meanGPerKWh);
    const long = Float64Array.from(history);
    for (let i = 270; i < 280; i++) long[i] = NaN;
    expect(() => model.predict(long, origin)).toThrow(LstmInputError);
    expect(() => model.predict(long, origin)).toThrow(/gap longer than 4 slots/);
    expect(() => model.predict(history.subarray(0, 10), origin)).toThrow(/needs the last 48/);
    const batch = model.predictBatch({ timeMs: series.timeMs.subarray(0, 300), valueGPerKWh: long }, [
      origin,
      origin + 7,
    ]);
    expect(batch.predictions).toEqual([null, null]);
    expect(batch.skipped.map((s) => s.reason)).toEqual([
      expect.stringMatching(/gap longer/),
      expect.stringMatching(/not on the series' 30-minute grid/),
    ]);
  });

  it('records its training window, validation loss and interval quantiles', () => {
    const meta = model.metadata();
    expect(meta).toMatchObject({ windowSteps: 48, stepMin: 30, units: 8, maxGapSteps: 4, seed: 7 });
    expect(typeof meta.validationLoss).toBe('number');
    const q10 = meta.residualQ10GPerKWh as number[];
    const q90 = meta.residualQ90GPerKWh as number[];
    q10.forEach((q, h) => expect(q).toBeLessThan(q90[h] as number));
    expect((meta.trainingWindow as { firstValidationOrigin: string }).firstValidationOrigin >= '2023-01-2').toBe(true);
  });

  it('rejects bad options and bad metadata clearly', async () => {
    await expect(trainIntensityLstm(actualsSeries(neso.points, JAN, MAR), { stepMin: 15 as 30 })).rejects.toThrow(
      /stepMin must be 30 or 60/,
    );
    await expect(
      trainIntensityLstm(actualsSeries(neso.points, JAN, JAN + 100 * HALF_HOUR_MS), { stepMin: 30 }),
    ).rejects.toThrow(/too little data/);
    await expect(createOnnxIntensityForecaster(model.toOnnx(), { windowSteps: 48 })).rejects.toThrow(/stepMin/);
  });
});

describe('training determinism', () => {
  it('gives identical models for the same seed and different ones for another seed', async () => {
    const series = actualsSeries(neso.points, Date.UTC(2023, 3, 1), Date.UTC(2023, 3, 12));
    const opts = {
      stepMin: 30 as const,
      windowSteps: 48,
      units: 4,
      epochs: 1,
      batchSize: 64,
      originStride: 3,
      maxSeconds: 600,
    };
    const a = await trainIntensityLstm(series, { ...opts, seed: 3 });
    const b = await trainIntensityLstm(series, { ...opts, seed: 3 });
    const c = await trainIntensityLstm(series, { ...opts, seed: 4 });
    try {
      expect(Buffer.from(b.toOnnx()).equals(Buffer.from(a.toOnnx()))).toBe(true);
      expect(Buffer.from(c.toOnnx()).equals(Buffer.from(a.toOnnx()))).toBe(false);
    } finally {
      [a, b, c].forEach((m) => m.dispose());
    }
  });
});
