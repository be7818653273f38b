import { createJsonLogger, TASK_QUEUES } from '@carbonreducer/common';
import type { createActivities } from '../activities';
import { TemporalHomeNotifier } from '../adapters/temporalNotifier';
import { executeWithoutSkipping, useTimeSkippingEnv, withWorkers } from '../testing/temporalTestEnv';
import { forecastWorkflow } from './forecast';
import { retrainModelsWorkflow } from './retrainModels';
import type { ForecastResult, RetrainResult } from '../types';

jest.setTimeout(120_000);
type Activities = ReturnType<typeof createActivities>;

const env = useTimeSkippingEnv('test');

describe('forecastWorkflow', () => {
  it('splits homes into batches of batchSize', async () => {
    const batches: string[][] = [];
    const notifyBatches: string[][] = [];
    const homes = Array.from({ length: 7 }, (_, i) => `h${i}`);
    const notifier = new TemporalHomeNotifier(env().client, createJsonLogger({ level: 'error' }));
    const order: string[] = [];
    const activities: Pick<
      Activities,
      | 'forecastIntensity'
      | 'listHomes'
      | 'forecastHomeLoads'
      | 'notifyForecastsChanged'
      | 'planIntensityBackfill'
      | 'backfillIntensityChunk'
    > = {
      async planIntensityBackfill({ now }) {
        order.push('plan-backfill');
        return { enabled: true, from: now, to: now, missingSlots: 2, chunks: [{ from: now, to: now }] };
      },
      async backfillIntensityChunk({ from, to }) {
        order.push('backfill');
        return { from, to, source: 'file', pointsWritten: 2, rejected: {} };
      },
      async forecastIntensity({ region, issuedAt }) {
        order.push('forecast');
        return {
          region,
          issuedAt,
          modelVersion: 'seasonal_naive',
          pointsWritten: 96,
          servedBy: 'seasonal_naive',
          fallbackReason: 'stale_history',
        };
      },
      async listHomes() {
        return homes;
      },
      async forecastHomeLoads({ homeIds, issuedAt }) {
        batches.push(homeIds);
        const failed = homeIds.includes('h5') ? [{ homeId: 'h5', error: 'no telemetry' }] : [];
        const homesForecast = homeIds.filter((h) => h !== 'h5');
        return {
          issuedAt,
          modelVersion: 'load-v3',
          homesForecast,
          failed,
          homesByServer: { flat: homesForecast.length },
        };
      },
      async notifyForecastsChanged({ homeIds, change }) {
        notifyBatches.push(homeIds);
        return { notified: (await notifier.forecastsChanged(homeIds, change)).length };
      },
    };
    // Start the homes' optimizers so the forecast's signals have somewhere to go.
    const result = await withWorkers(env(), activities, async () => {
      for (const h of homes) {
        await env().client.workflow.start('optimizeHomeWorkflow', {
          taskQueue: TASK_QUEUES.io,
          workflowId: `optimize-home/${h}`,
          args: [{ homeId: h, region: 'GB' }],
        });
      }
      return executeWithoutSkipping<ForecastResult>(() =>
        env().client.workflow.start(forecastWorkflow, {
          taskQueue: TASK_QUEUES.io,
          workflowId: 'forecast-batches',
          args: [{ region: 'GB', batchSize: 3 }],
        }),
      );
    });
    expect(batches.map((b) => b.length).sort()).toEqual([1, 3, 3]);
    expect(batches.flat().sort()).toEqual(homes);
    expect(result.homesForecast).toBe(6);
    expect(result.homesFailed).toEqual([{ homeId: 'h5', error: 'no telemetry' }]);
    expect(result.homesNotified).toBe(7);
    // One notification activity per batch, not one signal per home from the workflow.
    expect(notifyBatches.map((b) => b.length).sort()).toEqual([1, 3, 3]);
    const signalled = await env().client.workflow.getHandle('optimize-home/h2').fetchHistory();
    expect(
      signalled.events?.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'forecastsChanged'),
    ).toHaveLength(1);
    expect(result.loadModelVersion).toBe('load-v3');
    // History first, then the forecast; the result and the search attributes say who served it and why.
    expect(order).toEqual(['plan-backfill', 'backfill', 'forecast']);
    expect(result.backfill?.pointsWritten).toBe(2);
    expect(result).toMatchObject({
      intensityServedBy: 'seasonal_naive',
      intensityFallbackReason: 'stale_history',
      loadServedBy: { flat: 6 },
    });
    const described = await env().client.workflow.getHandle('forecast-batches').describe();
    expect(described.searchAttributes.ForecastServedBy).toEqual(['seasonal_naive']);
  });
});

describe('retrainModelsWorkflow', () => {
  function lifecycle(challengerScore: number) {
    const promoted: string[] = [];
    const activities: Pick<
      Activities,
      'searchHyperparameters' | 'trainAndRegisterModel' | 'backtestModels' | 'promoteChampion'
    > = {
      async searchHyperparameters({ target, trials }) {
        const all = Array.from({ length: trials }, (_, i) => ({
          trial: i,
          params: { depth: i },
          validationMae: 10 - i,
        }));
        return { target, trials: all, best: all.at(-1)! };
      },
      async trainAndRegisterModel({ target, params }) {
        return { target, modelVersion: `${target}-depth${params.depth}` };
      },
      async backtestModels({ target, challengerVersion }) {
        return {
          target,
          challengerVersion,
          challengerScore,
          championVersion: `${target}-old`,
          championScore: 20,
          windows: 12,
        };
      },
      async promoteChampion({ modelVersion }) {
        promoted.push(modelVersion);
      },
    };
    return { activities, promoted };
  }

  it('promotes a challenger that beats the champion by the margin', async () => {
    const { activities, promoted } = lifecycle(15);
    const result = await withWorkers(env(), activities, () =>
      executeWithoutSkipping<RetrainResult>(() =>
        env().client.workflow.start(retrainModelsWorkflow, {
          taskQueue: TASK_QUEUES.io,
          workflowId: 'retrain-promote',
          args: [{ target: 'intensity', trials: 4 }],
        }),
      ),
    );
    expect(result.challengerVersion).toBe('intensity-depth3');
    expect(result.decision.promote).toBe(true);
    expect(promoted).toEqual(['intensity-depth3']);
    expect(result.activeVersion).toBe('intensity-depth3');
  });

  it('keeps the champion when the challenger is not better enough', async () => {
    const { activities, promoted } = lifecycle(19.9);
    const result = await withWorkers(env(), activities, () =>
      executeWithoutSkipping<RetrainResult>(() =>
        env().client.workflow.start(retrainModelsWorkflow, {
          taskQueue: TASK_QUEUES.io,
          workflowId: 'retrain-keep',
          args: [{ target: 'load', trials: 2, minImprovement: 0.05 }],
        }),
      ),
    );
    expect(result.decision.promote).toBe(false);
    expect(promoted).toEqual([]);
    expect(result.activeVersion).toBe('load-old');
  });
});
