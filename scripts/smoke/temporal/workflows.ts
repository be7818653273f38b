// Workflows of the Temporal smoke tests. Runs in the deterministic workflow sandbox: no I/O here.
import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { SmokeActivities } from './activities';

const { describeHome } = proxyActivities<SmokeActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

/** One activity round trip: proves worker, task queue, namespace and search attributes work together. */
export async function smokeRoundTrip(homeId: string): Promise<{ description: string; namespace: string }> {
  const description = await describeHome(homeId);
  return { description, namespace: workflowInfo().namespace };
}

/** Sleeps one day of workflow time; on the time-skipping server this takes seconds of wall time. */
export async function sleepOneDay(): Promise<{ sleptMs: number }> {
  const startedMs = Date.now();
  await sleep('1 day');
  return { sleptMs: Date.now() - startedMs };
}
