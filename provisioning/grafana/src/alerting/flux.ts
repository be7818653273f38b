/**
 * The Flux of the alert rules (Grafana evaluates them on the Analytics org's InfluxDB data source, with no signed-in
 * user). Every bucket, measurement, tag and field name comes from the data model (`@carbonreducer/influx`). The
 * queries use no Grafana macros: their ranges are relative to `now()` (the high-carbon rule reads the future), so the
 * same text runs in the integration tests with InfluxDB's `now` set to a replayed instant.
 *
 * Each query returns one table per alert instance, grouped by the columns that become the instance's labels, with
 * `_time` and a float `_value`: the rule's Reduce (`max`) and Threshold expressions decide from there.
 */
import {
  BUCKETS,
  FORECAST_ACCURACY,
  FORECAST_SERVING,
  INTENSITY,
  INTENSITY_FORECAST,
  INTENSITY_REJECTS,
  SERVICE_METRICS,
  TELEMETRY,
  TELEMETRY_REJECTS,
} from '@carbonreducer/influx';
import type { AlertingSettings } from './settings';
import { ALERT_LABELS } from './settings';

/** A Flux string literal. */
const s = (value: string): string => JSON.stringify(value);
/** A Flux float literal (always with a decimal point, so Flux never infers an int). */
const f = (value: number): string => (Number.isInteger(value) ? `${value}.0` : String(value));
const NS_PER_MIN = '60000000000.0';
/** A Flux package import line (built, so the text never reads as a JavaScript import). */
const use = (...packages: string[]): string => packages.map((p) => `import ${s(p)}`).join('\n');

/** The intensity `kind` of measured values (the ingest writes `actual` and `forecast`). */
const ACTUAL = 'actual';
/** The forecast_serving `kind` of intensity forecasts (`load` for homes). */
const INTENSITY_SERVING_KIND = 'intensity';
/** The `served_by` of the registered champion model, the one the backtest figures belong to. */
const CHAMPION = 'champion';

/**
 * High-carbon hours ahead, per region: each run of consecutive forecast slots above both the threshold and the
 * region's rolling percentile of actual intensity, that starts within the lookahead (never one already under way).
 * One row per window: `_time` = its start, `_value` = its peak forecast (gCO2/kWh); labels `region` and `window`
 * (`<start>/<end>`, RFC 3339 UTC). The forecast of a slot is its newest issue.
 */
export function highCarbonHours(settings: AlertingSettings['highCarbon']): string {
  const fc = INTENSITY_FORECAST;
  const slotNs = settings.slotMin * 60 * 1_000_000_000;
  return `${use('date', 'strings')}

// RFC 3339 to the second (Flux's string() of a time has nanoseconds).
rfc3339 = (t) => strings.replaceAll(v: string(v: t), t: ".000000000Z", u: "Z")
threshold = ${f(settings.thresholdGPerKWh)}
percentile = from(bucket: ${s(BUCKETS.carbonIntensity)})
  |> range(start: -${settings.percentileWindowD}d)
  |> filter(fn: (r) => r._measurement == ${s(INTENSITY.measurement)} and r.${INTENSITY.tags.kind} == ${s(ACTUAL)} and r._field == ${s(INTENSITY.fields.intensity)})
  |> group(columns: [${s(INTENSITY.tags.region)}])
  |> quantile(q: ${settings.percentile}, method: "exact_mean")
  |> map(fn: (r) => ({ ${ALERT_LABELS.region}: r.${INTENSITY.tags.region}, percentile: r._value }))
forecast = from(bucket: ${s(BUCKETS.forecasts)})
  |> range(start: -${settings.slotMin}m, stop: ${settings.scanH}h)
  |> filter(fn: (r) => r._measurement == ${s(fc.measurement)} and r._field == ${s(fc.fields.intensity)})
  |> group(columns: [${s(fc.tags.region)}, "_time"])
  |> sort(columns: [${s(fc.tags.issuedAt)}])
  |> last()
  |> map(fn: (r) => ({ ${ALERT_LABELS.region}: r.${fc.tags.region}, _time: r._time, _value: float(v: r._value) }))
  |> group(columns: [${s(ALERT_LABELS.region)}])
join(tables: {forecast: forecast, percentile: percentile}, on: [${s(ALERT_LABELS.region)}])
  |> sort(columns: ["_time"])
  |> stateDuration(fn: (r) => r._value > threshold and r._value > r.percentile, column: "run_s", unit: 1s)
  |> filter(fn: (r) => r.run_s >= 0)
  |> map(fn: (r) => ({ r with start: time(v: int(v: r._time) - r.run_s * 1000000000) }))
  |> group(columns: [${s(ALERT_LABELS.region)}, "start"])
  |> reduce(
    identity: {last: time(v: 0), peak: 0.0},
    fn: (r, accumulator) => ({
      last: if r._time > accumulator.last then r._time else accumulator.last,
      peak: if r._value > accumulator.peak then r._value else accumulator.peak,
    }),
  )
  |> filter(fn: (r) => r.start > now() and r.start <= date.add(d: ${settings.lookaheadH}h, to: now()))
  |> map(fn: (r) => ({
    _time: r.start,
    _value: r.peak,
    ${ALERT_LABELS.region}: r.${ALERT_LABELS.region},
    ${ALERT_LABELS.window}: rfc3339(t: r.start) + "/" + rfc3339(t: time(v: int(v: r.last) + ${slotNs})),
  }))
  |> group(columns: [${s(ALERT_LABELS.region)}, ${s(ALERT_LABELS.window)}])`;
}

