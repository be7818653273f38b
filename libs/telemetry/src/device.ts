/**
 * The service ↔ device half of the contract: commands (service → device), acks and events (device → service) and
 * notifications (service → a home's displays). Telemetry and status are in `topics.ts` / `validate.ts`; ids follow
 * the one rule of `isValidId`. Documented in CONTRACT.md; `fixtures/device-messages.json` holds the golden cases
 * that the TypeScript parsers here and the firmware's C++ parser must answer alike.
 */
import { TOPIC_ROOT } from './contract';
import { assertId, isValidId } from './topics';

export const COMMAND_PAYLOAD_VERSION = 1;
export const ACK_SUBSCRIPTION = `${TOPIC_ROOT}/+/acks/+`;
export const EVENT_SUBSCRIPTION = `${TOPIC_ROOT}/+/events/+`;
/** What a device subscribes to: its own commands only (the broker's per-device role allows nothing else). */
export const COMMAND_ACTIONS = ['start', 'stop'] as const;
export type CommandAction = (typeof COMMAND_ACTIONS)[number];
export const DEVICE_EVENT_TYPES = ['manual_start', 'readings_evicted'] as const;
export type DeviceEventType = (typeof DEVICE_EVENT_TYPES)[number];
export const NOTIFICATION_KINDS = ['high_carbon_hours', 'plan_changed', 'run_started', 'info'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** Why a device refused a command; the `reason` of its `ok: false` ack. */
export const COMMAND_REJECT_REASONS = [
  'payload_too_large',
  'bad_json',
  'bad_version',
  'missing_field',
  'bad_type',
  'bad_value',
  'wrong_device',
] as const;
export type CommandRejectReason = (typeof COMMAND_REJECT_REASONS)[number];

/** Command payloads are small and fixed-shape: devices parse them into fixed-size buffers. */
export const COMMAND_LIMITS = {
  maxCommandBytes: 1024,
  /** Longest idempotency key, appliance and request id (bytes of ASCII). */
  maxKeyLength: 128,
} as const;

export function commandTopic(homeId: string, deviceId: string): string {
  assertId('homeId', homeId);
  assertId('deviceId', deviceId);
  return `${TOPIC_ROOT}/${homeId}/commands/${deviceId}`;
}

export function ackTopic(homeId: string, deviceId: string): string {
  assertId('homeId', homeId);
  assertId('deviceId', deviceId);
  return `${TOPIC_ROOT}/${homeId}/acks/${deviceId}`;
}

export function eventTopic(homeId: string, deviceId: string): string {
  assertId('homeId', homeId);
  assertId('deviceId', deviceId);
  return `${TOPIC_ROOT}/${homeId}/events/${deviceId}`;
}

/** `carbonreducer/{homeId}/notifications`: service → the home's displays (QoS 1, not retained). */
export function notificationTopic(homeId: string): string {
  assertId('homeId', homeId);
  return `${TOPIC_ROOT}/${homeId}/notifications`;
}

export type DeviceTopicLevel = 'commands' | 'acks' | 'events';

/** `{ level, homeId, deviceId }` of a command, ack or event topic, or undefined for any other topic. */
export function parseDeviceTopic(
  topic: string,
): { level: DeviceTopicLevel; homeId: string; deviceId: string } | undefined {
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== TOPIC_ROOT) return undefined;
  const [, homeId = '', level = '', deviceId = ''] = parts;
  if (!isValidId(homeId) || !isValidId(deviceId)) return undefined;
  if (level === 'commands' || level === 'acks' || level === 'events') return { level, homeId, deviceId };
  return undefined;
}

export interface CommandPayload {
  v: number;
  idempotencyKey: string;
  homeId: string;
  deviceId: string;
  appliance: string;
  requestId: string;
  action: CommandAction;
  /** Planned time of the command (ISO-8601, UTC). */
  plannedAt: string;
  planVersion: number;
}

export interface AckPayload {
  /** `null` only when the device could not read the command's key (its `reason` says why). */
  idempotencyKey: string | null;
  ok: boolean;
  at?: string;
  /** Machine-readable refusal reason (devices that follow contract v1 fully always send it with `ok: false`). */
  reason?: CommandRejectReason;
  /** Words for a person: what was wrong. */
  error?: string;
}

export type DeviceEvent =
  { type: 'manual_start'; at?: string } | { type: 'readings_evicted'; count: number; at?: string };

export interface NotificationPayload {
  v: number;
  id: string;
  kind: NotificationKind;
  title: string;
  body: string;
  /** When it was sent (ISO). */
  at: string;
  /** The window it is about, when it is about one (ISO). */
  from?: string;
  to?: string;
}

