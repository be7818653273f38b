import { buildModel, evSlotHours, modelContext, type BuildOptions } from './model';
import { parsePlan } from './solution';
import type {
  BuiltModel,
  HomePlan,
  HomeRequest,
  MilpSolver,
  ModelIndex,
  PlanTiming,
  SolveOptions,
  SolverResult,
} from './types';

export const DEFAULT_SOLVE_OPTIONS: SolveOptions = { timeLimitSec: 10, mipRelGap: 1e-4 };

/** At most this many rounds of adding lazy binaries (each round adds at least one; usually one or two suffice). */
const MAX_ROUNDS = 6;

/** Slots where the relaxed plan broke an on/off rule: EV below minimum power, battery both ways at once. */
export function onOffViolations(
  request: HomeRequest,
  now: number,
  index: ModelIndex,
  result: SolverResult,
): { ev: Record<number, number[]>; battery: Record<number, number[]>; count: number } {
  const ctx = modelContext(request, now);
  const v = (name: string | null | undefined) => (name ? (result.columns[name] ?? 0) : 0);
  const ev: Record<number, number[]> = {};
  const battery: Record<number, number[]> = {};
  let count = 0;
  request.devices.forEach((d, i) => {
    const ix = index.devices[i];
    if (d.kind === 'ev' && ix?.kind === 'ev' && d.onOff && d.minPowerW > 0 && ix.fixedWh === null) {
      ix.energy.forEach((col, t) => {
        const wh = v(col);
        if (col !== null && ix.on[t] === null && wh > 1e-6 && wh < d.minPowerW * evSlotHours(ctx, d, t) - 1e-6) {
          (ev[i] ??= []).push(t);
          count++;
        }
      });
    } else if (d.kind === 'battery' && ix?.kind === 'battery') {
      ix.charge.forEach((c, t) => {
        if (ix.mode[t] === null && v(c) > 1e-6 && v(ix.discharge[t]) > 1e-6) {
          (battery[i] ??= []).push(t);
          count++;
        }
      });
    }
  });
  return { ev, battery, count };
}

/**
 * Where on/off binaries go after a relaxed solve broke a rule. EV: every slot the relaxed plan charged below the
 * minimum, including the slots it left off, so the leftover energy cannot just move to another slot below the
 * minimum (it wandered slot by slot when only the neighbours got binaries); slots charged at or above the
 * minimum stay continuous, since fractional on/off variables there would only give the solver work. Battery:
 * all its slots (rare, thanks to the wear cost).
 */
function binarySlotsAfter(
  request: HomeRequest,
  now: number,
  index: ModelIndex,
  result: SolverResult,
  broken: Violations,
  previous: BuildOptions,
): Pick<BuildOptions, 'evBinarySlots' | 'batteryBinarySlots'> {
  const ctx = modelContext(request, now);
  const ev: Record<number, number[]> = { ...previous.evBinarySlots };
  const battery: Record<number, number[]> = { ...previous.batteryBinarySlots };
  for (const key of Object.keys(broken.ev)) {
    const i = Number(key);
    const d = request.devices[i];
    const ix = index.devices[i];
    if (d?.kind !== 'ev' || ix?.kind !== 'ev') continue;
    const slots = new Set(ev[i] ?? []);
    ix.energy.forEach((col, t) => {
      if (col !== null && (result.columns[col] ?? 0) < d.minPowerW * evSlotHours(ctx, d, t) - 1e-6) slots.add(t);
    });
    for (const t of broken.ev[i] ?? []) slots.add(t);
    ev[i] = [...slots].sort((x, y) => x - y);
  }
  for (const key of Object.keys(broken.battery)) {
    battery[Number(key)] = Array.from({ length: request.slotCount }, (_, t) => t);
  }
  return { evBinarySlots: ev, batteryBinarySlots: battery };
}

/** The start slot of each free cycle in a solution (null: unscheduled), to hold them while re-solving the rest. */
function cycleStartsOf(index: ModelIndex, result: SolverResult): Record<number, number | null> {
  const out: Record<number, number | null> = {};
  index.devices.forEach((ix, i) => {
    if (ix.kind !== 'cycle' || ix.fixedStartSlot !== null) return;
    out[i] = ix.starts.find((s) => (result.columns[s.column] ?? 0) > 0.5)?.slot ?? null;
  });
  return out;
}

/** HiGHS' relative gap |upper − lower| / |upper| (0 when both are equal), or within its absolute gap of 1e-6. */
export function relativeGap(upper: number, lower: number): number {
  const diff = Math.max(0, upper - lower);
  if (diff <= 1e-6) return 0;
  return Math.abs(upper) > 0 ? diff / Math.abs(upper) : Infinity;
}

type Violations = ReturnType<typeof onOffViolations>;

/** Solves a built model, through the array interface when the solver has one. */
function runSolver(
  solver: MilpSolver,
  built: BuiltModel,
  options: SolveOptions,
  start?: Record<string, number>,
): SolverResult {
  if (solver.solveProblem) return solver.solveProblem(built.problem, start ? { ...options, start } : options);
  return solver.solve(built.lp, options);
}

const hasPlan = (r: SolverResult) =>
  r.status === 'optimal' || (r.status === 'time_limit' && Object.keys(r.columns).length > 0);

