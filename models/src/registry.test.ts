import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HorizonMetrics } from '@carbonreducer/forecast';
import { backtestScore, ModelRegistry, type ModelMetadata } from './registry';

const h = (mae: number, naive: number): HorizonMetrics => ({
  h: '1h',
  mae,
  rmse: mae,
  mape: 1,
  seasonalNaiveMae: naive,
  operatorMae: null,
  knnMae: null,
  coverage80: 0.8,
});

function meta(horizons: HorizonMetrics[]): Omit<ModelMetadata, 'version' | 'onnxSha256' | 'createdAt'> {
  return {
    target: 'load',
    modelType: 'gbm-direct',
    trainingWindow: { from: '2014-03-01T00:00:00.000Z', to: '2014-07-01T00:00:00.000Z' },
    testWindow: { from: '2014-07-01T00:00:00.000Z', to: '2014-10-01T00:00:00.000Z' },
    features: ['y0'],
    hyperparameters: { numTrees: 10 },
    dataHash: 'abc',
    backtest: { points: 10, horizons },
    attribution: 'test',
  };
}

describe('model registry', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'registry-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('scores relative to seasonal naive', () => {
    expect(backtestScore([h(1, 2), h(3, 4)])).toBeCloseTo((0.5 + 0.75) / 2, 10);
  });

  it('stores versions and promotes a challenger only when its backtest score is better', async () => {
    const reg = new ModelRegistry(root);
    const a = await reg.register(meta([h(0.8, 1)]), new Uint8Array([1, 2, 3]), Date.parse('2026-01-01T00:00:00Z'));
    expect((await reg.promoteIfBetter('load', a.version, 0)).promoted).toBe(true);
    const worse = await reg.register(meta([h(0.9, 1)]), new Uint8Array([4]), Date.parse('2026-01-02T00:00:00Z'));
    expect((await reg.promoteIfBetter('load', worse.version, 0)).promoted).toBe(false);
    expect((await reg.champion('load'))?.version).toBe(a.version);
    const better = await reg.register(meta([h(0.7, 1)]), new Uint8Array([5]), Date.parse('2026-01-03T00:00:00Z'));
    const p = await reg.promoteIfBetter('load', better.version, 0);
    expect(p).toMatchObject({ promoted: true, championScore: 0.8 });
    const loaded = await reg.loadChampion('load');
    expect(Array.from(loaded.onnx)).toEqual([5]);
    expect(loaded.meta.trainingWindow.from).toBe('2014-03-01T00:00:00.000Z');
    expect(await reg.versions('load')).toHaveLength(3);
  });

  it('refuses a model file that does not match its recorded hash', async () => {
    const reg = new ModelRegistry(root);
    const a = await reg.register(meta([h(1, 2)]), new Uint8Array([1]), 0);
    await writeFile(join(root, 'load', a.version, 'model.onnx'), new Uint8Array([9]));
    await expect(reg.load('load', a.version)).rejects.toThrow(/cannot load load model/);
  });

  it("stores extra model files (an ensemble's LSTM) with their hashes and checks them on load", async () => {
    const reg = new ModelRegistry(root);
    const a = await reg.register({ ...meta([h(1, 2)]), modelType: 'ensemble' }, new Uint8Array([1]), 0, {
      'lstm.onnx': new Uint8Array([7, 8]),
    });
    expect(Object.keys(a.extraFiles ?? {})).toEqual(['lstm.onnx']);
    const loaded = await reg.load('load', a.version);
    expect(Array.from(loaded.extra['lstm.onnx'] ?? [])).toEqual([7, 8]);
    await writeFile(join(root, 'load', a.version, 'lstm.onnx'), new Uint8Array([9]));
    await expect(reg.load('load', a.version)).rejects.toThrow(/cannot load load model/);
    await expect(reg.register(meta([]), new Uint8Array([2]), 1, { '../x.onnx': new Uint8Array() })).rejects.toThrow(
      /extra file name/,
    );
  });

  it('says how to get a champion when there is none', async () => {
    await expect(new ModelRegistry(root).loadChampion('intensity')).rejects.toThrow(/no intensity champion/);
  });
});
