import { HOUR_MS, MINUTE_MS } from '@carbonreducer/common';
import { LpWriter, type Term } from './lp';
import { validateRequest } from './validate';
import {
  DEFAULT_PENALTIES,
  LATE_TOLERANCE_MIN,
  type BatteryRequest,
  type BuiltModel,
  type CycleRequest,
  type DeviceIndex,
  type EvRequest,
  type HeatPumpRequest,
  type HomeRequest,
  type Penalties,
} from './types';

/** Derived numbers every part of the model needs. */
export interface ModelContext {
  request: HomeRequest;
  now: number;
  slotMs: number;
  slotH: number;
  penalties: Penalties;
  /** Currency per Wh in slot t for a device with CO2 price `co2PricePerKg`. */
  costPerWh(t: number, co2PricePerKg: number): number;
  slotStartMs(t: number): number;
}

export function modelContext(request: HomeRequest, now: number): ModelContext {
  const slotMs = request.slotMin * MINUTE_MS;
  return {
    request,
    now,
    slotMs,
    slotH: request.slotMin / 60,
    penalties: { ...DEFAULT_PENALTIES, ...request.penalties },
    // price per kWh → per Wh; gCO2/kWh → kg/Wh is × 1e-6.
    costPerWh: (t, co2) =>
      (request.pricePerKWh[t] ?? 0) / 1000 + (co2 * (request.intensityGPerKWh[t] ?? 0)) / 1_000_000,
    slotStartMs: (t) => request.startMs + t * slotMs,
  };
}

export function co2PriceOf(device: { co2PricePerKg?: number }, request: HomeRequest): number {
  return device.co2PricePerKg ?? request.co2PricePerKg;
}

/** The slot a cycle fixed by `startedMs` starts in (may be negative: started before the horizon). */
export function fixedStartSlot(ctx: ModelContext, startedMs: number): number {
  return Math.round((startedMs - ctx.request.startMs) / ctx.slotMs);
}

/** First slot a not-yet-started cycle may start in: a slot boundary at or after both now and its earliest start. */
export function firstAllowedStartSlot(ctx: ModelContext, cycle: CycleRequest): number {
  const from = Math.max(cycle.earliestStartMs, ctx.now);
  return Math.max(0, Math.ceil((from - ctx.request.startMs) / ctx.slotMs - 1e-9));
}

/** Energy (Wh) an EV can take in slot t: the overlap of the slot with [max(now, plug-in), departure) at max power. */
export function evSlotHours(ctx: ModelContext, ev: EvRequest, t: number): number {
  const a = Math.max(ctx.slotStartMs(t), ev.availableFromMs, ctx.now);
  const b = Math.min(ctx.slotStartMs(t + 1), ev.departureMs);
  return b > a ? (b - a) / HOUR_MS : 0;
}

/** The least energy (Wh) an EV takes in slot t when it charges there at all (its minimum power over the slot). */
export function evMinWh(ctx: ModelContext, ev: EvRequest, t: number): number {
  return ev.minPowerW * evSlotHours(ctx, ev, t);
}

/** Hand-started charging: full power from the start until the energy is in (or departure), Wh per slot. */
export function forcedEvWh(ctx: ModelContext, ev: EvRequest, startedMs: number): number[] {
  const out = new Array<number>(ctx.request.slotCount).fill(0);
  let left = ev.energyNeededWh;
  for (let t = 0; t < ctx.request.slotCount && left > 0; t++) {
    const a = Math.max(ctx.slotStartMs(t), startedMs);
    const b = Math.min(ctx.slotStartMs(t + 1), ev.departureMs);
    if (b <= a) continue;
    const wh = Math.min(left, (ev.maxPowerW * (b - a)) / HOUR_MS);
    out[t] = wh;
    left -= wh;
  }
  return out;
}

