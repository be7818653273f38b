/**
 * The InfluxDB data model: every bucket, measurement, tag and field CarbonReducer writes, with units and who writes
 * and reads it. Code takes names from here; DATA-MODEL.md is rendered from `DATA_MODEL` (a test keeps it current).
 * The telemetry bucket's readings follow the device contract (libs/telemetry), so its rows are derived from it.
 */
import { DEVICE_KINDS, FIELDS, KINDS, MEASUREMENTS as TELEMETRY_MEASUREMENTS, TAGS } from '@carbonreducer/telemetry';

export const INFLUX_ORG = 'carbonreducer';

/** Buckets created by `scripts/stack up` (and docker-compose's init). */
export const BUCKETS = {
  telemetry: 'telemetry',
  carbonIntensity: 'carbon_intensity',
  forecasts: 'forecasts',
  schedules: 'schedules',
} as const;
export type BucketName = (typeof BUCKETS)[keyof typeof BUCKETS];

/** `carbon_intensity`: one series per region, source, kind and (forecasts) issue; time = slot start. */
export const INTENSITY = {
  measurement: 'carbon_intensity',
  tags: { region: 'region', source: 'source', kind: 'kind', issuedAt: 'issued_at' },
  fields: { intensity: 'intensity_g_per_kwh', duration: 'duration_s' },
  /** `issued_at` of source forecasts whose issue time is unknown (the NESO CSV's benchmark column). */
  unknownIssue: 'unknown',
} as const;

/** `carbon_intensity`: points a source answered with that were refused (never written), per source and reason. */
export const INTENSITY_REJECTS = {
  measurement: 'intensity_rejects',
  tags: { region: 'region', source: 'source', reason: 'reason' },
  fields: { count: 'count', detail: 'detail' },
} as const;

/**
 * Which forecaster produced a forecast point (`served_by`: `champion`, `source_forecast`, `seasonal_naive`,
 * `persistence`, `flat`) and why the ones before it in the declared order were not used (`fallback_reason`,
 * `none` for the champion).
 */
export const SERVING_TAGS = { servedBy: 'served_by', fallbackReason: 'fallback_reason' } as const;

/** Forecasts bucket: one series per issue (`issued_at`), so a later issue never overwrites an earlier one. */
export const INTENSITY_FORECAST = {
  measurement: 'intensity_forecast',
  tags: { region: 'region', modelVersion: 'model_version', issuedAt: 'issued_at', ...SERVING_TAGS },
  fields: { intensity: 'intensity_g_per_kwh', lower: 'lower_g_per_kwh', upper: 'upper_g_per_kwh' },
} as const;

export const LOAD_FORECAST = {
  measurement: 'load_forecast',
  tags: { homeId: 'home_id', modelVersion: 'model_version', issuedAt: 'issued_at', ...SERVING_TAGS },
  fields: { power: 'power_w' },
} as const;

/**
 * Forecasts bucket, one point per issued forecast (at its issue time): who served it and why; `fallback` is 1 when it
 * was not the champion, so `sum(fallback)` counts fallbacks.
 */
export const FORECAST_SERVING = {
  measurement: 'forecast_serving',
  tags: { kind: 'kind', key: 'key', ...SERVING_TAGS },
  fields: { points: 'points', fallback: 'fallback', detail: 'detail' },
} as const;

/**
 * Forecasts bucket: live accuracy of the intensity forecasts, scored hourly against the actuals that have arrived,
 * per served model and horizon, over a rolling window (`24h`, `7d`); time = scoring time.
 */
export const FORECAST_ACCURACY = {
  measurement: 'forecast_accuracy',
  tags: { region: 'region', servedBy: 'served_by', horizon: 'horizon', window: 'window' },
  fields: { mae: 'mae_g_per_kwh', coverage80: 'coverage80', points: 'points' },
} as const;

/** Schedules bucket: one point per planned run at its start. */
export const PLANNED_RUN = {
  measurement: 'planned_run',
  tags: {
    homeId: 'home_id',
    deviceId: 'device_id',
    appliance: 'appliance',
    requestId: 'request_id',
    planVersion: 'plan_version',
  },
  fields: {
    endAt: 'end_at',
    power: 'power_w',
    energy: 'energy_wh',
    emissions: 'emissions_g',
    avoidedEmissions: 'avoided_emissions_g',
  },
} as const;

/** Planned power per slot: no version tag, so a re-plan overwrites the slots it covers (the latest plan wins). */
export const PLANNED_POWER = {
  measurement: 'planned_power',
  tags: { homeId: 'home_id' },
  fields: { power: 'power_w', planVersion: 'plan_version' },
} as const;

