/**
 * Plain, JSON-serialisable request and plan types of the home scheduler. Times are epoch milliseconds (UTC),
 * power in watts, energy in watt-hours, money in the tariff's currency units, CO2 in kilograms.
 */

/** Penalties (currency units) that rank what gives way when a request cannot be met in full. */
export interface Penalties {
  /**
   * Per Wh drawn above the import limit, which only the loads a plan cannot move (base load, running cycles,
   * hand-started charging) may do: the fuse is hard for everything the plan decides.
   */
  overImportPerWh: number;
  /** Per minute a cycle finishes after its deadline. */
  latePerMin: number;
  /**
   * Once, when a cycle finishes more than LATE_TOLERANCE_MIN after its deadline. Without it a minute late cost 0.05,
   * less than the CO2 of a cleaner window a slot later, so a deadline half a slot before a clean window was broken by
   * a minute and the request refused as infeasible although an on-time start existed.
   */
  lateAtAll: number;
  /** A cycle that cannot run at all inside the horizon. */
  unscheduled: number;
  /** Per Wh of EV energy not delivered by departure. */
  evShortfallPerWh: number;
  /** Per kelvin per slot outside the comfort band. */
  comfortPerKelvinSlot: number;
  /** Default cost of moving an already published start (stability); devices may override it. */
  movePublishedStart: number;
  /** Battery wear per Wh charged or discharged (≈ 0.01 per kWh cycled). */
  batteryWearPerWh: number;
}

/**
 * Each wish outranks energy cost and CO2 (≈ 0.3–0.5 per kWh) by a wide margin, and the import limit outranks
 * every wish; kept within a few orders of magnitude of the energy costs so the MILP stays well scaled.
 */
export const DEFAULT_PENALTIES: Penalties = {
  overImportPerWh: 0.1,
  latePerMin: 0.05,
  lateAtAll: 100,
  unscheduled: 1000,
  evShortfallPerWh: 0.01,
  comfortPerKelvinSlot: 1,
  movePublishedStart: 0.05,
  batteryWearPerWh: 0.00001,
};

/** Minutes a cycle may finish after its deadline and still count as on time (sub-minute rounding of slot times). */
export const LATE_TOLERANCE_MIN = 0.5;

interface DeviceBase {
  /** Unique within the home; used in plans and explanations. */
  id: string;
  /** Words a homeowner recognises: "dishwasher", "car". */
  label: string;
  /** Price of CO2 for this device, currency per kg; falls back to the home's `co2PricePerKg`. */
  co2PricePerKg?: number;
}

/** A non-interruptible programme (dishwasher, washing machine, dryer) with its real power profile. */
export interface CycleRequest extends DeviceBase {
  kind: 'cycle';
  /** Appliance class for reporting, e.g. `dishwasher`, `washing_machine`, `dryer`. */
  appliance?: string;
  /** Mean power in each slot of the cycle, W, one entry per slot of the request's `slotMin`. */
  profileW: number[];
  /** Not before this instant. */
  earliestStartMs: number;
  /** Finish by this instant (soft: lateness is reported and explained). */
  deadlineMs: number;
  /** When the homeowner asked; the baseline runs the cycle from here. Defaults to max(now, earliestStartMs). */
  requestedAtMs?: number;
  /** A cycle already running, or started by hand: its start is fixed and honoured as given (slot-aligned). */
  startedMs?: number;
  /** The start published in the previous plan: moving away from it costs `movePenalty`. */
  publishedStartMs?: number;
  movePenalty?: number;
}

/** Interruptible EV charging. */
export interface EvRequest extends DeviceBase {
  kind: 'ev';
  /** Plugged in (or available) from. */
  availableFromMs: number;
  /** Requested departure: energy is due by then. */
  departureMs: number;
  energyNeededWh: number;
  /** Lowest charging power when charging at all (e.g. 6 A ≈ 1,400 W); used only when `onOff` is true. */
  minPowerW: number;
  maxPowerW: number;
  /** Semi-continuous: either off or between min and max power (a binary per slot). */
  onOff: boolean;
  /** Charging was started by hand at this instant: full power from then until the energy is in. */
  startedByHandMs?: number;
}

