import { connectAsync, type MqttClient } from 'mqtt';
import type { Logger } from '@carbonreducer/common';
import type { BrokerPublisher } from '../ports';

export interface MqttSettings {
  url: string;
  username: string;
  password: string;
  /** How long to wait for the broker's PUBACK before answering 503 (ms). */
  ackTimeoutMs: number;
}

/**
 * The API's broker client: QoS 1 publishes that resolve on PUBACK, so `202 Accepted` means the broker has the
 * message (and Telegraf's persistent session will get it). Connects lazily and reconnects by itself.
 */
export class MqttPublisher implements BrokerPublisher {
  private client: Promise<MqttClient> | undefined;

  constructor(
    private readonly settings: MqttSettings,
    private readonly log: Logger,
  ) {}

  private connect(): Promise<MqttClient> {
    this.client ??= connectAsync(this.settings.url, {
      username: this.settings.username,
      password: this.settings.password,
      clientId: `carbonreducer-api-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
    }).then(
      (c) => {
        c.on('error', (err) => this.log.warn('mqtt error', { err }));
        return c;
      },
      (err: unknown) => {
        this.client = undefined;
        throw new Error(`connecting to the broker at ${this.settings.url} failed`, { cause: err });
      },
    );
    return this.client;
  }

  async publish(topic: string, payload: string, options: { retain?: boolean } = {}): Promise<void> {
    const client = await withTimeout(this.connect(), this.settings.ackTimeoutMs, 'broker connect');
    await withTimeout(
      client.publishAsync(topic, payload, { qos: 1, retain: options.retain ?? false }).then(() => undefined),
      this.settings.ackTimeoutMs,
      `PUBACK for ${topic}`,
    );
  }

  async ping(): Promise<void> {
    const client = await withTimeout(this.connect(), 2000, 'broker connect');
    if (!client.connected) throw new Error('not connected to the broker');
  }

  async close(): Promise<void> {
    if (this.client === undefined) return;
    const c = await this.client.catch(() => undefined);
    await c?.endAsync();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
