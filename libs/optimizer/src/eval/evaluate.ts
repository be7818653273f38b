import { resampleProfileW } from '../core/profile';
import { solveHome } from '../core/solve';
import type { HomeRequest, MilpSolver } from '../core/types';
import type { CycleDemand, EvDemand, EvalKind, PeriodMapping } from './requests';

const MIN_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
export const EVAL_SLOT_MIN = 30;
const SLOT_MS = EVAL_SLOT_MIN * MIN_MS;
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

/** Intensity forecast for `slots` slots from `fromMs`, as known at `nowMs`. */
export type IntensityForecaster = (nowMs: number, fromMs: number, slots: number) => number[] | Promise<number[]>;

export function perfectForecaster(grid: IntensityGrid): IntensityForecaster {
  return (_now, fromMs, slots) => Array.from({ length: slots }, (_, k) => at(grid.actual, slotOf(grid, fromMs) + k));
}

export function operatorForecaster(grid: IntensityGrid): IntensityForecaster {
  const op = grid.operator;
  if (op === null) {
    throw new Error(
      '--forecast operator needs the operator forecast column, which only the NESO file (neso-gb-national-*.csv, column `forecast`) has',
    );
  }
  return (_now, fromMs, slots) => Array.from({ length: slots }, (_, k) => at(op, slotOf(grid, fromMs) + k));
}

/** Seasonal naive: the same slot one day earlier, or as many days earlier as needed for it to have ended by `now`. */
export function naiveForecaster(grid: IntensityGrid): IntensityForecaster {
  return (nowMs, fromMs, slots) =>
    Array.from({ length: slots }, (_, k) => {
      const slotMs = fromMs + k * SLOT_MS;
      let back = DAY_MS;
      while (slotMs - back + SLOT_MS > nowMs) back += DAY_MS;
      return at(grid.actual, slotOf(grid, slotMs - back));
    });
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
  byKind: Record<EvalKind, KindResult>;
}

export interface EvaluationOptions {
  flexHours: number;
  /** EV charger power, W (a 32 A single-phase home wallbox). */
  evMaxPowerW: number;
  evMinPowerW: number;
}

export const DEFAULT_EVAL_OPTIONS: Omit<EvaluationOptions, 'flexHours'> = { evMaxPowerW: 7000, evMinPowerW: 1400 };

