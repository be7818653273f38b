import { baseLoadPerSlot, intensityPerSlot } from '../adapters/optimizerPlanner';
import type { CommandState, PublishedPlan, RunRequest } from '../types';
import { commandsAfterPlan, msUntilNextEvent } from './commands';
import { validateRunRequest } from './requests';

const now = new Date('2026-01-01T20:00:00Z');
const req: RunRequest = {
  requestId: 'r1',
  deviceId: 'dw1',
  appliance: 'dishwasher',
  durationMin: 120,
  powerW: 1000,
  readyBy: '2026-01-02T07:00:00Z',
};

describe('validateRunRequest', () => {
  it('accepts a request that fits, and names each bad field', () => {
    expect(validateRunRequest(req, now, [])).toEqual([]);
    expect(validateRunRequest({ ...req, powerW: 0, readyBy: 'soon' }, now, ['x'])).toEqual([
      'powerW must be in (0, 50000] W, got 0',
      'readyBy must be an ISO-8601 time, got soon',
    ]);
    expect(validateRunRequest({ ...req, readyBy: '2026-01-01T21:00:00Z' }, now, [])[0]).toMatch(/too early/);
    expect(validateRunRequest(req, now, ['r1'])).toEqual(['requestId r1 was already used in this home']);
  });
});

describe('commandsAfterPlan', () => {
  const plan = (startAt: string, version: number): PublishedPlan => ({
    homeId: 'h',
    version,
    plannedAt: now.toISOString(),
    forecastIssuedAt: null,
    forecastModelVersion: null,
    runs: [
      {
        ...req,
        startAt,
        endAt: '2026-01-02T05:00:00Z',
        energyWh: 2000,
        emissionsG: 1,
        baselineEmissionsG: 2,
        avoidedEmissionsG: 1,
      },
    ],
    slots: [],
    avoidedEmissionsG: 1,
  });
  it('replaces pending commands of re-planned requests and keeps sent ones and the pending stop of others', () => {
    const requests = new Map([['r1', { ...req, stopAtEnd: true }]]);
    const first = commandsAfterPlan(plan('2026-01-02T02:00:00Z', 1), requests, []);
    expect(first.map((c) => [c.idempotencyKey, c.at])).toEqual([
      ['h/r1/start', '2026-01-02T02:00:00Z'],
      ['h/r1/stop', '2026-01-02T05:00:00Z'],
    ]);
    const moved = commandsAfterPlan(plan('2026-01-02T03:00:00Z', 2), requests, first);
    expect(moved.map((c) => [c.action, c.at, c.planVersion])).toEqual([
      ['start', '2026-01-02T03:00:00Z', 2],
      ['stop', '2026-01-02T05:00:00Z', 2],
    ]);
    const sent: CommandState[] = moved.map((c) => (c.action === 'start' ? { ...c, status: 'sent', sentAt: c.at } : c));
    // r1 is no longer re-planned: its stop stays, nothing is added.
    expect(commandsAfterPlan({ ...plan('2026-01-02T04:00:00Z', 3), runs: [] }, new Map(), sent)).toEqual(sent);
  });

  it('wakes for the next pending command or ack deadline', () => {
    const c = commandsAfterPlan(plan('2026-01-02T02:00:00Z', 1), new Map([['r1', req]]), []);
    const t = Date.parse('2026-01-02T01:00:00Z');
    expect(msUntilNextEvent(c, t, 60_000)).toBe(3_600_000);
    expect(msUntilNextEvent([{ ...c[0]!, status: 'sent', sentAt: '2026-01-02T00:59:30Z' }], t, 60_000)).toBe(30_000);
    expect(msUntilNextEvent([], t, 60_000)).toBeUndefined();
  });
});

describe('intensityPerSlot', () => {
  it('time-weights overlapping points and fills uncovered slots with the mean', () => {
    const points = [
      { time: '2026-01-01T00:00:00Z', intensityGPerKWh: 100 },
      { time: '2026-01-01T00:30:00Z', intensityGPerKWh: 300 },
    ];
    const start = Date.parse('2026-01-01T00:15:00Z');
    expect(intensityPerSlot(points, start, 30 * 60_000, 3)).toEqual([200, 250, 200]);
  });
});

describe('baseLoadPerSlot', () => {
  const start = Date.UTC(2026, 0, 1);
  it('averages hourly load onto 30-minute slots and plans 0 W without a forecast', () => {
    const forecast = {
      homeId: 'h',
      issuedAt: 'i',
      modelVersion: 'v',
      points: [
        { time: new Date(start).toISOString(), powerW: 400 },
        { time: new Date(start + 3600_000).toISOString(), powerW: 800 },
      ],
    };
    expect(baseLoadPerSlot(forecast, start, 30 * 60_000, 4)).toEqual([400, 400, 800, 800]);
    expect(baseLoadPerSlot(null, start, 30 * 60_000, 3)).toEqual([0, 0, 0]);
  });
});
