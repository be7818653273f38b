import fc from 'fast-check';
import { createHighsSolver } from '../solver/highs';
import { checkPlan } from './check';
import { buildModel } from './model';
import { paretoSweep, solveHome } from './solve';
import type { CycleRequest, DeviceRequest, HomeRequest, MilpSolver } from './types';
import { InvalidRequestError } from './validate';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 15, 0, 0); // a Monday, 00:00 UTC

let solver: MilpSolver;
beforeAll(async () => {
  solver = await createHighsSolver();
});

function home(partial: Partial<HomeRequest> & { slotCount: number; slotMin: 15 | 30 | 60 }): HomeRequest {
  const n = partial.slotCount;
  return {
    startMs: T0,
    timeZone: 'UTC',
    intensityGPerKWh: new Array<number>(n).fill(200),
    pricePerKWh: new Array<number>(n).fill(0),
    co2PricePerKg: 1,
    baseLoadW: new Array<number>(n).fill(0),
    importLimitW: null,
    devices: [],
    ...partial,
  };
}

function cycle(over: Partial<CycleRequest> = {}): CycleRequest {
  return {
    kind: 'cycle',
    id: 'dw',
    label: 'dishwasher',
    profileW: [2000, 2000],
    earliestStartMs: T0,
    deadlineMs: T0 + 12 * H,
    ...over,
  };
}