/**
 * Ingest stalled, per home: minutes since the newest telemetry point of each home that sent any in the last
 * `activeWithinH` hours (label `home_id`). Counted on the one field every accepted point of each kind has.
 */
export function ingestStalled(settings: AlertingSettings['ingestStalled']): string {
  const kinds = Object.entries(TELEMETRY.countField)
    .filter(([measurement]) => measurement !== TELEMETRY.status)
    .map(([measurement, field]) => `(r._measurement == ${s(measurement)} and r._field == ${s(field)})`)
    .join(' or ');
  const home = TELEMETRY.tags.homeId;
  return `from(bucket: ${s(BUCKETS.telemetry)})
  |> range(start: -${settings.activeWithinH}h)
  |> filter(fn: (r) => ${kinds})
  |> last()
  |> group(columns: [${s(home)}])
  |> sort(columns: ["_time"])
  |> last()
  |> map(fn: (r) => ({ _time: r._time, ${ALERT_LABELS.homeId}: r.${home}, _value: float(v: int(v: now()) - int(v: r._time)) / ${NS_PER_MIN} }))
  |> group(columns: [${s(ALERT_LABELS.homeId)}])`;
}

/**
 * Rejects over the last `windowMin` minutes: telemetry the contract processor refused, per reason, and intensity
 * points the ingest refused, per source and reason (labels `stream` = `telemetry` | `intensity`, `reason`, and for
 * intensity `source`).
 */
export function rejectsSpike(settings: AlertingSettings['rejectsSpike']): string {
  const tr = TELEMETRY_REJECTS;
  const ir = INTENSITY_REJECTS;
  return `telemetry = from(bucket: ${s(BUCKETS.telemetry)})
  |> range(start: -${settings.windowMin}m)
  |> filter(fn: (r) => r._measurement == ${s(tr.measurement)} and r._field == ${s(tr.fields.count)})
  |> group(columns: [${s(tr.tags.reason)}])
  |> sum()
  |> map(fn: (r) => ({ _time: now(), _value: float(v: r._value), stream: "telemetry", source: "telegraf", reason: r.${tr.tags.reason} }))
intensity = from(bucket: ${s(BUCKETS.carbonIntensity)})
  |> range(start: -${settings.windowMin}m)
  |> filter(fn: (r) => r._measurement == ${s(ir.measurement)} and r._field == ${s(ir.fields.count)})
  |> group(columns: [${s(ir.tags.source)}, ${s(ir.tags.reason)}])
  |> sum()
  |> map(fn: (r) => ({ _time: now(), _value: float(v: r._value), stream: "intensity", source: r.${ir.tags.source}, reason: r.${ir.tags.reason} }))
union(tables: [telemetry, intensity])
  |> group(columns: ["stream", "source", "reason"])`;
}

/**
 * Scheduled workflows overdue, per region: minutes by which the newest output of each is older than allowed
 * (ingest: the newest actual intensity slot; forecast: the newest intensity forecast issue; score-forecasts: the newest
 * accuracy score). Positive = overdue. Labels `region`, `workflow` (the schedule: ingest, forecast, score-forecasts).
 * Temporal's own failure counts are not in InfluxDB; every failed (or never started) run of these shows here.
 */
