import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Labels } from '../types.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { FileTailer, type TailSink } from './file-tailer.js';
import { expandGlob } from './glob.js';
import type { MultilineOptions } from './multiline-joiner.js';

/** One configured group of log files. */
export interface LogSource {
  /** Absolute paths or glob patterns (`*`, `?`, `[...]`, `**`). */
  paths: string[];
  /** Labels of every line of these files (besides `filename`, host and static labels). */
  labels: Labels;
  /** Where to start in a file seen for the first time when the agent starts. */
  startAt: 'beginning' | 'end';
  /** Longer lines are cut to this many bytes. */
  maxLineBytes: number;
  multiline?: MultilineOptions;
  /** Add a `level` label detected from each line. */
  detectLevel: boolean;
}

/** Options of {@link LogCollector}. */
export interface LogCollectorOptions {
  sources: LogSource[];
  /** Labels added to every line (host and static labels). */
  commonLabels: Labels;
  checkpoints: CheckpointStore;
  sink: TailSink;
  /** How long a rotated-away file is still read after its last new data, in milliseconds. */
  drainGraceMs: number;
  onError: (err: unknown) => void;
}

/**
 * Tails every file of every source. Each {@link poll} expands the globs (picking up new files),
 * follows rotation and reads what was appended:
 * - rename rotation: when a path names a new inode, the old file is still read through its open
 *   descriptor until it has been quiet for `drainGraceMs`, and the new file is read from 0;
 * - copytruncate: detected by the tailer when a file shrinks;
 * - restart: a file resumes at its checkpoint (by inode); a file rotated away while the agent was
 *   down is found by inode in its old directory and read to the end first.
 * Files that appear after the start are read from the beginning.
 *
 * @example
 * const c = new LogCollector({ sources, commonLabels: { host }, checkpoints, sink, drainGraceMs: 5000, onError });
 * await c.start();
 * setInterval(() => c.poll(), 250);
 */
export class LogCollector {
  private readonly active = new Map<string, { tailer: FileTailer; source: LogSource }>();
  private draining: FileTailer[] = [];
  private started = false;

  constructor(private readonly options: LogCollectorOptions) {}

  /** Opens the files that exist now, resuming from checkpoints; call once before {@link poll}. */
  async start(): Promise<void> {
    const { checkpoints } = this.options;
    const found = await this.discover();
    const seen = new Set<string>();
    for (const [path, source] of found) {
      const st = await statOrUndefined(path);
      if (!st) continue;
      const entry = checkpoints.get(st.dev, st.ino);
      const offset = entry ? entry.offset : checkpoints.knowsPath(path) || source.startAt === 'beginning' ? 0 : 'end';
      const tailer = await this.openTailer(path, path, offset, source, entry?.head);
      if (tailer) seen.add(tailer.key);
    }
    // Files that were being read when the agent stopped but have been rotated away since.
    for (const [key, entry] of checkpoints.entries()) {
      if (seen.has(key)) continue;
      const [dev, ino] = key.split(':').map(Number) as [number, number];
      const source = this.sourceOf(entry.path, found);
      const moved = source ? await findByInode(dirname(entry.path), dev, ino) : undefined;
      if (source && moved) {
        const t = await FileTailer.open(
          entry.path,
          moved,
          entry.offset,
          this.tailerOptions(entry.path, source),
          this.options.sink,
          entry.head,
        );
        if (t && t.key === key) {
          this.draining.push(t);
          continue;
        }
        await t?.close(false);
      }
      this.options.sink(undefined, {}, { path: entry.path, dev, ino, offset: -1 });
    }
    this.started = true;
  }

