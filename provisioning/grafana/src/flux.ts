/**
 * The Flux text of the dashboards' InfluxDB panels. Every bucket, measurement, tag and field name comes from the data
 * model (`@carbonreducer/influx`); `v.timeRangeStart`, `v.timeRangeStop` and `v.windowPeriod` are the macros Grafana's
 * InfluxDB data source replaces with the panel's time range and interval. The only template variable in Flux is
 * `${region}` (a grid region code); the home and device variables are the API's pseudonymous ids, which InfluxDB does
 * not know, so they never reach Flux.
 */
import {
  BUCKETS,
  FORECAST_ACCURACY,
  FORECAST_SERVING,
  INTENSITY,
  INTENSITY_FORECAST,
  INTENSITY_REJECTS,
  LOAD_FORECAST,
  PLANNED_RUN,
  SERVICE_METRICS,
  TELEMETRY,
  TELEMETRY_REJECTS,
  VERIFIED_HOME_DAY,
  VERIFIED_RUN,
} from '@carbonreducer/influx';
import { FIELDS, type DeviceKind } from '@carbonreducer/telemetry';
import { REGION_VARIABLE } from './model';

/** Device kinds (= telemetry measurements) with metered power; typed, so a renamed kind fails to compile. */
const METER: DeviceKind = 'meter';
const PLUG: DeviceKind = 'plug';
const POWER_W = FIELDS.powerW.influxField;

/** A Flux string literal (names from the model are plain, but quote them properly anyway). */
const s = (value: string): string => JSON.stringify(value);

const range = (bucket: string) =>
  `from(bucket: ${s(bucket)})\n  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)`;

/**
 * Telegraf's own `internal_write` measurement (inputs.internal in provisioning/telegraf/telegraf.conf, written to the
 * telemetry bucket): Telegraf's schema, not ours, so it is not part of the CarbonReducer data model.
 */
export const TELEGRAF_INTERNAL_WRITE = {
  measurement: 'internal_write',
  tags: { output: 'output' },
  fields: {
    bufferSize: 'buffer_size',
    dropped: 'metrics_dropped',
    errors: 'errors',
    written: 'metrics_written',
  },
  influxOutput: 'influxdb_v2',
} as const;

/** Metered power of every home summed, W (mean per interval per device, then summed). */
export function fleetPowerW(): string {
  return `${range(BUCKETS.telemetry)}
  |> filter(fn: (r) => r._measurement == ${s(METER)} and r._field == ${s(POWER_W)})
  |> aggregateWindow(every: v.windowPeriod, fn: mean, createEmpty: false)
  |> group()
  |> aggregateWindow(every: v.windowPeriod, fn: sum, createEmpty: false)
  |> map(fn: (r) => ({ _time: r._time, _value: r._value, _field: "total power" }))`;
}

/** Homes with metered power in the range. */
export function activeHomes(): string {
  return `${range(BUCKETS.telemetry)}
  |> filter(fn: (r) => r._measurement == ${s(METER)} and r._field == ${s(POWER_W)})
  |> last()
  |> group()
  |> distinct(column: ${s(TELEMETRY.tags.homeId)})
  |> count()
  |> map(fn: (r) => ({ _value: r._value, _field: "homes reporting" }))`;
}

/** Mean power per device kind (measurement), summed over devices, W. */
export function powerByKindW(): string {
  return `${range(BUCKETS.telemetry)}
  |> filter(fn: (r) => (r._measurement == ${s(METER)} or r._measurement == ${s(PLUG)}) and r._field == ${s(POWER_W)})
  |> aggregateWindow(every: v.windowPeriod, fn: mean, createEmpty: false)
  |> group(columns: ["_measurement"])
  |> aggregateWindow(every: v.windowPeriod, fn: sum, createEmpty: false)
  |> map(fn: (r) => ({ _time: r._time, _value: r._value, _field: r._measurement }))`;
}

