import { DAY_MS, type Logger } from '@carbonreducer/common';
import { chunkRanges } from '@carbonreducer/intensity';
import type {
  AccuracyStore,
  CommandPublisher,
  HomeDirectory,
  HomeNotifier,
  IntensityForecastProvider,
  IntensityIngestor,
  PlanReader,
  VerificationStore,
  ModelLifecycle,
  ScheduleStore,
} from '../ports';
import { scoreForecasts, type ScoringWindow } from '../domain/accuracy';
import { verifyRun } from '../domain/verify';
import type {
  AccuracyScore,
  BackfillChunkResult,
  BackfillPlan,
  DeviceCommand,
  RunVerification,
  DispatchResult,
  ForecastsChanged,
  PublishedPlan,
  IngestSummary,
  ModelTarget,
} from '../types';
import { withFailureMapping } from './failures';
import { BadInputError } from '../errors';

/** The backfill reaches at least this far back whatever the champion reads (the floor), and at most 35 days. */
export const MIN_BACKFILL_MS = 8 * DAY_MS;
export const MAX_BACKFILL_MS = 35 * DAY_MS;

export interface IoActivityDeps {
  ingestor: IntensityIngestor;
  /** The champion's feature windows: how far back the backfill must reach. */
  intensityForecaster: Pick<IntensityForecastProvider, 'historyNeeds'>;
  /** Stored forecasts and actuals for the live scoring, and where the scores go. */
  accuracy: AccuracyStore;
  /** Plans (optimizer queries), device telemetry and actual intensity for verifying finished runs. */
  plans: PlanReader;
  verification: VerificationStore;
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

    /**
     * Which chunks of the history the served models read are missing from the store: the champion's lookback and band
     * replay (at least 8 days, at most 35), on the half-hour grid, split into INTENSITY_BACKFILL_CHUNK_H chunks.
     */
    async planIntensityBackfill(args: { region: string; now: string }): Promise<BackfillPlan> {
      return withFailureMapping(`plan the intensity backfill of ${args.region}`, async () => {
        const now = new Date(args.now);
        if (Number.isNaN(now.getTime())) throw new BadInputError(`now is not a time: ${args.now}`);
        const needs = await deps.intensityForecaster.historyNeeds();
        const reachMs = Math.min(MAX_BACKFILL_MS, Math.max(MIN_BACKFILL_MS, needs.bandsMs));
        const toMs = Math.floor(now.getTime() / needs.stepMs) * needs.stepMs;
        const from = new Date(toMs - reachMs);
        const to = new Date(toMs);
        const base = { from: from.toISOString(), to: to.toISOString() };
        if (!deps.ingestor.backfill.enabled) return { enabled: false, ...base, missingSlots: 0, chunks: [] };
        const missing = await deps.ingestor.missingActuals({ region: args.region, from, to });
        const missingSlots = missing.reduce((n, r) => n + (r.toMs - r.fromMs) / needs.stepMs, 0);
        const chunks = chunkRanges(missing, deps.ingestor.backfill.chunkMs).map((c) => ({
          from: new Date(c.fromMs).toISOString(),
          to: new Date(c.toMs).toISOString(),
        }));
        return { enabled: true, ...base, missingSlots, chunks };
      });
    },

    async backfillIntensityChunk(args: {
      region: string;
      from: string;
      to: string;
      now: string;
    }): Promise<BackfillChunkResult> {
      return withFailureMapping(`backfill intensity of ${args.region} ${args.from}..${args.to}`, async () => {
        const r = await deps.ingestor.backfillChunk({
          region: args.region,
          from: new Date(args.from),
          to: new Date(args.to),
          now: new Date(args.now),
        });
        deps.logger.info('intensity backfilled', { region: args.region, ...r });
        return r;
      });
    },

