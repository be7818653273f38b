import { sharedDataPath } from '@carbonreducer/datasets';
import { downsample, type RegularSeries } from '@carbonreducer/forecast';
import { loadIntensityMixed, subSlotJitter } from './data';

const HOUR = 3_600_000;
const HALF = 1_800_000;
const C = (f: string): string => sharedDataPath(`carbon-intensity/${f}`);

describe('training data jitter', () => {
  it('measures the jitter on the series given at the step and scales it by the share', () => {
    // Half-hours alternating ±2 around a flat hourly mean: interpolation gives back the mean, so the jitter is 2.
    const fine: RegularSeries = {
      startMs: Date.UTC(2023, 0, 1),
      stepMs: HALF,
      values: Float64Array.from({ length: 96 }, (_, i) => 100 + (i % 2 === 0 ? 2 : -2)),
    };
    const coarse: RegularSeries = {
      startMs: Date.UTC(2022, 0, 1),
      stepMs: HOUR,
      values: new Float64Array(48).fill(90),
    };
    expect(subSlotJitter([coarse, fine], HALF, 0.5).get(HOUR)).toBeCloseTo(1, 9);
    expect(subSlotJitter([coarse, fine], HALF, 0).size).toBe(0);
    expect(subSlotJitter([coarse], HALF, 0.5).size).toBe(0); // nothing measured at 30 min: nothing to copy
    expect(() => subSlotJitter([coarse, fine], HALF, -1)).toThrow(/subSlotJitterShare/);
  });

  it('roughens interpolated Electricity Maps half-hours, keeps their hourly means, and leaves NESO rows alone', async () => {
    const files = [C('electricitymaps-gb-2022-hourly.csv'), C('neso-gb-national-2023H1.csv')];
    const range = { fromMs: Date.UTC(2022, 11, 1), toMs: Date.UTC(2023, 1, 1) };
    const plain = (await loadIntensityMixed(files, HALF, range)).actual;
    const rough = (await loadIntensityMixed(files, HALF, range, { subSlotJitterShare: 0.5 })).actual;
    expect(rough.startMs).toBe(plain.startMs);
    const neso = Date.UTC(2023, 0, 1);
    let changed = 0;
    let sq = 0;
    rough.values.forEach((v, i) => {
      const d = v - (plain.values[i] as number);
      if (plain.startMs + i * HALF >= neso) expect(d === 0 || Number.isNaN(d)).toBe(true);
      else if (Number.isFinite(d) && d !== 0) {
        changed++;
        sq += d * d;
      }
    });
    expect(changed).toBeGreaterThan(1000);
    // Half of NESO's measured half-hour jitter (~3 gCO2/kWh in Jan 2023).
    expect(Math.sqrt(sq / changed)).toBeGreaterThan(0.8);
    expect(Math.sqrt(sq / changed)).toBeLessThan(2.5);
    // Hourly means kept, up to the hour whose second half is NESO's first slot (2022-12-31 23:30, which wins the merge).
    const a = downsample(plain, HOUR);
    const b = downsample(rough, HOUR).values;
    let checked = 0;
    a.values.forEach((v, i) => {
      if (Number.isNaN(v) || a.startMs + (i + 1) * HOUR > neso - HALF) return;
      expect(b[i]).toBeCloseTo(v, 9);
      checked++;
    });
    expect(checked).toBeGreaterThan(700);
  });
});
