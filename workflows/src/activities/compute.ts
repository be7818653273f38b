import { Context } from '@temporalio/activity';
import type { Logger } from '@carbonreducer/common';
import { BadInputError, NoForecastError } from '../errors';
import type {
  ForecastStore,
  HomeRegistry,
  IntensityForecast,
  IntensityForecastProvider,
  LoadForecast,
  LoadForecaster,
  ModelLifecycle,
  Planner,
} from '../ports';
import type {
  BacktestResult,
  PublishedPlan,
  Hyperparameters,
  IntensityForecastResult,
  LoadForecastBatchResult,
  ModelTarget,
  ParetoHomeInput,
  ParetoResult,
  PlanHomeInput,
  SearchSummary,
  ServedBy,
  TrainedModel,
  TrialResult,
} from '../types';
import { countForecastFallbacks } from './fallbackMetric';
import { withFailureMapping } from './failures';
import { servingSummary } from '../domain/serving';

export interface ComputeActivityDeps {
  intensityForecaster: IntensityForecastProvider;
  loadForecaster: LoadForecaster;
  forecasts: ForecastStore;
  /** The registered home (import limit); a home not in the registry is planned without one. */
  homeRecords: Pick<HomeRegistry, 'get'>;
  planner: Planner;
  models: ModelLifecycle;
  logger: Logger;
  /** How far ahead of now a plan may look for forecast slots (h). */
  planningHorizonH?: number;
}

/** The forecasts and fuse a plan of these requests is made from (an hour of history to the last deadline). */
async function planningInputs(
  deps: ComputeActivityDeps,
  input: { homeId: string; region: string; requests: { readyBy: string }[] },
  now: Date,
): Promise<{ forecast: IntensityForecast; loadForecast: LoadForecast | null; importLimitW: number | null }> {
  const horizonEnd = Math.max(...input.requests.map((r) => Date.parse(r.readyBy)), now.getTime());
  const window = { from: new Date(now.getTime() - 3600_000), to: new Date(horizonEnd) };
  const forecast = await deps.forecasts.latestIntensityForecast({ region: input.region, ...window });
  if (!forecast || forecast.points.length === 0) {
    throw new NoForecastError(
      `no intensity forecast for region ${input.region} covering ${now.toISOString()}: has forecastWorkflow run?`,
    );
  }
  const [home, loadForecast] = await Promise.all([
    deps.homeRecords.get(input.homeId),
    deps.forecasts.latestLoadForecast({ homeId: input.homeId, ...window }),
  ]);
  if (!loadForecast) {
    deps.logger.warn('no load forecast for the home: planning with 0 W base load', { homeId: input.homeId });
  }
  return { forecast, loadForecast, importLimitW: home?.importLimitW ?? null };
}

function parseTime(name: string, value: string): Date {
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) throw new BadInputError(`${name} is not an ISO-8601 time: ${value}`);
  return t;
}

