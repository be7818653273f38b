import { DAY_MS, HOUR_MS, MINUTE_MS } from '@carbonreducer/common';
import { resampleProfileW } from '../core/profile';
import { solveHome } from '../core/solve';
import type { HomeRequest, MilpSolver } from '../core/types';
import type { CycleDemand, EvDemand, EvalKind, PeriodMapping } from './requests';

export const EVAL_SLOT_MIN = 30;
const SLOT_MS = EVAL_SLOT_MIN * MINUTE_MS;
const MAX_SLOTS = 96;

/** Actual intensity (and the operator's forecast, NESO only) on a 30-minute grid, gaps filled. */
export interface IntensityGrid {
  startMs: number;
  actual: Float64Array;
  operator: Float64Array | null;
  /** How many slots were missing and filled by interpolation. */
  filledSlots: number;
}

/** Linear interpolation across NaN runs; leading and trailing gaps take the nearest value. */
export function fillGaps(values: Float64Array): { values: Float64Array; filled: number } {
  const out = values.slice();
  let filled = 0;
  let last = -1;
  for (let i = 0; i <= out.length; i++) {
    if (i < out.length && Number.isNaN(out[i] as number)) continue;
    const gap = i - last - 1;
    if (gap > 0) {
      filled += gap;
      const a = last >= 0 ? (out[last] as number) : (out[i] as number);
      const b = i < out.length ? (out[i] as number) : a;
      for (let k = last + 1; k < i; k++) out[k] = a + ((b - a) * (k - last)) / (i - last);
    }
    last = i;
  }
  if (out.some((v) => Number.isNaN(v))) throw new Error('intensity data: no values at all');
  return { values: out, filled };
}

/** Builds the 30-minute grid from points of 30 or 60 minutes (hourly values cover both half-hours). */
export function intensityGrid(
  points: { fromMs: number; toMs: number; actualGPerKWh: number | null; forecastGPerKWh: number | null }[],
  withOperator: boolean,
): IntensityGrid {
  if (points.length === 0) throw new Error('intensity data: no points');
  const startMs = Math.floor((points[0] as { fromMs: number }).fromMs / SLOT_MS) * SLOT_MS;
  const endMs = Math.max(...points.map((p) => p.toMs));
  const n = Math.ceil((endMs - startMs) / SLOT_MS);
  const actual = new Float64Array(n).fill(Number.NaN);
  const operator = new Float64Array(n).fill(Number.NaN);
  for (const p of points) {
    for (let t = Math.floor((p.fromMs - startMs) / SLOT_MS); t * SLOT_MS + startMs < p.toMs && t < n; t++) {
      if (p.actualGPerKWh !== null) actual[t] = p.actualGPerKWh;
      if (p.forecastGPerKWh !== null) operator[t] = p.forecastGPerKWh;
    }
  }
  const a = fillGaps(actual);
  return {
    startMs,
    actual: a.values,
    operator: withOperator ? fillGaps(operator).values : null,
    filledSlots: a.filled,
  };
}

export function slotOf(grid: IntensityGrid, ms: number): number {
  return Math.floor((ms - grid.startMs) / SLOT_MS);
}

function at(values: Float64Array, t: number): number {
  const v = values[t];
  if (v === undefined) throw new Error(`intensity data: slot ${t} outside the data`);
  return v;
}

/**
 * Intensity forecast for `slots` grid slots (30 min, on the intensity grid) from `fromMs`, as known at `nowMs`.
 * `updates`: whether a slot's forecast can change as `nowMs` moves on (new data, a new model run). Planning again
 * with a forecast that does not update returns the same plan (the remaining window still contains the old
 * optimum), so the evaluation re-plans only with forecasts that update.
 */
export interface IntensityForecaster {
  (nowMs: number, fromMs: number, slots: number): number[] | Promise<number[]>;
  updates: boolean;
}

export function forecaster(
  updates: boolean,
  f: (nowMs: number, fromMs: number, slots: number) => number[] | Promise<number[]>,
): IntensityForecaster {
  return Object.assign(f, { updates });
}

