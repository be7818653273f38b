import { INFLUX_ORG } from '@carbonreducer/influx';
import { loadStackEnv } from '@carbonreducer/stack-env';

/**
 * The one place the pipeline reads its environment. Every value has a default for the native stack
 * (`scripts/stack up`): ports from provisioning/ports.env, generated passwords and tokens from .stack/secrets.env.
 */
export interface MqttConfig {
  url: string;
  username: string;
  password: string;
}

export interface InfluxConfig {
  url: string;
  token: string;
  org: string;
  bucket: string;
}

export type MqttRole = 'device' | 'service' | 'telegraf';

const SECRET_BY_ROLE: Record<MqttRole, string> = {
  device: 'MQTT_DEVICE_PASSWORD',
  service: 'MQTT_SERVICE_PASSWORD',
  telegraf: 'MQTT_TELEGRAF_PASSWORD',
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function validUrl(name: string, value: string, protocols: string[]): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch (err) {
    throw new ConfigError(`${name}=${value} is not a URL`, { cause: err });
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(`${name}=${value}: expected ${protocols.map((p) => p + '//').join(' or ')}`);
  }
  return value;
}

/**
 * MQTT_URL, MQTT_USERNAME, MQTT_PASSWORD. Without MQTT_USERNAME the `role` user of the native stack is used,
 * and without MQTT_PASSWORD that user's generated password.
 */
export function loadMqttConfig(role: MqttRole = 'device', env: NodeJS.ProcessEnv = process.env): MqttConfig {
  const stack = loadStackEnv({ env });
  const url = validUrl('MQTT_URL', env.MQTT_URL || `mqtt://127.0.0.1:${stack.find('MQTT_PORT') ?? '1883'}`, [
    'mqtt:',
    'mqtts:',
    'ws:',
    'wss:',
    'tcp:',
  ]);
  const username = env.MQTT_USERNAME || role;
  let password = env.MQTT_PASSWORD;
  if (!password) {
    const secret = (Object.keys(SECRET_BY_ROLE) as MqttRole[]).includes(username as MqttRole)
      ? SECRET_BY_ROLE[username as MqttRole]
      : undefined;
    password = secret ? stack.find(secret) : undefined;
    if (!password) {
      throw new ConfigError(
        `MQTT_PASSWORD is not set and no generated password for user ${username} was found: set MQTT_PASSWORD or run scripts/stack up`,
      );
    }
  }
  return { url, username, password };
}

/** INFLUX_URL, INFLUX_TOKEN (default: the stack's app token), INFLUX_ORG, INFLUX_BUCKET (default telemetry). */
export function loadInfluxConfig(env: NodeJS.ProcessEnv = process.env): InfluxConfig {
  const stack = loadStackEnv({ env });
  const url = validUrl('INFLUX_URL', env.INFLUX_URL || `http://127.0.0.1:${stack.find('INFLUXDB_PORT') ?? '8086'}`, [
    'http:',
    'https:',
  ]);
  const token = env.INFLUX_TOKEN || stack.find('INFLUXDB_APP_TOKEN');
  if (!token)
    throw new ConfigError(
      'INFLUX_TOKEN is not set and .stack/secrets.env has no INFLUXDB_APP_TOKEN: run scripts/stack up',
    );
  return { url, token, org: env.INFLUX_ORG || INFLUX_ORG, bucket: env.INFLUX_BUCKET || 'telemetry' };
}

/** Parses a positive number from env or a flag; names the setting when it is not one. */
export function positiveNumber(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`${name}=${raw} is not a positive number`);
  return value;
}
