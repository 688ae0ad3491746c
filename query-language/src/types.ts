import type { LabelMatcher } from './ast/ast.js';

/**
 * A series' labels as a plain object: label name → value. Canonical label sets have no empty
 * values; `__name__` holds the metric name. Owned by whoever created it; the engine never mutates
 * label objects it receives.
 */
export type Labels = Record<string, string>;

/** What the engine asks a `SeriesSource` for: series matching every matcher, samples in a time range. */
export interface SelectParams {
  /** Every matcher must hold (AND); regex matchers are fully anchored RE2 syntax. */
  matchers: readonly LabelMatcher[];
  /** Inclusive lower bound of sample timestamps, epoch milliseconds. */
  startMs: number;
  /** Inclusive upper bound of sample timestamps, epoch milliseconds. */
  endMs: number;
  /** Fires when the query is cancelled or times out; the source should stop work and reject. */
  signal?: AbortSignal;
}

/**
 * One series as a `SeriesSource` returns it. Samples are sorted by timestamp, strictly increasing,
 * all within the requested range (extra samples outside it are tolerated and ignored).
 *
 * Staleness: a stale marker (Prometheus' special NaN `0x7ff0000000000002`, written when a series
 * disappears) cannot travel through a JavaScript number reliably, because engines may canonicalise
 * NaN payloads. So it is a separate flag: `stale[i] === 1` means sample `i` is a stale marker and
 * `values[i]` is ignored. Omit `stale` when the series has no stale markers. An ordinary NaN
 * sample is just `NaN` in `values` with no flag.
 */
export interface RawSeries {
  labels: Labels;
  /** Sample timestamps, epoch milliseconds. */
  timestamps: ArrayLike<number>;
  values: ArrayLike<number>;
  /** Optional stale-marker flags parallel to `values` (1 = stale marker). */
  stale?: ArrayLike<number>;
}

/**
 * Where the engine reads samples from; implemented by the storage layer (and by test fakes). The
 * engine calls `select` once per selector in a query, with the widest time range that selector
 * needs. The engine does not mutate returned arrays; the source must not mutate them afterwards.
 * Rejections propagate to the query's caller; an aborted `signal` should reject promptly.
 */
export interface SeriesSource {
  select(params: SelectParams): Promise<RawSeries[]>;
  /**
   * Optional pushdown: per-series aggregates of fixed time buckets, computed where the samples
   * live (DuckDB) instead of shipping every sample to the engine. The engine uses it for
   * `*_over_time` functions over a plain range selector whose windows are unions of whole buckets,
   * and falls back to `select` otherwise (and when this returns `undefined`). The answers must be
   * those `select` would give: stale markers are not samples, every (series, timestamp) counts once.
   */
  selectBuckets?(params: SelectBucketsParams): Promise<BucketedSeries[] | undefined>;
}

/**
 * Aggregates a {@link SeriesSource.selectBuckets} call can ask for; `count` always comes. A source
 * that does not support one (an older implementation) returns `undefined` and the engine reads raw
 * samples instead.
 */
export type BucketAggregate = 'sum' | 'min' | 'max' | 'first' | 'last' | 'latest' | 'resets' | 'changes' | 'previous';

/**
 * What the engine asks `selectBuckets` for. Bucket `j` (0 ≤ j < `buckets`) holds the samples with
 * timestamps in `(firstEndMs + (j - 1)·bucketMs, firstEndMs + j·bucketMs]`, left-open like range
 * selectors. `startMs`/`endMs` of the base params span exactly all buckets. All times are integers.
 */
export interface SelectBucketsParams extends SelectParams {
  firstEndMs: number;
  bucketMs: number;
  buckets: number;
  aggregates: readonly BucketAggregate[];
}

/**
 * One series' bucket aggregates, arrays of length `buckets`; stale markers excluded (except from
 * `latest*`). Where a bucket is empty (`count[j] === 0`) the other entries are meaningless, except
 * `latest*`, which has its own emptiness (`latestTs[j]` NaN). "Previous" always means the sample
 * before in time order within the same bucket, stale markers not counted.
 */
