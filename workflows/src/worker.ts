import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createJsonLogger, errorMessage, TASK_QUEUES, type Logger } from '@carbonreducer/common';
import { DEFAULT_REGISTRY_ROOT } from '@carbonreducer/models';
import { Client, Connection } from '@temporalio/client';
import {
  NativeConnection,
  Runtime,
  Worker,
  type WorkerOptions,
  type LogLevel as SdkLogLevel,
} from '@temporalio/worker';
import { createComputeActivities, createIoActivities, type ActivityDeps } from './activities';
import { connectMqtt } from './adapters/mqtt';
import { seedModelRegistry } from './adapters/registrySeed';
import { withStackDefaults } from '@carbonreducer/stack-env';
import { loadConfig, type WorkflowsConfig } from './config';
import { startDeviceEventBridge } from './deviceEventBridge';
import { ensureSchedules, scheduleDefinitions } from './schedules';
import { createActivityDeps } from './wiring';

/**
 * Written by `npm run build:bundle -w workflows`. Production sets WORKFLOW_BUNDLE to it; without WORKFLOW_BUNDLE the
 * worker bundles the workflows from source at start-up (development: never a stale bundle).
 */
export const PREBUILT_BUNDLE = join(__dirname, '..', 'dist', 'workflow-bundle.js');

/** Workers for the configured queues: workflows and I/O activities on `io`, training and solving on `compute`. */
export async function createWorkers(options: {
  connection: NativeConnection;
  config: WorkflowsConfig;
  deps: ActivityDeps;
  logger: Logger;
}): Promise<Worker[]> {
  const { connection, config, deps } = options;
  const base: Pick<WorkerOptions, 'connection' | 'namespace'> = { connection, namespace: config.temporal.namespace };
  const bundlePath = config.workflowBundlePath;
  if (bundlePath !== null && !existsSync(bundlePath)) {
    throw new Error(`WORKFLOW_BUNDLE=${bundlePath} does not exist: run npm run build:bundle -w workflows`);
  }
  const workflowSource: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> =
    bundlePath !== null
      ? { workflowBundle: { codePath: bundlePath } }
      : { workflowsPath: require.resolve('./workflows') };
  const workers: Worker[] = [];
  if (config.queues.includes('io')) {
    workers.push(
      await Worker.create({
        ...base,
        ...workflowSource,
        taskQueue: TASK_QUEUES.io,
        activities: createIoActivities(deps),
        maxConcurrentActivityTaskExecutions: 50,
      }),
    );
  }
  if (config.queues.includes('compute')) {
    workers.push(
      await Worker.create({
        ...base,
        taskQueue: TASK_QUEUES.compute,
        activities: createComputeActivities(deps),
        // CPU-bound: one or two at a time per process on a 2-core machine.
        maxConcurrentActivityTaskExecutions: 2,
        // Heartbeats carry the search's checkpoint: at most 5 s of trials are lost when a worker dies (the SDK's
        // default sends one every 0.8 × heartbeat timeout = 24 s).
        maxHeartbeatThrottleInterval: '5 seconds',
        defaultHeartbeatThrottleInterval: '5 seconds',
      }),
    );
  }
  options.logger.info('workers created', {
    queues: config.queues,
    bundle: 'workflowBundle' in workflowSource ? 'prebuilt' : 'bundled at start-up',
  });
  return workers;
}

/** Runs until SIGINT/SIGTERM; the SDK then drains in-flight tasks before the connections close. */
export async function run(env: NodeJS.ProcessEnv = withStackDefaults(process.env)): Promise<void> {
  const config = loadConfig(env);
  const logger = createJsonLogger({
    level: config.logLevel,
    fields: { service: 'workflows-worker', pid: process.pid },
  });
  Runtime.install({
    logger: {
      log: (level: SdkLogLevel, message: string, meta?: Record<string, unknown>) =>
        logger[level === 'ERROR' ? 'error' : level === 'WARN' ? 'warn' : level === 'INFO' ? 'info' : 'debug'](
          message,
          meta,
        ),
      trace: (m, meta) => logger.debug(m, meta),
      debug: (m, meta) => logger.debug(m, meta),
      info: (m, meta) => logger.info(m, meta),
      warn: (m, meta) => logger.warn(m, meta),
      error: (m, meta) => logger.error(m, meta),
    },
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    // The SDK's metrics and our activities' own (activities/fallbackMetric.ts), scraped from /metrics.
    ...(config.metricsAddress
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: config.metricsAddress } } } }
      : {}),
  });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const mqttDispatch = await connectMqtt(config.mqtt, { clientId: `carbonreducer-workflows-dispatch-${process.pid}` });
  let bridge: { close(): Promise<void> } | undefined;
  let clientConnection: Connection | undefined;
  let deps: Awaited<ReturnType<typeof createActivityDeps>> | undefined;
  try {
    await seedModelRegistry(DEFAULT_REGISTRY_ROOT, config.modelRegistryDir, logger.child({ component: 'registry' }));
    clientConnection = await Connection.connect({ address: config.temporal.address });
    const temporal = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
    deps = await createActivityDeps({ config, env, mqtt: mqttDispatch, temporal, logger });
    const workers = await createWorkers({ connection, config, deps, logger });
    if (config.ensureSchedules) {
      // Idempotent: a second start-up finds them and creates nothing.
      await ensureSchedules(temporal, scheduleDefinitions(config.region), logger.child({ component: 'schedules' }));
    }
    if (config.deviceBridge) {
      // Fixed client id and a persistent session: acks sent while no worker runs wait in the broker.
      const mqttBridge = await connectMqtt(config.mqtt, {
        clientId: `carbonreducer-workflows-bridge-${config.temporal.namespace}`,
        clean: false,
      });
      bridge = await startDeviceEventBridge({
        mqtt: mqttBridge,
        temporal,
        logger: logger.child({ component: 'bridge' }),
      });
    }
    logger.info('worker running', { address: config.temporal.address, namespace: config.temporal.namespace });
    await Promise.all(workers.map((w) => w.run()));
    logger.info('worker stopped');
  } finally {
    await bridge
      ?.close()
      .catch((err: unknown) => logger.warn('closing the device bridge failed', { error: errorMessage(err) }));
    await mqttDispatch.endAsync().catch(() => undefined);
    await deps?.close().catch(() => undefined);
    await clientConnection?.close().catch(() => undefined);
    await connection.close().catch(() => undefined);
  }
}

if (require.main === module) {
  run().catch((err: unknown) => {
    createJsonLogger().error('worker failed', { err: err instanceof Error ? err : new Error(errorMessage(err)) });
    process.exit(1);
  });
}