export function perfectForecaster(grid: IntensityGrid): IntensityForecaster {
  return forecaster(false, (_now, fromMs, slots) =>
    Array.from({ length: slots }, (_, k) => at(grid.actual, slotOf(grid, fromMs) + k)),
  );
}

/**
 * The NESO file's `forecast` column. It holds one value per slot (the operator's latest, issued shortly before
 * the slot), not the forecast as it stood hours ahead, so it does not update with `now` here and flatters the
 * operator for long look-aheads.
 */
export function operatorForecaster(grid: IntensityGrid): IntensityForecaster {
  const op = grid.operator;
  if (op === null) {
    throw new Error(
      '--forecast operator needs the operator forecast column, which only the NESO file (neso-gb-national-*.csv, column `forecast`) has',
    );
  }
  return forecaster(false, (_now, fromMs, slots) =>
    Array.from({ length: slots }, (_, k) => at(op, slotOf(grid, fromMs) + k)),
  );
}

/** Seasonal naive: the same slot one day earlier, or as many days earlier as needed for it to have ended by `now`. */
export function naiveForecaster(grid: IntensityGrid): IntensityForecaster {
  return forecaster(true, (nowMs, fromMs, slots) =>
    Array.from({ length: slots }, (_, k) => {
      const slotMs = fromMs + k * SLOT_MS;
      let back = DAY_MS;
      while (slotMs - back + SLOT_MS > nowMs) back += DAY_MS;
      return at(grid.actual, slotOf(grid, slotMs - back));
    }),
  );
}

/**
 * Values on a plan grid of 30-minute slots starting at `planStartMs` (the request time, anywhere inside a grid
 * slot) from values on the intensity grid: each plan slot overlaps at most two grid slots, weighted by overlap.
 */
export function onPlanGrid(gridStartMs: number, values: (t: number) => number, planStartMs: number, slots: number) {
  const t0 = Math.floor((planStartMs - gridStartMs) / SLOT_MS);
  const w = (planStartMs - gridStartMs - t0 * SLOT_MS) / SLOT_MS; // share of the next grid slot
  return Array.from({ length: slots }, (_, k) => {
    const a = values(t0 + k);
    return w === 0 ? a : (1 - w) * a + w * values(t0 + k + 1);
  });
}

/** The forecast known at `nowMs` on the plan grid starting at `planStartMs`. */
async function forecastOnPlanGrid(
  grid: IntensityGrid,
  f: IntensityForecaster,
  nowMs: number,
  planStartMs: number,
  slots: number,
): Promise<number[]> {
  const fromMs = grid.startMs + slotOf(grid, planStartMs) * SLOT_MS;
  const values = await f(nowMs, fromMs, slots + 1);
  const t0 = slotOf(grid, fromMs);
  return onPlanGrid(grid.startMs, (t) => values[t - t0] as number, planStartMs, slots);
}

function actualOnPlanGrid(grid: IntensityGrid, planStartMs: number, slots: number): number[] {
  return onPlanGrid(grid.startMs, (t) => at(grid.actual, t), planStartMs, slots);
}

export interface KindResult {
  requests: number;
  infeasible: number;
  baselineKgCO2: number;
  optimizedKgCO2: number;
  perfectKgCO2: number;
  reductionPct: number;
  captureOfPerfectPct: number;
}

export interface EvaluationResult extends KindResult {
  flexHours: number;
  /** Plans made again every 30 min with the forecast as then known (while a cycle has not started / for the charging still to come). */
  replan: boolean;
  byKind: Record<EvalKind, KindResult>;
  /**
   * EV sessions whose driver's request leaves less than `flexHours` of flexibility (requested departure − plug-in
   * − full-power charging time), planned within their own window up to the requested departure. They are not
   * part of the figures above, which are for loads with at least `flexHours` of flexibility.
   */
  lessFlexible: KindResult;
}

export interface EvaluationOptions {
  flexHours: number;
  /** EV charger power, W (a 32 A single-phase home wallbox). */
  evMaxPowerW: number;
  evMinPowerW: number;
  /** Plan again every 30 min with the forecast as then known, as the product does; false: one plan at request time. */
  replan: boolean;
}