/** A payload refused by a parser: a reason code and the field it was about. */
export class ContractError extends Error {
  constructor(
    readonly reason: CommandRejectReason,
    readonly field: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ContractError';
  }
}

export type CommandParseResult =
  | { ok: true; command: CommandPayload }
  | { ok: false; reason: CommandRejectReason; field?: string; idempotencyKey: string | null; message: string };

/**
 * What a device does with a command that arrived on its own commands topic (`homeId`, `deviceId` from the topic):
 * the command, or why it is refused, with the idempotency key when it could be read so the ack can name it.
 */
export function parseCommand(text: string, to: { homeId: string; deviceId: string }): CommandParseResult {
  let key: string | null = null;
  try {
    if (utf8Bytes(text) > COMMAND_LIMITS.maxCommandBytes) {
      throw new ContractError('payload_too_large', undefined, `command: over ${COMMAND_LIMITS.maxCommandBytes} bytes`);
    }
    const value = parseObject(text, 'command');
    if (typeof value.idempotencyKey === 'string' && isKey(value.idempotencyKey)) key = value.idempotencyKey;
    if (value.v !== COMMAND_PAYLOAD_VERSION) {
      throw new ContractError('bad_version', 'v', `command: v must be ${COMMAND_PAYLOAD_VERSION}`);
    }
    const command = readCommand(value);
    if (command.homeId !== to.homeId) {
      throw new ContractError('wrong_device', 'homeId', `command: for home ${command.homeId}, not ${to.homeId}`);
    }
    if (command.deviceId !== to.deviceId) {
      throw new ContractError(
        'wrong_device',
        'deviceId',
        `command: for device ${command.deviceId}, not ${to.deviceId}`,
      );
    }
    return { ok: true, command };
  } catch (err) {
    if (!(err instanceof ContractError)) throw err;
    return {
      ok: false,
      reason: err.reason,
      ...(err.field !== undefined ? { field: err.field } : {}),
      idempotencyKey: key,
      message: err.message,
    };
  }
}

function readCommand(value: Record<string, unknown>): CommandPayload {
  const idempotencyKey = keyField(value, 'idempotencyKey');
  const homeId = idField(value, 'homeId');
  const deviceId = idField(value, 'deviceId');
  const appliance = keyField(value, 'appliance');
  const requestId = keyField(value, 'requestId');
  const action = value.action;
  if (action === undefined) throw new ContractError('missing_field', 'action', 'command: action is missing');
  if (typeof action !== 'string') throw new ContractError('bad_type', 'action', 'command: action must be a string');
  if (!(COMMAND_ACTIONS as readonly string[]).includes(action)) {
    throw new ContractError('bad_value', 'action', `command: action ${JSON.stringify(action)} is not start or stop`);
  }
  const plannedAt = isoField(value, 'plannedAt', 'command');
  if (plannedAt === undefined) throw new ContractError('missing_field', 'plannedAt', 'command: plannedAt is missing');
  const planVersion = value.planVersion;
  if (planVersion === undefined)
    throw new ContractError('missing_field', 'planVersion', 'command: planVersion is missing');
  if (typeof planVersion !== 'number' || !Number.isSafeInteger(planVersion) || planVersion < 0) {
    throw new ContractError('bad_type', 'planVersion', 'command: planVersion must be a non-negative integer');
  }
  return {
    v: COMMAND_PAYLOAD_VERSION,
    idempotencyKey,
    homeId,
    deviceId,
    appliance,
    requestId,
    action: action as CommandAction,
    plannedAt,
    planVersion,
  };
}

/** Parses a device ack; throws a ContractError naming the field that is wrong. */
export function parseAck(text: string): AckPayload {
  const value = parseObject(text, 'ack');
  if (typeof value.ok !== 'boolean') {
    throw new ContractError(
      value.ok === undefined ? 'missing_field' : 'bad_type',
      'ok',
      'ack: ok must be true or false',
    );
  }
  const key = value.idempotencyKey;
  const keyOk = typeof key === 'string' && isKey(key);
  // A refusal of a command whose key could not be read names no key; every other ack must.
  if (!keyOk && !(key === null && value.ok === false && typeof value.reason === 'string')) {
    throw new ContractError(
      key === undefined ? 'missing_field' : 'bad_type',
      'idempotencyKey',
      'ack: idempotencyKey must be a non-empty string',
    );
  }
  const at = isoField(value, 'at', 'ack');
  if (value.reason !== undefined && !(COMMAND_REJECT_REASONS as readonly unknown[]).includes(value.reason)) {
    throw new ContractError('bad_value', 'reason', `ack: unknown reason ${JSON.stringify(value.reason)}`);
  }
  if (value.error !== undefined && typeof value.error !== 'string') {
    throw new ContractError('bad_type', 'error', 'ack: error must be a string');
  }
  return {
    idempotencyKey: keyOk ? key : null,
    ok: value.ok,
    ...(at !== undefined ? { at } : {}),
    ...(value.reason !== undefined ? { reason: value.reason as CommandRejectReason } : {}),
    ...(typeof value.error === 'string' ? { error: value.error } : {}),
  };
}

