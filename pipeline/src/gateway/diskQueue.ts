import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/** One message waiting to be forwarded to the central broker. */
export interface QueueRecord {
  topic: string;
  payload: string;
  retain: boolean;
  /** Readings in the payload (for the gateway's health report). */
  readings: number;
}

/** A record's place in the queue: segment number and index in it. */
export interface QueuePosition {
  segment: number;
  index: number;
}

export interface DiskQueueOptions {
  /** Bound on the bytes of all segment files; beyond it the oldest segment is evicted. */
  maxBytes: number;
  /** A new segment starts once the active one reaches this size. */
  segmentBytes: number;
}

export interface Eviction {
  records: number;
  readings: number;
  /** Device time range (ms) is not known without parsing payloads; the segment number helps the log reader. */
  segment: number;
}

interface Segment {
  seq: number;
  bytes: number;
  /** Readings per record, in order (the record count is its length). */
  readings: number[];
}

const SEGMENT_RE = /^seg-(\d{10})\.log$/;
const segmentName = (seq: number): string => `seg-${String(seq).padStart(10, '0')}.log`;

export function comparePositions(a: QueuePosition, b: QueuePosition): number {
  return a.segment !== b.segment ? a.segment - b.segment : a.index - b.index;
}

/**
 * A crash-safe FIFO on disk: append-only segment files of JSON lines plus a cursor file naming the first record not
 * yet acknowledged by the central broker. `append` returns only after fsync, so whatever it accepted survives a
 * crash; a torn last line (a crash during a write that was never acknowledged) is cut off on open. Acknowledgements
 * are persisted every `cursorSyncMs` and every `cursorSyncRecords` confirmations, so a crash may resend a few
 * acknowledged records (fewer than `cursorSyncRecords`), never lose one.
 * Bounded: when the files exceed `maxBytes`, the oldest segment is evicted and `append` reports it.
 */
export class DiskQueue {
  private readonly segments: Segment[] = [];
  private cursor: QueuePosition;
  private activeFd: number;
  private cache: { seq: number; records: QueueRecord[] } | undefined;
  private cursorDirty = false;

  private constructor(
    private readonly dir: string,
    private readonly options: DiskQueueOptions,
  ) {
    if (options.maxBytes < 2 * options.segmentBytes) {
      throw new Error(
        `disk queue: maxBytes ${options.maxBytes} must be at least twice segmentBytes ${options.segmentBytes}`,
      );
    }
    mkdirSync(dir, { recursive: true });
    const seqs = readdirSync(dir)
      .map((f) => SEGMENT_RE.exec(f)?.[1])
      .filter((s): s is string => s !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    for (const seq of seqs) this.segments.push(this.recoverSegment(seq));
    this.cursor = this.readCursor();
    // Segments wholly before the cursor were acknowledged before a crash: drop them now.
    while (this.segments.length > 1 && (this.segments[0] as Segment).seq < this.cursor.segment) {
      unlinkSync(join(dir, segmentName((this.segments.shift() as Segment).seq)));
    }
    if (this.segments.length === 0)
      this.segments.push({ seq: Math.max(1, this.cursor.segment), bytes: 0, readings: [] });
    const first = this.segments[0] as Segment;
    if (this.cursor.segment < first.seq) this.cursor = { segment: first.seq, index: 0 };
    const active = this.segments[this.segments.length - 1] as Segment;
    this.activeFd = openSync(join(dir, segmentName(active.seq)), 'a');
    this.syncDir();
  }

  static open(dir: string, options: DiskQueueOptions): DiskQueue {
    return new DiskQueue(dir, options);
  }

  /** Reads a segment, cutting a torn or corrupt tail so that the file ends with the last whole record. */
  private recoverSegment(seq: number): Segment {
    const path = join(this.dir, segmentName(seq));
    const text = readFileSync(path, 'utf8');
    const readings: number[] = [];
    let good = 0;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      try {
        const rec = JSON.parse(text.slice(start, nl)) as QueueRecord;
        readings.push(rec.readings);
      } catch {
        break;
      }
      start = nl + 1;
      good = start;
    }
    const goodBytes = Buffer.byteLength(text.slice(0, good), 'utf8');
    if (goodBytes !== Buffer.byteLength(text, 'utf8')) {
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, goodBytes);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    return { seq, bytes: goodBytes, readings };
  }

  private readCursor(): QueuePosition {
    const path = join(this.dir, 'cursor.json');
    if (!existsSync(path)) return { segment: this.segments[0]?.seq ?? 1, index: 0 };
    try {
      const c = JSON.parse(readFileSync(path, 'utf8')) as QueuePosition;
      if (Number.isInteger(c.segment) && Number.isInteger(c.index)) return c;
    } catch {
      // A cursor torn by a crash: replaying from the first segment resends, never loses.
    }
    return { segment: this.segments[0]?.seq ?? 1, index: 0 };
  }

  private syncDir(): void {
    const fd = openSync(this.dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1] as Segment;
  }

