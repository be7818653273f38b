import { randomBytes } from 'node:crypto';
import { assertReachable, eventually } from '@carbonreducer/stack-env';
import { loadStackEnv } from '@carbonreducer/stack-env';
import { loadInfluxConfig, loadMqttConfig, type InfluxConfig, type MqttConfig } from '../config';
import { createInfluxTelemetryQuery } from '../influx/influxTelemetryQuery';
import type { TelemetryQuery } from '../influx/telemetryQuery';

export { eventually };

export interface PipelineStack {
  device: MqttConfig;
  service: MqttConfig;
  influx: InfluxConfig;
  query: TelemetryQuery;
  telegrafHttpUrl: string;
  telegrafHealthUrl: string;
  mqttPort: number;
}

/**
 * Settings of the native stack for the pipeline's integration tests; fails (never skips) naming the server that is
 * not up and how to start it.
 */
export async function requirePipelineStack(): Promise<PipelineStack> {
  const stack = loadStackEnv();
  const mqttPort = stack.port('MQTT_PORT');
  await assertReachable('Mosquitto (scripts/stack up mosquitto)', '127.0.0.1', mqttPort);
  await assertReachable('InfluxDB (scripts/stack up influxdb)', '127.0.0.1', stack.port('INFLUXDB_PORT'));
  await assertReachable('Telegraf (scripts/stack up telegraf)', '127.0.0.1', stack.port('TELEGRAF_HTTP_PORT'));
  const influx = loadInfluxConfig();
  return {
    device: loadMqttConfig('device'),
    service: loadMqttConfig('service'),
    influx,
    query: createInfluxTelemetryQuery(influx),
    telegrafHttpUrl: `http://127.0.0.1:${stack.port('TELEGRAF_HTTP_PORT')}/telemetry/v1`,
    telegrafHealthUrl: `http://127.0.0.1:${stack.port('TELEGRAF_HEALTH_PORT')}/`,
    mqttPort,
  };
}

/** A home id no other run uses, so that a test counts only its own points. */
export function uniqueHomeId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** Polls until `read()` equals `expected` (deep), returning the last value read either way. */
export async function settle<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    value = await read();
  }
  return value;
}

/** Posts one message to Telegraf's HTTP listener. */
export async function postTelemetry(stack: PipelineStack, topic: string, payload: string): Promise<number> {
  const res = await fetch(stack.telegrafHttpUrl, {
    method: 'POST',
    headers: {
      'X-Telemetry-Topic': topic,
      Authorization: 'Basic ' + Buffer.from(`device:${stack.device.password}`).toString('base64'),
    },
    body: payload,
  });
  return res.status;
}

/** Same keys with the same counts, whatever the key order. */
export function sameCounts(a: Record<string, number>, b: Record<string, number>): boolean {
  const norm = (x: Record<string, number>) =>
    JSON.stringify(Object.entries(x).sort(([k1], [k2]) => (k1 < k2 ? -1 : 1)));
  return norm(a) === norm(b);
}