describe('known optima', () => {
  it('places a cycle at the start that brute force finds cheapest (cost + CO2)', () => {
    const intensity = [300, 250, 120, 90, 200, 80, 60, 300, 310, 100, 90, 400];
    const price = [0.3, 0.3, 0.3, 0.1, 0.1, 0.4, 0.4, 0.2, 0.2, 0.2, 0.3, 0.3];
    const profile = [1500, 300, 1200];
    const req = home({
      slotMin: 60,
      slotCount: 12,
      intensityGPerKWh: intensity,
      pricePerKWh: price,
      co2PricePerKg: 0.5,
      devices: [cycle({ profileW: profile })],
    });
    let best = -1;
    let bestCost = Infinity;
    for (let s = 0; s + profile.length <= 12; s++) {
      let c = 0;
      profile.forEach((p, k) => {
        c += (p / 1000) * ((price[s + k] as number) + (0.5 * (intensity[s + k] as number)) / 1000);
      });
      if (c < bestCost - 1e-9) [best, bestCost] = [s, c];
    }
    const plan = solveHome(req, T0, solver);
    expect(plan.status).toBe('optimal');
    expect(plan.devices[0]?.startsMs).toEqual([T0 + best * H]);
    expect(plan.objective).toBeCloseTo(bestCost, 4); // plus the 1e-6-per-slot tie-breaker
    expect(plan.explanations).toEqual([]);
  });

  it('CO2 price per appliance: a cost-only appliance follows the tariff, a CO2-priced one follows the grid', () => {
    const req = home({
      slotMin: 60,
      slotCount: 4,
      intensityGPerKWh: [100, 400, 400, 400],
      pricePerKWh: [0.5, 0.1, 0.5, 0.5],
      co2PricePerKg: 0,
      devices: [
        cycle({ id: 'a', profileW: [1000], co2PricePerKg: 0 }),
        cycle({ id: 'b', profileW: [1000], co2PricePerKg: 10 }),
      ],
    });
    const plan = solveHome(req, T0, solver);
    expect(plan.devices[0]?.startsMs).toEqual([T0 + H]);
    expect(plan.devices[1]?.startsMs).toEqual([T0]);
  });

  it('charges an EV in the cleanest hours that the brute-force greedy picks, within its window', () => {
    const intensity = [300, 100, 250, 50, 400, 80, 500, 90];
    const req = home({
      slotMin: 60,
      slotCount: 8,
      intensityGPerKWh: intensity,
      devices: [
        {
          kind: 'ev',
          id: 'car',
          label: 'car',
          availableFromMs: T0,
          departureMs: T0 + 7 * H,
          energyNeededWh: 10_000,
          minPowerW: 0,
          maxPowerW: 4000,
          onOff: false,
        },
      ],
    });
    const plan = solveHome(req, T0, solver);
    // Greedy is optimal for one continuous load: 4 kWh at 50, 4 kWh at 80, 2 kWh at 100 (slot 7 is after departure).
    expect(plan.devices[0]?.powerW.map((w) => Math.round(w))).toEqual([0, 2000, 0, 4000, 0, 4000, 0, 0]);
    expect(plan.devices[0]?.kgCO2Expected).toBeCloseTo((4 * 50 + 4 * 80 + 2 * 100) / 1000, 6);
    // Baseline: full power from plug-in → 4 kWh at 300, 4 at 100, 2 at 250.
    expect(plan.devices[0]?.baselineKgCO2).toBeCloseTo((4 * 300 + 4 * 100 + 2 * 250) / 1000, 6);
  });

  it('semi-continuous EV: never below minimum power when charging; matches brute force over on/off patterns', () => {
    const intensity = [100, 110, 120, 400];
    const req = home({
      slotMin: 60,
      slotCount: 4,
      intensityGPerKWh: intensity,
      devices: [
        {
          kind: 'ev',
          id: 'car',
          label: 'car',
          availableFromMs: T0,
          departureMs: T0 + 4 * H,
          energyNeededWh: 5000,
          minPowerW: 2000,
          maxPowerW: 3000,
          onOff: true,
        },
      ],
      importLimitW: 3000,
      baseLoadW: [1500, 0, 0, 0],
    });
    // Brute force: each slot off or on in [min, headroom]; greedy fill per pattern.
    let best = Infinity;
    for (let mask = 0; mask < 16; mask++) {
      const on = [0, 1, 2, 3].filter((t) => mask & (1 << t));
      const caps = on.map((t) => Math.min(3000, 3000 - (req.baseLoadW[t] as number)));
      if (on.some((_, k) => (caps[k] as number) < 2000)) continue;
      let left = 5000 - on.length * 2000;
      if (left < 0) continue;
      let kg = on.reduce((s, t) => s + (2 * (intensity[t] as number)) / 1000, 0);
      const order = on
        .map((t, k) => ({ t, extra: (caps[k] as number) - 2000 }))
        .sort((a, b) => intensity[a.t]! - intensity[b.t]!);
      for (const { t, extra } of order) {
        const x = Math.min(extra, left);
        kg += ((x / 1000) * (intensity[t] as number)) / 1000;
        left -= x;
      }
      if (left > 1e-9) continue;
      best = Math.min(best, kg);
    }
    const plan = solveHome(req, T0, solver);
    expect(plan.kgCO2Expected).toBeCloseTo(best, 6);
    for (const w of plan.devices[0]?.powerW ?? []) expect(w < 1e-6 || w >= 2000 - 1e-6).toBe(true);
    expect(checkPlan(req, plan, T0)).toEqual([]);
  });

  it('battery: charges when clean, discharges into the home when dirty, never both, back to its start SoC', () => {
    const req = home({
      slotMin: 60,
      slotCount: 4,
      intensityGPerKWh: [50, 500, 50, 500],
      baseLoadW: [500, 2000, 500, 2000],
      devices: [
        {
          kind: 'battery',
          id: 'bat',
          label: 'battery',
          capacityWh: 4000,
          socWh: 1000,
          minSocWh: 0,
          maxSocWh: 4000,
          maxChargeW: 2000,
          maxDischargeW: 2000,
          roundTripEfficiency: 0.81,
        },
      ],
    });
    const plan = solveHome(req, T0, solver);
    const p = plan.devices[0]?.powerW ?? [];
    expect(p[0]).toBeGreaterThan(0);
    expect(p[1]).toBeLessThan(0);
    expect(p[3]).toBeLessThan(0);
    expect(plan.importW.every((w) => w >= -1e-6)).toBe(true);
    expect(checkPlan(req, plan, T0)).toEqual([]);
    expect(plan.devices[0]?.avoidedKgCO2).toBeGreaterThan(0);
  });

  it('heat pump: preheats in clean hours and stays in the comfort band', () => {
    const n = 8;
    const req = home({
      slotMin: 60,
      slotCount: n,
      intensityGPerKWh: [50, 50, 500, 500, 500, 500, 50, 50],
      devices: [
        {
          kind: 'heat_pump',
          id: 'hp',
          label: 'heat pump',
          maxPowerW: 3000,
          cop: 3,
          heatCapacityWhPerK: 5000,
          thermalResistanceKPerW: 0.01,
          indoorTempC: 20,
          outdoorTempC: new Array<number>(n).fill(0),
          minTempC: new Array<number>(n).fill(19),
          maxTempC: new Array<number>(n).fill(23),
        },
      ],
    });
    const plan = solveHome(req, T0, solver);
    const hp = plan.devices[0];
    expect(checkPlan(req, plan, T0)).toEqual([]);
    expect(plan.explanations).toEqual([]);
    expect(hp?.indoorTempC?.every((T) => T >= 19 - 1e-6 && T <= 23 + 1e-6)).toBe(true);
    expect((hp?.powerW[0] ?? 0) + (hp?.powerW[1] ?? 0)).toBeGreaterThan(hp?.powerW[2] ?? 0);
    expect(hp?.kgCO2Expected).toBeLessThan(hp?.baselineKgCO2 ?? 0);
  });
});

