/**
 * Plain data exchanged between workflows, activities and clients. Times are ISO-8601 UTC strings so that every
 * value survives Temporal's JSON payload converter unchanged (a `Date` would arrive as a string).
 */
import type { ModelTarget, PromotionDecision } from '@carbonreducer/forecast';
import type { CommandPayload } from '@carbonreducer/telemetry';

/**
 * Which forecaster produced a point, in the declared fallback order: the champion model, the source's own published
 * forecast (intensity only), seasonal naive (the same slot a day earlier), persistence (the last value), flat (no
 * history at all: every slot the same, so a plan claims no savings).
 */
export type ServedBy = 'champion' | 'source_forecast' | 'seasonal_naive' | 'persistence' | 'flat';
/** Why the champion did not serve a point (`none` when it did). */
export type FallbackReason =
  'none' | 'no_history' | 'stale_history' | 'incomplete_history' | 'champion_unavailable' | 'champion_failed';

export interface IntensityForecastPoint {
  time: string;
  intensityGPerKWh: number;
  /** 80 % band (gCO2/kWh), when the forecaster gives one. */
  lowerGPerKWh?: number;
  upperGPerKWh?: number;
  /** Absent on forecasts written before points were tagged. */
  servedBy?: ServedBy;
  fallbackReason?: FallbackReason;
}

export interface IngestCarbonIntensityInput {
  /** Grid region, e.g. `GB`. */
  region: string;
  /** Wall clock of the run (ISO); default the workflow's start time. Drives a replayed file source in tests. */
  now?: string;
}

/** Live accuracy of one served model at one horizon over one rolling window. */
export interface AccuracyScore {
  /** `24h` or `7d`: slots that ended within it. */
  window: string;
  servedBy: string;
  /** Lead from issue to the end of the slot, as the backtest labels it (`30m` … `48h`). */
  horizon: string;
  maeGPerKWh: number;
  /** Share of actuals inside the 80 % band; null when the forecasts had no band. */
  coverage80: number | null;
  points: number;
}

/** A finished run checked against the device's acks and telemetry. */
export interface RunVerification {
  homeId: string;
  requestId: string;
  deviceId: string;
  /** `verified`, or why not (yet): not_acked, no_telemetry, did_not_run, too_little_energy, no_actuals. */
  status: string;
  expectedAvoidedG: number;
  realisedG?: number;
  counterfactualG?: number;
  avoidedG?: number;
}

export interface VerifySavingsInput {
  region: string;
  /** Check runs that ended before this (ISO); default the workflow's start time. */
  now?: string;
}

export interface VerifySavingsResult {
  region: string;
  homes: number;
  runs: RunVerification[];
  verifiedAvoidedG: number;
  expectedAvoidedG: number;
}

export interface ScoreForecastsInput {
  region: string;
  /** Scoring time (ISO); default the workflow's start time. */
  now?: string;
}

export interface BackfillInput {
  region: string;
  /** Backfill up to this time (ISO); default the workflow's start time. */
  now?: string;
}

/** What the backfill planned from the champion's feature windows and the actuals already stored. */
export interface BackfillPlan {
  enabled: boolean;
  /** The history the served models read: [from, to). */
  from: string;
  to: string;
  missingSlots: number;
  chunks: { from: string; to: string }[];
}

export interface BackfillChunkResult {
  from: string;
  to: string;
  source: string;
  pointsWritten: number;
  /** Points refused, by reason (never written). */
  rejected: Record<string, number>;
  /** Why nothing was written when no source has these slots (they are asked for again by the next run). */
  error?: string;
}

export interface BackfillSummary {
  region: string;
  enabled: boolean;
  from: string;
  to: string;
  missingSlotsBefore: number;
  chunks: BackfillChunkResult[];
  pointsWritten: number;
  /** Chunks no source could answer (e.g. a source outage): tried again by the next run. */
  failedChunks: { from: string; to: string; error: string }[];
}

export interface SourceAttempt {
  source: string;
  ok: boolean;
  error?: string;
}

