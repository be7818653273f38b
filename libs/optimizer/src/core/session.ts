/**
 * The solve session behind `solveHome`: one home's request validated and its model context built once, then the
 * named steps (relaxed, dive, repair) that prove a plan optimal for the full model within `mipRelGap`.
 */
import { columnPositions, withProblem } from './lp';
import { buildModelIn, evMinWh, modelContext, type BuildOptions, type ModelContext } from './model';
import { chosenStartSlot, hasPlan, parsePlanIn } from './solution';
import { validateRequest } from './validate';
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
  ctx: ModelContext,
  index: ModelIndex,
  result: SolverResult,
): { ev: Record<number, number[]>; battery: Record<number, number[]>; count: number } {
  const { request } = ctx;
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
  ctx: ModelContext,
  index: ModelIndex,
  result: SolverResult,
  broken: Violations,
  previous: BuildOptions,
): Pick<BuildOptions, 'evBinarySlots' | 'batteryBinarySlots'> {
  const { request } = ctx;
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
 * plans costing more than `upper`, so it is fixed; every plan costing at most `upper` keeps its values. With
 * `continuous`, a continuous column the LP left at a bound gets its other bound tightened to where moving off costs
 * upper − LP bound (the heat pump, battery and EV columns in slots that cannot pay): the same argument, measured on
 * the branch-and-bound homes of the first step (the 40 slowest of 1,000: 13.0 → 9.8 s of CPU, the slowest 2.7 →
 * 0.64 s); in the full step it did not help, so it is off there.
 */
function fixedByReducedCost(lp: Run, target: BuiltModel, upper: number, continuous: boolean): BuiltModel {
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
    const name = src.columnNames[j] as string;
    const k = same ? j : at.get(name);
    if (k === undefined) continue;
    const x = lp.result.columns[name] ?? 0;
    const d = duals[j] as number;
    const lo = src.colLower[j] as number;
    const up = src.colUpper[j] as number;
    if (src.integrality[j] === 0 || p.integrality[k] === 0) {
      if (!continuous) continue;
      // A continuous column at a bound moves off it by at most margin / |reduced cost| in plans costing ≤ upper.
      if (x <= lo + 1e-9 && d > 0 && Number.isFinite(lo)) {
        const u = lo + margin / d;
        if (u < (colUpper[k] as number)) colUpper[k] = Math.max(colLower[k] as number, u);
      } else if (x >= up - 1e-9 && d < 0 && Number.isFinite(up)) {
        const l = up + margin / d;
        if (l > (colLower[k] as number)) colLower[k] = Math.min(colUpper[k] as number, l);
      }
      continue;
    }
    if (x <= lo + 1e-9 && d > margin) colUpper[k] = colLower[k] as number;
    else if (x >= up - 1e-9 && d < -margin) colLower[k] = colUpper[k] as number;
  }
  return withProblem(target, { ...p, colLower, colUpper });
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
  return withProblem(built, { ...p, colLower, colUpper });
}

export interface SolveSessionOptions extends Partial<SolveOptions> {
  /** Every on/off binary up front, one solve (the textbook model; slower). */
  strict?: boolean;
  /** A monotonic clock in ms (e.g. `performance.now`): when given, the plan reports time per phase (`timing`). */
  clock?: () => number;
}

/**
 * One home's solve: the request validated and its model context built once, the solver calls counted and timed,
 * the relaxed model's LP loaded once (`MilpSolver.lpSession`) for the first LP and every dive after it. The steps
 * of `solveHome` are its methods, in the order `run` calls them:
 *
 * 1. `relaxed` — the model with the EV and battery on/off rules relaxed (cycles keep their binaries), settled as
 *    cheaply as it can be proved: LP, cycle dive, or branch and bound after reduced-cost fixing.
 * 2. `dive` — when that plan broke an on/off rule: cycles held, each EV slot below its minimum settled by bounds in
 *    warm LPs.
 * 3. `repair` — when the dive did not end within the gap: the held model with on/off binaries where needed (a small
 *    MIP), then, if that is not within the gap either, the full model with those binaries.
 *
 * Dispose it when done (the LP session holds solver memory).
 */
