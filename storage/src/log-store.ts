import type { DuckDBDataChunk } from '@duckdb/node-api';
import type { Database } from './database.js';
import { readNumberColumn } from './duck-vectors.js';
import { StorageError } from './errors.js';
import { HeadTable } from './head-table.js';
import { type Label, labelsToObject, seriesKey } from './labels.js';
import { type CompiledMatcher, compileMatcher, type LabelMatcher } from './matchers.js';
import { idRangeFilter } from './id-filter.js';
import { LOG_HEAD_TABLES } from './schema.js';
import { LabelSetTable } from './label-set-table.js';
import { type LogRowsPart, buildLogChunks } from './log-rows.js';
import type { IndexedSeries } from './series-index.js';

/** One log entry. Timestamps are nanoseconds since the epoch, as Loki's wire formats carry them. */
export interface LogEntry {
  tsNs: bigint;
  line: string;
  /** Structured metadata: not part of the stream identity. */
  metadata?: Record<string, string>;
}

/** Entries of one stream in an append. Labels must be canonical (sorted, unique, non-empty). */
export interface StreamEntries {
  readonly labels: readonly Label[];
  readonly entries: readonly LogEntry[];
}

/** A stream that {@link LogStore.append} refused, by its index in the input. */
export interface StreamRejection {
  index: number;
  reason: 'stream_limit';
  message: string;
}

/** Outcome of a log append, returned once the data is durable. */
export interface LogAppendResult {
  entriesWritten: number;
  bytesWritten: number;
  streamsCreated: number;
  rejected: StreamRejection[];
}

/** Entries just committed for one stream, as {@link LogStore.subscribe} delivers them. */
export interface CommittedStream {
  streamId: number;
  labels: readonly Label[];
  entries: readonly LogEntry[];
}

/** Receives a tenant's newly committed entries; must not throw (errors are swallowed). */
export type LogListener = (streams: readonly CommittedStream[]) => void;

/** A stored entry read back, with its stream. */
export interface StoredLogEntry {
  streamId: number;
  tsNs: bigint;
  line: string;
  metadata: Record<string, string> | undefined;
}

/** One stream's entries as {@link LogStore.logSource} returns them: labels as an object. */
export interface LogStreamEntries {
  labels: Record<string, string>;
  entries: Array<{ tsNs: bigint; line: string; metadata?: Record<string, string> }>;
}

/**
 * What {@link LogStore.countWindows} counts: per stream, the entries in each left-open window
 * `(t - rangeNs, t]` for `t = startNs + i * stepNs` up to `endNs` (inclusive).
 */
export interface LogCountParams {
  matchers: readonly LabelMatcher[];
  /** The first window end, ns. */
  startNs: bigint;
  /** The last window end, ns (`startNs + k * stepNs`). */
  endNs: bigint;
  /** Distance between window ends, ns (> 0). */
  stepNs: bigint;
  /** Window length, ns (> 0). */
  rangeNs: bigint;
  /** Substrings every counted line contains (exact, as in {@link LogReadParams}). */
  lineContains?: readonly string[];
  /** RE2 patterns every counted line matches (unanchored, exact). */
  lineRegexes?: readonly string[];
  /** False when only counts are needed: `bytes` is then 0 and the lines are not read. @default true */
  withBytes?: boolean;
}

/** Counts of one stream and one structured-metadata set, as {@link LogStore.countWindows} returns them. */
export interface LogWindowCounts {
  labels: Record<string, string>;
  metadata?: Record<string, string>;
  /** Windows holding at least one entry, ascending: window end (ns), entries, UTF-8 bytes of the lines. */
  points: Array<{ tsNs: bigint; count: number; bytes: number }>;
}

/** What to read: streams by matchers, a time range, an order and a limit. */
export interface LogReadParams {
  matchers: readonly LabelMatcher[];
  /** Inclusive start, ns. */
  startNs: bigint;
  /** Exclusive end, ns (Loki's `end` is exclusive). */
  endNs: bigint;
  direction: 'forward' | 'backward';
  /** Most entries returned; 0 = no limit. */
  limit: number;
  /**
   * Substrings every returned line must contain (case-sensitive). Pushed down into DuckDB so
   * filtered queries do not ship every line to JS.
   */
  lineContains?: readonly string[];
  /**
   * RE2 patterns every returned line must match somewhere (unanchored), evaluated by DuckDB's
   * `regexp_matches` (RE2: linear time, whatever the pattern).
   */
  lineRegexes?: readonly string[];
  /**
   * Lines the query's pipeline is certain to drop (the LogQL engine's `JsonDropHint`): left out in
   * DuckDB by looking at the text, so that a `| json | __error__="" | status >= 500` query does
   * not ship every line to JS. See {@link jsonDropSql} for the exact rules.
   */
  jsonDrop?: LogJsonDropHint;
  /**
   * Label matchers whose failure on a stream label drops the line unless its structured metadata
   * has that label (the LogQL engine's `streamDrop`): such streams are read only for lines with
   * metadata naming the label.
   */
  streamDrop?: readonly LabelMatcher[];
}

