/**
 * What the activities need from the rest of CarbonReducer, as small interfaces. The worker wires the real
 * implementations (src/adapters, @carbonreducer/* libraries); unit tests pass fakes.
 */
import type {
  BacktestResult,
  DeviceCommand,
  DispatchResult,
  ForecastsChanged,
  PublishedPlan,
  Hyperparameters,
  IngestSummary,
  IntensityForecastPoint,
  ModelTarget,
  RunRequest,
  SearchSummary,
  TrainedModel,
  TrialResult,
} from './types';

export interface IntensityIngestor {
  /** Fetches the latest actuals and forecast through the source chain, writes them, says which source answered. */
  ingest(args: { region: string; now: Date }): Promise<IngestSummary>;
}

export interface IntensityForecast {
  region: string;
  issuedAt: string;
  modelVersion: string;
  points: IntensityForecastPoint[];
}

export interface LoadForecast {
  homeId: string;
  issuedAt: string;
  modelVersion: string;
  points: { time: string; powerW: number }[];
}

export interface IntensityForecastProvider {
  /** The champion model's forecast of the next `horizonH` hours from recent history up to `issuedAt`. */
  forecast(args: { region: string; issuedAt: Date; horizonH: number }): Promise<IntensityForecast>;
}

export interface LoadForecaster {
  forecast(args: { homeId: string; issuedAt: Date; horizonH: number }): Promise<LoadForecast>;
}

export interface ForecastStore {
  writeIntensityForecast(forecast: IntensityForecast): Promise<void>;
  writeLoadForecasts(forecasts: LoadForecast[]): Promise<void>;
  /** The most recently issued intensity forecast with slots in [from, to), or null when there is none. */
  latestIntensityForecast(args: { region: string; from: Date; to: Date }): Promise<IntensityForecast | null>;
  /** The most recently issued load forecast of a home with slots in [from, to), or null when there is none. */
  latestLoadForecast(args: { homeId: string; from: Date; to: Date }): Promise<LoadForecast | null>;
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
