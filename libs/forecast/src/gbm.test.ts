import { mulberry32 } from './prng';
import { averageGbmModels, predictMatrix, trainGbm, type Matrix } from './gbm';

function dataset(n: number, seed: number): { x: Matrix; y: Float64Array } {
  const r = mulberry32(seed);
  const data = new Float64Array(n * 3);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = r() * 10;
    const b = r() * 10;
    const c = r();
    data.set([a, b, c], i * 3);
    y[i] = (a > 5 ? 20 : 0) + 2 * b + (r() - 0.5);
  }
  return { x: { rows: n, cols: 3, data }, y };
}

describe('gradient-boosted trees', () => {
  it('learns a step plus a slope far better than the mean', () => {
    const train = dataset(2000, 1);
    const test = dataset(500, 2);
    const model = trainGbm(train.x, train.y, { numTrees: 200, learningRate: 0.1, maxDepth: 3, earlyStoppingRounds: 0 });
    const pred = predictMatrix(model, test.x);
    const mean = train.y.reduce((s, v) => s + v, 0) / train.y.length;
    let e = 0;
    let e0 = 0;
    for (let i = 0; i < test.y.length; i++) {
      e += Math.abs((test.y[i] as number) - (pred[i] as number));
      e0 += Math.abs((test.y[i] as number) - mean);
    }
    expect(e / test.y.length).toBeLessThan(0.1 * (e0 / test.y.length));
  });
  it('is deterministic for a seed and changes with the seed', () => {
    const d = dataset(500, 3);
    const p = { numTrees: 30, subsample: 0.7, colsample: 0.7, earlyStoppingRounds: 0 };
    const a = predictMatrix(trainGbm(d.x, d.y, { ...p, seed: 7 }), d.x);
    const b = predictMatrix(trainGbm(d.x, d.y, { ...p, seed: 7 }), d.x);
    const c = predictMatrix(trainGbm(d.x, d.y, { ...p, seed: 8 }), d.x);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });
  it('stops early on a validation set and keeps the best number of trees', () => {
    const d = dataset(600, 4);
    const v = dataset(300, 5);
    const model = trainGbm(d.x, d.y, { numTrees: 2000, learningRate: 0.3, earlyStoppingRounds: 10 }, v);
    expect(model.trees.length).toBeLessThan(2000);
    const best = Math.min(...model.validationCurve);
    expect(model.validationCurve[model.trees.length - 1]).toBe(best);
  });
  it('averages seeds into one ensemble whose prediction is the mean of theirs', () => {
    const d = dataset(500, 9);
    const p = { numTrees: 25, subsample: 0.7, colsample: 0.7, earlyStoppingRounds: 0 };
    const models = [7, 8, 9].map((seed) => trainGbm(d.x, d.y, { ...p, seed }));
    const avg = averageGbmModels(models);
    expect(avg.trees).toHaveLength(75);
    const each = models.map((m) => predictMatrix(m, d.x));
    const got = predictMatrix(avg, d.x);
    for (let i = 0; i < d.y.length; i++) {
      const mean = each.reduce((s, e) => s + (e[i] as number), 0) / 3;
      expect(got[i]).toBeCloseTo(mean, 10);
    }
    // Not just one of them: the seeds disagree somewhere.
    expect(Array.from(got)).not.toEqual(Array.from(each[0] as Float64Array));
    expect(() => averageGbmModels([])).toThrow(/no models/);
  });
  it('Huber loss shrugs off gross outliers that pull L2 away from the clean signal', () => {
    const train = dataset(2000, 11);
    const r = mulberry32(12);
    // 5 % of the targets shifted by +200: the mean of a leaf moves by ~10, a Huber leaf barely.
    for (let i = 0; i < train.y.length; i++) if (r() < 0.05) train.y[i] = (train.y[i] as number) + 200;
    const test = dataset(500, 13);
    const p = { numTrees: 200, learningRate: 0.1, maxDepth: 3, earlyStoppingRounds: 0 };
    const mae = (loss: 'l2' | 'huber'): number => {
      const pred = predictMatrix(trainGbm(train.x, train.y, { ...p, loss }), test.x);
      let e = 0;
      for (let i = 0; i < test.y.length; i++) e += Math.abs((test.y[i] as number) - (pred[i] as number));
      return e / test.y.length;
    };
    const l2 = mae('l2');
    const huber = mae('huber');
    expect(l2).toBeGreaterThan(5);
    expect(huber).toBeLessThan(2);
    expect(() => trainGbm(train.x, train.y, { loss: 'huber', huberAlpha: 1 })).toThrow(/huberAlpha/);
  });
  it('rejects non-finite targets with a message', () => {
    const d = dataset(10, 6);
    d.y[3] = NaN;
    expect(() => trainGbm(d.x, d.y)).toThrow(/target 3 is not finite/);
  });
});