export const DEFAULT_EVAL_OPTIONS: Omit<EvaluationOptions, 'flexHours'> = {
  evMaxPowerW: 7000,
  evMinPowerW: 1400,
  replan: true,
};

export interface Scored {
  kind: EvalKind;
  /** In the figure for loads with at least `flexHours` of flexibility. */
  qualifies: boolean;
  infeasible: boolean;
  baselineKg: number;
  optimizedKg: number;
  perfectKg: number;
}

function emptyKind(): KindResult {
  return {
    requests: 0,
    infeasible: 0,
    baselineKgCO2: 0,
    optimizedKgCO2: 0,
    perfectKgCO2: 0,
    reductionPct: 0,
    captureOfPerfectPct: 0,
  };
}

function finish(k: KindResult): KindResult {
  const saved = k.baselineKgCO2 - k.optimizedKgCO2;
  const possible = k.baselineKgCO2 - k.perfectKgCO2;
  return {
    ...k,
    reductionPct: k.baselineKgCO2 > 0 ? (100 * saved) / k.baselineKgCO2 : 0,
    captureOfPerfectPct: possible > 0 ? (100 * saved) / possible : 0,
  };
}

/**
 * A one-device home planning CO2 only: the evaluation's objective is emissions, so energy price 0 and 1 currency
 * unit per kg CO2 (the data have no tariff; any positive CO2 price with a zero energy price gives the same plan).
 * No fuse, no base load (they do not move the optimum of a lone device). Slots start at `startMs`, the request
 * time (not a clock half-hour), so "run now" is always one of the plans.
 */
function singleDeviceHome(
  startMs: number,
  slots: number,
  intensity: number[],
  device: HomeRequest['devices'][number],
): HomeRequest {
  return {
    startMs,
    slotMin: EVAL_SLOT_MIN,
    slotCount: slots,
    intensityGPerKWh: intensity,
    pricePerKWh: new Array<number>(slots).fill(0),
    co2PricePerKg: 1,
    baseLoadW: new Array<number>(slots).fill(0),
    importLimitW: null,
    devices: [device],
  };
}

/** kg CO2 of a 1-minute profile started at `startMs`, against the actual intensity. */
export function cycleKg(grid: IntensityGrid, profileW: number[], startMs: number): number {
  let kg = 0;
  profileW.forEach((p, i) => {
    kg += ((p / 60) * at(grid.actual, slotOf(grid, startMs + i * MINUTE_MS))) / 1e6;
  });
  return kg;
}

async function scoreCycle(
  grid: IntensityGrid,
  d: CycleDemand,
  requestMs: number,
  opts: EvaluationOptions,
  solver: MilpSolver,
  forecast: IntensityForecaster,
): Promise<Scored> {
  const durationMs = d.profileW.length * MINUTE_MS;
  const deadlineMs = requestMs + durationMs + opts.flexHours * HOUR_MS;
  // Plan slots start at the request; the plan's slot profile is the real one averaged per half-hour from its start.
  const profileW = resampleProfileW(d.profileW, 1, EVAL_SLOT_MIN);
  const device = {
    kind: 'cycle' as const,
    id: d.kind,
    label: d.kind.replace('_', ' '),
    profileW,
    earliestStartMs: requestMs,
    deadlineMs,
    requestedAtMs: requestMs,
  };
  /** Start chosen by a plan made at `nowMs` (on the request's slot grid) with intensities `intensity`. */
  const planAt = (nowMs: number, intensity: number[]) => {
    const slots = intensity.length;
    const plan = solveHome(
      singleDeviceHome(nowMs, slots, intensity, { ...device, earliestStartMs: nowMs }),
      nowMs,
      solver,
    );
    // A cycle the plan could not place runs at once, as without a plan.
    return { startMs: plan.devices[0]?.startsMs[0] ?? nowMs, infeasible: plan.explanations.length > 0 };
  };
  const slotsFrom = (nowMs: number) => Math.min(MAX_SLOTS, Math.ceil((deadlineMs - nowMs) / SLOT_MS - 1e-9));
  // Optimized: plan at the request; with a forecast that updates, plan again every 30 min until the plan says "now".
  let nowMs = requestMs;
  let planned = planAt(nowMs, await forecastOnPlanGrid(grid, forecast, nowMs, nowMs, slotsFrom(nowMs)));
  const infeasible = planned.infeasible;
  while (opts.replan && forecast.updates && planned.startMs > nowMs) {
    nowMs += SLOT_MS;
    planned = planAt(nowMs, await forecastOnPlanGrid(grid, forecast, nowMs, nowMs, slotsFrom(nowMs)));
  }
  const perfect = planAt(requestMs, actualOnPlanGrid(grid, requestMs, slotsFrom(requestMs)));
  const baselineKg = cycleKg(grid, d.profileW, requestMs);
  return {
    kind: d.kind,
    qualifies: true,
    infeasible,
    baselineKg,
    optimizedKg: cycleKg(grid, d.profileW, planned.startMs),
    // The plan sees half-hour means; scored minute by minute, running at once can still be a little better.
    perfectKg: Math.min(cycleKg(grid, d.profileW, perfect.startMs), baselineKg),
  };
}