/** Power (W) per slot of loads the plan cannot move: base load, running or hand-started cycles and charging. */
export function fixedLoadW(ctx: ModelContext): number[] {
  const { request } = ctx;
  const fixed = request.baseLoadW.slice(0, request.slotCount);
  for (const d of request.devices) {
    if (d.kind === 'cycle' && d.startedMs !== undefined) {
      const s = fixedStartSlot(ctx, d.startedMs);
      d.profileW.forEach((p, k) => {
        const t = s + k;
        if (t >= 0 && t < request.slotCount) fixed[t] = (fixed[t] as number) + p;
      });
    } else if (d.kind === 'ev' && d.startedByHandMs !== undefined) {
      forcedEvWh(ctx, d, d.startedByHandMs).forEach((wh, t) => (fixed[t] = (fixed[t] as number) + wh / ctx.slotH));
    }
  }
  return fixed;
}

/**
 * Where on/off binaries go. `strict` puts them in every slot (the textbook model). Otherwise they are added
 * lazily: `solveHome` solves without them, and adds them only in the slots where the relaxed plan charged an
 * EV below its minimum power or charged and discharged a battery at once, until no slot does. The relaxation
 * of a problem whose optimum is feasible for the full problem is optimal for it, so the result is the same
 * optimum with far fewer binaries.
 */
export interface BuildOptions {
  strict?: boolean;
  /** Device index → slots with an EV on/off binary. */
  evBinarySlots?: Record<number, number[]>;
  /** Device index → slots with a battery charge/discharge mode binary. */
  batteryBinarySlots?: Record<number, number[]>;
  /**
   * Device index → the start slot a cycle is held at (null: left unscheduled). Used by `solveHome` to re-solve
   * the continuous devices with on/off binaries around the cycles of a relaxed optimum; the columns stay (fixed
   * by their bounds) so the index has the same shape.
   */
  fixedCycleStarts?: Record<number, number | null>;
  /**
   * The textbook rows instead of the ranged ones: import limit and no export as two rows per slot, the comfort
   * band as two. Same optimum (a test checks it); more rows and non-zeros for the solver.
   */
  separateRows?: boolean;
}

/**
 * Turns a home's situation into a MILP (CPLEX LP text for HiGHS) and the index needed to read the solution
 * back. Pure: `now` is a parameter. Hard limits are physical (power ranges, battery energy); the request's
 * wishes (deadlines, EV energy, comfort band, import limit) are soft with named slack so that a plan always
 * exists and `explain` can say what gave way.
 */
export function buildModel(request: HomeRequest, now: number, options: BuildOptions = {}): BuiltModel {
  validateRequest(request, now);
  return buildModelIn(modelContext(request, now), options);
}

