import { readApplianceTrace, sharedDataPath } from '@carbonreducer/datasets';
import { bootstrapRequests, nextLocalTime, summariseCycle, zoneOffsetMs } from './bootstrap';
import { validateRunRequest } from './requests';

const H = 3_600_000;

describe('zoneOffsetMs / nextLocalTime', () => {
  it('knows British summer and winter time', () => {
    expect(zoneOffsetMs(Date.UTC(2026, 6, 1, 12), 'Europe/London')).toBe(H);
    expect(zoneOffsetMs(Date.UTC(2026, 11, 1, 12), 'Europe/London')).toBe(0);
    expect(zoneOffsetMs(Date.UTC(2026, 11, 1, 12), 'Asia/Kolkata')).toBe(5.5 * H);
  });

  it('finds the next 07:00 local, today or tomorrow', () => {
    // 2026-07-01 05:00 UTC is 06:00 BST: 07:00 BST today is 06:00 UTC.
    expect(new Date(nextLocalTime(Date.UTC(2026, 6, 1, 5), 7, 0, 'Europe/London')).toISOString()).toBe(
      '2026-07-01T06:00:00.000Z',
    );
    // 2026-07-01 07:00 UTC is 08:00 BST: the next 07:00 BST is tomorrow.
    expect(new Date(nextLocalTime(Date.UTC(2026, 6, 1, 7), 7, 0, 'Europe/London')).toISOString()).toBe(
      '2026-07-02T06:00:00.000Z',
    );
    expect(new Date(nextLocalTime(Date.UTC(2026, 11, 1, 7, 1), 7, 0, 'Europe/London')).toISOString()).toBe(
      '2026-12-02T07:00:00.000Z',
    );
  });

  it('lands on the wall-clock time across the spring clock change', () => {
    // Clocks go forward at 01:00 UTC on 2026-03-29: 07:00 that morning is 06:00 UTC.
    expect(new Date(nextLocalTime(Date.UTC(2026, 2, 28, 20), 7, 0, 'Europe/London')).toISOString()).toBe(
      '2026-03-29T06:00:00.000Z',
    );
  });

  it('refuses a time that is not on a clock', () => {
    expect(() => nextLocalTime(0, 24, 0, 'UTC')).toThrow(/24:0 is not a wall-clock time/);
  });
});

describe('summariseCycle', () => {
  it('measures from the first to the last sample above the threshold, each held until the next', () => {
    const t = [0, 30_000, 60_000, 90_000, 120_000, 150_000].map((x) => x + 1e12);
    const w = [0, 2000, 100, 2000, 0, 0];
    // On from sample 1 to 3: 90 s, energy (2000+100+2000)·30 s → mean 1367 W; 1.5 min rounds up to 2.
    // Minute 0 holds 2000 W and 100 W for 30 s each (1050 W), minute 1 2000 W for its first 30 s (1000 W).
    expect(summariseCycle('dishwasher', t, w)).toEqual({
      appliance: 'dishwasher',
      durationMin: 2,
      powerW: 1367,
      profileW: [1050, 1000],
    });
  });

  it('keeps the real profile of a recorded dishwasher cycle, with its energy', async () => {
    const trace = await readApplianceTrace(sharedDataPath('appliances/devicescope-example-dishwasher.csv.gz'));
    const cycle = summariseCycle('dishwasher', trace.timeMs, trace.powerW);
    expect(cycle.profileW).toHaveLength(cycle.durationMin);
    // Energy of the trace (each sample held until the next, from the first to the last sample above 15 W), Wh.
    let first = -1;
    let last = -1;
    trace.powerW.forEach((p, i) => {
      if (p > 15) {
        if (first < 0) first = i;
        last = i;
      }
    });
    let traceWh = 0;
    for (let i = first; i <= last; i++)
      traceWh += (trace.powerW[i]! * (trace.timeMs[i + 1]! - trace.timeMs[i]!)) / 3.6e6;
    const profileWh = cycle.profileW.reduce((s, p) => s + p, 0) / 60;
    expect(Math.abs(profileWh - traceWh)).toBeLessThan(0.01);
    // This dishwasher heats (~2 kW), washes (~100 W) and heats again: nothing like a flat line at its 1.46 kW mean.
    expect(cycle.profileW.slice(0, 20).every((p) => p > 1900)).toBe(true);
    expect(cycle.profileW.slice(24, 35).every((p) => p < 150)).toBe(true);
  });

  it('refuses a trace with nothing running', () => {
    expect(() => summariseCycle('kettle', [0, 1, 2], [0, 1, 0])).toThrow(/no complete cycle above 15 W/);
  });
});

describe('bootstrapRequests', () => {
  const cycles = [
    {
      cycle: { appliance: 'dishwasher', durationMin: 120, powerW: 900, profileW: new Array<number>(120).fill(900) },
      deviceId: 'dishwasher',
      readyBy: { hh: 7, mm: 0 },
    },
    {
      cycle: { appliance: 'washing_machine', durationMin: 90, powerW: 500, profileW: new Array<number>(90).fill(500) },
      deviceId: 'washing_machine',
      readyBy: { hh: 18, mm: 0 },
    },
  ];

  it('gives every request at least the minimum flexibility and a valid window', () => {
    const nowMs = Date.UTC(2026, 10, 27, 19, 30);
    const requests = bootstrapRequests({ nowMs, timeZone: 'Europe/London', cycles, minFlexMs: 8 * H });
    expect(requests.map((r) => [r.requestId, r.readyBy])).toEqual([
      ['dishwasher-ready-2026-11-28', '2026-11-28T07:00:00.000Z'],
      // 18:00 on the 28th leaves more than 8 h + 90 min from 19:30 the day before.
      ['washing_machine-ready-2026-11-28', '2026-11-28T18:00:00.000Z'],
    ]);
    for (const r of requests) expect(validateRunRequest(r, new Date(nowMs), [])).toEqual([]);
    expect(requests.map((r) => r.profileW)).toEqual(cycles.map((c) => c.cycle.profileW));
  });

  it('moves to the next day when today leaves too little choice', () => {
    const nowMs = Date.UTC(2026, 10, 27, 23, 30);
    const [dishwasher] = bootstrapRequests({ nowMs, timeZone: 'Europe/London', cycles, minFlexMs: 8 * H });
    expect(dishwasher?.readyBy).toBe('2026-11-29T07:00:00.000Z');
  });
});
