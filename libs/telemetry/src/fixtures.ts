import golden from '../fixtures/golden.json';
import deviceMessages from '../fixtures/device-messages.json';
import type { RejectReason } from './contract';

export interface GoldenCase {
  name: string;
  topic: string;
  /** Payload template: `{{home}}`, `{{now}}`, `{{now+N}}`, `{{now-N}}` (ms). */
  payload: string;
  /** `details`, when given, are the rejects' exact details (same order as `rejects`). */
  expect: { points: number; rejects: RejectReason[]; details?: string[] };
}

/** Contract fixtures shared by the TS validator's unit test and the real-Telegraf golden test. */
export const GOLDEN_CASES: readonly GoldenCase[] = golden.cases as GoldenCase[];

/** Fills a fixture template for one run: `homeId` isolates the run's points, `nowMs` is the receive time. */
export function renderTemplate(template: string, vars: { homeId: string; nowMs: number }): string {
  return template
    .replace(/\{\{home\}\}/g, vars.homeId)
    .replace(/\{\{now(?:([+-])(\d+))?\}\}/g, (_m, sign?: string, offset?: string) =>
      String(vars.nowMs + (sign === '-' ? -1 : 1) * Number(offset ?? 0)),
    );
}

export type DeviceMessageKind = 'command' | 'ack' | 'event' | 'notification';

export interface DeviceMessageCase {
  name: string;
  message: DeviceMessageKind;
  topic: string;
  payload: string;
  expect: { ok: true; value: unknown } | { ok: false; reason: string; field?: string; idempotencyKey?: string | null };
}

/** Service ↔ device fixtures shared by the TS parsers' unit test and the firmware's C++ tests. */
export const DEVICE_MESSAGE_CASES: readonly DeviceMessageCase[] = deviceMessages.cases as DeviceMessageCase[];
