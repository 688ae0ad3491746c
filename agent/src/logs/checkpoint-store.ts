import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FileCursor } from '../send/queue-record.js';

/** Where reading of one file (by device and inode) stands. */
export interface CheckpointEntry {
  /** The path the file had when it was tailed (its name in the `filename` label). */
  path: string;
  /** Byte offset just after the last line that is safely in the queue. */
  offset: number;
  /** Base64 of the file's first bytes when it was read; a different start means a reused inode. */
  head?: string;
}

/**
 * The tail positions of all log files, keyed by `dev:ino` so a renamed file keeps its position,
 * saved atomically (write, fsync, rename) to `<state>/positions.json`.
 *
 * Exactly-once across restarts works like this:
 * 1. Lines reach the disk queue in batches; each batch carries the cursors of the lines in it and
 *    a sequence number `seq`.
 * 2. Right after a batch is appended, its cursors are applied here and saved with that `seq`.
 * 3. On start, cursors of queued batches with a higher `seq` than the saved one (a crash between
 *    steps 1 and 2) are applied again with {@link apply}; so the position never lags the queue
 *    (no repeats) and never leads it (no loss).
 * A cursor with `offset` -1 removes the file's entry (it was rotated away and fully read).
 *
 * @example
 * const store = CheckpointStore.load('/var/lib/vigil-agent/positions.json');
 * store.get(dev, ino); // { path, offset } or undefined
 */
export class CheckpointStore {
  private constructor(
    private readonly path: string,
    public seq: number,
    private readonly files: Map<string, CheckpointEntry>,
  ) {}

  /** Reads the store, or starts an empty one when the file does not exist. */
  static load(path: string): CheckpointStore {
    try {
      const data = JSON.parse(readFileSync(path, 'utf8')) as { seq: number; files: Record<string, CheckpointEntry> };
      return new CheckpointStore(path, data.seq, new Map(Object.entries(data.files)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        // A damaged positions file must not stop the agent; starting over repeats some lines,
        // which is better than tailing nothing.
        return new CheckpointStore(path, 0, new Map());
      }
      return new CheckpointStore(path, 0, new Map());
    }
  }

  /** The entry of the file with this device and inode. */
  get(dev: number, ino: number): CheckpointEntry | undefined {
    return this.files.get(`${dev}:${ino}`);
  }

  /** Every entry with its `dev:ino` key. */
  entries(): [string, CheckpointEntry][] {
    return [...this.files.entries()];
  }

  /** True when some entry was tailed under `path`. */
  knowsPath(path: string): boolean {
    for (const e of this.files.values()) if (e.path === path) return true;
    return false;
  }

  /** Applies cursors in order (offset -1 deletes) and raises `seq` to at least `seq`. */
  apply(cursors: readonly FileCursor[], seq: number): void {
    for (const c of cursors) {
      const key = `${c.dev}:${c.ino}`;
      if (c.offset < 0) this.files.delete(key);
      else this.files.set(key, c.head ? { path: c.path, offset: c.offset, head: c.head } : { path: c.path, offset: c.offset });
    }
    this.seq = Math.max(this.seq, seq);
  }

  /** Writes the store durably. */
  save(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify({ seq: this.seq, files: Object.fromEntries(this.files) }));
    const fd = openSync(tmp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
  }
}
