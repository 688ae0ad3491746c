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
}
