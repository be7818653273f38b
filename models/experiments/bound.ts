/* eslint-disable no-console -- a development script: printing its figures is its job */
/**
 * How far can a forecaster that sees only past intensity go on the reported test quarter (NESO 2023-04-01…07-01)?
 * Two optimistic bounds, both allowed to learn from the test quarter itself — which a real forecast never can — so a
 * target they miss is out of reach of any model built on these features / on intensity history alone:
 *
 * 1. GBM, blocked cross-validation inside the test quarter: the test quarter is cut into FOLDS blocks by target time;
 *    each block is forecast by the champion's features and GBM settings trained on everything else (EM 2021–22,
 *    NESO Q1 _and the other blocks of Q2_), rows whose window or target touches the block purged.
 * 2. Linear, in sample: a ridge regression of the change over the lead on the past week's values (336 half-hours)
 *    plus target time-of-day and weekday dummies, fitted on the test quarter's own rows and scored on the same rows.
 *
 * Both are printed next to the NESO operator's MAE and seasonal naive on the same points.
 *   H=120,240,1440 FOLDS=4 JITTER=0.5 npx tsx models/experiments/bound.ts
 * Data: NESO Carbon Intensity API (CC BY 4.0), Electricity Maps (attribution required).
 */
import { sharedDataPath } from '@carbonreducer/datasets';
import {
  buildTrainingSet,
  intensityFeatures,
  lagValue,
  historyWindow,
  mergeSeries,
  predictRow,
  sliceRows,
  trainGbm,
  valueEndingAt,
  type Matrix,
  type TrainingSet,
} from '@carbonreducer/forecast';
import { loadIntensityMixed } from '../src/data';
import { DEFAULT_INTENSITY_PARAMS, DEFAULT_SUBSLOT_JITTER_SHARE } from '../src/backtest';
import { applyLinear, ridge } from './ridge';

const C = sharedDataPath('carbon-intensity');
const STEP = 1_800_000;
const DAY = 86_400_000;
const TEST_FROM = Date.parse('2023-04-01T00:00:00Z');
const TEST_TO = Date.parse('2023-07-01T00:00:00Z');

function pick(set: TrainingSet, keep: (i: number) => boolean): TrainingSet {
  const idx: number[] = [];
  for (let i = 0; i < set.y.length; i++) if (keep(i)) idx.push(i);
  const c = set.x.cols;
  const data = new Float64Array(idx.length * c);
  idx.forEach((r, j) => data.set(set.x.data.subarray(r * c, r * c + c), j * c));
  const take = (a: Float64Array) => Float64Array.from(idx, (r) => a[r]!);
  return {
    x: { rows: idx.length, cols: c, data },
    y: take(set.y),
    reference: take(set.reference),
    scale: take(set.scale),
    originMs: take(set.originMs),
  };
}