export interface SolveHomeOptions extends Partial<SolveOptions> {
  /** Every on/off binary up front, one solve (the textbook model; slower). */
  strict?: boolean;
  /** A monotonic clock in ms (e.g. `performance.now`): when given, the plan reports time per phase (`timing`). */
  clock?: () => number;
}

/**
 * Builds the model, solves it with the injected solver and reads the plan back, with explanations. The result is
 * optimal for the full model (every on/off rule), within `mipRelGap`, and says how it was proved:
 *
 * 1. Solve with the EV and battery on/off rules relaxed (cycles keep their binaries). If the optimum happens to
 *    obey them, it is optimal for the full model (a relaxation's optimum that is feasible is optimal).
 * 2. Otherwise hold the cycles where the relaxed optimum put them and re-solve only the continuous devices with
 *    on/off binaries where they are needed (small and fast). That plan is feasible for the full model, and the
 *    relaxed solve's dual bound is a lower bound for the full model, so if the two are within `mipRelGap` the
 *    plan is proven optimal without solving the full model again. This settled every such home in our tests.
 * 3. Otherwise solve the full model with those binaries, starting from the plan of step 2, adding binaries
 *    where a solution still breaks a rule, until none does (or, after a few rounds, with all binaries).
 *
 * `strict: true` puts every on/off binary in the model up front and solves it once.
 */
export function solveHome(
  request: HomeRequest,
  now: number,
  solver: MilpSolver,
  options: SolveHomeOptions = {},
): HomePlan {
  const solveOptions: SolveOptions = {
    timeLimitSec: options.timeLimitSec ?? DEFAULT_SOLVE_OPTIONS.timeLimitSec,
    mipRelGap: options.mipRelGap ?? DEFAULT_SOLVE_OPTIONS.mipRelGap,
  };
  // The core reads no clock of its own: phase timings only when the caller passes one.
  const clock = options.clock ?? (() => 0);
  const timing: PlanTiming = { buildMs: 0, loadMs: 0, runMs: 0, readMs: 0, parseMs: 0 };
  let totalMs = 0;
  let solves = 0;
  const solveOnce = (
    b: BuildOptions,
    opts: SolveOptions = solveOptions,
    start?: Record<string, number>,
  ): { built: BuiltModel; result: SolverResult } => {
    const t0 = clock();
    const built = buildModel(request, now, b);
    if (!solver.solveProblem) void built.lp; // text is part of building for text-only solvers
    timing.buildMs += clock() - t0;
    const result = runSolver(solver, built, opts, start);
    solves++;
    totalMs += result.solveTimeMs;
    if (result.phases) {
      timing.loadMs += result.phases.loadMs;
      timing.runMs += result.phases.runMs;
      timing.readMs += result.phases.readMs;
    } else timing.runMs += result.solveTimeMs;
    return { built, result };
  };
  const finish = (
    method: NonNullable<HomePlan['model']['method']>,
    built: BuiltModel,
    result: SolverResult,
    proved?: { gap: number },
  ): HomePlan => {
    const t0 = clock();
    const final: SolverResult = { ...result, solveTimeMs: totalMs };
    if (proved) {
      final.status = 'optimal';
      final.mipGap = proved.gap;
    }
    const plan = parsePlan(request, now, built.index, final);
    plan.model.solves = solves;
    plan.model.method = method;
    timing.parseMs = clock() - t0;
    if (options.clock) plan.timing = timing;
    return plan;
  };

  if (options.strict) {
    const { built, result } = solveOnce({ strict: true });
    return finish('strict', built, result);
  }

  // 1. On/off rules relaxed.
  const relaxed = solveOnce({});
  const broken = onOffViolations(request, now, relaxed.built.index, relaxed.result);
  if (broken.count === 0 || !hasPlan(relaxed.result)) return finish('relaxed', relaxed.built, relaxed.result);

  // 2. Cycles held, on/off binaries where the relaxed plan needs them.
  const lowerBound = relaxed.result.dualBound ?? null;
  let build: BuildOptions = binarySlotsAfter(request, now, relaxed.built.index, relaxed.result, broken, {});
  let start: Record<string, number> | undefined;
  const held = cycleStartsOf(relaxed.built.index, relaxed.result);
  for (let k = 0; k < MAX_ROUNDS; k++) {
    // The held problem is small: solve it tightly so that its plan is as good as it gets around these cycles.
    const repaired = solveOnce({ ...build, fixedCycleStarts: held }, { ...solveOptions, mipRelGap: 1e-6 });
    if (!hasPlan(repaired.result)) break;
    const still = onOffViolations(request, now, repaired.built.index, repaired.result);
    if (still.count > 0) {
      build = binarySlotsAfter(request, now, repaired.built.index, repaired.result, still, build);
      continue;
    }
    start = repaired.result.columns;
    const upper = repaired.result.objective;
    if (upper !== null && lowerBound !== null) {
      const gap = relativeGap(upper, lowerBound);
      if (gap <= solveOptions.mipRelGap) return finish('held', repaired.built, repaired.result, { gap });
    }
    break;
  }

  // 3. The full model with those binaries, from the held plan, adding binaries until no rule is broken.
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const full = solveOnce(build, solveOptions, start);
    const left = onOffViolations(request, now, full.built.index, full.result);
    if (left.count === 0 || !hasPlan(full.result)) return finish('full', full.built, full.result);
    build = binarySlotsAfter(request, now, full.built.index, full.result, left, build);
    start = undefined;
  }
  const all = solveOnce({ strict: true });
  return finish('strict', all.built, all.result);
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