/** Same shape as `JsonDropHint` of `@vigil/query-language` (see there for what it promises). */
export interface LogJsonDropHint {
  nonObject: boolean;
  numeric: ReadonlyArray<{ key: string; op: '==' | '!=' | '>' | '>=' | '<' | '<='; value: number }>;
}

/** Options for {@link LogStore}. */
export interface LogStoreOptions {
  /** Head rows that trigger a compaction. @default 500_000 */
  compactAfterRows?: number;
  /** Head age that triggers a compaction, ms. @default 300_000 */
  compactAfterMs?: number;
  now?: () => number;
  onCompaction?: (seconds: number) => void;
  onError?: (err: unknown) => void;
}

const NS_PER_MS = 1_000_000n;

/**
 * Log streams and entries on DuckDB, with the same durability contract as metrics: an append
 * resolves once its transaction is committed (group commit through the database's write queue).
 * Streams are indexed in memory per tenant like series; entries land in a head table and are
 * compacted into `log_entries` sorted by `(stream_id, ts)`, identical entries (same stream,
 * timestamp and line: a retried push) stored once.
 */
export class LogStore {
  private readonly sets = new LabelSetTable('log_streams');
  private readonly listeners = new Map<string, Set<LogListener>>();
  private readonly head: HeadTable;
  private readonly now: () => number;

  private constructor(
    private readonly db: Database,
    options: LogStoreOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.head = new HeadTable(db, db.writes, {
      main: 'log_entries',
      heads: LOG_HEAD_TABLES,
      // A retried push can land on both sides of a compaction: rows already in `log_entries`
      // (same stream, timestamp and line) are not inserted again. Identical entries within the
      // head are stored once, with the metadata of the last one appended (largest rowid; NULL
      // counts). A hash aggregate does that: `DISTINCT ON ... ORDER BY stream_id, ts, line, rowid`
      // sorted every line of the head by its text first (2.1–2.4 s of CPU per 500k-line head
      // against 1.6–1.9 s, synthetic bench-shaped lines).
      compactSql: (head, minTs, maxTs) => [
        `INSERT INTO log_entries
         SELECT stream_id, ts, line, arg_max_null(metadata, rowid) FROM ${head} h
         WHERE NOT EXISTS (
           SELECT 1 FROM log_entries e
           WHERE e.ts BETWEEN ${minTs} AND ${maxTs} AND e.stream_id = h.stream_id AND e.ts = h.ts AND e.line = h.line
         )
         GROUP BY stream_id, ts, line
         ORDER BY stream_id, ts`,
      ],
      compactAfterRows: options.compactAfterRows ?? 500_000,
      compactAfterMs: options.compactAfterMs ?? 300_000,
      now: this.now,
      onCompaction: options.onCompaction,
      onError: options.onError,
    });
  }

  /** Loads the stream index and head state from `db`. */
  static async open(db: Database, options: LogStoreOptions = {}): Promise<LogStore> {
    const store = new LogStore(db, options);
    const conn = db.writer;
    const byId = await store.sets.load(conn);
    const ranges = await conn.runAndReadAll(
      `SELECT stream_id, min(ts) // 1000000, max(ts) // 1000000 FROM (${store.head.tables
        .map((t) => `SELECT stream_id, ts FROM ${t}`)
        .join(' UNION ALL ')}) GROUP BY stream_id`,
    );
    for (const [id, min, max] of ranges.getRows()) {
      const s = byId.get(Number(id));
      if (s) {
        s.minTs = Number(min);
        s.maxTs = Number(max);
      }
    }
    await store.head.load();
    return store;
  }

  /** Streams known for `tenant`. */
  streamCount(tenant: string): number {
    return this.sets.get(tenant)?.size ?? 0;
  }

