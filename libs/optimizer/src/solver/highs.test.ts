import { buildModel } from '../core/model';
import type { HomeRequest, MilpSolver } from '../core/types';
import { createHighsSolver } from './highs';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 15);

let solver: MilpSolver;
beforeAll(async () => {
  solver = await createHighsSolver();
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

describe('HiGHS LP session (a model loaded once, re-solved after bound changes)', () => {
  it('gives the same optimum as loading the LP afresh with the same bounds, at every step', () => {
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
});
