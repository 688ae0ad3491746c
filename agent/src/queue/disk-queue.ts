import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from './crc32.js';

/** Options of {@link DiskQueue}. */
export interface DiskQueueOptions {
  /** Directory holding the segment files and the reader position; created if missing. */
  dir: string;
  /** Upper bound of unsent bytes kept on disk; beyond it the oldest segment is dropped. */
  maxBytes: number;
  /** Size at which a new segment file is started. @default min(8 MiB, maxBytes / 4) */
  segmentBytes?: number;
  /** fsync after every append, so a power loss loses nothing that was appended. @default true */
  fsync?: boolean;
}

/** One record read by {@link DiskQueue.peek}; pass it back to {@link DiskQueue.ack} once delivered. */
export interface QueueRecord {
  /** Global offset of the record. */
  offset: number;
  /** Global offset of the record after it. */
  next: number;
  payload: Buffer;
}

/** Counters a queue keeps for the agent's own metrics (since the process started). */
export interface DiskQueueStats {
  /** Records dropped because the queue was over `maxBytes`. */
  droppedRecords: number;
  /** Bytes cut off a torn tail when the queue was opened (an unclean shutdown). */
  repairedBytes: number;
  /** Records skipped because their checksum did not match. */
  corruptRecords: number;
}

const HEADER_BYTES = 8;
const SEGMENT_SUFFIX = '.seg';
const READER_FILE = 'reader.json';

interface Segment {
  start: number;
  path: string;
}

/**
 * A persistent FIFO of byte records on disk, bounded in bytes, that survives restarts and
 * `kill -9`.
 *
 * Layout: segment files named by the global offset of their first byte (`%016x.seg`), each a run
 * of records `[u32 length][u32 crc32][payload]`, little-endian; `reader.json` holds the global
 * offset of the oldest unacknowledged record. Reasons for the design:
 * 1. Appends only ever extend the last segment, so a crash can only tear its tail; on open the
 *    tail is scanned and cut at the first record whose length or checksum is wrong (as vmagent's
 *    persistent queue does).
 * 2. Dropping the oldest data is deleting a file, and the reader just jumps to the next segment.
 * 3. Delivery is at-least-once: the reader position moves only after {@link ack}, so a crash
 *    between a successful send and the ack re-sends one record (identical samples and log entries
 *    deduplicate at the receiver).
 *
 * All I/O is synchronous: records are appended a few times per second and this keeps every
 * operation atomic with respect to the event loop.
 *
 * @example
 * const q = new DiskQueue({ dir: '/var/lib/vigil-agent/queue/metrics', maxBytes: 256 << 20 });
 * q.append(Buffer.from('hello'));
 * const r = q.peek(); // { payload: <hello>, ... }
 * if (r) q.ack(r);
 */
export class DiskQueue {
  readonly stats: DiskQueueStats = { droppedRecords: 0, repairedBytes: 0, corruptRecords: 0 };
  private readonly dir: string;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly fsync: boolean;
  private segments: Segment[] = [];
  private writer = 0;
  private reader = 0;
  private fd: number | undefined;
  private waiters: (() => void)[] = [];

  constructor(options: DiskQueueOptions) {
    this.dir = options.dir;
    this.maxBytes = options.maxBytes;
    this.segmentBytes = options.segmentBytes ?? Math.max(4096, Math.min(8 << 20, Math.floor(options.maxBytes / 4)));
    this.fsync = options.fsync ?? true;
    mkdirSync(this.dir, { recursive: true });
    this.open();
  }

  /** Unsent bytes on disk (framing included). */
  get pendingBytes(): number {
    return this.writer - this.reader;
  }

