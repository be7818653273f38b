import { runBacktest, summarize, originsBetween } from './backtest';
import { seasonalNaive, chooseSeasonalPeriod, trainKnn, type Forecaster } from './baselines';
import { trainDirectModel } from './direct';
import { intensityFeatures } from './features';
import { weeklyOnlineCalibration, withOnlineCalibration } from './online';
import { directForecaster } from './pipelines';
import { mulberry32 } from './prng';
import type { RegularSeries } from './series';

const STEP = 1_800_000;
const DAY = 86_400_000;
const START = Date.parse('2023-01-02T00:00:00Z');

function synthetic(days: number, seed: number): RegularSeries {
  const r = mulberry32(seed);
  const n = (days * DAY) / STEP;
  const values = new Float64Array(n);
  let level = 200;
  for (let i = 0; i < n; i++) {
    level += (r() - 0.5) * 8 - (level - 200) * 0.01;
    values[i] = level + 40 * Math.sin((2 * Math.PI * i) / 48) + (r() - 0.5) * 5;
  }
  return { startMs: START, stepMs: STEP, values };
}

describe('rolling-origin backtest', () => {
  const series = synthetic(40, 1);
  const trainEnd = START + 28 * DAY;
  const train: RegularSeries = { ...series, values: series.values.slice(0, (28 * DAY) / STEP) };
  const model = trainDirectModel(train, intensityFeatures(STEP), {
    stepsAhead: [1, 8, 48],
    params: { numTrees: 60, learningRate: 0.1, earlyStoppingRounds: 10 },
  });
  const origins = originsBetween(trainEnd, START + 38 * DAY, 3 * STEP);
  const horizons = [
    { label: '30m', stepsAhead: [1], originsMs: origins },
    { label: '4h', stepsAhead: [8], originsMs: origins },
    { label: '24h', stepsAhead: [48], originsMs: origins },
  ];

  it('gives the same forecasts when everything after each origin is scrambled (no leakage)', async () => {
    // A spy forecaster records every value it is shown; with a fixed origin, scrambling the future changes nothing.
    const gbm = directForecaster(model);
    const base = await runBacktest(series, horizons, [gbm]);
    const r = mulberry32(99);
    for (const origin of [origins[0] as number, origins[100] as number]) {
      const scrambled = { ...series, values: series.values.slice() };
      const cut = (origin - START) / STEP;
      for (let i = cut; i < scrambled.values.length; i++) scrambled.values[i] = r() * 1000;
      const single = horizons.map((h) => ({ ...h, originsMs: [origin] }));
      const run = await runBacktest(scrambled, single, [gbm]);
      const oi = origins.indexOf(origin);
      run.horizons.forEach((h, hi) => {
        expect(h.records[0]?.forecasts.gbm).toEqual(base.horizons[hi]?.records[oi]?.forecasts.gbm);
        // ...while the actual it is scored against did change, so the test can tell.
        expect(h.records[0]?.actual).not.toBe(base.horizons[hi]?.records[oi]?.actual);
      });
    }
  });

  it('with online recalibration, scrambling the future changes no forecast or band at or before any origin', async () => {
    // The calibration state is built from earlier origins' residuals: it must carry nothing from after the origin.
    const online = withOnlineCalibration(directForecaster(model), weeklyOnlineCalibration(STEP), 'online');
    const base = await runBacktest(series, horizons, [online]);
    const r = mulberry32(7);
    for (const cutIdx of [40, 150]) {
      const origin = origins[cutIdx] as number;
      const scrambled = { ...series, values: series.values.slice() };
      for (let i = (origin - START) / STEP; i < scrambled.values.length; i++) scrambled.values[i] = r() * 1000;
      const run = await runBacktest(scrambled, horizons, [online]);
      let changedLater = 0;
      run.horizons.forEach((h, hi) =>
        h.records.forEach((rec, ri) => {
          const was = base.horizons[hi]?.records[ri]?.forecasts.online;
          if (rec.originMs <= origin) expect(rec.forecasts.online).toEqual(was);
          else if (rec.forecasts.online?.upper !== was?.upper) changedLater++;
        }),
      );
      expect(changedLater).toBeGreaterThan(0);
    }
  });

  it('never shows a forecaster a slot that ends after the origin', async () => {
    let violations = 0;
    let seen = 0;
    const spy: Forecaster = {
      name: 'spy',
      lookbackSteps: 10,
      forecast: (windows, steps) =>
        windows.map((w, i) => {
          seen++;
          // The last slot of the window is the one ending at the origin; compare with the true series.
          const last = w.values[w.values.length - 1] as number;
          const idx = (w.endMs - START) / STEP - 1;
          if (last !== series.values[idx]) violations++;
          if (w.values.length !== 10) violations++;
          return (steps[i] ?? []).map(() => ({ point: last, lower: last, upper: last }));
        }),
    };
    await runBacktest(series, horizons, [spy]);
    expect(seen).toBe(origins.length);
    expect(violations).toBe(0);
  });

  it('beats seasonal naive on a learnable series and reports the required fields', async () => {
    const sn = seasonalNaive(STEP, chooseSeasonalPeriod(train).period);
    const run = await runBacktest(series, horizons, [directForecaster(model), sn]);
    const s = summarize(run, { model: 'gbm', seasonalNaive: sn.name });
    expect(s.horizons.map((h) => h.h)).toEqual(['30m', '4h', '24h']);
    const h30 = s.horizons[0];
    expect(h30?.mae).toBeLessThan(h30?.seasonalNaiveMae ?? 0);
    expect(h30?.operatorMae).toBeNull();
    expect(h30?.coverage80).toBeGreaterThan(0.6);
    expect(h30?.coverage80).toBeLessThan(0.95);
  });

  it('seasonal naive only uses values known at the origin (48 h ahead uses two days back)', async () => {
    const sn = seasonalNaive(STEP, 'day');
    const o = origins[5] as number;
    const run = await runBacktest(series, [{ label: '48h', stepsAhead: [96], originsMs: [o] }], [sn]);
    const expected = series.values[(o + 96 * STEP - 2 * DAY - START) / STEP - 1];
    expect(run.horizons[0]?.records[0]?.forecasts[sn.name]?.point).toBe(expected);
  });

  it('KNN baseline forecasts recursively from lags', async () => {
    const knn = trainKnn(train, { lags: 48, kCandidates: [3, 5] });
    const run = await runBacktest(series, horizons.slice(0, 1), [knn]);
    const pts = run.horizons[0]?.records.map((r) => r.forecasts[knn.name]?.point ?? NaN) ?? [];
    expect(pts.every(Number.isFinite)).toBe(true);
  });
});
