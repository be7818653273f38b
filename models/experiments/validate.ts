/* eslint-disable no-console -- a development script: printing its figures is its job */
/**
 * Validation harness (run by hand, development only): trains the intensity GBM on a validation split that never
 * touches the reported test quarter and prints the MAE per horizon of the TypeScript trees.
 *   SETUP=q1  (default) train Electricity Maps GB 2021–2022, test NESO 2023-01-01…03-31
 *   SETUP=mar train Electricity Maps GB 2021–2022 + NESO 2023-01…02, test NESO 2023-03
 *   H=120,240,1440 horizons (minutes); P='{"maxDepth":4}' GBM params; SEEDS=n; FEAT=slotlags,slotmed,ewm,lead,solar,
 *   season extra feature families; LIN=feature,… a ridge regression on those features per horizon, trees fitted to
 *   its residual. CAL=lin|offset Electricity Maps rows mapped onto NESO's level (see loadTrain); DUP=n NESO rows
 *   repeated n times; POOL=d (with FEAT=lead) each horizon trained on the rows of the horizons ±d slots too;
 *   SEEDCURVE=1 (with SEEDS=n) MAE of the average of the first 1…n refits; TREECURVE=1 MAE at multiples of the
 *   early-stopped tree count. The last four go through `trainDuplicated`, which mirrors trainDirectModel.
 *   npx tsx models/experiments/validate.ts
 * Data: NESO Carbon Intensity API (CC BY 4.0), Electricity Maps (attribution required).
 */
import { writeFileSync } from 'node:fs';
import { sharedDataPath } from '@carbonreducer/datasets';
import {
  historyWindow,
  intensityFeatures,
  mergeSeries,
  predictRow,
  trainDirectModel,
  valueEndingAt,
  lagValue,
  buildTrainingSet,
  sliceRows,
  trainGbm,
  averageGbmModels,
  type RegularSeries,
  type FeatureSet,
  type GbmModel,
  type GbmParams,
  type TrainingSet,
  downsample,
  subSlotJitterRms,
  addSubSlotJitter,
} from '@carbonreducer/forecast';
import { loadIntensity, loadIntensityMixed } from '../src/data';
import { applyLinear, ridge } from './ridge';
import { DEFAULT_INTENSITY_PARAMS } from '../src/backtest';

const C = sharedDataPath('carbon-intensity');
const STEP = 1_800_000;
const DAY = 86_400_000;
/** TREECURVE=1: MAE with these multiples of the early-stopped tree count (refit on all rows with 3× as many). */
const TREE_FRACTIONS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];

function parseRange(s: string) {
  const [a, b] = s.split('..');
  return { fromMs: Date.parse(`${a}T00:00:00Z`), toMs: Date.parse(`${b}T00:00:00Z`) };
}