export class SolveSession {
  readonly ctx: ModelContext;
  private readonly solveOptions: SolveOptions;
  private readonly clock: () => number;
  private readonly timing: PlanTiming = { buildMs: 0, loadMs: 0, runMs: 0, readMs: 0, parseMs: 0 };
  private totalMs = 0;
  private solves = 0;
  private first: NonNullable<HomePlan['model']['first']> | undefined;
  private firstBasis: LpBasis | undefined;
  /** The relaxed model's LP, loaded once for the first LP and every dive after it (solvers with `lpSession`). */
  private lpSession: LpSession | undefined;
  /** The relaxed model's LP relaxation with reduced costs, for fixing binaries in later MIPs. */
  private firstLp: Run | undefined;

  constructor(
    request: HomeRequest,
    now: number,
    private readonly solver: MilpSolver,
    private readonly options: SolveSessionOptions = {},
  ) {
    validateRequest(request, now);
    this.ctx = modelContext(request, now);
    this.solveOptions = {
      timeLimitSec: options.timeLimitSec ?? DEFAULT_SOLVE_OPTIONS.timeLimitSec,
      mipRelGap: options.mipRelGap ?? DEFAULT_SOLVE_OPTIONS.mipRelGap,
    };
    // The core reads no clock of its own: phase timings only when the caller passes one.
    this.clock = options.clock ?? (() => 0);
  }

  /** Frees the solver memory the session holds (the LP session's model); safe to call twice. */
  dispose(): void {
    this.lpSession?.dispose();
    this.lpSession = undefined;
  }

  /** The plan, optimal for the full model within `mipRelGap` (see `solveHome`). */
  run(): HomePlan {
    if (this.options.strict) {
      const { built, result } = this.solveOnce({ strict: true });
      return this.finish('strict', built, result);
    }
    const relaxed = this.relaxed();
    const broken = onOffViolations(this.ctx, relaxed.built.index, relaxed.result);
    if (broken.count === 0 || !hasPlan(relaxed.result)) return this.finish('relaxed', relaxed.built, relaxed.result);
    const lowerBound = relaxed.result.dualBound ?? null;
    // First as LP dives (a few warm-started LPs, ~5 ms each); settles ~90 % of these homes without a MIP.
    if (this.solver.solveProblem && Object.keys(broken.battery).length === 0 && lowerBound !== null) {
      const dived = this.dive(relaxed, lowerBound);
      if (dived && dived.result.objective !== null) {
        const gap = relativeGap(dived.result.objective, lowerBound);
        if (gap <= this.solveOptions.mipRelGap) {
          const plan = this.finish('held', dived.built, dived.result, { gap });
          plan.model.held = 'dive';
          return plan;
        }
      }
    }
    return this.repair(relaxed, broken, lowerBound);
  }

  /** Counts one solver call and its time. */
  private account(built: BuiltModel, result: SolverResult): Run {
    this.solves++;
    this.totalMs += result.solveTimeMs;
    if (result.phases) {
      this.timing.loadMs += result.phases.loadMs;
      this.timing.runMs += result.phases.runMs;
      this.timing.readMs += result.phases.readMs;
    } else this.timing.runMs += result.solveTimeMs;
    return { built, result };
  }

  /** Runs the solver on a built model and accounts its time. */
  private runBuilt(built: BuiltModel, opts: SolveOptions = this.solveOptions, extras: RunExtras = {}): Run {
    return this.account(built, runSolver(this.solver, built, opts, extras));
  }

  /** Builds the model in the session's context (timed). */
  private build(b: BuildOptions): BuiltModel {
    const t0 = this.clock();
    const built = buildModelIn(this.ctx, b);
    this.timing.buildMs += this.clock() - t0;
    return built;
  }

  private solveOnce(
    b: BuildOptions,
    opts: SolveOptions = this.solveOptions,
    extras: RunExtras = {},
    narrow: (built: BuiltModel) => BuiltModel = (x) => x,
  ): Run {
    const t0 = this.clock();
    const built = narrow(buildModelIn(this.ctx, b));
    if (!this.solver.solveProblem) void built.lp; // text is part of building for text-only solvers
    this.timing.buildMs += this.clock() - t0;
    return this.runBuilt(built, opts, extras);
  }

