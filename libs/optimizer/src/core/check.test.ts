import { createHighsSolver } from '../solver/highs';
import { checkPlan } from './check';
import { solveHome } from './solve';
import type { HomePlan, HomeRequest, MilpSolver } from './types';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 15);

let solver: MilpSolver;
beforeAll(async () => {
  solver = await createHighsSolver();
});

/** 4 × 1 h, a 2 kW two-hour dishwasher that must start at once (earliest 0, deadline 2 h). */
function request(importLimitW: number | null, baseLoadW = [1000, 1000, 1000, 1000]): HomeRequest {
  return {
    startMs: T0,
    slotMin: 60,
    slotCount: 4,
    timeZone: 'UTC',
    intensityGPerKWh: [100, 200, 300, 400],
    pricePerKWh: [0.1, 0.2, 0.3, 0.4],
    co2PricePerKg: 0.2,
    baseLoadW,
    importLimitW,
    devices: [
      {
        kind: 'cycle',
        id: 'dw',
        label: 'dishwasher',
        profileW: [2000, 2000],
        earliestStartMs: T0,
        deadlineMs: T0 + 2 * H,
      },
    ],
  };
}

/** A plan made without a fuse: the dishwasher at slot 0, drawing 3 kW in slots 0 and 1. */
function unfusedPlan(): HomePlan {
  const plan = solveHome(request(null), T0, solver);
  expect(plan.devices[0]?.startsMs).toEqual([T0]);
  return plan;
}

describe('checkPlan: the main fuse is a hard rule', () => {
  it('fails a plan that draws more than the import limit', () => {
    const violations = checkPlan(request(2500), unfusedPlan(), T0);
    expect(violations.filter((v) => v.rule === 'import_limit').map((v) => v.detail)).toEqual([
      'slot 0: draws 3000 W, over the 2500 W limit (2500 W allowed)',
      'slot 1: draws 3000 W, over the 2500 W limit (2500 W allowed)',
    ]);
  });

  it('passes the same plan under a fuse it fits', () => {
    expect(checkPlan(request(3000), unfusedPlan(), T0)).toEqual([]);
  });

  it('allows drawing over the fuse only as much as the base load alone does', () => {
    // Base load 3.2 kW in slot 2 under a 3 kW fuse: 3.2 kW is allowed there, not one watt of appliance on top.
    const base = [1000, 1000, 3200, 1000];
    const plan = solveHome(request(null, base), T0, solver);
    expect(checkPlan(request(3000, base), plan, T0)).toEqual([]);
    const moved: HomePlan = {
      ...plan,
      devices: plan.devices.map((d) => ({ ...d, startsMs: [T0 + 2 * H], powerW: [0, 0, 2000, 2000] })),
      importW: [1000, 1000, 5200, 3000],
    };
    expect(checkPlan(request(3000, base), moved, T0).map((v) => v.rule)).toEqual(['import_limit']);
  });

  it('fails a plan that leaves out a cycle that fits under the fuse', () => {
    const plan = unfusedPlan();
    const without: HomePlan = {
      ...plan,
      devices: plan.devices.map((d) => ({ ...d, startsMs: [], powerW: [0, 0, 0, 0] })),
      importW: [1000, 1000, 1000, 1000],
    };
    expect(checkPlan(request(3000), without, T0).map((v) => v.rule)).toEqual(['cycle.unscheduled']);
    // Under a 2.5 kW fuse it fits nowhere: leaving it out is the only plan within the fuse.
    expect(checkPlan(request(2500), without, T0)).toEqual([]);
  });
});
