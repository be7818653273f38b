import { mulberry32 } from './prng';

/**
 * Gradient-boosted regression trees, trained in TypeScript: histogram splits, row and column subsampling from a
 * seeded PRNG (so training is deterministic), L2, L1 or Huber loss, optional early stopping on a validation set.
 * Trees use "go left when x ≤ threshold" with NaN going right, which is exactly ONNX-ML TreeEnsembleRegressor's
 * BRANCH_LEQ, so an exported model computes the same sums.
 */

/**
 * `huber`: squared error for residuals up to δ, absolute beyond, with δ re-set before every tree to the
 * `huberAlpha` quantile of |residual| over the training rows (scale-free, as scikit-learn's `huber` loss does).
 */
export type GbmLoss = 'l2' | 'l1' | 'huber';

export interface GbmParams {
  numTrees: number;
  learningRate: number;
  maxDepth: number;
  minSamplesLeaf: number;
  /** Share of rows drawn (without replacement) for each tree, 0 < subsample ≤ 1. */
  subsample: number;
  /** Share of features each tree may split on, 0 < colsample ≤ 1. */
  colsample: number;
  /** L2 penalty on leaf values (in units of row count). */
  lambda: number;
  /** Histogram bins per feature, ≤ 255. */
  maxBins: number;
  loss: GbmLoss;
  /** Huber loss only: the quantile of |residual| that sets δ before each tree, 0 < huberAlpha < 1. */
  huberAlpha: number;
  seed: number;
  /** Stop when the validation loss has not improved for this many trees (needs a validation set); 0 = off. */
  earlyStoppingRounds: number;
}

export const DEFAULT_GBM_PARAMS: GbmParams = {
  numTrees: 300,
  learningRate: 0.05,
  maxDepth: 5,
  minSamplesLeaf: 20,
  subsample: 0.8,
  colsample: 0.8,
  lambda: 1,
  maxBins: 64,
  loss: 'l2',
  huberAlpha: 0.9,
  seed: 1,
  earlyStoppingRounds: 30,
};

/** One tree as flat arrays; node 0 is the root; `feature[i] === -1` marks a leaf whose output is `value[i]`. */
export interface Tree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

export interface GbmModel {
  numFeatures: number;
  baseScore: number;
  /** Leaf values already include the learning rate: prediction = baseScore + Σ leaf. */
  trees: Tree[];
  /** Validation loss after each tree (squared error for L2, absolute for L1 and Huber) with a validation set. */
  validationCurve: number[];
}

/** Row-major feature matrix with its shape. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function matrixFromRows(rows: ReadonlyArray<ArrayLike<number>>, cols?: number): Matrix {
  const c = cols ?? rows[0]?.length ?? 0;
  const data = new Float64Array(rows.length * c);
  rows.forEach((r, i) => {
    if (r.length !== c) throw new RangeError(`matrixFromRows: row ${i} has ${r.length} values, expected ${c}`);
    for (let j = 0; j < c; j++) data[i * c + j] = r[j] as number;
  });
  return { rows: rows.length, cols: c, data };
}

export function predictTree(tree: Tree, x: ArrayLike<number>, offset = 0): number {
  let node = 0;
  for (;;) {
    const f = tree.feature[node] as number;
    if (f < 0) return tree.value[node] as number;
    node =
      (x[offset + f] as number) <= (tree.threshold[node] as number)
        ? (tree.left[node] as number)
        : (tree.right[node] as number);
  }
}

export function predictRow(model: GbmModel, x: ArrayLike<number>, offset = 0): number {
  let s = model.baseScore;
  for (const t of model.trees) s += predictTree(t, x, offset);
  return s;
}

/**
 * The equal-weight average of several ensembles as one ensemble: every tree kept, its leaves scaled by 1 / count,
 * and the mean base score, so the sum over trees is the average prediction and exports as one ONNX tree ensemble.
 */
export function averageGbmModels(models: readonly GbmModel[]): GbmModel {
  const first = models[0];
  if (first === undefined) throw new RangeError('averageGbmModels: no models');
  if (models.some((m) => m.numFeatures !== first.numFeatures))
    throw new RangeError('averageGbmModels: the models take different numbers of features');
  const w = 1 / models.length;
  return {
    numFeatures: first.numFeatures,
    baseScore: models.reduce((a, m) => a + m.baseScore, 0) * w,
    trees: models.flatMap((m) => m.trees.map((t) => ({ ...t, value: t.value.map((v) => v * w) }))),
    validationCurve: first.validationCurve,
  };
}

export function predictMatrix(model: GbmModel, x: Matrix): Float64Array {
  if (x.cols !== model.numFeatures) {
    throw new RangeError(`predictMatrix: model takes ${model.numFeatures} features, got ${x.cols}`);
  }
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) out[i] = predictRow(model, x.data, i * x.cols);
  return out;
}

interface Binning {
  /** Per feature, ascending cut points; bin b holds x ≤ cuts[b] (and > cuts[b-1]); NaN and > last cut go to the last bin. */
  cuts: Float64Array[];
  bins: Uint8Array;
}