export function workflowsOverdue(settings: AlertingSettings['workflowsOverdue']): string {
  const age = (maxAgeMin: number) => `float(v: int(v: now()) - int(v: r._time)) / ${NS_PER_MIN} - ${f(maxAgeMin)}`;
  const range = `range(start: -${settings.lookbackD}d)`;
  return `ingest = from(bucket: ${s(BUCKETS.carbonIntensity)})
  |> ${range}
  |> filter(fn: (r) => r._measurement == ${s(INTENSITY.measurement)} and r.${INTENSITY.tags.kind} == ${s(ACTUAL)} and r._field == ${s(INTENSITY.fields.intensity)})
  |> last()
  |> group(columns: [${s(INTENSITY.tags.region)}])
  |> sort(columns: ["_time"])
  |> last()
  |> map(fn: (r) => ({ _time: now(), _value: ${age(settings.ingestMaxAgeMin)}, ${ALERT_LABELS.region}: r.${INTENSITY.tags.region}, workflow: "ingest" }))
forecast = from(bucket: ${s(BUCKETS.forecasts)})
  |> ${range}
  |> filter(fn: (r) => r._measurement == ${s(FORECAST_SERVING.measurement)} and r.${FORECAST_SERVING.tags.kind} == ${s(INTENSITY_SERVING_KIND)} and r._field == ${s(FORECAST_SERVING.fields.points)})
  |> last()
  |> group(columns: [${s(FORECAST_SERVING.tags.key)}])
  |> sort(columns: ["_time"])
  |> last()
  |> map(fn: (r) => ({ _time: now(), _value: ${age(settings.forecastMaxAgeMin)}, ${ALERT_LABELS.region}: r.${FORECAST_SERVING.tags.key}, workflow: "forecast" }))
score = from(bucket: ${s(BUCKETS.forecasts)})
  |> ${range}
  |> filter(fn: (r) => r._measurement == ${s(FORECAST_ACCURACY.measurement)} and r._field == ${s(FORECAST_ACCURACY.fields.points)})
  |> last()
  |> group(columns: [${s(FORECAST_ACCURACY.tags.region)}])
  |> sort(columns: ["_time"])
  |> last()
  |> map(fn: (r) => ({ _time: now(), _value: ${age(settings.scoreMaxAgeMin)}, ${ALERT_LABELS.region}: r.${FORECAST_ACCURACY.tags.region}, workflow: "score-forecasts" }))
union(tables: [ingest, forecast, score])
  |> group(columns: [${s(ALERT_LABELS.region)}, "workflow"])`;
}

/** The champion's backtest MAE per horizon label (`30m`, `1h`, …), gCO2/kWh. */
export type BacktestMae = Readonly<Record<string, number>>;

/**
 * Forecast accuracy degraded, per region and horizon: the champion's newest live MAE over the scoring window divided
 * by its backtest MAE at that horizon (1 = as good as the backtest). Labels `region`, `horizon`.
 */
export function forecastAccuracyDegraded(
  settings: AlertingSettings['forecastAccuracy'],
  backtest: BacktestMae,
): string {
  const a = FORECAST_ACCURACY;
  const entries = Object.entries(backtest);
  if (entries.length === 0) throw new Error('forecastAccuracyDegraded: the backtest has no horizon');
  const dictionary = entries.map(([h, mae]) => `${s(h)}: ${f(mae)}`).join(', ');
  return `${use('dict')}

backtest = [${dictionary}]
from(bucket: ${s(BUCKETS.forecasts)})
  |> range(start: -3h)
  |> filter(fn: (r) => r._measurement == ${s(a.measurement)} and r.${a.tags.window} == ${s(settings.window)} and r.${a.tags.servedBy} == ${s(CHAMPION)})
  |> filter(fn: (r) => r._field == ${s(a.fields.mae)} or r._field == ${s(a.fields.points)})
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
  |> filter(fn: (r) => exists r.${a.fields.mae} and exists r.${a.fields.points} and r.${a.fields.points} >= ${settings.minPoints})
  |> map(fn: (r) => ({ r with baseline: dict.get(dict: backtest, key: r.${a.tags.horizon}, default: -1.0) }))
  |> filter(fn: (r) => r.baseline > 0.0)
  |> group(columns: [${s(a.tags.region)}, ${s(a.tags.horizon)}])
  |> sort(columns: ["_time"])
  |> last(column: "_time")
  |> map(fn: (r) => ({ _time: r._time, _value: r.${a.fields.mae} / r.baseline, ${ALERT_LABELS.region}: r.${a.tags.region}, horizon: r.${a.tags.horizon} }))
  |> group(columns: [${s(ALERT_LABELS.region)}, "horizon"])`;
}

/** The label of a workflow-failures alert instance: the failing workflow type. */
export const WORKFLOW_TYPE_LABEL = 'workflow_type';

/**
 * Workflow failures, per workflow type: the increases of the worker's failed-workflow counter (the Temporal SDK's,
 * scraped by Telegraf into `service_metrics`) over the last `windowMin` minutes, summed per type (every namespace and
 * task queue). A restarted worker's counter starting again counts nothing, not a negative number.
 */
export function workflowFailures(settings: AlertingSettings['workflowFailures']): string {
  const sm = SERVICE_METRICS;
  return `from(bucket: ${s(BUCKETS.telemetry)})
  |> range(start: -${settings.windowMin}m)
  |> filter(fn: (r) => r._measurement == ${s(sm.measurement)} and r.${sm.tags.service} == ${s(sm.services.worker)} and r._field == ${s(sm.fields.workflowFailed)})
  |> difference(nonNegative: true)
  |> group(columns: [${s(sm.tags.workflowType)}])
  |> sum()
  // A series with one scrape in the window has no increase: sum() of nothing is null, not a count.
  |> filter(fn: (r) => exists r._value)
  |> map(fn: (r) => ({ _time: now(), _value: float(v: r._value), ${WORKFLOW_TYPE_LABEL}: r.${sm.tags.workflowType} }))
  |> group(columns: [${s(WORKFLOW_TYPE_LABEL)}])`;
}
