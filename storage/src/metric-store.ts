import type { Database } from './database.js';
import {
  appendSampleRows,
  createSampleRows,
  readBigIntColumn,
  readBigIntColumnInto,
  readDoubleColumn,
  readDoubleColumnInto,
  readNumberColumn,
  reserveRows,
} from './duck-vectors.js';
import { StorageError } from './errors.js';
import { HeadTable } from './head-table.js';
import { idRangeFilter } from './id-filter.js';
import { LabelSetTable } from './label-set-table.js';
import { type Label, labelsToObject, seriesKey } from './labels.js';
import type { LabelMatcher } from './matchers.js';
import { HEAD_TABLES } from './schema.js';
import type { IndexedSeries } from './series-index.js';

/** Samples of one series in an append. Labels must be canonical (sorted, unique, non-empty). */
export interface SeriesSamples {
  readonly labels: readonly Label[];
  /** Sample timestamps, epoch ms. */
  readonly timestampsMs: ArrayLike<number>;
  /** Sample values, same length as `timestampsMs`. */
  readonly values: ArrayLike<number>;
  /** Optional flags, 1 where the sample is a staleness marker (its value is ignored). */
  readonly stale?: ArrayLike<number>;
  /**
   * Optional cache slot that a caller keeps per label set (e.g. per raw label bytes) so that
   * repeated appends of the same series skip building its identity key and the index lookup.
   * The store fills it; a slot filled for another tenant or a removed series is ignored.
   */
  readonly ref?: SeriesRefSlot;
}

/** See {@link SeriesSamples.ref}. */
export interface SeriesRefSlot {
  tenant?: string;
  series?: IndexedSeries;
}

/** Options for one {@link MetricStore.append}. */
export interface AppendOptions {
  /** Most active series the tenant may have; new series past it are rejected. 0 = no limit. */
  maxActiveSeries?: number;
}

/** A series that {@link MetricStore.append} refused, by its index in the input. */
export interface AppendRejection {
  index: number;
  reason: 'series_limit';
  message: string;
}

/** Outcome of an append, returned once the data is durable. */
export interface AppendResult {
  samplesWritten: number;
  seriesCreated: number;
  rejected: AppendRejection[];
}

/** Samples of one series read back, sorted by time, without duplicate timestamps. */
export interface SeriesData {
  readonly id: number;
  readonly labels: readonly Label[];
  readonly timestampsMs: Float64Array;
  /** Values; at a staleness marker the value is NaN and `stale[i]` is 1. */
  readonly values: Float64Array;
  readonly stale: Uint8Array;
}

/** Aggregates {@link MetricStore.readBuckets} can compute (`count` always comes). */
export type BucketAggregate = 'sum' | 'min' | 'max' | 'first' | 'last' | 'latest' | 'resets' | 'changes' | 'previous';

const BUCKET_AGGREGATES: ReadonlySet<string> = new Set<BucketAggregate>([
  'sum',
  'min',
  'max',
  'first',
  'last',
  'latest',
  'resets',
  'changes',
  'previous',
]);

/** Per-bucket aggregates of one series; arrays of the bucket count, `count` 0 = empty bucket. */
export interface BucketArrays {
  count: Float64Array;
  sum?: Float64Array;
  /** Sum of the magnitudes of the finite values (0 if none). */
  absSum?: Float64Array;
  /** Smallest/largest non-NaN value; NaN when every value is NaN. */
  min?: Float64Array;
  max?: Float64Array;
  firstValue?: Float64Array;
  firstTs?: Float64Array;
  lastValue?: Float64Array;
  lastTs?: Float64Array;
  /**
   * `latest`: the bucket's latest row, stale markers included: its timestamp (NaN when the bucket
   * has no row at all), 1 if it is a stale marker, and its value otherwise.
   */
  latestTs?: Float64Array;
  latestStale?: Float64Array;
  latestValue?: Float64Array;
  /** `resets`: samples below the previous one (neither NaN), the sum of those previous values and of their magnitudes. */
  resets?: Float64Array;
  resetSum?: Float64Array;
  resetAbsSum?: Float64Array;
  /** `changes`: samples whose value differs from the previous one's (NaN equals NaN). */
  changes?: Float64Array;
  /** `previous`: the sample before the bucket's latest one (`prevTs` NaN when there is none). */
  prevValue?: Float64Array;
  prevTs?: Float64Array;
}

/** Metric metadata as remote_write carries it. */
export interface MetricMetadata {
  type: string;
  help: string;
  unit: string;
}

/** Options for {@link MetricStore}. */
export interface MetricStoreOptions {
  /** Head rows that trigger a compaction into the sorted `samples` table. @default 2_000_000 */
  compactAfterRows?: number;
  /** Age of the oldest uncompacted head commit that triggers a compaction, ms. @default 300_000 */
  compactAfterMs?: number;
  /** A series counts as active while it received a sample within this window, ms. @default 3_600_000 */
  activeWindowMs?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
  /** Called after each compaction with its duration in seconds. */
  onCompaction?: (seconds: number) => void;
  /** Receives errors of background work (compaction); it must not throw. */
  onError?: (err: unknown) => void;
}