/** A home battery. No export: discharge serves the home only. */
export interface BatteryRequest extends DeviceBase {
  kind: 'battery';
  capacityWh: number;
  socWh: number;
  minSocWh: number;
  maxSocWh: number;
  maxChargeW: number;
  maxDischargeW: number;
  /** Round trip, 0–1; split evenly between charging and discharging. */
  roundTripEfficiency: number;
  /** State of charge required at the end of the horizon; defaults to the starting `socWh`. */
  endSocWh?: number;
}

/**
 * A heat pump heating a one-node house: T[t+1] = T[t] + Δt/C · (COP·P[t] − (T[t] − Tout[t]) / R), Δt in hours.
 */
export interface HeatPumpRequest extends DeviceBase {
  kind: 'heat_pump';
  maxPowerW: number;
  cop: number;
  /** Heat capacity of the house, Wh/K. */
  heatCapacityWhPerK: number;
  /** Thermal resistance house → outside, K/W. */
  thermalResistanceKPerW: number;
  indoorTempC: number;
  /** Outdoor temperature forecast per slot, °C. */
  outdoorTempC: number[];
  /** Comfort band per slot (indoor temperature at the end of the slot), °C. */
  minTempC: number[];
  maxTempC: number[];
}

export type DeviceRequest = CycleRequest | EvRequest | BatteryRequest | HeatPumpRequest;

/** Everything the scheduler needs about one home. Per-slot arrays have `slotCount` entries. */
export interface HomeRequest {
  homeId?: string;
  /** Start of the first slot; `now` must lie in the first slot. */
  startMs: number;
  slotMin: 15 | 30 | 60;
  slotCount: number;
  /** IANA zone used for the clock times in explanations. Default UTC. */
  timeZone?: string;
  /** Grid carbon intensity forecast, gCO2/kWh. */
  intensityGPerKWh: number[];
  /** Tariff, currency per kWh. */
  pricePerKWh: number[];
  /** Exchange rate between CO2 and money, currency per kg (0 = cost only). */
  co2PricePerKg: number;
  /** Base load forecast (everything not scheduled here), W. */
  baseLoadW: number[];
  /** Main fuse / import limit, W; null = none. */
  importLimitW: number | null;
  devices: DeviceRequest[];
  penalties?: Partial<Penalties>;
}

/** How LP columns map back to the request: produced by `buildModel`, consumed by `parsePlan`. */
export interface ModelIndex {
  slotCount: number;
  /** Per device (same order as the request): its column names. */
  devices: DeviceIndex[];
  /** Per-slot over-import slack columns (null when there is no import limit). */
  overImport: string[] | null;
  integerColumns: number;
  continuousColumns: number;
  rows: number;
}

export type DeviceIndex =
  | {
      kind: 'cycle';
      /** Start slot → start-indicator column; fixed cycles have none. */
      starts: { slot: number; column: string; lateMin: number }[];
      /** Start slot fixed by a running or hand-started cycle (may be negative: started before the horizon). */
      fixedStartSlot: number | null;
      unscheduledColumn: string | null;
    }
  | { kind: 'ev'; energy: (string | null)[]; on: (string | null)[]; shortfall: string | null; fixedWh: number[] | null }
  | { kind: 'battery'; charge: string[]; discharge: string[]; soc: string[]; mode: (string | null)[] }
  | { kind: 'heat_pump'; power: string[]; temp: string[]; under: string[]; over: string[] };

/**
 * A MILP as arrays, in the layout HiGHS takes directly (`passModel`): minimise `colCost·x` subject to
 * `rowLower ≤ A·x ≤ rowUpper` and `colLower ≤ x ≤ colUpper`, with A stored row by row (CSR). Infinite bounds
 * are ±Infinity.
 */
