import type { Logger } from '@carbonreducer/common';
import {
  CONTRACT_VERSION,
  encodeReading,
  encodeStatus,
  parseTopic,
  statusTopic,
  telemetryTopic,
  TELEMETRY_QOS,
  validateMessage,
  type RejectReason,
} from '@carbonreducer/telemetry';
import type { MqttClient } from 'mqtt';
import { comparePositions, type DiskQueue, type QueuePosition, type QueueRecord } from './diskQueue';

export interface GatewayOptions {
  homeId: string;
  gatewayId: string;
  /** Unacknowledged publishes to the central broker. */
  maxInflight: number;
  /** Interval of the gateway's own health reading (kind `gateway`). */
  heartbeatMs: number;
  /** Wait between attempts to reach the central broker. */
  retryMs: number;
  /** Cursor persistence interval (ms), for a trickle. */
  cursorSyncMs: number;
  /**
   * The cursor is also persisted once this many records were confirmed since it last was, so a crash resends fewer
   * than this many confirmed records however fast the replay runs (`redeliveryBound` in config.ts).
   */
  cursorSyncRecords: number;
  now: () => number;
}

/** Connects to the central broker; called again after every connection loss. */
export type CentralConnector = (will: { topic: string; payload: string }) => Promise<MqttClient>;

export interface GatewayStats {
  received: number;
  forwarded: number;
  rejected: Partial<Record<RejectReason, number>>;
  rejectedReadings: number;
  evictedReadings: number;
  connected: boolean;
  /** Attempts to connect to the central broker since start (one per `retryMs` at most while it is unreachable). */
  connectAttempts: number;
  /** The last replay of a buffer after a (re)connect: records, how long until all were confirmed, records per s. */
  lastReplay?: { records: number; durationMs: number; perS: number };
}

/** What an operator sees of a gateway (its status endpoint): buffer depth and rates over the last `windowMs`. */
export interface GatewayStatus extends GatewayStats {
  bufferedRecords: number;
  bufferedReadings: number;
  receivedPerS: number;
  forwardedPerS: number;
  windowMs: number;
}

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Edge gateway core: accepts device messages (filter by the contract, stamp missing device times), journals them
 * durably before they are acknowledged to the device, and forwards the journal in order to the central broker,
 * buffering on disk while it is unreachable.
 */
export class Gateway {
  readonly stats: GatewayStats = {
    received: 0,
    forwarded: 0,
    rejected: {},
    rejectedReadings: 0,
    evictedReadings: 0,
    connected: false,
    connectAttempts: 0,
  };
  /** (time, received, forwarded) samples for the rates in `status()`, one per call, the oldest dropped. */
  private samples: { atMs: number; received: number; forwarded: number }[] = [];
  private running = false;
  /** Wakes the forwarding loop when there is something to send or a publish was confirmed (not the retry wait). */
  private wake: (() => void) | undefined;
  /** Ends the wait between connection attempts early: only `stop` does, so device traffic cannot cause a retry storm. */
  private wakeRetry: (() => void) | undefined;

  private loop: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private cursorTimer: NodeJS.Timeout | undefined;
  private sampler: NodeJS.Timeout | undefined;
  /** The buffer found at the last connect, until it is all confirmed. */
  private replay: { records: number; atMs: number; forwardedAtStart: number } | undefined;
  private client: MqttClient | undefined;

  constructor(
    private readonly queue: DiskQueue,
    private readonly connectCentral: CentralConnector,
    private readonly options: GatewayOptions,
    private readonly log: Logger,
  ) {}

  /**
   * Handles one device message. Returns once it is on disk (or was rejected): only then may the device's message
   * be acknowledged. Out-of-contract messages are counted per reason and dropped.
   */
  accept(topic: string, payload: string, retain: boolean): void {
    const now = this.options.now();
    this.stats.received++;
    const parsed = parseTopic(topic);
    const record = parsed?.homeId === this.options.homeId ? this.normalize(topic, payload, retain, now) : undefined;
    if (parsed?.homeId !== this.options.homeId) this.countReject('bad_topic', 1, topic);
    if (record) this.enqueue([record]);
  }