/**
 * Time series storage on DuckDB.
 *
 * Write path: {@link append} validates series limits against the in-memory index, queues the rows,
 * and resolves once they are committed (DuckDB fsyncs its WAL on commit). Appends that arrive while
 * a commit is running are committed together in the next one (group commit), so a resolved append
 * is durable and immediately readable. Rows land in one of two small "head" tables; a background
 * compaction moves a whole head, sorted by `(series_id, ts)` and with duplicate timestamps removed,
 * into `samples`, where DuckDB's zone maps make per-series and per-time reads cheap.
 */
export class MetricStore {
  private readonly sets = new LabelSetTable('series');
  private readonly lastAppendMs = new Map<number, number>();
  private readonly head: HeadTable;
  private metadataCache = new Map<string, Map<string, MetricMetadata>>();
  private readonly opts: Required<Pick<MetricStoreOptions, 'activeWindowMs' | 'now'>>;

  private constructor(
    private readonly db: Database,
    options: MetricStoreOptions,
  ) {
    this.opts = { activeWindowMs: options.activeWindowMs ?? 3_600_000, now: options.now ?? Date.now };
    this.head = new HeadTable(db, db.writes, {
      main: 'samples',
      heads: HEAD_TABLES,
      // Duplicate (series, ts) pairs come from retried requests or rewritten values (metric
      // filters rewrite an interval's sum); the last write wins, also over a row compacted
      // earlier, so `samples` holds each (series, ts) once and pushed-down aggregates can trust it.
      compactSql: (head, minTs, maxTs) => [
        `DELETE FROM samples USING (SELECT DISTINCT series_id, ts FROM ${head}) h
         WHERE samples.ts BETWEEN ${minTs} AND ${maxTs} AND samples.series_id = h.series_id AND samples.ts = h.ts`,
        `INSERT INTO samples
         SELECT series_id, ts, value FROM (
           SELECT DISTINCT ON (series_id, ts) series_id, ts, value FROM ${head}
           ORDER BY series_id, ts, rowid DESC
         ) ORDER BY series_id, ts`,
      ],
      compactAfterRows: options.compactAfterRows ?? 2_000_000,
      compactAfterMs: options.compactAfterMs ?? 300_000,
      now: this.opts.now,
      onCompaction: options.onCompaction,
      onError: options.onError,
    });
  }

  /** Loads the series index and head state from `db`. */
  static async open(db: Database, options: MetricStoreOptions = {}): Promise<MetricStore> {
    const store = new MetricStore(db, options);
    await store.load();
    return store;
  }

  private async load(): Promise<void> {
    const conn = this.db.writer;
    const byId = await this.sets.load(conn);
    const ranges = await conn.runAndReadAll(
      `SELECT series_id, min(ts), max(ts) FROM (${this.unionAll('series_id, ts', '')}) GROUP BY series_id`,
    );
    const now = this.opts.now();
    for (const [id, min, max] of ranges.getRows()) {
      const s = byId.get(Number(id));
      if (!s) continue;
      s.minTs = Number(min);
      s.maxTs = Number(max);
      this.lastAppendMs.set(s.id, Math.min(now, s.maxTs));
    }
    await this.head.load();
    const meta = await conn.runAndReadAll('SELECT tenant, metric, type, help, unit FROM metric_metadata');
    for (const [tenant, metric, type, help, unit] of meta.getRows()) {
      this.metadataMap(String(tenant)).set(String(metric), {
        type: String(type),
        help: String(help),
        unit: String(unit),
      });
    }
  }

  /** Number of series of `tenant` that received a sample within the active window. */
  activeSeries(tenant: string): number {
    const idx = this.sets.get(tenant);
    if (!idx) return 0;
    const cutoff = this.opts.now() - this.opts.activeWindowMs;
    let n = 0;
    for (const s of idx.all()) if ((this.lastAppendMs.get(s.id) ?? 0) >= cutoff) n++;
    return n;
  }

  /** Total series known for `tenant` (active or not). */
  seriesCount(tenant: string): number {
    return this.sets.get(tenant)?.size ?? 0;
  }

