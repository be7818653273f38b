import { isValidId } from '@carbonreducer/telemetry';
import { ConfigError, loadMqttConfig, positiveNumber, type MqttConfig } from '../config';

export interface GatewayConfig {
  homeId: string;
  gatewayId: string;
  /** The home's own broker the devices publish to (on the Raspberry Pi). */
  local: { url: string; username?: string; password?: string };
  central: MqttConfig;
  bufferDir: string;
  bufferMaxBytes: number;
  segmentBytes: number;
  maxInflight: number;
  heartbeatMs: number;
  retryMs: number;
  cursorSyncMs: number;
  cursorSyncRecords: number;
  /** Loopback port of the status endpoint (GET /status: buffer depth, rates); 0 turns it off. */
  statusPort: number;
}

/** The gateway's settings, for `carbonreducer gateway --help` (one line each: name, default, meaning). */
export const GATEWAY_SETTINGS = `Edge gateway (e.g. on a Raspberry Pi): subscribes to the home's own broker, journals every device message to a disk
buffer before acknowledging it, and forwards the buffer in order to the central broker, buffering while it is away.
Settings (environment):
  GATEWAY_HOME_ID              the home's id (required; 1-64 of [a-z0-9_-])
  GATEWAY_ID                   this gateway's device id (default gateway)
  GATEWAY_LOCAL_MQTT_URL       the home's broker (default mqtt://127.0.0.1:1884; its settings:
                               pipeline/src/gateway/mosquitto.local.conf)
  GATEWAY_LOCAL_MQTT_USERNAME, GATEWAY_LOCAL_MQTT_PASSWORD   credentials there, if it needs them
  MQTT_URL, MQTT_USERNAME, MQTT_PASSWORD   the central broker (default: the native stack, user device)
  GATEWAY_BUFFER_DIR           disk buffer (default ./gateway-buffer)
  GATEWAY_BUFFER_MAX_MB        buffer size before the oldest readings are evicted (default 256)
  GATEWAY_SEGMENT_KB           buffer segment size (default 1024)
  GATEWAY_MAX_INFLIGHT         unacknowledged publishes to the central broker (default 100)
  GATEWAY_HEARTBEAT_S          interval of the gateway's own health reading (default 60)
  GATEWAY_RETRY_S              wait between attempts to reach the central broker (default 2)
  GATEWAY_CURSOR_SYNC_MS, GATEWAY_CURSOR_SYNC_RECORDS   how often the forwarded position is saved (200, 100)
  GATEWAY_STATUS_PORT          status endpoint on 127.0.0.1 (default 8190, 0 = off): GET /status gives JSON with
                               bufferedRecords, bufferedReadings, receivedPerS, forwardedPerS, connected, …`;

/**
 * GATEWAY_HOME_ID (required), GATEWAY_ID (gateway), GATEWAY_LOCAL_MQTT_URL (mqtt://127.0.0.1:1884),
 * GATEWAY_LOCAL_MQTT_USERNAME / _PASSWORD, GATEWAY_BUFFER_DIR (./gateway-buffer), GATEWAY_BUFFER_MAX_MB (256),
 * GATEWAY_SEGMENT_KB (1024), GATEWAY_MAX_INFLIGHT (100), GATEWAY_HEARTBEAT_S (60), GATEWAY_RETRY_S (2),
 * GATEWAY_CURSOR_SYNC_MS (200), GATEWAY_CURSOR_SYNC_RECORDS (100), GATEWAY_STATUS_PORT (8190, 0 = off); the central
 * broker from MQTT_URL / MQTT_USERNAME / MQTT_PASSWORD (GATEWAY_SETTINGS says what each means).
 */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const homeId = env.GATEWAY_HOME_ID ?? '';
  if (!isValidId(homeId)) {
    throw new ConfigError(`GATEWAY_HOME_ID=${JSON.stringify(homeId)}: set it to the home's id (1-64 of [a-z0-9_-])`);
  }
  const gatewayId = env.GATEWAY_ID || 'gateway';
  if (!isValidId(gatewayId)) throw new ConfigError(`GATEWAY_ID=${JSON.stringify(gatewayId)} is not a valid id`);
  const localUrl = env.GATEWAY_LOCAL_MQTT_URL || 'mqtt://127.0.0.1:1884';
  if (!/^(mqtts?|wss?|tcp):\/\//.test(localUrl))
    throw new ConfigError(`GATEWAY_LOCAL_MQTT_URL=${localUrl} is not an MQTT URL`);
  const segmentBytes = positiveNumber('GATEWAY_SEGMENT_KB', env.GATEWAY_SEGMENT_KB, 1024) * 1024;
  const bufferMaxBytes = positiveNumber('GATEWAY_BUFFER_MAX_MB', env.GATEWAY_BUFFER_MAX_MB, 256) * 1024 * 1024;
  if (bufferMaxBytes < 2 * segmentBytes) {
    throw new ConfigError(
      `GATEWAY_BUFFER_MAX_MB must hold at least two segments (GATEWAY_SEGMENT_KB=${segmentBytes / 1024})`,
    );
  }
  return {
    homeId,
    gatewayId,
    local: {
      url: localUrl,
      username: env.GATEWAY_LOCAL_MQTT_USERNAME || undefined,
      password: env.GATEWAY_LOCAL_MQTT_PASSWORD || undefined,
    },
    central: loadMqttConfig('device', env),
    bufferDir: env.GATEWAY_BUFFER_DIR || 'gateway-buffer',
    bufferMaxBytes,
    segmentBytes,
    maxInflight: Math.floor(positiveNumber('GATEWAY_MAX_INFLIGHT', env.GATEWAY_MAX_INFLIGHT, 100)),
    heartbeatMs: positiveNumber('GATEWAY_HEARTBEAT_S', env.GATEWAY_HEARTBEAT_S, 60) * 1000,
    retryMs: positiveNumber('GATEWAY_RETRY_S', env.GATEWAY_RETRY_S, 2) * 1000,
    cursorSyncMs: positiveNumber('GATEWAY_CURSOR_SYNC_MS', env.GATEWAY_CURSOR_SYNC_MS, 200),
    cursorSyncRecords: Math.floor(positiveNumber('GATEWAY_CURSOR_SYNC_RECORDS', env.GATEWAY_CURSOR_SYNC_RECORDS, 100)),
    statusPort: statusPort(env.GATEWAY_STATUS_PORT),
  };
}

function statusPort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 8190;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`GATEWAY_STATUS_PORT=${raw} is not a port (0-65535; 0 turns the status endpoint off)`);
  }
  return port;
}

/**
 * The most records the gateway can forward to the central broker a second time (it never loses one):
 * - after a lost connection, those published but not yet confirmed: at most the in-flight window (`maxInflight`),
 *   resent from the acknowledged position;
 * - after a crash, also those confirmed since the cursor was last persisted (it is persisted at least every
 *   `cursorSyncRecords` confirmations, so fewer than that), and the device messages the local broker had delivered
 *   and the gateway journaled without its PUBACK reaching the broker: at most the local broker's in-flight window to
 *   the gateway (`max_inflight_messages` of the home's Mosquitto), which the broker then delivers again.
 */
export function redeliveryBound(
  config: Pick<GatewayConfig, 'maxInflight' | 'cursorSyncRecords'>,
  localBrokerMaxInflight: number,
): { perReconnect: number; perCrash: number } {
  return {
    perReconnect: config.maxInflight,
    perCrash: config.maxInflight + (config.cursorSyncRecords - 1) + localBrokerMaxInflight,
  };
}
