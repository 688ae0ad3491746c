import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { FileCursor } from '../send/queue-record.js';
import type { Labels } from '../types.js';
import { detectLevel } from './level-detector.js';
import { LineSplitter } from './line-splitter.js';
import { type MultilineOptions, MultilineJoiner } from './multiline-joiner.js';

/** How one file is read. */
export interface TailerOptions {
  /** Labels of every record (the source's labels, `filename`, host and static labels). */
  labels: Labels;
  /** Longer lines are cut to this many bytes and marked. */
  maxLineBytes: number;
  /** Multi-line grouping; single lines when absent. */
  multiline?: MultilineOptions;
  /** Add a `level` label detected from the line. */
  detectLevel: boolean;
}

/**
 * Receives every record (`line` undefined for a position-only update) with the cursor just after
 * it. Called synchronously; must not throw.
 */
export type TailSink = (line: string | undefined, labels: Labels, cursor: FileCursor) => void;

const READ_CHUNK_BYTES = 64 * 1024;
/**
 * One read buffer for every tailer: reads are synchronous and the splitter copies what it keeps,
 * so nothing refers to it between reads (a fresh buffer per read would churn the C heap).
 */
let readBuffer: Buffer | undefined;
/** How many leading bytes identify a file's content for truncation detection. */
const HEAD_BYTES = 64;

/**
 * Follows one open file from a byte offset: reads what was appended, cuts lines, joins multi-line
 * records, detects the level and hands records with their cursors to the sink. Rotation by rename
 * is the caller's business (it keeps reading the old descriptor); truncation (copytruncate) is
 * detected here when the file becomes shorter than what was read or its first bytes change.
 *
 * File I/O is synchronous: on local disks a `read`/`fstat` costs microseconds, far less CPU than
 * a trip through the thread pool, and a poll touches every file several times a second. (Logs on
 * a hanging network filesystem would stall the agent's event loop; tail local files.)
 *
 * @example
 * const t = await FileTailer.open('/var/log/app.log', '/var/log/app.log', 0, options, sink);
 * await t.read(Date.now());
 */
export class FileTailer {
  private readonly splitter: LineSplitter;
  private readonly joiner: MultilineJoiner | undefined;
  /** When data last arrived, epoch milliseconds. */
  lastDataMs = Date.now();
  private closed = false;
  /** One labels object per detected level, shared by all its records (cheap to batch and encode). */
  private readonly labelsByLevel = new Map<string, Labels>();
  /** The file's first bytes as last seen; different bytes at the start mean it was rewritten. */
  private head: Buffer | undefined;
  private headBase64: string | undefined;

  private constructor(
    /** The name the file is tailed under (the `filename` label and the cursor path). */
    readonly name: string,
    private readonly fd: number,
    readonly dev: number,
    readonly ino: number,
    private offset: number,
    private readonly options: TailerOptions,
    private readonly sink: TailSink,
  ) {
    this.splitter = new LineSplitter(options.maxLineBytes);
    this.joiner = options.multiline
      ? new MultilineJoiner(options.multiline, (r) => this.emit(r.text, r.endOffset))
      : undefined;
  }