  private normalize(topic: string, payload: string, retain: boolean, now: number): QueueRecord | undefined {
    // Devices without a clock may leave out `ts`: the gateway's receive time is their device time.
    let body: unknown;
    try {
      body = JSON.parse(payload);
    } catch {
      body = undefined;
    }
    let text = payload;
    if (
      isObject(body) &&
      !Object.hasOwn(body, 'readings') &&
      !Object.hasOwn(body, 'ts') &&
      !Object.hasOwn(body, 'state')
    ) {
      text = JSON.stringify({ ...body, ts: now });
    }
    const result = validateMessage(topic, text, { receivedAtMs: now });
    for (const r of result.rejects) this.countReject(r.reason, 1, `${topic}: ${r.detail}`);
    if (result.points.length === 0) return undefined;
    if (result.rejects.length > 0 && isObject(body) && Array.isArray(body.readings)) {
      // Forward only the readings that passed, re-checked one by one.
      const kept = (body.readings as unknown[]).filter(
        (r) =>
          isObject(r) &&
          validateMessage(topic, JSON.stringify({ ...r, v: CONTRACT_VERSION }), { receivedAtMs: now }).points.length ===
            1,
      );
      text = JSON.stringify({ v: CONTRACT_VERSION, readings: kept });
    }
    return { topic, payload: text, retain, readings: result.points.length };
  }

  private countReject(reason: RejectReason, readings: number, detail: string): void {
    this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + 1;
    this.stats.rejectedReadings += readings;
    this.log.warn('rejected a device message', { reason, detail: detail.slice(0, 300) });
  }

  private enqueue(records: QueueRecord[]): void {
    const evictions = this.queue.append(records);
    if (evictions.length > 0) {
      for (const e of evictions) {
        this.stats.evictedReadings += e.readings;
        this.log.warn('disk buffer full: evicted the oldest readings', {
          records: e.records,
          readings: e.readings,
          segment: e.segment,
          evictedReadingsTotal: this.stats.evictedReadings,
        });
      }
      // Announce it upstream too, in order with the data that follows.
      this.queue.append([this.healthRecord()]);
    }
    this.wake?.();
  }

  private healthRecord(): QueueRecord {
    const pending = this.queue.pending();
    return {
      topic: telemetryTopic(this.options.homeId, 'gateway', this.options.gatewayId),
      payload: encodeReading({
        tsMs: this.options.now(),
        bufferedReadings: pending.readings,
        evictedReadings: this.stats.evictedReadings,
        rejectedReadings: this.stats.rejectedReadings,
      }),
      retain: false,
      readings: 1,
    };
  }

  /**
   * Buffer depth and received/forwarded rates between now and the oldest sample within `windowMs` (sampled every
   * second once started, and at every call; before any earlier sample the rates are zero).
   */
  status(windowMs = 10_000): GatewayStatus {
    const now = this.sample(windowMs);
    const first = this.samples[0] as { atMs: number; received: number; forwarded: number };
    const spanS = (now - first.atMs) / 1000;
    const rate = (n: number) => (spanS > 0 ? Math.round((n / spanS) * 10) / 10 : 0);
    const pending = this.queue.pending();
    return {
      ...this.stats,
      rejected: { ...this.stats.rejected },
      bufferedRecords: pending.records,
      bufferedReadings: pending.readings,
      receivedPerS: rate(this.stats.received - first.received),
      forwardedPerS: rate(this.stats.forwarded - first.forwarded),
      windowMs,
    };
  }

  /** Records (now, received, forwarded) for the rates, dropping samples older than the window; returns now. */
  private sample(windowMs = 10_000): number {
    const now = this.options.now();
    this.samples.push({ atMs: now, received: this.stats.received, forwarded: this.stats.forwarded });
    while (this.samples.length > 2 && (this.samples[1] as { atMs: number }).atMs <= now - windowMs)
      this.samples.shift();
    return now;
  }