describe('explanations when the request cannot be met', () => {
  it('dishwasher blocked by the main fuse: says which limit and the earliest finish', () => {
    // 30-min slots; 3 kW of base load until 06:30 leaves no room for a 2 kW dishwasher under a 3.5 kW fuse.
    const n = 24;
    const req = home({
      slotMin: 30,
      slotCount: n,
      importLimitW: 3500,
      baseLoadW: Array.from({ length: n }, (_, t) => (t < 13 ? 3000 : 500)),
      devices: [cycle({ profileW: [2000, 2000], deadlineMs: T0 + 7 * H })],
    });
    const plan = solveHome(req, T0, solver);
    expect(plan.explanations).toEqual([
      {
        deviceId: 'dw',
        constraint: 'deadline',
        amount: 30,
        unit: 'min',
        message: 'the dishwasher cannot finish by 07:00 within the 3.5 kW limit; earliest finish 07:30',
      },
    ]);
    expect(plan.importW.every((w) => w <= 3500 + 1e-6)).toBe(true);
  });

  it('a cycle that cannot start early enough says so', () => {
    const req = home({
      slotMin: 30,
      slotCount: 24,
      devices: [cycle({ profileW: [2000, 2000, 2000], earliestStartMs: T0 + 5 * H, deadlineMs: T0 + 6 * H })],
    });
    const plan = solveHome(req, T0, solver);
    expect(plan.explanations.map((e) => e.message)).toEqual([
      'the dishwasher takes 1 h 30 min and cannot start before 05:00, so it cannot finish by 06:00; earliest finish 06:30',
    ]);
  });

  it('a cycle that does not fit in the horizon is reported, not dropped silently', () => {
    const req = home({
      slotMin: 60,
      slotCount: 4,
      devices: [cycle({ profileW: [1000, 1000, 1000], earliestStartMs: T0 + 2 * H })],
    });
    const plan = solveHome(req, T0, solver);
    expect(plan.explanations[0]?.constraint).toBe('not_scheduled');
    expect(plan.explanations[0]?.message).toBe(
      'the dishwasher cannot run: it takes 3 h and cannot start before 02:00, but the plan ends at 04:00',
    );
  });

  it('EV that cannot get its energy by departure: how much it will have and why', () => {
    const req = home({
      slotMin: 60,
      slotCount: 6,
      importLimitW: 3500,
      baseLoadW: new Array<number>(6).fill(500),
      devices: [
        {
          kind: 'ev',
          id: 'car',
          label: 'car',
          availableFromMs: T0,
          departureMs: T0 + 4 * H,
          energyNeededWh: 15_000,
          minPowerW: 0,
          maxPowerW: 7000,
          onOff: false,
        },
      ],
    });
    const plan = solveHome(req, T0, solver);
    expect(plan.explanations).toHaveLength(1);
    expect(plan.explanations[0]).toMatchObject({ deviceId: 'car', constraint: 'ev_energy', unit: 'Wh' });
    expect(plan.explanations[0]?.amount).toBeCloseTo(3000, 3);
    expect(plan.explanations[0]?.message).toBe(
      'the car cannot get 15.0 kWh by 04:00 within the 3.5 kW limit; it will have 12.0 kWh (3.0 kWh short)',
    );
  });

  it('the fuse is hard: a cycle that fits nowhere under it is left out and explained, never run over the fuse', () => {
    // 2.5 kW of base load under a 3.5 kW fuse leaves 1 kW; the dishwasher needs 2 kW. Leaving it out costs more
    // (unscheduled 1,000) than the old soft fuse's penalty for 2 kWh over (200), so a soft fuse would run it.
    const n = 12;
    const req = home({
      slotMin: 60,
      slotCount: n,
      importLimitW: 3500,
      baseLoadW: new Array<number>(n).fill(2500),
      devices: [cycle({ profileW: [2000, 2000] })],
    });
    const plan = solveHome(req, T0, solver);
    expect(Math.max(...plan.importW)).toBeLessThanOrEqual(3500 + 1e-6);
    expect(plan.devices[0]?.startsMs).toEqual([]);
    expect(checkPlan(req, plan, T0)).toEqual([]);
    expect(plan.explanations).toEqual([
      expect.objectContaining({
        deviceId: 'dw',
        constraint: 'not_scheduled',
        message:
          'the dishwasher cannot run within the 3.5 kW limit: at no start before 12:00 does it fit beside the base load and the other appliances',
      }),
    ]);
  });

  it('a deadline is met when it can be, even a minute before a cleaner slot (CO2 never buys lateness)', () => {
    // Ready by 1 min before the end of slot 2: starting in slot 1 (clean) would finish 1 min late. At 0.05 a minute
    // that lateness was cheaper than the CO2 it saved, and the plan was then refused as infeasible.
    const req = home({
      slotMin: 30,
      slotCount: 8,
      intensityGPerKWh: [250, 60, 60, 250, 250, 250, 250, 250],
      co2PricePerKg: 5,
      devices: [cycle({ profileW: [2000, 2000], deadlineMs: T0 + 1.5 * H - 60_000 })],
    });
    const plan = solveHome(req, T0, solver);
    expect(plan.devices[0]?.startsMs).toEqual([T0]);
    expect(plan.explanations).toEqual([]);
    expect(checkPlan(req, plan, T0)).toEqual([]);
  });

  it('the fuse is hard: a cycle runs late rather than a little over the fuse', () => {
    // On time needs slots 0-1, where 50 W too little is left; from slot 10 on there is room. 10 h late costs 30, the
    // old soft fuse's penalty for 50 W over two slots only 10.
    const n = 14;
    const req = home({
      slotMin: 60,
      slotCount: n,
      importLimitW: 3500,
      baseLoadW: Array.from({ length: n }, (_, t) => (t < 10 ? 1550 : 500)),
      devices: [cycle({ profileW: [2000, 2000], deadlineMs: T0 + 2 * H })],
    });
    const plan = solveHome(req, T0, solver);
    expect(Math.max(...plan.importW)).toBeLessThanOrEqual(3500 + 1e-6);
    expect(plan.devices[0]?.startsMs).toEqual([T0 + 10 * H]);
    expect(checkPlan(req, plan, T0)).toEqual([]);
  });

  it('time limit before any plan: falls back to running nothing movable, within the fuse, and says so', () => {
    // As HiGHS at its time limit before its first incumbent: no plan for any model that can still place a cycle.
    const stalled: MilpSolver = {
      name: 'stalled',
      solve: () => {
        throw new Error('not used: the array interface is there');
      },
      solveProblem(problem, options) {
        const open = problem.columnNames.some((c, j) => /^c\d+_/.test(c) && (problem.colUpper[j] as number) > 0);
        if (!open) return solver.solveProblem!(problem, options);
        return {
          status: 'time_limit',
          rawStatus: 'timeLimit',
          objective: null,
          columns: {},
          mipGap: null,
          dualBound: null,
          solveTimeMs: 1,
        };
      },
    };
    const n = 12;
    const req = home({
      slotMin: 60,
      slotCount: n,
      importLimitW: 3500,
      baseLoadW: new Array<number>(n).fill(500),
      devices: [
        cycle(),
        {
          kind: 'ev',
          id: 'car',
          label: 'car',
          availableFromMs: T0,
          departureMs: T0 + 10 * H,
          energyNeededWh: 6000,
          minPowerW: 1400,
          maxPowerW: 3000,
          onOff: true,
        },
      ],
    });
    const plan = solveHome(req, T0, stalled);
    expect(plan.status).toBe('feasible');
    expect(plan.model.fallback).toBe('idle');
    expect(plan.model.solver).toBe('stalled');
    expect(plan.devices.map((d) => d.energyWh)).toEqual([0, 0]);
    expect(Math.max(...plan.importW)).toBeLessThanOrEqual(3500);
    // Every hard rule holds but one: a cycle that fits was left out, as the explanation says.
    expect(checkPlan(req, plan, T0).map((v) => v.rule)).toEqual(['cycle.unscheduled']);
    expect(plan.explanations.map((e) => [e.deviceId, e.constraint])).toEqual([
      ['dw', 'not_scheduled'],
      ['car', 'ev_energy'],
    ]);
    expect(plan.explanations[0]?.message).toBe(
      'the dishwasher was not planned: the solver stopped at its time limit before placing it',
    );
  });

  it('base load above the fuse: the import limit gives way, named with the overload', () => {
    const req = home({ slotMin: 60, slotCount: 3, importLimitW: 3000, baseLoadW: [1000, 4200, 1000] });
    const plan = solveHome(req, T0, solver);
    expect(plan.explanations).toEqual([
      expect.objectContaining({ constraint: 'import_limit', amount: 1200, unit: 'W' }),
    ]);
    expect(plan.explanations[0]?.message).toContain('1.2 kW over the 3.0 kW limit');
  });

  it('heat pump too small for the cold: comfort gives way and is reported in °C', () => {
    const n = 4;
    const req = home({
      slotMin: 60,
      slotCount: n,
      devices: [
        {
          kind: 'heat_pump',
          id: 'hp',
          label: 'heat pump',
          maxPowerW: 500,
          cop: 2,
          heatCapacityWhPerK: 2000,
          thermalResistanceKPerW: 0.005,
          indoorTempC: 20,
          outdoorTempC: new Array<number>(n).fill(-10),
          minTempC: new Array<number>(n).fill(20),
          maxTempC: new Array<number>(n).fill(24),
        },
      ],
    });
    const plan = solveHome(req, T0, solver);
    expect(plan.explanations[0]?.constraint).toBe('comfort');
    expect(plan.explanations[0]?.message).toMatch(/the indoor temperature will drop to 1\d\.\d °C at 04:00/);
    expect(plan.devices[0]?.powerW.every((w) => Math.abs(w - 500) < 1e-6)).toBe(true);
  });
});

