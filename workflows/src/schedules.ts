import { createJsonLogger, errorMessage, TASK_QUEUES, type Logger } from '@carbonreducer/common';
import {
  Client,
  Connection,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type ScheduleOptions,
} from '@temporalio/client';
import { withStackDefaults } from '@carbonreducer/stack-env';
import { loadConfig } from './config';
import { scheduleIds, workflowIds } from './ids';
import type { ModelTarget } from './types';

/** The schedules of the service: ingest every 30 min, forecast and score hourly, retrain weekly (per model target). */
export function scheduleDefinitions(region: string): ScheduleOptions[] {
  const retrain = (target: ModelTarget, hour: number): ScheduleOptions => ({
    scheduleId: scheduleIds.retrain(target),
    spec: { calendars: [{ dayOfWeek: 'SUNDAY', hour, minute: 0 }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'retrainModelsWorkflow',
      workflowId: workflowIds.retrain(target),
      taskQueue: TASK_QUEUES.io,
      args: [{ target, reason: 'schedule' }],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    memo: { description: `Weekly retrain of the ${target} model with champion/challenger promotion` },
  });
  return [
    {
      scheduleId: scheduleIds.ingest(region),
      spec: { intervals: [{ every: '30 minutes', offset: '1 minute' }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'ingestCarbonIntensityWorkflow',
        workflowId: workflowIds.ingest(region),
        taskQueue: TASK_QUEUES.io,
        args: [{ region }],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      memo: { description: `Carbon intensity of ${region} from the source chain, every 30 minutes` },
    },
    {
      scheduleId: scheduleIds.forecast(region),
      spec: { intervals: [{ every: '1 hour', offset: '5 minutes' }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'forecastWorkflow',
        workflowId: workflowIds.forecast(region),
        taskQueue: TASK_QUEUES.io,
        args: [{ region }],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      memo: { description: `48 h intensity forecast of ${region} and load forecasts of every home, hourly` },
    },
    {
      scheduleId: scheduleIds.scoreForecasts(region),
      spec: { intervals: [{ every: '1 hour', offset: '10 minutes' }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'scoreForecastsWorkflow',
        workflowId: workflowIds.scoreForecasts(region),
        taskQueue: TASK_QUEUES.io,
        args: [{ region }],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      memo: { description: `Live accuracy of the ${region} intensity forecasts (MAE, coverage per horizon), hourly` },
    },
    {
      scheduleId: scheduleIds.verifySavings(region),
      spec: { intervals: [{ every: '1 hour', offset: '15 minutes' }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'verifySavingsWorkflow',
        workflowId: workflowIds.verifySavings(region),
        taskQueue: TASK_QUEUES.io,
        args: [{ region }],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      memo: { description: `Verified avoided emissions of the finished runs of ${region}'s homes, hourly` },
    },
    retrain('intensity', 2),
    retrain('load', 3),
  ];
}

/**
 * Creates the schedules that do not exist yet and leaves existing ones alone, so running it on every start-up
 * creates nothing twice. Returns what it did per schedule.
 */
export async function ensureSchedules(
  client: Client,
  definitions: ScheduleOptions[],
  logger: Logger,
): Promise<{ scheduleId: string; action: 'created' | 'exists' }[]> {
  const results: { scheduleId: string; action: 'created' | 'exists' }[] = [];
  for (const definition of definitions) {
    const handle = client.schedule.getHandle(definition.scheduleId);
    let exists = true;
    try {
      await handle.describe();
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      exists = false;
    }
    if (!exists) {
      try {
        await client.schedule.create(definition);
      } catch (err) {
        // Another process created it between describe and create.
        if (!(err instanceof ScheduleAlreadyRunning)) throw err;
        exists = true;
      }
    }
    results.push({ scheduleId: definition.scheduleId, action: exists ? 'exists' : 'created' });
    logger.info(exists ? 'schedule exists' : 'schedule created', { scheduleId: definition.scheduleId });
  }
  return results;
}

async function main(): Promise<void> {
  const config = loadConfig(withStackDefaults(process.env));
  const logger = createJsonLogger({ level: config.logLevel, fields: { service: 'workflows-schedules' } });
  const connection = await Connection.connect({ address: config.temporal.address });
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const results = await ensureSchedules(client, scheduleDefinitions(config.region), logger);
    process.stdout.write(JSON.stringify(results) + '\n');
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    createJsonLogger().error('creating schedules failed', { error: errorMessage(err) });
    process.exit(1);
  });
}