  start(): void {
    this.running = true;
    // Rates in status() need history even when nobody asked for a while.
    this.sampler = setInterval(() => this.sample(), 1000);
    this.loop = this.forwardLoop();
    this.heartbeat = setInterval(() => this.enqueue([this.healthRecord()]), this.options.heartbeatMs);
    this.cursorTimer = setInterval(() => this.queue.syncCursor(), this.options.cursorSyncMs);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.heartbeat);
    clearInterval(this.cursorTimer);
    clearInterval(this.sampler);
    this.wake?.();
    this.wakeRetry?.();
    this.client?.end(true);
    await this.loop;
    this.queue.syncCursor();
  }

  /** The wait between connection attempts: the full `retryMs` whatever devices send meanwhile (only `stop` ends it). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.wakeRetry = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakeRetry = done;
    });
  }

  private async forwardLoop(): Promise<void> {
    while (this.running) {
      let client: MqttClient;
      this.stats.connectAttempts++;
      try {
        client = await this.connectCentral({
          topic: statusTopic(this.options.homeId, this.options.gatewayId),
          payload: encodeStatus('offline'),
        });
      } catch (err) {
        this.log.warn('central broker unreachable: buffering to disk', {
          error: err instanceof Error ? err : String(err),
          buffered: this.queue.pending().records,
        });
        await this.sleep(this.options.retryMs);
        continue;
      }
      this.client = client;
      this.stats.connected = true;
      const backlog = this.queue.pending();
      this.log.info('connected to the central broker: forwarding the buffer in order', backlog);
      // The backlog is confirmed first (forwarding is in order): it is replayed once that many more are confirmed.
      this.replay =
        backlog.records > 0
          ? { records: backlog.records, atMs: this.options.now(), forwardedAtStart: this.stats.forwarded }
          : undefined;
      try {
        await this.forwardOver(client);
      } finally {
        this.stats.connected = false;
        this.client = undefined;
        client.end(true);
        this.queue.syncCursor();
      }
      if (this.running) {
        this.log.warn('lost the central broker: buffering to disk', { buffered: this.queue.pending().records });
        await this.sleep(this.options.retryMs);
      }
    }
  }

  private replayed(replay: { records: number; atMs: number }): void {
    const durationMs = Math.max(1, this.options.now() - replay.atMs);
    const perS = Math.round((replay.records / durationMs) * 1000);
    this.stats.lastReplay = { records: replay.records, durationMs, perS };
    this.log.info('replayed the buffer', this.stats.lastReplay);
  }

  /** Publishes from the acknowledged position on, in order, until the connection drops or the gateway stops. */
  private async forwardOver(client: MqttClient): Promise<void> {
    let closed = false;
    const onClose = (): void => {
      closed = true;
      this.wake?.();
    };
    client.on('close', onClose);
    client.publish(
      statusTopic(this.options.homeId, this.options.gatewayId),
      encodeStatus('online', this.options.now()),
      {
        qos: TELEMETRY_QOS,
        retain: true,
      },
    );
    const inflight: { next: QueuePosition; done: boolean }[] = [];
    let readPos = this.queue.ackPosition;
    let confirmedSinceSync = 0;
    try {
      while (this.running && !closed) {
        const item = inflight.length < this.options.maxInflight ? this.queue.read(readPos) : undefined;
        if (item === undefined) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          continue;
        }
        readPos = item.next;
        const entry = { next: item.next, done: false };
        inflight.push(entry);
        client.publish(
          item.record.topic,
          item.record.payload,
          { qos: TELEMETRY_QOS, retain: item.record.retain },
          (err) => {
            if (err || closed) return;
            entry.done = true;
            this.stats.forwarded++;
            if (this.replay && this.stats.forwarded - this.replay.forwardedAtStart >= this.replay.records) {
              this.replayed(this.replay);
              this.replay = undefined;
            }
            // Acknowledge the longest finished prefix: the cursor only ever covers records the broker confirmed.
            let last: QueuePosition | undefined;
            while (inflight.length > 0 && (inflight[0] as { done: boolean }).done) {
              last = (inflight.shift() as { next: QueuePosition }).next;
              confirmedSinceSync++;
            }
            if (last && comparePositions(last, this.queue.ackPosition) > 0) this.queue.ack(last);
            if (confirmedSinceSync >= this.options.cursorSyncRecords) {
              this.queue.syncCursor();
              confirmedSinceSync = 0;
            }
            this.wake?.();
          },
        );
      }
    } finally {
      client.off('close', onClose);
    }
  }
}
