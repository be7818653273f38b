import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { TELEMETRY_QOS } from '@carbonreducer/telemetry';
import type { MqttConfig } from './config';

/** Connects and waits for CONNACK; the error names the broker and the user. */
export async function connectMqtt(config: MqttConfig, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(config.url, {
    username: config.username,
    password: config.password,
    connectTimeout: 10_000,
    reconnectPeriod: 1000,
    ...options,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
  } catch (err) {
    client.end(true);
    throw new Error(
      `cannot connect to MQTT broker ${config.url} as ${config.username} (is it up? scripts/stack up mosquitto)`,
      {
        cause: err,
      },
    );
  }
  return client;
}

/** Publishes with QoS 1 and resolves on the broker's PUBACK. */
export function mqttPublisher(client: MqttClient): {
  publish(topic: string, payload: string, options: { retain: boolean }): Promise<void>;
} {
  return {
    publish: async (topic, payload, { retain }) => {
      await client.publishAsync(topic, payload, { qos: TELEMETRY_QOS, retain });
    },
  };
}