describe('stability', () => {
  const intensity = [200, 199, 300, 300, 300, 300, 100, 300];
  it('keeps a published start when moving would save less than the move penalty', () => {
    const req = home({
      slotMin: 60,
      slotCount: 8,
      intensityGPerKWh: intensity,
      devices: [cycle({ profileW: [1000], publishedStartMs: T0, movePenalty: 0.05 })],
    });
    // Slot 1 is 1 g cleaner (0.001 kg × 1 €/kg): not worth moving; slot 6 saves 0.1 kg: worth it.
    expect(solveHome(req, T0, solver).devices[0]?.startsMs).toEqual([T0 + 6 * H]);
    const noBigWin = { ...req, intensityGPerKWh: [200, 199, 300, 300, 300, 300, 300, 300] };
    expect(solveHome(noBigWin, T0, solver).devices[0]?.startsMs).toEqual([T0]);
    const unpublished = { ...noBigWin, devices: [cycle({ profileW: [1000] })] };
    expect(solveHome(unpublished, T0, solver).devices[0]?.startsMs).toEqual([T0 + H]);
  });

  it('a running cycle stays where it is and its remaining load counts against the fuse', () => {
    const now = T0 + 10 * 60_000;
    const req = home({
      slotMin: 30,
      slotCount: 8,
      startMs: T0,
      importLimitW: 3000,
      intensityGPerKWh: [500, 500, 5, 10, 20, 20, 20, 20],
      devices: [
        cycle({
          id: 'wm',
          label: 'washing machine',
          profileW: [2000, 2000, 2000, 2000, 2000],
          startedMs: T0 - 60 * 60_000,
        }),
        cycle({ profileW: [2000] }),
      ],
    });
    const plan = solveHome(req, now, solver);
    expect(plan.devices[0]?.startsMs).toEqual([T0 - H]);
    expect(plan.devices[0]?.powerW.slice(0, 4)).toEqual([2000, 2000, 2000, 0]);
    // The cleanest slot (01:00–01:30) still has the washing machine on: 2 + 2 kW > 3 kW, so the next best.
    expect(plan.devices[1]?.startsMs).toEqual([T0 + 90 * 60_000]);
    expect(checkPlan(req, plan, now)).toEqual([]);
  });

  it('EV charging started by hand is honoured at full power', () => {
    const req = home({
      slotMin: 60,
      slotCount: 4,
      intensityGPerKWh: [900, 10, 10, 10],
      devices: [
        {
          kind: 'ev',
          id: 'car',
          label: 'car',
          availableFromMs: T0,
          departureMs: T0 + 4 * H,
          energyNeededWh: 5000,
          minPowerW: 0,
          maxPowerW: 3000,
          onOff: false,
          startedByHandMs: T0,
        },
      ],
    });
    const plan = solveHome(req, T0, solver);
    expect(plan.devices[0]?.powerW).toEqual([3000, 2000, 0, 0]);
    expect(checkPlan(req, plan, T0)).toEqual([]);
  });
});

