/**
 * A home's appliance cycles, forecasts and tariff as a {@link HomeRequest}: the one builder the workflow's planner and
 * the API's cost-vs-CO2 curve share, so both solve the same problem. Pure: `nowMs` is a parameter.
 */
import { InvalidRequestError } from './validate';
import type { CycleRequest, HomeRequest } from './types';

export interface TimedValue {
  timeMs: number;
  value: number;
}

/** One cycle to place: its profile on the request's slot grid and its window. */
export interface CycleRun {
  id: string;
  appliance: string;
  /** Mean power (W) in each slot of `slotMin` from the start of the cycle. */
  profileW: number[];
  earliestStartMs: number;
  deadlineMs: number;
  /**
   * A homeowner's pin: the window is honoured to the planning slot. The grid starts at the earliest start of all runs,
   * so a pinned window may hold no slot boundary that fits the whole cycle; its deadline then moves later by less
   * than one slot, to the end of a cycle started on the first boundary at or after `earliestStartMs`.
   */
  pinned?: boolean;
  /**
   * Where the baseline ("run it when asked") starts, when that is not `earliestStartMs`: a pinned run's own earliest
   * start before the pin (defaults to now). Without it a pinned run's baseline ran inside the pin, so moving a run
   * to a cleaner window by a pin showed 0 avoided.
   */
  baselineStartMs?: number;
}

/** A time-of-use tariff: each band's price holds from its local `startHour` until the next band's (the last wraps). */
export interface TimeOfUseTariff {
  name: string;
  currency: string;
  timeZone: string;
  bands: { startHour: number; pricePerKWh: number }[];
}

/**
 * A two-rate tariff shaped like the UK's Economy 7 (7 cheap night hours): what the cost axis of the Pareto curve
 * uses until homes have a tariff of their own. Prices are illustrative, not a supplier's.
 */
export const EXAMPLE_TWO_RATE_TARIFF: TimeOfUseTariff = {
  name: 'example two-rate (night 00:30-07:30)',
  currency: 'GBP',
  timeZone: 'Europe/London',
  bands: [
    { startHour: 0.5, pricePerKWh: 0.15 },
    { startHour: 7.5, pricePerKWh: 0.3 },
  ],
};

export interface CycleHomeInput {
  homeId: string;
  nowMs: number;
  slotMin: 15 | 30 | 60;
  runs: CycleRun[];
  /** Intensity forecast points (gCO2/kWh); each lasts until the next. At least one. */
  intensity: TimedValue[];
  /** Base load forecast points (W); null: none (0 W). */
  baseLoad: TimedValue[] | null;
  importLimitW: number | null;
  /** Without one, energy costs nothing and the plan minimises CO2 only. */
  tariff?: TimeOfUseTariff;
  co2PricePerKg: number;
  timeZone?: string;
}

/**
 * The grid starts at the earliest moment any run may start (so a run can be sent exactly at its earliest start) and
 * ends at the last deadline; forecasts are time-weighted onto it.
 */
export function buildCycleHomeRequest(input: CycleHomeInput): HomeRequest {
  if (input.runs.length === 0) throw new InvalidRequestError('runs: nothing to plan');
  if (input.intensity.length === 0) throw new InvalidRequestError('intensity: the forecast has no points');
  const slotMs = input.slotMin * 60_000;
  const earliestOf = (r: CycleRun): number => Math.max(input.nowMs, r.earliestStartMs);
  const baselineOf = (r: CycleRun): number | undefined =>
    r.baselineStartMs === undefined ? undefined : Math.max(input.nowMs, r.baselineStartMs);
  // The grid reaches back by whole slots towards the earliest baseline, so its boundaries stay where the runs' earliest
  // starts put them (a pin starts on its own start) and a baseline is at most one slot later than asked.
  const earliestMs = Math.min(...input.runs.map(earliestOf));
  const firstBaselineMs = Math.min(...input.runs.map((r) => baselineOf(r) ?? Infinity));
  const originMs =
    firstBaselineMs < earliestMs
      ? earliestMs - Math.floor((earliestMs - firstBaselineMs) / slotMs + 1e-9) * slotMs
      : earliestMs;
  const devices: CycleRequest[] = input.runs.map((r) => {
    const earliestStartMs = earliestOf(r);
    let deadlineMs = r.deadlineMs;
    if (r.pinned) {
      const firstStartMs = originMs + Math.ceil((earliestStartMs - originMs) / slotMs - 1e-9) * slotMs;
      deadlineMs = Math.max(deadlineMs, firstStartMs + r.profileW.length * slotMs);
    }
    const asked = baselineOf(r);
    const baselineStartMs = asked === undefined ? undefined : Math.max(originMs, asked);
    return {
      kind: 'cycle',
      id: r.id,
      label: r.appliance,
      appliance: r.appliance,
      profileW: r.profileW,
      earliestStartMs,
      deadlineMs,
      ...(baselineStartMs === undefined ? {} : { requestedAtMs: baselineStartMs }),
    };
  });
  const endMs = Math.max(...devices.map((d) => d.deadlineMs));
  const slotCount = Math.max(1, Math.ceil((endMs - originMs) / slotMs - 1e-9));
  return {
    homeId: input.homeId,
    startMs: originMs,
    slotMin: input.slotMin,
    slotCount,
    ...(input.timeZone !== undefined ? { timeZone: input.timeZone } : {}),
    intensityGPerKWh: meanPerSlot(input.intensity, originMs, slotMs, slotCount),
    pricePerKWh: input.tariff
      ? tariffPerSlot(input.tariff, originMs, slotMs, slotCount)
      : new Array<number>(slotCount).fill(0),
    co2PricePerKg: input.co2PricePerKg,
    baseLoadW:
      input.baseLoad && input.baseLoad.length > 0
        ? meanPerSlot(
            input.baseLoad.map((p) => ({ timeMs: p.timeMs, value: Math.max(0, p.value) })),
            originMs,
            slotMs,
            slotCount,
          )
        : new Array<number>(slotCount).fill(0),
    importLimitW: input.importLimitW,
    devices,
  };
}