/** Accepted telemetry points per second, per device kind (each point counted once, on the field it always has). */
export function ingestPointsPerS(): string {
  const kinds = Object.entries(TELEMETRY.countField)
    .map(([measurement, field]) => `(r._measurement == ${s(measurement)} and r._field == ${s(field)})`)
    .join(' or ');
  return `${range(BUCKETS.telemetry)}
  |> filter(fn: (r) => ${kinds})
  |> group(columns: ["_measurement"])
  |> aggregateWindow(every: v.windowPeriod, fn: count, createEmpty: false)
  |> map(fn: (r) => ({ _time: r._time, _field: r._measurement, _value: float(v: r._value) / (float(v: int(v: v.windowPeriod)) / 1000000000.0) }))`;
}

/** Telemetry the contract processor refused, per reason and interval. */
export function telemetryRejectsByReason(): string {
  return `${range(BUCKETS.telemetry)}
  |> filter(fn: (r) => r._measurement == ${s(TELEMETRY_REJECTS.measurement)} and r._field == ${s(TELEMETRY_REJECTS.fields.count)})
  |> group(columns: [${s(TELEMETRY_REJECTS.tags.reason)}])
  |> aggregateWindow(every: v.windowPeriod, fn: sum, createEmpty: false)
  |> map(fn: (r) => ({ _time: r._time, _value: r._value, _field: r.${TELEMETRY_REJECTS.tags.reason} }))`;
}

/** Intensity points refused at ingest, per source and reason. */
export function intensityRejectsByReason(): string {
  return `${range(BUCKETS.carbonIntensity)}
  |> filter(fn: (r) => r._measurement == ${s(INTENSITY_REJECTS.measurement)} and r._field == ${s(INTENSITY_REJECTS.fields.count)})
  |> group(columns: [${s(INTENSITY_REJECTS.tags.source)}, ${s(INTENSITY_REJECTS.tags.reason)}])
  |> sum()
  |> group()
  |> keep(columns: [${s(INTENSITY_REJECTS.tags.source)}, ${s(INTENSITY_REJECTS.tags.reason)}, "_value"])`;
}

/** One field of Telegraf's InfluxDB output counters, per interval (max for a gauge, difference for a counter). */
export function telegrafOutput(field: keyof typeof TELEGRAF_INTERNAL_WRITE.fields): string {
  const f = TELEGRAF_INTERNAL_WRITE.fields[field];
  const agg =
    field === 'bufferSize'
      ? 'aggregateWindow(every: v.windowPeriod, fn: max, createEmpty: false)'
      : 'aggregateWindow(every: v.windowPeriod, fn: last, createEmpty: false)\n  |> difference(nonNegative: true)';
  return `${range(BUCKETS.telemetry)}
  |> filter(fn: (r) => r._measurement == ${s(TELEGRAF_INTERNAL_WRITE.measurement)} and r._field == ${s(f)})
  |> filter(fn: (r) => r[${s(TELEGRAF_INTERNAL_WRITE.tags.output)}] == ${s(TELEGRAF_INTERNAL_WRITE.influxOutput)})
  |> group(columns: ["_field"])
  |> ${agg}`;
}

type ServiceMetricField = keyof typeof SERVICE_METRICS.fields;
const SM = SERVICE_METRICS;

/**
 * The increases of scraped Prometheus counters (fields of `service_metrics`), per series: Telegraf stores the
 * cumulative value of every scrape, so each scrape's increase over the one before it; a restart (the counter going
 * back) counts nothing rather than a negative increase.
 */
function counterIncreases(
  service: keyof typeof SM.services,
  fields: readonly ServiceMetricField[],
  where?: string,
): string {
  const names = fields.map((f) => `r._field == ${s(SM.fields[f])}`).join(' or ');
  return `${range(BUCKETS.telemetry)}
  |> filter(fn: (r) => r._measurement == ${s(SM.measurement)} and r.${SM.tags.service} == ${s(SM.services[service])})
  |> filter(fn: (r) => ${names})${where ? `\n  |> filter(fn: (r) => ${where})` : ''}
  |> difference(nonNegative: true)`;
}