  /** One round: rotation checks, new files, reading. Never throws; errors go to `onError`. */
  async poll(nowMs = Date.now()): Promise<void> {
    if (!this.started) await this.start();
    try {
      for (const [path, { tailer, source }] of [...this.active]) {
        const st = await statOrUndefined(path);
        if (!st || st.dev !== tailer.dev || st.ino !== tailer.ino) {
          this.active.delete(path);
          this.draining.push(tailer);
          tailer.lastDataMs = nowMs;
          // The old file may have got lines after our last read and before it was renamed.
          await tailer.read(nowMs);
          if (st) await this.openTailer(path, path, 0, source);
        }
      }
      const found = await this.discover();
      for (const [path, source] of found) {
        if (this.active.has(path)) continue;
        const st = await statOrUndefined(path);
        if (!st) continue;
        const i = this.draining.findIndex((t) => t.dev === st.dev && t.ino === st.ino);
        if (i >= 0) {
          // A rotated file that the globs also match (e.g. `app.log*`): keep reading it where we are.
          const [t] = this.draining.splice(i, 1);
          this.active.set(path, { tailer: t!, source });
          continue;
        }
        const entry = this.options.checkpoints.get(st.dev, st.ino);
        await this.openTailer(path, path, entry ? entry.offset : 0, source, entry?.head);
      }
      for (const { tailer } of this.active.values()) await this.safeRead(tailer, nowMs);
      for (const t of [...this.draining]) {
        const n = await this.safeRead(t, nowMs);
        if (n === 0 && nowMs - t.lastDataMs >= this.options.drainGraceMs) {
          this.draining = this.draining.filter((d) => d !== t);
          await t.close(true);
          this.options.sink(undefined, {}, { ...t.cursor, offset: -1 });
        }
      }
    } catch (err) {
      this.options.onError(err);
    }
  }

  /** Number of files being read (followed plus draining). */
  get openFiles(): number {
    return this.active.size + this.draining.length;
  }

  /** Closes every file without emitting unfinished records (the next start resumes before them). */
  async stop(): Promise<void> {
    for (const { tailer } of this.active.values()) await tailer.close(false);
    for (const t of this.draining) await t.close(false);
    this.active.clear();
    this.draining = [];
  }

  private async safeRead(t: FileTailer, nowMs: number): Promise<number> {
    try {
      return await t.read(nowMs);
    } catch (err) {
      this.options.onError(new Error(`reading ${t.name} failed: ${(err as Error).message}`, { cause: err }));
      return 0;
    }
  }

  private async openTailer(
    name: string,
    readPath: string,
    offset: number | 'end',
    source: LogSource,
    expectedHead?: string,
  ): Promise<FileTailer | undefined> {
    try {
      const t = await FileTailer.open(name, readPath, offset, this.tailerOptions(name, source), this.options.sink, expectedHead);
      if (!t) return undefined;
      this.active.set(name, { tailer: t, source });
      this.options.sink(undefined, {}, t.cursor);
      return t;
    } catch (err) {
      this.options.onError(new Error(`opening ${name} failed: ${(err as Error).message}`, { cause: err }));
      return undefined;
    }
  }

  private tailerOptions(name: string, source: LogSource) {
    return {
      labels: { ...this.options.commonLabels, ...source.labels, filename: name },
      maxLineBytes: source.maxLineBytes,
      multiline: source.multiline,
      detectLevel: source.detectLevel,
    };
  }

  /** Every path the globs match now, with the first source that matches it. */
  private async discover(): Promise<Map<string, LogSource>> {
    const found = new Map<string, LogSource>();
    for (const source of this.options.sources) {
      for (const pattern of source.paths) {
        try {
          for (const p of await expandGlob(pattern)) if (!found.has(p)) found.set(p, source);
        } catch (err) {
          this.options.onError(err);
        }
      }
    }
    return found;
  }

  /** The source a checkpointed path belonged to: the one whose directory patterns cover it. */
  private sourceOf(path: string, found: Map<string, LogSource>): LogSource | undefined {
    const direct = found.get(path);
    if (direct) return direct;
    return this.options.sources.find((s) => s.paths.some((p) => globToRegExp(p).test(path)));
  }
}

async function statOrUndefined(path: string): Promise<{ dev: number; ino: number } | undefined> {
  try {
    const st = statSync(path);
    return st.isFile() ? { dev: st.dev, ino: st.ino } : undefined;
  } catch {
    return undefined;
  }
}

async function findByInode(dir: string, dev: number, ino: number): Promise<string | undefined> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const n of names) {
    const st = await statOrUndefined(join(dir, n));
    if (st && st.dev === dev && st.ino === ino) return join(dir, n);
  }
  return undefined;
}

/** A whole-path glob as a regular expression (`**` spans directories, `*` does not). */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
      if (pattern[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|\\[\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