  get totalBytes(): number {
    return this.segments.reduce((s, seg) => s + seg.bytes, 0);
  }

  /** Position of the first record not yet acknowledged. */
  get ackPosition(): QueuePosition {
    return { ...this.cursor };
  }

  /** Records and readings appended but not yet acknowledged. */
  pending(): { records: number; readings: number } {
    let records = 0;
    let readings = 0;
    for (const seg of this.segments) {
      if (seg.seq < this.cursor.segment) continue;
      const from = seg.seq === this.cursor.segment ? this.cursor.index : 0;
      for (let i = from; i < seg.readings.length; i++) readings += seg.readings[i] as number;
      records += Math.max(0, seg.readings.length - from);
    }
    return { records, readings };
  }

  /** Appends durably (write + fsync) and returns what had to be evicted to stay within `maxBytes`. */
  append(records: readonly QueueRecord[]): Eviction[] {
    if (records.length === 0) return [];
    if (this.active.bytes >= this.options.segmentBytes) this.rotate();
    const lines = records.map((r) => JSON.stringify(r) + '\n').join('');
    const buf = Buffer.from(lines, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(this.activeFd, buf, off);
    fsyncSync(this.activeFd);
    this.active.bytes += buf.length;
    for (const r of records) this.active.readings.push(r.readings);
    if (this.cache?.seq === this.active.seq) this.cache.records.push(...records.map((r) => ({ ...r })));
    return this.evict();
  }

  private rotate(): void {
    closeSync(this.activeFd);
    const seq = this.active.seq + 1;
    this.segments.push({ seq, bytes: 0, readings: [] });
    this.activeFd = openSync(join(this.dir, segmentName(seq)), 'a');
    this.syncDir();
  }

  private evict(): Eviction[] {
    const evictions: Eviction[] = [];
    while (this.totalBytes > this.options.maxBytes && this.segments.length > 1) {
      const oldest = this.segments.shift() as Segment;
      const from =
        oldest.seq === this.cursor.segment ? this.cursor.index : oldest.seq < this.cursor.segment ? Infinity : 0;
      let records = 0;
      let readings = 0;
      for (let i = from; i < oldest.readings.length; i++) {
        records++;
        readings += oldest.readings[i] as number;
      }
      unlinkSync(join(this.dir, segmentName(oldest.seq)));
      if (this.cursor.segment <= oldest.seq) {
        this.cursor = { segment: (this.segments[0] as Segment).seq, index: 0 };
        this.writeCursor();
      }
      if (this.cache?.seq === oldest.seq) this.cache = undefined;
      if (records > 0) evictions.push({ records, readings, segment: oldest.seq });
    }
    return evictions;
  }

  /** The record at `pos` (moved forward past evicted or finished segments) and the position after it. */
  read(pos: QueuePosition): { pos: QueuePosition; record: QueueRecord; next: QueuePosition } | undefined {
    let p = comparePositions(pos, this.cursor) < 0 ? { ...this.cursor } : { ...pos };
    for (const seg of this.segments) {
      if (seg.seq < p.segment) continue;
      if (seg.seq > p.segment) p = { segment: seg.seq, index: 0 };
      if (p.index < seg.readings.length) {
        const record = this.load(seg.seq)[p.index] as QueueRecord;
        return { pos: p, record, next: { segment: seg.seq, index: p.index + 1 } };
      }
    }
    return undefined;
  }

  private load(seq: number): QueueRecord[] {
    if (this.cache?.seq !== seq) {
      const text = readFileSync(join(this.dir, segmentName(seq)), 'utf8');
      const records = text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as QueueRecord);
      this.cache = { seq, records };
    }
    return this.cache.records;
  }

  /** Marks everything before `next` as acknowledged; finished segments are deleted. Persisted by `syncCursor`. */
  ack(next: QueuePosition): void {
    if (comparePositions(next, this.cursor) <= 0) return;
    this.cursor = { ...next };
    this.cursorDirty = true;
    while (this.segments.length > 1) {
      const first = this.segments[0] as Segment;
      const done =
        first.seq < this.cursor.segment ||
        (first.seq === this.cursor.segment && this.cursor.index >= first.readings.length);
      if (!done) break;
      this.writeCursor();
      this.segments.shift();
      unlinkSync(join(this.dir, segmentName(first.seq)));
      if (this.cursor.segment === first.seq) this.cursor = { segment: (this.segments[0] as Segment).seq, index: 0 };
    }
  }

  /** Writes the cursor (tmp file + fsync + rename) if acknowledgements moved it. */
  syncCursor(): void {
    if (this.cursorDirty) this.writeCursor();
  }

  private writeCursor(): void {
    const path = join(this.dir, 'cursor.json');
    const tmp = path + '.tmp';
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(this.cursor));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    this.cursorDirty = false;
  }

  close(): void {
    this.syncCursor();
    closeSync(this.activeFd);
  }
}