async function main(): Promise<void> {
  const setup = process.env.SETUP ?? 'q1';
  const horizonsMin = (process.env.H ?? '120,240,1440').split(',').map(Number);
  const params: Partial<GbmParams> = { ...DEFAULT_INTENSITY_PARAMS, ...JSON.parse(process.env.P ?? '{}') };
  const seeds = Number(process.env.SEEDS ?? '1');
  const trainFiles =
    setup === 'q1'
      ? [`${C}/electricitymaps-gb-2021-hourly.csv`, `${C}/electricitymaps-gb-2022-hourly.csv`]
      : [
          `${C}/electricitymaps-gb-2021-hourly.csv`,
          `${C}/electricitymaps-gb-2022-hourly.csv`,
          `${C}/neso-gb-national-2023H1.csv`,
        ];
  const trainRange = setup === 'q1' ? parseRange('2021-01-01..2023-01-01') : parseRange('2021-01-01..2023-03-01');
  const testRange = setup === 'q1' ? parseRange('2023-01-01..2023-04-01') : parseRange('2023-03-01..2023-04-01');
  const neso = `${C}/neso-gb-national-2023H1.csv`;
  const train = await loadTrain(trainFiles, trainRange, neso);
  const test = await loadIntensityMixed([neso], STEP, testRange);
  const full = await loadIntensityMixed([neso], STEP);
  const history = mergeSeries([full.actual, train]);
  const base = intensityFeatures(STEP);
  const features: FeatureSet = process.env.FEAT ? extend(base, process.env.FEAT) : base;
  const stepsAhead = horizonsMin.map((m) => (m * 60_000) / STEP);
  const t0 = Date.now();
  const linCols = process.env.LIN ? process.env.LIN.split(',').map((n) => features.names.indexOf(n)) : [];
  if (linCols.some((c) => c < 0)) throw new Error('LIN: unknown feature');
  const dup = Number(process.env.DUP ?? '1');
  const model = linCols.length
    ? trainLinearPlusGbm(train, features, stepsAhead, params, linCols)
    : dup > 1 || process.env.SEEDCURVE || process.env.POOL || process.env.TREECURVE
      ? { ...trainDuplicated(train, features, stepsAhead, params, seeds, dup), linear: [] as Float64Array[] }
      : { ...trainDirectModel(train, features, { stepsAhead, params, seeds }), linear: [] as Float64Array[] };
  const trainSec = (Date.now() - t0) / 1000;
  const buf = new Float64Array(features.names.length);
  const out: string[] = [];
  const dump: Record<string, Array<[number, number, number]>> = {};
  stepsAhead.forEach((k, hi) => {
    const rows: Array<[number, number, number]> = (dump[String(horizonsMin[hi])] = []);
    let sum = 0;
    let n = 0;
    let opSum = 0;
    const curve: number[] = [];
    for (let o = testRange.fromMs; o + k * STEP <= testRange.toMs; o += STEP) {
      const actual = valueEndingAt(test.actual, o + k * STEP);
      if (Number.isNaN(actual)) continue;
      const w = historyWindow(history, o, features.lookbackSteps);
      if (!features.build(w, k, buf)) continue;
      const lin = model.linear[hi];
      let l = 0;
      if (lin) {
        l = lin[0] as number;
        linCols.forEach((c, j) => (l += (lin[j + 1] as number) * (Number.isNaN(buf[c]) ? 0 : (buf[c] as number))));
      }
      const p = features.reference(w) + l + predictRow(model.models[hi] as GbmModel, buf);
      sum += Math.abs(p - actual);
      const refits = 'refits' in model ? (model.refits as GbmModel[][])[hi] : undefined;
      if (refits && process.env.TREECURVE) {
        const es = (model as unknown as { esTrees: number[] }).esTrees[hi]!;
        TREE_FRACTIONS.forEach((f, j) => {
          const t = Math.round(f * es);
          let acc = 0;
          for (const m of refits) acc += predictRow({ ...m, trees: m.trees.slice(0, t) }, buf);
          curve[j] = (curve[j] ?? 0) + Math.abs(features.reference(w) + acc / refits.length - actual);
        });
      } else if (refits) {
        let acc = 0;
        refits.forEach((m, j) => {
          acc += predictRow(m, buf);
          curve[j] = (curve[j] ?? 0) + Math.abs(features.reference(w) + acc / (j + 1) - actual);
        });
      }
      rows.push([o, p, actual]);
      opSum += Math.abs(valueEndingAt(test.operator!, o + k * STEP) - actual) || 0;
      n++;
    }
    out.push(
      `${horizonsMin[hi]}m mae=${(sum / n).toFixed(3)} op=${(opSum / n).toFixed(2)} trees=${model.models[hi]!.trees.length} valMae=${model.validationMae[hi]!.toFixed(3)}` +
        (curve.length ? ` seedCurve=${curve.map((c) => (c / n).toFixed(3)).join('/')}` : ''),
    );
  });
  console.log(
    `${process.env.TAG ?? ''} setup=${setup} P=${process.env.P ?? '{}'} LIN=${process.env.LIN ?? ''} FEAT=${process.env.FEAT ?? ''} seeds=${seeds} train=${trainSec.toFixed(0)}s`,
  );
  for (const l of out) console.log('  ' + l);
  // DUMP=file: every (origin, forecast, actual) per horizon, to compare blends of runs offline.
  if (process.env.DUMP) writeFileSync(process.env.DUMP, JSON.stringify(dump));
}

/**
 * CAL=lin|offset: Electricity Maps rows mapped onto NESO's level (fitted on EM 2023 vs NESO 2023-01…02, the part of
 * the overlap inside the March split's training range; the Q1 split borrows the same map). DUP=n: NESO rows n times.
 */