  /**
   * Appends entries for `tenant`; resolves once durable. New streams past `maxStreams` (0 = no
   * limit) are left out and listed in `rejected`; the other streams are stored.
   */
  append(tenant: string, batch: readonly StreamEntries[], options: { maxStreams?: number } = {}): Promise<LogAppendResult> {
    if (this.db.isClosed) return Promise.reject(new StorageError('storage_closed', 'storage is closed'));
    const idx = this.sets.index(tenant);
    const result: LogAppendResult = { entriesWritten: 0, bytesWritten: 0, streamsCreated: 0, rejected: [] };
    const newStreams: IndexedSeries[] = [];
    const touched: Array<{ s: IndexedSeries; minMs: number; maxMs: number }> = [];
    const committed: CommittedStream[] = [];
    const parts: LogRowsPart[] = [];
    let rows = 0;
    const max = options.maxStreams ?? 0;
    for (let i = 0; i < batch.length; i++) {
      const input = batch[i]!;
      if (input.entries.length === 0) continue;
      const key = seriesKey(input.labels);
      let s = idx.getByKey(key);
      if (!s) {
        if (max > 0 && idx.size >= max) {
          result.rejected.push({ index: i, reason: 'stream_limit', message: `per-tenant limit of ${max} streams exceeded` });
          continue;
        }
        s = this.sets.create(tenant, key, input.labels);
        newStreams.push(s);
      }
      // The stream's time range in ms: the ns extremes, divided once (as each entry's `tsNs / 1e6`
      // would be: truncation keeps the order).
      let minNs = input.entries[0]!.tsNs;
      let maxNs = minNs;
      let bytes = 0;
      for (const e of input.entries) {
        const t = e.tsNs;
        if (t < minNs) minNs = t;
        if (t > maxNs) maxNs = t;
        bytes += e.line.length;
      }
      result.bytesWritten += bytes;
      touched.push({ s, minMs: Number(minNs / NS_PER_MS), maxMs: Number(maxNs / NS_PER_MS) });
      parts.push({ streamId: s.id, entries: input.entries });
      committed.push({ streamId: s.id, labels: s.labels, entries: input.entries });
      result.entriesWritten += input.entries.length;
      rows += input.entries.length;
    }
    result.streamsCreated = newStreams.length;
    if (rows === 0) return Promise.resolve(result);
    const nowMs = this.now();
    // Every stream this append touches: one created by an append whose commit failed has no row yet.
    const referenced = touched.map((t) => t.s);
    // The rows are put into DuckDB vectors now, outside the group commit, which runs one group at
    // a time: the commit then only appends the finished chunks.
    const chunks = buildLogChunks(parts);
    return new Promise((resolve, reject) => {
      let headIndex = 0;
      this.db.writes.submit({
        write: async (conn, groupId) => {
          await this.sets.persist(conn, tenant, referenced, nowMs, groupId);
          const head = this.head.current();
          headIndex = head.index;
          const app = await conn.createAppender(head.table);
          for (const chunk of chunks) app.appendDataChunk(chunk);
          app.flushSync();
          app.closeSync();
          return rows;
        },
        committed: () => {
          this.sets.markPersisted(referenced);
          this.head.committed(headIndex, rows);
          for (const t of touched) {
            if (t.minMs < t.s.minTs) t.s.minTs = t.minMs;
            if (t.maxMs > t.s.maxTs) t.s.maxTs = t.maxMs;
          }
          resolve(result);
          this.notify(tenant, committed);
          this.head.compactIfDue();
        },
        failed: (err) => {
          // The streams stay indexed but unpersisted; the next commit using them writes their rows.
          reject(new StorageError('storage_unavailable', `could not persist log entries: ${(err as Error).message}`, { cause: err }));
        },
      });
    });
  }

