import fc from 'fast-check';
import { createHighsSolver } from '../solver/highs';
import { checkPlan } from './check';
import { LpWriter } from './lp';
import { buildModel } from './model';
import { relativeGap, solveHome } from './solve';
import type { DeviceRequest, HomeRequest, MilpSolver } from './types';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 15, 0, 0);

let solver: MilpSolver;
beforeAll(async () => {
  solver = await createHighsSolver();
});

describe('relativeGap', () => {
  it('is HiGHS’ |upper − lower| / |upper|, zero within the absolute gap of 1e-6', () => {
    expect(relativeGap(10, 9.999)).toBeCloseTo(1e-4, 12);
    expect(relativeGap(-10, -10.001)).toBeCloseTo(1e-4, 12);
    expect(relativeGap(5, 5 - 1e-7)).toBe(0);
    expect(relativeGap(5, 6)).toBe(0); // a bound above the plan (rounding) is no gap
    expect(relativeGap(0, -1)).toBe(Infinity);
  });
});

describe('LpWriter.toProblem', () => {
  it('writes the same rows, bounds and types as the LP text, merging repeated terms', () => {
    const lp = new LpWriter();
    lp.column('x', 0, 4, 1.5);
    lp.column('y', -Infinity, Infinity, -2);
    lp.column('b', 0, 1, 0, true);
    lp.row(
      'r1',
      [
        [1, 'x'],
        [2, 'y'],
        [3, 'x'],
      ],
      '<=',
      7,
    );
    lp.row('empty', [[0, 'x']], '=', 0);
    lp.row(
      'r2',
      [
        [1, 'y'],
        [-5, 'b'],
      ],
      '>=',
      -1,
    );
    const p = lp.toProblem();
    expect(p.columnNames).toEqual(['x', 'y', 'b']);
    expect([...p.colCost]).toEqual([1.5, -2, 0]);
    expect([...p.colLower]).toEqual([0, -Infinity, 0]);
    expect([...p.colUpper]).toEqual([4, Infinity, 1]);
    expect([...p.integrality]).toEqual([0, 0, 1]);
    expect(p.rowNames).toEqual(['r1', 'r2']);
    expect([...p.rowLower]).toEqual([-Infinity, -1]);
    expect([...p.rowUpper]).toEqual([7, Infinity]);
    expect([...p.matrix.starts]).toEqual([0, 2, 4]);
    expect([...p.matrix.indices]).toEqual([0, 1, 1, 2]);
    expect([...p.matrix.values]).toEqual([4, 2, 1, -5]);
  });
});

