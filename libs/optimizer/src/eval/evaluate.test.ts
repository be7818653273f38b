import { createHighsSolver } from '../solver/highs';
import type { MilpSolver } from '../core/types';
import {
  cycleKg,
  evaluate,
  evWindow,
  forecaster,
  intensityGrid,
  onPlanGrid,
  perfectForecaster,
  DEFAULT_EVAL_OPTIONS,
  type IntensityGrid,
} from './evaluate';
import type { CycleDemand, EvDemand, PeriodMapping } from './requests';

const MIN = 60_000;
const HOUR = 60 * MIN;
const HALF = 30 * MIN;
const T0 = Date.UTC(2023, 0, 2);

let solver: MilpSolver;
beforeAll(async () => {
  solver = await createHighsSolver();
});

/** Requests are already on the intensity period. */
const identity: PeriodMapping = { anchorMs: T0, spanMs: 7 * 24 * HOUR, targetTimeZone: 'UTC', map: (ms) => ms };

function gridOf(values: number[]): IntensityGrid {
  return intensityGrid(
    values.map((v, i) => ({
      fromMs: T0 + i * HALF,
      toMs: T0 + (i + 1) * HALF,
      actualGPerKWh: v,
      forecastGPerKWh: v,
    })),
    true,
  );
}

function cycle(startMs: number, profileW: number[]): CycleDemand {
  return { kind: 'dishwasher', source: 't', startMs, timeZone: 'UTC', profileW };
}

const opts = (flexHours: number, replan = true) => ({ ...DEFAULT_EVAL_OPTIONS, flexHours, replan });

describe('evaluation of a cycle against brute force', () => {
  // A daily shape with some noise, 4 days of half-hours.
  const values = Array.from(
    { length: 4 * 48 },
    (_, i) => 150 + 40 * Math.sin((2 * Math.PI * i) / 48) + ((i * 37) % 11),
  );
  const grid = gridOf(values);
  it('perfect foresight finds the best start among request + 30 min × k, for requests inside a half-hour', async () => {
    const profileW = Array.from({ length: 100 }, (_, i) => (i < 30 ? 2000 : 150)); // 1 h 40 min
    for (const offsetMin of [0, 10, 47, 600, 1234]) {
      const start = T0 + 24 * HOUR + offsetMin * MIN;
      const flexHours = 8;
      const r = await evaluate(
        grid,
        identity,
        [cycle(start, profileW)],
        [],
        perfectForecaster(grid),
        solver,
        opts(flexHours),
      );
      // Brute force: every start on the request's half-hour grid that finishes by request + duration + flex.
      let best = Infinity;
      for (let s = start; s + profileW.length * MIN <= start + profileW.length * MIN + flexHours * HOUR; s += HALF) {
        best = Math.min(best, cycleKg(grid, profileW, s));
      }
      expect(r.baselineKgCO2).toBeCloseTo(cycleKg(grid, profileW, start), 12);
      // The planner sees half-hour means of the profile; minute-level scoring can differ a little from brute force.
      expect(r.perfectKgCO2).toBeLessThanOrEqual(r.baselineKgCO2);
      expect(r.perfectKgCO2).toBeLessThanOrEqual(best * 1.01);
    }
  });
  it('never plans worse than running at once when the intensity only rises after a mid-slot request', async () => {
    const rising = gridOf(Array.from({ length: 4 * 48 }, (_, i) => 100 + 10 * i));
    const start = T0 + 24 * HOUR + 20 * MIN; // 20 min into a half-hour
    const r = await evaluate(
      rising,
      identity,
      [cycle(start, new Array<number>(60).fill(1000))],
      [],
      perfectForecaster(rising),
      solver,
      opts(8),
    );
    // Before the fix the plan could start no earlier than the next half-hour: 10 min later, on a rising grid.
    expect(r.optimizedKgCO2).toBeCloseTo(r.baselineKgCO2, 12);
    expect(r.reductionPct).toBeCloseTo(0, 9);
  });
});