export interface IngestSummary {
  region: string;
  /** The source in the fallback chain that answered. */
  source: string;
  /** Every source tried, in order, with the error of those that failed. */
  attempts: SourceAttempt[];
  pointsWritten: number;
  /** Points refused one by one (never written), by reason; absent in results recorded before screening. */
  rejected?: Record<string, number>;
  /** The backfill run after the ingest (absent when none ran). */
  backfill?: BackfillSummary;
  /** First and last slot written (ISO), absent when the source returned nothing new. */
  from?: string;
  to?: string;
}

export interface ForecastInput {
  region: string;
  /** Hours ahead to forecast (default 48). */
  horizonH?: number;
  /** Homes per load-forecast activity (default 50). */
  batchSize?: number;
  /** Issue time (ISO); defaults to the workflow's start time truncated to the hour. */
  issuedAt?: string;
}

export interface IntensityForecastResult {
  region: string;
  issuedAt: string;
  modelVersion: string;
  pointsWritten: number;
  /** Who served most of the points and why the champion did not (absent in results recorded before tagging). */
  servedBy?: ServedBy;
  fallbackReason?: FallbackReason;
  /** Points per forecaster. */
  pointsByServer?: Partial<Record<ServedBy, number>>;
}

export interface LoadForecastBatchResult {
  issuedAt: string;
  modelVersion: string;
  homesForecast: string[];
  failed: { homeId: string; error: string }[];
  /** Homes per forecaster that served most of their points (absent in results recorded before tagging). */
  homesByServer?: Partial<Record<ServedBy, number>>;
}

export interface ForecastResult {
  region: string;
  issuedAt: string;
  intensityModelVersion: string;
  loadModelVersion: string | null;
  homesForecast: number;
  homesFailed: { homeId: string; error: string }[];
  homesNotified: number;
  /** The backfill run before forecasting (absent when none ran). */
  backfill?: BackfillSummary;
  intensityServedBy?: ServedBy;
  intensityFallbackReason?: FallbackReason;
  /** Homes per forecaster that served their load forecast. */
  loadServedBy?: Partial<Record<ServedBy, number>>;
}

export type { ModelTarget } from '@carbonreducer/forecast';

export interface RetrainInput {
  target: ModelTarget;
  /** Hyperparameter trials to evaluate (default 8). */
  trials?: number;
  /** Seed of the search, so a rerun explores the same candidates. */
  seed?: number;
  /** A challenger is promoted when its backtest error is lower than the champion's by at least this share (default 0.02). */
  minImprovement?: number;
  reason?: 'schedule' | 'on-demand';
}

export type Hyperparameters = Record<string, number>;

export interface TrialResult {
  trial: number;
  /** Successive-halving rung (0 = fewest trees); with `params.numTrees` it identifies the fit when resuming. */
  rung?: number;
  params: Hyperparameters;
  /** Validation error, mean absolute error in the target's unit. */
  validationMae: number;
}

export interface SearchSummary {
  target: ModelTarget;
  trials: TrialResult[];
  best: TrialResult;
}

export interface TrainedModel {
  target: ModelTarget;
  modelVersion: string;
}

/** Scores are the registry's backtest score (mean MAE / seasonal-naive MAE; lower is better). */
export interface BacktestResult {
  target: ModelTarget;
  challengerVersion: string;
  challengerScore: number;
  /** Null when there is no champion yet. */
  championVersion: string | null;
  championScore: number | null;
  windows: number;
}

/**
 * What the backtest activity returned before the fields said "score" (histories recorded then carry these names;
 * they held the same registry score).
 */
export interface LegacyBacktestResult extends Omit<BacktestResult, 'challengerScore' | 'championScore'> {
  challengerMae: number;
  championMae: number | null;
}

export type { PromotionDecision } from '@carbonreducer/forecast';

export interface RetrainResult {
  target: ModelTarget;
  challengerVersion: string;
  championVersion: string | null;
  backtest: BacktestResult;
  decision: PromotionDecision;
  /** The champion after this run (null when there is none). */
  activeVersion: string | null;
}

