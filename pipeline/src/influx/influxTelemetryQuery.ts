import { InfluxDB, flux, fluxDateTime, type QueryApi } from '@influxdata/influxdb-client';
import { MEASUREMENTS } from '@carbonreducer/telemetry';
import type { InfluxConfig } from '../config';
import type { TelemetryQuery, TimeRange } from './telemetryQuery';

/** The field each measurement is counted on (every accepted point has it). */
const COUNT_FIELD: Record<string, string> = {
  meter: 'power_w',
  plug: 'power_w',
  thermometer: 'temperature_c',
  intensity: 'intensity_g_per_kwh',
  gateway: 'buffered_readings',
  [MEASUREMENTS.status]: 'online',
};

const iso = (ms: number) => fluxDateTime(new Date(ms).toISOString());

export function createInfluxTelemetryQuery(config: InfluxConfig): TelemetryQuery {
  const api: QueryApi = new InfluxDB({ url: config.url, token: config.token, timeout: 60_000 }).getQueryApi(config.org);
  const bucket = config.bucket;
  return {
    async countPoints(homeId: string, range: TimeRange) {
      const rows = await api.collectRows<{
        _measurement: string;
        device_id: string;
        _field: string;
        _value: number;
      }>(flux`
        from(bucket: ${bucket})
          |> range(start: ${iso(range.startMs)}, stop: ${iso(range.stopMs)})
          |> filter(fn: (r) => r.home_id == ${homeId})
          |> group(columns: ["_measurement", "device_id", "_field"])
          |> count()`);
      const out: Record<string, number> = {};
      for (const r of rows) {
        if (COUNT_FIELD[r._measurement] === r._field) out[`${r._measurement}/${r.device_id}`] = Number(r._value);
      }
      return out;
    },
    async fieldValues(homeId: string, deviceId: string, field: string, range: TimeRange) {
      const rows = await api.collectRows<{ _time: string; _value: number }>(flux`
        from(bucket: ${bucket})
          |> range(start: ${iso(range.startMs)}, stop: ${iso(range.stopMs)})
          |> filter(fn: (r) => r.home_id == ${homeId} and r.device_id == ${deviceId} and r._field == ${field})`);
      return new Map(rows.map((r) => [Date.parse(r._time), Number(r._value)]));
    },
    async rejectsByReason(topicSubstring: string, range: TimeRange) {
      const rows = await api.collectRows<{ reason: string; _value: number }>(flux`
        import "strings"
        from(bucket: ${bucket})
          |> range(start: ${iso(range.startMs)}, stop: ${iso(range.stopMs)})
          |> filter(fn: (r) => r._measurement == ${MEASUREMENTS.rejects} and r._field == "topic")
          |> filter(fn: (r) => strings.containsStr(v: r._value, substr: ${topicSubstring}))
          |> group(columns: ["reason"])
          |> count()`);
      const out: Record<string, number> = {};
      for (const r of rows) out[r.reason] = (out[r.reason] ?? 0) + Number(r._value);
      return out;
    },
  };
}