/** Per-second rate over each interval of the increases summed per group (as ingestPointsPerS). */
const PER_S = 'float(v: r._value) / (float(v: int(v: v.windowPeriod)) / 1000000000.0)';

/** API requests per second, per status code (every route and method summed). */
export function apiRequestsPerS(): string {
  return `${counterIncreases('api', ['apiRequests'])}
  |> group(columns: [${s(SM.tags.status)}])
  |> aggregateWindow(every: v.windowPeriod, fn: sum, createEmpty: false)
  |> map(fn: (r) => ({ _time: r._time, _field: "HTTP " + r.${SM.tags.status}, _value: ${PER_S} }))`;
}

/**
 * A quantile per interval of Prometheus histograms: the bucket increases of every series summed per upper bound `le`
 * and interval, then Flux's histogramQuantile over each interval's buckets (intervals without a request give none).
 * `_field` = the label given per histogram field.
 */
function histogramQuantilePerInterval(
  service: keyof typeof SM.services,
  buckets: Partial<Record<ServiceMetricField, string>>,
  quantile: number,
): string {
  const fields = Object.keys(buckets) as ServiceMetricField[];
  const label = fields.map((f) => `if r._field == ${s(SM.fields[f])} then ${s(buckets[f] ?? f)}`).join(' else ');
  return `${counterIncreases(service, fields)}
  |> group(columns: ["_field", ${s(SM.tags.le)}])
  |> aggregateWindow(every: v.windowPeriod, fn: sum, createEmpty: false)
  |> map(fn: (r) => ({ _time: r._time, _field: r._field, _value: float(v: r._value), le: float(v: r.${SM.tags.le}) }))
  |> group(columns: ["_field", "_time"])
  |> sort(columns: ["le"])
  |> histogramQuantile(quantile: ${quantile}, countColumn: "_value", upperBoundColumn: "le", valueColumn: "_value", onNonmonotonic: "force")
  |> filter(fn: (r) => exists r._value)
  |> group(columns: ["_field"])
  |> map(fn: (r) => ({ _time: r._time, _value: r._value, _field: ${label} else r._field }))
  |> sort(columns: ["_time"])`;
}

/** API latency quantile per interval (every route), s: `p50` or `p99` of the request-duration histogram. */
export function apiLatencyS(quantile: 0.5 | 0.99): string {
  return histogramQuantilePerInterval('api', { apiLatencyBucket: `p${Math.round(quantile * 100)}` }, quantile);
}

/** Refused credentials (401, per problem code) and authorization refusals (403/404, per reason), per interval. */
export function apiAuthRefusals(): string {
  return `${counterIncreases('api', ['apiAuthFailures', 'apiAuthzRefusals'])}
  |> group(columns: ["_field", ${s(SM.tags.reason)}])
  |> aggregateWindow(every: v.windowPeriod, fn: sum, createEmpty: false)
  |> map(fn: (r) => ({ _time: r._time, _value: r._value, _field: (if r._field == ${s(SM.fields.apiAuthFailures)} then "credentials: " else "authorization: ") + r.${SM.tags.reason} }))`;
}

/**
 * InfluxDB's answers to writes (/api/v2/write) per second, per response code and client: 204 is a write stored, 5XX a
 * write InfluxDB failed (its metrics count only 2XX and 5XX answers, so refused 4XX writes are not among them).
 */
export function influxdbWritesPerS(): string {
  const t = SM.tags;
  return `${counterIncreases('influxdb', ['influxdbRequests'], `r.${t.path} == "/api/v2/write"`)}
  |> group(columns: [${s(t.responseCode)}, ${s(t.userAgent)}])
  |> aggregateWindow(every: v.windowPeriod, fn: sum, createEmpty: false)
  |> map(fn: (r) => ({ _time: r._time, _field: "HTTP " + r.${t.responseCode} + " to " + r.${t.userAgent}, _value: ${PER_S} }))`;
}