/**
 * Schedules bucket, one point per finished run the device's acks and telemetry show ran (at its real start): realised
 * emissions with actual intensity vs the same measured profile at the earliest start (counterfactual), g CO2.
 */
export const VERIFIED_RUN = {
  measurement: 'verified_run',
  tags: { homeId: 'home_id', deviceId: 'device_id', requestId: 'request_id' },
  fields: {
    realised: 'realised_g',
    counterfactual: 'counterfactual_g',
    avoided: 'avoided_g',
    expectedAvoided: 'expected_avoided_g',
    energy: 'energy_wh',
  },
} as const;

/** Schedules bucket: the verified runs of a home summed per UTC day (time = the day's start). */
export const VERIFIED_HOME_DAY = {
  measurement: 'verified_home_day',
  tags: { homeId: 'home_id' },
  fields: {
    realised: 'realised_g',
    counterfactual: 'counterfactual_g',
    avoided: 'avoided_g',
    expectedAvoided: 'expected_avoided_g',
    runs: 'runs',
  },
} as const;

/** Telemetry bucket: messages and readings the contract processor refused (never written as readings), per reason. */
export const TELEMETRY_REJECTS = {
  measurement: TELEMETRY_MEASUREMENTS.rejects,
  tags: { reason: 'reason', ingest: 'ingest' },
  fields: { count: 'count', detail: 'detail', topic: 'topic' },
} as const;

/**
 * Telemetry bucket: the Prometheus metrics of CarbonReducer's own services (the API, the Temporal worker) and of InfluxDB (its answers to writes), scraped by
 * Telegraf (provisioning/telegraf/telegraf.d/operations.conf, prometheus parser layout 2): one field per Prometheus
 * sample name, the metric's labels as tags, plus `service` and `url` (the endpoint scraped). Counters are cumulative since the process started (so
 * readers take non-negative differences); histograms are `<name>_bucket` per upper bound `le` (cumulative) plus
 * `<name>_count`. Names are the services' own (api/src/metrics.ts, the Temporal SDK's worker metrics).
 */
export const SERVICE_METRICS = {
  measurement: 'service_metrics',
  tags: {
    service: 'service',
    url: 'url',
    method: 'method',
    route: 'route',
    status: 'status',
    reason: 'reason',
    le: 'le',
    namespace: 'namespace',
    taskQueue: 'task_queue',
    workflowType: 'workflow_type',
    activityType: 'activity_type',
    path: 'path',
    responseCode: 'response_code',
    userAgent: 'user_agent',
  },
  /** Values of the `service` tag (one `inputs.http` each in operations.conf). */
  services: { api: 'api', worker: 'worker', influxdb: 'influxdb' },
  fields: {
    apiRequests: 'carbonreducer_api_requests_total',
    apiLatencyBucket: 'carbonreducer_api_request_duration_seconds_bucket',
    apiLatencyCount: 'carbonreducer_api_request_duration_seconds_count',
    apiAuthFailures: 'carbonreducer_api_auth_failures_total',
    apiAuthzRefusals: 'carbonreducer_api_authz_refusals_total',
    workflowCompleted: 'temporal_workflow_completed',
    workflowFailed: 'temporal_workflow_failed',
    workflowTaskScheduleToStartBucket: 'temporal_workflow_task_schedule_to_start_latency_bucket',
    workflowTaskScheduleToStartCount: 'temporal_workflow_task_schedule_to_start_latency_count',
    activityScheduleToStartBucket: 'temporal_activity_schedule_to_start_latency_bucket',
    activityScheduleToStartCount: 'temporal_activity_schedule_to_start_latency_count',
    activityFailed: 'temporal_activity_execution_failed',
    /** InfluxDB's answers to writes (`path` /api/v2/write only); it counts 2XX and 5XX answers, not 4XX. */
    influxdbRequests: 'http_api_requests_total',
  },
} as const;

/** Telemetry readings: measurement = device kind, tags `home_id`, `device_id`, one float field per contract key. */
export const TELEMETRY = {
  tags: TAGS,
  status: TELEMETRY_MEASUREMENTS.status,
  rejects: TELEMETRY_MEASUREMENTS.rejects,
  /** The field each measurement is counted on (every accepted point has it). */
  countField: {
    ...Object.fromEntries(DEVICE_KINDS.map((k) => [k, FIELDS[KINDS[k].required[0] ?? 'powerW'].influxField])),
    [TELEMETRY_MEASUREMENTS.status]: 'online',
  } as Record<string, string>,
} as const;

export interface FieldDoc {
  name: string;
  unit: string;
  type: 'float' | 'integer' | 'string' | 'boolean';
}