  /**
   * Calls `listener` with every batch of `tenant`'s entries right after it is durable (the live
   * tail). Returns the unsubscribe function.
   */
  subscribe(tenant: string, listener: LogListener): () => void {
    let set = this.listeners.get(tenant);
    if (!set) {
      set = new Set();
      this.listeners.set(tenant, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(tenant);
    };
  }

  private notify(tenant: string, streams: readonly CommittedStream[]): void {
    const set = this.listeners.get(tenant);
    if (!set) return;
    for (const l of set) {
      try {
        l(streams);
      } catch {
        // A listener's failure must not affect ingestion or other listeners.
      }
    }
  }

  /** Streams of `tenant` matching `matchers` with entries overlapping `[startMs, endMs]`. */
  selectStreams(tenant: string, matchers: readonly LabelMatcher[], startMs?: number, endMs?: number): IndexedSeries[] {
    return this.sets.get(tenant)?.select(matchers, startMs, endMs) ?? [];
  }

  /** Label names of `tenant`'s streams. */
  labelNames(tenant: string, matchers: readonly LabelMatcher[] = [], startMs?: number, endMs?: number): string[] {
    return this.sets.get(tenant)?.labelNames(matchers, startMs, endMs) ?? [];
  }

  /** Values of label `name` on `tenant`'s streams. */
  labelValues(tenant: string, name: string, matchers: readonly LabelMatcher[] = [], startMs?: number, endMs?: number): string[] {
    return this.sets.get(tenant)?.labelValues(name, matchers, startMs, endMs) ?? [];
  }

  /**
   * Reads entries of the matching streams in `[startNs, endNs)`, newest first for `backward`,
   * at most `limit`. Identical entries not yet compacted are returned once.
   */
  async read(tenant: string, p: LogReadParams): Promise<{ streams: Map<number, IndexedSeries>; entries: StoredLogEntry[] }> {
    const entries: StoredLogEntry[] = [];
    const streams = await this.scan(tenant, p, (_streams, chunk) => {
      for (const e of chunk) entries.push(e);
      return true;
    });
    return { streams, entries };
  }

  /**
   * Reads the same entries as {@link read}, in the same order, handing them to `onChunk` a DuckDB
   * chunk (≤ 2,048 rows) at a time; `onChunk` returns false to stop, so a caller that needs only
   * the first few never converts the rest to JS objects, which costs more than DuckDB's scan.
   * DuckDB computes the whole result first (a streamed result would run its scan on one thread).
   * Resolves to the selected streams by id.
   */
  async scan(
    tenant: string,
    p: LogReadParams,
    onChunk: (streams: ReadonlyMap<number, IndexedSeries>, entries: StoredLogEntry[]) => boolean | Promise<boolean>,
    signal?: AbortSignal,
  ): Promise<Map<number, IndexedSeries>> {
    const q = this.readQuery(tenant, p);
    if (!q.sql) return q.streams;
    const result = q.params.length > 0 ? await this.db.reader().run(q.sql, q.params as never) : await this.db.reader().run(q.sql);
    for (;;) {
      signal?.throwIfAborted();
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) return q.streams;
      const entries: StoredLogEntry[] = [];
      readEntries(chunk, entries);
      if (!(await onChunk(q.streams, entries))) return q.streams;
    }
  }

  /** The SQL of {@link read} and {@link scan}; no `sql` when no stream can match. */
  private readQuery(tenant: string, p: LogReadParams): { streams: Map<number, IndexedSeries>; sql?: string; params: unknown[] } {
    const startMs = Number(p.startNs / NS_PER_MS);
    const endMs = Number(p.endNs / NS_PER_MS);
    const selected = this.selectStreams(tenant, p.matchers, startMs, endMs);
    const streams = new Map(selected.map((s) => [s.id, s]));
    const params: unknown[] = [];
    if (selected.length === 0) return { streams, params };
    let filter = lineFilterSql(p, params);
    if (p.jsonDrop) filter += jsonDropSql(p.jsonDrop, selected);
    const { kept, dropped, metadataNames } = splitByStreamDrop(selected, p.streamDrop ?? []);
    const order = p.direction === 'forward' ? 'ASC' : 'DESC';
    const limit = p.limit > 0 ? ` LIMIT ${Math.floor(p.limit)}` : '';
    // Streams the pipeline drops are read only for lines whose metadata may name a dropping label.
    const parts: string[] = [];
    if (kept.length > 0) parts.push(this.uniqueRows(kept, p.startNs, p.endNs, filter));
    if (dropped.length > 0) {
      const named = metadataNames.map((n) => `contains(metadata, ${sqlString(JSON.stringify(n))})`).join(' OR ');
      parts.push(this.uniqueRows(dropped, p.startNs, p.endNs, `${filter} AND metadata IS NOT NULL AND (${named})`));
    }
    if (parts.length === 0) return { streams, params };
    const sql = `SELECT stream_id, ts, line, metadata FROM (${parts.join(' UNION ALL ')})
      ORDER BY ts ${order}, stream_id, line${limit}`;
    return { streams, sql, params };
  }

  /**
   * SQL for the entries of `streams` with `lo <= ts < hi` passing `filter` (`AND ...` over
   * `line`/`metadata`), each stored entry once: `log_entries` holds each entry once (compaction
   * skips what it already has), so only the small head tables are de-duplicated, against each
   * other and against `log_entries`; that keeps the hash of every line in the range out of the
   * common case. Columns: stream_id, ts, line, metadata.
   */
  private uniqueRows(streams: readonly IndexedSeries[], lo: bigint, hi: bigint, filter: string): string {
    const where = `WHERE ${streamIdFilter(streams, filter !== '')} AND ts >= ${lo} AND ts < ${hi}${filter}`;
    const [main, ...heads] = this.head.tables;
    const headUnion = heads.map((t) => `SELECT stream_id, ts, line, metadata FROM ${t} ${where}`).join(' UNION ALL ');
    return `SELECT stream_id, ts, line, metadata FROM ${main} ${where}
      UNION ALL
      SELECT stream_id, ts, line, metadata FROM (
        SELECT DISTINCT ON (stream_id, ts, line) stream_id, ts, line, metadata FROM (${headUnion}) h
        WHERE NOT EXISTS (SELECT 1 FROM ${main} e WHERE e.ts >= ${lo} AND e.ts < ${hi} AND e.stream_id = h.stream_id AND e.ts = h.ts AND e.line = h.line)
      )`;
  }

