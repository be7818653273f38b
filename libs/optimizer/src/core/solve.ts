import { buildModel } from './model';
import { parsePlan } from './solution';
import type { HomePlan, HomeRequest, MilpSolver, SolveOptions } from './types';

export const DEFAULT_SOLVE_OPTIONS: SolveOptions = { timeLimitSec: 10, mipRelGap: 1e-4 };

/** Builds the model, solves it with the injected solver and reads the plan back, with explanations. */
export function solveHome(
  request: HomeRequest,
  now: number,
  solver: MilpSolver,
  options: Partial<SolveOptions> = {},
): HomePlan {
  const { lp, index } = buildModel(request, now);
  const result = solver.solve(lp, { ...DEFAULT_SOLVE_OPTIONS, ...options });
  return parsePlan(request, now, index, result);
}

export interface ParetoPoint {
  co2PricePerKg: number;
  costExpected: number;
  kgCO2Expected: number;
  plan: HomePlan;
}

/**
 * Cost against CO2: one plan per CO2 price (the same price for every device, overriding per-device rates).
 * Points come back in the order of `co2PricesPerKg`; dominated points are kept so the caller sees the sweep.
 */
export function paretoSweep(
  request: HomeRequest,
  now: number,
  solver: MilpSolver,
  co2PricesPerKg: number[],
  options: Partial<SolveOptions> = {},
): ParetoPoint[] {
  return co2PricesPerKg.map((price) => {
    const req: HomeRequest = {
      ...request,
      co2PricePerKg: price,
      devices: request.devices.map((d) => ({ ...d, co2PricePerKg: price })),
    };
    const plan = solveHome(req, now, solver, options);
    return { co2PricePerKg: price, costExpected: plan.costExpected, kgCO2Expected: plan.kgCO2Expected, plan };
  });
}