/** A homeowner's request: run this appliance once, inside this window. */
export interface RunRequest {
  /** Caller-chosen id, unique within the home; part of the commands' idempotency keys. */
  requestId: string;
  deviceId: string;
  appliance: string;
  durationMin: number;
  /** Mean power while running (W). */
  powerW: number;
  /**
   * The appliance's real power profile (W): the mean of each minute from the start of the cycle, `durationMin` values
   * rounded up. The planner uses it when present and otherwise holds `powerW` flat for the whole run.
   */
  profileW?: number[];
  /** Earliest start (ISO); defaults to now. */
  earliestStart?: string;
  /** Must have finished by (ISO), e.g. "dishwasher ready by 07:00". */
  readyBy: string;
  /** Send a `stop` at the planned end too (for loads that do not end by themselves, e.g. EV charging). */
  stopAtEnd?: boolean;
  /**
   * Set by the workflow (never by callers) when `earliestStart`/`readyBy` are a homeowner's pin: the planner honours
   * the window to its planning slot (a start on the first slot boundary at or after `earliestStart`).
   */
  pinned?: boolean;
  /** Set with `pinned`: the request's own earliest start before the pin (ISO; unset: now), where its baseline runs. */
  baselineStart?: string;
}

export interface PlannedRun {
  requestId: string;
  deviceId: string;
  appliance: string;
  startAt: string;
  endAt: string;
  powerW: number;
  energyWh: number;
  emissionsG: number;
  /** Emissions if started at the earliest start instead. */
  baselineEmissionsG: number;
  avoidedEmissionsG: number;
}

export interface PublishedPlan {
  homeId: string;
  version: number;
  plannedAt: string;
  forecastIssuedAt: string | null;
  forecastModelVersion: string | null;
  /** Who served the intensity forecast the plan was made from (`champion` when its inputs were complete) and why not. */
  forecastServedBy?: ServedBy;
  forecastFallbackReason?: FallbackReason;
  /** Who served the home's load forecast (its base load); absent when the home had none. */
  loadServedBy?: ServedBy;
  runs: PlannedRun[];
  /** Planned power per slot (W), for dashboards. */
  slots: { time: string; powerW: number }[];
  avoidedEmissionsG: number;
}

export type { CommandAction } from '@carbonreducer/telemetry';
/** `failed`: publishing failed after all retries; `unacknowledged`: sent, but no ack within the ack timeout. */
export type CommandStatus = 'pending' | 'sent' | 'acked' | 'unacknowledged' | 'failed' | 'cancelled';

/** A command to a device; `idempotencyKey` is the same on every retry and every replan of the same request. */
export interface DeviceCommand extends Omit<CommandPayload, 'v' | 'plannedAt'> {
  /** Planned send time (ISO): the contract's `plannedAt`. */
  at: string;
}

export interface CommandState extends DeviceCommand {
  status: CommandStatus;
  sentAt?: string;
  ackedAt?: string;
  error?: string;
}

/**
 * `dispatched`: its start command has been sent (or, after "start now", is being sent); it is no longer re-planned.
 * `cancelled`: the homeowner cancelled it before it started.
 */
export type RequestStatus = 'new' | 'planned' | 'dispatched' | 'started-manually' | 'rejected' | 'cancelled';

/** A homeowner's pin: the run must start at or after `from` and end by `to` (ISO), kept through every re-plan. */
export interface RunPin {
  from: string;
  to: string;
  pinnedAt: string;
}

export interface RequestState {
  request: RunRequest;
  status: RequestStatus;
  reason?: string;
  pin?: RunPin;
}

/** What a homeowner can do to a run that has not started: start it now, cancel it, or pin it to a window. */
export type OverrideAction = 'start-now' | 'cancel' | 'pin';

export interface RunOverride {
  requestId: string;
  action: OverrideAction;
  /** For `pin` only: the window (ISO) the whole run must fit in. */
  window?: { from: string; to: string };
}

/** The `overrideRuns` update: one or more overrides applied together (one validation, one re-plan). */
export interface OverrideRunsInput {
  /** Caller-chosen id of this change (the API uses its idempotency key). */
  overrideId: string;
  overrides: RunOverride[];
}

