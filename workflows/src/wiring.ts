import type { Logger } from '@carbonreducer/common';
import { createHighsSolver } from '@carbonreducer/optimizer';
import type { Client } from '@temporalio/client';
import type { MqttClient } from 'mqtt';
import type { ActivityDeps } from './activities';
import { createChampionIntensityForecaster, createChampionLoadForecaster } from './adapters/forecasting';
import { PostgresHomeRegistry } from './adapters/homes';
import { TemporalHomeNotifier } from './adapters/temporalNotifier';
import { InfluxVerificationStore, TemporalPlanReader } from './adapters/verification';
import { InfluxAccuracyStore, InfluxForecastStore, InfluxScheduleStore } from './adapters/influx';
import { createIntensityIngestor } from './adapters/intensity';
import { createThreadedModelLifecycle } from './adapters/modelThread';
import { MqttCommandPublisher } from './adapters/mqtt';
import { createOptimizerPlanner } from './adapters/optimizerPlanner';
import type { WorkflowsConfig } from './config';
import type { ModelLifecycle } from './ports';

/** Only string values: the environment is cloned into the model threads. */
function plainEnv(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** Real dependencies of every activity, from the validated config. */
export async function createActivityDeps(options: {
  config: WorkflowsConfig;
  env: Record<string, string | undefined>;
  mqtt: MqttClient;
  /** Client of the worker's namespace; activities signal homes' optimizers through it. */
  temporal: Client;
  logger: Logger;
  models?: ModelLifecycle;
}): Promise<ActivityDeps & { close(): Promise<void> }> {
  const { config, logger } = options;
  const solver = await createHighsSolver();
  const homes = new PostgresHomeRegistry({ connectionString: config.postgresUrl });
  const registryRoot = config.modelRegistryDir;
  const intensityForecaster = createChampionIntensityForecaster(config.influx, registryRoot);
  return {
    ingestor: await createIntensityIngestor({
      // One vocabulary: the ingestor reads the same INFLUX_* settings the worker validated.
      env: { INTENSITY_REGION: config.region, ...options.env },
      logger: logger.child({ component: 'intensity' }),
    }),
    homes,
    homeRecords: homes,
    notifier: new TemporalHomeNotifier(options.temporal, logger.child({ component: 'notify' })),
    schedules: new InfluxScheduleStore(config.influx),
    commands: new MqttCommandPublisher(options.mqtt, logger.child({ component: 'dispatch' })),
    forecasts: new InfluxForecastStore(config.influx),
    intensityForecaster,
    accuracy: new InfluxAccuracyStore(config.influx),
    plans: new TemporalPlanReader(options.temporal),
    verification: new InfluxVerificationStore(config.influx),
    loadForecaster: createChampionLoadForecaster(config.influx, registryRoot),
    planner: createOptimizerPlanner({ solver, slotMin: config.planSlotMin }),
    models:
      options.models ??
      createThreadedModelLifecycle({
        searchBudgetMs: config.modelSearchBudgetMs,
        env: plainEnv(options.env),
        registryRoot,
      }),
    logger,
    close: () => homes.close(),
  };
}