/** Failed workflow executions per interval, per workflow type (the Temporal SDK's count on the worker). */
export function workflowFailures(): string {
  return `${counterIncreases('worker', ['workflowFailed'])}
  |> group(columns: [${s(SM.tags.workflowType)}])
  |> aggregateWindow(every: v.windowPeriod, fn: sum, createEmpty: false)
  |> map(fn: (r) => ({ _time: r._time, _value: r._value, _field: r.${SM.tags.workflowType} }))`;
}

/** How long workflow and activity tasks waited for a worker (schedule-to-start), p99 per interval, ms. */
export function taskScheduleToStartP99Ms(): string {
  return histogramQuantilePerInterval(
    'worker',
    { workflowTaskScheduleToStartBucket: 'workflow tasks p99', activityScheduleToStartBucket: 'activity tasks p99' },
    0.99,
  );
}

/** Age of the newest actual intensity and of the newest forecast issue, s: how far the ingest and forecast schedules lag. */
export function scheduleLagS(): string {
  return `actual = ${range(BUCKETS.carbonIntensity)}
  |> filter(fn: (r) => r._measurement == ${s(INTENSITY.measurement)} and r.${INTENSITY.tags.kind} == "actual" and r._field == ${s(INTENSITY.fields.intensity)})
  |> group()
  |> last()
  |> map(fn: (r) => ({ _field: "actual intensity (ingest)", _value: float(v: int(v: now()) - int(v: r._time)) / 1000000000.0 }))
issued = ${range(BUCKETS.forecasts)}
  |> filter(fn: (r) => r._measurement == ${s(FORECAST_SERVING.measurement)} and r._field == ${s(FORECAST_SERVING.fields.points)})
  |> group(columns: [${s(FORECAST_SERVING.tags.kind)}])
  |> last()
  |> map(fn: (r) => ({ _field: r.${FORECAST_SERVING.tags.kind} + " forecast issue", _value: float(v: int(v: now()) - int(v: r._time)) / 1000000000.0 }))
union(tables: [actual, issued])
  |> group(columns: ["_field"])`;
}

/** Forecasts issued by anything but the champion (the fallback chain), per kind and server, per interval. */
export function forecastFallbacks(): string {
  return `${range(BUCKETS.forecasts)}
  |> filter(fn: (r) => r._measurement == ${s(FORECAST_SERVING.measurement)} and r._field == ${s(FORECAST_SERVING.fields.fallback)})
  |> group(columns: [${s(FORECAST_SERVING.tags.kind)}, ${s(FORECAST_SERVING.tags.servedBy)}])
  |> aggregateWindow(every: v.windowPeriod, fn: sum, createEmpty: false)
  |> map(fn: (r) => ({ _time: r._time, _value: r._value, _field: r.${FORECAST_SERVING.tags.kind} + " / " + r.${FORECAST_SERVING.tags.servedBy} }))`;
}

/** Model versions that served forecasts in the range: kind, version, server, first and last issue. */
export function modelVersionsInService(): string {
  const one = (name: string, measurement: string, field: string, versionTag: string, servedTag: string) =>
    `${name} = ${range(BUCKETS.forecasts)}
  |> filter(fn: (r) => r._measurement == ${s(measurement)} and r._field == ${s(field)})
  |> group(columns: [${s(versionTag)}, ${s(servedTag)}])
  |> reduce(identity: {first: time(v: "2100-01-01T00:00:00Z"), last: time(v: "1970-01-01T00:00:00Z"), points: 0}, fn: (r, accumulator) => ({
      first: if r._time < accumulator.first then r._time else accumulator.first,
      last: if r._time > accumulator.last then r._time else accumulator.last,
      points: accumulator.points + 1,
    }))
  |> map(fn: (r) => ({ kind: ${s(name)}, model_version: r.${versionTag}, served_by: r.${servedTag}, first_slot: r.first, last_slot: r.last, points: r.points }))`;
  return `${one('intensity', INTENSITY_FORECAST.measurement, INTENSITY_FORECAST.fields.intensity, INTENSITY_FORECAST.tags.modelVersion, INTENSITY_FORECAST.tags.servedBy)}
${one('load', LOAD_FORECAST.measurement, LOAD_FORECAST.fields.power, LOAD_FORECAST.tags.modelVersion, LOAD_FORECAST.tags.servedBy)}
union(tables: [intensity, load])
  |> group()
  |> sort(columns: ["kind", "last_slot"], desc: true)`;
}

