import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TASK_QUEUES } from '@carbonreducer/common';
import type { createActivities } from '../activities';
import { executeWithoutSkipping, useTimeSkippingEnv, withWorkers } from '../testing/temporalTestEnv';
import type { IngestSummary } from '../types';
import { ingestCarbonIntensityWorkflow } from './ingestCarbonIntensity';

type Activities = ReturnType<typeof createActivities>;

jest.setTimeout(60_000);

const env = useTimeSkippingEnv('file', 60_000);

describe('ingestCarbonIntensityWorkflow', () => {
  it('retries a failing ingest and returns which source answered', async () => {
    const calls: { region: string; now: string }[] = [];
    const chunks: string[] = [];
    const activities: Pick<Activities, 'ingestCarbonIntensity' | 'planIntensityBackfill' | 'backfillIntensityChunk'> = {
      async planIntensityBackfill({ now }) {
        return {
          enabled: true,
          from: '2026-11-19T16:00:00.000Z',
          to: now,
          missingSlots: 192,
          chunks: [
            { from: '2026-11-19T16:00:00.000Z', to: '2026-11-21T16:00:00.000Z' },
            { from: '2026-11-21T16:00:00.000Z', to: '2026-11-23T16:00:00.000Z' },
          ],
        };
      },
      async backfillIntensityChunk({ from, to }) {
        chunks.push(from);
        // The second chunk's source is down: reported, the backfill goes on and the ingest still succeeds.
        if (chunks.length > 1) throw ApplicationFailure.nonRetryable('no carbon-intensity source answered', 'Source');
        return { from, to, source: 'file', pointsWritten: 96, rejected: { absurd: 1 } };
      },
      async ingestCarbonIntensity(args) {
        calls.push(args);
        if (calls.length < 3) throw new Error('ECONNRESET from the source API');
        return {
          region: args.region,
          source: 'electricitymaps',
          attempts: [
            { source: 'neso', ok: false, error: 'HTTP 503' },
            { source: 'electricitymaps', ok: true },
          ],
          pointsWritten: 2,
          from: '2026-11-27T16:00:00.000Z',
          to: '2026-11-27T16:30:00.000Z',
        } satisfies IngestSummary;
      },
    };
    const result = await withWorkers(env(), activities, () =>
      executeWithoutSkipping<IngestSummary>(() =>
        env().client.workflow.start(ingestCarbonIntensityWorkflow, {
          taskQueue: TASK_QUEUES.io,
          workflowId: `ingest-test-${Date.now()}`,
          args: [{ region: 'GB' }],
        }),
      ),
    );
    expect(calls).toHaveLength(3);
    expect(calls.every((c) => c.region === 'GB' && !Number.isNaN(Date.parse(c.now)))).toBe(true);
    expect(result.source).toBe('electricitymaps');
    expect(result.attempts.map((a) => a.ok)).toEqual([false, true]);
    // Then the history the models read is backfilled chunk by chunk (each chunk an activity: progress in history).
    expect(chunks).toEqual(['2026-11-19T16:00:00.000Z', '2026-11-21T16:00:00.000Z']);
    expect(result.backfill).toMatchObject({
      enabled: true,
      missingSlotsBefore: 192,
      pointsWritten: 96,
      chunks: [{ from: '2026-11-19T16:00:00.000Z', rejected: { absurd: 1 } }],
      failedChunks: [{ from: '2026-11-21T16:00:00.000Z' }],
    });
  });

  it('fails without retrying when the region is missing', async () => {
    let calls = 0;
    const activities: Pick<Activities, 'ingestCarbonIntensity'> = {
      async ingestCarbonIntensity() {
        calls++;
        throw ApplicationFailure.nonRetryable('unreachable');
      },
    };
    const run = withWorkers(env(), activities, () =>
      executeWithoutSkipping<IngestSummary>(() =>
        env().client.workflow.start(ingestCarbonIntensityWorkflow, {
          taskQueue: TASK_QUEUES.io,
          workflowId: `ingest-bad-${Date.now()}`,
          args: [{ region: '' }],
        }),
      ),
    );
    await expect(run).rejects.toBeInstanceOf(WorkflowFailedError);
    await run.catch((err: WorkflowFailedError) => {
      expect(err.cause).toBeInstanceOf(ApplicationFailure);
      expect((err.cause as ApplicationFailure).type).toBe('BadInput');
      expect(err.cause?.message).toMatch(/region must be a non-empty string/);
    });
    expect(calls).toBe(0);
  });
});
