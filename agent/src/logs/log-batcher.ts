import type { DiskQueue } from '../queue/disk-queue.js';
import { LokiPushBuilder } from '../send/loki-push-encoder.js';
import { decodeQueuePayload, encodeQueuePayload, type FileCursor } from '../send/queue-record.js';
import type { Labels } from '../types.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { NanoClock } from './nano-clock.js';

/** Options of {@link LogBatcher}. */
export interface LogBatcherOptions {
  queue: DiskQueue;
  checkpoints: CheckpointStore;
  /** A batch is queued once its lines reach this many bytes. */
  maxBatchBytes: number;
  /** A non-empty batch is queued at the latest this long after its first line, in milliseconds. */
  maxWaitMs: number;
  onError: (err: unknown) => void;
}

/**
 * Collects tailed lines into Loki push batches and moves them into the disk queue, then commits
 * the files' positions (see {@link CheckpointStore} for why this order gives exactly-once).
 * Position-only updates (a file opened, rotated away, truncated) ride along with the next batch,
 * or are committed on their own when no line is pending.
 *
 * @example
 * const b = new LogBatcher({ queue, checkpoints, maxBatchBytes: 1 << 20, maxWaitMs: 1000, onError });
 * collector = new LogCollector({ ..., sink: b.sink });
 */
export class LogBatcher {
  /** Lines queued since the process started. */
  linesQueued = 0;
  /** The current batch, already encoded line by line (see {@link LokiPushBuilder}). */
  private readonly batch = new LokiPushBuilder();
  private bytes = 0;
  private cursors = new Map<string, FileCursor>();
  private firstMs = 0;
  private readonly clock = new NanoClock();

  constructor(private readonly options: LogBatcherOptions) {}

  /**
   * Re-applies the cursors of batches that reached the queue but whose positions were not saved
   * (a crash in between). Call once at start, before tailing.
   */
  static recover(queue: DiskQueue, checkpoints: CheckpointStore): void {
    let changed = false;
    for (const payload of queue.scan()) {
      const p = decodeQueuePayload(payload);
      if (p.seq !== undefined && p.seq > checkpoints.seq) {
        checkpoints.apply(p.cursors, p.seq);
        changed = true;
      }
    }
    if (changed) checkpoints.save();
  }

  /** The tail sink: adds one record (or only a position) to the current batch. */
  readonly sink = (line: string | undefined, labels: Labels, cursor: FileCursor): void => {
    const key = `${cursor.dev}:${cursor.ino}`;
    this.cursors.delete(key);
    this.cursors.set(key, cursor);
    if (line === undefined) return;
    if (this.batch.entries === 0) this.firstMs = Date.now();
    this.batch.add(labels, this.clock.next(), line);
    this.bytes += line.length + 32;
    if (this.bytes >= this.options.maxBatchBytes) this.flush();
  };

  /** Queues the batch if it is due (age or size); call periodically. */
  tick(nowMs = Date.now()): void {
    if (this.batch.entries === 0 ? this.cursors.size > 0 : nowMs - this.firstMs >= this.options.maxWaitMs) this.flush();
  }

  /** Queues the current batch now and commits positions. Never throws. */
  flush(): void {
    try {
      const cursors = [...this.cursors.values()];
      const { checkpoints, queue } = this.options;
      const seq = checkpoints.seq + 1;
      if (this.batch.entries > 0) {
        queue.append(encodeQueuePayload({ body: this.batch.encode(), cursors, seq }));
        this.linesQueued += this.batch.entries;
      }
      this.batch.clear();
      this.bytes = 0;
      this.cursors.clear();
      if (cursors.length > 0) {
        checkpoints.apply(cursors, seq);
        checkpoints.save();
      }
    } catch (err) {
      this.options.onError(new Error(`queueing log lines failed: ${(err as Error).message}`, { cause: err }));
    }
  }
}