  /**
   * Appends samples for `tenant`. Resolves once they are durable; rejects with a
   * `storage_unavailable` {@link StorageError} if the commit failed (nothing of it was stored).
   * New series over `maxActiveSeries` are left out and listed in `rejected`; the rest is stored.
   */
  append(tenant: string, batch: readonly SeriesSamples[], options: AppendOptions = {}): Promise<AppendResult> {
    if (this.db.isClosed) return Promise.reject(new StorageError('storage_closed', 'storage is closed'));
    const idx = this.sets.index(tenant);
    let total = 0;
    for (const input of batch) total += input.timestampsMs.length;
    const rows = createSampleRows(Math.max(1, total));
    const newSeries: IndexedSeries[] = [];
    const touched: Array<{ s: IndexedSeries; minTs: number; maxTs: number }> = [];
    const result: AppendResult = { samplesWritten: 0, seriesCreated: 0, rejected: [] };
    const max = options.maxActiveSeries ?? 0;
    let active = max > 0 ? -1 : 0;
    const now = this.opts.now();
    for (let i = 0; i < batch.length; i++) {
      const input = batch[i]!;
      const n = input.timestampsMs.length;
      if (n === 0) continue;
      const slot = input.ref;
      let s = slot && slot.tenant === tenant && slot.series && !slot.series.dead ? slot.series : undefined;
      let created = false;
      if (!s) {
        const key = seriesKey(input.labels);
        s = idx.getByKey(key);
        if (!s) {
          if (max > 0) {
            if (active < 0) active = this.activeSeries(tenant);
            if (active >= max) {
              result.rejected.push({
                index: i,
                reason: 'series_limit',
                message: `per-tenant limit of ${max} active series exceeded`,
              });
              continue;
            }
            active++;
          }
          s = this.sets.create(tenant, key, input.labels);
          newSeries.push(s);
          created = true;
        }
        if (slot) {
          slot.tenant = tenant;
          slot.series = s;
        }
      }
      if (!created && max > 0 && active >= 0 && (this.lastAppendMs.get(s.id) ?? 0) < now - this.opts.activeWindowMs) {
        active++;
      }
      this.lastAppendMs.set(s.id, now);
      reserveRows(rows, n);
      const at = rows.length;
      rows.seriesIds.fill(s.id, at, at + n);
      copyInto(rows.timestampsMs, input.timestampsMs, at);
      copyInto(rows.values, input.values, at);
      if (input.stale) copyInto(rows.stale, input.stale, at);
      else rows.stale.fill(0, at, at + n);
      rows.length += n;
      let minTs = Infinity;
      let maxTs = -Infinity;
      for (let j = 0; j < n; j++) {
        const t = input.timestampsMs[j]!;
        if (t < minTs) minTs = t;
        if (t > maxTs) maxTs = t;
      }
      touched.push({ s, minTs, maxTs });
      result.samplesWritten += n;
    }
    result.seriesCreated = newSeries.length;
    if (rows.length === 0 && newSeries.length === 0) return Promise.resolve(result);
    // Every series this append touches, not only the ones it created: a series created by an
    // earlier append whose commit failed has no row yet, and this commit must write it.
    const referenced = touched.map((t) => t.s);
    return new Promise<AppendResult>((resolve, reject) => {
      let headIndex = 0;
      this.db.writes.submit({
        write: async (conn, groupId) => {
          await this.sets.persist(conn, tenant, referenced, now, groupId);
          const head = this.head.current();
          headIndex = head.index;
          const app = await conn.createAppender(head.table);
          appendSampleRows(app, rows);
          app.flushSync();
          app.closeSync();
          return rows.length;
        },
        committed: () => {
          this.sets.markPersisted(referenced);
          this.head.committed(headIndex, rows.length);
          for (const t of touched) {
            if (t.minTs < t.s.minTs) t.s.minTs = t.minTs;
            if (t.maxTs > t.s.maxTs) t.s.maxTs = t.maxTs;
          }
          resolve(result);
          this.head.compactIfDue();
        },
        failed: (err) => {
          // The series stay indexed (a request queued behind this one may already use their ids)
          // but unpersisted: the next commit that carries their samples writes their rows.
          reject(
            new StorageError('storage_unavailable', `could not persist samples: ${(err as Error).message}`, {
              cause: err,
            }),
          );
        },
      });
    });
  }

  /** Starts a compaction when the active head is over its row or age threshold. */
  compactIfDue(): void {
    this.head.compactIfDue();
  }

  /** Moves the head tables into the sorted `samples` table (see {@link HeadTable}). */
  compact(): Promise<void> {
    return this.head.compact();
  }

  /** Compacts every head and checkpoints DuckDB, so on-disk size reflects compressed data. */
  async flush(): Promise<void> {
    await this.compact();
    await this.compact();
    await this.db.checkpoint();
  }

  /** Series of `tenant` matching all `matchers` with samples overlapping `[startMs, endMs]`. */
  selectSeries(tenant: string, matchers: readonly LabelMatcher[], startMs?: number, endMs?: number): IndexedSeries[] {
    return this.sets.get(tenant)?.select(matchers, startMs, endMs) ?? [];
  }

  /** Label names of `tenant`'s series, restricted by matchers and time when given. */
  labelNames(tenant: string, matchers: readonly LabelMatcher[] = [], startMs?: number, endMs?: number): string[] {
    return this.sets.get(tenant)?.labelNames(matchers, startMs, endMs) ?? [];
  }

  /** Values of label `name` on `tenant`'s series, restricted by matchers and time when given. */
  labelValues(
    tenant: string,
    name: string,
    matchers: readonly LabelMatcher[] = [],
    startMs?: number,
    endMs?: number,
  ): string[] {
    return this.sets.get(tenant)?.labelValues(name, matchers, startMs, endMs) ?? [];
  }

