import { validateMessage } from '@carbonreducer/telemetry';
import type { MqttClient } from 'mqtt';
import { connectMqtt } from '../mqtt';
import { requirePipelineStack, sameCounts, settle, type PipelineStack } from './stack';

/** One MQTT message as a device publishes it. */
export interface DeviceMessage {
  topic: string;
  payload: string;
}

/**
 * For a Jest suite that publishes as a device: before all tests, the native stack's settings (failing, never
 * skipping, when a server is down) and a connected device client; after all, the client closed. Read the fields
 * inside tests or hooks, once `beforeAll` ran.
 */
export function useDeviceClient(name: string): { readonly stack: PipelineStack; readonly device: MqttClient } {
  let stack: PipelineStack | undefined;
  let device: MqttClient | undefined;
  beforeAll(async () => {
    stack = await requirePipelineStack();
    device = await connectMqtt(stack.device, { clientId: `it-${name}-${process.pid}` });
  }, 30_000);
  afterAll(async () => {
    await device?.endAsync();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useDeviceClient: read stack/device inside a test or hook');
    return value;
  };
  return {
    get stack() {
      return ready(stack);
    },
    get device() {
      return ready(device);
    },
  };
}

/** Publishes every message with QoS 1, `chunk` at a time (each chunk waits for the broker's PUBACKs). */
export async function publishAll(device: MqttClient, messages: readonly DeviceMessage[], chunk = 200): Promise<void> {
  for (let i = 0; i < messages.length; i += chunk) {
    await Promise.all(messages.slice(i, i + chunk).map((m) => device.publishAsync(m.topic, m.payload, { qos: 1 })));
  }
}

/** What the TS validator predicts for messages received at `nowMs`: distinct points per measurement/device, rejects per reason. */
export function predict(
  messages: readonly DeviceMessage[],
  nowMs: number,
): { points: Record<string, number>; reasons: Record<string, number> } {
  const reasons: Record<string, number> = {};
  const points = new Map<string, Set<number>>();
  for (const m of messages) {
    const r = validateMessage(m.topic, m.payload, { receivedAtMs: nowMs });
    for (const x of r.rejects) reasons[x.reason] = (reasons[x.reason] ?? 0) + 1;
    for (const p of r.points) {
      const key = `${p.measurement}/${p.tags.device_id}`;
      if (!points.has(key)) points.set(key, new Set());
      points.get(key)!.add(p.timeMs);
    }
  }
  return { points: Object.fromEntries([...points].map(([k, v]) => [k, v.size])), reasons };
}

/**
 * Polls a count query (points per measurement/device, rejects per reason…) until it equals `expected` or the timeout
 * passes; returns the last count read, for the test to compare.
 */
export function settleCounts(
  read: () => Promise<Record<string, number>>,
  expected: Record<string, number>,
  timeoutMs = 60_000,
): Promise<Record<string, number>> {
  return settle(read, (c) => sameCounts(c, expected), timeoutMs);
}
