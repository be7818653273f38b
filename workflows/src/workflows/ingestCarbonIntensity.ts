import { ApplicationFailure, log, patched, proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { IngestCarbonIntensityInput, IngestSummary } from '../types';
import { backfillIntensityHistory } from './backfill';
import { defaultActivity, FAILURE_TYPES } from './profiles';

const { ingestCarbonIntensity } = proxyActivities<ReturnType<typeof createActivities>>(defaultActivity);

/** Patch id: after the ingest, the actuals the served models read are backfilled where missing. */
export const BACKFILL_AFTER_INGEST = 'backfill-after-ingest';

/**
 * Every 30 min (schedule): fetch the latest intensity from the configured source chain and write it to InfluxDB;
 * then backfill whatever the served models' history lacks (first start, an outage, a new region).
 */
export async function ingestCarbonIntensityWorkflow(input: IngestCarbonIntensityInput): Promise<IngestSummary> {
  if (!input || typeof input.region !== 'string' || input.region.trim() === '') {
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.badInput,
      message: 'ingestCarbonIntensityWorkflow: region must be a non-empty string',
      nonRetryable: true,
    });
  }
  // Workflow time is deterministic: the same on replay. `now` drives a replayed file source in tests.
  const now = input.now ?? new Date().toISOString();
  let result = await ingestCarbonIntensity({ region: input.region, now });
  if (patched(BACKFILL_AFTER_INGEST)) {
    result = { ...result, backfill: await backfillIntensityHistory(input.region, now) };
  }
  log.info('carbon intensity ingested', {
    region: result.region,
    source: result.source,
    pointsWritten: result.pointsWritten,
    failedSources: result.attempts.filter((a) => !a.ok).map((a) => a.source),
  });
  return result;
}