export function parseDeviceEvent(text: string): DeviceEvent {
  const value = parseObject(text, 'event');
  const at = isoField(value, 'at', 'event');
  const withAt = at !== undefined ? { at } : {};
  if (value.type === 'manual_start') return { type: 'manual_start', ...withAt };
  if (value.type === 'readings_evicted') {
    if (typeof value.count !== 'number' || !Number.isSafeInteger(value.count) || value.count < 1) {
      throw new ContractError('bad_type', 'count', 'event: count must be a positive integer');
    }
    return { type: 'readings_evicted', count: value.count, ...withAt };
  }
  throw new ContractError(
    value.type === undefined ? 'missing_field' : 'bad_value',
    'type',
    `event: unknown type ${JSON.stringify(value.type)} (expected one of ${DEVICE_EVENT_TYPES.join(', ')})`,
  );
}

export function parseNotification(text: string): NotificationPayload {
  const value = parseObject(text, 'notification');
  if (value.v !== COMMAND_PAYLOAD_VERSION) {
    throw new ContractError('bad_version', 'v', `notification: v must be ${COMMAND_PAYLOAD_VERSION}`);
  }
  const id = keyField(value, 'id', 'notification');
  if (!(NOTIFICATION_KINDS as readonly unknown[]).includes(value.kind)) {
    throw new ContractError('bad_value', 'kind', `notification: unknown kind ${JSON.stringify(value.kind)}`);
  }
  for (const field of ['title', 'body'] as const) {
    if (typeof value[field] !== 'string') {
      throw new ContractError('bad_type', field, `notification: ${field} must be a string`);
    }
  }
  const at = isoField(value, 'at', 'notification');
  if (at === undefined) throw new ContractError('missing_field', 'at', 'notification: at is missing');
  const from = isoField(value, 'from', 'notification');
  const to = isoField(value, 'to', 'notification');
  return {
    v: COMMAND_PAYLOAD_VERSION,
    id,
    kind: value.kind as NotificationKind,
    title: value.title as string,
    body: value.body as string,
    at,
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
  };
}

export function encodeAck(ack: AckPayload): string {
  return JSON.stringify(ack);
}

function isKey(value: string): boolean {
  return value.length > 0 && value.length <= COMMAND_LIMITS.maxKeyLength && /^[\x21-\x7e]+$/.test(value);
}

function keyField(value: Record<string, unknown>, field: string, what = 'command'): string {
  const v = value[field];
  if (v === undefined) throw new ContractError('missing_field', field, `${what}: ${field} is missing`);
  if (typeof v !== 'string') throw new ContractError('bad_type', field, `${what}: ${field} must be a string`);
  if (!isKey(v)) {
    throw new ContractError(
      'bad_value',
      field,
      `${what}: ${field} must be 1-${COMMAND_LIMITS.maxKeyLength} printable ASCII characters`,
    );
  }
  return v;
}

function idField(value: Record<string, unknown>, field: string): string {
  const v = value[field];
  if (v === undefined) throw new ContractError('missing_field', field, `command: ${field} is missing`);
  if (typeof v !== 'string') throw new ContractError('bad_type', field, `command: ${field} must be a string`);
  if (!isValidId(v)) throw new ContractError('bad_value', field, `command: ${field} is not a valid id`);
  return v;
}

/** An optional ISO-8601 time field (with a `Z` or offset), or undefined when absent. */
function isoField(value: Record<string, unknown>, field: string, what: string): string | undefined {
  const v = value[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ContractError('bad_type', field, `${what}: ${field} must be an ISO-8601 time`);
  if (!ISO_TIME.test(v) || Number.isNaN(Date.parse(v))) {
    throw new ContractError('bad_value', field, `${what}: ${field} must be an ISO-8601 time`);
  }
  return v;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

function parseObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw Object.assign(new ContractError('bad_json', undefined, `${what}: payload is not JSON`), { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ContractError('bad_json', undefined, `${what}: payload must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}
