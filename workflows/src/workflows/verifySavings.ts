import { ApplicationFailure, log, proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { RunVerification, VerifySavingsInput, VerifySavingsResult } from '../types';
import { defaultActivity, FAILURE_TYPES } from './profiles';

const { listHomes, verifyHomeRuns } = proxyActivities<ReturnType<typeof createActivities>>(defaultActivity);

/**
 * Hourly (schedule): every home's finished runs checked against acks and device telemetry, with realised vs
 * counterfactual emissions at actual intensity written per run and per home and day. A home that fails is reported
 * in the log and the others still verified.
 */
export async function verifySavingsWorkflow(input: VerifySavingsInput): Promise<VerifySavingsResult> {
  if (!input || typeof input.region !== 'string' || input.region.trim() === '') {
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.badInput,
      message: 'verifySavingsWorkflow: region must be a non-empty string',
      nonRetryable: true,
    });
  }
  const now = input.now ?? new Date().toISOString();
  const homes = await listHomes({ region: input.region });
  const runs: RunVerification[] = [];
  for (let i = 0; i < homes.length; i += 20) {
    const batch = homes.slice(i, i + 20);
    const results = await Promise.all(
      batch.map((homeId) =>
        verifyHomeRuns({ homeId, region: input.region, now }).catch((err: unknown) => {
          log.warn('verifying a home failed', { homeId, error: err instanceof Error ? err.message : String(err) });
          return [] as RunVerification[];
        }),
      ),
    );
    runs.push(...results.flat());
  }
  const verified = runs.filter((r) => r.status === 'verified');
  const result: VerifySavingsResult = {
    region: input.region,
    homes: homes.length,
    runs,
    verifiedAvoidedG: verified.reduce((g, r) => g + (r.avoidedG ?? 0), 0),
    expectedAvoidedG: verified.reduce((g, r) => g + r.expectedAvoidedG, 0),
  };
  log.info('savings verified', { ...result, runs: runs.length, verified: verified.length });
  return result;
}