/** Activities for the compute task queue: CPU-bound forecasting, solving and training. */
export function createComputeActivities(deps: ComputeActivityDeps) {
  return {
    async forecastIntensity(args: {
      region: string;
      issuedAt: string;
      horizonH: number;
    }): Promise<IntensityForecastResult> {
      return withFailureMapping(`forecast intensity for ${args.region}`, async () => {
        const issuedAt = parseTime('issuedAt', args.issuedAt);
        const forecast = await deps.intensityForecaster.forecast({
          region: args.region,
          issuedAt,
          horizonH: args.horizonH,
        });
        await deps.forecasts.writeIntensityForecast(forecast);
        const summary = servingSummary(forecast.points);
        const servedBy = forecast.servedBy ?? summary.servedBy;
        const fallbackReason = forecast.fallbackReason ?? 'none';
        await deps.forecasts.writeServing([
          {
            kind: 'intensity',
            key: args.region,
            issuedAt: forecast.issuedAt,
            points: forecast.points.length,
            servedBy,
            fallbackReason,
            detail: forecast.detail ?? '',
          },
        ]);
        countForecastFallbacks(Context.current().metricMeter, 'intensity', [{ servedBy, fallbackReason }]);
        if (servedBy !== 'champion') {
          deps.logger.warn('intensity forecast served by a fallback', {
            region: args.region,
            servedBy,
            fallbackReason,
            detail: forecast.detail,
          });
        }
        return {
          region: args.region,
          issuedAt: forecast.issuedAt,
          modelVersion: forecast.modelVersion,
          pointsWritten: forecast.points.length,
          servedBy,
          fallbackReason,
          pointsByServer: summary.counts,
        };
      });
    },

    /** One batch of homes; a home that fails is reported, the others are still written. */
    async forecastHomeLoads(args: {
      homeIds: string[];
      issuedAt: string;
      horizonH: number;
    }): Promise<LoadForecastBatchResult> {
      return withFailureMapping(`forecast load of ${args.homeIds.length} homes`, async () => {
        const issuedAt = parseTime('issuedAt', args.issuedAt);
        const forecasts: LoadForecast[] = [];
        const failed: { homeId: string; error: string }[] = [];
        let modelVersion = '';
        for (const homeId of args.homeIds) {
          try {
            const f = await deps.loadForecaster.forecast({ homeId, issuedAt, horizonH: args.horizonH });
            forecasts.push(f);
            modelVersion = f.modelVersion;
          } catch (err) {
            failed.push({ homeId, error: err instanceof Error ? err.message : String(err) });
          }
          Context.current().heartbeat({ done: forecasts.length + failed.length });
        }
        if (forecasts.length > 0) {
          await deps.forecasts.writeLoadForecasts(forecasts);
          const serving = forecasts.map((f) => ({
            kind: 'load' as const,
            key: f.homeId,
            issuedAt: f.issuedAt,
            points: f.points.length,
            servedBy: f.servedBy ?? servingSummary(f.points).servedBy,
            fallbackReason: f.fallbackReason ?? 'none',
            detail: f.detail ?? '',
          }));
          await deps.forecasts.writeServing(serving);
          countForecastFallbacks(Context.current().metricMeter, 'load', serving);
        }
        if (failed.length > 0) deps.logger.warn('load forecast failed for some homes', { failed });
        const homesByServer: Partial<Record<ServedBy, number>> = {};
        for (const f of forecasts) {
          const s = f.servedBy ?? 'champion';
          homesByServer[s] = (homesByServer[s] ?? 0) + 1;
        }
        return {
          issuedAt: args.issuedAt,
          modelVersion,
          homesForecast: forecasts.map((f) => f.homeId),
          failed,
          homesByServer,
        };
      });
    },

    async planHome(input: PlanHomeInput): Promise<PublishedPlan> {
      return withFailureMapping(`plan home ${input.homeId}`, async () => {
        const now = parseTime('now', input.now);
        const { forecast, loadForecast, importLimitW } = await planningInputs(deps, input, now);
        const plan = await deps.planner.plan({
          homeId: input.homeId,
          requests: input.requests,
          forecast,
          loadForecast,
          importLimitW,
          now,
          planVersion: input.planVersion,
        });
        // Which forecaster the plan's intensity and base load came from, so the plan says whether it is full-input.
        return {
          ...plan,
          ...(forecast.servedBy ? { forecastServedBy: forecast.servedBy } : {}),
          ...(forecast.fallbackReason ? { forecastFallbackReason: forecast.fallbackReason } : {}),
          ...(loadForecast?.servedBy ? { loadServedBy: loadForecast.servedBy } : {}),
        };
      });
    },

    /** The cost vs CO2 curve of the runs `planHome` would plan, from the same forecasts. */
    async paretoHome(input: ParetoHomeInput): Promise<ParetoResult> {
      return withFailureMapping(`Pareto curve of home ${input.homeId}`, async () => {
        const now = parseTime('now', input.now);
        const { forecast, loadForecast, importLimitW } = await planningInputs(deps, input, now);
        const curve = await deps.planner.pareto({
          homeId: input.homeId,
          requests: input.requests,
          forecast,
          loadForecast,
          importLimitW,
          now,
          co2PricesPerKg: input.co2PricesPerKg,
        });
        return { homeId: input.homeId, computedAt: input.now, ...curve };
      });
    },

    /** Resumable: trials finished before a crash are read back from the last heartbeat and not run again. */
    async searchHyperparameters(args: { target: ModelTarget; trials: number; seed: number }): Promise<SearchSummary> {
      const ctx = Context.current();
      const details = ctx.info.heartbeatDetails as { completed?: TrialResult[] } | undefined;
      const completed = Array.isArray(details?.completed) ? details.completed : [];
      if (completed.length > 0) {
        ctx.log.info('resuming hyperparameter search', { target: args.target, completed: completed.length });
      }
      let latest = completed;
      return withFailureMapping(`hyperparameter search for ${args.target}`, () =>
        deps.models.searchHyperparameters(args, {
          completed,
          // A copy: the details must not change after the call while the SDK may still send them. A keep-alive
          // heartbeat repeats the latest list, never an older one.
          onTrial: (all) => {
            latest = [...all];
            ctx.heartbeat({ completed: latest });
          },
          heartbeat: () => ctx.heartbeat({ completed: latest }),
          signal: ctx.cancellationSignal,
        }),
      );
    },

    async trainAndRegisterModel(args: { target: ModelTarget; params: Hyperparameters }): Promise<TrainedModel> {
      const ctx = Context.current();
      return withFailureMapping(`train ${args.target} model`, () =>
        deps.models.trainAndRegister(args, () => ctx.heartbeat()),
      );
    },

    async backtestModels(args: { target: ModelTarget; challengerVersion: string }): Promise<BacktestResult> {
      return withFailureMapping(`backtest ${args.target} ${args.challengerVersion}`, () => deps.models.backtest(args));
    },
  };
}