function buildBins(x: Matrix, maxBins: number): Binning {
  if (maxBins < 2 || maxBins > 255) throw new RangeError(`gbm: maxBins must be 2…255, got ${maxBins}`);
  const { rows, cols, data } = x;
  const cuts: Float64Array[] = [];
  const bins = new Uint8Array(rows * cols);
  const column = new Float64Array(rows);
  for (let f = 0; f < cols; f++) {
    let n = 0;
    for (let i = 0; i < rows; i++) {
      const v = data[i * cols + f] as number;
      if (!Number.isNaN(v)) column[n++] = v;
    }
    const sorted = column.subarray(0, n).slice().sort();
    const distinct: number[] = [];
    for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i] as number);
    const c: number[] = [];
    if (distinct.length <= maxBins - 1) {
      for (let i = 0; i + 1 < distinct.length; i++) c.push(((distinct[i] as number) + (distinct[i + 1] as number)) / 2);
    } else {
      for (let b = 1; b < maxBins - 1; b++) {
        const v = sorted[Math.floor((b * n) / (maxBins - 1))] as number;
        // Cut between v and the next larger distinct value, so equal values stay in one bin.
        const idx = upperIndex(distinct, v);
        if (idx + 1 >= distinct.length) break;
        const cut = ((distinct[idx] as number) + (distinct[idx + 1] as number)) / 2;
        if (c.length === 0 || cut > (c[c.length - 1] as number)) c.push(cut);
      }
    }
    const fc = Float64Array.from(c);
    cuts.push(fc);
    for (let i = 0; i < rows; i++) {
      const v = data[i * cols + f] as number;
      bins[i * cols + f] = Number.isNaN(v) ? fc.length : firstCutAtOrAbove(fc, v);
    }
  }
  return { cuts, bins };
}