/** A small home where the fuse binds and the EV's minimum power matters: the cases the shortcuts must get right. */
const arbHome = (n: number): fc.Arbitrary<HomeRequest> =>
  fc
    .record({
      intensity: fc.array(fc.integer({ min: 20, max: 500 }), { minLength: n, maxLength: n }),
      base: fc.array(fc.integer({ min: 0, max: 2500 }), { minLength: n, maxLength: n }),
      fuse: fc.integer({ min: 4000, max: 9000 }),
      cycles: fc.array(
        fc.record({
          profile: fc.array(fc.integer({ min: 100, max: 2500 }), { minLength: 1, maxLength: 4 }),
          earliest: fc.integer({ min: 0, max: n - 4 }),
          window: fc.integer({ min: 0, max: n }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      ev: fc.record({
        from: fc.integer({ min: 0, max: n / 2 }),
        stay: fc.integer({ min: 4, max: n }),
        kWh: fc.integer({ min: 1, max: 30 }),
        maxW: fc.integer({ min: 3000, max: 7400 }),
        minW: fc.integer({ min: 1000, max: 2000 }),
      }),
      battery: fc.option(fc.double({ min: 0.1, max: 0.9, noNaN: true }), { nil: undefined }),
    })
    .map(({ intensity, base, fuse, cycles, ev, battery }) => {
      const devices: DeviceRequest[] = cycles.map((c, i) => ({
        kind: 'cycle',
        id: `c${i}`,
        label: `appliance ${i}`,
        profileW: c.profile,
        earliestStartMs: T0 + (c.earliest * H) / 2,
        deadlineMs: T0 + ((c.earliest + c.profile.length + c.window) * H) / 2,
      }));
      devices.push({
        kind: 'ev',
        id: 'car',
        label: 'car',
        availableFromMs: T0 + (ev.from * H) / 2,
        departureMs: T0 + ((ev.from + ev.stay) * H) / 2,
        energyNeededWh: ev.kWh * 1000,
        minPowerW: ev.minW,
        maxPowerW: ev.maxW,
        onOff: true,
      });
      if (battery !== undefined)
        devices.push({
          kind: 'battery',
          id: 'bat',
          label: 'battery',
          capacityWh: 6000,
          socWh: 6000 * battery,
          minSocWh: 300,
          maxSocWh: 5700,
          maxChargeW: 2500,
          maxDischargeW: 2500,
          roundTripEfficiency: 0.9,
        });
      return {
        startMs: T0,
        slotMin: 30,
        slotCount: n,
        timeZone: 'UTC',
        intensityGPerKWh: intensity,
        pricePerKWh: intensity.map((g, t) => 0.1 + g / 4000 + (t % 7) / 100),
        co2PricePerKg: 0.3,
        baseLoadW: base,
        importLimitW: fuse,
        devices,
      };
    });

describe('exactness of the shortcuts in solveHome', () => {
  it('relaxed / held / full give the objective of the strict MILP (every binary up front) on random homes', () => {
    const methods: Record<string, number> = {};
    const firsts: Record<string, number> = {};
    const helds: Record<string, number> = {};
    fc.assert(
      fc.property(arbHome(24), (req) => {
        const fast = solveHome(req, T0, solver, { mipRelGap: 1e-6 });
        if (fast.model.held) helds[fast.model.held] = (helds[fast.model.held] ?? 0) + 1;
        const strict = solveHome(req, T0, solver, { strict: true, mipRelGap: 1e-6 });
        methods[fast.model.method ?? '?'] = (methods[fast.model.method ?? '?'] ?? 0) + 1;
        firsts[fast.model.first ?? '?'] = (firsts[fast.model.first ?? '?'] ?? 0) + 1;
        expect(fast.status).toBe('optimal');
        expect(strict.status).toBe('optimal');
        expect(fast.mipGap ?? 0).toBeLessThanOrEqual(1e-6);
        // Both proven within 1e-6 of their own bound: equal within that, plus rounding.
        expect(Math.abs(fast.objective - strict.objective)).toBeLessThanOrEqual(
          2e-6 * Math.max(1, Math.abs(strict.objective)),
        );
        expect(checkPlan(req, fast, T0)).toEqual([]);
      }),
      { seed: 5, numRuns: 40 },
    );
    // The random homes must exercise the shortcut, not only the easy path.
    expect(methods['relaxed'] ?? 0).toBeGreaterThan(0);
    expect((methods['held'] ?? 0) + (methods['full'] ?? 0)).toBeGreaterThan(0);
    expect(helds['dive'] ?? 0).toBeGreaterThan(0);
    // ... and each way the first (relaxed) solve is settled: integral LP, dive within the gap, branch and bound
    // after reduced-cost fixing.
    expect(firsts['lp'] ?? 0).toBeGreaterThan(0);
    expect(firsts['mip'] ?? 0).toBeGreaterThan(0);
  });

  it('the dive and reduced-cost fixing give the optimum of the plain MIP at the benchmark gap', () => {
    const firsts: Record<string, number> = {};
    fc.assert(
      fc.property(arbHome(32), (req) => {
        const fast = solveHome(req, T0, solver, { mipRelGap: 1e-4 });
        const strict = solveHome(req, T0, solver, { strict: true, mipRelGap: 1e-7 });
        firsts[fast.model.first ?? '?'] = (firsts[fast.model.first ?? '?'] ?? 0) + 1;
        expect(fast.status).toBe('optimal');
        expect(fast.mipGap ?? 0).toBeLessThanOrEqual(1e-4);
        // Proven within 1e-4 of a bound that the true optimum cannot beat.
        expect(fast.objective).toBeGreaterThanOrEqual(
          strict.objective - 1e-6 * Math.max(1, Math.abs(strict.objective)),
        );
        expect(fast.objective - strict.objective).toBeLessThanOrEqual(1.01e-4 * Math.max(1, Math.abs(fast.objective)));
        expect(checkPlan(req, fast, T0)).toEqual([]);
      }),
      { seed: 8, numRuns: 30 },
    );
    expect(firsts['rounded'] ?? 0).toBeGreaterThan(0);
  });

  it('the ranged rows (fuse with no export, comfort band) give the optimum of the separate rows', () => {
    const withHeatPump = arbHome(24).chain((req) =>
      fc
        .record({
          outdoor: fc.integer({ min: -5, max: 12 }),
          lowC: fc.array(fc.integer({ min: 16, max: 21 }), { minLength: 24, maxLength: 24 }),
          capacity: fc.integer({ min: 2000, max: 8000 }),
        })
        .map(({ outdoor, lowC, capacity }): HomeRequest => ({
          ...req,
          devices: [
            ...req.devices,
            {
              kind: 'heat_pump',
              id: 'hp',
              label: 'heat pump',
              maxPowerW: 2500,
              cop: 3,
              heatCapacityWhPerK: capacity,
              thermalResistanceKPerW: 0.008,
              indoorTempC: 19,
              outdoorTempC: new Array<number>(24).fill(outdoor),
              minTempC: lowC,
              maxTempC: new Array<number>(24).fill(22),
            },
          ],
        })),
    );
    const options = { timeLimitSec: 30, mipRelGap: 1e-7 };
    fc.assert(
      fc.property(withHeatPump, (req) => {
        const ranged = buildModel(req, T0, { strict: true });
        const separate = buildModel(req, T0, { strict: true, separateRows: true });
        expect(ranged.index.rows).toBeLessThan(separate.index.rows);
        const a = solver.solveProblem!(ranged.problem, options);
        const b = solver.solveProblem!(separate.problem, options);
        expect(a.status).toBe('optimal');
        expect(b.status).toBe('optimal');
        expect(Math.abs(a.objective! - b.objective!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(b.objective!)));
      }),
      { seed: 21, numRuns: 25 },
    );
  });

  it('the array interface and the LP text give the same optimum', () => {
    fc.assert(
      fc.property(arbHome(16), (req) => {
        const built = buildModel(req, T0, { strict: true });
        const options = { timeLimitSec: 30, mipRelGap: 1e-7 };
        const fromText = solver.solve(built.lp, options);
        const fromArrays = solver.solveProblem!(built.problem, options);
        expect(fromArrays.status).toBe('optimal');
        expect(fromText.status).toBe('optimal');
        expect(fromArrays.objective!).toBeCloseTo(fromText.objective!, 5);
      }),
      { seed: 11, numRuns: 15 },
    );
  });

  it('a start point that is feasible is kept as the incumbent; an infeasible one is ignored', () => {
    const req = fc.sample(arbHome(16), { seed: 3, numRuns: 1 })[0]!;
    const built = buildModel(req, T0, { strict: true });
    const options = { timeLimitSec: 30, mipRelGap: 1e-7 };
    const solved = solver.solveProblem!(built.problem, options);
    const again = solver.solveProblem!(built.problem, { ...options, start: solved.columns });
    expect(again.objective!).toBeCloseTo(solved.objective!, 6);
    const nonsense = Object.fromEntries(built.problem.columnNames.map((n) => [n, 1e9]));
    const ignored = solver.solveProblem!(built.problem, { ...options, start: nonsense });
    expect(ignored.objective!).toBeCloseTo(solved.objective!, 6);
  });
});
