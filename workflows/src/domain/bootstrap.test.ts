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
    expect(summariseCycle('dishwasher', t, w)).toEqual({ appliance: 'dishwasher', durationMin: 2, powerW: 1367 });
  });

  it('refuses a trace with nothing running', () => {
    expect(() => summariseCycle('kettle', [0, 1, 2], [0, 1, 0])).toThrow(/no complete cycle above 15 W/);
  });
});

describe('bootstrapRequests', () => {
  const cycles = [
    {
      cycle: { appliance: 'dishwasher', durationMin: 120, powerW: 900 },
      deviceId: 'dishwasher',
      readyBy: { hh: 7, mm: 0 },
    },
    {
      cycle: { appliance: 'washing_machine', durationMin: 90, powerW: 500 },
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
  });

  it('moves to the next day when today leaves too little choice', () => {
    const nowMs = Date.UTC(2026, 10, 27, 23, 30);
    const [dishwasher] = bootstrapRequests({ nowMs, timeZone: 'Europe/London', cycles, minFlexMs: 8 * H });
    expect(dishwasher?.readyBy).toBe('2026-11-29T07:00:00.000Z');
  });
});
