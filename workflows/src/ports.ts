/**
 * What the activities need from the rest of CarbonReducer, as small interfaces. The worker wires the real
 * implementations (src/adapters, @carbonreducer/* libraries); unit tests pass fakes.
 */
import type { StoredForecastPoint } from './domain/accuracy';
import type {
  AccuracyScore,
  BackfillChunkResult,
  CurrentPlanView,
  RunVerification,
  BacktestResult,
  FallbackReason,
  ServedBy,
  DeviceCommand,
  DispatchResult,
  ForecastsChanged,
  PublishedPlan,
  Hyperparameters,
  IngestSummary,
  IntensityForecastPoint,
  ModelTarget,
  ParetoResult,
  RunRequest,
  SearchSummary,
  TrainedModel,
  TrialResult,
} from './types';

export interface IntensityIngestor {
  /** Fetches the latest actuals and forecast through the source chain, writes them, says which source answered. */
  ingest(args: { region: string; now: Date }): Promise<IngestSummary>;
  /** Backfill settings (INTENSITY_BACKFILL, INTENSITY_BACKFILL_CHUNK_H). */
  readonly backfill: { enabled: boolean; chunkMs: number };
  /** Ranges [from, to) of half-hour slots in the window that have no stored actual, oldest first. */
  missingActuals(args: { region: string; from: Date; to: Date }): Promise<{ fromMs: number; toMs: number }[]>;
  /** Fetches the actuals of one chunk of the past through the source chain and writes them (idempotent). */
  backfillChunk(args: { region: string; from: Date; to: Date; now: Date }): Promise<BackfillChunkResult>;
}

/** Who served a forecast: the server of most of its points, why the champion did not, and in words. */
export interface Serving {
  servedBy: ServedBy;
  fallbackReason: FallbackReason;
  detail: string;
}

export interface IntensityForecast extends Partial<Serving> {
  region: string;
  issuedAt: string;
  modelVersion: string;
  points: IntensityForecastPoint[];
}

export interface LoadForecast extends Partial<Serving> {
  homeId: string;
  issuedAt: string;
  modelVersion: string;
  points: { time: string; powerW: number; servedBy?: ServedBy; fallbackReason?: FallbackReason }[];
}

/** History the served intensity model reads (from the champion's feature windows), ms before the origin. */
export interface HistoryNeeds {
  stepMs: number;
  /** For the point forecast (the lookback). */
  pointsMs: number;
  /** For the point forecast and the online-recalibrated bands. */
  bandsMs: number;
}

export interface IntensityForecastProvider {
  /**
   * The forecast of the next `horizonH` hours from the history up to `issuedAt`: the champion's when its inputs are
   * complete and fresh, otherwise the next forecaster in the declared order (every point says which and why).
   */
  forecast(args: { region: string; issuedAt: Date; horizonH: number }): Promise<IntensityForecast>;
  /** How far back the champion's features read (the backfill fetches at least this). */
  historyNeeds(): Promise<HistoryNeeds>;
}

export interface LoadForecaster {
  forecast(args: { homeId: string; issuedAt: Date; horizonH: number }): Promise<LoadForecast>;
}

export interface ForecastStore {
  writeIntensityForecast(forecast: IntensityForecast): Promise<void>;
  writeLoadForecasts(forecasts: LoadForecast[]): Promise<void>;
  /** One `forecast_serving` point per issued forecast. */
  writeServing(records: ServingRecord[]): Promise<void>;
  /** The most recently issued intensity forecast with slots in [from, to), or null when there is none. */
  latestIntensityForecast(args: { region: string; from: Date; to: Date }): Promise<IntensityForecast | null>;
  /** The most recently issued load forecast of a home with slots in [from, to), or null when there is none. */
  latestLoadForecast(args: { homeId: string; from: Date; to: Date }): Promise<LoadForecast | null>;
}

/** Per issued forecast: who served it (the `forecast_serving` measurement, which counts fallbacks). */
export interface ServingRecord extends Serving {
  kind: 'intensity' | 'load';
  /** Region (intensity) or home id (load). */
  key: string;
  issuedAt: string;
  points: number;
}

export interface AccuracyStore {
  /** Intensity forecasts with slots ending in (from, to] issued up to 48 h before, and the actuals of those slots. */
  scoringData(args: { region: string; fromMs: number; toMs: number }): Promise<{
    forecasts: StoredForecastPoint[];
    actuals: { timeMs: number; value: number }[];
  }>;
  writeScores(args: { region: string; nowMs: number; scores: AccuracyScore[] }): Promise<void>;
}

