import { CONTRACT_VERSION, FIELDS, type DeviceState, type FieldKey } from './contract';

/** One reading as a producer holds it: device time plus any contract fields (units in the names). */
export type Reading = { tsMs: number } & Partial<Record<FieldKey, number>>;

function readingBody(reading: Reading): Record<string, number> {
  const out: Record<string, number> = { ts: Math.round(reading.tsMs) };
  for (const key of Object.keys(FIELDS) as FieldKey[]) {
    const value = reading[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** `{"v":1,"ts":…,"powerW":…}`: one reading per message. */
export function encodeReading(reading: Reading): string {
  return JSON.stringify({ v: CONTRACT_VERSION, ...readingBody(reading) });
}

/** `{"v":1,"readings":[{"ts":…,…},…]}`: several readings of the same device in one message (≤ LIMITS.maxBatchReadings). */
export function encodeBatch(readings: readonly Reading[]): string {
  return JSON.stringify({ v: CONTRACT_VERSION, readings: readings.map(readingBody) });
}

/** Retained device status; without `tsMs` (the last will) the receiver's time is used. */
export function encodeStatus(state: DeviceState, tsMs?: number): string {
  return JSON.stringify(tsMs === undefined ? { v: CONTRACT_VERSION, state } : { v: CONTRACT_VERSION, state, ts: tsMs });
}
