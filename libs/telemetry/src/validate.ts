import {
  CONTRACT_VERSION,
  DEVICE_STATES,
  FIELDS,
  KINDS,
  LIMITS,
  MEASUREMENTS,
  QUANTITY_PREFIXES,
  type DeviceKind,
  type FieldKey,
  type RejectReason,
} from './contract';
import { parseTopic } from './topics';

/** One InfluxDB point: measurement + tags + time is the series identity, so a redelivery overwrites itself. */
export interface TelemetryPoint {
  measurement: string;
  tags: { home_id: string; device_id: string };
  fields: Record<string, number | boolean>;
  /** Device time in ms since the Unix epoch (UTC); the InfluxDB timestamp. */
  timeMs: number;
}

export interface Rejection {
  reason: RejectReason;
  /** What exactly was wrong (a field name, a value), for the analyst reading the rejects. */
  detail: string;
}

export interface ValidationResult {
  points: TelemetryPoint[];
  rejects: Rejection[];
}

/** What the validator needs from the receiver; `receivedAtMs` is the receive time (ms, UTC), never read from a clock here. */
export interface ValidationContext {
  receivedAtMs: number;
}

/**
 * Go's `unicode.IsSpace`: Unicode White_Space (what `bytes.TrimSpace` strips). Not JS's `\s`/`trim()`, which also
 * strip U+FEFF and keep U+0085.
 */
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/;

/**
 * Trims exactly as Telegraf's value parser does before our processor sees the payload: NULs at both ends first
 * (`bytes.Trim(buf, "\x00")`), then Unicode whitespace at both ends (`bytes.TrimSpace`). So `"\0 \0"` becomes `""`,
 * but `" \0 "` keeps its NUL. Cases shared with the Go side: `fixtures/trim.json`.
 */
export function trimPayload(payload: string): string {
  let start = 0;
  let end = payload.length;
  while (start < end && payload[start] === '\0') start++;
  while (end > start && payload[end - 1] === '\0') end--;
  while (start < end && GO_SPACE.test(payload[start] as string)) start++;
  while (end > start && GO_SPACE.test(payload[end - 1] as string)) end--;
  return payload.slice(start, end);
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function reject(reason: RejectReason, detail: string): ValidationResult {
  return { points: [], rejects: [{ reason, detail }] };
}

/**
 * Validates one message against the contract, exactly as Telegraf's processor (pipeline/telegraf-processor) does
 * (golden-tested; JSON.parse semantics on both sides, so a repeated key's last value wins):
 * a message yields accepted points and/or rejections, never an exception. Checks run in a fixed order so
 * that both implementations report the same reason for the same input.
 */
export function validateMessage(topic: string, payload: string, ctx: ValidationContext): ValidationResult {
  const text = trimPayload(payload);
  if (utf8Length(text) > LIMITS.maxPayloadBytes) {
    return reject('payload_too_large', `${utf8Length(text)} bytes > ${LIMITS.maxPayloadBytes}`);
  }
  const parsedTopic = parseTopic(topic);
  if (parsedTopic === undefined) return reject('bad_topic', firstChars(topic, 200));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return reject('bad_json', 'not valid JSON');
  }
  if (!isObject(body)) return reject('bad_json', 'not a JSON object');
  if (!Object.hasOwn(body, 'v') || body.v !== CONTRACT_VERSION)
    return reject('bad_version', `v=${JSON.stringify(body.v ?? null)}`);

  if (parsedTopic.type === 'status') {
    const state = Object.hasOwn(body, 'state') ? body.state : undefined;
    if (typeof state !== 'string' || !(DEVICE_STATES as readonly string[]).includes(state)) {
      return reject('bad_state', `state=${JSON.stringify(state ?? null)}`);
    }
    let timeMs = ctx.receivedAtMs;
    if (Object.hasOwn(body, 'ts')) {
      const ts = checkTimestamp(body.ts, ctx);
      if (typeof ts !== 'number') return { points: [], rejects: [ts] };
      timeMs = ts;
    }
    return {
      points: [
        {
          measurement: MEASUREMENTS.status,
          tags: { home_id: parsedTopic.homeId, device_id: parsedTopic.deviceId },
          fields: { online: state === 'online' },
          timeMs,
        },
      ],
      rejects: [],
    };
  }

  let readings: JsonObject[];
  if (Object.hasOwn(body, 'readings')) {
    const list = body.readings;
    if (!Array.isArray(list)) return reject('bad_batch', 'readings is not a list');
    if (list.length === 0) return reject('bad_batch', 'readings is empty');
    if (list.length > LIMITS.maxBatchReadings) {
      return reject('bad_batch', `${list.length} readings > ${LIMITS.maxBatchReadings}`);
    }
    for (const key of Object.keys(body)) {
      if (key !== 'v' && key !== 'readings') return reject('bad_batch', `unexpected envelope key ${key}`);
    }
    readings = [];
    for (const item of list) {
      if (!isObject(item)) return reject('bad_batch', 'a reading is not an object');
      readings.push(item);
    }
  } else {
    readings = [body];
  }

  const result: ValidationResult = { points: [], rejects: [] };
  for (const reading of readings) {
    const outcome = validateReading(reading, parsedTopic.kind, ctx);
    if ('reason' in outcome) result.rejects.push(outcome);
    else
      result.points.push({
        measurement: parsedTopic.kind,
        tags: { home_id: parsedTopic.homeId, device_id: parsedTopic.deviceId },
        fields: outcome.fields,
        timeMs: outcome.timeMs,
      });
  }
  return result;
}

