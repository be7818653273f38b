import { FallbackChain } from './chain';
import { backfillActuals, ingestCarbonIntensity } from './ingest';
import { chunkRanges, countRejects, missingRanges, screenPoints, type RejectedPoint } from './screen';
import type { CarbonIntensitySource, IntensityPoint, IntensityRegion, IntensityWriter } from './types';

const T0 = Date.parse('2023-03-01T00:00Z');
const SLOT = 1_800_000;
const GB: IntensityRegion = { id: 'GB' };

const actual = (i: number, intensityGPerKWh: number, source = 'neso'): IntensityPoint => ({
  fromMs: T0 + i * SLOT,
  toMs: T0 + (i + 1) * SLOT,
  intensityGPerKWh,
  kind: 'actual',
  issuedAtMs: null,
  source,
});

class MemoryWriter implements IntensityWriter {
  readonly written: IntensityPoint[] = [];
  readonly rejects: RejectedPoint[] = [];
  async write(points: IntensityPoint[]): Promise<void> {
    this.written.push(...points);
  }
  async writeRejects(rejected: RejectedPoint[]): Promise<void> {
    this.rejects.push(...rejected);
  }
  async close(): Promise<void> {}
}

/** A source answering every request with the same points (holes, duplicates, disorder, absurd values). */
function answering(points: IntensityPoint[], name = 'neso'): CarbonIntensitySource {
  return {
    name,
    signal: 'average',
    fetchActuals: async ({ fromMs, toMs }) => points.filter((p) => p.toMs > fromMs && p.fromMs < toMs),
    fetchForecast: async () => [],
  };
}

describe('screenPoints', () => {
  it('refuses each bad point with its reason and keeps the rest, strictly increasing', () => {
    const bad = [
      actual(0, 100),
      actual(1, Number.NaN),
      actual(2, -3),
      actual(3, 25_000),
      actual(4, 110),
      actual(4, 111),
      actual(2, 105),
      { ...actual(6, 90), toMs: T0 + 6 * SLOT },
      actual(7, 95),
    ];
    const { accepted, rejected } = screenPoints(bad);
    expect(accepted.map((p) => [(p.fromMs - T0) / SLOT, p.intensityGPerKWh])).toEqual([
      [0, 100],
      [4, 110],
      [7, 95],
    ]);
    expect(rejected.map((r) => r.reason)).toEqual([
      'not_finite',
      'negative',
      'absurd',
      'duplicate',
      'out_of_order',
      'invalid_slot',
    ]);
    expect(rejected[2]?.detail).toBe('2023-03-01T01:30:00.000Z: intensity 25000 gCO2/kWh > 2000');
    expect(countRejects(rejected)).toMatchObject({ duplicate: 1, absurd: 1, not_ended: 0 });
  });

  it('refuses actuals of slots that have not ended when given now', () => {
    const { rejected } = screenPoints([actual(0, 100), actual(1, 101)], { nowMs: T0 + SLOT + 60_000 });
    expect(rejected.map((r) => r.reason)).toEqual(['not_ended']);
  });
});

describe('missingRanges and chunkRanges', () => {
  it('finds the holes on the grid and splits them into bounded chunks', () => {
    const present = [0, 1, 4, 5, 9].map((i) => T0 + i * SLOT);
    const holes = missingRanges(present, T0, T0 + 10 * SLOT, SLOT);
    expect(holes.map((h) => [(h.fromMs - T0) / SLOT, (h.toMs - T0) / SLOT])).toEqual([
      [2, 4],
      [6, 9],
    ]);
    expect(chunkRanges(holes, 2 * SLOT).map((h) => [(h.fromMs - T0) / SLOT, (h.toMs - T0) / SLOT])).toEqual([
      [2, 4],
      [6, 8],
      [8, 9],
    ]);
    expect(missingRanges([], T0, T0 + 2 * SLOT, SLOT)).toEqual([{ fromMs: T0, toMs: T0 + 2 * SLOT }]);
    expect(() => chunkRanges(holes, 0)).toThrow(/maxChunkMs/);
  });
});

describe('a source answering with bad points', () => {
  it('ingest writes only the good points, counts and records every refusal, and the backfill fills the hole later', async () => {
    // Slot 3 is a hole; slot 5 comes twice (second differs); slot 2 arrives after 4; slot 6 is absurd.
    const sick = [
      actual(0, 100),
      actual(1, 101),
      actual(4, 104),
      actual(2, 102),
      actual(5, 105),
      actual(5, 999),
      actual(6, 9e9),
    ];
    const writer = new MemoryWriter();
    const nowMs = T0 + 8 * SLOT;
    const result = await ingestCarbonIntensity({
      chain: new FallbackChain([
        {
          ...answering(sick),
          fetchForecast: async () => [{ ...actual(8, 120), kind: 'forecast', issuedAtMs: nowMs }],
        },
      ]),
      writer,
      nowMs,
      region: GB,
      actualsHours: 4,
      forecastHours: 1,
    });
    expect(result.rejected).toMatchObject({ out_of_order: 1, duplicate: 1, absurd: 1 });
    expect(writer.written.filter((p) => p.kind === 'actual').map((p) => p.intensityGPerKWh)).toEqual([
      100, 101, 104, 105,
    ]);
    expect(writer.rejects.map((r) => r.reason).sort()).toEqual(['absurd', 'duplicate', 'out_of_order']);

    // The source recovers: the backfill of the holes (slots 2, 3 and 6) writes them.
    const healthy = answering([0, 1, 2, 3, 4, 5, 6, 7].map((i) => actual(i, 100 + i)));
    const present = writer.written.filter((p) => p.kind === 'actual').map((p) => p.fromMs);
    const holes = missingRanges(present, T0, nowMs, SLOT);
    expect(holes.map((h) => (h.fromMs - T0) / SLOT)).toEqual([2, 6]);
    for (const h of holes) {
      await backfillActuals({ chain: new FallbackChain([healthy]), writer, region: GB, ...h, nowMs });
    }
    const after = writer.written.filter((p) => p.kind === 'actual').map((p) => p.fromMs);
    expect(missingRanges(after, T0, nowMs, SLOT)).toEqual([]);
  });

  it('a backfill never writes a slot that has not ended', async () => {
    const writer = new MemoryWriter();
    const r = await backfillActuals({
      chain: new FallbackChain([answering([0, 1, 2, 3].map((i) => actual(i, 100)))]),
      writer,
      region: GB,
      fromMs: T0,
      toMs: T0 + 4 * SLOT,
      nowMs: T0 + 2 * SLOT + 1,
    });
    expect(r).toMatchObject({ source: 'neso', pointsWritten: 2 });
    expect(writer.written).toHaveLength(2);
  });
});
