import { buildModel } from '../core/model';
import { solveHome } from '../core/solve';
import type { HomeRequest, MilpSolver } from '../core/types';
import { createHighsSolver, createWasmHighsSolver } from './highs';
import { createNativeHighsSolver } from './highsNative';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 15);

/**
 * Both HiGHS builds. The native addon is part of the install (`scripts/stack install`); when it is missing this
 * fails with the command that builds it, never skips.
 */
const solvers: Record<'native' | 'wasm', MilpSolver> = {} as Record<'native' | 'wasm', MilpSolver>;
beforeAll(async () => {
  solvers.wasm = await createWasmHighsSolver();
  try {
    solvers.native = createNativeHighsSolver();
  } catch (err) {
    throw new Error(`native HiGHS expected but not built: ${(err as Error).message}`, { cause: err });
  }
});

function request(): HomeRequest {
  const n = 12;
  const intensity = Array.from({ length: n }, (_, t) => 100 + ((t * 37) % 300));
  return {
    startMs: T0,
    slotMin: 60,
    slotCount: n,
    timeZone: 'UTC',
    intensityGPerKWh: intensity,
    pricePerKWh: intensity.map((g) => g / 1000),
    co2PricePerKg: 0.2,
    baseLoadW: new Array<number>(n).fill(500),
    importLimitW: 6000,
    devices: [
      {
        kind: 'cycle',
        id: 'dw',
        label: 'dishwasher',
        profileW: [2000, 800],
        earliestStartMs: T0,
        deadlineMs: T0 + 10 * H,
      },
      {
        kind: 'ev',
        id: 'car',
        label: 'car',
        availableFromMs: T0,
        departureMs: T0 + 11 * H,
        energyNeededWh: 9000,
        minPowerW: 1400,
        maxPowerW: 3700,
        onOff: true,
      },
    ],
  };
}

describe.each(['native', 'wasm'] as const)(
  'HiGHS LP session, %s build (a model loaded once, re-solved after bound changes)',
  (build) => {
    it('gives the same optimum as loading the LP afresh with the same bounds, at every step', () => {
      const solver = solvers[build];
      const { problem } = buildModel(request(), T0);
      const lp = { ...problem, integrality: new Int32Array(problem.integrality.length) };
      const options = { timeLimitSec: 10, mipRelGap: 1e-4 };
      const session = solver.lpSession!(problem);
      try {
        const lower = Float64Array.from(problem.colLower);
        const upper = Float64Array.from(problem.colUpper);
        const check = () => {
          const hot = session.solve(lower, upper, options);
          const cold = solver.solveProblem!({ ...lp, colLower: lower, colUpper: upper }, options);
          expect(hot.status).toBe('optimal');
          expect(hot.objective).toBeCloseTo(cold.objective as number, 9);
          return hot;
        };
        check();
        // Hold the dishwasher at slot 3, then take the EV out of the cheapest slots one by one, then let it back.
        const col = (name: string) => problem.columnNames.indexOf(name);
        for (const name of problem.columnNames.filter((n) => n.startsWith('c'))) upper[col(name)] = 0;
        lower[col('c0_3')] = upper[col('c0_3')] = 1;
        const held = check();
        expect(held.columns['c0_3']).toBeCloseTo(1, 9);
        for (const t of [0, 1, 2]) {
          upper[col(`e1_${t}`)] = 0;
          expect(check().columns[`e1_${t}`]).toBeCloseTo(0, 9);
        }
        lower[col('e1_0')] = 1400;
        upper[col('e1_0')] = 3700;
        expect(check().columns['e1_0']).toBeGreaterThanOrEqual(1400 - 1e-6);
      } finally {
        session.dispose();
      }
    });
  },
);

describe('native HiGHS', () => {
  it('is what createHighsSolver picks when built, and names itself and its plans', async () => {
    const auto = await createHighsSolver();
    expect(auto.name).toBe('highs-native 1.16.0');
    expect(solveHome(request(), T0, auto).model.solver).toBe('highs-native 1.16.0');
    expect(solveHome(request(), T0, solvers.wasm).model.solver).toBe('highs-wasm 1.15.3');
  });

  it('gives the WebAssembly build objective on a MIP from arrays, from LP text, and with a start', () => {
    const built = buildModel(request(), T0, { strict: true });
    const options = { timeLimitSec: 10, mipRelGap: 1e-9 };
    const wasm = solvers.wasm.solveProblem!(built.problem, options);
    const fromArrays = solvers.native.solveProblem!(built.problem, options);
    const fromText = solvers.native.solve(built.lp, options);
    const started = solvers.native.solveProblem!(built.problem, { ...options, start: wasm.columns });
    for (const r of [fromArrays, fromText, started]) {
      expect(r.status).toBe('optimal');
      expect(r.objective).toBeCloseTo(wasm.objective as number, 6);
      expect(r.mipGap).toBeLessThanOrEqual(1e-9);
      expect(r.dualBound).toBeCloseTo(wasm.objective as number, 6);
    }
    expect(Object.keys(fromText.columns).sort()).toEqual([...built.problem.columnNames].sort());
  });

  it('reports reduced costs and a basis for an LP, and takes the basis back', () => {
    const { problem } = buildModel(request(), T0);
    const lp = { ...problem, integrality: new Int32Array(problem.integrality.length) };
    const options = { timeLimitSec: 10, mipRelGap: 1e-4 };
    const first = solvers.native.solveProblem!(lp, options);
    expect(first.status).toBe('optimal');
    expect(first.columnDuals?.length).toBe(problem.columnNames.length);
    expect(first.basis?.rowStatus.length).toBe(problem.rowNames.length);
    const again = solvers.native.solveProblem!(lp, { ...options, basis: first.basis! });
    expect(again.objective).toBeCloseTo(first.objective as number, 9);
  });

  it('stops at the time limit and says so', () => {
    const built = buildModel(request(), T0, { strict: true });
    const r = solvers.native.solveProblem!(built.problem, { timeLimitSec: 0, mipRelGap: 0 });
    expect(r.status).toBe('time_limit');
    expect(r.rawStatus).toBe('timeLimit');
  });

  it('rejects bad arrays with a clear error', () => {
    const { problem } = buildModel(request(), T0);
    const bad = { ...problem, colLower: problem.colLower.subarray(1) };
    expect(() => solvers.native.solveProblem!(bad, { timeLimitSec: 1, mipRelGap: 1e-4 })).toThrow(
      'HiGHS rejected the model arrays',
    );
  });
});
