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
import { ModelVersionKey, workflowIds } from '../ids';
import type { ForecastInput, ForecastResult, LoadForecastBatchResult } from '../types';
import { forecastsChangedSignal } from './definitions';
import { computeActivity, defaultActivity, FAILURE_TYPES } from './profiles';

type Activities = ReturnType<typeof createActivities>;
const { listHomes, notifyForecastsChanged } = proxyActivities<Activities>(defaultActivity);
const { forecastIntensity, forecastHomeLoads } = proxyActivities<Activities>(computeActivity);

/** Patch id: homes are notified by activities instead of workflow signals. */
const NOTIFY_BY_ACTIVITY = 'notify-homes-by-activity';

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

  const intensity = await forecastIntensity({ region: input.region, issuedAt, horizonH });
  upsertSearchAttributes([{ key: ModelVersionKey, value: intensity.modelVersion }]);

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
  log.info('forecasts written', { ...result, homesFailed: homesFailed.length });
  return result;
}
