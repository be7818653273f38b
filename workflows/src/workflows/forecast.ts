import {
  ApplicationFailure,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { ModelVersionKey, workflowIds } from '../ids';
import type { ForecastInput, ForecastResult, LoadForecastBatchResult } from '../types';
import { forecastsChangedSignal } from './definitions';
import { computeActivity, defaultActivity, FAILURE_TYPES } from './profiles';

type Activities = ReturnType<typeof createActivities>;
const { listHomes } = proxyActivities<Activities>(defaultActivity);
const { forecastIntensity, forecastHomeLoads } = proxyActivities<Activities>(computeActivity);

const HOUR_MS = 3600_000;

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

  const homeIds = await listHomes();
  const batches: string[][] = [];
  for (let i = 0; i < homeIds.length; i += batchSize) batches.push(homeIds.slice(i, i + batchSize));
  // Batches run in parallel; the compute workers' slots bound how many at once.
  const results: LoadForecastBatchResult[] = await Promise.all(
    batches.map((homeIdsOfBatch) => forecastHomeLoads({ homeIds: homeIdsOfBatch, issuedAt, horizonH })),
  );
  const homesForecast = results.flatMap((r) => r.homesForecast);
  const homesFailed = results.flatMap((r) => r.failed);

  // Homes without a running optimizer have nothing to re-plan: a failed signal is expected and only logged.
  const notified = await Promise.all(
    homeIds.map(async (homeId) => {
      try {
        await getExternalWorkflowHandle(workflowIds.optimizeHome(homeId)).signal(forecastsChangedSignal, {
          issuedAt,
          modelVersion: intensity.modelVersion,
        });
        return true;
      } catch {
        return false;
      }
    }),
  );
  const result: ForecastResult = {
    region: input.region,
    issuedAt,
    intensityModelVersion: intensity.modelVersion,
    loadModelVersion: results[0]?.modelVersion ?? null,
    homesForecast: homesForecast.length,
    homesFailed,
    homesNotified: notified.filter(Boolean).length,
  };
  log.info('forecasts written', { ...result, homesFailed: homesFailed.length });
  return result;
}