/** Actual grid intensity of the region, gCO2/kWh. */
export function actualIntensity(region = REGION_VARIABLE): string {
  return `${range(BUCKETS.carbonIntensity)}
  |> filter(fn: (r) => r._measurement == ${s(INTENSITY.measurement)} and r.${INTENSITY.tags.region} == ${s(region)} and r.${INTENSITY.tags.kind} == "actual")
  |> filter(fn: (r) => r._field == ${s(INTENSITY.fields.intensity)})
  |> group()
  |> sort(columns: ["_time"])
  |> map(fn: (r) => ({ _time: r._time, _value: r._value, _field: "actual" }))`;
}

/**
 * The region's forecast for each slot as its newest issue before the slot saw it, with the 80 % band: the series
 * `intensity_g_per_kwh`, `lower_g_per_kwh`, `upper_g_per_kwh`.
 */
export function forecastWithBand(region = REGION_VARIABLE): string {
  const f = INTENSITY_FORECAST.fields;
  return `${range(BUCKETS.forecasts)}
  |> filter(fn: (r) => r._measurement == ${s(INTENSITY_FORECAST.measurement)} and r.${INTENSITY_FORECAST.tags.region} == ${s(region)})
  |> filter(fn: (r) => r._field == ${s(f.intensity)} or r._field == ${s(f.lower)} or r._field == ${s(f.upper)})
  |> filter(fn: (r) => time(v: r.${INTENSITY_FORECAST.tags.issuedAt}) <= r._time)
  |> group(columns: ["_field", "_time"])
  |> sort(columns: [${s(INTENSITY_FORECAST.tags.issuedAt)}])
  |> last()
  |> group(columns: ["_field"])
  |> sort(columns: ["_time"])
  |> keep(columns: ["_time", "_value", "_field"])`;
}

/** One annotation per model version: the first slot it forecast, text "model <version>". */
export function modelVersionAnnotations(region = REGION_VARIABLE): string {
  return `${range(BUCKETS.forecasts)}
  |> filter(fn: (r) => r._measurement == ${s(INTENSITY_FORECAST.measurement)} and r.${INTENSITY_FORECAST.tags.region} == ${s(region)} and r._field == ${s(INTENSITY_FORECAST.fields.intensity)})
  |> group(columns: [${s(INTENSITY_FORECAST.tags.modelVersion)}])
  |> first()
  |> group()
  |> map(fn: (r) => ({ _time: r._time, text: "model " + r.${INTENSITY_FORECAST.tags.modelVersion}, tags: r.${INTENSITY_FORECAST.tags.servedBy} }))`;
}

/** Live accuracy of the intensity forecast per horizon over the rolling 24 h window: MAE (gCO2/kWh) or 80 % coverage. */
export function forecastAccuracy(metric: 'mae' | 'coverage80', region = REGION_VARIABLE): string {
  return `${range(BUCKETS.forecasts)}
  |> filter(fn: (r) => r._measurement == ${s(FORECAST_ACCURACY.measurement)} and r.${FORECAST_ACCURACY.tags.region} == ${s(region)})
  |> filter(fn: (r) => r._field == ${s(FORECAST_ACCURACY.fields[metric])} and r.${FORECAST_ACCURACY.tags.window} == "24h")
  |> group(columns: [${s(FORECAST_ACCURACY.tags.horizon)}])
  |> aggregateWindow(every: v.windowPeriod, fn: mean, createEmpty: false)
  |> map(fn: (r) => ({ _time: r._time, _value: r._value, _field: "horizon " + r.${FORECAST_ACCURACY.tags.horizon} }))`;
}

