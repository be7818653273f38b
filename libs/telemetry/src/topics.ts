import { DEVICE_KINDS, LIMITS, TOPIC_ROOT, type DeviceKind } from './contract';

/** `carbonreducer/{homeId}/telemetry/{kind}/{deviceId}` */
export interface TelemetryTopic {
  type: 'telemetry';
  homeId: string;
  kind: DeviceKind;
  deviceId: string;
}

/** `carbonreducer/{homeId}/status/{deviceId}` (retained; the device's last will says offline) */
export interface StatusTopic {
  type: 'status';
  homeId: string;
  deviceId: string;
}

export type ParsedTopic = TelemetryTopic | StatusTopic;

/** Subscriptions that cover every contract topic (Telegraf, the gateway, tests). */
export const TELEMETRY_SUBSCRIPTION = `${TOPIC_ROOT}/+/telemetry/#`;
export const STATUS_SUBSCRIPTION = `${TOPIC_ROOT}/+/status/#`;

const ID_FIRST = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ID_REST = ID_FIRST + '_-';

/** Home and device ids: 1–64 characters of [a-z0-9_-], starting with a letter or digit (safe as topic level and tag). */
export function isValidId(id: string): boolean {
  if (id.length < 1 || id.length > LIMITS.maxIdLength) return false;
  for (let i = 0; i < id.length; i++) {
    if (!(i === 0 ? ID_FIRST : ID_REST).includes(id[i] as string)) return false;
  }
  return true;
}

/** The same rule as a regular expression, for tables that must agree (SQL `CHECK`, Go, C++): checked by tests. */
export const ID_PATTERN = `^[a-z0-9][a-z0-9_-]{0,${LIMITS.maxIdLength - 1}}$`;

/** Throws naming `what` when `id` breaks the id rule. */
export function assertId(what: string, id: string): void {
  if (!isValidId(id)) {
    throw new Error(
      `${what} ${JSON.stringify(id)} is not a valid id: 1-64 of [a-z0-9_-], starting with a letter or digit`,
    );
  }
}

export function isDeviceKind(value: string): value is DeviceKind {
  return (DEVICE_KINDS as readonly string[]).includes(value);
}

export function telemetryTopic(homeId: string, kind: DeviceKind, deviceId: string): string {
  assertId('homeId', homeId);
  assertId('deviceId', deviceId);
  return `${TOPIC_ROOT}/${homeId}/telemetry/${kind}/${deviceId}`;
}

export function statusTopic(homeId: string, deviceId: string): string {
  assertId('homeId', homeId);
  assertId('deviceId', deviceId);
  return `${TOPIC_ROOT}/${homeId}/status/${deviceId}`;
}

/** The contract topic, or undefined when the topic is outside the contract (a `bad_topic` reject). */
export function parseTopic(topic: string): ParsedTopic | undefined {
  const parts = topic.split('/');
  if (parts[0] !== TOPIC_ROOT) return undefined;
  const homeId = parts[1] ?? '';
  if (!isValidId(homeId)) return undefined;
  if (parts.length === 5 && parts[2] === 'telemetry') {
    const kind = parts[3] ?? '';
    const deviceId = parts[4] ?? '';
    if (!isDeviceKind(kind) || !isValidId(deviceId)) return undefined;
    return { type: 'telemetry', homeId, kind, deviceId };
  }
  if (parts.length === 4 && parts[2] === 'status') {
    const deviceId = parts[3] ?? '';
    if (!isValidId(deviceId)) return undefined;
    return { type: 'status', homeId, deviceId };
  }
  return undefined;
}