async function loadTrain(files: string[], range: { fromMs: number; toMs: number }, neso: string) {
  const cal = process.env.CAL;
  const emFiles = files.filter((f) => f.includes('electricitymaps'));
  const others = files.filter((f) => !f.includes('electricitymaps'));
  let em = (await loadIntensityMixed(emFiles, STEP, range)).actual;
  if (cal) {
    const fitRange = parseRange('2023-01-01..2023-03-01');
    const src = (await loadIntensity([`${C}/electricitymaps-gb-2023-hourly.csv`], fitRange)).actual;
    const tgt = (await loadIntensity([neso], fitRange)).actual;
    const lin = fitLinearMap(src, tgt, fitRange);
    // offset: slope 1, intercept = mean difference (the least-squares intercept with the slope fixed at 1).
    const map = cal === 'offset' ? { slope: 1, intercept: lin.meanDiff } : lin;
    console.error(`CAL=${cal} map slope=${map.slope.toFixed(4)} intercept=${map.intercept.toFixed(2)}`);
    em = { ...em, values: em.values.map((v) => map.slope * v + map.intercept) };
  }
  if (process.env.AUG) {
    // The library's half-hour jitter on the Electricity Maps rows (as loadIntensityMixed adds it), σ = AUG × the jitter
    // measured on NESO 2023-01…02 (inside the March split's training range; the Q1 split borrows it).
    const fitRange = parseRange('2023-01-01..2023-03-01');
    const n30 = (await loadIntensity([neso], fitRange)).actual;
    const sigma = Number(process.env.AUG) * subSlotJitterRms(n30, 3_600_000);
    console.error(`AUG sigma=${sigma.toFixed(2)}`);
    em = addSubSlotJitter(em, 3_600_000, sigma, 1);
  }
  if (others.length === 0) return em;
  const rest = (await loadIntensityMixed(others, STEP, range)).actual;
  return mergeSeries([em, rest]);
}

/**
 * Least-squares NESO ≈ slope · EM + intercept on the hourly slots both have in `range` (NESO averaged to hours), and
 * the mean difference NESO − EM on the same slots.
 */
function fitLinearMap(src: RegularSeries, tgt: RegularSeries, range: { fromMs: number; toMs: number }) {
  const d = downsample(tgt, src.stepMs);
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  let sd = 0;
  for (let e = range.fromMs + src.stepMs; e <= range.toMs; e += src.stepMs) {
    const x = valueEndingAt(src, e);
    const y = valueEndingAt(d, e);
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    n++;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
    sd += y - x;
  }
  const slope = (sxy - (sx * sy) / n) / (sxx - (sx * sx) / n);
  return { slope, intercept: (sy - slope * sx) / n, meanDiff: sd / n };
}

/** As trainDirectModel, with every row whose origin is in 2023 (NESO, measured half-hourly) repeated `dup` times. */
function trainDuplicated(
  series: RegularSeries,
  features: FeatureSet,
  stepsAhead: number[],
  params: Partial<GbmParams>,
  seeds: number,
  dup: number,
) {
  const nesoFromMs = Date.parse('2023-01-01T00:00:00Z');
  const models: GbmModel[] = [];
  const refitsPerHorizon: GbmModel[][] = [];
  const esTrees: number[] = [];
  const validationMae: number[] = [];
  for (const k of stepsAhead) {
    const raw = process.env.POOL
      ? pooledSet(series, features, k, Number(process.env.POOL))
      : buildTrainingSet(series, features, k);
    const order: number[] = [];
    for (let i = 0; i < raw.y.length; i++) {
      const times = (raw.originMs[i] as number) >= nesoFromMs ? dup : 1;
      for (let r = 0; r < times; r++) order.push(i);
    }
    const c = raw.x.cols;
    const x = new Float64Array(order.length * c);
    order.forEach((i, r) => x.set(raw.x.data.subarray(i * c, i * c + c), r * c));
    const set = {
      x: { rows: order.length, cols: c, data: x },
      y: Float64Array.from(order, (i) => raw.y[i] as number),
      reference: Float64Array.from(order, (i) => raw.reference[i] as number),
      scale: Float64Array.from(order, (i) => raw.scale[i] as number),
      originMs: Float64Array.from(order, (i) => raw.originMs[i] as number),
    };
    const cut = Math.floor(set.y.length * 0.8);
    const fit = sliceRows(set, 0, cut);
    const val = sliceRows(set, cut, set.y.length);
    const first = trainGbm(fit.x, fit.y, params, { x: val.x, y: val.y });
    let s = 0;
    for (let i = 0; i < val.y.length; i++) s += Math.abs(val.y[i]! - predictRow(first, val.x.data, i * val.x.cols));
    validationMae.push(s / val.y.length);
    const refits = Array.from({ length: seeds }, (_, j) =>
      trainGbm(set.x, set.y, {
        ...params,
        seed: (params.seed ?? 1) + j,
        numTrees: first.trees.length * (process.env.TREECURVE ? 3 : 1),
        earlyStoppingRounds: 0,
      }),
    );
    esTrees.push(first.trees.length);
    const cut3 = (m: GbmModel, t: number): GbmModel => ({ ...m, trees: m.trees.slice(0, t) });
    const es = refits.map((m) => cut3(m, first.trees.length));
    models.push(seeds === 1 ? es[0]! : averageGbmModels(es));
    refitsPerHorizon.push(refits);
  }
  return { models, validationMae, refits: refitsPerHorizon, esTrees };
}