/** `buildModel` for a request already validated, in its context (built once per solve by the solve session). */
export function buildModelIn(ctx: ModelContext, options: BuildOptions = {}): BuiltModel {
  const { request } = ctx;
  const { slotCount } = request;
  const lp = new LpWriter();
  /** Terms of the movable load (W, slot average) per slot, for the import-limit and no-export rows. */
  const loadTerms: Term[][] = Array.from({ length: slotCount }, () => []);
  const devices: DeviceIndex[] = [];
  let hasBattery = false;

  request.devices.forEach((d, i) => {
    switch (d.kind) {
      case 'cycle':
        devices.push(addCycle(ctx, lp, loadTerms, d, i, options.fixedCycleStarts?.[i]));
        break;
      case 'ev':
        devices.push(addEv(ctx, lp, loadTerms, d, i, binarySlots(options.strict, options.evBinarySlots?.[i])));
        break;
      case 'battery':
        hasBattery = true;
        devices.push(
          addBattery(ctx, lp, loadTerms, d, i, binarySlots(options.strict, options.batteryBinarySlots?.[i])),
        );
        break;
      case 'heat_pump':
        devices.push(addHeatPump(ctx, lp, loadTerms, d, i, options.separateRows ?? false));
        break;
    }
  });

  const fixed = fixedLoadW(ctx);
  let overImport: string[] | null = null;
  if (request.importLimitW !== null) {
    overImport = [];
    for (let t = 0; t < slotCount; t++) {
      // The fuse is hard: slack only where the loads the plan cannot move exceed the limit by themselves (then the
      // plan draws no more than they do, and `explain` says so). A plan with nothing movable running is always
      // feasible (every wish has its own slack), so the model stays feasible.
      const ovMaxW = Math.max(0, (fixed[t] as number) - request.importLimitW);
      const ov = lp.column(`ov_${t}`, 0, ovMaxW, ctx.penalties.overImportPerWh * ctx.slotH);
      overImport.push(ov);
      const terms: Term[] = [...(loadTerms[t] as Term[]), [-1, ov]];
      const limit = request.importLimitW - (fixed[t] as number);
      // Import limit and, with a battery, no export in one ranged row: −fixed ≤ load − ov ≤ limit − fixed. The
      // lower side is no export (load ≥ −fixed): with ov = 0 it is that row; with ov > 0 the upper side binds at
      // the optimum (ov is penalised), so load − ov = limit − fixed ≥ −fixed since the limit is > 0. One row
      // instead of two, and the cycles' columns appear in it once: a smaller LP for every simplex iteration.
      if (hasBattery && !options.separateRows) lp.range(`fuse_${t}`, terms, -(fixed[t] as number), limit);
      else lp.row(`fuse_${t}`, terms, '<=', limit);
    }
  }
  if (hasBattery && (request.importLimitW === null || options.separateRows)) {
    // No export: the battery may only serve the home's own load.
    for (let t = 0; t < slotCount; t++) lp.row(`noexp_${t}`, loadTerms[t] as Term[], '>=', -(fixed[t] as number));
  }
  let text: string | undefined;
  return {
    get lp(): string {
      return (text ??= lp.toString());
    },
    problem: lp.toProblem(),
    index: {
      slotCount,
      devices,
      overImport,
      integerColumns: lp.integerCount,
      continuousColumns: lp.columnCount - lp.integerCount,
      rows: lp.rowCount,
    },
  };
}

function binarySlots(strict: boolean | undefined, slots: number[] | undefined): (t: number) => boolean {
  if (strict) return () => true;
  const set = new Set(slots ?? []);
  return (t) => set.has(t);
}

function addCycle(
  ctx: ModelContext,
  lp: LpWriter,
  loadTerms: Term[][],
  d: CycleRequest,
  i: number,
  heldAt: number | null | undefined,
): DeviceIndex {
  const { request, penalties } = ctx;
  if (d.startedMs !== undefined) {
    return { kind: 'cycle', starts: [], fixedStartSlot: fixedStartSlot(ctx, d.startedMs), unscheduledColumn: null };
  }
  const len = d.profileW.length;
  const co2 = co2PriceOf(d, request);
  const first = firstAllowedStartSlot(ctx, d);
  const last = request.slotCount - len;
  const published =
    d.publishedStartMs === undefined ? null : Math.round((d.publishedStartMs - request.startMs) / ctx.slotMs);
  const move = d.movePenalty ?? penalties.movePublishedStart;
  const starts: { slot: number; column: string; lateMin: number }[] = [];
  for (let s = first; s <= last; s++) {
    const finishMs = ctx.slotStartMs(s + len);
    const lateMin = Math.max(0, (finishMs - d.deadlineMs) / MINUTE_MS);
    // A tiny preference for earlier starts breaks exact ties: fewer symmetric optima to search, and the same
    // plan again when nothing changed (stability).
    const late = lateMin > LATE_TOLERANCE_MIN ? penalties.lateAtAll + lateMin * penalties.latePerMin : 0;
    let cost = late + (published !== null && s !== published ? move : 0) + 1e-6 * s;
    for (let k = 0; k < len; k++) cost += (d.profileW[k] as number) * ctx.slotH * ctx.costPerWh(s + k, co2);
    const held = heldAt === undefined ? null : heldAt === s ? 1 : 0;
    const column = lp.column(`c${i}_${s}`, held ?? 0, held ?? 1, cost, true);
    starts.push({ slot: s, column, lateMin });
    for (let k = 0; k < len; k++) {
      const p = d.profileW[k] as number;
      if (p !== 0) (loadTerms[s + k] as Term[]).push([p, column]);
    }
  }
  const notHeld = heldAt === undefined ? null : heldAt === null ? 1 : 0;
  const unscheduled = lp.column(`u${i}`, notHeld ?? 0, notHeld ?? 1, penalties.unscheduled);
  lp.row(`one_${i}`, [...starts.map((s): Term => [1, s.column]), [1, unscheduled]], '=', 1);
  return { kind: 'cycle', starts, fixedStartSlot: null, unscheduledColumn: unscheduled };
}