/**
 * Mean of each slot, time-weighted over the points it overlaps (each point lasts until the next, the last one as
 * long as the step before it). Slots no point reaches get the points' mean: with no information, no hour is preferred.
 */
export function meanPerSlot(points: TimedValue[], gridStartMs: number, slotMs: number, slotCount: number): number[] {
  if (points.length === 0) throw new InvalidRequestError('points: at least one is needed');
  const sorted = [...points].sort((a, b) => a.timeMs - b.timeMs);
  const mean = sorted.reduce((s, p) => s + p.value, 0) / sorted.length;
  const defaultStepMs =
    sorted.length > 1 ? (sorted.at(-1)!.timeMs - sorted[0]!.timeMs) / (sorted.length - 1) : 30 * 60_000;
  const out: number[] = [];
  for (let s = 0; s < slotCount; s++) {
    const a = gridStartMs + s * slotMs;
    const b = a + slotMs;
    let weighted = 0;
    let covered = 0;
    sorted.forEach((p, i) => {
      const end = sorted[i + 1]?.timeMs ?? p.timeMs + defaultStepMs;
      const overlap = Math.min(b, end) - Math.max(a, p.timeMs);
      if (overlap > 0) {
        weighted += overlap * p.value;
        covered += overlap;
      }
    });
    out.push((weighted + (slotMs - covered) * mean) / slotMs);
  }
  return out;
}

/** The tariff's price (currency/kWh) at the middle of each slot, by the local clock of the tariff's zone. */
export function tariffPerSlot(
  tariff: TimeOfUseTariff,
  gridStartMs: number,
  slotMs: number,
  slotCount: number,
): number[] {
  if (tariff.bands.length === 0) throw new InvalidRequestError('tariff.bands: at least one band is needed');
  const bands = [...tariff.bands].sort((a, b) => a.startHour - b.startHour);
  const clock = new Intl.DateTimeFormat('en-GB', {
    timeZone: tariff.timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  return Array.from({ length: slotCount }, (_, s) => {
    const parts = clock.formatToParts(new Date(gridStartMs + s * slotMs + slotMs / 2));
    const hour =
      Number(parts.find((p) => p.type === 'hour')?.value) + Number(parts.find((p) => p.type === 'minute')?.value) / 60;
    const band = [...bands].reverse().find((b) => b.startHour <= hour) ?? bands.at(-1)!;
    return band.pricePerKWh;
  });
}

/** A Pareto point is dominated when another is no worse on both cost and CO2 and better on one (beyond `tolerance`). */
export function dominated(points: { costExpected: number; kgCO2Expected: number }[], tolerance = 1e-9): boolean[] {
  return points.map((p) =>
    points.some(
      (q) =>
        q !== p &&
        q.costExpected <= p.costExpected + tolerance &&
        q.kgCO2Expected <= p.kgCO2Expected + tolerance &&
        (q.costExpected < p.costExpected - tolerance || q.kgCO2Expected < p.kgCO2Expected - tolerance),
    ),
  );
}
