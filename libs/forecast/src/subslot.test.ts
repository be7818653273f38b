import { mulberry32 } from './prng';
import { downsample, upsample, type RegularSeries } from './series';
import { addSubSlotJitter, subSlotJitterRms } from './subslot';

const HOUR = 3_600_000;
const HALF = 1_800_000;

function hourly(n: number, seed: number): RegularSeries {
  const r = mulberry32(seed);
  let v = 150;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = v += (r() - 0.5) * 20;
  return { startMs: Date.UTC(2023, 0, 1), stepMs: HOUR, values };
}

describe('sub-slot jitter', () => {
  it('keeps every hourly mean and gives half-hours the requested spread', () => {
    const base = upsample(hourly(4000, 1), HALF);
    const jittered = addSubSlotJitter(base, HOUR, 3, 7);
    const a = downsample(base, HOUR).values;
    const b = downsample(jittered, HOUR).values;
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i] as number, 9);
    let sq = 0;
    for (let i = 0; i < base.values.length; i++)
      sq += ((jittered.values[i] as number) - (base.values[i] as number)) ** 2;
    expect(Math.sqrt(sq / base.values.length)).toBeGreaterThan(2.85);
    expect(Math.sqrt(sq / base.values.length)).toBeLessThan(3.15);
    // Deterministic for a seed, different for another; the input is not touched.
    expect(Array.from(addSubSlotJitter(base, HOUR, 3, 7).values)).toEqual(Array.from(jittered.values));
    expect(Array.from(addSubSlotJitter(base, HOUR, 3, 8).values)).not.toEqual(Array.from(jittered.values));
    expect(Array.from(base.values)).toEqual(Array.from(upsample(hourly(4000, 1), HALF).values));
  });

  it('measures the jitter it added back (a smooth series has none)', () => {
    const base = upsample(hourly(4000, 2), HALF);
    expect(subSlotJitterRms(base, HOUR)).toBeLessThan(1e-9);
    const rms = subSlotJitterRms(addSubSlotJitter(base, HOUR, 2, 3), HOUR);
    // Interpolating the jittered hourly means back spreads a little of the jitter, so allow a few percent.
    expect(rms).toBeGreaterThan(1.85);
    expect(rms).toBeLessThan(2.15);
  });

  it('leaves hours with a missing half alone and starts at the first whole hour', () => {
    const base = upsample(hourly(10, 3), HALF);
    const shifted = { ...base, startMs: base.startMs + HALF };
    shifted.values[3] = NaN;
    const out = addSubSlotJitter(shifted, HOUR, 5, 1);
    // Slot 0 is the second half of an hour that is not in the series; slots 3–4 form an hour with a hole.
    expect(out.values[0]).toBe(shifted.values[0]);
    expect(out.values[4]).toBe(shifted.values[4]);
    expect(Number.isNaN(out.values[3] as number)).toBe(true);
    expect(out.values[1]).not.toBe(shifted.values[1]);
    expect((out.values[1] as number) + (out.values[2] as number)).toBeCloseTo(
      (shifted.values[1] as number) + (shifted.values[2] as number),
      9,
    );
  });

  it('rejects a step that is not a finer multiple, a bad sigma, and a series with no whole coarse slot', () => {
    const base = upsample(hourly(10, 4), HALF);
    expect(() => addSubSlotJitter(base, HALF, 1, 1)).toThrow(/not a multiple/);
    expect(() => addSubSlotJitter(base, HOUR, -1, 1)).toThrow(/sigma/);
    const lonely = { startMs: Date.UTC(2023, 0, 1), stepMs: HALF, values: Float64Array.from([1, NaN]) };
    expect(() => subSlotJitterRms(lonely, HOUR)).toThrow(/no complete coarse slot/);
  });
});
