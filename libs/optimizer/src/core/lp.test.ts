import { createWasmHighsSolver } from '../solver/highs';
import { problemLp, withProblem } from './lp';
import { buildModel } from './model';
import type { BuiltModel, HomeRequest, MilpSolver } from './types';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 15);

let solver: MilpSolver;
beforeAll(async () => {
  solver = await createWasmHighsSolver();
});

/** A fuse-bound home with a cycle, an on/off EV, a battery (ranged fuse rows) and a heat pump (ranged comfort rows). */
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
      {
        kind: 'battery',
        id: 'bat',
        label: 'battery',
        capacityWh: 8000,
        socWh: 4000,
        minSocWh: 500,
        maxSocWh: 7500,
        maxChargeW: 3000,
        maxDischargeW: 3000,
        roundTripEfficiency: 0.9,
      },
      {
        kind: 'heat_pump',
        id: 'hp',
        label: 'heat pump',
        maxPowerW: 3000,
        cop: 3,
        heatCapacityWhPerK: 5000,
        thermalResistanceKPerW: 0.008,
        indoorTempC: 20,
        outdoorTempC: new Array<number>(n).fill(5),
        minTempC: new Array<number>(n).fill(19),
        maxTempC: new Array<number>(n).fill(23),
      },
    ],
  };
}

const options = { timeLimitSec: 10, mipRelGap: 1e-9 };

describe('problemLp', () => {
  it('writes the text of the arrays: the same optimum from text as from the arrays, binaries and all', () => {
    const built = buildModel(request(), T0, { strict: true });
    const text = problemLp(built.problem);
    expect(text).toContain('Binaries');
    expect(text).toMatch(/fuse_0_lo: .* >= /);
    const fromArrays = solver.solveProblem!(built.problem, options);
    const fromText = solver.solve(text, options);
    const fromWriter = solver.solve(built.lp, options);
    expect(fromArrays.status).toBe('optimal');
    expect(fromText.objective).toBeCloseTo(fromArrays.objective as number, 7);
    expect(fromWriter.objective).toBeCloseTo(fromArrays.objective as number, 7);
  });

  it('writes general integers, semi-continuous columns and one-sided rows', () => {
    const p = buildModel(request(), T0).problem;
    const integrality = Int32Array.from(p.integrality);
    const colUpper = Float64Array.from(p.colUpper);
    const j = p.columnNames.indexOf('c0_0');
    colUpper[j] = 3;
    const e = p.columnNames.indexOf('e1_0');
    integrality[e] = 2;
    const text = problemLp({ ...p, integrality, colUpper });
    expect(text).toMatch(/Generals\n c0_0\b/);
    expect(text).toMatch(/Semi-Continuous\n e1_0\b/);
    expect(text).toMatch(/ one_0: [^:]* = 1\n/);
  });
});

describe('withProblem', () => {
  it('never writes the text of the model it derives from, and writes its own when read', () => {
    const built = buildModel(request(), T0);
    let reads = 0;
    const source: BuiltModel = {
      get lp(): string {
        reads++;
        return built.lp;
      },
      problem: built.problem,
      index: built.index,
    };
    // A derived model with the cycle held at slot 5: its text must say so, not repeat the source's bounds.
    const colLower = Float64Array.from(built.problem.colLower);
    const colUpper = Float64Array.from(built.problem.colUpper);
    const at = (name: string) => built.problem.columnNames.indexOf(name);
    for (let s = 0; s <= 10; s++) colLower[at(`c0_${s}`)] = colUpper[at(`c0_${s}`)] = s === 5 ? 1 : 0;
    const derived = withProblem(source, { ...built.problem, colLower, colUpper });
    const copy = { ...derived };
    expect(reads).toBe(0);
    expect(derived.index).toBe(built.index);
    const held = solver.solve(copy.lp, options);
    expect(reads).toBe(0);
    expect(held.columns['c0_5']).toBeCloseTo(1, 9);
    const free = solver.solve(built.lp, options);
    expect(held.objective as number).toBeGreaterThanOrEqual((free.objective as number) - 1e-9);
    expect(held.objective).toBeCloseTo(solver.solveProblem!(derived.problem, options).objective as number, 7);
  });
});
