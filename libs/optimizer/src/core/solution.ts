import { spreadProfileWh } from './profile';
import { fixedLoadW, forcedEvWh, modelContext, type ModelContext } from './model';
import type {
  CycleRequest,
  DevicePlan,
  HeatPumpRequest,
  HomePlan,
  HomeRequest,
  ModelIndex,
  SolverResult,
} from './types';
import { explainIn } from './explain';

/** The solver returned no usable plan (only possible for physically impossible requests or solver failures). */
export class NoPlanError extends Error {
  override name = 'NoPlanError';
}

function val(columns: Record<string, number>, name: string | null | undefined): number {
  if (name === null || name === undefined) return 0;
  return columns[name] ?? 0;
}

function costAndKg(ctx: ModelContext, energyWh: number[]): { cost: number; kg: number } {
  let cost = 0;
  let kg = 0;
  energyWh.forEach((wh, t) => {
    cost += (wh * (ctx.request.pricePerKWh[t] ?? 0)) / 1000;
    kg += (wh * (ctx.request.intensityGPerKWh[t] ?? 0)) / 1e6;
  });
  return { cost, kg };
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** A thermostat that holds the lower comfort bound as closely as its power allows: the heat pump's baseline. */
export function thermostatBaselineW(ctx: ModelContext, d: HeatPumpRequest): number[] {
  const a = ctx.slotH / (d.heatCapacityWhPerK * d.thermalResistanceKPerW);
  const b = (ctx.slotH * d.cop) / d.heatCapacityWhPerK;
  let T = d.indoorTempC;
  const out: number[] = [];
  for (let t = 0; t < ctx.request.slotCount; t++) {
    const drift = (1 - a) * T + a * (d.outdoorTempC[t] as number);
    const p = Math.min(d.maxPowerW, Math.max(0, ((d.minTempC[t] as number) - drift) / b));
    out.push(p);
    T = drift + b * p;
  }
  return out;
}

/** When a cycle's baseline runs: at the request, or when it may first run. */
export function cycleBaselineStartMs(d: CycleRequest, now: number): number {
  return d.startedMs ?? d.requestedAtMs ?? Math.max(now, d.earliestStartMs);
}

/** The start slot a solution picked for a free cycle (its start column at 1), null when left unscheduled. */
export function chosenStartSlot(
  starts: readonly { slot: number; column: string }[],
  columns: Record<string, number>,
): number | null {
  return starts.find((s) => val(columns, s.column) > 0.5)?.slot ?? null;
}

/** Whether a solver result carries a plan: optimal, or stopped by the time limit with a feasible point. */
export function hasPlan(result: SolverResult): boolean {
  return result.status === 'optimal' || (result.status === 'time_limit' && Object.keys(result.columns).length > 0);
}

/** Reads a solver result back into a plan: per device starts, power per slot, cost and CO2 against the baseline. */
export function parsePlan(request: HomeRequest, now: number, index: ModelIndex, result: SolverResult): HomePlan {
  return parsePlanIn(modelContext(request, now), index, result);
}

/** `parsePlan` in a request's context (built once per solve by the solve session). */
export function parsePlanIn(ctx: ModelContext, index: ModelIndex, result: SolverResult): HomePlan {
  if (!hasPlan(result)) {
    throw new NoPlanError(`the solver found no plan (${result.rawStatus})`);
  }
  const { request, now } = ctx;
  const cols = result.columns;
  const n = request.slotCount;
  const importW = fixedLoadW(ctx);
  const devices: DevicePlan[] = request.devices.map((d, i) => {
    const ix = index.devices[i];
    if (ix === undefined || ix.kind !== d.kind) throw new Error(`parsePlan: index does not match device ${d.id}`);
    let energyWh: number[];
    let baselineWh: number[];
    let extra: Partial<DevicePlan> = {};
    let startsMs: number[] = [];
    let powerW: number[];
    if (d.kind === 'cycle' && ix.kind === 'cycle') {
      const slot = ix.fixedStartSlot ?? chosenStartSlot(ix.starts, cols);
      energyWh = new Array<number>(n).fill(0);
      if (slot !== null) {
        const s = slot;
        d.profileW.forEach((p, k) => {
          if (s + k >= 0 && s + k < n) energyWh[s + k] = p * ctx.slotH;
        });
        startsMs = [ctx.slotStartMs(s)];
        extra = { finishMs: ctx.slotStartMs(s + d.profileW.length) };
      }
      baselineWh =
        d.startedMs !== undefined
          ? energyWh
          : spreadProfileWh(
              d.profileW,
              request.slotMin,
              cycleBaselineStartMs(d, now),
              request.startMs,
              request.slotMin,
              n,
            );
      powerW = energyWh.map((wh) => wh / ctx.slotH);
      if (ix.fixedStartSlot === null) powerW.forEach((p, t) => (importW[t] = (importW[t] as number) + p));
    } else if (d.kind === 'ev' && ix.kind === 'ev') {
      energyWh = ix.fixedWh ?? ix.energy.map((c) => Math.max(0, val(cols, c)));
      baselineWh = ix.fixedWh ?? forcedEvWh(ctx, d, Math.max(d.availableFromMs, now));
      powerW = energyWh.map((wh) => wh / ctx.slotH);
      startsMs = energyWh.flatMap((wh, t) =>
        wh > 1e-6 && !((energyWh[t - 1] ?? 0) > 1e-6) ? [ctx.slotStartMs(t)] : [],
      );
      if (ix.fixedWh === null) powerW.forEach((p, t) => (importW[t] = (importW[t] as number) + p));
    } else if (d.kind === 'battery' && ix.kind === 'battery') {
      powerW = ix.charge.map((c, t) => val(cols, c) - val(cols, ix.discharge[t]));
      energyWh = powerW.map((p) => p * ctx.slotH);
      baselineWh = new Array<number>(n).fill(0);
      extra = { socWh: ix.soc.map((s) => val(cols, s)) };
      powerW.forEach((p, t) => (importW[t] = (importW[t] as number) + p));
    } else if (d.kind === 'heat_pump' && ix.kind === 'heat_pump') {
      powerW = ix.power.map((c) => Math.max(0, val(cols, c)));
      energyWh = powerW.map((p) => p * ctx.slotH);
      baselineWh = thermostatBaselineW(ctx, d).map((p) => p * ctx.slotH);
      extra = { indoorTempC: ix.temp.map((c) => val(cols, c)) };
      powerW.forEach((p, t) => (importW[t] = (importW[t] as number) + p));
    } else {
      throw new Error(`parsePlan: index does not match device ${d.id}`);
    }
    const plan = costAndKg(ctx, energyWh);
    const base = costAndKg(ctx, baselineWh);
    const out: DevicePlan = {
      id: d.id,
      kind: d.kind,
      label: d.label,
      startsMs,
      powerW,
      energyWh: sum(energyWh),
      costExpected: plan.cost,
      kgCO2Expected: plan.kg,
      baselineCost: base.cost,
      baselineKgCO2: base.kg,
      avoidedKgCO2: base.kg - plan.kg,
      ...extra,
    };
    if (d.kind === 'cycle' && d.appliance !== undefined) out.appliance = d.appliance;
    return out;
  });
  const plan: HomePlan = {
    startMs: request.startMs,
    slotMin: request.slotMin,
    slotCount: n,
    status: result.status === 'optimal' ? 'optimal' : 'feasible',
    mipGap: result.mipGap,
    solveTimeMs: result.solveTimeMs,
    objective: result.objective ?? Number.NaN,
    devices,
    importW,
    costExpected: sum(devices.map((d) => d.costExpected)),
    kgCO2Expected: sum(devices.map((d) => d.kgCO2Expected)),
    baselineCost: sum(devices.map((d) => d.baselineCost)),
    baselineKgCO2: sum(devices.map((d) => d.baselineKgCO2)),
    avoidedKgCO2: sum(devices.map((d) => d.avoidedKgCO2)),
    explanations: [],
    model: {
      integerColumns: index.integerColumns,
      continuousColumns: index.continuousColumns,
      rows: index.rows,
      solves: 1,
    },
  };
  if (request.homeId !== undefined) plan.homeId = request.homeId;
  plan.explanations = explainIn(ctx, plan);
  return plan;
}
