import { wallClockAsUtc, wallClockToInstant } from '@carbonreducer/common';
import { detectCycles, periodMapping } from './requests';
import { fillGaps, intensityGrid, naiveForecaster, operatorForecaster } from './evaluate';
import { groupHomes } from '../cli/main';

const MIN = 60_000;
const DAY = 86_400_000;

describe('detectCycles', () => {
  const t0 = Date.UTC(2014, 2, 1);
  const minutes = (n: number) => Array.from({ length: n }, (_, i) => t0 + i * MIN);
  it('joins a programme across a short pause and drops short blips and runs with reading gaps', () => {
    const power = new Array<number>(400).fill(0);
    for (let i = 10; i < 40; i++) power[i] = 2000; // heating
    for (let i = 60; i < 90; i++) power[i] = 150; // 20-min pause, then washing
    power[200] = 3000; // a blip: too little energy
    const cycles = detectCycles(minutes(400), power);
    expect(cycles).toHaveLength(1);
    expect(cycles[0]?.startMs).toBe(t0 + 10 * MIN);
    expect(cycles[0]?.profileW).toHaveLength(80);
    const withGap = minutes(400).filter((_, i) => i !== 30);
    expect(
      detectCycles(
        withGap,
        power.filter((_, i) => i !== 30),
      ),
    ).toEqual([]);
  });
  it('splits two programmes separated by a long pause', () => {
    const power = new Array<number>(300).fill(0);
    for (let i = 0; i < 30; i++) power[i] = 1000;
    for (let i = 100; i < 130; i++) power[i] = 1000;
    expect(detectCycles(minutes(300), power).map((c) => c.startMs)).toEqual([t0, t0 + 100 * MIN]);
  });
});

describe('periodMapping', () => {
  const from = Date.UTC(2023, 0, 1);
  const to = Date.UTC(2023, 6, 1);
  const m = periodMapping(from, to);
  const london = (ms: number) => new Date(wallClockAsUtc(ms, 'Europe/London'));
  it('moves times by whole weeks of local time into the period, keeping weekday and local time of day', () => {
    expect(new Date(m.anchorMs).getUTCDay()).toBe(1);
    expect(m.anchorMs).toBeGreaterThanOrEqual(from + 8 * DAY);
    for (const t of [Date.UTC(2013, 4, 17, 7, 42), Date.UTC(2015, 0, 3, 23, 1), Date.UTC(2021, 5, 9, 12, 0)]) {
      const u = m.map(t, 'Europe/London');
      const [a, b] = [london(t), london(u)];
      expect([b.getUTCDay(), b.getUTCHours(), b.getUTCMinutes()]).toEqual([
        a.getUTCDay(),
        a.getUTCHours(),
        a.getUTCMinutes(),
      ]);
      expect(u).toBeGreaterThanOrEqual(from + 8 * DAY - 3_600_000);
      expect(u + 2 * DAY).toBeLessThanOrEqual(to);
    }
  });
  it('keeps the UK clock across daylight saving: 19:00 BST in July lands at 19:00 GMT in winter, and back', () => {
    // A UK household starts its dishwasher at 19:00 local on Tuesdays from 2014-07-15 (BST = 18:00 UTC) for half a year.
    expect(wallClockToInstant(Date.UTC(2014, 6, 15, 19), 'Europe/London')).toBe(Date.UTC(2014, 6, 15, 18));
    const inWinter = Array.from({ length: 26 }, (_, k) =>
      m.map(wallClockToInstant(Date.UTC(2014, 6, 15 + 7 * k, 19), 'Europe/London'), 'Europe/London'),
    );
    for (const u of inWinter) {
      const w = london(u);
      expect([w.getUTCDay(), w.getUTCHours()]).toEqual([2, 19]);
      // UTC 19:00 when GB is on GMT (before 26 March 2023), 18:00 UTC on BST.
      expect(new Date(u).getUTCHours()).toBe(u < Date.UTC(2023, 2, 26, 1) ? 19 : 18);
    }
    expect(inWinter.some((u) => u < Date.UTC(2023, 2, 26))).toBe(true);
  });
  it('puts an 08:00 plug-in in Los Angeles at 08:00 UK time', () => {
    const plugIn = Date.UTC(2021, 4, 3, 15, 0); // 08:00 PDT, a Monday
    const w = london(m.map(plugIn, 'America/Los_Angeles'));
    expect([w.getUTCDay(), w.getUTCHours(), w.getUTCMinutes()]).toEqual([1, 8, 0]);
  });
  it('refuses a period too short for whole weeks', () => {
    expect(() => periodMapping(0, 10 * DAY)).toThrow(/too short/);
  });
});

describe('intensity grid and forecasts', () => {
  const start = Date.UTC(2023, 0, 1);
  const half = 30 * MIN;
  const points = Array.from({ length: 48 * 3 }, (_, i) => ({
    fromMs: start + i * half,
    toMs: start + (i + 1) * half,
    actualGPerKWh: i === 5 ? null : 100 + i,
    forecastGPerKWh: 90 + i,
  }));
  it('fills gaps by interpolation', () => {
    expect([...fillGaps(Float64Array.from([Number.NaN, 1, Number.NaN, 3, Number.NaN])).values]).toEqual([
      1, 1, 2, 3, 3,
    ]);
    expect(intensityGrid(points, true).actual[5]).toBe(105);
  });
  it('naive: the same slot a day earlier, or earlier still when that has not ended by now', () => {
    const grid = intensityGrid(points, true);
    const now = start + 2 * DAY + 10 * MIN;
    const f = naiveForecaster(grid);
    const values = f(now, start + 2 * DAY, 49) as number[];
    expect(values[0]).toBe(100 + 48); // one day back
    expect(values[48]).toBe(100 + 48); // next day's 00:00: one day back is still the future → two days back
  });
  it('operator needs the NESO forecast column', () => {
    expect(() => operatorForecaster(intensityGrid(points, false))).toThrow(/only the NESO file/);
    expect((operatorForecaster(intensityGrid(points, true))(0, start, 2) as number[])[1]).toBe(91);
  });
});

// The evaluate command line is read by commander in cli/src/commands/optimizer.ts (tested in cli/).
describe('CLI helpers', () => {
  it('groups household files into homes', () => {
    expect([
      ...groupHomes([
        '/d/refit-house2-2014-01.csv.gz',
        '/d/ukdale-house2-2013-05.csv.gz',
        '/d/refit-house2-2014-02.csv.gz',
      ]),
    ]).toEqual([
      ['refit-house2', ['/d/refit-house2-2014-01.csv.gz', '/d/refit-house2-2014-02.csv.gz']],
      ['ukdale-house2', ['/d/ukdale-house2-2013-05.csv.gz']],
    ]);
  });
});
