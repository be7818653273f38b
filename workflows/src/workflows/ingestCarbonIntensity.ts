import { ApplicationFailure, log, proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { IngestCarbonIntensityInput, IngestSummary } from '../types';
import { defaultActivity, FAILURE_TYPES } from './profiles';

const { ingestCarbonIntensity } = proxyActivities<ReturnType<typeof createActivities>>(defaultActivity);

/** Every 30 min (schedule): fetch the latest intensity from the configured source chain and write it to InfluxDB. */
export async function ingestCarbonIntensityWorkflow(input: IngestCarbonIntensityInput): Promise<IngestSummary> {
  if (!input || typeof input.region !== 'string' || input.region.trim() === '') {
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.badInput,
      message: 'ingestCarbonIntensityWorkflow: region must be a non-empty string',
      nonRetryable: true,
    });
  }
  // Workflow time is deterministic: the same on replay.
  const result = await ingestCarbonIntensity({ region: input.region, now: new Date().toISOString() });
  log.info('carbon intensity ingested', {
    region: result.region,
    source: result.source,
    pointsWritten: result.pointsWritten,
    failedSources: result.attempts.filter((a) => !a.ok).map((a) => a.source),
  });
  return result;
}
