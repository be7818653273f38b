import { columnPositions } from './lp';
import { buildModel, evMinWh, modelContext, type BuildOptions, type ModelContext } from './model';
import { chosenStartSlot, hasPlan, parsePlan } from './solution';
import type {
  BuiltModel,
  EvRequest,
  HomePlan,
  HomeRequest,
  LpBasis,
  LpSession,
  MilpSolver,
  ModelIndex,
  ProblemSolveOptions,
  PlanTiming,
  SolveOptions,
  SolverResult,
} from './types';

export const DEFAULT_SOLVE_OPTIONS: SolveOptions = { timeLimitSec: 10, mipRelGap: 1e-4 };

/**
 * At most this many EV slots settled by LP dives in the held step (most homes need 1–3; a dive that wanders further
 * rarely ends within the gap, and the held MIP is then cheaper).
 */
const MAX_DIVE_STEPS = 8;

/** At most this many rounds of adding lazy binaries (each round adds at least one; usually one or two suffice). */
const MAX_ROUNDS = 6;

/** Whether `wh` in slot t is below the EV's minimum when on (beyond 1e-6 Wh); 0 Wh is below it too. */
function belowEvMinimum(ctx: ModelContext, ev: EvRequest, t: number, wh: number): boolean {
  return wh < evMinWh(ctx, ev, t) - 1e-6;
}

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
        if (col !== null && ix.on[t] === null && wh > 1e-6 && belowEvMinimum(ctx, d, t, wh)) {
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
      if (col !== null && belowEvMinimum(ctx, d, t, result.columns[col] ?? 0)) slots.add(t);
    });
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
    out[i] = chosenStartSlot(ix.starts, result.columns);
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

/** A solve: the model and the solver's result for it. */
type Run = { built: BuiltModel; result: SolverResult };

/** A run whose `dualBound` is raised to at least `bound`, a lower bound proved by an earlier solve. */
function withBound(r: Run, bound: number): Run {
  const b = r.result.dualBound ?? null;
  return { built: r.built, result: { ...r.result, dualBound: b === null ? bound : Math.max(bound, b) } };
}

/** How to run one solve: `lp` drops integrality; `start` and `basis` are handed to solvers that take them. */
interface RunExtras {
  lp?: boolean;
  start?: Record<string, number>;
  basis?: LpBasis;
}

/** Solves a built model, through the array interface when the solver has one. */
function runSolver(solver: MilpSolver, built: BuiltModel, options: SolveOptions, extras: RunExtras = {}): SolverResult {
  if (solver.solveProblem) {
    const problem = extras.lp
      ? { ...built.problem, integrality: new Int32Array(built.problem.integrality.length) }
      : built.problem;
    const opts: ProblemSolveOptions = { ...options };
    if (extras.start) opts.start = extras.start;
    if (extras.basis) opts.basis = extras.basis;
    return solver.solveProblem(problem, opts);
  }
  return solver.solve(built.lp, options);
}

/**
 * `target` with the binaries that reduced costs rule out fixed. `lp` is the LP relaxation of a model that `target`
 * restricts or equals (its columns by name, at least as many rows), solved with reduced costs; `upper` the cost of
 * a plan of `target`. A binary the LP left at 0 (1) whose reduced cost exceeds upper − LP bound can only be 1 (0) in
 * plans costing more than `upper`, so it is fixed; every plan costing at most `upper` keeps its values.
 */
function fixedByReducedCost(lp: Run, target: BuiltModel, upper: number): BuiltModel {
  const bound = lp.result.objective as number;
  const duals = lp.result.columnDuals as Float64Array;
  const margin = (upper - bound) * (1 + 1e-6) + 1e-7 * (1 + Math.abs(upper));
  const src = lp.built.problem;
  const p = target.problem;
  const colLower = Float64Array.from(p.colLower);
  const colUpper = Float64Array.from(p.colUpper);
  const same = src.columnNames === p.columnNames;
  const at = columnPositions(p.columnNames);
  for (let j = 0; j < src.integrality.length; j++) {
    if (src.integrality[j] === 0) continue;
    const name = src.columnNames[j] as string;
    const k = same ? j : at.get(name);
    if (k === undefined || p.integrality[k] === 0) continue;
    const x = lp.result.columns[name] ?? 0;
    const d = duals[j] as number;
    if (x <= (src.colLower[j] as number) + 1e-9 && d > margin) colUpper[k] = colLower[k] as number;
    else if (x >= (src.colUpper[j] as number) - 1e-9 && d < -margin) colLower[k] = colUpper[k] as number;
  }
  return { ...target, problem: { ...p, colLower, colUpper } };
}

