/**
 * @jest-environment ./models/jest-ort-environment.js
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedDataPath } from '@carbonreducer/datasets';
import type { ForecastPoint } from '@carbonreducer/forecast';
import { loadChampion, registerOutcome, serveModel } from './api';
import { backtestIntensity } from './backtest';
import { loadIntensity } from './data';
import { ModelRegistry } from './registry';

const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

// Real data: NESO Carbon Intensity API, GB national 2023 H1 (CC BY 4.0).
describe('every registered model kind is served through loadChampion', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'models-serve-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('serves gbm, lstm and ensemble models; the ensemble is the average of its parts; no future leaks', async () => {
    const file = sharedDataPath('carbon-intensity/neso-gb-national-2023H1.csv');
    const outcome = await backtestIntensity({
      target: 'intensity',
      trainFiles: [file],
      testFiles: [file],
      trainRange: { fromMs: day('2023-01-01'), toMs: day('2023-01-22') },
      testRange: { fromMs: day('2023-01-22'), toMs: day('2023-01-24') },
      params: { numTrees: 20 },
      model: 'ensemble',
      lstmSeconds: 3,
    });
    const nowMs = Date.parse('2023-02-05T10:10:00Z');
    // The ensemble becomes champion of an empty registry and is served by loadChampion.
    const r = await registerOutcome(outcome, root, Date.parse('2026-11-27T12:00:00Z'));
    expect(r.meta.modelType).toBe('ensemble');
    expect(Object.keys(r.meta.extraFiles ?? {})).toEqual(['lstm.onnx']);
    const champion = await loadChampion('intensity', root);
    expect(champion.meta.version).toBe(r.meta.version);
    const history = (await loadIntensity([file])).actual;
    const ens = await champion.forecast(history, nowMs);

    // The same outcome stored as a GBM-only and as an LSTM-only model (separate registries: no promotion involved).
    const registry = new ModelRegistry(join(root, 'parts'));
    const { extraFiles: _e, version: _v, onnxSha256: _h, createdAt: _c, ...common } = r.meta;
    const lstm = outcome.lstm;
    if (lstm === undefined) throw new Error('the ensemble backtest trained no LSTM');
    const gbmMeta = await registry.register({ ...common, modelType: 'gbm-direct', lstm: undefined }, outcome.onnx, 1);
    const lstmMeta = await registry.register({ ...common, modelType: 'lstm', direct: undefined }, lstm.onnx, 2);
    const gbm = await (await serveModel(await registry.load('intensity', gbmMeta.version))).forecast(history, nowMs);
    const lstmFc = await (
      await serveModel(await registry.load('intensity', lstmMeta.version))
    ).forecast(history, nowMs);

    for (const fc of [ens, gbm, lstmFc]) {
      expect(fc).toHaveLength(96);
      expect(fc[0]?.fromMs).toBe(Date.parse('2023-02-05T10:00:00Z'));
      for (const p of fc) {
        expect(Number.isFinite(p.point)).toBe(true);
        expect(p.upper).toBeGreaterThan(p.lower);
      }
    }
    ens.forEach((p, i) => {
      expect(p.point).toBeCloseTo(((gbm[i]?.point ?? NaN) + (lstmFc[i]?.point ?? NaN)) / 2, 6);
    });
    // The LSTM and the GBM really are different models.
    expect(lstmFc.some((p, i) => Math.abs(p.point - (gbm[i]?.point ?? NaN)) > 1)).toBe(true);

    // Changing data after `now` changes neither points nor (online-recalibrated) bands.
    const scrambled = { ...history, values: history.values.slice() };
    const cut = (Date.parse('2023-02-05T10:00:00Z') - history.startMs) / history.stepMs;
    for (let i = cut; i < scrambled.values.length; i++) scrambled.values[i] = 999;
    const again: ForecastPoint[] = await champion.forecast(scrambled, nowMs);
    expect(again).toEqual(ens);
  }, 300_000);

  it('says what is missing when a stored model lacks its parts', async () => {
    const registry = new ModelRegistry(join(root, 'broken'));
    const meta = await registry.register(
      {
        target: 'intensity',
        modelType: 'lstm',
        trainingWindow: { from: '', to: '' },
        testWindow: { from: '', to: '' },
        features: [],
        hyperparameters: {},
        dataHash: '',
        backtest: { points: 0, horizons: [] },
        attribution: '',
      },
      new Uint8Array([1, 2, 3]),
      3,
    );
    await expect(serveModel(await registry.load('intensity', meta.version))).rejects.toThrow(/no LSTM metadata/);
  });
});