  /** Appends one record durably (after fsync when enabled); drops the oldest data if over the bound. */
  append(payload: Uint8Array): void {
    const total = HEADER_BYTES + payload.length;
    if (total > this.maxBytes) {
      this.stats.droppedRecords++;
      return;
    }
    const last = this.segments.at(-1);
    if (!last || this.fd === undefined || (this.writer - last.start > 0 && this.writer - last.start + total > this.segmentBytes)) {
      this.startSegment();
    }
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt32LE(crc32(payload), 4);
    const record = Buffer.concat([header, payload]);
    const segStart = this.segments.at(-1)!.start;
    try {
      for (let done = 0; done < record.length; ) done += writeSync(this.fd!, record, done);
      if (this.fsync) fsyncSync(this.fd!);
    } catch (err) {
      // A failed write (disk full) must not leave a torn record in the middle of the segment,
      // where it would hide every record appended after it.
      try {
        ftruncateSync(this.fd!, this.writer - segStart);
      } catch {
        // The open-time repair will cut it instead.
      }
      throw err;
    }
    this.writer += total;
    this.enforceBound();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** The oldest unacknowledged record, or undefined when the queue is empty. Does not remove it. */
  peek(): QueueRecord | undefined {
    for (;;) {
      if (this.reader >= this.writer) return undefined;
      const i = this.segmentIndexOf(this.reader);
      const seg = this.segments[i]!;
      const segEnd = this.segments[i + 1]?.start ?? this.writer;
      if (this.reader >= segEnd) {
        this.moveReader(segEnd);
        continue;
      }
      const fd = openSync(seg.path, 'r');
      try {
        const header = Buffer.alloc(HEADER_BYTES);
        const pos = this.reader - seg.start;
        const ok = readSync(fd, header, 0, HEADER_BYTES, pos) === HEADER_BYTES;
        const len = header.readUInt32LE(0);
        if (ok && this.reader + HEADER_BYTES + len <= segEnd) {
          const payload = Buffer.alloc(len);
          if (readSync(fd, payload, 0, len, pos + HEADER_BYTES) === len && crc32(payload) === header.readUInt32LE(4)) {
            return { offset: this.reader, next: this.reader + HEADER_BYTES + len, payload };
          }
        }
      } finally {
        closeSync(fd);
      }
      // A corrupt record in the middle of a segment: nothing after it in this segment can be
      // framed reliably, so skip to the next segment.
      this.stats.corruptRecords++;
      this.moveReader(segEnd);
    }
  }

  /** Marks `record` delivered; a no-op when the queue already moved past it (dropped meanwhile). */
  ack(record: QueueRecord): void {
    if (this.reader === record.offset) this.moveReader(record.next);
  }

  /** Resolves at the next append, or at once when records are waiting. */
  waitForData(signal?: AbortSignal): Promise<void> {
    if (this.reader < this.writer || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Every unacknowledged payload, oldest first, without consuming them (for recovery scans). */
  *scan(): Generator<Buffer> {
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      const end = this.segments[i + 1]?.start ?? this.writer;
      const from = Math.max(this.reader, seg.start);
      if (from >= end) continue;
      const data = readFileSync(seg.path).subarray(from - seg.start, end - seg.start);
      for (const { payload } of frames(data)) yield payload;
    }
  }

  /** Closes the open segment file. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    for (const w of this.waiters) w();
    this.waiters = [];
  }

  private open(): void {
    this.segments = readdirSync(this.dir)
      .filter((f) => /^[0-9a-f]{16}\.seg$/.test(f))
      .sort()
      .map((f) => ({ start: Number.parseInt(f.slice(0, 16), 16), path: join(this.dir, f) }));
    const last = this.segments.at(-1);
    if (last) {
      // Repair a torn tail: keep the longest prefix of well-formed records.
      const data = readFileSync(last.path);
      let valid = 0;
      for (const f of frames(data)) valid = f.end;
      if (valid < data.length) {
        this.stats.repairedBytes += data.length - valid;
        const fd = openSync(last.path, 'r+');
        ftruncateSync(fd, valid);
        fsyncSync(fd);
        closeSync(fd);
      }
      this.writer = last.start + valid;
      this.fd = openSync(last.path, 'a');
    }
    const first = this.segments[0]?.start ?? 0;
    let reader = first;
    const readerPath = join(this.dir, READER_FILE);
    if (existsSync(readerPath)) {
      try {
        reader = Number((JSON.parse(readFileSync(readerPath, 'utf8')) as { offset: number }).offset);
      } catch {
        reader = first;
      }
    }
    this.reader = Math.min(Math.max(reader, first), this.writer);
    this.dropConsumedSegments();
  }

  private startSegment(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    const path = join(this.dir, this.writer.toString(16).padStart(16, '0') + SEGMENT_SUFFIX);
    this.fd = openSync(path, 'a');
    if (fstatSync(this.fd).size !== 0) ftruncateSync(this.fd, 0);
    this.segments.push({ start: this.writer, path });
    this.dropConsumedSegments();
  }

  private enforceBound(): void {
    while (this.writer - this.reader > this.maxBytes && this.segments.length > 1) {
      const oldest = this.segments[0]!;
      const next = this.segments[1]!.start;
      if (this.reader < next) {
        const data = readFileSync(oldest.path).subarray(this.reader - oldest.start, next - oldest.start);
        for (const _ of frames(data)) this.stats.droppedRecords++;
        this.moveReader(next);
      } else {
        this.dropConsumedSegments();
      }
    }
  }

  private segmentIndexOf(offset: number): number {
    let i = this.segments.length - 1;
    while (i > 0 && this.segments[i]!.start > offset) i--;
    return i;
  }

  private moveReader(offset: number): void {
    this.reader = offset;
    const path = join(this.dir, READER_FILE);
    const tmp = `${path}.tmp`;
    // Not fsynced: after a power loss an older reader position only means re-sending records
    // the server already has (it deduplicates them), and this runs once per request.
    writeFileSync(tmp, JSON.stringify({ offset }));
    renameSync(tmp, path);
    this.dropConsumedSegments();
  }

  /** Deletes segments that lie wholly before the reader (never the one being written). */
  private dropConsumedSegments(): void {
    while (this.segments.length > 1 && this.segments[1]!.start <= this.reader) {
      unlinkSync(this.segments.shift()!.path);
    }
  }
}

/** Well-formed records of a segment's bytes, stopping at the first torn or corrupt one. */
function* frames(data: Buffer): Generator<{ payload: Buffer; end: number }> {
  let pos = 0;
  while (pos + HEADER_BYTES <= data.length) {
    const len = data.readUInt32LE(pos);
    const end = pos + HEADER_BYTES + len;
    if (end > data.length) return;
    const payload = data.subarray(pos + HEADER_BYTES, end);
    if (crc32(payload) !== data.readUInt32LE(pos + 4)) return;
    yield { payload, end };
    pos = end;
  }
}
