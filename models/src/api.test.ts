/**
 * @jest-environment ./models/jest-ort-environment.js
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedDataPath } from '@carbonreducer/datasets';
import { loadChampion, trainAndRegister } from './api';
import { loadHouseholdHourlyKWh } from './data';

// Real data: REFIT house 2 (CC BY 4.0, via DeviceScope).
describe('trainAndRegister → loadChampion → 48 h forecast', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'models-api-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('registers a load model, promotes it, and forecasts the next 48 hours from history only', async () => {
    const f = (m: string): string => sharedDataPath(`households/refit-house2-${m}.csv.gz`);
    const res = await trainAndRegister({
      target: 'load',
      trainFiles: [f('2014-03')],
      testFiles: [f('2014-04')],
      testRange: { fromMs: Date.parse('2014-04-01T00:00:00Z'), toMs: Date.parse('2014-04-08T00:00:00Z') },
      params: { numTrees: 40 },
      registryRoot: root,
      nowMs: Date.parse('2026-11-27T12:00:00Z'),
    });
    expect(res.promoted).toBe(true);
    expect(res.meta.trainingWindow.from).toBe('2014-03-01T00:00:00.000Z');
    expect(res.meta.features).toContain('same_hour_day_ago');
    const champion = await loadChampion('load', root);
    expect(champion.meta.version).toBe(res.meta.version);
    const history = await loadHouseholdHourlyKWh([f('2014-04')]);
    const now = Date.parse('2014-04-20T09:17:00Z');
    const fc = await champion.forecast(history, now);
    expect(fc).toHaveLength(48);
    expect(fc[0]?.fromMs).toBe(Date.parse('2014-04-20T09:00:00Z'));
    for (const p of fc) {
      expect(Number.isFinite(p.point)).toBe(true);
      expect(p.lower).toBeLessThanOrEqual(p.point);
      expect(p.upper).toBeGreaterThanOrEqual(p.point);
    }
    // Changing data after `now` must not change the forecast.
    const scrambled = { ...history, values: history.values.slice() };
    const cut = (Date.parse('2014-04-20T09:00:00Z') - history.startMs) / history.stepMs;
    for (let i = cut; i < scrambled.values.length; i++) scrambled.values[i] = 5;
    expect(await champion.forecast(scrambled, now)).toEqual(fc);
  }, 120_000);
});
