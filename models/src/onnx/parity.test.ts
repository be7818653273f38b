/**
 * @jest-environment ./models/jest-ort-environment.js
 */
import {
  directForecaster,
  historyWindow,
  intensityFeatures,
  loadFeatures,
  originsBetween,
  predictRow,
  trainDirectModel,
  type DirectModelMeta,
  type GbmModel,
} from '@carbonreducer/forecast';
import { sharedDataPath } from '@carbonreducer/datasets';
import { loadHouseholdHourlyKWh, loadIntensity } from '../data';
import { ModelRegistry } from '../registry';
import { OnnxDirectModel } from './session';
import { onnx } from 'onnx-proto';
import { directModelToOnnx, perHorizonOnnx } from './treeEnsemble';

// Real inputs: NESO GB national carbon intensity (CC BY 4.0) and REFIT house 2 (CC BY 4.0, via DeviceScope).
describe('ONNX export parity on real data', () => {
  it('intensity: ONNX Runtime and the TypeScript trees agree to 1e-4', async () => {
    const file = sharedDataPath('carbon-intensity/neso-gb-national-2023H1.csv');
    const all = (await loadIntensity([file])).actual;
    const train = (await loadIntensity([file], { fromMs: 0, toMs: Date.parse('2023-02-15T00:00:00Z') })).actual;
    const features = intensityFeatures(train.stepMs);
    // Three seeds averaged into one ensemble per horizon, as the intensity champion is trained.
    const model = trainDirectModel(train, features, { stepsAhead: [1, 8, 48], params: { numTrees: 80 }, seeds: 3 });
    expect(model.seeds).toBe(3);
    const session = await OnnxDirectModel.create(directModelToOnnx(model), model);
    const origins = originsBetween(
      Date.parse('2023-03-01T00:00:00Z'),
      Date.parse('2023-03-15T00:00:00Z'),
      train.stepMs,
    );
    const windows = origins.map((o) => historyWindow(all, o, features.lookbackSteps));
    const steps = origins.map(() => [1, 8, 48]);
    const a = await session.forecast(windows, steps);
    const b = await directForecaster(model).forecast(windows, steps);
    let max = 0;
    let n = 0;
    a.forEach((row, i) =>
      row.forEach((f, j) => {
        const t = b[i]?.[j];
        expect(Number.isFinite(f.point)).toBe(true);
        max = Math.max(max, Math.abs(f.point - (t?.point ?? NaN)), Math.abs(f.lower - (t?.lower ?? NaN)));
        n++;
      }),
    );
    expect(n).toBe(origins.length * 3);
    expect(max).toBeLessThanOrEqual(1e-4);
  }, 60_000);

  it('load: ONNX Runtime and the TypeScript trees agree to 1e-4', async () => {
    const files = ['2014-03', '2014-04'].map((m) => sharedDataPath(`households/refit-house2-${m}.csv.gz`));
    const series = await loadHouseholdHourlyKWh(files);
    const cut = Date.parse('2014-04-15T00:00:00Z');
    const train = { ...series, values: series.values.slice(0, (cut - series.startMs) / series.stepMs) };
    const features = loadFeatures(series.stepMs);
    const model = trainDirectModel(train, features, { stepsAhead: [1, 24], params: { numTrees: 60, loss: 'l1' } });
    const session = await OnnxDirectModel.create(directModelToOnnx(model), model);
    const origins = originsBetween(cut, Date.parse('2014-04-29T00:00:00Z'), series.stepMs);
    const windows = origins.map((o) => historyWindow(series, o, features.lookbackSteps));
    const steps = origins.map(() => [1, 24]);
    const a = await session.forecast(windows, steps);
    const b = await directForecaster(model).forecast(windows, steps);
    const diffs = a.flatMap((row, i) => row.map((f, j) => Math.abs(f.point - (b[i]?.[j]?.point ?? NaN))));
    expect(diffs.length).toBe(origins.length * 2);
    expect(Math.max(...diffs)).toBeLessThanOrEqual(1e-4);
  }, 60_000);
});

