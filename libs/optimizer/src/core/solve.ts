import { SolveSession, type SolveSessionOptions } from './session';
import type { HomePlan, HomeRequest, MilpSolver, SolveOptions } from './types';

export { DEFAULT_SOLVE_OPTIONS, relativeGap } from './session';

export type SolveHomeOptions = SolveSessionOptions;

/**
 * Builds the model, solves it with the injected solver and reads the plan back, with explanations. The result is
 * optimal for the full model (every on/off rule), within `mipRelGap`, and says how it was proved:
 *
 * 1. Solve with the EV and battery on/off rules relaxed (cycles keep their binaries). If the optimum happens to
 *    obey them, it is optimal for the full model (a relaxation's optimum that is feasible is optimal).
 * 2. Otherwise hold the cycles where the relaxed optimum put them and re-solve only the continuous devices: first
 *    as LP dives that settle each EV slot below its minimum by bounds, else with on/off binaries where they are
 *    needed (small and fast). That plan is feasible for the full model, and the relaxed solve's dual bound is a
 *    lower bound for the full model, so if the two are within `mipRelGap` the plan is proven optimal without
 *    solving the full model again. This settled every such home in our tests.
 * 3. Otherwise solve the full model with those binaries, starting from the plan of step 2, adding binaries
 *    where a solution still breaks a rule, until none does (or, after a few rounds, with all binaries).
 *
 * The steps are the methods of `SolveSession` (`relaxed`, `dive`, `repair`). `strict: true` puts every on/off
 * binary in the model up front and solves it once.
 */
export function solveHome(
  request: HomeRequest,
  now: number,
  solver: MilpSolver,
  options: SolveHomeOptions = {},
): HomePlan {
  const session = new SolveSession(request, now, solver, options);
  try {
    return session.run();
  } finally {
    // The session holds solver memory (WebAssembly heap for HiGHS): freed whatever happened.
    session.dispose();
  }
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
