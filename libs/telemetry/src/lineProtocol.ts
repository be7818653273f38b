import type { TelemetryPoint } from './validate';

function escapeKey(value: string): string {
  return value.replace(/[\\, =]/g, (c) => `\\${c}`);
}

/**
 * InfluxDB line protocol for one point, timestamp in milliseconds (write with `precision=ms`).
 * Numbers are always written as floats (no `i` suffix) so that a field never changes type between writes.
 */
export function toLineProtocol(point: TelemetryPoint): string {
  const tags = Object.entries(point.tags)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${escapeKey(k)}=${escapeKey(v)}`)
    .join(',');
  const fields = Object.entries(point.fields)
    .map(([k, v]) => `${escapeKey(k)}=${typeof v === 'boolean' ? String(v) : formatFloat(v)}`)
    .join(',');
  return `${escapeKey(point.measurement)}${tags ? ',' + tags : ''} ${fields} ${Math.round(point.timeMs)}`;
}

function formatFloat(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`line protocol cannot carry ${value}`);
  return String(value);
}
