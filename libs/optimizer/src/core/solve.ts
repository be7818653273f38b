import { buildModel, evSlotHours, modelContext, type BuildOptions } from './model';
import { parsePlan } from './solution';
import type { HomePlan, HomeRequest, MilpSolver, ModelIndex, SolveOptions, SolverResult } from './types';

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

function withNeighbours(devices: Record<number, number[]>): Record<number, number[]> {
  return Object.fromEntries(
    Object.entries(devices).map(([k, slots]) => [k, [...new Set(slots.flatMap((t) => [t - 1, t, t + 1]))]]),
  );
}

function allSlots(devices: Record<number, number[]>, n: number): Record<number, number[]> {
  const all = Array.from({ length: n }, (_, t) => t);
  return Object.fromEntries(Object.keys(devices).map((k) => [k, all]));
}

function merge(a: Record<number, number[]> | undefined, b: Record<number, number[]>): Record<number, number[]> {
  const out: Record<number, number[]> = { ...a };
  for (const [k, slots] of Object.entries(b)) out[Number(k)] = [...(out[Number(k)] ?? []), ...slots];
  return out;
}

/**
 * Builds the model, solves it with the injected solver and reads the plan back, with explanations. On/off
 * binaries (EV minimum power, battery direction) are added lazily where a relaxed solution breaks them; the
 * final plan obeys every rule and is optimal for the full model.
 */
export function solveHome(
  request: HomeRequest,
  now: number,
  solver: MilpSolver,
  options: Partial<SolveOptions> & { strict?: boolean } = {},
): HomePlan {
  const solveOptions = { ...DEFAULT_SOLVE_OPTIONS, ...options };
  let build: BuildOptions = { strict: options.strict ?? false };
  let totalMs = 0;
  for (let round = 1; ; round++) {
    const { lp, index } = buildModel(request, now, build);
    const result = solver.solve(lp, solveOptions);
    totalMs += result.solveTimeMs;
    const broken = build.strict ? { ev: {}, battery: {}, count: 0 } : onOffViolations(request, now, index, result);
    if (broken.count === 0 || round >= MAX_ROUNDS) {
      const final =
        broken.count === 0 ? result : solver.solve(buildModel(request, now, { strict: true }).lp, solveOptions);
      const finalIndex = broken.count === 0 ? index : buildModel(request, now, { strict: true }).index;
      if (broken.count !== 0) totalMs += final.solveTimeMs;
      const plan = parsePlan(request, now, finalIndex, { ...final, solveTimeMs: totalMs });
      plan.model.solves = broken.count === 0 ? round : round + 1;
      return plan;
    }
    // EV: binaries in the offending slots and their neighbours (the marginal slot tends to move by one);
    // battery: in all its slots (rare, thanks to the wear cost).
    build = {
      evBinarySlots: merge(build.evBinarySlots, withNeighbours(broken.ev)),
      batteryBinarySlots: merge(build.batteryBinarySlots, allSlots(broken.battery, request.slotCount)),
    };
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
