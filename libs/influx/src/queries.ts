/**
 * Typed Flux query builders, all through the `flux` tagged template (values are escaped, never concatenated). Each
 * returns a `ParameterizedQuery` for `QueryApi.collectRows`; row types name the columns the query keeps.
 */
import { flux, fluxDateTime, type ParameterizedQuery } from '@influxdata/influxdb-client';
import { INTENSITY, INTENSITY_FORECAST, LOAD_FORECAST, TELEMETRY } from './model';

export interface TimeWindow {
  startMs: number;
  stopMs: number;
}

const at = (ms: number) => fluxDateTime(new Date(ms).toISOString());

/** Rows: `_time`, `region`, `source`, `kind`, `issued_at`?, `intensity_g_per_kwh`, `duration_s` (pivoted). */
export function intensityPointsQuery(
  bucket: string,
  args: TimeWindow & { regionId: string; kind: 'actual' | 'forecast'; source?: string },
): ParameterizedQuery {
  const source = args.source ?? '';
  return flux`from(bucket: ${bucket})
  |> range(start: ${at(args.startMs)}, stop: ${at(args.stopMs)})
  |> filter(fn: (r) => r._measurement == ${INTENSITY.measurement} and r.region == ${args.regionId} and r.kind == ${args.kind})
  |> filter(fn: (r) => ${source} == "" or r.source == ${source})
  |> filter(fn: (r) => r._field == ${INTENSITY.fields.intensity} or r._field == ${INTENSITY.fields.duration})
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")`;
}

export interface ForecastRow {
  _time: string;
  _value: number;
  issued_at: string;
  model_version: string;
  /** Absent on points written before forecasts were tagged with who served them. */
  served_by?: string;
  fallback_reason?: string;
}

export type ForecastKind = 'intensity' | 'load';

/** Where each forecast kind lives: one series per region (intensity) or home (load), one value field. */
export const FORECAST_SERIES = {
  intensity: {
    measurement: INTENSITY_FORECAST.measurement,
    tag: INTENSITY_FORECAST.tags.region,
    field: INTENSITY_FORECAST.fields.intensity,
  },
  load: { measurement: LOAD_FORECAST.measurement, tag: LOAD_FORECAST.tags.homeId, field: LOAD_FORECAST.fields.power },
} as const satisfies Record<ForecastKind, { measurement: string; tag: string; field: string }>;

/** Rows (`ForecastRow`) of every issue of one region's (intensity) or home's (load) forecast with slots in the window. */
export function forecastRowsQuery(
  bucket: string,
  args: TimeWindow & { kind: ForecastKind; key: string },
): ParameterizedQuery {
  const s = FORECAST_SERIES[args.kind];
  return flux`from(bucket: ${bucket})
  |> range(start: ${at(args.startMs)}, stop: ${at(args.stopMs)})
  |> filter(fn: (r) => r._measurement == ${s.measurement} and r[${s.tag}] == ${args.key} and r._field == ${s.field})
  |> group()
  |> keep(columns: ["_time", "_value", "issued_at", "model_version", "served_by", "fallback_reason"])`;
}

export interface IntensityForecastIssueRow {
  _time: string;
  issued_at: string;
  served_by?: string;
  intensity_g_per_kwh: number;
  lower_g_per_kwh?: number;
  upper_g_per_kwh?: number;
}

/**
 * Rows (`IntensityForecastIssueRow`, pivoted) of every issue of a region's intensity forecast with slots in the window
 * and issued in [issuedFromMs, issuedToMs): what the live scoring compares with the actuals.
 */
export function intensityForecastIssuesQuery(
  bucket: string,
  args: TimeWindow & { regionId: string; issuedFromMs: number; issuedToMs: number },
): ParameterizedQuery {
  const issuedFrom = new Date(args.issuedFromMs).toISOString();
  const issuedTo = new Date(args.issuedToMs).toISOString();
  return flux`from(bucket: ${bucket})
  |> range(start: ${at(args.startMs)}, stop: ${at(args.stopMs)})
  |> filter(fn: (r) => r._measurement == ${INTENSITY_FORECAST.measurement} and r.region == ${args.regionId})
  |> filter(fn: (r) => r.issued_at >= ${issuedFrom} and r.issued_at < ${issuedTo})
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
  |> group()
  |> keep(columns: ["_time", "issued_at", "served_by", "intensity_g_per_kwh", "lower_g_per_kwh", "upper_g_per_kwh"])`;
}

/** Rows `_time` (window end), `_value` (mean W): one home's metered power as hourly means. */
export function hourlyMeterPowerQuery(bucket: string, args: TimeWindow & { homeId: string }): ParameterizedQuery {
  return flux`from(bucket: ${bucket})
  |> range(start: ${at(args.startMs)}, stop: ${at(args.stopMs)})
  |> filter(fn: (r) => r._measurement == "meter" and r.home_id == ${args.homeId} and r._field == "power_w")
  |> aggregateWindow(every: 1h, fn: mean, createEmpty: false)
  |> keep(columns: ["_time", "_value"])`;
}

/** Rows `_measurement`, `device_id`, `_field`, `_value` (count) of every series of one home. */
export function telemetryCountQuery(bucket: string, args: TimeWindow & { homeId: string }): ParameterizedQuery {
  return flux`from(bucket: ${bucket})
  |> range(start: ${at(args.startMs)}, stop: ${at(args.stopMs)})
  |> filter(fn: (r) => r.home_id == ${args.homeId})
  |> group(columns: ["_measurement", "device_id", "_field"])
  |> count()`;
}

/** Rows `_time`, `_value` of one field of one device. */
export function telemetryFieldQuery(
  bucket: string,
  args: TimeWindow & { homeId: string; deviceId: string; field: string },
): ParameterizedQuery {
  return flux`from(bucket: ${bucket})
  |> range(start: ${at(args.startMs)}, stop: ${at(args.stopMs)})
  |> filter(fn: (r) => r.home_id == ${args.homeId} and r.device_id == ${args.deviceId} and r._field == ${args.field})`;
}

/** Rows `reason`, `_value` (count) of rejects whose topic contains `topicSubstring`. */
export function rejectsByReasonQuery(
  bucket: string,
  args: TimeWindow & { topicSubstring: string },
): ParameterizedQuery {
  return flux`import "strings"
from(bucket: ${bucket})
  |> range(start: ${at(args.startMs)}, stop: ${at(args.stopMs)})
  |> filter(fn: (r) => r._measurement == ${TELEMETRY.rejects} and r._field == "topic")
  |> filter(fn: (r) => strings.containsStr(v: r._value, substr: ${args.topicSubstring}))
  |> group(columns: ["reason"])
  |> count()`;
}
