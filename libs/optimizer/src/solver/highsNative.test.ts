import type { HighsNativeAddon, NativeHighsModel } from '@carbonreducer/highs-native';
import { buildModel } from '../core/model';
import type { HomeRequest } from '../core/types';
import { createNativeHighsSolver, LP_SESSION_SIMPLEX_STRATEGY } from './highsNative';

/** Every `simplex_strategy` set on a real HiGHS model, in order, per model. */
const strategies: (string | number | boolean)[][] = [];

// The real addon, its models recording the options set on them (the solves themselves are HiGHS').
jest.mock('@carbonreducer/highs-native', () => {
  const actual = jest.requireActual<typeof import('@carbonreducer/highs-native')>('@carbonreducer/highs-native');
  return {
    ...actual,
    loadHighsNative: (): HighsNativeAddon => {
      const addon = actual.loadHighsNative();
      class Recording extends addon.HighsModel {
        private readonly set: (string | number | boolean)[] = [];
        constructor() {
          super();
          strategies.push(this.set);
        }
        override setOption(name: string, value: string | number | boolean): void {
          if (name === 'simplex_strategy') this.set.push(value);
          super.setOption(name, value);
        }
      }
      return { ...addon, HighsModel: Recording as unknown as new () => NativeHighsModel };
    },
  };
});

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 15);

function request(): HomeRequest {
  const n = 24;
  const intensity = Array.from({ length: n }, (_, t) => 100 + ((t * 37) % 300));
  return {
    startMs: T0,
    slotMin: 60,
    slotCount: n,
    timeZone: 'UTC',
    intensityGPerKWh: intensity,
    pricePerKWh: intensity.map((g) => g / 1000),
    co2PricePerKg: 0.2,
    baseLoadW: new Array<number>(n).fill(800),
    importLimitW: 5000,
    devices: [
      {
        kind: 'cycle',
        id: 'dw',
        label: 'dishwasher',
        profileW: [2000, 800],
        earliestStartMs: T0,
        deadlineMs: T0 + 20 * H,
      },
      { kind: 'cycle', id: 'wm', label: 'washer', profileW: [2200, 400], earliestStartMs: T0, deadlineMs: T0 + 20 * H },
      {
        kind: 'ev',
        id: 'car',
        label: 'car',
        availableFromMs: T0,
        departureMs: T0 + 22 * H,
        energyNeededWh: 20_000,
        minPowerW: 0,
        maxPowerW: 4000,
        onOff: false,
      },
    ],
  };
}

describe('native LP session', () => {
  it('solves cold by primal simplex and every hot start after bound changes by dual, with the same optima', () => {
    const { problem } = buildModel(request(), T0);
    const lpProblem = { ...problem, integrality: new Int32Array(problem.integrality.length) };
    const solver = createNativeHighsSolver();
    const options = { timeLimitSec: 10, mipRelGap: 1e-4 };
    strategies.length = 0;
    const session = solver.lpSession!(lpProblem);
    const upper = Float64Array.from(problem.colUpper);
    try {
      const cold = session.solve(problem.colLower, upper, options);
      // A dive step: the dishwasher may not start in slot 0 … 9.
      for (let s = 0; s < 10; s++) upper[problem.columnNames.indexOf(`c0_${s}`)] = 0;
      const hot = session.solve(problem.colLower, upper, options);
      const again = session.solve(problem.colLower, upper, options);
      expect(strategies).toHaveLength(1);
      expect(strategies[0]).toEqual([
        LP_SESSION_SIMPLEX_STRATEGY.cold,
        LP_SESSION_SIMPLEX_STRATEGY.hot,
        LP_SESSION_SIMPLEX_STRATEGY.hot,
      ]);
      expect(LP_SESSION_SIMPLEX_STRATEGY).toEqual({ cold: 4, hot: 1 });

      // HiGHS' own choice (no strategy set, a fresh model each) gives the same optima.
      const fresh = (u: Float64Array) =>
        solver.solveProblem!({ ...lpProblem, colUpper: u }, options).objective as number;
      expect(cold.status).toBe('optimal');
      expect(cold.objective).toBeCloseTo(fresh(Float64Array.from(problem.colUpper)), 7);
      expect(hot.objective).toBeCloseTo(fresh(upper), 7);
      expect(again.objective).toBeCloseTo(hot.objective as number, 9);
      expect(hot.objective as number).toBeGreaterThanOrEqual((cold.objective as number) - 1e-9);
    } finally {
      session.dispose();
    }
  });
});
