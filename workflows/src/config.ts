import { resolve } from 'node:path';
import { TEMPORAL_NAMESPACE, type LogLevel } from '@carbonreducer/common';
import { INFLUX_ORG } from '@carbonreducer/influx';

/** `<repo>/.stack/models/registry`: the running system's registry, outside the committed `models/registry`. */
export const DEFAULT_MODEL_REGISTRY_DIR = resolve(__dirname, '..', '..', '.stack', 'models', 'registry');

/** Everything the worker, the schedules CLI and the client read from the environment, validated once. */
export interface WorkflowsConfig {
  temporal: { address: string; namespace: string };
  influx: { url: string; token: string; org: string };
  mqtt: { url: string; username: string; password: string };
  /** PostgreSQL with the homes registry (env POSTGRES_URL). */
  postgresUrl: string;
  /**
   * Model registry the forecasters read and retraining writes (env MODEL_REGISTRY_DIR). Seeded from the shipped
   * `models/registry` champions on first start, so retraining in a running system never edits the repository.
   */
  modelRegistryDir: string;
  /** Grid region the schedules ingest and forecast (env REGION, default GB). */
  region: string;
  /** Which task queues this process serves (env WORKER_QUEUES: `io`, `compute` or `io,compute`). */
  queues: ('io' | 'compute')[];
  /** Relay device acks and manual starts from MQTT (env DEVICE_BRIDGE, default on when serving `io`). */
  deviceBridge: boolean;
  /** Create the Temporal schedules at start-up if missing (env ENSURE_SCHEDULES, default on when serving `io`). */
  ensureSchedules: boolean;
  /** Prebuilt workflow bundle (env WORKFLOW_BUNDLE), or null to bundle from source at start-up. */
  workflowBundlePath: string | null;
  /** Slot length of plans (env PLAN_SLOT_MIN: 15, 30 or 60). */
  planSlotMin: 15 | 30 | 60;
  /** Wall-clock budget of one retrain's hyperparameter search, ms (env MODEL_SEARCH_SECONDS, default 20). */
  modelSearchBudgetMs: number;
  logLevel: LogLevel;
  /**
   * host:port of the worker's Prometheus endpoint (`/metrics`) for the Temporal SDK's metrics and ours (e.g.
   * carbonreducer_forecast_fallbacks), env WORKER_METRICS_ADDRESS; null (default): no endpoint.
   */
  metricsAddress: string | null;
}

type Env = Record<string, string | undefined>;

/** Reads and checks the environment; the error lists every missing or bad variable and how to get it. */
export function loadConfig(env: Env = process.env): WorkflowsConfig {
  const problems: string[] = [];
  const required = (key: string, hint: string): string => {
    const value = env[key];
    if (value === undefined || value === '') {
      problems.push(`${key} is not set (${hint})`);
      return '';
    }
    return value;
  };
  const fromStack = 'run `bash scripts/stack up` (its settings are found from the checkout) or see `scripts/stack env`';
  const influxPort = env.INFLUXDB_PORT ?? '8086';
  const mqttPort = env.MQTT_PORT ?? '1883';
  const queues = (env.WORKER_QUEUES ?? 'io,compute')
    .split(',')
    .map((q) => q.trim())
    .filter(Boolean);
  for (const q of queues)
    if (q !== 'io' && q !== 'compute') problems.push(`WORKER_QUEUES: unknown queue ${JSON.stringify(q)} (io, compute)`);
  const slot = Number(env.PLAN_SLOT_MIN ?? '30');
  if (slot !== 15 && slot !== 30 && slot !== 60)
    problems.push(`PLAN_SLOT_MIN must be 15, 30 or 60, got ${env.PLAN_SLOT_MIN}`);
  const searchS = Number(env.MODEL_SEARCH_SECONDS ?? '20');
  if (!(searchS > 0)) problems.push(`MODEL_SEARCH_SECONDS must be a positive number, got ${env.MODEL_SEARCH_SECONDS}`);
  const logLevel = (env.LOG_LEVEL ?? 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel))
    problems.push(`LOG_LEVEL must be debug|info|warn|error, got ${logLevel}`);
  const metricsAddress = env.WORKER_METRICS_ADDRESS ? env.WORKER_METRICS_ADDRESS : null;
  if (metricsAddress !== null && !/^[^\s:]+:\d{1,5}$/.test(metricsAddress))
    problems.push(`WORKER_METRICS_ADDRESS must be host:port (e.g. 127.0.0.1:9464), got ${metricsAddress}`);
  const bridge = env.DEVICE_BRIDGE;
  const schedules = env.ENSURE_SCHEDULES;
  if (schedules !== undefined && schedules !== 'true' && schedules !== 'false')
    problems.push(`ENSURE_SCHEDULES must be true or false, got ${schedules}`);
  if (bridge !== undefined && bridge !== 'true' && bridge !== 'false')
    problems.push(`DEVICE_BRIDGE must be true or false, got ${bridge}`);
  const config: WorkflowsConfig = {
    temporal: {
      address: env.TEMPORAL_ADDRESS ?? `127.0.0.1:${env.TEMPORAL_PORT ?? '7233'}`,
      namespace: env.TEMPORAL_NAMESPACE ?? TEMPORAL_NAMESPACE,
    },
    influx: {
      url: env.INFLUX_URL ?? `http://127.0.0.1:${influxPort}`,
      token: required('INFLUX_TOKEN', fromStack),
      org: env.INFLUX_ORG ?? INFLUX_ORG,
    },
    mqtt: {
      url: env.MQTT_URL ?? `mqtt://127.0.0.1:${mqttPort}`,
      username: env.MQTT_SERVICE_USER ?? 'service',
      password: required('MQTT_SERVICE_PASSWORD', fromStack),
    },
    region: env.REGION ?? 'GB',
    queues: queues as ('io' | 'compute')[],
    deviceBridge: bridge === undefined ? queues.includes('io') : bridge === 'true',
    ensureSchedules: schedules === undefined ? queues.includes('io') : schedules === 'true',
    workflowBundlePath: env.WORKFLOW_BUNDLE ? env.WORKFLOW_BUNDLE : null,
    planSlotMin: slot as 15 | 30 | 60,
    postgresUrl: required('POSTGRES_URL', fromStack),
    modelRegistryDir: env.MODEL_REGISTRY_DIR ? resolve(env.MODEL_REGISTRY_DIR) : DEFAULT_MODEL_REGISTRY_DIR,
    modelSearchBudgetMs: searchS * 1000,
    logLevel,
    metricsAddress,
  };
  if (problems.length > 0) throw new Error(`invalid workflows configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}
