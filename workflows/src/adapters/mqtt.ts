import { randomUUID } from 'node:crypto';
import { errorMessage, type Logger } from '@carbonreducer/common';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { CommandPublisher } from '../ports';
import { COMMAND_PAYLOAD_VERSION, commandTopic, type CommandPayload } from '@carbonreducer/telemetry';
import type { DeviceCommand, DispatchResult } from '../types';

export interface MqttSettings {
  url: string;
  username: string;
  password: string;
}

/** Connects and waits for CONNACK; the error names the broker and user. */
export async function connectMqtt(settings: MqttSettings, options: IClientOptions = {}): Promise<MqttClient> {
  try {
    return await mqtt.connectAsync(settings.url, {
      username: settings.username,
      password: settings.password,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      ...options,
    });
  } catch (err) {
    throw new Error(`cannot connect to MQTT broker ${settings.url} as ${settings.username}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

/**
 * Publishes device commands at most once per idempotency key. Each command topic keeps its last command as a retained
 * message: before publishing, the publisher reads it back, and when it already carries this key (an earlier attempt
 * published, then crashed before reporting), it does not publish again. Reading the retained message is fenced by a
 * probe message on a private topic: the broker delivers a subscription's retained messages before anything published
 * after the subscription, so once the probe arrives, any retained command has arrived too.
 */
export class MqttCommandPublisher implements CommandPublisher {
  /** One check-then-publish at a time: two concurrent ones on a topic could both see "not yet published". */
  private tail: Promise<unknown> = Promise.resolve();
  private readonly probeTopic = `carbonreducer/_workflows/probe/${randomUUID()}`;
  private probeSeq = 0;

  constructor(
    private readonly client: MqttClient,
    private readonly logger: Logger,
    private readonly fenceTimeoutMs = 10_000,
  ) {}

  publishOnce(command: DeviceCommand): Promise<DispatchResult> {
    const run = this.tail.then(
      () => this.checkThenPublish(command),
      () => this.checkThenPublish(command),
    );
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The command currently retained on the topic, read with a probe fence. */
  async retainedCommand(topic: string): Promise<CommandPayload | undefined> {
    const probe = `${this.probeTopic}/${++this.probeSeq}`;
    let retained: CommandPayload | undefined;
    let onMessage!: (t: string, payload: Buffer, packet: mqtt.IPublishPacket) => void;
    const fenced = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no probe echo from the broker within ${this.fenceTimeoutMs} ms on ${probe}`)),
        this.fenceTimeoutMs,
      );
      onMessage = (t, payload, packet) => {
        if (t === topic && packet.retain) {
          try {
            retained = JSON.parse(payload.toString('utf8')) as CommandPayload;
          } catch {
            this.logger.warn('ignoring a retained command that is not JSON', { topic });
          }
        } else if (t === probe) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    this.client.on('message', onMessage);
    try {
      await this.client.subscribeAsync([topic, probe], { qos: 1 });
      await this.client.publishAsync(probe, '', { qos: 1 });
      await fenced;
      return retained;
    } finally {
      this.client.removeListener('message', onMessage);
      await this.client.unsubscribeAsync([topic, probe]).catch(() => undefined);
    }
  }

  private async checkThenPublish(command: DeviceCommand): Promise<DispatchResult> {
    const topic = commandTopic(command.homeId, command.deviceId);
    const retained = await this.retainedCommand(topic);
    if (retained?.idempotencyKey === command.idempotencyKey) {
      return { idempotencyKey: command.idempotencyKey, published: false, topic };
    }
    try {
      await this.client.publishAsync(topic, JSON.stringify(commandPayload(command)), { qos: 1, retain: true });
    } catch (err) {
      throw new Error(`publishing ${command.idempotencyKey} to ${topic} failed`, { cause: err });
    }
    return { idempotencyKey: command.idempotencyKey, published: true, topic };
  }
}

/** The contract's command payload of a workflow command (its `at` is the contract's `plannedAt`). */
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
