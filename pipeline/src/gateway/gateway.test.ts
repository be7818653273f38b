import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type Logger } from '@carbonreducer/common';
import { encodeReading, telemetryTopic, validateMessage } from '@carbonreducer/telemetry';
import type { MqttClient } from 'mqtt';
import { DiskQueue } from './diskQueue';
import { Gateway } from './gateway';

// The gateway core around a fake central client (the real broker path is in gateway.int.test.ts).
class FakeClient extends EventEmitter {
  published: { topic: string; payload: string }[] = [];
  publish(topic: string, payload: string, _opts: unknown, cb?: (err?: Error) => void): void {
    this.published.push({ topic, payload });
    setImmediate(() => cb?.());
  }
  end(): void {
    this.emit('close');
  }
}

const nowMs = Date.UTC(2026, 10, 27, 12);
const options = {
  homeId: 'h1',
  gatewayId: 'gw',
  maxInflight: 3,
  heartbeatMs: 3_600_000,
  retryMs: 10,
  cursorSyncMs: 10,
  cursorSyncRecords: 100,
  now: () => nowMs,
};

describe('Gateway', () => {
  let dir: string;
  const warnings: string[] = [];
  const log: Logger = {
    ...silentLogger,
    warn: (msg, fields) => void warnings.push(`${msg} ${JSON.stringify(fields)}`),
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gw-'));
    warnings.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stamps readings without a device time, drops out-of-contract ones, forwards the rest in order', async () => {
    const queue = DiskQueue.open(dir, { maxBytes: 1 << 20, segmentBytes: 1 << 16 });
    const client = new FakeClient();
    const gw = new Gateway(queue, async () => client as unknown as MqttClient, options, log);
    const topic = telemetryTopic('h1', 'plug', 'kettle');
    gw.accept(topic, '{"v":1,"powerW":5}', false);
    gw.accept(topic, '{"v":1,"ts":1,"powerW":5}', false);
    gw.accept(telemetryTopic('other-home', 'plug', 'k'), encodeReading({ tsMs: nowMs, powerW: 1 }), false);
    for (let i = 0; i < 10; i++) gw.accept(topic, encodeReading({ tsMs: nowMs - 10_000 + i, powerW: i }), false);
    gw.start();
    for (let i = 0; i < 100 && queue.pending().records > 0; i++) await new Promise((r) => setTimeout(r, 10));
    await gw.stop();
    queue.close();
    const data = client.published.filter((m) => m.topic === topic);
    expect(data).toHaveLength(11);
    expect(validateMessage(topic, data[0]!.payload, { receivedAtMs: nowMs }).points[0]!.timeMs).toBe(nowMs);
    expect(data.slice(1).map((m) => JSON.parse(m.payload).powerW)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(gw.stats.rejected).toEqual({ ts_too_old: 1, bad_topic: 1 });
  });

  it('announces evictions in its log and upstream, in order with the data', async () => {
    const queue = DiskQueue.open(dir, { maxBytes: 2000, segmentBytes: 800 });
    const client = new FakeClient();
    const gw = new Gateway(queue, async () => Promise.reject(new Error('unreachable')), options, log);
    const topic = telemetryTopic('h1', 'meter', 'main');
    for (let i = 0; i < 60; i++) gw.accept(topic, encodeReading({ tsMs: nowMs - 60_000 + i, powerW: i }), false);
    expect(gw.stats.evictedReadings).toBeGreaterThan(0);
    expect(warnings.some((w) => w.startsWith('disk buffer full: evicted the oldest readings'))).toBe(true);
    // Drain what is left through a working connection: the newest data plus the health reading announcing it.
    const drained = new Gateway(queue, async () => client as unknown as MqttClient, options, log);
    drained.start();
    for (let i = 0; i < 100 && queue.pending().records > 0; i++) await new Promise((r) => setTimeout(r, 10));
    await drained.stop();
    queue.close();
    const health = client.published.filter((m) => m.topic === telemetryTopic('h1', 'gateway', 'gw'));
    expect(health.length).toBeGreaterThan(0);
    expect(JSON.parse(health.at(-1)!.payload).evictedReadings).toBe(gw.stats.evictedReadings);
    const kept = client.published.filter((m) => m.topic === topic).map((m) => JSON.parse(m.payload).powerW as number);
    expect(kept.at(-1)).toBe(59);
    // The newest readings survive, contiguous; everything older was evicted and counted (health readings too).
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 60 - kept.length + i));
    expect(gw.stats.evictedReadings).toBeGreaterThanOrEqual(60 - kept.length);
  });

  it('persists its cursor every cursorSyncRecords confirmations, so a crash resends fewer than that', async () => {
    const queue = DiskQueue.open(dir, { maxBytes: 1 << 20, segmentBytes: 1 << 16 });
    const client = new FakeClient();
    // The timer alone would not persist anything during the test: only the count does.
    const gw = new Gateway(
      queue,
      async () => client as unknown as MqttClient,
      { ...options, cursorSyncMs: 3_600_000, cursorSyncRecords: 4 },
      log,
    );
    const topic = telemetryTopic('h1', 'plug', 'kettle');
    for (let i = 0; i < 10; i++) gw.accept(topic, encodeReading({ tsMs: nowMs - 10_000 + i, powerW: i }), false);
    gw.start();
    for (let i = 0; i < 100 && queue.pending().records > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(queue.pending().records).toBe(0);
    // What a crash right now would find on disk.
    const persisted = JSON.parse(readFileSync(join(dir, 'cursor.json'), 'utf8')) as { index: number };
    await gw.stop();
    queue.close();
    expect(client.published.filter((m) => m.topic === topic)).toHaveLength(10);
    expect(10 - persisted.index).toBeGreaterThanOrEqual(0);
    expect(10 - persisted.index).toBeLessThan(4);
  });

  it('waits the full retryMs between connection attempts however fast devices send (no retry storm)', async () => {
    const queue = DiskQueue.open(dir, { maxBytes: 1 << 22, segmentBytes: 1 << 16 });
    const retryMs = 200;
    const gw = new Gateway(queue, async () => Promise.reject(new Error('unreachable')), { ...options, retryMs }, log);
    const topic = telemetryTopic('h1', 'meter', 'main');
    gw.start();
    const t0 = Date.now();
    // 1 s of device traffic, a message every millisecond or so: each one wakes the forwarding loop.
    for (let i = 0; Date.now() - t0 < 1000; i++) {
      gw.accept(topic, encodeReading({ tsMs: nowMs - 100_000 + i, powerW: i }), false);
      await new Promise((r) => setTimeout(r, 1));
    }
    const elapsedMs = Date.now() - t0;
    await gw.stop();
    queue.close();
    expect(gw.stats.received).toBeGreaterThan(100);
    // One attempt at start, then one per retryMs (old code: about one per device message).
    expect(gw.stats.connectAttempts).toBeLessThanOrEqual(2 + Math.ceil(elapsedMs / retryMs));
  });

  it('stop() ends the retry wait at once', async () => {
    const queue = DiskQueue.open(dir, { maxBytes: 1 << 20, segmentBytes: 1 << 16 });
    const gw = new Gateway(
      queue,
      async () => Promise.reject(new Error('unreachable')),
      { ...options, retryMs: 3_600_000 },
      log,
    );
    gw.start();
    await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    await gw.stop();
    queue.close();
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('reports buffer depth and received/forwarded rates over its window', async () => {
    const queue = DiskQueue.open(dir, { maxBytes: 1 << 20, segmentBytes: 1 << 16 });
    let clock = nowMs;
    const gw = new Gateway(
      queue,
      async () => Promise.reject(new Error('unreachable')),
      { ...options, now: () => clock },
      log,
    );
    const topic = telemetryTopic('h1', 'meter', 'main');
    expect(gw.status(10_000)).toMatchObject({ bufferedRecords: 0, receivedPerS: 0, forwardedPerS: 0 });
    for (let i = 0; i < 50; i++) gw.accept(topic, encodeReading({ tsMs: nowMs - 1000 + i, powerW: i }), false);
    clock += 5000;
    expect(gw.status(10_000)).toMatchObject({
      bufferedRecords: 50,
      bufferedReadings: 50,
      receivedPerS: 10,
      forwardedPerS: 0,
      connected: false,
    });
    // Older samples leave the window: nothing received in the last 10 s.
    clock += 20_000;
    gw.status(10_000);
    clock += 1000;
    expect(gw.status(10_000).receivedPerS).toBe(0);
    queue.close();
  });

  it('reports the replay of its buffer after a connect: records, duration, rate', async () => {
    const queue = DiskQueue.open(dir, { maxBytes: 1 << 20, segmentBytes: 1 << 16 });
    const client = new FakeClient();
    const gw = new Gateway(queue, async () => client as unknown as MqttClient, options, log);
    const topic = telemetryTopic('h1', 'meter', 'main');
    for (let i = 0; i < 20; i++) gw.accept(topic, encodeReading({ tsMs: nowMs - 1000 + i, powerW: i }), false);
    expect(gw.status().lastReplay).toBeUndefined();
    gw.start();
    for (let i = 0; i < 100 && queue.pending().records > 0; i++) await new Promise((r) => setTimeout(r, 10));
    // Live readings after the replay do not count into it.
    gw.accept(topic, encodeReading({ tsMs: nowMs - 10, powerW: 99 }), false);
    for (let i = 0; i < 100 && queue.pending().records > 0; i++) await new Promise((r) => setTimeout(r, 10));
    await gw.stop();
    queue.close();
    expect(gw.status().lastReplay).toEqual({ records: 20, durationMs: 1, perS: 20_000 });
  });
});