  /** Cardinality statistics in the shape of Prometheus' `/api/v1/status/tsdb`. */
  cardinality(tenant: string, limit = 10): CardinalityStats {
    const idx = this.sets.get(tenant);
    const top = (m: Map<string, number>) =>
      [...m]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, limit)
        .map(([name, value]) => ({ name, value }));
    if (!idx) {
      return {
        numSeries: 0,
        numLabelPairs: 0,
        seriesCountByMetricName: [],
        labelValueCountByLabelName: [],
        seriesCountByLabelValuePair: [],
        minTimeMs: undefined,
        maxTimeMs: undefined,
      };
    }
    const pairs = new Map<string, number>();
    for (const st of idx.nameStats()) {
      for (const [v, n] of idx.valueCounts(st.name)) pairs.set(`${st.name}=${v}`, n);
    }
    let minTimeMs = Infinity;
    let maxTimeMs = -Infinity;
    for (const s of idx.all()) {
      if (s.minTs < minTimeMs) minTimeMs = s.minTs;
      if (s.maxTs > maxTimeMs) maxTimeMs = s.maxTs;
    }
    return {
      numSeries: idx.size,
      numLabelPairs: pairs.size,
      seriesCountByMetricName: top(idx.valueCounts('__name__')),
      labelValueCountByLabelName: top(new Map(idx.nameStats().map((s) => [s.name, s.values]))),
      seriesCountByLabelValuePair: top(pairs),
      minTimeMs: Number.isFinite(minTimeMs) ? minTimeMs : undefined,
      maxTimeMs: Number.isFinite(maxTimeMs) ? maxTimeMs : undefined,
    };
  }

  /**
   * Reads the samples of the given series in `[startMs, endMs]`, sorted by time with duplicate
   * timestamps removed (a retried request may have stored a sample twice before compaction).
   */
  async readSamples(
    series: readonly IndexedSeries[],
    startMs: number,
    endMs: number,
    signal?: AbortSignal,
  ): Promise<SeriesData[]> {
    if (series.length === 0) return [];
    const byId = new Map(series.map((s) => [s.id, s]));
    const where = `WHERE ${seriesIdFilter([...byId.keys()])} AND ts BETWEEN ${Math.floor(startMs)} AND ${Math.ceil(endMs)}`;
    // No ORDER BY: sorting millions of rows in DuckDB costs more than grouping them per series
    // here. `samples` is sorted within each compaction block and heads are nearly sorted, so most
    // series arrive in order and need no sort at all.
    const sql = this.unionAll('series_id, ts, value', where);
    // Ids are ranked upfront, so the output comes out in id order without a sort; slot
    // `ordered.length` swallows rows of unexpected series (none, given the WHERE clause).
    const ordered = [...byId.values()].sort((a, b) => a.id - b.id);
    const slotOf = new Map<number, number>();
    for (let k = 0; k < ordered.length; k++) slotOf.set(ordered[k]!.id, k);
    const discard = ordered.length;
    return this.db.withExclusiveReader(async (conn) => {
      const result = await conn.run(sql);
      // Pass 1, while DuckDB streams: each chunk's timestamps and values are copied once into
      // typed arrays and cut into runs of one series (long: `samples` is sorted by series); per
      // series we count rows and notice rows not strictly after the previous one (out of order or
      // duplicate), which only such series pay for later.
      const counts = new Float64Array(discard + 1);
      const lastTs = new Float64Array(discard + 1).fill(Number.NEGATIVE_INFINITY);
      const disordered = new Uint8Array(discard + 1);
      /** Per chunk: its columns and its runs as (start, slot) pairs. */
      const chunks: Array<{ ts: Float64Array; vals: Float64Array; stale: Uint8Array; n: number; runs: number[] }> = [];
      for (;;) {
        signal?.throwIfAborted();
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        const n = chunk.rowCount;
        const ids = readNumberColumn(chunk.getColumnVector(0), n);
        const ts = new Float64Array(n);
        const vals = new Float64Array(n);
        const stale = new Uint8Array(n);
        readBigIntColumnInto(chunk.getColumnVector(1), n, ts);
        readDoubleColumnInto(chunk.getColumnVector(2), n, vals, stale);
        const runs: number[] = [];
        let i = 0;
        while (i < n) {
          const id = ids[i]!;
          const slot = slotOf.get(id) ?? discard;
          let bad = ts[i]! <= lastTs[slot]!;
          let j = i + 1;
          while (j < n && ids[j] === id) {
            if (ts[j]! <= ts[j - 1]!) bad = true;
            j++;
          }
          if (bad) disordered[slot] = 1;
          counts[slot] = counts[slot]! + (j - i);
          lastTs[slot] = ts[j - 1]!;
          runs.push(i, slot);
          i = j;
        }
        chunks.push({ ts, vals, stale, n, runs });
      }
      // Pass 2: copy every run to its series' place in three shared buffers.
      const starts = new Float64Array(discard + 2);
      for (let k = 0; k <= discard; k++) starts[k + 1] = starts[k]! + counts[k]!;
      const total = starts[discard + 1]!;
      const allTs = new Float64Array(total);
      const allVals = new Float64Array(total);
      const allStale = new Uint8Array(total);
      const pos = starts.slice(0, discard + 1);
      for (const { ts, vals, stale, n, runs } of chunks) {
        for (let r = 0; r < runs.length; r += 2) {
          const i = runs[r]!;
          const j = r + 2 < runs.length ? runs[r + 2]! : n;
          const slot = runs[r + 1]!;
          const p = pos[slot]!;
          pos[slot] = p + (j - i);
          allTs.set(ts.subarray(i, j), p);
          allVals.set(vals.subarray(i, j), p);
          allStale.set(stale.subarray(i, j), p);
        }
      }
      chunks.length = 0;
      const out: SeriesData[] = [];
      for (let k = 0; k < discard; k++) {
        if (counts[k] === 0) continue;
        const s = ordered[k]!;
        const lo = starts[k]!;
        const hi = starts[k + 1]!;
        let ts: Float64Array = allTs.subarray(lo, hi);
        let vals: Float64Array = allVals.subarray(lo, hi);
        let stale: Uint8Array = allStale.subarray(lo, hi);
        if (disordered[k] === 1) ({ ts, vals, stale } = sortSamples(ts, vals, stale));
        out.push({ id: s.id, labels: s.labels, timestampsMs: ts, values: vals, stale });
      }
      return out;
    }, signal);
  }

  /**
   * A source of raw series for one tenant, in the shape the PromQL engine reads through
   * (`SeriesSource` of `@vigil/query-language`): series matching every matcher with their samples
   * in `[startMs, endMs]`, labels as plain objects, stale markers flagged in `stale`. An abort of
   * `signal` interrupts the DuckDB read.
   */
  seriesSource(tenant: string): {
    select(params: { matchers: readonly LabelMatcher[]; startMs: number; endMs: number; signal?: AbortSignal }): Promise<
      Array<{ labels: Record<string, string>; timestamps: Float64Array; values: Float64Array; stale: Uint8Array }>
    >;
    selectBuckets(params: {
      matchers: readonly LabelMatcher[];
      startMs: number;
      endMs: number;
      signal?: AbortSignal;
      firstEndMs: number;
      bucketMs: number;
      buckets: number;
      aggregates: readonly BucketAggregate[];
    }): Promise<Array<BucketArrays & { labels: Record<string, string> }> | undefined>;
  } {
    return {
      select: async ({ matchers, startMs, endMs, signal }) => {
        const series = this.selectSeries(tenant, matchers, startMs, endMs);
        const data = await this.readSamples(series, startMs, endMs, signal);
        return data.map((d) => ({ labels: labelsToObject(d.labels), timestamps: d.timestampsMs, values: d.values, stale: d.stale }));
      },
      selectBuckets: async (params) => {
        if (!params.aggregates.every((a) => BUCKET_AGGREGATES.has(a))) return undefined;
        // `latest` reads stale markers, the others skip them: one call does one or the other.
        if (params.aggregates.includes('latest') && params.aggregates.length > 1) return undefined;
        const series = this.selectSeries(tenant, params.matchers, params.startMs, params.endMs);
        const data = await this.readBuckets(series, params);
        return data.map(({ series: s, buckets }) => ({ labels: labelsToObject(s.labels), ...buckets }));
      },
    };
  }

  /**
   * Per-series aggregates of time buckets, computed in DuckDB (the engine's `selectBuckets`
   * pushdown). Bucket `j` holds the samples with `ts` in `(firstEndMs + (j-1)·bucketMs,
   * firstEndMs + j·bucketMs]`; stale markers (NULL values) are not samples, except for `latest`
   * (the latest row of the bucket, stale or not, for instant selectors; asked for alone). Min/max
   * skip NaN (DuckDB orders NaN above every number, Prometheus lets numbers win) and are NaN when
   * every value is. `resets`/`changes`/`previous` compare each sample with the one before it in
   * the same bucket (a window function, ordered by time); NaN never makes a reset, and DuckDB's
   * NaN = NaN is what `changes` wants. Duplicate timestamps still waiting in the heads count once;
   * `samples` holds each once already as long as a retried write did not straddle a compaction
   * (see `docs/schema.md`).
   */
  async readBuckets(
    series: readonly IndexedSeries[],
    params: {
      firstEndMs: number;
      bucketMs: number;
      buckets: number;
      aggregates: readonly BucketAggregate[];
      signal?: AbortSignal;
    },
  ): Promise<Array<{ series: IndexedSeries; buckets: BucketArrays }>> {
    const { firstEndMs, bucketMs, buckets, aggregates, signal } = params;
    if (series.length === 0) return [];
    for (const v of [firstEndMs, bucketMs, buckets]) {
      if (!Number.isSafeInteger(v)) throw new StorageError('bad_request', `bucket parameters must be integers, got ${v}`);
    }
    const want = new Set(aggregates);
    const latest = want.has('latest');
    if (latest && want.size > 1) throw new StorageError('bad_request', 'the latest aggregate is computed alone');
    const ordered = want.has('resets') || want.has('changes') || want.has('previous');
    const byId = new Map(series.map((s) => [s.id, s]));
    const lo = firstEndMs - bucketMs + 1;
    const hi = firstEndMs + (buckets - 1) * bucketMs;
    const where = `WHERE ${seriesIdFilter([...byId.keys()])} AND ts BETWEEN ${lo} AND ${hi}${latest ? '' : ' AND value IS NOT NULL'}`;
    const cols = [latest ? 'count(value)' : 'count(*)'];
    if (want.has('sum')) cols.push('sum(value)', 'coalesce(sum(abs(value)) FILTER (WHERE isfinite(value)), 0)');
    if (want.has('min')) cols.push('min(value) FILTER (WHERE NOT isnan(value))');
    if (want.has('max')) cols.push('max(value) FILTER (WHERE NOT isnan(value))');
    if (want.has('first')) cols.push('arg_min(value, ts)', 'min(ts)');
    if (want.has('last')) cols.push('arg_max(value, ts)', 'max(ts)');
    if (latest) cols.push('max(ts)', 'arg_max(value IS NULL, ts)::DOUBLE', 'arg_max(value, ts)');
    if (want.has('resets')) cols.push('count(corr)', 'coalesce(sum(corr), 0)', 'coalesce(sum(abs(corr)), 0)');
    if (want.has('changes')) cols.push('count(*) FILTER (WHERE changed)');
    // The first sample of a bucket has no `prev` (NULL), which arg_max skips: a bucket of one
    // sample gets NULL (NaN here).
    if (want.has('previous')) cols.push('arg_max(prev, ts)', 'arg_max(prev_ts, ts)::DOUBLE');
    const heads = HEAD_TABLES.map((t) => `SELECT series_id, ts, value FROM ${t} ${where}`).join(' UNION ALL ');
    const rows = `SELECT series_id, ts, value FROM samples ${where}
      UNION ALL SELECT series_id, ts, any_value(value) FROM (${heads}) GROUP BY series_id, ts`;
    const bucketed = `SELECT series_id, (ts - ${lo}) // ${bucketMs} AS b, ts, value FROM (${rows})`;
    // One window per series (cheaper in DuckDB than one per bucket); the sample before counts
    // only when it lies in the same bucket. `corr` is the previous value at a counter reset.
    let from = `(${bucketed})`;
    if (ordered) {
      const derived = ['series_id', 'b', 'ts', 'value'];
      if (want.has('resets')) derived.push('CASE WHEN pb = b AND value < pv AND NOT isnan(value) AND NOT isnan(pv) THEN pv END AS corr');
      if (want.has('changes')) derived.push('coalesce(pb = b AND value <> pv, false) AS changed');
      if (want.has('previous')) derived.push('CASE WHEN pb = b THEN pv END AS prev', 'CASE WHEN pb = b THEN pts END AS prev_ts');
      const lags = ['lag(value) OVER w AS pv', 'lag(b) OVER w AS pb'];
      if (want.has('previous')) lags.push('lag(ts) OVER w AS pts');
      from = `(SELECT ${derived.join(', ')} FROM (SELECT *, ${lags.join(', ')} FROM (${bucketed}) WINDOW w AS (PARTITION BY series_id ORDER BY ts)))`;
    }
    const sql = `SELECT series_id, b, ${cols.join(', ')} FROM ${from} GROUP BY series_id, b`;
    // Every field of one series lives in one buffer, field `f` of bucket `b` at `f·buckets + b`.
    const fields: Array<keyof BucketArrays> = ['count'];
    if (want.has('sum')) fields.push('sum', 'absSum');
    if (want.has('min')) fields.push('min');
    if (want.has('max')) fields.push('max');
    if (want.has('first')) fields.push('firstValue', 'firstTs');
    if (want.has('last')) fields.push('lastValue', 'lastTs');
    if (latest) fields.push('latestTs', 'latestStale', 'latestValue');
    if (want.has('resets')) fields.push('resets', 'resetSum', 'resetAbsSum');
    if (want.has('changes')) fields.push('changes');
    if (want.has('previous')) fields.push('prevValue', 'prevTs');
    /** Fields that are NaN in buckets without a row (the rest are 0 there). */
    const nanWhenEmpty = new Set<keyof BucketArrays>(['latestTs', 'prevTs']);
    const width = fields.length;
    return this.db.withExclusiveReader(async (conn) => {
      const result = await conn.run(sql);
      const out = new Map<number, Float64Array>();
      const make = (): Float64Array => {
        const buf = new Float64Array(buckets * width);
        fields.forEach((f, k) => {
          if (nanWhenEmpty.has(f)) buf.fill(Number.NaN, k * buckets, (k + 1) * buckets);
        });
        return buf;
      };
      const isBigInt = (f: keyof BucketArrays) => f === 'count' || f === 'firstTs' || f === 'lastTs' || f === 'latestTs' || f === 'resets' || f === 'changes';
      let offsets = new Float64Array(0);
      let bufs: Float64Array[] = [];
      for (;;) {
        signal?.throwIfAborted();
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        const n = chunk.rowCount;
        const idCol = readNumberColumn(chunk.getColumnVector(0), n);
        const bCol = readBigIntColumn(chunk.getColumnVector(1), n);
        if (offsets.length < n) offsets = new Float64Array(n);
        bufs.length = n;
        let lastId = -1;
        let buf: Float64Array | undefined;
        for (let i = 0; i < n; i++) {
          const id = idCol[i]!;
          if (id !== lastId) {
            lastId = id;
            buf = out.get(id);
            if (!buf) {
              buf = make();
              out.set(id, buf);
            }
          }
          bufs[i] = buf!;
          offsets[i] = bCol[i]!;
        }
        for (let k = 0; k < width; k++) {
          const vector = chunk.getColumnVector(2 + k);
          let values: Float64Array;
          if (isBigInt(fields[k]!)) values = readBigIntColumn(vector, n);
          else {
            const read = readDoubleColumn(vector, n);
            values = read.values;
            const nulls = read.nulls;
            for (let i = 0; i < n; i++) if (nulls[i] === 1) values[i] = Number.NaN;
          }
          const base = k * buckets;
          for (let i = 0; i < n; i++) bufs[i]![base + offsets[i]!] = values[i]!;
        }
      }
      bufs = [];
      const list: Array<{ series: IndexedSeries; buckets: BucketArrays }> = [];
      for (const id of [...out.keys()].sort((a, b) => a - b)) {
        const s = byId.get(id);
        if (!s) continue;
        const buf = out.get(id)!;
        const arrays = { count: buf.subarray(0, buckets) } as BucketArrays;
        fields.forEach((f, k) => {
          arrays[f] = buf.subarray(k * buckets, (k + 1) * buckets);
        });
        list.push({ series: s, buckets: arrays });
      }
      return list;
    }, signal);
  }

  /** Stores metric metadata, writing only entries that changed. */
  async putMetadata(tenant: string, entries: ReadonlyMap<string, MetricMetadata>): Promise<void> {
    const cache = this.metadataMap(tenant);
    const changed: Array<[string, MetricMetadata]> = [];
    for (const [metric, m] of entries) {
      const old = cache.get(metric);
      if (!old || old.type !== m.type || old.help !== m.help || old.unit !== m.unit) changed.push([metric, m]);
    }
    if (changed.length === 0) return;
    const now = this.opts.now();
    await this.db.resourcesQueue.run(async () => {
      const stmt = await this.db.resources.prepare(
        'INSERT OR REPLACE INTO metric_metadata VALUES ($1, $2, $3, $4, $5, $6)',
      );
      for (const [metric, m] of changed) {
        stmt.bind([tenant, metric, m.type, m.help, m.unit, BigInt(now)]);
        await stmt.run();
      }
    });
    for (const [metric, m] of changed) cache.set(metric, { ...m });
  }

  /** Metadata of `tenant`, optionally for one metric. */
  metadata(tenant: string, metric?: string): Map<string, MetricMetadata> {
    const all = this.metadataCache.get(tenant) ?? new Map<string, MetricMetadata>();
    if (metric === undefined) return new Map(all);
    const m = all.get(metric);
    return m ? new Map([[metric, m]]) : new Map();
  }

  private metadataMap(tenant: string): Map<string, MetricMetadata> {
    let m = this.metadataCache.get(tenant);
    if (!m) {
      m = new Map();
      this.metadataCache.set(tenant, m);
    }
    return m;
  }

  /**
   * Deletes `tenant`'s samples older than `cutoffMs` and forgets series left without samples.
   * Returns the number of series dropped.
   */
  applyRetention(tenant: string, cutoffMs: number): Promise<number> {
    return this.db.maintenanceQueue.run(() => this.applyRetentionNow(tenant, cutoffMs));
  }

  private async applyRetentionNow(tenant: string, cutoffMs: number): Promise<number> {
    const idx = this.sets.get(tenant);
    if (!idx) return 0;
    const conn = this.db.maintenance;
    for (const table of ['samples', ...HEAD_TABLES]) {
      await conn.run(
        `DELETE FROM ${table} WHERE ts < $1 AND series_id IN (SELECT id FROM series WHERE tenant = $2)`,
        [BigInt(Math.floor(cutoffMs)), tenant],
      );
    }
    const dead = [...idx.all()].filter((s) => s.maxTs < cutoffMs);
    if (dead.length > 0) {
      await conn.run(`DELETE FROM series WHERE id IN (${dead.map((s) => s.id).join(',')})`);
      this.sets.forget(tenant, dead);
      for (const s of dead) this.lastAppendMs.delete(s.id);
    }
    for (const s of idx.all()) if (s.minTs < cutoffMs) s.minTs = cutoffMs;
    return dead.length;
  }

  /** Series known for all tenants. */
  get totalSeries(): number {
    return this.sets.total;
  }

  /** Tenants that have series. */
  tenants(): string[] {
    return this.sets.tenants();
  }

  /** Rows waiting in the head tables (not yet compacted). */
  get headRowCount(): number {
    return this.head.headRows;
  }

  /** Waits for queued commits and any running compaction to finish. */
  async drainWrites(): Promise<void> {
    await this.db.writes.idle();
    await this.head.settled();
  }

  private unionAll(columns: string, where: string): string {
    return this.head.tables.map((t) => `SELECT ${columns} FROM ${t} ${where}`).join(' UNION ALL ');
  }
}