describe('Pareto sweep', () => {
  it('more weight on CO2 never raises emissions nor lowers cost', () => {
    const req = home({
      slotMin: 60,
      slotCount: 6,
      intensityGPerKWh: [100, 200, 300, 400, 500, 600],
      pricePerKWh: [0.6, 0.5, 0.4, 0.3, 0.2, 0.1],
      devices: [cycle({ profileW: [1000, 1000] }), cycle({ id: 'wm', label: 'washing machine', profileW: [500] })],
    });
    const points = paretoSweep(req, T0, solver, [0, 0.5, 1, 2, 5, 20]);
    for (let k = 1; k < points.length; k++) {
      expect(points[k]!.kgCO2Expected).toBeLessThanOrEqual(points[k - 1]!.kgCO2Expected + 1e-9);
      expect(points[k]!.costExpected).toBeGreaterThanOrEqual(points[k - 1]!.costExpected - 1e-9);
    }
    expect(points[0]!.kgCO2Expected).toBeGreaterThan(points[points.length - 1]!.kgCO2Expected);
  });
});

describe('bad input', () => {
  it('names what was wrong', () => {
    const req = home({ slotMin: 60, slotCount: 3, intensityGPerKWh: [1, 2] });
    expect(() => buildModel(req, T0)).toThrow(InvalidRequestError);
    expect(() => buildModel(req, T0)).toThrow('intensityGPerKWh: has 2 values, needs one per slot (3)');
    expect(() => buildModel(home({ slotMin: 60, slotCount: 3 }), T0 + 2 * H)).toThrow(/must lie in the first slot/);
    const dup = home({ slotMin: 60, slotCount: 3, devices: [cycle(), cycle()] });
    expect(() => buildModel(dup, T0)).toThrow('devices[1] ("dw"): duplicate id');
  });
});