  /**
   * Counts entries and line bytes (UTF-8, `strlen`) per stream (and structured-metadata set) in
   * every window `(t - range, t]` of a step grid, in one grouped DuckDB query: entry `ts` falls
   * in windows `[a, b)` with `a = ceil((ts - start) / step)` and `b = ceil((ts - start + range) /
   * step)`, so rows are grouped by `(stream, metadata, a, b)` (at most two per window and stream)
   * and each group adds its totals to windows `a..b-1` through a difference array. The entries
   * counted are exactly those {@link read} returns for the same filters (duplicates not yet
   * compacted count once).
   */
  async countWindows(tenant: string, p: LogCountParams): Promise<LogWindowCounts[]> {
    if (p.stepNs <= 0n || p.rangeNs <= 0n || p.endNs < p.startNs) throw new StorageError('bad_request', 'countWindows: step and range must be positive');
    const base = p.startNs - p.rangeNs;
    const lo = base + 1n; // inclusive lower bound of the timestamps that count
    const hi = p.endNs + 1n; // exclusive upper bound
    const selected = this.selectStreams(tenant, p.matchers, Number(lo / NS_PER_MS), Number(hi / NS_PER_MS));
    if (selected.length === 0) return [];
    const streams = new Map(selected.map((s) => [s.id, s]));
    const n = Number((p.endNs - p.startNs) / p.stepNs) + 1;
    const step = p.stepNs;
    // a + k = (ts - aShift) // step with k steps added so the numerator stays positive.
    const k = p.rangeNs / step + 1n;
    const aShift = p.startNs - (k + 1n) * step + 1n;
    const bShift = base - step + 1n;
    // The numbers are inlined (bigint literals): bound parameters of unknown type slow DuckDB's arithmetic down.
    const params: unknown[] = [];
    const filter = lineFilterSql(p, params);
    const bytes = p.withBytes === false ? '0' : 'sum(strlen(line))';
    // When the range is a whole number of steps, b = a - 1 for every entry (see the shifts above):
    // grouping by `a` alone halves the hash keys.
    const wholeSteps = p.rangeNs % step === 0n;
    const sql = `SELECT stream_id, metadata, a, ${wholeSteps ? 'a - 1' : 'b'} AS b, n, bytes FROM (
        SELECT stream_id, metadata, ((ts - (${aShift})) // ${step})::DOUBLE AS a,${wholeSteps ? '' : ` ((ts - (${bShift})) // ${step})::DOUBLE AS b,`}
          count(*)::DOUBLE AS n, ${bytes}::DOUBLE AS bytes
        FROM (${this.uniqueRows(selected, lo, hi, filter)})
        GROUP BY ALL)`;
    const result = params.length > 0 ? await this.db.reader().run(sql, params as never) : await this.db.reader().run(sql);
    const kn = Number(k);
    type Group = { id: number; metadata: string | null; counts: Float64Array; bytes: Float64Array };
    const groups = new Map<string, Group>();
    const plain = new Map<number, Group>();
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const rows = chunk.rowCount;
      const idCol = readNumberColumn(chunk.getColumnVector(0), rows);
      const metaCol = chunk.getColumnValues(1) as Array<string | null>;
      const aCol = chunk.getColumnValues(2) as number[];
      const bCol = chunk.getColumnValues(3) as number[];
      const countCol = chunk.getColumnValues(4) as number[];
      const bytesCol = chunk.getColumnValues(5) as number[];
      for (let r = 0; r < rows; r++) {
        const meta = metaCol[r] ?? null;
        const id = idCol[r]!;
        // Most entries have no metadata: their groups are found by id, without building a key.
        const key = meta === null ? undefined : `${id}\u0000${meta}`;
        let g = key === undefined ? plain.get(id) : groups.get(key);
        if (!g) {
          // Difference arrays over the windows: +total at a, -total at b.
          g = { id, metadata: meta, counts: new Float64Array(n + 1), bytes: new Float64Array(n + 1) };
          if (key === undefined) plain.set(id, g);
          else groups.set(key, g);
        }
        const a = Math.max(0, aCol[r]! - kn);
        const b = Math.min(n, bCol[r]!);
        if (b <= a) continue;
        const c = countCol[r]!;
        const by = bytesCol[r]!;
        g.counts[a] = g.counts[a]! + c;
        g.counts[b] = g.counts[b]! - c;
        g.bytes[a] = g.bytes[a]! + by;
        g.bytes[b] = g.bytes[b]! - by;
      }
    }
    const out: LogWindowCounts[] = [];
    // Streams in id order, then metadata: the same order for the same data, whatever order DuckDB's threads finish in.
    const sorted = [...plain.values(), ...groups.values()].sort((x, y) => x.id - y.id || ((x.metadata ?? '') < (y.metadata ?? '') ? -1 : (x.metadata ?? '') > (y.metadata ?? '') ? 1 : 0));
    for (const g of sorted) {
      const s = streams.get(g.id);
      if (!s) continue;
      const points: LogWindowCounts['points'] = [];
      let count = 0;
      let bytes = 0;
      for (let i = 0; i < n; i++) {
        count += g.counts[i]!;
        bytes += g.bytes[i]!;
        if (count > 0) points.push({ tsNs: p.startNs + BigInt(i) * step, count, bytes });
      }
      if (points.length === 0) continue;
      const labels = labelsToObject(s.labels);
      out.push(g.metadata ? { labels, metadata: JSON.parse(g.metadata) as Record<string, string>, points } : { labels, points });
    }
    return out;
  }

  /**
   * A source of log streams for one tenant, in the shape the LogQL engine reads through
   * (`LogSource` of `@vigil/query-language`): entries of the matching streams in
   * `[startNs, endNs)`, grouped per stream and ordered by `direction`, at most `limit` in total
   * (after `lineContains`, which is applied in DuckDB).
   */
  logSource(tenant: string): {
    selectLogs(params: LogReadParams & { signal?: AbortSignal }): Promise<LogStreamEntries[]>;
    countLogs(params: LogCountParams & { signal?: AbortSignal }): Promise<LogWindowCounts[]>;
    scanLogs(
      params: LogReadParams & { signal?: AbortSignal },
      onRows: (rows: Array<{ labels: Record<string, string>; tsNs: bigint; line: string; metadata?: Record<string, string> }>) => boolean | Promise<boolean>,
    ): Promise<void>;
  } {
    return {
      scanLogs: async (p, onRows) => {
        p.signal?.throwIfAborted();
        const labelsOf = new Map<number, Record<string, string>>();
        const { signal, ...read } = p;
        await this.scan(
          tenant,
          read,
          (streams, entries) => {
            const rows = [];
            for (const e of entries) {
              let labels = labelsOf.get(e.streamId);
              if (!labels) {
                const s = streams.get(e.streamId);
                if (!s) continue;
                labels = labelsToObject(s.labels);
                labelsOf.set(e.streamId, labels);
              }
              rows.push(e.metadata ? { labels, tsNs: e.tsNs, line: e.line, metadata: e.metadata } : { labels, tsNs: e.tsNs, line: e.line });
            }
            return onRows(rows);
          },
          signal,
        );
      },
      countLogs: async (p) => {
        p.signal?.throwIfAborted();
        const out = await this.countWindows(tenant, p);
        p.signal?.throwIfAborted();
        return out;
      },
      selectLogs: async (p) => {
        p.signal?.throwIfAborted();
        const { signal: _signal, ...read } = p;
        const { streams, entries } = await this.read(tenant, read);
        p.signal?.throwIfAborted();
        const byStream = new Map<number, LogStreamEntries['entries']>();
        for (const e of entries) {
          let list = byStream.get(e.streamId);
          if (!list) {
            list = [];
            byStream.set(e.streamId, list);
          }
          list.push(e.metadata ? { tsNs: e.tsNs, line: e.line, metadata: e.metadata } : { tsNs: e.tsNs, line: e.line });
        }
        const out: LogStreamEntries[] = [];
        for (const [id, list] of byStream) {
          const s = streams.get(id);
          if (s) out.push({ labels: labelsToObject(s.labels), entries: list });
        }
        return out;
      },
    };
  }

  /** Entry count and line bytes of `streams` in `[startNs, endNs)`. */
  async stats(streams: readonly IndexedSeries[], startNs: bigint, endNs: bigint): Promise<{ entries: number; bytes: number }> {
    if (streams.length === 0) return { entries: 0, bytes: 0 };
    const ids = streams.map((s) => s.id).join(',');
    const union = this.head.tables
      .map((t) => `SELECT line FROM ${t} WHERE stream_id IN (${ids}) AND ts >= $1 AND ts < $2`)
      .join(' UNION ALL ');
    const r = await this.db.reader().runAndReadAll(`SELECT count(*), coalesce(sum(strlen(line)), 0) FROM (${union})`, [startNs, endNs]);
    const [entries, bytes] = r.getRows()[0] ?? [0, 0];
    return { entries: Number(entries), bytes: Number(bytes) };
  }

  /** Compacts both heads now. */
  compact(): Promise<void> {
    return this.head.compact();
  }

  /** Starts a compaction when due. */
  compactIfDue(): void {
    this.head.compactIfDue();
  }

  /** Rows waiting in the head tables. */
  get headRowCount(): number {
    return this.head.headRows;
  }

  /** Waits for any running compaction. */
  async settled(): Promise<void> {
    await this.head.settled();
  }

  /**
   * Deletes entries older than `cutoffMs` of `tenant`'s streams that match `matchers` (all of
   * them when empty) and match none of the `except` selectors, and forgets streams left without
   * entries.
   */
  applyRetention(
    tenant: string,
    cutoffMs: number,
    matchers: readonly LabelMatcher[] = [],
    except: ReadonlyArray<readonly LabelMatcher[]> = [],
  ): Promise<number> {
    return this.db.maintenanceQueue.run(async () => {
      const idx = this.sets.get(tenant);
      if (!idx) return 0;
      const excluded = new Set<number>();
      for (const ms of except) for (const s of idx.select(ms)) excluded.add(s.id);
      const streams = (matchers.length > 0 ? idx.select(matchers) : [...idx.all()]).filter((s) => !excluded.has(s.id));
      if (streams.length === 0) return 0;
      const ids = streams.map((s) => s.id).join(',');
      const cutoffNs = BigInt(Math.floor(cutoffMs)) * NS_PER_MS;
      for (const table of this.head.tables) {
        await this.db.maintenance.run(`DELETE FROM ${table} WHERE ts < $1 AND stream_id IN (${ids})`, [cutoffNs]);
      }
      const dead = streams.filter((s) => s.maxTs < cutoffMs);
      if (dead.length > 0) {
        await this.db.maintenance.run(`DELETE FROM log_streams WHERE id IN (${dead.map((s) => s.id).join(',')})`);
        this.sets.forget(tenant, dead);
      }
      for (const s of streams) if (s.minTs < cutoffMs) s.minTs = cutoffMs;
      return dead.length;
    });
  }

  /** Tenants that have streams. */
  tenants(): string[] {
    return this.sets.tenants();
  }
}

/**
 * `AND ...` conditions for the substring and RE2 filters of `p` (exact, applied in DuckDB), their
 * values appended to `params` as bound parameters.
 */
function lineFilterSql(p: { lineContains?: readonly string[]; lineRegexes?: readonly string[] }, params: unknown[]): string {
  let filter = '';
  for (const needle of p.lineContains ?? []) {
    params.push(needle);
    filter += ` AND contains(line, $${params.length})`;
  }
  for (const pattern of p.lineRegexes ?? []) {
    params.push(pattern);
    filter += ` AND regexp_matches(line, $${params.length})`;
  }
  return filter;
}

/** Appends the rows of a `stream_id, ts, line, metadata` chunk to `out`. */
function readEntries(chunk: DuckDBDataChunk, out: StoredLogEntry[]): void {
  const n = chunk.rowCount;
  const idCol = readNumberColumn(chunk.getColumnVector(0), n);
  const tsCol = chunk.getColumnValues(1) as bigint[];
  const lineCol = chunk.getColumnValues(2) as string[];
  const metaCol = chunk.getColumnValues(3) as Array<string | null>;
  for (let i = 0; i < n; i++) {
    const meta = metaCol[i];
    out.push({ streamId: idCol[i]!, tsNs: tsCol[i]!, line: lineCol[i]!, metadata: meta ? (JSON.parse(meta) as Record<string, string>) : undefined });
  }
}

/**
 * With line filters, up to this many streams are tested per row with `list_contains`, which
 * DuckDB evaluates inside the scan before the line filters; otherwise `IN`, which DuckDB turns
 * into a join after the scan (line filters would then run on every row of the time range, but
 * without them the join is cheaper than `list_contains`). One host's hour with a substring filter
 * over 2M lines: 65 ms with `IN`, 15 ms with `list_contains`.
 */
const LIST_FILTER_MAX_STREAMS = 512;

/** The SQL condition that keeps the rows of `streams`; `lineFiltered` when the WHERE clause also tests lines. */
function streamIdFilter(streams: readonly IndexedSeries[], lineFiltered: boolean): string {
  const ids = streams.map((s) => s.id).sort((a, b) => a - b);
  const range = idRangeFilter('stream_id', ids);
  if (range) return range;
  return lineFiltered && ids.length <= LIST_FILTER_MAX_STREAMS ? `list_contains([${ids.join(',')}], stream_id)` : `stream_id IN (${ids.join(',')})`;
}

/**
 * Splits `streams` into those whose labels pass every matcher of `streamDrop` (or lack the label)
 * and those a matcher drops; `metadataNames` are the labels of the matchers that dropped some.
 * A matcher that does not compile (too long a regex) is ignored: the hint is optional.
 */
function splitByStreamDrop(
  streams: readonly IndexedSeries[],
  streamDrop: readonly LabelMatcher[],
): { kept: IndexedSeries[]; dropped: IndexedSeries[]; metadataNames: string[] } {
  if (streamDrop.length === 0) return { kept: [...streams], dropped: [], metadataNames: [] };
  const matchers: CompiledMatcher[] = [];
  for (const m of streamDrop) {
    try {
      matchers.push(compileMatcher(m));
    } catch {
      // Ignored: the engine applies the filter anyway.
    }
  }
  const kept: IndexedSeries[] = [];
  const dropped: IndexedSeries[] = [];
  const names = new Set<string>();
  for (const s of streams) {
    const failing = matchers.filter((m) => {
      const label = s.labels.find((l) => l.name === m.name);
      return label !== undefined && !m.matches(label.value);
    });
    if (failing.length === 0) kept.push(s);
    else {
      dropped.push(s);
      for (const m of failing) names.add(m.name);
    }
  }
  return { kept, dropped, metadataNames: [...names] };
}

/** A SQL string literal. */
function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** Label names the hint may describe (see `JsonDropHint`): inlined into SQL, so checked here too. */
const PLAIN_KEY = /^[A-Za-z][A-Za-z0-9]*$/;
const SQL_OP = { '==': '=', '!=': '<>', '>': '>', '>=': '>=', '<': '<', '<=': '<=' } as const;

/**
 * `AND ...` conditions that leave out the lines a {@link LogJsonDropHint} describes, from the text
 * (no JSON parsing in DuckDB, which costs more than the scan, except where the hint needs it):
 *
 * - `nonObject`: the first character other than space, tab, LF, CR must be `{`.
 * - each numeric `key op value`, unless one of `streams` has a label `key`: a line is left out
 *   when it has no `\u`, its metadata has no `"key"`, and `key` does not occur in it or occurs
 *   once as `"key"` followed by `:` and an integer (≤ 15 digits, so exact as a double) that
 *   fails the comparison; without `nonObject`, only if it is also a valid JSON object
 *   (`json_valid`, tested last). Anything else is kept and decided by the engine.
 */
function jsonDropSql(hint: LogJsonDropHint, streams: readonly IndexedSeries[]): string {
  let sql = '';
  if (hint.nonObject) sql += ` AND (starts_with(line, '{') OR regexp_matches(line, '^[ \\t\\n\\r]+\\{'))`;
  for (const { key, op, value } of hint.numeric) {
    if (!PLAIN_KEY.test(key) || !Number.isFinite(value) || !(op in SQL_OP)) continue;
    if (streams.some((s) => s.labels.some((l) => l.name === key))) continue;
    const at = `strpos(line, '${key}')`;
    const number = `TRY_CAST(nullif(regexp_extract(substr(line, ${at} - 1, ${key.length + 48}), '^"${key}"[ \\t\\n\\r]*:[ \\t\\n\\r]*(-?[0-9]{1,15})[ \\t\\n\\r]*[,}]', 1), '') AS DOUBLE)`;
    const fails = `coalesce(NOT (${number} ${SQL_OP[op]} (${value})::DOUBLE), false)`;
    // A line the json stage fails on passes a numeric filter (with __error__) unless __error__="" came first.
    const validObject = hint.nonObject ? '' : ` AND (starts_with(line, '{') OR regexp_matches(line, '^[ \\t\\n\\r]+\\{')) AND json_valid(line)`;
    sql += ` AND NOT (NOT contains(line, '\\u') AND (metadata IS NULL OR NOT contains(metadata, '"${key}"'))
      AND (${at} = 0 OR (strpos(substr(line, ${at} + 1), '${key}') = 0 AND ${fails}))${validObject})`;
  }
  return sql;
}
