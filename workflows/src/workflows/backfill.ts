import { ApplicationFailure, log, proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { BackfillInput, BackfillSummary } from '../types';
import { backfillActivity, defaultActivity, FAILURE_TYPES } from './profiles';

const { planIntensityBackfill } = proxyActivities<ReturnType<typeof createActivities>>(defaultActivity);
const { backfillIntensityChunk } = proxyActivities<ReturnType<typeof createActivities>>(backfillActivity);

/**
 * Backfills the actuals the served models read (the champion's lookback and band replay, at least 8 days) that are
 * missing from the store, one bounded chunk per activity, oldest first: each finished chunk is an event in the
 * history, so a crash resumes after the last one. Idempotent: writing a slot again overwrites it. A chunk no source
 * can answer is reported and left for the next run (its gap stays visible to the forecaster's input check).
 */
export async function backfillIntensityHistory(region: string, now: string): Promise<BackfillSummary> {
  const plan = await planIntensityBackfill({ region, now });
  const summary: BackfillSummary = {
    region,
    enabled: plan.enabled,
    from: plan.from,
    to: plan.to,
    missingSlotsBefore: plan.missingSlots,
    chunks: [],
    pointsWritten: 0,
    failedChunks: [],
  };
  for (const chunk of plan.chunks) {
    try {
      const r = await backfillIntensityChunk({ region, from: chunk.from, to: chunk.to, now });
      if (r.error !== undefined) summary.failedChunks.push({ ...chunk, error: r.error });
      else summary.chunks.push(r);
      summary.pointsWritten += r.pointsWritten;
    } catch (err) {
      // An ActivityFailure says only "Activity task failed"; its cause says why.
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
      summary.failedChunks.push({ ...chunk, error: cause instanceof Error ? cause.message : String(cause) });
    }
  }
  if (plan.chunks.length > 0) {
    log.info('carbon intensity backfilled', {
      region,
      missingSlotsBefore: plan.missingSlots,
      chunks: plan.chunks.length,
      pointsWritten: summary.pointsWritten,
      failedChunks: summary.failedChunks.length,
    });
  }
  return summary;
}

/** On demand (and from the ingest and forecast workflows): the history the served models need, backfilled. */
export async function backfillCarbonIntensityWorkflow(input: BackfillInput): Promise<BackfillSummary> {
  if (!input || typeof input.region !== 'string' || input.region.trim() === '') {
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.badInput,
      message: 'backfillCarbonIntensityWorkflow: region must be a non-empty string',
      nonRetryable: true,
    });
  }
  return backfillIntensityHistory(input.region, input.now ?? new Date().toISOString());
}