/** kg CO2 of energy (Wh per plan slot, constant power inside a slot) on the plan grid starting at `planStartMs`. */
function planGridKg(grid: IntensityGrid, planStartMs: number, energyWh: number[]): number {
  const intensity = actualOnPlanGrid(grid, planStartMs, energyWh.length);
  return energyWh.reduce((kg, wh, k) => kg + (wh * (intensity[k] as number)) / 1e6, 0);
}

/** How an EV session is evaluated at `flexHours`: its window, energy and whether it counts in the main figure. */
export function evWindow(
  d: Pick<EvDemand, 'connectionMs' | 'departureMs' | 'energyWh'>,
  opts: Pick<EvaluationOptions, 'flexHours' | 'evMaxPowerW'>,
): { qualifies: boolean; infeasible: boolean; windowMs: number; energyWh: number; ownFlexHours: number } {
  const requestedMs = d.departureMs - d.connectionMs;
  const fullPowerMs = (d.energyWh / opts.evMaxPowerW) * HOUR_MS;
  const ownFlexHours = (requestedMs - fullPowerMs) / HOUR_MS;
  // Qualifies when the driver's request leaves at least flexHours; it is then given exactly flexHours, like a cycle.
  const qualifies = ownFlexHours >= opts.flexHours - 1e-9;
  const windowMs = Math.min(
    qualifies ? fullPowerMs + opts.flexHours * HOUR_MS : requestedMs,
    MAX_SLOTS * SLOT_MS, // the 48 h plan horizon
  );
  // Asked for more than the charger can deliver by the requested departure: all plans deliver what is possible.
  const infeasible = d.energyWh > (opts.evMaxPowerW * requestedMs) / HOUR_MS + 1;
  return {
    qualifies,
    infeasible,
    windowMs,
    energyWh: Math.min(d.energyWh, (opts.evMaxPowerW * windowMs) / HOUR_MS),
    ownFlexHours,
  };
}