export interface BucketedSeries {
  labels: Labels;
  /** Samples per bucket. */
  count: ArrayLike<number>;
  /** `sum`: the sum of the values (any order of addition). */
  sum?: ArrayLike<number>;
  /**
   * With `sum`: the sum of the magnitudes of the finite values (0 if none), which bounds the
   * rounding error of any order of addition, so that the engine can tell when it could matter.
   */
  absSum?: ArrayLike<number>;
  /** `min`/`max`: the smallest/largest non-NaN value; NaN when every value is NaN. */
  min?: ArrayLike<number>;
  max?: ArrayLike<number>;
  /** `first`/`last`: value and timestamp (epoch ms) of the earliest/latest sample. */
  firstValue?: ArrayLike<number>;
  firstTs?: ArrayLike<number>;
  lastValue?: ArrayLike<number>;
  lastTs?: ArrayLike<number>;
  /**
   * `latest`: the latest row of the bucket with stale markers included (instant selectors):
   * its timestamp (NaN when the bucket has neither samples nor stale markers), whether it is a
   * stale marker (1) and, when it is not, its value.
   */
  latestTs?: ArrayLike<number>;
  latestStale?: ArrayLike<number>;
  latestValue?: ArrayLike<number>;
  /**
   * `resets`: samples whose value is below the previous one's (neither NaN), the sum of those
   * previous values (any order of addition) and of their magnitudes (counter-reset corrections
   * of `rate`/`increase`, and `resets()`).
   */
  resets?: ArrayLike<number>;
  resetSum?: ArrayLike<number>;
  resetAbsSum?: ArrayLike<number>;
  /** `changes`: samples whose value differs from the previous one's (NaN equals NaN here). */
  changes?: ArrayLike<number>;
  /**
   * `previous`: value and timestamp of the sample before the bucket's latest one (`prevTs` NaN
   * when the bucket holds one sample).
   */
  prevValue?: ArrayLike<number>;
  prevTs?: ArrayLike<number>;
}

/** The order in which log entries are returned: oldest first (`forward`) or newest first (`backward`). */
export type LogDirection = 'forward' | 'backward';

/** One log entry as a `LogSource` returns it. */
export interface LogEntryData {
  /** Timestamp, nanoseconds since the epoch. */
  tsNs: bigint;
  /** The log line. The engine never mutates it (strings are immutable) and never keeps it past the query. */
  line: string;
  /**
   * Structured metadata (Loki 3): not part of the stream identity, but visible to label filters,
   * formatters and the result labels like any label. Omit when empty.
   */
  metadata?: Readonly<Record<string, string>>;
}

/** One entry with its stream's labels, as `LogSource.scanLogs` hands it over. */
export interface LogRow extends LogEntryData {
  labels: Labels;
}

/** One stream and its entries, in the requested direction. */
export interface LogStreamData {
  /** The stream labels (canonical: no empty values). Not mutated by the engine. */
  labels: Labels;
  entries: readonly LogEntryData[];
}

/** What the LogQL engine asks a `LogSource` for. */
export interface SelectLogsParams {
  /** Stream matchers; every one must hold (AND). Regex matchers are fully anchored RE2 syntax. */
  matchers: readonly LabelMatcher[];
  /** Inclusive lower bound of entry timestamps, ns. */
  startNs: bigint;
  /** Exclusive upper bound of entry timestamps, ns (Loki's `end` is exclusive). */
  endNs: bigint;
  /** Order of the entries within each stream, and which end `limit` keeps. */
  direction: LogDirection;
  /**
   * At most this many entries in total across all streams: the oldest ones for `forward`, the
   * newest for `backward`. 0 = no limit. The engine passes a limit only when no stage after the
   * pushed-down filters can drop lines.
   */
  limit: number;
  /**
   * Pushdown hint: case-sensitive substrings that every line must contain. When present the
   * source must apply it before `limit` (DuckDB `contains`); the engine still applies its own
   * filters, so a source may also filter more loosely when `limit` is 0.
   */
  lineContains?: readonly string[];
  /**
   * Optional pushdown hint: RE2 patterns (unanchored, Go/RE2 syntax) every returned line must
   * match. Like `lineContains`, the source applies them before `limit`; the engine still runs the
   * filter stages on what comes back.
   */
  lineRegexes?: readonly string[];
  /**
   * Optional pushdown hint for pipelines that parse JSON: lines the pipeline is certain to drop,
   * which the source may leave out (see {@link JsonDropHint}). The engine still runs every stage
   * on what comes back, so a source may ignore it.
   */
  jsonDrop?: JsonDropHint;
  /**
   * Optional pushdown hint: label matchers of the pipeline's label filters on labels no stage
   * before them can change (parsers never overwrite a stream label, they add `_extracted`). A
   * line of a stream whose label `name` fails a matcher is dropped, unless the line's structured
   * metadata has `name` (metadata wins over stream labels): the source may leave such lines out.
   */
  streamDrop?: readonly LabelMatcher[];
  /** Fires when the query is cancelled; the source should stop work and reject. */
  signal?: AbortSignal;
}