export interface PlanReader {
  /** The home's current plan view (its optimizer's query), or null when the home has no optimizer. */
  currentPlan(homeId: string): Promise<CurrentPlanView | null>;
}

export interface VerifiedRunRecord {
  homeId: string;
  deviceId: string;
  requestId: string;
  startedAt: string;
  energyWh: number;
  realisedG: number;
  counterfactualG: number;
  avoidedG: number;
  /** What the plan expected to avoid. */
  expectedAvoidedG: number;
}

export interface VerificationStore {
  /** The device's metered power (W) in [from, to), oldest first. */
  devicePower(args: {
    homeId: string;
    deviceId: string;
    fromMs: number;
    toMs: number;
  }): Promise<{ timeMs: number; powerW: number }[]>;
  /** Actual intensity per half-hour slot start in [from, to). */
  actualIntensity(args: { region: string; fromMs: number; toMs: number }): Promise<Map<number, number>>;
  /** `verified_run` per run and `verified_home_day` per home and day. */
  writeVerified(records: VerifiedRunRecord[]): Promise<void>;
}

export interface ScheduleStore {
  writePlan(plan: PublishedPlan): Promise<void>;
}

/** A home as registered (PostgreSQL `app.homes`). */
export interface HomeRecord {
  homeId: string;
  region: string;
  timeZone: string;
  /** Main fuse as an import limit (W), or null when unknown. */
  importLimitW: number | null;
  active: boolean;
}

export interface HomeDirectory {
  /** Ids of the active homes of a region, sorted. */
  listHomes(region: string): Promise<string[]>;
}

/** Tells homes' optimizers that new forecasts are out. */
export interface HomeNotifier {
  /** Returns the homes that have a running optimizer and got the signal; homes without one are skipped. */
  forecastsChanged(homeIds: string[], change: ForecastsChanged): Promise<string[]>;
  /**
   * Hands a home's optimizer what the savings verification found for its finished runs, so its currentPlan shows
   * verified figures next to the expected ones. False when the home has no running optimizer.
   */
  runsVerified(homeId: string, runs: RunVerification[]): Promise<boolean>;
}

export interface HomeRegistry extends HomeDirectory {
  /** Inserts or updates (by home id); returns how many rows were new. */
  register(homes: Omit<HomeRecord, 'active'>[]): Promise<{ created: number; updated: number }>;
  deactivate(homeId: string): Promise<boolean>;
  get(homeId: string): Promise<HomeRecord | null>;
  list(): Promise<HomeRecord[]>;
}

export interface Planner {
  /** Throws InfeasibleError / BadInputError when the requests cannot be planned. */
  plan(args: {
    homeId: string;
    requests: RunRequest[];
    forecast: IntensityForecast;
    /** The home's latest load forecast (its base load), or null when there is none yet (planned as 0 W). */
    loadForecast: LoadForecast | null;
    /** Main fuse (W), or null when unknown. */
    importLimitW: number | null;
    now: Date;
    planVersion: number;
  }): Promise<PublishedPlan>;
  /** The cost vs CO2 curve of the same requests under a time-of-use tariff: one plan per CO2 price. */
  pareto(args: {
    homeId: string;
    requests: RunRequest[];
    forecast: IntensityForecast;
    loadForecast: LoadForecast | null;
    importLimitW: number | null;
    now: Date;
    co2PricesPerKg: number[];
  }): Promise<Omit<ParetoResult, 'homeId' | 'computedAt'>>;
}

export interface SearchProgress {
  /** Trials finished by earlier attempts (from the last heartbeat): not run again. */
  completed: TrialResult[];
  /** Called after each trial with every trial finished so far. */
  onTrial(completed: TrialResult[]): void;
  /** Called during a long trial to show it is alive. */
  heartbeat(): void;
  signal: AbortSignal;
}

export interface ModelLifecycle {
  searchHyperparameters(
    args: { target: ModelTarget; trials: number; seed: number },
    progress: SearchProgress,
  ): Promise<SearchSummary>;
  trainAndRegister(
    args: { target: ModelTarget; params: Hyperparameters },
    heartbeat: () => void,
  ): Promise<TrainedModel>;
  backtest(args: { target: ModelTarget; challengerVersion: string }): Promise<BacktestResult>;
  promote(args: { target: ModelTarget; modelVersion: string }): Promise<void>;
}

export interface CommandPublisher {
  /** Publishes the command unless an earlier attempt already did (same idempotency key). */
  publishOnce(command: DeviceCommand): Promise<DispatchResult>;
}