/** Expected and verified avoided kg CO2 of every home per UTC day. */
export function fleetAvoidedKgPerDay(): string {
  const f = VERIFIED_HOME_DAY.fields;
  return `${range(BUCKETS.schedules)}
  |> filter(fn: (r) => r._measurement == ${s(VERIFIED_HOME_DAY.measurement)} and (r._field == ${s(f.avoided)} or r._field == ${s(f.expectedAvoided)}))
  |> group(columns: ["_field"])
  |> aggregateWindow(every: 1d, fn: sum, createEmpty: false)
  |> map(fn: (r) => ({ _time: r._time, _value: r._value / 1000.0, _field: if r._field == ${s(f.avoided)} then "verified" else "expected" }))`;
}

/** Verified avoided kg CO2 of every home, cumulative over the range. */
export function fleetAvoidedKgCumulative(): string {
  return `${range(BUCKETS.schedules)}
  |> filter(fn: (r) => r._measurement == ${s(VERIFIED_HOME_DAY.measurement)} and r._field == ${s(VERIFIED_HOME_DAY.fields.avoided)})
  |> group()
  |> aggregateWindow(every: 1d, fn: sum, createEmpty: false)
  |> cumulativeSum()
  |> map(fn: (r) => ({ _time: r._time, _value: r._value / 1000.0, _field: "verified, cumulative" }))`;
}

/** Expected avoided kg CO2 of the planned runs, per appliance kind (verified runs carry no appliance tag). */
export function expectedAvoidedKgPerAppliance(): string {
  return `${range(BUCKETS.schedules)}
  |> filter(fn: (r) => r._measurement == ${s(PLANNED_RUN.measurement)} and r._field == ${s(PLANNED_RUN.fields.avoidedEmissions)})
  |> group(columns: [${s(PLANNED_RUN.tags.appliance)}])
  |> sum()
  |> map(fn: (r) => ({ _field: r.${PLANNED_RUN.tags.appliance}, _value: r._value / 1000.0 }))`;
}

/**
 * Verified avoided kg CO2 per appliance kind: each verified run's appliance is the one its planned run (same
 * `request_id`) was planned for, since verified runs carry no appliance tag. Planned runs are looked up 7 days before
 * the range (a run is verified after it ran, the plan was made before).
 */
export function verifiedAvoidedKgPerAppliance(): string {
  return `import ${s('date')}

planned = from(bucket: ${s(BUCKETS.schedules)})
  |> range(start: date.sub(d: 7d, from: v.timeRangeStart), stop: v.timeRangeStop)
  |> filter(fn: (r) => r._measurement == ${s(PLANNED_RUN.measurement)} and r._field == ${s(PLANNED_RUN.fields.avoidedEmissions)})
  |> group(columns: [${s(PLANNED_RUN.tags.requestId)}, ${s(PLANNED_RUN.tags.appliance)}])
  |> last()
  |> group()
  |> keep(columns: [${s(PLANNED_RUN.tags.requestId)}, ${s(PLANNED_RUN.tags.appliance)}])
verified = ${range(BUCKETS.schedules)}
  |> filter(fn: (r) => r._measurement == ${s(VERIFIED_RUN.measurement)} and r._field == ${s(VERIFIED_RUN.fields.avoided)})
  |> group()
  |> keep(columns: [${s(VERIFIED_RUN.tags.requestId)}, "_value"])
join(tables: { verified: verified, planned: planned }, on: [${s(VERIFIED_RUN.tags.requestId)}])
  |> group(columns: [${s(PLANNED_RUN.tags.appliance)}])
  |> sum()
  |> map(fn: (r) => ({ _field: r.${PLANNED_RUN.tags.appliance}, _value: r._value / 1000.0 }))`;
}
