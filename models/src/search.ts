import {
  DEFAULT_GBM_PARAMS,
  buildTrainingSet,
  mulberry32,
  predictRow,
  sliceRows,
  trainGbm,
  type FeatureSet,
  type GbmParams,
  type RegularSeries,
  type TrainingSet,
} from '@carbonreducer/forecast';

/** The grid the search samples from. */
export const SEARCH_SPACE = {
  learningRate: [0.03, 0.05, 0.1],
  maxDepth: [3, 4, 5, 6],
  minSamplesLeaf: [10, 20, 50],
  subsample: [0.7, 0.9],
  colsample: [0.6, 0.8, 1],
  loss: ['l2', 'l1'] as const,
};

export interface SearchOptions {
  /** Horizons (slots ahead) the score averages over; a few representative ones keep the search cheap. */
  stepsAhead: number[];
  /** Wall-clock budget in ms; the search stops starting new fits when it is spent and keeps the best so far. */
  budgetMs: number;
  configs?: number;
  /** Trees at the first rung; each rung multiplies by `eta` and keeps the best 1/eta. */
  minTrees?: number;
  eta?: number;
  seed?: number;
  clock?: () => number;
  onProgress?: (done: number, total: number, label: string) => void;
  /** Called with each trial as soon as it is scored, so a caller can checkpoint (e.g. in a Temporal heartbeat). */
  onTrial?: (trial: SearchTrial) => void;
  /**
   * Trials an interrupted run of the same search (same data, seed and configs) already scored: reused instead of
   * fitted again, so the search resumes where it stopped.
   */
  completed?: readonly SearchTrial[];
}

export interface SearchTrial {
  params: Partial<GbmParams>;
  rung: number;
  trees: number;
  /** Mean over horizons of validation MAE / MAE of predicting zero change (lower is better). */
  score: number;
}

export interface SearchResult {
  best: Partial<GbmParams>;
  bestScore: number;
  trials: SearchTrial[];
  elapsedMs: number;
  /** True when the time budget ended the search before the last rung. */
  stoppedByBudget: boolean;
}

function sampleConfigs(n: number, seed: number): Array<Partial<GbmParams>> {
  const r = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const out: Array<Partial<GbmParams>> = [];
  const seen = new Set<string>();
  // The defaults always take part, so the search can only match or improve on them.
  out.push({ learningRate: 0.05, maxDepth: 5, minSamplesLeaf: 20, subsample: 0.8, colsample: 0.8, loss: 'l2' });
  for (let tries = 0; out.length < n && tries < 50 * n; tries++) {
    const c: Partial<GbmParams> = {
      learningRate: pick(SEARCH_SPACE.learningRate),
      maxDepth: pick(SEARCH_SPACE.maxDepth),
      minSamplesLeaf: pick(SEARCH_SPACE.minSamplesLeaf),
      subsample: pick(SEARCH_SPACE.subsample),
      colsample: pick(SEARCH_SPACE.colsample),
      loss: pick(SEARCH_SPACE.loss),
    };
    const key = JSON.stringify(c);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(c);
    }
  }
  return out;
}

/** Identity of a trial whatever the key order of its parameters (they may come back from a checkpoint). */
function trialKey(rung: number, params: Partial<GbmParams>): string {
  return `${rung}:${JSON.stringify(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;
}

/**
 * Successive halving over GBM hyperparameters, with early stopping inside each fit and a wall-clock budget.
 * Scores come from the held-out tail (last 20 %) of the training data only.
 */
export function successiveHalving(series: RegularSeries, features: FeatureSet, opts: SearchOptions): SearchResult {
  const clock = opts.clock ?? Date.now;
  const start = clock();
  const eta = opts.eta ?? 3;
  const minTrees = opts.minTrees ?? 40;
  let configs = sampleConfigs(opts.configs ?? 9, opts.seed ?? 1);
  const sets: Array<{ fit: TrainingSet; val: TrainingSet; zeroMae: number }> = opts.stepsAhead.map((k) => {
    const set = buildTrainingSet(series, features, k);
    const cut = Math.floor(set.y.length * 0.8);
    const val = sliceRows(set, cut, set.y.length);
    const zeroMae = val.y.reduce((s, v) => s + Math.abs(v), 0) / Math.max(1, val.y.length);
    return { fit: sliceRows(set, 0, cut), val, zeroMae: Math.max(zeroMae, 1e-9) };
  });
  const rungs: number[] = [];
  for (let n = configs.length, t = minTrees; n >= 1; n = Math.floor(n / eta), t *= eta) {
    rungs.push(t);
    if (n === 1) break;
  }
  const totalFits = rungs.reduce((s, _, i) => s + Math.max(1, Math.floor(configs.length / eta ** i)), 0) * sets.length;
  let fits = 0;
  const trials: SearchTrial[] = [];
  const done = new Map((opts.completed ?? []).map((t) => [trialKey(t.rung, t.params), t.score]));
  let stoppedByBudget = false;
  outer: for (let rung = 0; rung < rungs.length; rung++) {
    const trees = rungs[rung] as number;
    const scored: SearchTrial[] = [];
    for (const params of configs) {
      const previous = done.get(trialKey(rung, params));
      if (previous !== undefined) {
        const t: SearchTrial = { params, rung, trees, score: previous };
        scored.push(t);
        trials.push(t);
        fits += sets.length;
        continue;
      }
      let sum = 0;
      for (const s of sets) {
        if (clock() - start > opts.budgetMs) {
          stoppedByBudget = true;
          break outer;
        }
        const m = trainGbm(
          s.fit.x,
          s.fit.y,
          { ...DEFAULT_GBM_PARAMS, ...params, numTrees: trees, earlyStoppingRounds: 20 },
          s.val,
        );
        let err = 0;
        for (let i = 0; i < s.val.y.length; i++)
          err += Math.abs((s.val.y[i] as number) - predictRow(m, s.val.x.data, i * s.val.x.cols));
        sum += err / Math.max(1, s.val.y.length) / s.zeroMae;
        fits++;
        opts.onProgress?.(fits, totalFits, `search rung ${rung + 1}/${rungs.length} (${trees} trees)`);
      }
      const t: SearchTrial = { params, rung, trees, score: sum / sets.length };
      scored.push(t);
      trials.push(t);
      opts.onTrial?.(t);
    }
    scored.sort((a, b) => a.score - b.score);
    configs = scored.slice(0, Math.max(1, Math.floor(scored.length / eta))).map((t) => t.params);
  }
  const maxRung = Math.max(-1, ...trials.map((t) => t.rung));
  const top = trials.filter((t) => t.rung === maxRung).sort((a, b) => a.score - b.score)[0];
  if (top === undefined) throw new Error('successiveHalving: the time budget ran out before the first fit finished');
  return {
    best: { ...top.params, numTrees: Math.max(top.trees, 400) },
    bestScore: top.score,
    trials,
    elapsedMs: clock() - start,
    stoppedByBudget,
  };
}