/**
 * Lines a pipeline of the form `[line filters] | json | [label matchers] | key op number` (with or
 * without `__error__=""` among the matchers) is certain to drop, described so that a source can
 * recognise them from the raw text without parsing JSON (`SelectLogsParams.jsonDrop`). Every rule
 * only drops lines the engine would drop:
 *
 * - `nonObject` (set when `__error__=""` comes after `json`): the line's first character other
 *   than space, tab, CR or LF is not `{` (the `json` stage fails, and `__error__=""` drops it).
 * - `numeric`: the first numeric label filter `key op value` after `json`, with only label matchers
 *   before it (they never mark errors). `key` is a label name without `_`, so the `json` stage can
 *   produce it only from a top-level key that reads `key` (after trimming); a line may be dropped
 *   when none of the selected streams has a label `key`, the line's structured metadata has no
 *   `key`, the line contains no `\u` escape, and either the text `key` does not occur in the line
 *   (the label is missing) or it occurs exactly once, as `"key"`, followed (after optional
 *   whitespace, `:` and whitespace) by an integer of at most 15 digits and then whitespace, `,` or
 *   `}`, whose value fails `op value`. Without `__error__=""` before the filter (`nonObject`
 *   false), a line the `json` stage fails on passes the filter with `__error__` set, so only a line
 *   that is also a valid JSON object (RFC 8259, which the `json` stage always parses) may be
 *   dropped by this rule.
 */
export interface JsonDropHint {
  nonObject: boolean;
  numeric: ReadonlyArray<{ key: string; op: '==' | '!=' | '>' | '>=' | '<' | '<='; value: number }>;
}

/**
 * Where the LogQL engine reads logs from; implemented by the storage layer (`LogStore.read`
 * grouped by stream) and by test fakes. Called once per log selector of a query with the widest
 * time range it needs. Entries of each stream are sorted by timestamp in `direction` order and lie
 * in `[startNs, endNs)`. The engine does not mutate the returned arrays; the source must not
 * mutate them afterwards. Rejections propagate to the caller; an aborted `signal` should reject
 * promptly.
 *
 * @example
 * const source: LogSource = {
 *   async selectLogs(p) {
 *     return [{ labels: { app: 'web' }, entries: [{ tsNs: 1_000_000_000n, line: 'GET / 200' }] }];
 *   },
 * };
 */
export interface LogSource {
  selectLogs(params: SelectLogsParams): Promise<LogStreamData[]>;
  /**
   * Optional streamed form of `selectLogs` for log queries: the same entries, in `direction` order
   * across all streams (ties by stream, then line), handed to `onRows` a batch at a time; when
   * `onRows` returns false the source stops reading. Lets the engine stop converting rows once its
   * limit is filled and keeps one batch in memory at a time. The `labels` object of a stream is
   * the same across the batches of one call.
   */
  scanLogs?(params: SelectLogsParams, onRows: (rows: readonly LogRow[]) => boolean | Promise<boolean>): Promise<void>;
  /**
   * Optional pushdown of entry counting (`count_over_time`, `bytes_over_time`, `rate`,
   * `bytes_rate`, `absent_over_time` over a selector whose pipeline is empty or only pushed-down
   * filters). When present the engine calls it instead of `selectLogs` for such range
   * aggregations; it must count exactly the entries `selectLogs` would return for the same
   * matchers and filters (with `limit` 0).
   */
  countLogs?(params: CountLogsParams): Promise<LogCountStream[]>;
}

/**
 * What the LogQL engine asks `LogSource.countLogs` for: per stream, for every window end
 * `t = startNs + i * stepNs` up to `endNs` (inclusive), the entries with timestamps in the
 * left-open window `(t - rangeNs, t]` (Loki's range semantics; `offset` is already applied to
 * the window ends).
 */
export interface CountLogsParams {
  /** Stream matchers, as in `SelectLogsParams`. */
  matchers: readonly LabelMatcher[];
  /** The first window end, ns. */
  startNs: bigint;
  /** The last window end, ns: `startNs + k * stepNs` for some k >= 0. */
  endNs: bigint;
  /** Distance between window ends, ns (> 0). */
  stepNs: bigint;
  /** Window length, ns (> 0). */
  rangeNs: bigint;
  /** Substrings every counted line contains (exact filter, not a hint). */
  lineContains?: readonly string[];
  /** RE2 patterns (unanchored) every counted line matches (exact filter, not a hint). */
  lineRegexes?: readonly string[];
  /**
   * Whether the line bytes are needed (`bytes_over_time`, `bytes_rate`). When false the source
   * may report `bytes` as 0 and skip reading the lines.
   * @default true
   */
  withBytes?: boolean;
  signal?: AbortSignal;
}

/** Counts of one stream (and one structured-metadata set), as `LogSource.countLogs` returns them. */
export interface LogCountStream {
  /** The stream labels. */
  labels: Labels;
  /** Structured metadata shared by the counted entries; omit when empty. */
  metadata?: Readonly<Record<string, string>>;
  /** One point per window end holding at least one entry, in ascending order (others omitted). */
  points: Array<{
    /** The window end, ns. */
    tsNs: bigint;
    /** Entries in the window. */
    count: number;
    /** Sum of the entries' line lengths in UTF-8 bytes. */
    bytes: number;
  }>;
}