export interface MilpProblem {
  /** Column names, in column order: solver results are keyed by them. */
  columnNames: string[];
  colCost: Float64Array;
  colLower: Float64Array;
  colUpper: Float64Array;
  /** Per column: 0 continuous, 1 integer, 2 semi-continuous (HiGHS' codes). */
  integrality: Int32Array;
  rowNames: string[];
  rowLower: Float64Array;
  rowUpper: Float64Array;
  /** Row `i` holds `values[k]` at column `indices[k]` for `starts[i] ≤ k < starts[i + 1]`. */
  matrix: { starts: Int32Array; indices: Int32Array; values: Float64Array };
}

export interface BuiltModel {
  /** CPLEX LP text for HiGHS (written on first read). */
  readonly lp: string;
  /** The same model as arrays, for solvers that take it directly (no text to write or parse). */
  problem: MilpProblem;
  index: ModelIndex;
}

/** Options passed to the injected MILP solver. */
export interface SolveOptions {
  timeLimitSec: number;
  mipRelGap: number;
}

/** Per-solve extras for `MilpSolver.solveProblem`. */
export interface ProblemSolveOptions extends SolveOptions {
  /**
   * A feasible point, by column name, that the solver may start from (its incumbent). Columns left out are
   * taken as 0. An infeasible start is ignored by the solver, never trusted.
   */
  start?: Record<string, number>;
  /** A simplex basis from an earlier LP of the same shape (same columns and rows): the LP starts from it. */
  basis?: LpBasis;
}

/**
 * An LP kept loaded in the solver and re-solved after column-bound changes, each solve starting from the last
 * one's basis (for dives: a few simplex iterations instead of loading the model again). Dispose it when done.
 */
export interface LpSession {
  /** Solves the LP with these column bounds (every column, in column order); integrality is ignored. */
  solve(colLower: Float64Array, colUpper: Float64Array, options: SolveOptions): SolverResult;
  dispose(): void;
}

/** A simplex basis, as the solver reports it (per column and per row status codes); opaque to the core. */
export interface LpBasis {
  colStatus: Int32Array;
  rowStatus: Int32Array;
}

export type SolverStatus = 'optimal' | 'infeasible' | 'time_limit' | 'other';

export interface SolverResult {
  status: SolverStatus;
  /** The solver's own status text. */
  rawStatus: string;
  objective: number | null;
  /** Primal values by column name; empty when there is no solution. */
  columns: Record<string, number>;
  /** Relative MIP gap at the end (0 when proven optimal), null when unknown. */
  mipGap: number | null;
  solveTimeMs: number;
  /** Best bound on the objective the solver proved (null when unknown). */
  dualBound?: number | null;
  /** Reduced costs in column order, for an LP solved to optimality (solvers that can tell; absent for MIPs). */
  columnDuals?: Float64Array;
  /** The optimal basis of an LP (solvers that can tell), to warm-start a re-solve after bound changes. */
  basis?: LpBasis;
  phases?: SolvePhases;
}

/** Time spent per phase of `solveHome`, ms: the solver's phases summed over its solves, and the core's own. */
export interface PlanTiming extends SolvePhases {
  /** Building the model (arrays, or LP text for solvers without `solveProblem`). */
  buildMs: number;
  /** Turning the solution into a plan with explanations. */
  parseMs: number;
}

/** Where a solve spent its time, ms (reported by solvers that can tell). */
export interface SolvePhases {
  /** Handing the model to the solver (arrays passed, or text parsed). */
  loadMs: number;
  /** The solver's own run (presolve, LP, branch and bound). */
  runMs: number;
  /** Reading the solution back into values by name. */
  readMs: number;
}