/**
 * Puts one series' samples, in the order they arrived from DuckDB, in time order and keeps the
 * last of duplicate timestamps (a retried write). They arrive as sorted runs (DuckDB scans row
 * groups in parallel); when the runs do not overlap, ordering them by first timestamp is enough;
 * otherwise they are merged, adjacent runs pairwise, stably (on equal timestamps the row read
 * last stays last). Two threads interleaving their row groups give two overlapping runs, so the
 * merge is the common case: linear, where a comparison sort of all rows cost ~10× more.
 */
export function sortSamples(
  ts: Float64Array,
  vals: Float64Array,
  stale: Uint8Array,
): { ts: Float64Array; vals: Float64Array; stale: Uint8Array } {
  const n = ts.length;
  const runs = [0];
  for (let i = 1; i < n; i++) if (ts[i]! < ts[i - 1]!) runs.push(i);
  if (runs.length === 1) return squeezeDuplicates(ts, vals, stale, n);
  const bounds = runs.map((start, i) => ({ start, end: runs[i + 1] ?? n }));
  bounds.sort((a, b) => ts[a.start]! - ts[b.start]! || a.start - b.start);
  let disjoint = true;
  for (let i = 1; i < bounds.length; i++) {
    if (ts[bounds[i - 1]!.end - 1]! > ts[bounds[i]!.start]!) {
      disjoint = false;
      break;
    }
  }
  if (!disjoint) return squeezeDuplicates(...mergeRuns(ts, vals, stale, runs), n);
  const ts2 = new Float64Array(n);
  const vals2 = new Float64Array(n);
  const stale2 = new Uint8Array(n);
  let at = 0;
  for (const r of bounds) {
    ts2.set(ts.subarray(r.start, r.end), at);
    vals2.set(vals.subarray(r.start, r.end), at);
    stale2.set(stale.subarray(r.start, r.end), at);
    at += r.end - r.start;
  }
  return squeezeDuplicates(ts2, vals2, stale2, n);
}