  /**
   * Opens `readPath` and starts at `offset` (`'end'` for the current end, or the start of an
   * unfinished last line, so that line is delivered whole once it is finished). An offset beyond the
   * end means the file was truncated meanwhile, so reading starts at 0, and so does a file whose
   * first bytes differ from `expectedHead` (a checkpoint's `head`: the inode was reused).
   * Undefined when the file is gone.
   */
  static async open(
    name: string,
    readPath: string,
    offset: number | 'end',
    options: TailerOptions,
    sink: TailSink,
    expectedHead?: string,
  ): Promise<FileTailer | undefined> {
    let fd: number;
    try {
      fd = openSync(readPath, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const st = fstatSync(fd);
    let start = offset === 'end' ? startOfLastLine(fd, st.size) : offset > st.size ? 0 : offset;
    if (expectedHead !== undefined && start > 0 && !startsWith(fd, Buffer.from(expectedHead, 'base64'))) {
      // Same inode, other content: the file we were reading was deleted and its inode reused.
      start = 0;
    }
    const tailer = new FileTailer(name, fd, st.dev, st.ino, start, options, sink);
    tailer.captureHead();
    return tailer;
  }

  /** `dev:ino` of the open file. */
  get key(): string {
    return `${this.dev}:${this.ino}`;
  }

  /** The cursor of the position read so far, for position-only updates. */
  get cursor(): FileCursor {
    return { path: this.name, dev: this.dev, ino: this.ino, offset: this.offset, head: this.headBase64 };
  }

  /** Reads everything appended since the last call; returns the number of bytes read. */
  async read(nowMs: number): Promise<number> {
    const st = fstatSync(this.fd);
    if (st.size < this.offset || (st.size > this.offset && !this.headUnchanged())) {
      // copytruncate: the file was emptied in place (and maybe already written past our offset
      // again, which only its changed first bytes tell). What was buffered belongs to the old
      // content (already copied elsewhere by the rotator), so finish it and start again at 0.
      this.head = undefined;
      this.headBase64 = undefined;
      this.joiner?.flush();
      this.splitter.reset();
      this.offset = 0;
      this.sink(undefined, this.options.labels, this.cursor);
    }
    let total = 0;
    let available = st.size - this.offset;
    for (;;) {
      // Read what the file grew (at least a little, since it may grow while we read), at most
      // 64 KiB at a time.
      const want = Math.min(READ_CHUNK_BYTES, Math.max(available, 4096));
      readBuffer ??= Buffer.allocUnsafe(READ_CHUNK_BYTES);
      const buf = readBuffer;
      const bytesRead = readSync(this.fd, buf, 0, want, this.offset);
      available -= bytesRead;
      if (bytesRead === 0) break;
      const start = this.offset;
      this.offset += bytesRead;
      total += bytesRead;
      // Before any record of the chunk is emitted, so every cursor carries the file's head.
      if (this.head === undefined || this.head.length < HEAD_BYTES) this.captureHead();
      this.splitter.push(buf.subarray(0, bytesRead), start, (l) => {
        const text = l.truncatedBytes > 0 ? `${l.text}…[truncated ${l.truncatedBytes} bytes]` : l.text;
        if (this.joiner) this.joiner.push(text, l.endOffset, nowMs);
        else this.emit(text, l.endOffset);
      });
    }
    if (total > 0) this.lastDataMs = nowMs;
    this.joiner?.flushIfIdle(nowMs);
    return total;
  }

  /**
   * Closes the file. With `final` (the file was rotated away and fully read) an unfinished last
   * line and a pending multi-line record are emitted first; without it (shutdown) they are left
   * for the next start, which resumes before them.
   */
  async close(final: boolean): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (final) {
      this.splitter.flush(this.offset, (l) => {
        if (this.joiner) this.joiner.push(l.text, l.endOffset, Date.now());
        else this.emit(l.text, l.endOffset);
      });
      this.joiner?.flush();
    }
    closeSync(this.fd);
  }

  /** Remembers the file's first bytes (up to {@link HEAD_BYTES}) to recognise it after a truncation. */
  captureHead(): void {
    const len = Math.min(HEAD_BYTES, this.offset);
    if (len === 0 || len === this.head?.length) return;
    const buf = Buffer.alloc(len);
    const bytesRead = readSync(this.fd, buf, 0, len, 0);
    this.head = buf.subarray(0, bytesRead);
    this.headBase64 = this.head.toString('base64');
  }

  private headUnchanged(): boolean {
    if (!this.head || this.head.length === 0) return true;
    const buf = Buffer.alloc(this.head.length);
    const bytesRead = readSync(this.fd, buf, 0, buf.length, 0);
    return bytesRead === buf.length && buf.equals(this.head);
  }

  private emit(text: string, endOffset: number): void {
    let labels = this.options.labels;
    if (this.options.detectLevel) {
      const level = detectLevel(text);
      if (level) {
        let withLevel = this.labelsByLevel.get(level);
        if (!withLevel) {
          withLevel = { ...labels, level };
          this.labelsByLevel.set(level, withLevel);
        }
        labels = withLevel;
      }
    }
    this.sink(text, labels, { path: this.name, dev: this.dev, ino: this.ino, offset: endOffset, head: this.headBase64 });
  }
}

/** The offset after the last `\n` within the final 64 KiB before `size` (`size` if there is none). */
function startOfLastLine(fd: number, size: number): number {
  const len = Math.min(size, READ_CHUNK_BYTES);
  if (len === 0) return size;
  const buf = Buffer.alloc(len);
  readSync(fd, buf, 0, len, size - len);
  const nl = buf.lastIndexOf(10);
  return nl === -1 ? (len === size ? 0 : size) : size - len + nl + 1;
}

/** True when the file starts with `prefix`. */
function startsWith(fd: number, prefix: Buffer): boolean {
  const buf = Buffer.alloc(prefix.length);
  return readSync(fd, buf, 0, buf.length, 0) === buf.length && buf.equals(prefix);
}