/** Whether `x` is integral within 1e-6. */
const isWhole = (x: number) => Math.abs(x - Math.round(x)) <= 1e-6;

/** Whether every integer column of a model has an integral value in a solution. */
function isIntegral(built: BuiltModel, result: SolverResult): boolean {
  const { integrality, columnNames } = built.problem;
  for (let j = 0; j < integrality.length; j++) {
    if (integrality[j] === 0) continue;
    const x = result.columns[columnNames[j] as string] ?? 0;
    if (!isWhole(x)) return false;
  }
  return true;
}

/**
 * The free cycle, not yet held, that the LP is surest of among those it left undecided (some start strictly
 * between 0 and 1), with its heaviest start (null: "unscheduled" outweighs every start). Null when none is left.
 */
function surestFractionalCycle(
  index: ModelIndex,
  result: SolverResult,
  held: Record<number, number | null>,
): { device: number; slot: number | null } | null {
  let pick: { device: number; slot: number | null; weight: number } | null = null;
  index.devices.forEach((ix, i) => {
    if (ix.kind !== 'cycle' || ix.fixedStartSlot !== null || i in held) return;
    let slot: number | null = null;
    let weight = ix.unscheduledColumn ? (result.columns[ix.unscheduledColumn] ?? 0) : 0;
    let whole = isWhole(weight);
    for (const s of ix.starts) {
      const x = result.columns[s.column] ?? 0;
      if (!isWhole(x)) whole = false;
      if (x > weight + 1e-9) [slot, weight] = [s.slot, x];
    }
    if (!whole && (pick === null || weight > pick.weight)) pick = { device: i, slot, weight };
  });
  const p = pick as { device: number; slot: number | null } | null;
  return p === null ? null : { device: p.device, slot: p.slot };
}

/**
 * The same model with some free cycles held at a start (null: unscheduled) by their columns' bounds, without
 * building it again: same columns and rows, so an LP basis of the original still fits.
 */
