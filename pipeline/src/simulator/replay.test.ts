import { validateMessage } from '@carbonreducer/telemetry';
import type { HouseholdSeries } from '@carbonreducer/datasets';
import { CommanderError, parseDurationMin, parseSimulatorArgs } from './args';
import { MINUTE_MS } from '@carbonreducer/common';
import { indexSource, planHomes, powerAt, DEVICE_COLUMNS } from './homes';
import { runReplay, type Publisher } from './replay';

const t0 = Date.UTC(2014, 2, 1);

function series(minutes: number, gapAt?: number): HouseholdSeries {
  const timeMs = new Float64Array(minutes);
  const aggregateW = new Float64Array(minutes);
  const names = ['Kettle', 'Dishwasher', 'WashingMachine', 'Microwave'];
  const appliancesW: Record<string, Float64Array> = Object.fromEntries(
    names.map((n) => [n, new Float64Array(minutes)]),
  );
  for (let i = 0; i < minutes; i++) {
    timeMs[i] = t0 + i * MINUTE_MS;
    aggregateW[i] = i === gapAt ? Number.NaN : 100 + i;
    appliancesW.Kettle![i] = i % 10 === 0 ? 3000 : 0;
  }
  return { source: 'test', applianceNames: names, timeMs, aggregateW, appliancesW };
}

function recorder(): Publisher & { sent: { topic: string; payload: string; retain: boolean }[] } {
  const sent: { topic: string; payload: string; retain: boolean }[] = [];
  return { sent, publish: async (topic, payload, { retain }) => void sent.push({ topic, payload, retain }) };
}

function fakeClock(startMs: number) {
  let now = startMs;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

describe('planHomes', () => {
  it('spreads homes over sources and days, wrapping inside the data', () => {
    const a = indexSource('refit', series(3 * 1440));
    const homes = planHomes([a], 4, 1440 * MINUTE_MS, { homePrefix: 'sim' });
    expect(homes.map((h) => h.homeId)).toEqual(['sim-001', 'sim-002', 'sim-003', 'sim-004']);
    expect(homes.map((h) => (h.dataStartMs - t0) / 86_400_000)).toEqual([0, 1, 2, 0]);
  });

  it('says when the requested window is beyond the data', () => {
    const a = indexSource('refit', series(60));
    expect(() => planHomes([a], 1, 120 * MINUTE_MS, { homePrefix: 'sim' })).toThrow(/beyond the data/);
  });
});

describe('runReplay', () => {
  const source = indexSource('refit', series(30, 5));
  const homes = planHomes([source], 2, 30 * MINUTE_MS, { homePrefix: 'sim' });
  const base = {
    homes,
    durationMin: 30,
    batchMinutes: 1,
    maxInflight: 10,
    progressIntervalMs: 1000,
    status: false,
  } as const;

  it('publishes every device-minute through the contract, skipping gaps, paced by speed', async () => {
    const pub = recorder();
    const clock = fakeClock(Date.UTC(2026, 0, 1, 12));
    const summary = await runReplay({ ...base, speed: 60, timestamps: 'shifted' }, pub, clock);
    // 2 homes × 5 devices × 30 minutes, minus the meter's gap in each home.
    expect(summary.readings).toBe(2 * 5 * 30 - 2);
    expect(summary.gaps).toBe(2);
    expect(pub.sent).toHaveLength(summary.readings);
    // At speed 60 a data minute takes a wall-clock second.
    expect(clock.sleeps.reduce((s, x) => s + x, 0)).toBe(29_000);
    const end = clock.now();
    for (const m of pub.sent) {
      const r = validateMessage(m.topic, m.payload, { receivedAtMs: end });
      expect(r.rejects).toEqual([]);
      expect(r.points).toHaveLength(1);
      expect(r.points[0]!.timeMs).toBeLessThanOrEqual(end);
    }
    const meter = pub.sent.filter((m) => m.topic === 'carbonreducer/sim-001/telemetry/meter/main');
    expect(meter).toHaveLength(29);
    expect(JSON.parse(meter[0]!.payload)).toMatchObject({ v: 1, powerW: 100, energyWh: 1.7 });
  });

  it('batches readings and keeps the original timestamps on request', async () => {
    const pub = recorder();
    const summary = await runReplay(
      { ...base, speed: Infinity, batchMinutes: 10, timestamps: 'original', status: true },
      pub,
      fakeClock(Date.UTC(2026, 0, 1)),
    );
    const kettle = pub.sent.filter((m) => m.topic === 'carbonreducer/sim-002/telemetry/plug/kettle');
    expect(kettle).toHaveLength(3);
    const first = validateMessage(kettle[0]!.topic, kettle[0]!.payload, { receivedAtMs: Date.UTC(2026, 0, 1) });
    expect(first.points.map((p) => p.timeMs)).toEqual(Array.from({ length: 10 }, (_, i) => t0 + i * MINUTE_MS));
    const status = pub.sent.filter((m) => m.retain);
    expect(status).toHaveLength(2 * 2 * DEVICE_COLUMNS.length);
    expect(summary.messagesAcked).toBe(pub.sent.length);
  });

  it('fails naming the publish error', async () => {
    const failing: Publisher = { publish: async () => Promise.reject(new Error('broker gone')) };
    await expect(
      runReplay({ ...base, speed: Infinity, timestamps: 'shifted' }, failing, fakeClock(Date.UTC(2026, 0, 1))),
    ).rejects.toThrow(/publish/);
  });

  it('reads device power with gaps as undefined', () => {
    expect(powerAt(homes[0]!, DEVICE_COLUMNS[0]!, t0 + 5 * MINUTE_MS)).toBeUndefined();
    expect(powerAt(homes[0]!, DEVICE_COLUMNS[0]!, t0 + 6 * MINUTE_MS)).toBe(106);
  });
});

describe('simulator arguments', () => {
  it('parses flags and names the bad one', () => {
    expect(
      parseSimulatorArgs(['--homes', '50', '--speed', 'max', '--duration', '7d', '--start', '2014-03-01']),
    ).toMatchObject({
      homes: 50,
      speed: Infinity,
      durationMin: 7 * 1440,
      startMs: Date.UTC(2014, 2, 1),
    });
    expect(parseDurationMin('90m')).toBe(90);
    expect(() => parseSimulatorArgs(['--speed', '0'])).toThrow(CommanderError);
    expect(() => parseSimulatorArgs(['--start', '1 March'])).toThrow(
      /option '--start <date>' argument '1 March' is invalid\. expected YYYY-MM-DD/,
    );
    expect(() => parseSimulatorArgs(['--sources', 'ecoset'])).toThrow(/unknown source ecoset/);
    expect(() => parseSimulatorArgs(['--homez', '3'])).toThrow(/unknown option '--homez'/);
    expect(parseSimulatorArgs(['--no-status'])).toMatchObject({ status: false, homes: 10, durationMin: 1440 });
  });
});
