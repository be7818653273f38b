import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskQueue, type QueueRecord } from './diskQueue';

const rec = (i: number): QueueRecord => ({ topic: `t/${i}`, payload: `{"i":${i}}`, retain: false, readings: 1 });

function drain(q: DiskQueue): QueueRecord[] {
  const out: QueueRecord[] = [];
  let pos = q.ackPosition;
  for (let item = q.read(pos); item; item = q.read(pos)) {
    out.push(item.record);
    pos = item.next;
  }
  return out;
}

describe('DiskQueue', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'dq-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('returns records in order across segments and survives a reopen', () => {
    const q = DiskQueue.open(dir, { maxBytes: 1 << 20, segmentBytes: 200 });
    for (let i = 0; i < 50; i++) q.append([rec(i)]);
    expect(readdirSync(dir).filter((f) => f.startsWith('seg-')).length).toBeGreaterThan(3);
    expect(drain(q).map((r) => r.topic)).toEqual(Array.from({ length: 50 }, (_, i) => `t/${i}`));
    q.close();
    const again = DiskQueue.open(dir, { maxBytes: 1 << 20, segmentBytes: 200 });
    expect(again.pending()).toEqual({ records: 50, readings: 50 });
    again.close();
  });

  it('persists acknowledgements and deletes finished segments', () => {
    const q = DiskQueue.open(dir, { maxBytes: 1 << 20, segmentBytes: 200 });
    for (let i = 0; i < 30; i++) q.append([rec(i)]);
    let pos = q.ackPosition;
    for (let i = 0; i < 20; i++) pos = q.read(pos)!.next;
    q.ack(pos);
    q.close();
    const again = DiskQueue.open(dir, { maxBytes: 1 << 20, segmentBytes: 200 });
    expect(drain(again).map((r) => r.topic)).toEqual(Array.from({ length: 10 }, (_, i) => `t/${i + 20}`));
    again.close();
  });

  it('cuts a torn last line (a crash mid-write that was never acknowledged)', () => {
    const q = DiskQueue.open(dir, { maxBytes: 1 << 20, segmentBytes: 1 << 16 });
    q.append([rec(1), rec(2)]);
    q.close();
    const seg = readdirSync(dir).find((f) => f.startsWith('seg-'))!;
    appendFileSync(join(dir, seg), '{"topic":"t/3","payl');
    const again = DiskQueue.open(dir, { maxBytes: 1 << 20, segmentBytes: 1 << 16 });
    expect(drain(again).map((r) => r.topic)).toEqual(['t/1', 't/2']);
    again.append([rec(4)]);
    expect(drain(again).map((r) => r.topic)).toEqual(['t/1', 't/2', 't/4']);
    again.close();
  });

  it('evicts the oldest segment when full and says how much', () => {
    const q = DiskQueue.open(dir, { maxBytes: 1000, segmentBytes: 400 });
    const evicted = [];
    for (let i = 0; i < 100; i++) evicted.push(...q.append([rec(i)]));
    const lost = evicted.reduce((s, e) => s + e.readings, 0);
    const kept = drain(q);
    expect(lost).toBeGreaterThan(0);
    expect(lost + kept.length).toBe(100);
    expect(q.totalBytes).toBeLessThanOrEqual(1000);
    // What is left is the newest data, still in order.
    expect(kept.at(-1)?.topic).toBe('t/99');
    const idx = kept.map((r) => Number(r.topic.slice(2)));
    expect(idx).toEqual([...idx].sort((a, b) => a - b));
    q.close();
  });

  it('refuses a bound smaller than two segments', () => {
    expect(() => DiskQueue.open(dir, { maxBytes: 100, segmentBytes: 100 })).toThrow(/at least twice/);
  });
});