    /** Scores the forecasts issued up to 48 h before each arrived actual, per horizon and served model, and stores it. */
    async scoreIntensityForecasts(args: { region: string; now: string }): Promise<AccuracyScore[]> {
      return withFailureMapping(`score the intensity forecasts of ${args.region}`, async () => {
        const nowMs = Date.parse(args.now);
        if (!Number.isFinite(nowMs)) throw new BadInputError(`now is not a time: ${args.now}`);
        const windows: ScoringWindow[] = [
          { label: '24h', ms: DAY_MS },
          { label: '7d', ms: 7 * DAY_MS },
        ];
        const longest = Math.max(...windows.map((w) => w.ms));
        const data = await deps.accuracy.scoringData({ region: args.region, fromMs: nowMs - longest, toMs: nowMs });
        const scores = scoreForecasts({ ...data, nowMs, windows });
        await deps.accuracy.writeScores({ region: args.region, nowMs, scores });
        return scores;
      });
    },

    /**
     * The runs of the home's plan that ended at least 30 min before `now`: each checked against the start command's
     * ack and the device's telemetry, its realised and counterfactual emissions computed with actual intensity; the
     * verified ones written to `verified_run` / `verified_home_day`.
     */
    async verifyHomeRuns(args: { homeId: string; region: string; now: string }): Promise<RunVerification[]> {
      return withFailureMapping(`verify the runs of ${args.homeId}`, async () => {
        const nowMs = Date.parse(args.now);
        if (!Number.isFinite(nowMs)) throw new BadInputError(`now is not a time: ${args.now}`);
        const view = await deps.plans.currentPlan(args.homeId);
        const plan = view?.plan;
        if (!view || !plan) return [];
        const out: RunVerification[] = [];
        const records = [];
        for (const run of plan.runs) {
          const endMs = Date.parse(run.endAt);
          if (endMs + 30 * 60_000 > nowMs) continue;
          const startMs = Date.parse(run.startAt);
          const start = view.commands.find((c) => c.requestId === run.requestId && c.action === 'start');
          const request = view.requests.find((r) => r.request.requestId === run.requestId)?.request;
          const earliestStartMs = Date.parse(request?.earliestStart ?? plan.plannedAt);
          const fromMs = Math.min(startMs, earliestStartMs) - 30 * 60_000;
          const toMs = endMs + 2 * 3_600_000;
          const [telemetry, actualIntensity] = await Promise.all([
            deps.verification.devicePower({ homeId: args.homeId, deviceId: run.deviceId, fromMs, toMs }),
            deps.verification.actualIntensity({
              region: args.region,
              fromMs,
              toMs: toMs + (startMs - earliestStartMs),
            }),
          ]);
          const r = verifyRun({
            plannedStartMs: startMs,
            earliestStartMs,
            plannedEnergyWh: run.energyWh,
            startAcked: start?.status === 'acked',
            telemetry,
            actualIntensity,
          });
          const base = {
            homeId: args.homeId,
            requestId: run.requestId,
            deviceId: run.deviceId,
            expectedAvoidedG: run.avoidedEmissionsG,
          };
          if (!r.verified) {
            out.push({ ...base, status: r.reason });
            continue;
          }
          out.push({
            ...base,
            status: 'verified',
            realisedG: r.realisedG,
            counterfactualG: r.counterfactualG,
            avoidedG: r.avoidedG,
          });
          records.push({
            ...base,
            startedAt: new Date(r.startedAtMs).toISOString(),
            energyWh: r.energyWh,
            realisedG: r.realisedG,
            counterfactualG: r.counterfactualG,
            avoidedG: r.avoidedG,
          });
        }
        if (records.length > 0) await deps.verification.writeVerified(records);
        // After the write: the plan view shows what InfluxDB holds. From here, not from the workflow, as with new
        // forecasts (forecast.ts): a signal per home from the workflow would add two history events each.
        if (out.length > 0) await deps.notifier.runsVerified(args.homeId, out);
        return out;
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