function holdCycles(built: BuiltModel, starts: Record<number, number | null>): BuiltModel {
  const p = built.problem;
  const colLower = Float64Array.from(p.colLower);
  const colUpper = Float64Array.from(p.colUpper);
  const at = columnPositions(p.columnNames);
  const set = (name: string | null, value: number) => {
    const j = name === null ? undefined : at.get(name);
    if (j !== undefined) colLower[j] = colUpper[j] = value;
  };
  for (const [key, slot] of Object.entries(starts)) {
    const ix = built.index.devices[Number(key)];
    if (ix?.kind !== 'cycle' || ix.fixedStartSlot !== null) continue;
    for (const s of ix.starts) set(s.column, s.slot === slot ? 1 : 0);
    set(ix.unscheduledColumn, slot === null ? 1 : 0);
  }
  return { ...built, problem: { ...p, colLower, colUpper } };
}

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
 * 2. Otherwise hold the cycles where the relaxed optimum put them and re-solve only the continuous devices: first
 *    as LP dives that settle each EV slot below its minimum by bounds (`evDive`), else with on/off binaries where
 *    they are needed (small and fast). That plan is feasible for the full model, and the
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
  /** Counts one solver call and its time. */
  const account = (built: BuiltModel, result: SolverResult): Run => {
    solves++;
    totalMs += result.solveTimeMs;
    if (result.phases) {
      timing.loadMs += result.phases.loadMs;
      timing.runMs += result.phases.runMs;
      timing.readMs += result.phases.readMs;
    } else timing.runMs += result.solveTimeMs;
    return { built, result };
  };
  /** Runs the solver on a built model and accounts its time. */
  const runBuilt = (built: BuiltModel, opts: SolveOptions = solveOptions, extras: RunExtras = {}): Run =>
    account(built, runSolver(solver, built, opts, extras));
  const solveOnce = (
    b: BuildOptions,
    opts: SolveOptions = solveOptions,
    extras: RunExtras = {},
    narrow: (built: BuiltModel) => BuiltModel = (x) => x,
  ): Run => {
    const t0 = clock();
    const built = narrow(buildModel(request, now, b));
    if (!solver.solveProblem) void built.lp; // text is part of building for text-only solvers
    timing.buildMs += clock() - t0;
    return runBuilt(built, opts, extras);
  };
  let first: NonNullable<HomePlan['model']['first']> | undefined;
  let firstBasis: LpBasis | undefined;
  /** The relaxed model's LP, loaded once for the first LP and every dive after it (solvers with `lpSession`). */
  let session: LpSession | undefined;
  /**
   * The LP relaxation of `built` (a bound change of the relaxed model), through the session when there is one,
   * else loaded afresh from `basis`.
   */
  const runLp = (built: BuiltModel, basis?: LpBasis): Run => {
    if (!session) {
      const extras: RunExtras = { lp: true };
      if (basis) extras.basis = basis;
      return runBuilt(built, solveOptions, extras);
    }
    return account(built, session.solve(built.problem.colLower, built.problem.colUpper, solveOptions));
  };
  /** The relaxed model's LP relaxation with reduced costs, for fixing binaries in later MIPs. */
  let firstLp: Run | undefined;
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
    if (first) plan.model.first = first;
    timing.parseMs = clock() - t0;
    if (options.clock) plan.timing = timing;
    return plan;
  };

  /**
   * Branch and bound after reduced-cost fixing. `lp` is the LP relaxation of the model (with reduced costs),
   * `incumbent` a plan for it costing `upper`: a binary the LP left at 0 (1) whose reduced cost exceeds
   * upper − LP bound can only be 1 (0) in plans costing more than the incumbent, so it is fixed. The incumbent
   * stays the answer if the MIP finds nothing better, and min(MIP bound, upper) is a proved lower bound over both
   * parts.
   */
  const fixAndBranch = (lp: Run, incumbent: Run, upper: number): Run => {
    const bound = lp.result.objective as number;
    const mip = runBuilt(fixedByReducedCost(lp, lp.built, upper));
    const mipBound = mip.result.dualBound ?? null;
    const mipObj = hasPlan(mip.result) ? mip.result.objective : null;
    // Nothing proved in the reduced space (should not happen: the incumbent lies in it): the whole MIP.
    if (mipBound === null) return withBound(runBuilt(lp.built), bound);
    const lower = Math.max(bound, Math.min(mipBound, upper));
    const best = mipObj !== null && mipObj <= upper ? { r: mip, obj: mipObj } : { r: incumbent, obj: upper };
    const gap = relativeGap(best.obj, lower);
    return {
      built: best.r.built,
      result: {
        ...best.r.result,
        status: gap <= solveOptions.mipRelGap ? 'optimal' : mip.result.status,
        objective: best.obj,
        mipGap: gap,
        dualBound: lower,
      },
    };
  };

  /**
   * The model with on/off rules relaxed, solved to within `mipRelGap` as cheaply as it can be proved:
   * - `lp`: its LP relaxation (no MIP presolve, no branching); when every cycle start comes out whole, that is the
   *   MIP's optimum (about half the benchmark homes);
   * - `rounded`: otherwise a dive: hold the cycle the LP is surest of at its heaviest start and re-solve the LP from
   *   the last basis, until every start is whole. That is a feasible plan, proven when its cost is within
   *   `mipRelGap` of the first LP's bound;
   * - `mip`: otherwise branch and bound, after reduced-cost fixing: a binary the LP left at 0 (1) whose reduced
   *   cost exceeds the gap between the dive's plan and the LP bound can only be 1 (0) in plans costing more than
   *   the dive's, so it is fixed. The dive's plan stays the answer if the MIP finds nothing better, and
   *   min(MIP bound, dive's cost) is a proved lower bound over both parts.
   * The result's `dualBound` is a proved lower bound on the relaxed model, hence on the full one.
   */
  const solveRelaxed = (): Run => {
    if (!solver.solveProblem) {
      first = 'mip';
      return solveOnce({});
    }
    const t0 = clock();
    const relaxedModel = buildModel(request, now, {});
    timing.buildMs += clock() - t0;
    if (solver.lpSession) {
      const t1 = clock();
      session = solver.lpSession(relaxedModel.problem);
      timing.loadMs += clock() - t1;
    }
    const lp = runLp(relaxedModel);
    firstBasis = lp.result.basis;
    if (lp.result.status === 'optimal' && lp.result.columnDuals) firstLp = lp;
    if (lp.result.status !== 'optimal' || lp.result.objective === null) {
      first = 'mip';
      return runBuilt(lp.built);
    }
    const bound = lp.result.objective;
    if (isIntegral(lp.built, lp.result)) {
      first = 'lp';
      return { built: lp.built, result: { ...lp.result, mipGap: 0, dualBound: bound } };
    }

    // Dive.
    const held: Record<number, number | null> = {};
    let dive = lp;
    for (let k = 0; k < request.devices.length && dive.result.status === 'optimal'; k++) {
      const pick = surestFractionalCycle(dive.built.index, dive.result, held);
      if (pick === null) break;
      held[pick.device] = pick.slot;
      dive = runLp(holdCycles(lp.built, held), dive.result.basis);
    }
    const diveOk =
      dive.result.status === 'optimal' && dive.result.objective !== null && isIntegral(dive.built, dive.result);
    const upper = diveOk ? (dive.result.objective as number) : null;
    if (upper !== null) {
      const gap = relativeGap(upper, bound);
      if (gap <= solveOptions.mipRelGap) {
        first = 'rounded';
        return { built: dive.built, result: { ...dive.result, mipGap: gap, dualBound: bound } };
      }
    }

    first = 'mip';
    if (upper === null || !lp.result.columnDuals) return withBound(runBuilt(lp.built), bound);
    return fixAndBranch(lp, dive, upper);
  };

  /**
   * The held step as LP dives, before its MIP: cycles held where the relaxed plan put them (same columns and rows,
   * so the relaxed LP's basis still fits), and each EV slot charged below its minimum settled by its column's
   * bounds, on (≥ minimum) or off (≤ 0), one slot at a time. "On" is tried first: it usually leaves no slot below
   * the minimum, and is the answer at once when within `mipRelGap` of `goal` (the relaxed bound); otherwise the
   * cheaper LP of the two is kept and the next slot below the minimum settled. The result obeys every on/off rule,
   * so it is a plan of the full model; null when the dive cannot finish (a battery rule broken, no optimal LP, more
   * than `MAX_DIVE_STEPS` steps).
   */
  const evDive = (relaxed: Run, goal: number | null): Run | null => {
    const base = holdCycles(relaxed.built, cycleStartsOf(relaxed.built.index, relaxed.result));
    const ctx = modelContext(request, now);
    const at = columnPositions(base.problem.columnNames);
    let cur: Run = relaxed;
    let lower = base.problem.colLower;
    let upper = base.problem.colUpper;
    let basis = relaxed.result.basis ?? firstBasis;
    for (let step = 0; step < MAX_DIVE_STEPS; step++) {
      const v = onOffViolations(request, now, cur.built.index, cur.result);
      if (v.count === 0) return cur;
      if (Object.keys(v.battery).length > 0) return null;
      const [key, slots] = Object.entries(v.ev)[0] as [string, number[]];
      const i = Number(key);
      const d = request.devices[i];
      const ix = cur.built.index.devices[i];
      if (d?.kind !== 'ev' || ix?.kind !== 'ev') return null;
      const t = slots[0] as number;
      const j = at.get(ix.energy[t] as string);
      if (j === undefined) return null;
      let best: { run: Run; lower: Float64Array; upper: Float64Array } | null = null;
      // "On" first: it usually leaves no slot below the minimum, and is then the answer when within the gap.
      for (const on of [true, false]) {
        const lo = Float64Array.from(lower);
        const up = Float64Array.from(upper);
        if (on) lo[j] = evMinWh(ctx, d, t);
        else up[j] = 0;
        const r = runLp({ ...base, problem: { ...base.problem, colLower: lo, colUpper: up } }, basis);
        if (r.result.status !== 'optimal' || r.result.objective === null) continue;
        if (
          on &&
          goal !== null &&
          relativeGap(r.result.objective, goal) <= solveOptions.mipRelGap &&
          onOffViolations(request, now, r.built.index, r.result).count === 0
        )
          return r;
        if (!best || r.result.objective < (best.run.result.objective as number))
          best = { run: r, lower: lo, upper: up };
      }
      if (!best) return null;
      cur = best.run;
      lower = best.lower;
      upper = best.upper;
      basis = cur.result.basis ?? basis;
    }
    return null;
  };

  try {
    return solveSteps();
  } finally {
    // The session holds solver memory (WebAssembly heap for HiGHS): freed whatever happened.
    session?.dispose();
  }

  function solveSteps(): HomePlan {
    if (options.strict) {
      const { built, result } = solveOnce({ strict: true });
      return finish('strict', built, result);
    }

    // 1. On/off rules relaxed: LP relaxation first, then a rounded plan, then the MIP (see `solveRelaxed`).
    const relaxed = solveRelaxed();
    const broken = onOffViolations(request, now, relaxed.built.index, relaxed.result);
    if (broken.count === 0 || !hasPlan(relaxed.result)) return finish('relaxed', relaxed.built, relaxed.result);

    // 2. Cycles held, on/off binaries where the relaxed plan needs them.
    const lowerBound = relaxed.result.dualBound ?? null;
    // First as LP dives (a few warm-started LPs, ~5 ms each); settles ~90 % of these homes without a MIP.
    if (solver.solveProblem && Object.keys(broken.battery).length === 0 && lowerBound !== null) {
      const dived = evDive(relaxed, lowerBound);
      if (dived && dived.result.objective !== null) {
        const gap = relativeGap(dived.result.objective, lowerBound);
        if (gap <= solveOptions.mipRelGap) {
          const plan = finish('held', dived.built, dived.result, { gap });
          plan.model.held = 'dive';
          return plan;
        }
      }
    }
    let build: BuildOptions = binarySlotsAfter(request, now, relaxed.built.index, relaxed.result, broken, {});
    let heldPlan: Run | undefined;
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
      heldPlan = repaired;
      const upper = repaired.result.objective;
      if (upper !== null && lowerBound !== null) {
        const gap = relativeGap(upper, lowerBound);
        if (gap <= solveOptions.mipRelGap) {
          const plan = finish('held', repaired.built, repaired.result, { gap });
          plan.model.held = 'mip';
          return plan;
        }
      }
      break;
    }

    // 3. The full model with those binaries, from the held plan (first round), adding binaries until no rule is broken.
    // With a held plan, binaries that the relaxed LP's reduced costs rule out for plans cheaper than it are fixed (the
    // full model restricts the relaxed one, so the argument of `fixAndBranch` holds); the held plan stays a candidate.
    const heldObjective = heldPlan && hasPlan(heldPlan.result) ? heldPlan.result.objective : null;
    const narrow =
      firstLp && heldObjective !== null
        ? (b: BuiltModel) => fixedByReducedCost(firstLp as Run, b, heldObjective)
        : undefined;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const full = solveOnce(
        build,
        solveOptions,
        round === 0 && heldPlan ? { start: heldPlan.result.columns } : {},
        narrow,
      );
      const left = onOffViolations(request, now, full.built.index, full.result);
      const fullObjective = hasPlan(full.result) ? full.result.objective : null;
      const fullOk = left.count === 0 && fullObjective !== null;
      if (heldPlan && heldObjective !== null) {
        // A lower bound over both parts: the reduced model's bound, or the held plan when nothing beat it.
        const fullBound = full.result.dualBound ?? null;
        const lower = Math.max(
          lowerBound ?? -Infinity,
          fullBound === null ? -Infinity : Math.min(fullBound, heldObjective),
        );
        const [best, obj] =
          fullOk && (fullObjective as number) <= heldObjective
            ? [full, fullObjective as number]
            : [heldPlan, heldObjective];
        const gap = relativeGap(obj, lower);
        if (gap <= solveOptions.mipRelGap) return finish('full', best.built, best.result, { gap });
        // Not proved (time limit): the better plan, with the gap it has.
        if (fullOk || !hasPlan(full.result)) {
          return finish('full', best.built, { ...best.result, status: 'time_limit', mipGap: gap });
        }
      } else if (fullOk || !hasPlan(full.result)) return finish('full', full.built, full.result);
      build = binarySlotsAfter(request, now, full.built.index, full.result, left, build);
    }
    const all = solveOnce({ strict: true });
    return finish('strict', all.built, all.result);
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