describe('per-horizon ONNX outputs', () => {
  it('each raw_h<i> equals column i of raw; runByHorizon reads only the horizon each row needs', async () => {
    const file = sharedDataPath('carbon-intensity/neso-gb-national-2023H1.csv');
    const all = (await loadIntensity([file])).actual;
    const train = (await loadIntensity([file], { fromMs: 0, toMs: Date.parse('2023-02-01T00:00:00Z') })).actual;
    const features = intensityFeatures(train.stepMs);
    const model = trainDirectModel(train, features, { stepsAhead: [1, 4, 48], params: { numTrees: 30 } });
    const onnxBytes = directModelToOnnx(model);
    // Served per horizon: each part holds that horizon's node and output only, cut from the bytes.
    const parts = perHorizonOnnx(onnxBytes, model);
    expect(parts.map((p) => onnx.ModelProto.decode(p).graph?.node?.map((n) => n.output?.[0]))).toEqual([
      ['raw_h0'],
      ['raw_h1'],
      ['raw_h2'],
    ]);
    expect(parts.map((p) => onnx.ModelProto.decode(p).graph?.output?.map((o) => o.name))).toEqual([
      ['raw_h0'],
      ['raw_h1'],
      ['raw_h2'],
    ]);
    const session = await OnnxDirectModel.create(onnxBytes, model);
    const origins = originsBetween(
      Date.parse('2023-02-01T00:00:00Z'),
      Date.parse('2023-02-03T00:00:00Z'),
      train.stepMs,
    );
    const cols = features.names.length;
    const x = new Float64Array(origins.length * cols);
    const buf = new Float64Array(cols);
    // Row r is built for horizon r % 3 (as the served model mixes lead times in one batch).
    const horizonOfRow = origins.map((_, r) => r % 3);
    origins.forEach((o, r) => {
      expect(
        features.build(historyWindow(all, o, features.lookbackSteps), model.stepsAhead[r % 3] as number, buf),
      ).toBe(true);
      x.set(buf, r * cols);
    });
    const raw = await session.runRaw(x, origins.length);
    const picked = await session.runByHorizon(x, horizonOfRow);
    horizonOfRow.forEach((h, r) => expect(picked[r]).toBe(raw[r * 3 + h]));
    // And against the TypeScript trees, to the parity bound.
    let max = 0;
    horizonOfRow.forEach((h, r) => {
      max = Math.max(max, Math.abs((picked[r] as number) - predictRow(model.models[h] as GbmModel, x, r * cols)));
    });
    expect(max).toBeLessThanOrEqual(1e-4);
  }, 60_000);

  it('a model stored before per-horizon outputs (one raw output) still serves the same values', async () => {
    // Version 20261127T223046Z-2416b4f7 is committed in models/registry and was exported with a single `raw` output.
    const stored = await new ModelRegistry().load('intensity', '20261127T223046Z-2416b4f7');
    const meta = stored.meta.direct as DirectModelMeta;
    const session = await OnnxDirectModel.create(stored.onnx, meta);
    const file = sharedDataPath('carbon-intensity/neso-gb-national-2023H1.csv');
    const all = (await loadIntensity([file])).actual;
    const features = intensityFeatures(meta.stepMs);
    const origins = originsBetween(Date.parse('2023-05-01T00:00:00Z'), Date.parse('2023-05-01T12:00:00Z'), meta.stepMs);
    const windows = origins.map((o) => historyWindow(all, o, features.lookbackSteps));
    const steps = origins.map(() => meta.stepsAhead);
    const out = await session.forecast(windows, steps);
    const cols = features.names.length;
    const x = new Float64Array(cols);
    const H = meta.stepsAhead.length;
    for (const [i, w] of windows.entries()) {
      for (const [h, k] of meta.stepsAhead.entries()) {
        expect(features.build(w, k, x)).toBe(true);
        const raw = await session.runRaw(x, 1);
        expect(raw.length).toBe(H);
        expect(out[i]?.[h]?.point).toBeCloseTo(features.reference(w) + (raw[h] as number), 9);
      }
    }
  }, 60_000);
});