function addEv(
  ctx: ModelContext,
  lp: LpWriter,
  loadTerms: Term[][],
  d: EvRequest,
  i: number,
  withBinary: (t: number) => boolean,
): DeviceIndex {
  const { request, penalties } = ctx;
  if (d.startedByHandMs !== undefined) {
    return { kind: 'ev', energy: [], on: [], shortfall: null, fixedWh: forcedEvWh(ctx, d, d.startedByHandMs) };
  }
  const co2 = co2PriceOf(d, request);
  const energy: (string | null)[] = [];
  const on: (string | null)[] = [];
  const semi = d.onOff && d.minPowerW > 0;
  for (let t = 0; t < request.slotCount; t++) {
    const hours = evSlotHours(ctx, d, t);
    if (hours <= 0) {
      energy.push(null);
      on.push(null);
      continue;
    }
    const e = lp.column(`e${i}_${t}`, 0, d.maxPowerW * hours, ctx.costPerWh(t, co2));
    energy.push(e);
    (loadTerms[t] as Term[]).push([1 / ctx.slotH, e]);
    if (semi && withBinary(t)) {
      const o = lp.column(`o${i}_${t}`, 0, 1, 0, true);
      on.push(o);
      lp.row(
        `evmax_${i}_${t}`,
        [
          [1, e],
          [-d.maxPowerW * hours, o],
        ],
        '<=',
        0,
      );
      lp.row(
        `evmin_${i}_${t}`,
        [
          [1, e],
          [-d.minPowerW * hours, o],
        ],
        '>=',
        0,
      );
    } else on.push(null);
  }
  const shortfall = lp.column(`evs${i}`, 0, d.energyNeededWh, penalties.evShortfallPerWh);
  const terms: Term[] = energy.filter((e): e is string => e !== null).map((e) => [1, e]);
  lp.row(`evE_${i}`, [...terms, [1, shortfall]], '=', d.energyNeededWh);
  return { kind: 'ev', energy, on, shortfall, fixedWh: null };
}

function addBattery(
  ctx: ModelContext,
  lp: LpWriter,
  loadTerms: Term[][],
  d: BatteryRequest,
  i: number,
  withBinary: (t: number) => boolean,
): DeviceIndex {
  const { request } = ctx;
  const co2 = co2PriceOf(d, request);
  const eta = Math.sqrt(d.roundTripEfficiency);
  const charge: string[] = [];
  const discharge: string[] = [];
  const soc: string[] = [];
  const mode: (string | null)[] = [];
  const wear = ctx.penalties.batteryWearPerWh * ctx.slotH;
  const endSoc = d.endSocWh ?? d.socWh;
  for (let t = 0; t < request.slotCount; t++) {
    const price = ctx.costPerWh(t, co2) * ctx.slotH;
    // Wear on both directions also makes charging and discharging at once strictly worse when prices are positive.
    const c = lp.column(`bc${i}_${t}`, 0, d.maxChargeW, price + wear);
    const dis = lp.column(`bd${i}_${t}`, 0, d.maxDischargeW, -price + wear);
    const lower = t === request.slotCount - 1 ? Math.max(d.minSocWh, endSoc) : d.minSocWh;
    const s = lp.column(`bs${i}_${t}`, lower, d.maxSocWh);
    // A mode binary forbids charging and discharging at once; needed where burning energy could pay (price ≤ 0).
    const m = withBinary(t) || price + wear <= 0 ? lp.column(`bm${i}_${t}`, 0, 1, 0, true) : null;
    charge.push(c);
    discharge.push(dis);
    soc.push(s);
    mode.push(m);
    const prev: Term[] = t === 0 ? [] : [[-1, soc[t - 1] as string]];
    lp.row(
      `bsoc_${i}_${t}`,
      [[1, s], ...prev, [-eta * ctx.slotH, c], [ctx.slotH / eta, dis]],
      '=',
      t === 0 ? d.socWh : 0,
    );
    if (m !== null) {
      lp.row(
        `bcm_${i}_${t}`,
        [
          [1, c],
          [-d.maxChargeW, m],
        ],
        '<=',
        0,
      );
      lp.row(
        `bdm_${i}_${t}`,
        [
          [1, dis],
          [d.maxDischargeW, m],
        ],
        '<=',
        d.maxDischargeW,
      );
    }
    (loadTerms[t] as Term[]).push([1, c], [-1, dis]);
  }
  return { kind: 'battery', charge, discharge, soc, mode };
}