/**
 * Merges sorted runs (starting at `starts`, in read order) into one sorted sequence, stably:
 * bottom-up, adjacent runs pairwise, the earlier run first on equal timestamps.
 */
function mergeRuns(
  ts: Float64Array,
  vals: Float64Array,
  stale: Uint8Array,
  starts: number[],
): [Float64Array, Float64Array, Uint8Array] {
  const n = ts.length;
  let bounds = [...starts, n];
  let a: [Float64Array, Float64Array, Uint8Array] = [ts, vals, stale];
  let b: [Float64Array, Float64Array, Uint8Array] = [new Float64Array(n), new Float64Array(n), new Uint8Array(n)];
  let first = true;
  while (bounds.length > 2) {
    const [ta, va, sa] = a;
    const [tb, vb, sb] = b;
    const next = [0];
    for (let r = 0; r + 1 < bounds.length; r += 2) {
      const lo = bounds[r]!;
      const mid = bounds[r + 1]!;
      const hi = r + 2 < bounds.length ? bounds[r + 2]! : mid;
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        // `<=`: on equal timestamps the earlier run's row goes first, so the later read stays last.
        const from = ta[i]! <= ta[j]! ? i++ : j++;
        tb[k] = ta[from]!;
        vb[k] = va[from]!;
        sb[k++] = sa[from]!;
      }
      for (; i < mid; i++, k++) {
        tb[k] = ta[i]!;
        vb[k] = va[i]!;
        sb[k] = sa[i]!;
      }
      for (; j < hi; j++, k++) {
        tb[k] = ta[j]!;
        vb[k] = va[j]!;
        sb[k] = sa[j]!;
      }
      next.push(hi);
    }
    bounds = next;
    // The input arrays are views into shared buffers: never write into them, use a second buffer.
    if (first) {
      a = [new Float64Array(n), new Float64Array(n), new Uint8Array(n)];
      first = false;
    }
    [a, b] = [b, a];
  }
  return a;
}