async function main(): Promise<void> {
  const horizonsMin = (process.env.H ?? '120,240,1440').split(',').map(Number);
  const folds = Number(process.env.FOLDS ?? '4');
  // The champion's training recipe: EM 2021–22 + NESO Q1, EM half-hours given NESO-measured jitter (JITTER=0: none).
  const em = await loadIntensityMixed(
    [
      `${C}/electricitymaps-gb-2021-hourly.csv`,
      `${C}/electricitymaps-gb-2022-hourly.csv`,
      `${C}/neso-gb-national-2023H1.csv`,
    ],
    STEP,
    { fromMs: Date.parse('2021-01-01T00:00:00Z'), toMs: TEST_FROM },
    { subSlotJitterShare: Number(process.env.JITTER ?? DEFAULT_SUBSLOT_JITTER_SHARE) },
  );
  const neso = await loadIntensityMixed([`${C}/neso-gb-national-2023H1.csv`], STEP);
  const history = mergeSeries([neso.actual, em.actual]);
  const features = intensityFeatures(STEP);
  const lookbackMs = features.lookbackSteps * STEP;
  const foldMs = (TEST_TO - TEST_FROM) / folds;
  const perDay = DAY / STEP;
  console.log(
    `bound: jitter share ${process.env.JITTER ?? DEFAULT_SUBSLOT_JITTER_SHARE}, ${folds} folds of ${(foldMs / DAY).toFixed(1)} days; params ${JSON.stringify(DEFAULT_INTENSITY_PARAMS)}`,
  );

  for (const minutes of horizonsMin) {
    const k = (minutes * 60_000) / STEP;
    const t0 = Date.now();
    const set = buildTrainingSet(history, features, k);
    const target = (i: number) => set.originMs[i]! + k * STEP;
    const inTest = (i: number) => target(i) > TEST_FROM && target(i) <= TEST_TO;
    // 1. GBM, blocked CV inside the test quarter.
    let gbmAbs = 0;
    let opAbs = 0;
    let naiveAbs = 0;
    let n = 0;
    for (let f = 0; f < folds; f++) {
      const from = TEST_FROM + f * foldMs;
      const to = from + foldMs;
      const inFold = (i: number) => target(i) > from && target(i) <= to;
      // Purged: neither the row's window nor its target may touch the block.
      const touches = (i: number) => target(i) > from && set.originMs[i]! - lookbackMs < to;
      const train = pick(set, (i) => !touches(i));
      const test = pick(set, inFold);
      const cut = Math.floor(train.y.length * 0.8);
      const first = trainGbm(sliceRows(train, 0, cut).x, sliceRows(train, 0, cut).y, DEFAULT_INTENSITY_PARAMS, {
        x: sliceRows(train, cut, train.y.length).x,
        y: sliceRows(train, cut, train.y.length).y,
      });
      const model = trainGbm(train.x, train.y, {
        ...DEFAULT_INTENSITY_PARAMS,
        numTrees: first.trees.length,
        earlyStoppingRounds: 0,
      });
      for (let i = 0; i < test.y.length; i++) {
        const t = test.originMs[i]! + k * STEP;
        const actual = test.y[i]! + test.reference[i]!;
        const op = valueEndingAt(neso.operator!, t);
        const w = historyWindow(history, test.originMs[i]!, features.lookbackSteps);
        const naive = lagValue(w, Math.ceil(k / perDay) * perDay - k);
        if (Number.isNaN(op) || Number.isNaN(naive)) continue;
        gbmAbs += Math.abs(test.reference[i]! + predictRow(model, test.x.data, i * test.x.cols) - actual);
        opAbs += Math.abs(op - actual);
        naiveAbs += Math.abs(naive - actual);
        n++;
      }
    }
    // 2. Linear in sample on the test quarter's rows: change over the lead on the past week's levels minus y0.
    const rows = pick(set, inTest);
    const weekSteps = 7 * perDay;
    // Lags 1…weekSteps, then hour-of-day and weekday dummies of the target; `ridge` adds the intercept.
    const cols = weekSteps + 24 + 7;
    const lx = new Float64Array(rows.y.length * cols);
    let usable = 0;
    const ly: number[] = [];
    for (let i = 0; i < rows.y.length; i++) {
      const w = historyWindow(history, rows.originMs[i]!, weekSteps + 1);
      const y0 = rows.reference[i]!;
      const o = usable * cols;
      let ok = true;
      for (let l = 1; l <= weekSteps; l++) {
        const v = lagValue(w, l);
        if (Number.isNaN(v)) {
          ok = false;
          break;
        }
        lx[o + l - 1] = v - y0;
      }
      if (!ok) continue;
      const t = new Date(rows.originMs[i]! + k * STEP);
      lx[o + weekSteps + t.getUTCHours()] = 1;
      lx[o + weekSteps + 24 + t.getUTCDay()] = 1;
      ly.push(rows.y[i]!);
      usable++;
    }
    const lm: Matrix = { rows: usable, cols, data: lx.subarray(0, usable * cols) };
    const all = Array.from({ length: cols }, (_, c) => c);
    const fitted = applyLinear(lm, ridge(lm, Float64Array.from(ly), all, 1e-6), all);
    let linAbs = 0;
    for (let i = 0; i < usable; i++) linAbs += Math.abs(fitted[i]! - ly[i]!);
    console.log(
      `${minutes}m points=${n} gbmBlockedCvMae=${(gbmAbs / n).toFixed(2)} linearInSampleMae=${(linAbs / usable).toFixed(2)} (${usable} rows, ${cols + 1} coefficients) operatorMae=${(opAbs / n).toFixed(2)} seasonalNaiveMae=${(naiveAbs / n).toFixed(2)} 30%-target=${((0.7 * naiveAbs) / n).toFixed(2)} ${((Date.now() - t0) / 1000).toFixed(0)}s`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
