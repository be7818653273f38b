/**
 * @jest-environment ./models/jest-ort-environment.js
 */
import {
  directForecaster,
  historyWindow,
  intensityFeatures,
  loadFeatures,
  originsBetween,
  trainDirectModel,
} from '@carbonreducer/forecast';
import { sharedDataPath } from '@carbonreducer/datasets';
import { loadHouseholdHourlyKWh, loadIntensity } from '../data';
import { OnnxDirectModel } from './session';
import { directModelToOnnx } from './treeEnsemble';

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
