import { errorMessage, type Logger } from '@carbonreducer/common';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { MqttClient } from 'mqtt';
import { workflowIds } from './ids';
import {
  ACK_SUBSCRIPTION,
  ContractError,
  EVENT_SUBSCRIPTION,
  parseAck,
  parseDeviceEvent,
  parseDeviceTopic,
} from '@carbonreducer/telemetry';
import { commandAckSignal, manualStartSignal } from './workflows/definitions';

/**
 * Relays device acks and manual-start events from MQTT to each home's optimizeHomeWorkflow as signals. The MQTT
 * session is persistent (clean: false, QoS 1) and a message is acknowledged to the broker only after its signal was
 * delivered (or found pointless), so acks sent while the worker is down are relayed when it is back.
 */
export async function startDeviceEventBridge(options: {
  mqtt: MqttClient;
  temporal: Client;
  logger: Logger;
  now?: () => Date;
}): Promise<{ close(): Promise<void> }> {
  const { mqtt, temporal, logger } = options;
  const now = options.now ?? (() => new Date());
  const relay = async (topic: string, payload: Buffer): Promise<void> => {
    const parsed = parseDeviceTopic(topic);
    if (!parsed) return;
    const handle = temporal.workflow.getHandle(workflowIds.optimizeHome(parsed.homeId));
    const text = payload.toString('utf8');
    try {
      if (parsed.level === 'acks') {
        const ack = parseAck(text);
        if (ack.idempotencyKey === null) {
          logger.warn('a device refused a command it could not read', { topic, reason: ack.reason, error: ack.error });
          return;
        }
        const error = ack.error ?? ack.reason;
        await handle.signal(commandAckSignal, {
          idempotencyKey: ack.idempotencyKey,
          ok: ack.ok,
          at: ack.at ?? now().toISOString(),
          ...(error !== undefined ? { error } : {}),
        });
      } else if (parsed.level === 'events') {
        const event = parseDeviceEvent(text);
        if (event.type !== 'manual_start') {
          logger.warn('device event', { topic, event });
          return;
        }
        await handle.signal(manualStartSignal, { deviceId: parsed.deviceId, at: event.at ?? now().toISOString() });
      }
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        logger.warn('device message for a home without a running optimizer', { topic });
        return;
      }
      if (err instanceof ContractError) {
        logger.warn('rejected device message', { topic, err });
        return;
      }
      throw err;
    }
  };

  // Delay the PUBACK until the signal is delivered: at-least-once, and the workflow ignores duplicates.
  const original = mqtt.handleMessage.bind(mqtt);
  mqtt.handleMessage = (packet, callback) => {
    relay(packet.topic, Buffer.from(packet.payload as Buffer))
      .then(() => original(packet, callback))
      .catch((err: unknown) => {
        logger.error('relaying a device message failed; the broker will redeliver it', {
          topic: packet.topic,
          error: errorMessage(err),
        });
        // No PUBACK; dropping the connection makes the broker redeliver the message on reconnect.
        callback(err instanceof Error ? err : new Error(errorMessage(err)));
        mqtt.stream.destroy();
      });
  };
  await mqtt.subscribeAsync([ACK_SUBSCRIPTION, EVENT_SUBSCRIPTION], { qos: 1 });
  logger.info('device event bridge subscribed', { topics: [ACK_SUBSCRIPTION, EVENT_SUBSCRIPTION] });
  return {
    async close() {
      await mqtt.endAsync();
    },
  };
}