export interface MeasurementDoc {
  bucket: BucketName;
  measurement: string;
  tags: string[];
  fields: FieldDoc[];
  writtenBy: string;
  readBy: string;
}

const TELEMETRY_ROWS: MeasurementDoc[] = DEVICE_KINDS.map((kind) => ({
  bucket: BUCKETS.telemetry,
  measurement: kind,
  tags: Object.values(TAGS),
  fields: [...KINDS[kind].required, ...KINDS[kind].optional].map((key) => ({
    name: FIELDS[key].influxField,
    unit: FIELDS[key].unit,
    type: 'float' as const,
  })),
  writtenBy: 'Telegraf (contract processor), from MQTT and HTTP',
  readBy:
    kind === 'meter' ? 'load forecaster (workflows), retraining, API, dashboards' : 'API, dashboards, pipeline tests',
}));

/** One row of the table from a measurement's constants: its fields as [name, unit, type]. */
function doc(
  bucket: BucketName,
  spec: { measurement: string; tags: Record<string, string> },
  fields: readonly (readonly [string, string, FieldDoc['type']])[],
  writtenBy: string,
  readBy: string,
): MeasurementDoc {
  return {
    bucket,
    measurement: spec.measurement,
    tags: Object.values(spec.tags),
    fields: fields.map(([name, unit, type]) => ({ name, unit, type })),
    writtenBy,
    readBy,
  };
}

