import type { OverrideInput, PlanView, Planner, RunRequestInput, TimeSeries } from './ports';

/**
 * Plan reads are cached per home for a short time (a kiosk polls; a Temporal query per poll would make the worker
 * answer every screen). A run request or override through this API drops the home's entry, so its caller reads its own
 * write.
 */
export class CachedPlanner implements Planner {
  private readonly cache = new Map<string, { atMs: number; view: Promise<PlanView | null> }>();

  constructor(
    private readonly inner: Planner,
    private readonly ttlMs: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  requestRun(homeId: string, region: string, request: RunRequestInput) {
    this.cache.delete(homeId);
    return this.inner.requestRun(homeId, region, request).finally(() => this.cache.delete(homeId));
  }

  overrideRuns(homeId: string, input: OverrideInput) {
    this.cache.delete(homeId);
    return this.inner.overrideRuns(homeId, input).finally(() => this.cache.delete(homeId));
  }

  pareto(homeId: string, co2PricesPerKg: number[]) {
    return this.inner.pareto(homeId, co2PricesPerKg);
  }

  currentPlan(homeId: string): Promise<PlanView | null> {
    const now = this.nowMs();
    const hit = this.cache.get(homeId);
    if (hit && now - hit.atMs < this.ttlMs) return hit.view;
    const view = this.inner.currentPlan(homeId);
    this.cache.set(homeId, { atMs: now, view });
    // A failed read is not cached.
    view.catch(() => {
      if (this.cache.get(homeId)?.view === view) this.cache.delete(homeId);
    });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string);
    return view;
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }
}

/**
 * Intensity forecasts are issued hourly and read by every screen: the latest issue per region and window (to the
 * minute) is kept for `ttlMs`. Readings, load forecasts and reports go to InfluxDB every time.
 */
export class CachedForecasts implements TimeSeries {
  private readonly cache = new Map<
    string,
    { atMs: number; value: ReturnType<TimeSeries['latestIntensityForecast']> }
  >();

  constructor(
    private readonly inner: TimeSeries,
    private readonly ttlMs: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  readings: TimeSeries['readings'] = (args) => this.inner.readings(args);
  latestLoadForecast: TimeSeries['latestLoadForecast'] = (args) => this.inner.latestLoadForecast(args);
  plannedAvoided: TimeSeries['plannedAvoided'] = (args) => this.inner.plannedAvoided(args);
  verifiedAvoided: TimeSeries['verifiedAvoided'] = (args) => this.inner.verifiedAvoided(args);
  intensityActuals: TimeSeries['intensityActuals'] = (args) => this.inner.intensityActuals(args);
  intensityIssues: TimeSeries['intensityIssues'] = (args) => this.inner.intensityIssues(args);
  ping: TimeSeries['ping'] = () => this.inner.ping();

  latestIntensityForecast: TimeSeries['latestIntensityForecast'] = (args) => {
    const minute = (d: Date) => Math.floor(d.getTime() / 60_000);
    const key = `${args.region}/${minute(args.from)}/${minute(args.to)}`;
    const now = this.nowMs();
    const hit = this.cache.get(key);
    if (hit && now - hit.atMs < this.ttlMs) return hit.value;
    const value = this.inner.latestIntensityForecast(args);
    this.cache.set(key, { atMs: now, value });
    value.catch(() => {
      if (this.cache.get(key)?.value === value) this.cache.delete(key);
    });
    if (this.cache.size > 1000) this.cache.delete(this.cache.keys().next().value as string);
    return value;
  };
}
