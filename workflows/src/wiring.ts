import type { Logger } from '@carbonreducer/common';
import { createHighsSolver } from '@carbonreducer/optimizer';
import type { MqttClient } from 'mqtt';
import type { ActivityDeps } from './activities';
import { createChampionIntensityForecaster, createChampionLoadForecaster } from './adapters/forecasting';
import { InfluxForecastStore, InfluxHomeDirectory, InfluxScheduleStore } from './adapters/influx';
import { createIntensityIngestor } from './adapters/intensity';
import { createModelLifecycle } from './adapters/modelLifecycle';
import { MqttCommandPublisher } from './adapters/mqtt';
import { createOptimizerPlanner } from './adapters/optimizerPlanner';
import type { WorkflowsConfig } from './config';
import type { HomeDirectory, ModelLifecycle } from './ports';

/** Homes seen in telemetry, plus those configured (HOMES) so a fresh stack has something to forecast. */
function homesWithExtras(inner: HomeDirectory, extra: string[]): HomeDirectory {
  return {
    async listHomes() {
      return [...new Set([...(await inner.listHomes()), ...extra])].sort();
    },
  };
}

/** Real dependencies of every activity, from the validated config. */
export async function createActivityDeps(options: {
  config: WorkflowsConfig;
  env: Record<string, string | undefined>;
  mqtt: MqttClient;
  logger: Logger;
  models?: ModelLifecycle;
}): Promise<ActivityDeps> {
  const { config, logger } = options;
  const solver = await createHighsSolver();
  return {
    ingestor: await createIntensityIngestor({
      env: {
        INFLUX_URL: config.influx.url,
        INFLUX_TOKEN: config.influx.token,
        INFLUX_ORG: config.influx.org,
        INTENSITY_REGION: config.region,
        ...options.env,
      },
      logger: logger.child({ component: 'intensity' }),
    }),
    homes: homesWithExtras(new InfluxHomeDirectory(config.influx), config.extraHomes),
    schedules: new InfluxScheduleStore(config.influx),
    commands: new MqttCommandPublisher(options.mqtt, logger.child({ component: 'dispatch' })),
    forecasts: new InfluxForecastStore(config.influx),
    intensityForecaster: createChampionIntensityForecaster(config.influx),
    loadForecaster: createChampionLoadForecaster(config.influx),
    planner: createOptimizerPlanner({ solver, slotMin: config.planSlotMin }),
    models: options.models ?? createModelLifecycle({ searchBudgetMs: config.modelSearchBudgetMs, env: options.env }),
    logger,
  };
}