async function scoreEv(
  grid: IntensityGrid,
  d: EvDemand,
  connectionMs: number,
  opts: EvaluationOptions,
  solver: MilpSolver,
  forecast: IntensityForecaster,
): Promise<Scored> {
  const w = evWindow(d, opts);
  const departureMs = connectionMs + w.windowMs;
  const slots = Math.ceil(w.windowMs / SLOT_MS - 1e-9);
  const ev = {
    kind: 'ev' as const,
    id: 'ev',
    label: 'car',
    departureMs,
    minPowerW: opts.evMinPowerW,
    maxPowerW: opts.evMaxPowerW,
    onOff: true,
  };
  /** Wh per remaining plan slot of a plan made at slot `k` for `energyWh` still to deliver. */
  const planAt = (k: number, energyWh: number, intensity: number[]) => {
    const nowMs = connectionMs + k * SLOT_MS;
    const device = { ...ev, availableFromMs: nowMs, energyNeededWh: energyWh };
    const plan = solveHome(singleDeviceHome(nowMs, slots - k, intensity, device), nowMs, solver);
    return {
      wh: (plan.devices[0]?.powerW ?? []).map((p) => (p * EVAL_SLOT_MIN) / 60),
      infeasible: plan.explanations.length > 0,
    };
  };
  // Optimized: with a forecast that updates, plan again at every slot for what is still to deliver and keep only
  // that slot's charging; otherwise keep the plan made at plug-in.
  const optimizedWh = new Array<number>(slots).fill(0);
  const first = planAt(0, w.energyWh, await forecastOnPlanGrid(grid, forecast, connectionMs, connectionMs, slots));
  if (opts.replan && forecast.updates) {
    let left = w.energyWh;
    let plan = first;
    for (let k = 0; k < slots && left > 1e-6; k++) {
      if (k > 0) {
        const nowMs = connectionMs + k * SLOT_MS;
        plan = planAt(k, left, await forecastOnPlanGrid(grid, forecast, nowMs, nowMs, slots - k));
      }
      const wh = Math.min(left, plan.wh[0] ?? 0);
      optimizedWh[k] = wh;
      left -= wh;
    }
  } else first.wh.forEach((wh, k) => (optimizedWh[k] = wh));
  const perfect = planAt(0, w.energyWh, actualOnPlanGrid(grid, connectionMs, slots));
  // Baseline: full power from plug-in until the energy is in (the last slot may be partial).
  const baseline = new Array<number>(slots).fill(0);
  let left = w.energyWh;
  for (let k = 0; k < slots && left > 0; k++) {
    const hours = Math.min(SLOT_MS, w.windowMs - k * SLOT_MS) / HOUR_MS;
    const e = Math.min(left, opts.evMaxPowerW * hours);
    baseline[k] = e;
    left -= e;
  }
  const baselineKg = planGridKg(grid, connectionMs, baseline);
  return {
    kind: 'ev',
    qualifies: w.qualifies,
    infeasible: w.infeasible || first.infeasible,
    baselineKg,
    optimizedKg: planGridKg(grid, connectionMs, optimizedWh),
    perfectKg: Math.min(baselineKg, planGridKg(grid, connectionMs, perfect.wh)),
  };
}

/**
 * Plans every request with the chosen forecast as known at request time (and again every 30 min while it has
 * not run, with forecasts that update) and scores plan, baseline (run at request time) and perfect-foresight
 * plan with the actual intensity.
 */
export async function evaluate(
  grid: IntensityGrid,
  mapping: PeriodMapping,
  cycles: CycleDemand[],
  evs: EvDemand[],
  forecast: IntensityForecaster,
  solver: MilpSolver,
  opts: EvaluationOptions,
  onProgress?: (done: number, total: number) => void,
): Promise<EvaluationResult> {
  const scored: Scored[] = [];
  const total = cycles.length + evs.length;
  for (const d of cycles) {
    scored.push(await scoreCycle(grid, d, mapping.map(d.startMs, d.timeZone), opts, solver, forecast));
    onProgress?.(scored.length, total);
  }
  for (const d of evs) {
    scored.push(await scoreEv(grid, d, mapping.map(d.connectionMs, d.timeZone), opts, solver, forecast));
    onProgress?.(scored.length, total);
  }
  return summarise(scored, opts);
}

export function summarise(scored: Scored[], opts: Pick<EvaluationOptions, 'flexHours' | 'replan'>): EvaluationResult {
  const byKind: Record<EvalKind, KindResult> = {
    dishwasher: emptyKind(),
    washing_machine: emptyKind(),
    ev: emptyKind(),
  };
  const all = emptyKind();
  const lessFlexible = emptyKind();
  for (const s of scored) {
    for (const k of s.qualifies ? [byKind[s.kind], all] : [lessFlexible]) {
      k.requests++;
      if (s.infeasible) k.infeasible++;
      k.baselineKgCO2 += s.baselineKg;
      k.optimizedKgCO2 += s.optimizedKg;
      k.perfectKgCO2 += s.perfectKg;
    }
  }
  return {
    ...finish(all),
    flexHours: opts.flexHours,
    replan: opts.replan,
    byKind: {
      dishwasher: finish(byKind.dishwasher),
      washing_machine: finish(byKind.washing_machine),
      ev: finish(byKind.ev),
    },
    lessFlexible: finish(lessFlexible),
  };
}