function upperIndex(distinct: number[], v: number): number {
  let lo = 0;
  let hi = distinct.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((distinct[mid] as number) <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Index of the first cut ≥ v (x ≤ cut ⇒ left), or cuts.length. */
function firstCutAtOrAbove(cuts: Float64Array, v: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cuts[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The `q` quantile (lower order statistic) of `values`, which it reorders. */
function quantileInPlace(values: Float64Array, q: number): number {
  values.sort();
  return values[Math.min(values.length - 1, Math.floor(q * values.length))] as number;
}

/** Huber is stopped on absolute error: its δ moves from tree to tree, so its own loss would not compare across trees. */
function validationLoss(loss: GbmLoss, e: number): number {
  return loss === 'l2' ? e * e : Math.abs(e);
}

function median(values: Float64Array): number {
  if (values.length === 0) return 0;
  const s = values.slice().sort();
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Trains a model. `validation` (optional) drives early stopping and the recorded validation curve. */
export function trainGbm(
  x: Matrix,
  y: ArrayLike<number>,
  params: Partial<GbmParams> = {},
  validation?: { x: Matrix; y: ArrayLike<number> },
): GbmModel {
  const p: GbmParams = { ...DEFAULT_GBM_PARAMS, ...params };
  const { rows, cols } = x;
  if (y.length !== rows) throw new RangeError(`trainGbm: ${rows} rows but ${y.length} targets`);
  if (rows === 0) throw new RangeError('trainGbm: no training rows');
  for (let i = 0; i < rows; i++) {
    if (!Number.isFinite(y[i] as number)) throw new RangeError(`trainGbm: target ${i} is not finite`);
  }
  if (!(p.subsample > 0 && p.subsample <= 1)) throw new RangeError(`trainGbm: subsample must be in (0, 1]`);
  if (!(p.colsample > 0 && p.colsample <= 1)) throw new RangeError(`trainGbm: colsample must be in (0, 1]`);
  if (p.loss === 'huber' && !(p.huberAlpha > 0 && p.huberAlpha < 1))
    throw new RangeError(`trainGbm: huberAlpha must be in (0, 1), got ${p.huberAlpha}`);
  const rand = mulberry32(p.seed);
  const { cuts, bins } = buildBins(x, p.maxBins);
  const ys = Float64Array.from(y as ArrayLike<number>);
  const baseScore = p.loss === 'l1' ? median(ys) : ys.reduce((s, v) => s + v, 0) / rows;
  const pred = new Float64Array(rows).fill(baseScore);
  const grad = new Float64Array(rows);
  const trees: Tree[] = [];
  const validationCurve: number[] = [];
  const valPred = validation ? new Float64Array(validation.x.rows).fill(baseScore) : undefined;
  let best = Infinity;
  let bestTrees = 0;
  const allRows = new Int32Array(rows);
  for (let i = 0; i < rows; i++) allRows[i] = i;
  const sampleSize = Math.max(1, Math.round(rows * p.subsample));
  const nBinsMax = p.maxBins;
  const histG = new Float64Array(nBinsMax);
  const histN = new Float64Array(nBinsMax);

  const absRes = p.loss === 'huber' ? new Float64Array(rows) : undefined;
  let delta = Infinity;

  for (let t = 0; t < p.numTrees; t++) {
    if (absRes) {
      for (let i = 0; i < rows; i++) absRes[i] = Math.abs((ys[i] as number) - (pred[i] as number));
      delta = quantileInPlace(absRes, p.huberAlpha);
    }
    for (let i = 0; i < rows; i++) {
      const r = (ys[i] as number) - (pred[i] as number);
      // Huber: the clipped residual is the negative gradient; leaves take its mean (one Newton step, hessian 1).
      grad[i] = p.loss === 'l1' ? Math.sign(r) : p.loss === 'huber' ? Math.max(-delta, Math.min(delta, r)) : r;
    }
    // Partial Fisher–Yates: the first sampleSize entries are the rows of this tree.
    const idx = allRows.slice();
    if (sampleSize < rows) {
      for (let i = 0; i < sampleSize; i++) {
        const j = i + Math.floor(rand() * (rows - i));
        const tmp = idx[i] as number;
        idx[i] = idx[j] as number;
        idx[j] = tmp;
      }
    }
    const features: number[] = [];
    for (let f = 0; f < cols; f++) if (p.colsample >= 1 || rand() < p.colsample) features.push(f);
    if (features.length === 0) features.push(Math.floor(rand() * cols));

    const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [] };
    const grow = (lo: number, hi: number, depth: number): number => {
      const node = tree.feature.length;
      tree.feature.push(-1);
      tree.threshold.push(0);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push(0);
      const n = hi - lo;
      let gSum = 0;
      for (let k = lo; k < hi; k++) gSum += grad[idx[k] as number] as number;
      let bestGain = 1e-12;
      let bestF = -1;
      let bestBin = -1;
      if (depth < p.maxDepth && n >= 2 * p.minSamplesLeaf) {
        const parentScore = (gSum * gSum) / (n + p.lambda);
        for (const f of features) {
          const nb = (cuts[f] as Float64Array).length + 1;
          if (nb < 2) continue;
          histG.fill(0, 0, nb);
          histN.fill(0, 0, nb);
          for (let k = lo; k < hi; k++) {
            const r = idx[k] as number;
            const b = bins[r * cols + f] as number;
            histG[b] = (histG[b] as number) + (grad[r] as number);
            histN[b] = (histN[b] as number) + 1;
          }
          let gl = 0;
          let nl = 0;
          for (let b = 0; b < nb - 1; b++) {
            gl += histG[b] as number;
            nl += histN[b] as number;
            const nr = n - nl;
            if (nl < p.minSamplesLeaf) continue;
            if (nr < p.minSamplesLeaf) break;
            const gr = gSum - gl;
            const gain = (gl * gl) / (nl + p.lambda) + (gr * gr) / (nr + p.lambda) - parentScore;
            if (gain > bestGain) {
              bestGain = gain;
              bestF = f;
              bestBin = b;
            }
          }
        }
      }
      if (bestF < 0) {
        tree.value[node] = p.learningRate * leafValue(lo, hi, gSum, n);
        return node;
      }
      // Partition rows of [lo, hi): bin ≤ bestBin to the left.
      let i = lo;
      let j = hi - 1;
      while (i <= j) {
        if ((bins[(idx[i] as number) * cols + bestF] as number) <= bestBin) i++;
        else {
          const tmp = idx[i] as number;
          idx[i] = idx[j] as number;
          idx[j] = tmp;
          j--;
        }
      }
      tree.feature[node] = bestF;
      tree.threshold[node] = (cuts[bestF] as Float64Array)[bestBin] as number;
      tree.left[node] = grow(lo, i, depth + 1);
      tree.right[node] = grow(i, hi, depth + 1);
      return node;
    };
    const leafValue = (lo: number, hi: number, gSum: number, n: number): number => {
      if (p.loss === 'l2') return gSum / (n + p.lambda);
      const res = new Float64Array(n);
      for (let k = lo; k < hi; k++) {
        const r = idx[k] as number;
        res[k - lo] = (ys[r] as number) - (pred[r] as number);
      }
      return (median(res) * n) / (n + p.lambda);
    };
    grow(0, sampleSize, 0);
    trees.push(tree);
    for (let i = 0; i < rows; i++) pred[i] = (pred[i] as number) + predictTree(tree, x.data, i * cols);

    if (validation && valPred) {
      const v = validation.x;
      let loss = 0;
      for (let i = 0; i < v.rows; i++) {
        valPred[i] = (valPred[i] as number) + predictTree(tree, v.data, i * v.cols);
        const e = (validation.y[i] as number) - (valPred[i] as number);
        loss += validationLoss(p.loss, e);
      }
      loss /= Math.max(1, v.rows);
      validationCurve.push(loss);
      if (loss < best - 1e-12) {
        best = loss;
        bestTrees = t + 1;
      } else if (p.earlyStoppingRounds > 0 && t + 1 - bestTrees >= p.earlyStoppingRounds) {
        break;
      }
    }
  }
  const keep = validation && p.earlyStoppingRounds > 0 ? Math.max(1, bestTrees) : trees.length;
  return { numFeatures: cols, baseScore, trees: trees.slice(0, keep), validationCurve };
}