/** Why an override was refused, per run; `code` is stable (the API counts and returns it). */
export type OverrideRefusalCode =
  | 'no_overrides'
  | 'duplicate_run'
  | 'unknown_run'
  | 'already_started'
  | 'already_cancelled'
  | 'rejected_run'
  | 'not_planned_yet'
  | 'window_missing'
  | 'window_unexpected'
  | 'window_invalid'
  | 'window_in_past'
  | 'window_too_short'
  | 'window_too_far'
  | 'replan_failed';

export interface OverrideRefusal {
  requestId: string;
  code: OverrideRefusalCode;
  message: string;
}

export interface OverrideRunsResult {
  overrideId: string;
  /** The plan version that includes the overrides. */
  planVersion: number;
  runs: {
    requestId: string;
    action: OverrideAction;
    status: RequestStatus;
    startAt?: string;
    endAt?: string;
    pin?: RunPin;
    /** start-now: the start command's state once it left the workflow (`sent`, or `failed` with why). */
    command?: { idempotencyKey: string; status: CommandStatus; error?: string };
  }[];
}

export interface OptimizeHomeInput {
  homeId: string;
  region: string;
  /** Carried over by continue-as-new. */
  state?: HomeWorkflowState;
  /** Continue as new once the history has this many events (default 2000; Temporal's own suggestion also counts). */
  maxHistoryEvents?: number;
  /** How long to wait for a device's ack (ms, default 5 min). */
  ackTimeoutMs?: number;
}

export interface HomeWorkflowState {
  requests: RequestState[];
  commands: CommandState[];
  plan: PublishedPlan | null;
  planVersion: number;
  replans: number;
  /**
   * The home's finished runs as the hourly savings verification found them (its verifyHomeRuns activity signals
   * runsVerifiedSignal), newest last, at most MAX_VERIFIED_RUNS; absent in states carried over before it existed.
   */
  verifiedRuns?: RunVerification[];
}

/** What `currentPlanQuery` returns. */
export interface CurrentPlanView {
  homeId: string;
  plan: PublishedPlan | null;
  commands: CommandState[];
  requests: RequestState[];
  expectedAvoidedEmissionsG: number;
  /** Sum of `avoidedG` over the runs verified so far (realised vs counterfactual at actual intensity). */
  verifiedAvoidedEmissionsG: number;
  /** Finished runs with what the verification found: verified figures, or why not (yet). */
  verifiedRuns: RunVerification[];
  replans: number;
}

export interface RequestRunResult {
  requestId: string;
  startAt: string;
  endAt: string;
  avoidedEmissionsG: number;
  planVersion: number;
}

export interface ManualStart {
  deviceId: string;
  /** When the device started (ISO). */
  at: string;
}

export interface ForecastsChanged {
  issuedAt: string;
  modelVersion: string;
}

export interface CommandAck {
  idempotencyKey: string;
  ok: boolean;
  at: string;
  error?: string;
}

export interface PlanHomeInput {
  homeId: string;
  region: string;
  requests: RunRequest[];
  planVersion: number;
  now: string;
}

/** The `pareto` update: the cost vs CO2 curve of the home's runs still to plan, one plan per CO2 price. */
export interface ParetoInput {
  /** Prices put on 1 kg CO2 (currency/kg), 1–12 of them, each in [0, 10]. */
  co2PricesPerKg: number[];
}

export interface ParetoHomeInput {
  homeId: string;
  region: string;
  /** The runs still to plan, pins applied (as `planHome` gets them). */
  requests: RunRequest[];
  co2PricesPerKg: number[];
  now: string;
}

export interface ParetoPointView {
  co2PricePerKg: number;
  /** Expected energy cost of the home over the horizon under the tariff (currency units). */
  costExpected: number;
  kgCO2Expected: number;
  /** Another point is no worse on both axes and better on one. */
  dominated: boolean;
  runs: { requestId: string; deviceId: string; appliance: string; startAt: string; endAt: string }[];
}

export interface ParetoResult {
  homeId: string;
  computedAt: string;
  /** Null when there was nothing to plan (no point was solved). */
  tariff: { name: string; currency: string } | null;
  forecastIssuedAt: string | null;
  forecastModelVersion: string | null;
  points: ParetoPointView[];
}

export interface DispatchResult {
  idempotencyKey: string;
  /** False when a previous attempt had already published this command (found in the retained record). */
  published: boolean;
  topic: string;
}
