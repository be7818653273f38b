import { buildCycleHomeRequest, dominated, EXAMPLE_TWO_RATE_TARIFF, meanPerSlot, tariffPerSlot } from './homeRequest';
import { InvalidRequestError } from './validate';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** 20:07:30 UTC: not on a slot boundary, like a real `now`. */
const NOW = Date.parse('2026-01-15T20:07:30Z');

describe('buildCycleHomeRequest', () => {
  const base = {
    homeId: 'h1',
    nowMs: NOW,
    slotMin: 30 as const,
    intensity: [
      { timeMs: NOW - HOUR, value: 200 },
      { timeMs: NOW + 2 * HOUR, value: 100 },
    ],
    baseLoad: null,
    importLimitW: 13_800,
    co2PricePerKg: 1,
  };

  it('starts the grid at the earliest start and ends it at the last deadline, forecasts time-weighted onto it', () => {
    const req = buildCycleHomeRequest({
      ...base,
      runs: [
        {
          id: 'a',
          appliance: 'dishwasher',
          profileW: [1000, 1000],
          earliestStartMs: NOW - HOUR,
          deadlineMs: NOW + 3 * HOUR,
        },
      ],
    });
    expect(req.startMs).toBe(NOW);
    expect(req.slotCount).toBe(6);
    expect(req.devices[0]).toMatchObject({ earliestStartMs: NOW, deadlineMs: NOW + 3 * HOUR });
    expect(req.intensityGPerKWh.slice(0, 5)).toEqual([200, 200, 200, 200, 100]);
    expect(req.pricePerKWh).toEqual([0, 0, 0, 0, 0, 0]);
    expect(req.baseLoadW).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('a pinned window off the grid gets its deadline moved to the end of a cycle on the first boundary in it', () => {
    const from = NOW + 2 * HOUR + 10 * MIN; // 10 min after the boundary at NOW + 2 h
    const req = buildCycleHomeRequest({
      ...base,
      runs: [
        { id: 'a', appliance: 'dishwasher', profileW: [1, 1, 1, 1], earliestStartMs: NOW, deadlineMs: NOW + 12 * HOUR },
        {
          id: 'p',
          appliance: 'washer',
          profileW: [1, 1],
          earliestStartMs: from,
          deadlineMs: from + HOUR,
          pinned: true,
        },
      ],
    });
    const p = req.devices[1]!;
    expect(p).toMatchObject({ earliestStartMs: from, deadlineMs: NOW + 2.5 * HOUR + HOUR });
    // The same window unpinned stays as asked (a deadline is the homeowner's, never moved).
    const unpinned = buildCycleHomeRequest({
      ...base,
      runs: [{ id: 'p', appliance: 'washer', profileW: [1, 1], earliestStartMs: from, deadlineMs: from + HOUR }],
    });
    expect(unpinned.devices[0]).toMatchObject({ deadlineMs: from + HOUR });
  });

  it('a pinned run keeps its baseline where it was asked for (now), and the grid reaches back to it', () => {
    const from = NOW + 3 * HOUR;
    const req = buildCycleHomeRequest({
      ...base,
      runs: [
        {
          id: 'p',
          appliance: 'washer',
          profileW: [1, 1],
          earliestStartMs: from,
          deadlineMs: from + HOUR,
          pinned: true,
          baselineStartMs: NOW - HOUR,
        },
      ],
    });
    expect(req.startMs).toBe(NOW);
    expect(req.devices[0]).toMatchObject({ earliestStartMs: from, requestedAtMs: NOW });
    // Off the grid from now: the grid keeps the pin's start as a boundary, the baseline less than a slot after now.
    const offGrid = NOW + 2 * HOUR + 10 * MIN;
    const req2 = buildCycleHomeRequest({
      ...base,
      runs: [
        {
          id: 'p',
          appliance: 'washer',
          profileW: [1, 1],
          earliestStartMs: offGrid,
          deadlineMs: offGrid + HOUR,
          pinned: true,
          baselineStartMs: NOW,
        },
      ],
    });
    expect(req2.startMs).toBe(NOW + 10 * MIN);
    expect(req2.devices[0]).toMatchObject({ earliestStartMs: offGrid, requestedAtMs: NOW + 10 * MIN });
  });

  it('refuses nothing to plan and an empty forecast', () => {
    expect(() => buildCycleHomeRequest({ ...base, runs: [] })).toThrow(InvalidRequestError);
    expect(() =>
      buildCycleHomeRequest({
        ...base,
        intensity: [],
        runs: [{ id: 'a', appliance: 'x', profileW: [1], earliestStartMs: NOW, deadlineMs: NOW + HOUR }],
      }),
    ).toThrow(/intensity: the forecast has no points/);
  });
});

describe('tariffPerSlot', () => {
  it('prices each slot by the local clock at its middle, across midnight and the band edges', () => {
    // Winter: London is UTC. Slots from 23:30: 23:30 day, 00:00 day (00:15 < 00:30), 00:30 night, ...
    const start = Date.parse('2026-01-15T23:30:00Z');
    expect(tariffPerSlot(EXAMPLE_TWO_RATE_TARIFF, start, 30 * MIN, 4)).toEqual([0.3, 0.3, 0.15, 0.15]);
    // Summer: 07:00 UTC is 08:00 BST, day rate; 06:00 UTC is 07:00 BST, still night.
    expect(tariffPerSlot(EXAMPLE_TWO_RATE_TARIFF, Date.parse('2026-07-01T06:00:00Z'), 30 * MIN, 3)).toEqual([
      0.15, 0.3, 0.3,
    ]);
  });
});

describe('meanPerSlot and dominated', () => {
  it('fills slots beyond the points with their mean', () => {
    expect(meanPerSlot([{ timeMs: 0, value: 100 }], 30 * MIN, 30 * MIN, 2)).toEqual([100, 100]);
  });

  it('marks points another point beats on one axis without losing on the other', () => {
    expect(
      dominated([
        { costExpected: 1, kgCO2Expected: 2 },
        { costExpected: 2, kgCO2Expected: 1 },
        { costExpected: 2, kgCO2Expected: 2 },
        { costExpected: 1, kgCO2Expected: 2 },
      ]),
    ).toEqual([false, false, true, false]);
  });
});