interface Scored {
  kind: EvalKind;
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

/** A one-device home planning CO2 only (no tariff in the data: price 0, 1 per kg), no fuse, no base load. */
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
function cycleKg(grid: IntensityGrid, profileW: number[], startMs: number): number {
  let kg = 0;
  profileW.forEach((p, i) => {
    kg += ((p / 60) * at(grid.actual, slotOf(grid, startMs + i * MIN_MS))) / 1e6;
  });
  return kg;
}

async function scoreCycle(
  grid: IntensityGrid,
  d: CycleDemand,
  startMs: number,
  opts: EvaluationOptions,
  solver: MilpSolver,
  forecast: IntensityForecaster,
): Promise<Scored> {
  const horizonStart = Math.floor(startMs / SLOT_MS) * SLOT_MS;
  const durationMs = d.profileW.length * MIN_MS;
  const deadlineMs = startMs + durationMs + opts.flexHours * HOUR_MS;
  const slots = Math.min(MAX_SLOTS, Math.ceil((deadlineMs - horizonStart) / SLOT_MS));
  // The plan places the cycle on slot boundaries; its slot profile is the real one averaged per half-hour.
  const profileW = resampleProfileW(d.profileW, 1, EVAL_SLOT_MIN);
  const device = {
    kind: 'cycle' as const,
    id: d.kind,
    label: d.kind.replace('_', ' '),
    profileW,
    earliestStartMs: startMs,
    deadlineMs,
    requestedAtMs: startMs,
  };
  const plan = async (f: IntensityForecaster) => {
    const intensity = await f(startMs, horizonStart, slots);
    return solveHome(singleDeviceHome(horizonStart, slots, intensity, device), startMs, solver);
  };
  const planned = await plan(forecast);
  const perfect = await plan(perfectForecaster(grid));
  const kgOf = (p: typeof planned) => {
    const s = p.devices[0]?.startsMs[0];
    // A cycle the plan could not place runs at request time, as without a plan.
    return cycleKg(grid, d.profileW, s ?? startMs);
  };
  return {
    kind: d.kind,
    infeasible: planned.explanations.length > 0,
    baselineKg: cycleKg(grid, d.profileW, startMs),
    optimizedKg: kgOf(planned),
    perfectKg: Math.min(kgOf(perfect), cycleKg(grid, d.profileW, startMs)),
  };
}

function slotKg(grid: IntensityGrid, horizonStart: number, energyWh: number[]): number {
  const t0 = slotOf(grid, horizonStart);
  return energyWh.reduce((kg, wh, k) => kg + (wh * at(grid.actual, t0 + k)) / 1e6, 0);
}

async function scoreEv(
  grid: IntensityGrid,
  d: EvDemand,
  connectionMs: number,
  opts: EvaluationOptions,
  solver: MilpSolver,
  forecast: IntensityForecaster,
): Promise<Scored> {
  const horizonStart = Math.floor(connectionMs / SLOT_MS) * SLOT_MS;
  const requestedDepartureMs = connectionMs + (d.departureMs - d.connectionMs);
  const fullPowerMs = (d.energyWh / opts.evMaxPowerW) * HOUR_MS;
  const departureMs = Math.min(
    requestedDepartureMs,
    connectionMs + fullPowerMs + opts.flexHours * HOUR_MS,
    horizonStart + MAX_SLOTS * SLOT_MS,
  );
  const windowH = (departureMs - connectionMs) / HOUR_MS;
  // Asked for more than the charger can deliver before departure: counted as infeasible; all plans deliver what is possible.
  const infeasible = d.energyWh > opts.evMaxPowerW * ((requestedDepartureMs - connectionMs) / HOUR_MS) + 1;
  const energyWh = Math.min(d.energyWh, opts.evMaxPowerW * windowH);
  const slots = Math.ceil((departureMs - horizonStart) / SLOT_MS);
  const device = {
    kind: 'ev' as const,
    id: 'ev',
    label: 'car',
    availableFromMs: connectionMs,
    departureMs,
    energyNeededWh: energyWh,
    minPowerW: opts.evMinPowerW,
    maxPowerW: opts.evMaxPowerW,
    onOff: true,
  };
  const plan = async (f: IntensityForecaster) => {
    const intensity = await f(connectionMs, horizonStart, slots);
    return solveHome(singleDeviceHome(horizonStart, slots, intensity, device), connectionMs, solver);
  };
  const planned = await plan(forecast);
  const perfect = await plan(perfectForecaster(grid));
  const wh = (p: typeof planned) => (p.devices[0]?.powerW ?? []).map((w) => (w * EVAL_SLOT_MIN) / 60);
  // Baseline: full power from plug-in until the energy is in.
  const baseline = new Array<number>(slots).fill(0);
  let left = energyWh;
  for (let k = 0; k < slots && left > 0; k++) {
    const a = Math.max(horizonStart + k * SLOT_MS, connectionMs);
    const b = Math.min(horizonStart + (k + 1) * SLOT_MS, departureMs);
    if (b <= a) continue;
    const e = Math.min(left, (opts.evMaxPowerW * (b - a)) / HOUR_MS);
    baseline[k] = e;
    left -= e;
  }
  const baselineKg = slotKg(grid, horizonStart, baseline);
  return {
    kind: 'ev',
    infeasible: infeasible || planned.explanations.length > 0,
    baselineKg,
    optimizedKg: slotKg(grid, horizonStart, wh(planned)),
    perfectKg: Math.min(baselineKg, slotKg(grid, horizonStart, wh(perfect))),
  };
}

/**
 * Plans every request with the chosen forecast as known at request time and scores plan, baseline (run at
 * request time) and perfect-foresight plan with the actual intensity.
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
    scored.push(await scoreCycle(grid, d, mapping.map(d.startMs), opts, solver, forecast));
    onProgress?.(scored.length, total);
  }
  for (const d of evs) {
    scored.push(await scoreEv(grid, d, mapping.map(d.connectionMs), opts, solver, forecast));
    onProgress?.(scored.length, total);
  }
  const byKind: Record<EvalKind, KindResult> = {
    dishwasher: emptyKind(),
    washing_machine: emptyKind(),
    ev: emptyKind(),
  };
  const all = emptyKind();
  for (const s of scored) {
    for (const k of [byKind[s.kind], all]) {
      k.requests++;
      if (s.infeasible) k.infeasible++;
      k.baselineKgCO2 += s.baselineKg;
      k.optimizedKgCO2 += s.optimizedKg;
      k.perfectKgCO2 += s.perfectKg;
    }
  }
  return {
    ...finish(all),
    byKind: {
      dishwasher: finish(byKind.dishwasher),
      washing_machine: finish(byKind.washing_machine),
      ev: finish(byKind.ev),
    },
  };
}