/** POOL=d (needs FEAT=lead): rows of the horizons k − d … k + d together, ordered by origin. */
function pooledSet(series: RegularSeries, features: FeatureSet, k: number, d: number) {
  const sets: TrainingSet[] = [];
  for (let j = k - d; j <= k + d; j++) if (j >= 1) sets.push(buildTrainingSet(series, features, j));
  const idx: Array<[number, number]> = [];
  sets.forEach((st, si) => st.originMs.forEach((_, i) => idx.push([si, i])));
  idx.sort((a, b) => sets[a[0]]!.originMs[a[1]]! - sets[b[0]]!.originMs[b[1]]! || a[0] - b[0]);
  const c = features.names.length;
  const x = new Float64Array(idx.length * c);
  idx.forEach(([si, i], r) => x.set(sets[si]!.x.data.subarray(i * c, i * c + c), r * c));
  const pick = (f: (st: TrainingSet) => Float64Array) => Float64Array.from(idx, ([si, i]) => f(sets[si]!)[i]!);
  return {
    x: { rows: idx.length, cols: c, data: x },
    y: pick((st) => st.y),
    reference: pick((st) => st.reference),
    scale: pick((st) => st.scale),
    originMs: pick((st) => st.originMs),
  };
}

function trainLinearPlusGbm(
  series: RegularSeries,
  features: FeatureSet,
  stepsAhead: number[],
  params: Partial<GbmParams>,
  cols: number[],
) {
  const models: GbmModel[] = [];
  const linear: Float64Array[] = [];
  const validationMae: number[] = [];
  for (const k of stepsAhead) {
    const set = buildTrainingSet(series, features, k);
    const cut = Math.floor(set.y.length * 0.8);
    const fit = sliceRows(set, 0, cut);
    const val = sliceRows(set, cut, set.y.length);
    const c1 = ridge(fit.x, fit.y, cols);
    const lf = applyLinear(fit.x, c1, cols);
    const rFit = fit.y.map((v, i) => v - lf[i]!);
    const lv = applyLinear(val.x, c1, cols);
    const rVal = val.y.map((v, i) => v - lv[i]!);
    const first = trainGbm(fit.x, rFit, params, { x: val.x, y: rVal });
    let s = 0;
    for (let i = 0; i < val.y.length; i++) s += Math.abs(rVal[i]! - predictRow(first, val.x.data, i * val.x.cols));
    validationMae.push(s / val.y.length);
    const c = ridge(set.x, set.y, cols);
    const la = applyLinear(set.x, c, cols);
    const r = set.y.map((v, i) => v - la[i]!);
    models.push(trainGbm(set.x, r, { ...params, numTrees: first.trees.length, earlyStoppingRounds: 0 }));
    linear.push(c);
  }
  return { models, linear, validationMae };
}