/** Every measurement, in the order DATA-MODEL.md lists them. */
export const DATA_MODEL: readonly MeasurementDoc[] = [
  ...TELEMETRY_ROWS,
  {
    bucket: BUCKETS.telemetry,
    measurement: TELEMETRY.status,
    tags: Object.values(TAGS),
    fields: [{ name: 'online', unit: '–', type: 'boolean' }],
    writtenBy: 'Telegraf (contract processor)',
    readBy: 'API, dashboards',
  },
  doc(
    BUCKETS.telemetry,
    TELEMETRY_REJECTS,
    [
      [TELEMETRY_REJECTS.fields.count, 'count', 'integer'],
      [TELEMETRY_REJECTS.fields.detail, '–', 'string'],
      [TELEMETRY_REJECTS.fields.topic, '–', 'string'],
    ],
    'Telegraf (contract processor)',
    'operations dashboard, alerting, pipeline tests',
  ),
  doc(
    BUCKETS.telemetry,
    SERVICE_METRICS,
    [
      [SERVICE_METRICS.fields.apiRequests, 'count, cumulative', 'float'],
      [SERVICE_METRICS.fields.apiLatencyBucket, 'count ≤ le s, cumulative', 'float'],
      [SERVICE_METRICS.fields.apiLatencyCount, 'count, cumulative', 'float'],
      [SERVICE_METRICS.fields.apiAuthFailures, 'count, cumulative', 'float'],
      [SERVICE_METRICS.fields.apiAuthzRefusals, 'count, cumulative', 'float'],
      [SERVICE_METRICS.fields.workflowCompleted, 'count, cumulative', 'float'],
      [SERVICE_METRICS.fields.workflowFailed, 'count, cumulative', 'float'],
      [SERVICE_METRICS.fields.workflowTaskScheduleToStartBucket, 'count ≤ le ms, cumulative', 'float'],
      [SERVICE_METRICS.fields.workflowTaskScheduleToStartCount, 'count, cumulative', 'float'],
      [SERVICE_METRICS.fields.activityScheduleToStartBucket, 'count ≤ le ms, cumulative', 'float'],
      [SERVICE_METRICS.fields.activityScheduleToStartCount, 'count, cumulative', 'float'],
      [SERVICE_METRICS.fields.activityFailed, 'count, cumulative', 'float'],
      [SERVICE_METRICS.fields.influxdbRequests, 'count, cumulative', 'float'],
    ],
    'Telegraf (operations.conf), scraping the API, worker and InfluxDB /metrics',
    'operations dashboard, alerting (workflow failures)',
  ),
  doc(
    BUCKETS.carbonIntensity,
    INTENSITY,
    [
      [INTENSITY.fields.intensity, 'gCO2/kWh', 'float'],
      [INTENSITY.fields.duration, 's', 'integer'],
    ],
    'ingest workflow, carbonreducer-ingest (libs/intensity)',
    'intensity forecaster, retraining, API, dashboards, alerting',
  ),
  doc(
    BUCKETS.carbonIntensity,
    INTENSITY_REJECTS,
    [
      [INTENSITY_REJECTS.fields.count, 'count', 'integer'],
      [INTENSITY_REJECTS.fields.detail, '–', 'string'],
    ],
    'ingest and backfill (libs/intensity)',
    'operations dashboard, alerting',
  ),
  doc(
    BUCKETS.forecasts,
    INTENSITY_FORECAST,
    [
      [INTENSITY_FORECAST.fields.intensity, 'gCO2/kWh', 'float'],
      [INTENSITY_FORECAST.fields.lower, 'gCO2/kWh', 'float'],
      [INTENSITY_FORECAST.fields.upper, 'gCO2/kWh', 'float'],
    ],
    'forecast workflow',
    'optimize workflow, forecast scoring, API, dashboards',
  ),
  doc(
    BUCKETS.forecasts,
    LOAD_FORECAST,
    [[LOAD_FORECAST.fields.power, 'W', 'float']],
    'forecast workflow',
    'optimize workflow, API, dashboards',
  ),
  doc(
    BUCKETS.forecasts,
    FORECAST_SERVING,
    [
      [FORECAST_SERVING.fields.points, 'count', 'integer'],
      [FORECAST_SERVING.fields.fallback, '0/1', 'integer'],
      [FORECAST_SERVING.fields.detail, '–', 'string'],
    ],
    'forecast workflow',
    'operations dashboard, alerting (fallback counts)',
  ),
  doc(
    BUCKETS.forecasts,
    FORECAST_ACCURACY,
    [
      [FORECAST_ACCURACY.fields.mae, 'gCO2/kWh', 'float'],
      [FORECAST_ACCURACY.fields.coverage80, 'share', 'float'],
      [FORECAST_ACCURACY.fields.points, 'count', 'integer'],
    ],
    'score-forecasts workflow (hourly)',
    'forecasting dashboard, alerting, API',
  ),
  doc(
    BUCKETS.schedules,
    PLANNED_RUN,
    [
      [PLANNED_RUN.fields.endAt, 'ISO-8601', 'string'],
      [PLANNED_RUN.fields.power, 'W', 'float'],
      [PLANNED_RUN.fields.energy, 'Wh', 'float'],
      [PLANNED_RUN.fields.emissions, 'g CO2', 'float'],
      [PLANNED_RUN.fields.avoidedEmissions, 'g CO2', 'float'],
    ],
    'optimize workflow',
    'API, dashboards',
  ),
  doc(
    BUCKETS.schedules,
    PLANNED_POWER,
    [
      [PLANNED_POWER.fields.power, 'W', 'float'],
      [PLANNED_POWER.fields.planVersion, '–', 'integer'],
    ],
    'optimize workflow',
    'API, dashboards',
  ),
  doc(
    BUCKETS.schedules,
    VERIFIED_RUN,
    [
      [VERIFIED_RUN.fields.realised, 'g CO2', 'float'],
      [VERIFIED_RUN.fields.counterfactual, 'g CO2', 'float'],
      [VERIFIED_RUN.fields.avoided, 'g CO2', 'float'],
      [VERIFIED_RUN.fields.expectedAvoided, 'g CO2', 'float'],
      [VERIFIED_RUN.fields.energy, 'Wh', 'float'],
    ],
    'verify-savings workflow',
    'API, dashboards',
  ),
  doc(
    BUCKETS.schedules,
    VERIFIED_HOME_DAY,
    [
      [VERIFIED_HOME_DAY.fields.realised, 'g CO2', 'float'],
      [VERIFIED_HOME_DAY.fields.counterfactual, 'g CO2', 'float'],
      [VERIFIED_HOME_DAY.fields.avoided, 'g CO2', 'float'],
      [VERIFIED_HOME_DAY.fields.expectedAvoided, 'g CO2', 'float'],
      [VERIFIED_HOME_DAY.fields.runs, 'count', 'integer'],
    ],
    'verify-savings workflow',
    'API, dashboards',
  ),
];

/** DATA-MODEL.md's table. */
export function renderDataModel(): string {
  const head = [
    '# The InfluxDB data model',
    '',
    'Rendered from `libs/influx/src/model.ts` by `npm run render-data-model -w libs/influx` (a unit test fails when',
    'this file is stale). Org `' + INFLUX_ORG + '`. Times are UTC; telemetry at device time (ms), the other buckets at',
    'slot or run start (s).',
    '',
    '| bucket | measurement | tags | fields (unit) | written by | read by |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  const rows = DATA_MODEL.map(
    (m) =>
      `| \`${m.bucket}\` | \`${m.measurement}\` | ${m.tags.map((t) => `\`${t}\``).join(', ')} | ` +
      `${m.fields.map((f) => `\`${f.name}\` (${f.unit}, ${f.type})`).join(', ')} | ${m.writtenBy} | ${m.readBy} |`,
  );
  return [...head, ...rows, ''].join('\n');
}