function checkTimestamp(ts: Json | undefined, ctx: ValidationContext): number | Rejection {
  if (typeof ts !== 'number' || !Number.isInteger(ts)) {
    return { reason: 'bad_type', detail: 'ts must be integer ms since the Unix epoch' };
  }
  if (ts < LIMITS.minTimestampMs) return { reason: 'ts_too_old', detail: `ts=${ts}` };
  if (ts > ctx.receivedAtMs + LIMITS.maxFutureSkewMs) {
    return { reason: 'ts_in_future', detail: `ts=${ts} is ${ts - ctx.receivedAtMs} ms ahead` };
  }
  return ts;
}

function validateReading(
  reading: JsonObject,
  kind: DeviceKind,
  ctx: ValidationContext,
): Rejection | { timeMs: number; fields: Record<string, number> } {
  if (!Object.hasOwn(reading, 'ts')) return { reason: 'missing_field', detail: 'ts' };
  const ts = checkTimestamp(reading.ts, ctx);
  if (typeof ts !== 'number') return ts;

  const spec = KINDS[kind];
  const allowed: readonly string[] = [...spec.required, ...spec.optional];
  // Sorted so that the first offending key (and with it the reason) is the same in Telegraf's processor.
  const keys = Object.keys(reading).sort();
  for (const key of keys) {
    if (key === 'ts' || key === 'v' || allowed.includes(key)) continue;
    if (Object.hasOwn(FIELDS, key)) return { reason: 'unknown_field', detail: `${key} is not a field of ${kind}` };
    if (QUANTITY_PREFIXES.some((prefix) => key.startsWith(prefix))) {
      return { reason: 'wrong_unit', detail: `${key} (contract for ${kind}: ${allowed.join(', ')})` };
    }
    return { reason: 'unknown_field', detail: firstChars(key, 100) };
  }
  for (const key of spec.required) {
    if (!Object.hasOwn(reading, key)) return { reason: 'missing_field', detail: key };
  }
  const fields: Record<string, number> = {};
  for (const key of Object.keys(FIELDS) as FieldKey[]) {
    if (!Object.hasOwn(reading, key)) continue;
    const value = reading[key];
    const field = FIELDS[key];
    if (typeof value !== 'number') return { reason: 'bad_type', detail: `${key} must be a number` };
    if (!(value >= field.min && value <= field.max)) {
      return { reason: 'out_of_range', detail: `${key}=${value} outside [${field.min}, ${field.max}] ${field.unit}` };
    }
    fields[field.influxField] = value;
  }
  return { timeMs: ts, fields };
}

/** The first `n` characters (code points) of `s`: a cut never splits a surrogate pair, and counts as Go's runes do. */
function firstChars(s: string, n: number): string {
  let end = 0;
  for (let count = 0; count < n && end < s.length; count++) end += s.codePointAt(end)! > 0xffff ? 2 : 1;
  return s.slice(0, end);
}