  /**
   * The LP relaxation of `built` (a bound change of the relaxed model), through the LP session when there is one,
   * else loaded afresh from `basis`.
   */
  private runLp(built: BuiltModel, basis?: LpBasis): Run {
    if (!this.lpSession) {
      const extras: RunExtras = { lp: true };
      if (basis) extras.basis = basis;
      return this.runBuilt(built, this.solveOptions, extras);
    }
    return this.account(built, this.lpSession.solve(built.problem.colLower, built.problem.colUpper, this.solveOptions));
  }

  private finish(
    method: NonNullable<HomePlan['model']['method']>,
    built: BuiltModel,
    result: SolverResult,
    proved?: { gap: number },
  ): HomePlan {
    let fellBack = false;
    if (!hasPlan(result)) {
      // Stopped (time limit) without any plan: the plan that runs nothing movable, within the fuse by construction.
      const idle = this.idlePlan();
      if (idle) {
        [built, result, fellBack] = [idle.built, idle.result, true];
      }
    }
    const t0 = this.clock();
    const final: SolverResult = { ...result, solveTimeMs: this.totalMs };
    if (proved) {
      final.status = 'optimal';
      final.mipGap = proved.gap;
    }
    const plan = parsePlanIn(this.ctx, built.index, final);
    if (fellBack) plan.model.fallback = 'idle';
    plan.model.solves = this.solves;
    plan.model.method = method;
    if (this.first) plan.model.first = this.first;
    if (this.solver.name) plan.model.solver = this.solver.name;
    this.timing.parseMs = this.clock() - t0;
    if (this.options.clock) plan.timing = this.timing;
    return plan;
  }

  /**
   * The fallback when the solver stopped without any plan: every free cycle left out, the EV and the battery idle,
   * the heat pump (continuous) planned by an LP. Within the fuse and every hard rule; `explain` says which cycles the
   * solver did not place. Null when even that LP fails (or the solver takes text only).
   */
  private idlePlan(): Run | null {
    if (!this.solver.solveProblem) return null;
    const base = this.build({});
    const free: Record<number, null> = {};
    base.index.devices.forEach((ix, i) => {
      if (ix.kind === 'cycle' && ix.fixedStartSlot === null) free[i] = null;
    });
    const held = holdCycles(base, free);
    const at = columnPositions(held.problem.columnNames);
    const colUpper = Float64Array.from(held.problem.colUpper);
    const colLower = Float64Array.from(held.problem.colLower);
    const idle = (name: string | null) => {
      const j = name === null ? undefined : at.get(name);
      if (j !== undefined) colLower[j] = colUpper[j] = 0;
    };
    for (const ix of held.index.devices) {
      if (ix.kind === 'ev') ix.energy.forEach(idle);
      else if (ix.kind === 'battery') [...ix.charge, ...ix.discharge].forEach(idle);
    }
    const lp = this.runBuilt(withProblem(held, { ...held.problem, colLower, colUpper }), this.solveOptions, {
      lp: true,
    });
    if (lp.result.status !== 'optimal') return null;
    return { built: lp.built, result: { ...lp.result, status: 'time_limit', mipGap: null, dualBound: null } };
  }

  /**
   * Branch and bound after reduced-cost fixing. `lp` is the LP relaxation of the model (with reduced costs),
   * `incumbent` a plan for it costing `upper`: a binary the LP left at 0 (1) whose reduced cost exceeds
   * upper − LP bound can only be 1 (0) in plans costing more than the incumbent, so it is fixed. The incumbent
   * stays the answer if the MIP finds nothing better, and min(MIP bound, upper) is a proved lower bound over both
   * parts.
   */
  private fixAndBranch(lp: Run, incumbent: Run, upper: number): Run {
    const bound = lp.result.objective as number;
    const mip = this.runBuilt(fixedByReducedCost(lp, lp.built, upper, true));
    const mipBound = mip.result.dualBound ?? null;
    const mipObj = hasPlan(mip.result) ? mip.result.objective : null;
    // Nothing proved in the reduced space (should not happen: the incumbent lies in it): the whole MIP.
    if (mipBound === null) return withBound(this.runBuilt(lp.built), bound);
    const lower = Math.max(bound, Math.min(mipBound, upper));
    const best = mipObj !== null && mipObj <= upper ? { r: mip, obj: mipObj } : { r: incumbent, obj: upper };
    const gap = relativeGap(best.obj, lower);
    return {
      built: best.r.built,
      result: {
        ...best.r.result,
        status: gap <= this.solveOptions.mipRelGap ? 'optimal' : mip.result.status,
        objective: best.obj,
        mipGap: gap,
        dualBound: lower,
      },
    };
  }

