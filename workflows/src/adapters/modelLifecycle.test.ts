/**
 * @jest-environment ./models/jest-ort-environment.js
 */
import { DAY_MS } from '@carbonreducer/common';
import { ModelRegistry } from '@carbonreducer/models';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decidePromotion } from '@carbonreducer/forecast';
import type { TrialResult } from '../types';
import { createModelLifecycle, decodeParams, defaultTargetData, encodeParams } from './modelLifecycle';

const jan2023 = Date.UTC(2023, 0, 1);

describe('model lifecycle adapter (real NESO data, temporary registry)', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'carbonreducer-registry-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('searches, registers a challenger with backtest metrics and promotes by the registry rule', async () => {
    let nowMs = Date.UTC(2026, 0, 1);
    const base = defaultTargetData().intensity;
    const lifecycle = createModelLifecycle({
      registryRoot: root,
      searchBudgetMs: 3_000,
      clock: () => nowMs,
      data: {
        intensity: {
          files: base.files,
          train: { fromMs: jan2023, toMs: jan2023 + 10 * DAY_MS },
          test: { fromMs: jan2023 + 10 * DAY_MS, toMs: jan2023 + 11 * DAY_MS },
        },
      },
    });
    let heartbeats = 0;
    let reported: TrialResult[] = [];
    const search = await lifecycle.searchHyperparameters(
      { target: 'intensity', trials: 3, seed: 7 },
      {
        completed: [],
        onTrial: (all) => (reported = [...all]),
        heartbeat: () => heartbeats++,
        signal: new AbortController().signal,
      },
    );
    expect(search.trials.length).toBeGreaterThan(0);
    expect(reported).toEqual(search.trials);
    expect(heartbeats).toBeGreaterThan(0);
    expect(Number.isFinite(search.best.validationMae)).toBe(true);

    // A search whose trials all finished in an earlier attempt fits nothing again.
    const resumed = await lifecycle.searchHyperparameters(
      { target: 'intensity', trials: 3, seed: 7 },
      {
        completed: search.trials,
        onTrial: () => undefined,
        heartbeat: () => {
          throw new Error('resumed search should not run');
        },
        signal: new AbortController().signal,
      },
    );
    expect(resumed.trials).toEqual(search.trials);

    const good = await lifecycle.trainAndRegister(
      { target: 'intensity', params: { ...search.best.params, numTrees: 60 } },
      () => undefined,
    );
    const registry = new ModelRegistry(root);
    expect(await registry.versions('intensity')).toEqual([good.modelVersion]);
    const { meta } = await registry.load('intensity', good.modelVersion);
    expect(meta.backtest.points).toBeGreaterThan(0);
    expect(meta.backtest.horizons.length).toBeGreaterThan(0);
    expect(await registry.champion('intensity')).toBeNull();

    const first = await lifecycle.backtest({ target: 'intensity', challengerVersion: good.modelVersion });
    expect(first.championVersion).toBeNull();
    expect(first.challengerScore).toBeGreaterThan(0);
    expect(first.windows).toBe(meta.backtest.points);
    expect(decidePromotion(first, 0.02).promote).toBe(true);
    await lifecycle.promote({ target: 'intensity', modelVersion: good.modelVersion });
    expect((await registry.champion('intensity'))?.version).toBe(good.modelVersion);

    // A barely trained challenger scores worse: the workflow's rule keeps the champion and the registry refuses too.
    nowMs += 60_000;
    const weak = await lifecycle.trainAndRegister(
      { target: 'intensity', params: { numTrees: 1, learningRate: 0.01, maxDepth: 2 } },
      () => undefined,
    );
    const second = await lifecycle.backtest({ target: 'intensity', challengerVersion: weak.modelVersion });
    expect(second.championVersion).toBe(good.modelVersion);
    expect(second.championScore).toBeCloseTo(first.challengerScore, 10);
    expect(second.challengerScore).toBeGreaterThan(second.championScore ?? Infinity);
    expect(decidePromotion(second, 0.02).promote).toBe(false);
    await expect(lifecycle.promote({ target: 'intensity', modelVersion: weak.modelVersion })).rejects.toThrow(
      /not promoted/,
    );
    expect((await registry.champion('intensity'))?.version).toBe(good.modelVersion);
  }, 180_000);

  it('round-trips hyperparameters and names unknown ones', () => {
    const p = { numTrees: 100, learningRate: 0.1, loss: 'l1' as const };
    expect(decodeParams(encodeParams(p))).toEqual(p);
    expect(() => decodeParams({ depth: 3 })).toThrow(/unknown hyperparameter "depth"/);
    expect(() => decodeParams({ numTrees: NaN })).toThrow(/numTrees must be a finite number/);
  });
});
