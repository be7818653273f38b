import type { Logger } from '@carbonreducer/common';
import type {
  CommandPublisher,
  HomeDirectory,
  HomeNotifier,
  IntensityIngestor,
  ModelLifecycle,
  ScheduleStore,
} from '../ports';
import type {
  DeviceCommand,
  DispatchResult,
  ForecastsChanged,
  PublishedPlan,
  IngestSummary,
  ModelTarget,
} from '../types';
import { withFailureMapping } from './failures';
import { BadInputError } from '../errors';

export interface IoActivityDeps {
  ingestor: IntensityIngestor;
  homes: HomeDirectory;
  notifier: HomeNotifier;
  schedules: ScheduleStore;
  commands: CommandPublisher;
  models: Pick<ModelLifecycle, 'promote'>;
  logger: Logger;
}

/** Activities for the I/O task queue: network-bound, many may run at once. */
export function createIoActivities(deps: IoActivityDeps) {
  return {
    async ingestCarbonIntensity(args: { region: string; now: string }): Promise<IngestSummary> {
      return withFailureMapping(`ingest carbon intensity for ${args.region}`, async () => {
        const now = new Date(args.now);
        if (Number.isNaN(now.getTime())) throw new BadInputError(`now is not a time: ${args.now}`);
        const result = await deps.ingestor.ingest({ region: args.region, now });
        deps.logger.info('ingested carbon intensity', {
          region: args.region,
          source: result.source,
          points: result.pointsWritten,
        });
        return result;
      });
    },

    async listHomes(args: { region: string }): Promise<string[]> {
      return withFailureMapping(`list homes of ${args.region}`, () => deps.homes.listHomes(args.region));
    },

    /** One activity per batch of homes, so a forecast for thousands of homes adds no signal events to its history. */
    async notifyForecastsChanged(args: { homeIds: string[]; change: ForecastsChanged }): Promise<{ notified: number }> {
      return withFailureMapping(`notify ${args.homeIds.length} homes of new forecasts`, async () => ({
        notified: (await deps.notifier.forecastsChanged(args.homeIds, args.change)).length,
      }));
    },

    async publishSchedule(plan: PublishedPlan): Promise<void> {
      await withFailureMapping(`publish schedule of ${plan.homeId} v${plan.version}`, () =>
        deps.schedules.writePlan(plan),
      );
    },

    async dispatchCommand(command: DeviceCommand): Promise<DispatchResult> {
      return withFailureMapping(`dispatch ${command.idempotencyKey}`, async () => {
        const result = await deps.commands.publishOnce(command);
        deps.logger.info(result.published ? 'command published' : 'command already published', {
          idempotencyKey: command.idempotencyKey,
          topic: result.topic,
        });
        return result;
      });
    },

    async promoteChampion(args: { target: ModelTarget; modelVersion: string }): Promise<void> {
      await withFailureMapping(`promote ${args.target} model ${args.modelVersion}`, () => deps.models.promote(args));
      deps.logger.info('champion promoted', { ...args });
    },
  };
}
