/**
 * Device command topics. libs/telemetry defines the device → service topics (telemetry, status); commands, acks and
 * device events live beside them under `carbonreducer/{homeId}/…`, where the broker's ACL lets devices read
 * `carbonreducer/+/commands/#` and write everything under `carbonreducer/`.
 *
 *   carbonreducer/{homeId}/commands/{deviceId}  service → device, QoS 1, retained (the last command is the record
 *                                               that makes publishing idempotent)
 *   carbonreducer/{homeId}/acks/{deviceId}      device → service, QoS 1: { idempotencyKey, ok, at?, error? }
 *   carbonreducer/{homeId}/events/{deviceId}    device → service, QoS 1: { type: "manual_start", at? }
 */
import type { DeviceCommand } from './types';

const ROOT = 'carbonreducer';
export const COMMAND_PAYLOAD_VERSION = 1;
export const ACK_SUBSCRIPTION = `${ROOT}/+/acks/+`;
export const EVENT_SUBSCRIPTION = `${ROOT}/+/events/+`;

const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function assertId(what: string, id: string): void {
  if (!ID.test(id))
    throw new Error(
      `${what} ${JSON.stringify(id)} is not a valid id: 1-64 of [a-z0-9_-], starting with a letter or digit`,
    );
}

export function commandTopic(homeId: string, deviceId: string): string {
  assertId('homeId', homeId);
  assertId('deviceId', deviceId);
  return `${ROOT}/${homeId}/commands/${deviceId}`;
}

export function ackTopic(homeId: string, deviceId: string): string {
  assertId('homeId', homeId);
  assertId('deviceId', deviceId);
  return `${ROOT}/${homeId}/acks/${deviceId}`;
}

export function eventTopic(homeId: string, deviceId: string): string {
  assertId('homeId', homeId);
  assertId('deviceId', deviceId);
  return `${ROOT}/${homeId}/events/${deviceId}`;
}

/** `{ kind, homeId, deviceId }` of an ack or event topic, or undefined for any other topic. */
export function parseDeviceTopic(
  topic: string,
): { kind: 'ack' | 'event'; homeId: string; deviceId: string } | undefined {
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== ROOT) return undefined;
  const [, homeId = '', level = '', deviceId = ''] = parts;
  if (!ID.test(homeId) || !ID.test(deviceId)) return undefined;
  if (level === 'acks') return { kind: 'ack', homeId, deviceId };
  if (level === 'events') return { kind: 'event', homeId, deviceId };
  return undefined;
}

export interface CommandPayload {
  v: number;
  idempotencyKey: string;
  homeId: string;
  deviceId: string;
  appliance: string;
  requestId: string;
  action: 'start' | 'stop';
  /** Planned time of the command (ISO). */
  plannedAt: string;
  planVersion: number;
}

export function commandPayload(command: DeviceCommand): CommandPayload {
  return {
    v: COMMAND_PAYLOAD_VERSION,
    idempotencyKey: command.idempotencyKey,
    homeId: command.homeId,
    deviceId: command.deviceId,
    appliance: command.appliance,
    requestId: command.requestId,
    action: command.action,
    plannedAt: command.at,
    planVersion: command.planVersion,
  };
}

export interface AckPayload {
  idempotencyKey: string;
  ok: boolean;
  at?: string;
  error?: string;
}

/** Parses a device ack; throws naming the field that is wrong. */
export function parseAck(text: string): AckPayload {
  const value = parseObject(text, 'ack');
  if (typeof value.idempotencyKey !== 'string' || value.idempotencyKey === '') {
    throw new Error('ack: idempotencyKey must be a non-empty string');
  }
  if (typeof value.ok !== 'boolean') throw new Error('ack: ok must be true or false');
  if (value.at !== undefined && (typeof value.at !== 'string' || Number.isNaN(Date.parse(value.at)))) {
    throw new Error('ack: at must be an ISO-8601 time');
  }
  return {
    idempotencyKey: value.idempotencyKey,
    ok: value.ok,
    ...(typeof value.at === 'string' ? { at: value.at } : {}),
    ...(typeof value.error === 'string' ? { error: value.error } : {}),
  };
}

export interface DeviceEvent {
  type: 'manual_start';
  at?: string;
}

export function parseDeviceEvent(text: string): DeviceEvent {
  const value = parseObject(text, 'event');
  if (value.type !== 'manual_start')
    throw new Error(`event: unknown type ${JSON.stringify(value.type)} (expected "manual_start")`);
  if (value.at !== undefined && (typeof value.at !== 'string' || Number.isNaN(Date.parse(value.at)))) {
    throw new Error('event: at must be an ISO-8601 time');
  }
  return { type: 'manual_start', ...(typeof value.at === 'string' ? { at: value.at } : {}) };
}

function parseObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${what}: payload is not JSON`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${what}: payload must be a JSON object`);
  return value as Record<string, unknown>;
}