describe('property: every plan satisfies every hard constraint', () => {
  const arbDevice = (n: number, i: number): fc.Arbitrary<DeviceRequest> =>
    fc.oneof(
      fc
        .record({
          profile: fc.array(fc.integer({ min: 0, max: 2500 }), { minLength: 1, maxLength: 4 }),
          earliest: fc.integer({ min: 0, max: n - 1 }),
          window: fc.integer({ min: 0, max: n }),
          published: fc.option(fc.integer({ min: 0, max: n - 1 }), { nil: undefined }),
        })
        .map((r): DeviceRequest => ({
          kind: 'cycle',
          id: `c${i}`,
          label: `appliance ${i}`,
          profileW: r.profile,
          earliestStartMs: T0 + r.earliest * H,
          deadlineMs: T0 + (r.earliest + r.profile.length + r.window) * H,
          ...(r.published === undefined ? {} : { publishedStartMs: T0 + r.published * H }),
        })),
      fc
        .record({
          from: fc.integer({ min: 0, max: n - 1 }),
          stay: fc.integer({ min: 1, max: n }),
          energy: fc.integer({ min: 0, max: 30_000 }),
          maxW: fc.integer({ min: 1500, max: 7400 }),
          onOff: fc.boolean(),
        })
        .map((r): DeviceRequest => ({
          kind: 'ev',
          id: `e${i}`,
          label: 'car',
          availableFromMs: T0 + r.from * H,
          departureMs: T0 + (r.from + r.stay) * H,
          energyNeededWh: r.energy,
          minPowerW: 1400,
          maxPowerW: r.maxW,
          onOff: r.onOff,
        })),
      fc
        .record({
          soc: fc.double({ min: 0.1, max: 0.9, noNaN: true }),
          rte: fc.double({ min: 0.7, max: 1, noNaN: true }),
        })
        .map((r): DeviceRequest => ({
          kind: 'battery',
          id: `b${i}`,
          label: 'battery',
          capacityWh: 8000,
          socWh: 8000 * r.soc,
          minSocWh: 400,
          maxSocWh: 7600,
          maxChargeW: 3000,
          maxDischargeW: 3000,
          roundTripEfficiency: r.rte,
        })),
      fc
        .record({ out: fc.integer({ min: -10, max: 15 }), min: fc.integer({ min: 17, max: 21 }) })
        .map((r): DeviceRequest => ({
          kind: 'heat_pump',
          id: `h${i}`,
          label: 'heat pump',
          maxPowerW: 2500,
          cop: 3,
          heatCapacityWhPerK: 4000,
          thermalResistanceKPerW: 0.008,
          indoorTempC: 20,
          outdoorTempC: new Array<number>(n).fill(r.out),
          minTempC: new Array<number>(n).fill(r.min),
          maxTempC: new Array<number>(n).fill(r.min + 3),
        })),
    );

  it('holds over random homes (seeded)', () => {
    const n = 12;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -20, max: 600 }), { minLength: n, maxLength: n }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: n, maxLength: n }),
        fc.option(fc.integer({ min: 2000, max: 9000 }), { nil: null }),
        fc.tuple(...[0, 1, 2, 3].map((i) => arbDevice(n, i))),
        (intensity, base, limit, devices) => {
          const req = home({
            slotMin: 60,
            slotCount: n,
            intensityGPerKWh: intensity,
            pricePerKWh: intensity.map((g) => g / 2000),
            baseLoadW: base,
            importLimitW: limit,
            devices,
          });
          const plan = solveHome(req, T0, solver);
          expect(checkPlan(req, plan, T0)).toEqual([]);
          // Soft wishes: anything that gave way is explained.
          for (const [i, d] of req.devices.entries()) {
            const p = plan.devices[i]!;
            if (d.kind === 'cycle' && p.finishMs !== undefined && p.finishMs > d.deadlineMs) {
              expect(plan.explanations.some((e) => e.deviceId === d.id && e.constraint === 'deadline')).toBe(true);
            }
            if (d.kind === 'ev' && p.energyWh < d.energyNeededWh - 1) {
              expect(plan.explanations.some((e) => e.deviceId === d.id && e.constraint === 'ev_energy')).toBe(true);
            }
          }
          if (limit !== null && plan.importW.some((w) => w > limit + 1)) {
            expect(plan.explanations.some((e) => e.constraint === 'import_limit')).toBe(true);
          }
          // A cycle the fuse (or the horizon) leaves out is explained too.
          for (const [i, d] of req.devices.entries()) {
            if (d.kind === 'cycle' && plan.devices[i]?.startsMs.length === 0) {
              expect(plan.explanations.some((e) => e.deviceId === d.id && e.constraint === 'not_scheduled')).toBe(true);
            }
          }
        },
      ),
      { seed: 20261127, numRuns: 60 },
    );
  });
});