describe('re-planning with forecasts that update', () => {
  // Actual: flat 200 with a dip to 50 at hours 30–32 (from T0). The forecast known at `now` is the actual for
  // the next 3 h, and beyond that a (wrong) dip to 60 at hours 36–38.
  const values = Array.from({ length: 4 * 48 }, (_, i) => (i >= 60 && i < 64 ? 50 : 200));
  const grid = gridOf(values);
  const guessing = forecaster(true, (nowMs, fromMs, slots) =>
    Array.from({ length: slots }, (_, k) => {
      const t = (fromMs - T0) / HALF + k;
      if (fromMs + k * HALF < nowMs + 3 * HOUR) return values[t] as number;
      return t >= 72 && t < 76 ? 60 : 200;
    }),
  );
  const start = T0 + 24 * HOUR; // the dip comes 6 h later, the wrong one 12 h later
  const d = cycle(start, new Array<number>(60).fill(1000));
  it('a plan made once follows the wrong dip; re-planning every 30 min catches the real one', async () => {
    const once = await evaluate(grid, identity, [d], [], guessing, solver, opts(16, false));
    const again = await evaluate(grid, identity, [d], [], guessing, solver, opts(16, true));
    expect(once.optimizedKgCO2).toBeCloseTo(0.2, 9); // 1 kWh at 200 g
    expect(again.optimizedKgCO2).toBeCloseTo(0.05, 9); // 1 kWh at 50 g
    expect(again.captureOfPerfectPct).toBeCloseTo(100, 6);
  });
  it('re-plans EV charging for what is still to come', async () => {
    const ev: EvDemand = {
      kind: 'ev',
      source: 't',
      connectionMs: start,
      departureMs: start + 20 * HOUR,
      energyWh: 14_000, // 2 h at 7 kW
      timeZone: 'UTC',
    };
    const once = await evaluate(grid, identity, [], [ev], guessing, solver, opts(12, false));
    const again = await evaluate(grid, identity, [], [ev], guessing, solver, opts(12, true));
    expect(once.byKind.ev.requests).toBe(1);
    expect(once.optimizedKgCO2).toBeCloseTo(14 * 0.2, 6);
    expect(again.optimizedKgCO2).toBeCloseTo(14 * 0.05, 6);
  });
});

describe('which loads count as having at least N h of flexibility', () => {
  const ev = (hoursAvailable: number, kWh: number) => ({
    connectionMs: T0,
    departureMs: T0 + hoursAvailable * HOUR,
    energyWh: kWh * 1000,
  });
  it('an EV session counts only when its own request leaves N h beyond full-power charging, and is given exactly N h', () => {
    const o = { flexHours: 8, evMaxPowerW: 7000 };
    // Typical workplace session: 9 h parked, 28 kWh (4 h at 7 kW) → 5 h of flexibility.
    expect(evWindow(ev(9, 28), o)).toMatchObject({ qualifies: false, infeasible: false, windowMs: 9 * HOUR });
    expect(evWindow(ev(12, 28), o)).toMatchObject({ qualifies: true, windowMs: 12 * HOUR, energyWh: 28_000 });
    expect(evWindow(ev(20, 14), o)).toMatchObject({ qualifies: true, windowMs: 10 * HOUR, ownFlexHours: 18 });
    // Asked for more than 7 kW can deliver in time.
    expect(evWindow(ev(2, 28), o)).toMatchObject({ qualifies: false, infeasible: true, energyWh: 14_000 });
  });
  it('keeps less flexible sessions out of the figure and reports them apart; byKind adds up to the total', async () => {
    const grid = gridOf(Array.from({ length: 4 * 48 }, (_, i) => 150 + 50 * Math.cos((2 * Math.PI * i) / 48)));
    const base = { kind: 'ev' as const, source: 't', timeZone: 'UTC' };
    const t = T0 + 30 * HOUR;
    const evs: EvDemand[] = [
      { ...base, connectionMs: t, departureMs: t + 4 * HOUR, energyWh: 21_000 }, // 1 h flexibility
      { ...base, connectionMs: t, departureMs: t + 14 * HOUR, energyWh: 14_000 }, // 12 h
    ];
    const cycles = [cycle(t + 3 * HOUR, new Array<number>(90).fill(800))];
    const r = await evaluate(grid, identity, cycles, evs, perfectForecaster(grid), solver, opts(8));
    expect(r.requests).toBe(2);
    expect(r.byKind.ev.requests).toBe(1);
    expect(r.lessFlexible.requests).toBe(1);
    const sum = (f: 'baselineKgCO2' | 'optimizedKgCO2' | 'perfectKgCO2') =>
      r.byKind.dishwasher[f] + r.byKind.washing_machine[f] + r.byKind.ev[f];
    expect(r.baselineKgCO2).toBeCloseTo(sum('baselineKgCO2'), 12);
    expect(r.optimizedKgCO2).toBeCloseTo(sum('optimizedKgCO2'), 12);
    expect(r.perfectKgCO2).toBeCloseTo(sum('perfectKgCO2'), 12);
    // The 12-h session alone: baseline 14 kWh at full power (3.5 kWh per half-hour) from plug-in.
    const intensity = onPlanGrid(grid.startMs, (k) => grid.actual[k] as number, t, 4);
    expect(r.byKind.ev.baselineKgCO2).toBeCloseTo((3.5 * intensity.reduce((a, b) => a + b, 0)) / 1000, 9);
  });
});

describe('onPlanGrid', () => {
  it('weights the two half-hours a plan slot overlaps', () => {
    const v = [100, 200, 300];
    const shifted = onPlanGrid(0, (t) => v[t] as number, 10 * MIN, 2);
    expect(shifted[0]).toBeCloseTo(100 + 100 / 3, 9);
    expect(shifted[1]).toBeCloseTo(200 + 100 / 3, 9);
    expect(onPlanGrid(0, (t) => v[t] as number, 30 * MIN, 2)).toEqual([200, 300]);
  });
});