function addHeatPump(
  ctx: ModelContext,
  lp: LpWriter,
  loadTerms: Term[][],
  d: HeatPumpRequest,
  i: number,
  separateRows: boolean,
): DeviceIndex {
  const { request, penalties } = ctx;
  const co2 = co2PriceOf(d, request);
  const a = ctx.slotH / (d.heatCapacityWhPerK * d.thermalResistanceKPerW);
  const b = (ctx.slotH * d.cop) / d.heatCapacityWhPerK;
  const power: string[] = [];
  const temp: string[] = [];
  const under: string[] = [];
  const over: string[] = [];
  for (let t = 0; t < request.slotCount; t++) {
    const p = lp.column(`hp${i}_${t}`, 0, d.maxPowerW, ctx.costPerWh(t, co2) * ctx.slotH);
    const T = lp.column(`ht${i}_${t}`, -Infinity, Infinity);
    const lo = lp.column(`hu${i}_${t}`, 0, Infinity, penalties.comfortPerKelvinSlot);
    const hi = lp.column(`ho${i}_${t}`, 0, Infinity, penalties.comfortPerKelvinSlot);
    power.push(p);
    temp.push(T);
    under.push(lo);
    over.push(hi);
    const tout = d.outdoorTempC[t] as number;
    // T[t] = (1 − a)·T[t−1] + a·Tout[t] + b·P[t]  (T[t] is the temperature at the end of slot t).
    if (t === 0)
      lp.row(
        `hdyn_${i}_${t}`,
        [
          [1, T],
          [-b, p],
        ],
        '=',
        (1 - a) * d.indoorTempC + a * tout,
      );
    else
      lp.row(
        `hdyn_${i}_${t}`,
        [
          [1, T],
          [-(1 - a), temp[t - 1] as string],
          [-b, p],
        ],
        '=',
        a * tout,
      );
    const minC = d.minTempC[t] as number;
    const maxC = d.maxTempC[t] as number;
    // Comfort band, soft: min ≤ T + under − over ≤ max, one ranged row (both slacks are penalised, so at most one
    // is non-zero). A band with min > max cannot be one row: then two, each with its own slack.
    const band: Term[] = [
      [1, T],
      [1, lo],
      [-1, hi],
    ];
    if (minC <= maxC && !separateRows) lp.range(`hband_${i}_${t}`, band, minC, maxC);
    else {
      lp.row(`hmin_${i}_${t}`, [band[0] as Term, band[1] as Term], '>=', minC);
      lp.row(`hmax_${i}_${t}`, [band[0] as Term, band[2] as Term], '<=', maxC);
    }
    (loadTerms[t] as Term[]).push([1, p]);
  }
  return { kind: 'heat_pump', power, temp, under, over };
}
