import { intensityFeatures, mulberry32, type RegularSeries } from '@carbonreducer/forecast';
import { successiveHalving, type SearchTrial } from './search';

function series(days: number): RegularSeries {
  const r = mulberry32(3);
  const step = 3_600_000;
  const values = new Float64Array(days * 24).map((_, i) => 200 + 50 * Math.sin((2 * Math.PI * i) / 24) + 10 * r());
  return { startMs: Date.parse('2023-01-02T00:00:00Z'), stepMs: step, values };
}

describe('successive halving', () => {
  it('runs the rungs, keeping fewer configurations with more trees each', () => {
    const res = successiveHalving(series(40), intensityFeatures(3_600_000), {
      stepsAhead: [1],
      budgetMs: 60_000,
      configs: 9,
      minTrees: 10,
    });
    const perRung = [0, 1, 2].map((r) => res.trials.filter((t) => t.rung === r).length);
    expect(perRung).toEqual([9, 3, 1]);
    expect(res.trials.filter((t) => t.rung === 2)[0]?.trees).toBe(90);
    expect(res.stoppedByBudget).toBe(false);
    expect(Number.isFinite(res.bestScore)).toBe(true);
  });
  it('stops when the time budget is spent and keeps the best finished trial', () => {
    let t = 0;
    const clock = (): number => (t += 1000);
    const res = successiveHalving(series(40), intensityFeatures(3_600_000), {
      stepsAhead: [1],
      budgetMs: 5_500,
      configs: 9,
      minTrees: 10,
      clock,
    });
    expect(res.stoppedByBudget).toBe(true);
    expect(res.trials.length).toBeGreaterThan(0);
    expect(res.trials.length).toBeLessThan(9);
  });
  it('resumes from checkpointed trials: reuses their scores, fits only the rest, and ends where a full run ends', () => {
    const opts = { stepsAhead: [1], budgetMs: 60_000, configs: 9, minTrees: 10 };
    const checkpoint: SearchTrial[] = [];
    const full = successiveHalving(series(40), intensityFeatures(3_600_000), {
      ...opts,
      onTrial: (t) => checkpoint.push(t),
    });
    expect(checkpoint).toEqual(full.trials);

    // Interrupted after five trials; the checkpoint's parameters come back with another key order.
    const saved = checkpoint
      .slice(0, 5)
      .map((t) => ({ ...t, params: Object.fromEntries(Object.entries(t.params).reverse()) }));
    let fits = 0;
    const resumed = successiveHalving(series(40), intensityFeatures(3_600_000), {
      ...opts,
      completed: saved,
      onTrial: () => fits++,
    });
    expect(fits).toBe(full.trials.length - 5);
    expect(resumed.best).toEqual(full.best);
    expect(resumed.trials.map((t) => t.score)).toEqual(full.trials.map((t) => t.score));
  });
});