  /**
   * Step 1: the model with on/off rules relaxed, solved to within `mipRelGap` as cheaply as it can be proved:
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
  relaxed(): Run {
    if (!this.solver.solveProblem) {
      this.first = 'mip';
      return this.solveOnce({});
    }
    const relaxedModel = this.build({});
    if (this.solver.lpSession) {
      const t1 = this.clock();
      this.lpSession = this.solver.lpSession(relaxedModel.problem);
      this.timing.loadMs += this.clock() - t1;
    }
    const lp = this.runLp(relaxedModel);
    this.firstBasis = lp.result.basis;
    if (lp.result.status === 'optimal' && lp.result.columnDuals) this.firstLp = lp;
    if (lp.result.status !== 'optimal' || lp.result.objective === null) {
      this.first = 'mip';
      return this.runBuilt(lp.built);
    }
    const bound = lp.result.objective;
    if (isIntegral(lp.built, lp.result)) {
      this.first = 'lp';
      return { built: lp.built, result: { ...lp.result, mipGap: 0, dualBound: bound } };
    }

    // Dive.
    const held: Record<number, number | null> = {};
    let dive = lp;
    for (let k = 0; k < this.ctx.request.devices.length && dive.result.status === 'optimal'; k++) {
      const pick = surestFractionalCycle(dive.built.index, dive.result, held);
      if (pick === null) break;
      held[pick.device] = pick.slot;
      dive = this.runLp(holdCycles(lp.built, held), dive.result.basis);
    }
    const diveOk =
      dive.result.status === 'optimal' && dive.result.objective !== null && isIntegral(dive.built, dive.result);
    const upper = diveOk ? (dive.result.objective as number) : null;
    if (upper !== null) {
      const gap = relativeGap(upper, bound);
      if (gap <= this.solveOptions.mipRelGap) {
        this.first = 'rounded';
        return { built: dive.built, result: { ...dive.result, mipGap: gap, dualBound: bound } };
      }
    }

    this.first = 'mip';
    if (upper === null || !lp.result.columnDuals) return withBound(this.runBuilt(lp.built), bound);
    return this.fixAndBranch(lp, dive, upper);
  }

  /**
   * Step 2, the held step as LP dives, before its MIP: cycles held where the relaxed plan put them (same columns and
   * rows, so the relaxed LP's basis still fits), and each EV slot charged below its minimum settled by its column's
   * bounds, on (≥ minimum) or off (≤ 0), one slot at a time. "On" is tried first: it usually leaves no slot below
   * the minimum, and is the answer at once when within `mipRelGap` of `goal` (the relaxed bound); otherwise the
   * cheaper LP of the two is kept and the next slot below the minimum settled. The result obeys every on/off rule,
   * so it is a plan of the full model; null when the dive cannot finish (a battery rule broken, no optimal LP, more
   * than `MAX_DIVE_STEPS` steps).
   */
  dive(relaxed: Run, goal: number | null): Run | null {
    const { ctx } = this;
    const base = holdCycles(relaxed.built, cycleStartsOf(relaxed.built.index, relaxed.result));
    const at = columnPositions(base.problem.columnNames);
    let cur: Run = relaxed;
    let lower = base.problem.colLower;
    let upper = base.problem.colUpper;
    let basis = relaxed.result.basis ?? this.firstBasis;
    for (let step = 0; step < MAX_DIVE_STEPS; step++) {
      const v = onOffViolations(ctx, cur.built.index, cur.result);
      if (v.count === 0) return cur;
      if (Object.keys(v.battery).length > 0) return null;
      const [key, slots] = Object.entries(v.ev)[0] as [string, number[]];
      const i = Number(key);
      const d = ctx.request.devices[i];
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
        const r = this.runLp(withProblem(base, { ...base.problem, colLower: lo, colUpper: up }), basis);
        if (r.result.status !== 'optimal' || r.result.objective === null) continue;
        if (
          on &&
          goal !== null &&
          relativeGap(r.result.objective, goal) <= this.solveOptions.mipRelGap &&
          onOffViolations(ctx, r.built.index, r.result).count === 0
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
  }

  /**
   * Step 3, when the dive did not settle it: the held model (cycles where the relaxed plan put them) with on/off
   * binaries where that plan needs them, solved tightly; if its plan is not within the gap of `lowerBound`, the full
   * model with those binaries, from the held plan (first round), adding binaries until no rule is broken. With a
   * held plan, binaries that the relaxed LP's reduced costs rule out for plans cheaper than it are fixed (the full
   * model restricts the relaxed one, so the argument of `fixAndBranch` holds); the held plan stays a candidate.
   */
  repair(relaxed: Run, broken: Violations, lowerBound: number | null): HomePlan {
    const { ctx, solveOptions } = this;
    let build: BuildOptions = binarySlotsAfter(ctx, relaxed.built.index, relaxed.result, broken, {});
    let heldPlan: Run | undefined;
    const held = cycleStartsOf(relaxed.built.index, relaxed.result);
    for (let k = 0; k < MAX_ROUNDS; k++) {
      // The held problem is small: solve it tightly so that its plan is as good as it gets around these cycles.
      const repaired = this.solveOnce({ ...build, fixedCycleStarts: held }, { ...solveOptions, mipRelGap: 1e-6 });
      if (!hasPlan(repaired.result)) break;
      const still = onOffViolations(ctx, repaired.built.index, repaired.result);
      if (still.count > 0) {
        build = binarySlotsAfter(ctx, repaired.built.index, repaired.result, still, build);
        continue;
      }
      heldPlan = repaired;
      const upper = repaired.result.objective;
      if (upper !== null && lowerBound !== null) {
        const gap = relativeGap(upper, lowerBound);
        if (gap <= solveOptions.mipRelGap) {
          const plan = this.finish('held', repaired.built, repaired.result, { gap });
          plan.model.held = 'mip';
          return plan;
        }
      }
      break;
    }

    const heldObjective = heldPlan && hasPlan(heldPlan.result) ? heldPlan.result.objective : null;
    const firstLp = this.firstLp;
    const narrow =
      firstLp && heldObjective !== null
        ? (b: BuiltModel) => fixedByReducedCost(firstLp, b, heldObjective, false)
        : undefined;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const full = this.solveOnce(
        build,
        solveOptions,
        round === 0 && heldPlan ? { start: heldPlan.result.columns } : {},
        narrow,
      );
      const left = onOffViolations(ctx, full.built.index, full.result);
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
        if (gap <= solveOptions.mipRelGap) return this.finish('full', best.built, best.result, { gap });
        // Not proved (time limit): the better plan, with the gap it has.
        if (fullOk || !hasPlan(full.result)) {
          return this.finish('full', best.built, { ...best.result, status: 'time_limit', mipGap: gap });
        }
        const settled = this.settleRound(relaxed, full, lower, heldObjective);
        if (settled) return settled;
      } else if (fullOk || !hasPlan(full.result)) return this.finish('full', full.built, full.result);
      else {
        const settled = this.settleRound(
          relaxed,
          full,
          Math.max(lowerBound ?? -Infinity, full.result.dualBound ?? -Infinity),
          Infinity,
        );
        if (settled) return settled;
      }
      build = binarySlotsAfter(ctx, full.built.index, full.result, left, build);
    }
    const all = this.solveOnce({ strict: true });
    return this.finish('strict', all.built, all.result);
  }

  /**
   * A round of the full step whose plan still broke an on/off rule (it had too few binaries) is a relaxation of the
   * full model, so `lower` (its bound, with what was proved before) bounds the full model too. Its cycles held, the
   * EV slots below the minimum are settled by LP dives as in the held step; when that plan is within the gap of
   * `lower` (and no worse than `other`, the held plan's cost), it is the answer without another MIP. Null otherwise.
   */
  private settleRound(relaxed: Run, round: Run, lower: number, other: number): HomePlan | null {
    if (!this.solver.solveProblem || !Number.isFinite(lower)) return null;
    const dived = this.dive({ built: relaxed.built, result: { ...round.result, basis: undefined } }, lower);
    const obj = dived?.result.objective ?? null;
    if (!dived || obj === null || obj > other) return null;
    const gap = relativeGap(obj, lower);
    return gap <= this.solveOptions.mipRelGap ? this.finish('full', dived.built, dived.result, { gap }) : null;
  }
}
