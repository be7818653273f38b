import {
  createInfluxClient,
  rejectsByReasonQuery,
  TELEMETRY,
  telemetryCountQuery,
  telemetryFieldQuery,
} from '@carbonreducer/influx';
import type { InfluxConfig } from '../config';
import type { TelemetryQuery } from './telemetryQuery';

export function createInfluxTelemetryQuery(config: InfluxConfig): TelemetryQuery {
  const api = createInfluxClient({ ...config, timeoutMs: 60_000 }).getQueryApi(config.org);
  const bucket = config.bucket;
  return {
    async countPoints(homeId, range) {
      const rows = await api.collectRows<{ _measurement: string; device_id: string; _field: string; _value: number }>(
        telemetryCountQuery(bucket, { homeId, ...range }),
      );
      const out: Record<string, number> = {};
      for (const r of rows) {
        if (TELEMETRY.countField[r._measurement] === r._field)
          out[`${r._measurement}/${r.device_id}`] = Number(r._value);
      }
      return out;
    },
    async fieldValues(homeId, deviceId, field, range) {
      const rows = await api.collectRows<{ _time: string; _value: number }>(
        telemetryFieldQuery(bucket, { homeId, deviceId, field, ...range }),
      );
      return new Map(rows.map((r) => [Date.parse(r._time), Number(r._value)]));
    },
    async rejectsByReason(topicSubstring, range) {
      const rows = await api.collectRows<{ reason: string; _value: number }>(
        rejectsByReasonQuery(bucket, { topicSubstring, ...range }),
      );
      const out: Record<string, number> = {};
      for (const r of rows) out[r.reason] = (out[r.reason] ?? 0) + Number(r._value);
      return out;
    },
  };
}