/** The solver as the core sees it: an LP string (or arrays) in, values by name out. HiGHS is loaded at the edge. */
export interface MilpSolver {
  /** Which solver this is, e.g. `highs-native 1.16.0` or `highs-wasm 1.15.3`; plans report it (`model.solver`). */
  readonly name?: string;
  solve(lp: string, options: SolveOptions): SolverResult;
  /** Optional: loads a model's LP relaxation once for repeated solves with other column bounds (`LpSession`). */
  lpSession?(problem: MilpProblem): LpSession;
  /** The same from arrays, skipping the LP text; `solveHome` uses it when present. */
  solveProblem?(problem: MilpProblem, options: ProblemSolveOptions): SolverResult;
}

/** Something that gave way, in numbers and words. */
export interface Explanation {
  deviceId: string | null;
  constraint: 'deadline' | 'not_scheduled' | 'ev_energy' | 'import_limit' | 'comfort';
  /** How far it gave way, in `unit`. */
  amount: number;
  unit: 'min' | 'Wh' | 'W' | 'K';
  message: string;
}

export interface DevicePlan {
  id: string;
  kind: DeviceRequest['kind'];
  label: string;
  appliance?: string;
  /** Start instants (cycles: one; EV: each start of a charging block; others: none). */
  startsMs: number[];
  /** Mean power per slot, W (battery: charge positive, discharge negative). */
  powerW: number[];
  energyWh: number;
  costExpected: number;
  kgCO2Expected: number;
  /** Running at request time (cycle from its request, EV at full power from plug-in, heat pump holding the lower bound, battery idle). */
  baselineCost: number;
  baselineKgCO2: number;
  /** baseline − plan, expected with the forecast given. */
  avoidedKgCO2: number;
  /** Extra per-device detail. */
  finishMs?: number;
  socWh?: number[];
  indoorTempC?: number[];
}

export interface HomePlan {
  homeId?: string;
  startMs: number;
  slotMin: number;
  slotCount: number;
  status: 'optimal' | 'feasible' | 'infeasible';
  /** Relative MIP gap reported by the solver. */
  mipGap: number | null;
  solveTimeMs: number;
  objective: number;
  devices: DevicePlan[];
  /** Household import per slot, W. */
  importW: number[];
  costExpected: number;
  kgCO2Expected: number;
  baselineCost: number;
  baselineKgCO2: number;
  avoidedKgCO2: number;
  explanations: Explanation[];
  /** Size of the last model solved, and how many solves the lazy on/off binaries took. */
  model: {
    integerColumns: number;
    continuousColumns: number;
    rows: number;
    solves: number;
    /**
     * How the plan was proved optimal (see `solveHome`): `relaxed` = the solve with on/off rules relaxed already
     * obeyed them; `held` = cycles held where that solve put them, on/off re-solved, within the gap of its bound;
     * `full` = the full model with binaries where needed; `strict` = every binary up front.
     */
    method?: 'relaxed' | 'held' | 'full' | 'strict';
    /**
     * How the first solve (on/off rules relaxed) was settled: `lp` = its LP relaxation came out integral;
     * `rounded` = cycles rounded from the LP and re-solved, within the gap of the LP bound; `mip` = branch and bound.
     */
    first?: 'lp' | 'rounded' | 'mip';
    /** How a `held` plan was found: `dive` = LP dives settling the EV slots by bounds; `mip` = on/off binaries. */
    held?: 'dive' | 'mip';
    /** The solver that made the plan (`MilpSolver.name`), e.g. `highs-native 1.16.0`. */
    solver?: string;
    /**
     * `idle`: the solver stopped at its time limit without any plan, so this is the fallback that runs nothing
     * movable (free cycles left out, EV and battery idle; within the fuse); `explanations` name the cycles left out.
     */
    fallback?: 'idle';
  };
  /** Where the time went, ms, summed over all solves: writing the model, the solver's phases, reading the plan. */
  timing?: PlanTiming;
}