/** max(0, sin(solar elevation)) over central Great Britain (53° N, 1.5° W) at `ms`: a clear-sky solar proxy. */
function sunHeight(ms: number): number {
  const doy = (ms - Date.UTC(new Date(ms).getUTCFullYear(), 0, 1)) / DAY;
  const decl = ((23.44 * Math.PI) / 180) * Math.sin((2 * Math.PI * (284 + doy)) / 365);
  const solarHours = ((ms % DAY) / 3_600_000 - 1.5 / 15 + 24) % 24;
  const hourAngle = ((solarHours - 12) * 15 * Math.PI) / 180;
  const lat = (53 * Math.PI) / 180;
  const s = Math.sin(lat) * Math.sin(decl) + Math.cos(lat) * Math.cos(decl) * Math.cos(hourAngle);
  return Math.max(0, s);
}

/** Extra feature families appended to the base set. */
function extend(base: FeatureSet, spec: string): FeatureSet {
  const fams = spec.split(',');
  const perDay = DAY / STEP;
  const names = [...base.names];
  if (fams.includes('slotlags')) for (let p = 0; p < 7; p++) names.push(`slot_lag_d${p + 1}_minus_y0`);
  if (fams.includes('slotmed')) names.push('slot_median7d_minus_y0', 'slot_min7d_minus_y0', 'slot_max7d_minus_y0');
  if (fams.includes('ewm')) names.push('ewm_slope_fast', 'ewm_slope_slow', 'accel');
  if (fams.includes('lead')) names.push('steps_ahead_scaled');
  if (fams.includes('solar')) names.push('target_sun', 'origin_sun', 'sun_change');
  if (fams.includes('season')) names.push('doy_sin', 'doy_cos');
  const extra = names.length - base.names.length;
  const baseBuf = new Float64Array(base.names.length);
  return {
    ...base,
    names,
    build(w, k, out) {
      if (!base.build(w, k, baseBuf)) return false;
      out.set(baseBuf, 0);
      let j = base.names.length;
      const y0 = base.reference(w);
      const periods = Math.max(1, Math.ceil(k / perDay));
      const dayBack = periods * perDay - k;
      if (fams.includes('slotlags')) for (let p = 0; p < 7; p++) out[j++] = lagValue(w, dayBack + p * perDay) - y0;
      if (fams.includes('slotmed')) {
        const v: number[] = [];
        for (let p = 0; p < 7; p++) {
          const x = lagValue(w, dayBack + p * perDay);
          if (!Number.isNaN(x)) v.push(x);
        }
        v.sort((a, b) => a - b);
        out[j++] = v.length ? v[v.length >> 1]! - y0 : NaN;
        out[j++] = v.length ? v[0]! - y0 : NaN;
        out[j++] = v.length ? v[v.length - 1]! - y0 : NaN;
      }
      if (fams.includes('ewm')) {
        // exponentially weighted mean of first differences, fast (≈1.5 h) and slow (≈6 h)
        let f = 0;
        let s = 0;
        let wf = 0;
        let ws = 0;
        for (let i = 0; i < 48; i++) {
          const d = lagValue(w, i) - lagValue(w, i + 1);
          if (Number.isNaN(d)) continue;
          const af = Math.pow(0.7, i);
          const as = Math.pow(0.92, i);
          f += af * d;
          wf += af;
          s += as * d;
          ws += as;
        }
        out[j++] = wf > 0 ? f / wf : NaN;
        out[j++] = ws > 0 ? s / ws : NaN;
        out[j++] = lagValue(w, 0) - 2 * lagValue(w, 1) + lagValue(w, 2);
      }
      if (fams.includes('lead')) out[j++] = k;
      if (fams.includes('solar')) {
        const t = sunHeight(w.endMs + k * STEP - STEP / 2);
        const o = sunHeight(w.endMs - STEP / 2);
        out[j++] = t;
        out[j++] = o;
        out[j++] = t - o;
      }
      if (fams.includes('season')) {
        const doy = (w.endMs + k * STEP) / DAY / 365.2425;
        out[j++] = Math.sin(2 * Math.PI * doy);
        out[j++] = Math.cos(2 * Math.PI * doy);
      }
      if (j !== base.names.length + extra) throw new Error('feature count');
      return true;
    },
  };
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
