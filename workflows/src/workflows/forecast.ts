import { HOUR_MS } from '@carbonreducer/common';
import {
  ApplicationFailure,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { ForecastServedByKey, ModelVersionKey, workflowIds } from '../ids';
import type { BackfillSummary, ForecastInput, ForecastResult, LoadForecastBatchResult, ServedBy } from '../types';
import { backfillIntensityHistory } from './backfill';
import { forecastsChangedSignal } from './definitions';
import { computeActivity, defaultActivity, FAILURE_TYPES } from './profiles';

type Activities = ReturnType<typeof createActivities>;
const { listHomes, notifyForecastsChanged } = proxyActivities<Activities>(defaultActivity);
const { forecastIntensity, forecastHomeLoads } = proxyActivities<Activities>(computeActivity);

/** Patch id: homes are notified by activities instead of workflow signals. */
const NOTIFY_BY_ACTIVITY = 'notify-homes-by-activity';
/** Patch id: the history is backfilled before forecasting, and the result says who served the forecast. */
export const HISTORY_BEFORE_FORECAST = 'history-before-forecast';

/**
 * Hourly (schedule): the region's 48 h intensity forecast, then every home's load forecast in batches, all written to
 * the forecasts bucket with model version and issue time; then each home's optimizer is told to re-plan.
 */
export async function forecastWorkflow(input: ForecastInput): Promise<ForecastResult> {
  const horizonH = input.horizonH ?? 48;
  const batchSize = input.batchSize ?? 50;
  if (!input.region || !Number.isInteger(horizonH) || horizonH < 1 || horizonH > 168) {
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.badInput,
      message: `forecastWorkflow: region must be set and horizonH an integer in 1..168 (got region=${input.region}, horizonH=${horizonH})`,
      nonRetryable: true,
    });
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.badInput,
      message: `forecastWorkflow: batchSize must be a positive integer, got ${batchSize}`,
      nonRetryable: true,
    });
  }
  const issuedAt = input.issuedAt ?? new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS).toISOString();

  // The champion's inputs first: on a first start or after a gap, forecasting from 24 h of actuals would serve a
  // model whose features reach a week back with a third of them missing.
  const withHistory = patched(HISTORY_BEFORE_FORECAST);
  let backfill: BackfillSummary | undefined;
  if (withHistory) backfill = await backfillIntensityHistory(input.region, issuedAt);
  const intensity = await forecastIntensity({ region: input.region, issuedAt, horizonH });
  upsertSearchAttributes([{ key: ModelVersionKey, value: intensity.modelVersion }]);
  if (withHistory) {
    upsertSearchAttributes([{ key: ForecastServedByKey, value: intensity.servedBy ?? 'champion' }]);
  }

  const homeIds = await listHomes({ region: input.region });
  const batches: string[][] = [];
  for (let i = 0; i < homeIds.length; i += batchSize) batches.push(homeIds.slice(i, i + batchSize));
  // Batches run in parallel; the compute workers' slots bound how many at once.
  const results: LoadForecastBatchResult[] = await Promise.all(
    batches.map((homeIdsOfBatch) => forecastHomeLoads({ homeIds: homeIdsOfBatch, issuedAt, horizonH })),
  );
  const homesForecast = results.flatMap((r) => r.homesForecast);
  const homesFailed = results.flatMap((r) => r.failed);

  const change = { issuedAt, modelVersion: intensity.modelVersion };
  let homesNotified: number;
  if (patched(NOTIFY_BY_ACTIVITY)) {
    // Signals sent from activities, one per batch: the history stays a few events per batch whatever the number of
    // homes (signalling from here hit Temporal's 2,000 pending external signals per workflow, and two events each).
    const notified = await Promise.all(
      batches.map((homeIdsOfBatch) => notifyForecastsChanged({ homeIds: homeIdsOfBatch, change })),
    );
    homesNotified = notified.reduce((sum, n) => sum + n.notified, 0);
  } else {
    // Histories recorded before the patch signal each home from the workflow; kept so they still replay.
    const notified = await Promise.all(
      homeIds.map(async (homeId) => {
        try {
          await getExternalWorkflowHandle(workflowIds.optimizeHome(homeId)).signal(forecastsChangedSignal, change);
          return true;
        } catch {
          return false;
        }
      }),
    );
    homesNotified = notified.filter(Boolean).length;
  }
  const result: ForecastResult = {
    region: input.region,
    issuedAt,
    intensityModelVersion: intensity.modelVersion,
    loadModelVersion: results[0]?.modelVersion ?? null,
    homesForecast: homesForecast.length,
    homesFailed,
    homesNotified,
  };
  if (withHistory) {
    const loadServedBy: Partial<Record<ServedBy, number>> = {};
    for (const r of results) {
      for (const [k, n] of Object.entries(r.homesByServer ?? {}) as [ServedBy, number][]) {
        loadServedBy[k] = (loadServedBy[k] ?? 0) + n;
      }
    }
    Object.assign(result, {
      ...(backfill ? { backfill } : {}),
      intensityServedBy: intensity.servedBy ?? 'champion',
      intensityFallbackReason: intensity.fallbackReason ?? 'none',
      loadServedBy,
    });
  }
  log.info('forecasts written', {
    ...result,
    homesFailed: homesFailed.length,
    backfill: backfill && { chunks: backfill.chunks.length, pointsWritten: backfill.pointsWritten },
  });
  return result;
}