/** Drops all but the last of equal consecutive timestamps, in place; returns views of the rest. */
function squeezeDuplicates(
  ts: Float64Array,
  vals: Float64Array,
  stale: Uint8Array,
  n: number,
): { ts: Float64Array; vals: Float64Array; stale: Uint8Array } {
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (m > 0 && ts[m - 1] === ts[i]) m--;
    if (m !== i) {
      ts[m] = ts[i]!;
      vals[m] = vals[i]!;
      stale[m] = stale[i]!;
    }
    m++;
  }
  return m === n ? { ts, vals, stale } : { ts: ts.subarray(0, m), vals: vals.subarray(0, m), stale: stale.subarray(0, m) };
}

/** Copies `src` into `dst` at `offset`, in bulk when `src` is a typed array. */
function copyInto(dst: Float64Array | Uint8Array, src: ArrayLike<number>, offset: number): void {
  if (ArrayBuffer.isView(src)) dst.set(src as ArrayLike<number>, offset);
  else for (let i = 0; i < src.length; i++) dst[offset + i] = src[i]!;
}

/** Cardinality statistics of one tenant. */
export interface CardinalityStats {
  numSeries: number;
  /** Distinct label name=value pairs. */
  numLabelPairs: number;
  seriesCountByMetricName: Array<{ name: string; value: number }>;
  labelValueCountByLabelName: Array<{ name: string; value: number }>;
  seriesCountByLabelValuePair: Array<{ name: string; value: number }>;
  minTimeMs: number | undefined;
  maxTimeMs: number | undefined;
}

export { labelsToObject };

/** `series_id BETWEEN a AND b` for a contiguous run of ids (see `idRangeFilter`), else `series_id IN (...)`. */
function seriesIdFilter(ids: number[]): string {
  ids.sort((a, b) => a - b);
  return idRangeFilter('series_id', ids) ?? `series_id IN (${ids.join(',')})`;
}
