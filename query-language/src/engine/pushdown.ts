import type { BucketAggregate, BucketedSeries } from '../types.js';
import { KahanSum } from './range-functions.js';

/**
 * Range functions a `SeriesSource` with `selectBuckets` can compute from per-bucket aggregates,
 * and how the buckets of one window (`lo` to `hi`, exclusive) combine into the function's value.
 * The combinations follow the JS implementations in `range-functions.ts` step by step (NaN
 * handling of min/max, Kahan summation of the partial sums, first/last), so the answers agree;
 * only the order of floating-point additions inside a bucket differs (sums agree within ~1e-15
 * relative). `'fallback'` asks the engine to evaluate the call the ordinary way.
 */
interface PushdownFunction {
  aggregates: readonly BucketAggregate[];
  combine(s: BucketedSeries, lo: number, hi: number): number | undefined | 'fallback';
}

/** Beyond this magnitude the grouping of additions could decide whether a sum overflows. */
const SAFE_MAGNITUDE = 1e300;

function total(s: BucketedSeries, lo: number, hi: number): number {
  let n = 0;
  for (let j = lo; j < hi; j++) n += s.count[j]!;
  return n;
}

/** Unit roundoff of doubles. */
const U = 2 ** -53;
/** The largest relative error a pushed-down sum may carry; beyond it the engine sums raw samples. */
const SUM_TOLERANCE = 1e-12;

/**
 * The Kahan sum of the bucket sums, as `sum_over_time` sums samples. A source adds up a bucket in
 * any order without compensation, which is off by at most (n-1)·u·Σ|v|; when that bound is not
 * negligible against the result (cancellation, as in `1e100 + 1 - 1e100`) or values come near
 * overflow, the exact answer needs the samples themselves: 'fallback'.
 */
function kahanSum(s: BucketedSeries, lo: number, hi: number): number | 'fallback' {
  const sum = new KahanSum();
  let bound = 0;
  for (let j = lo; j < hi; j++) {
    const n = s.count[j]!;
    if (n === 0) continue;
    const absSum = s.absSum![j]!;
    if (!(absSum <= SAFE_MAGNITUDE)) return 'fallback';
    sum.add(s.sum![j]!);
    bound += (n - 1) * U * absSum;
  }
  const value = sum.value();
  if (Number.isFinite(value) && bound > SUM_TOLERANCE * Math.abs(value)) return 'fallback';
  return value;
}

/** `min_over_time`'s rule over bucket minima: the first non-NaN wins unless a smaller one follows. */
function extreme(values: ArrayLike<number>, s: BucketedSeries, lo: number, hi: number, max: boolean): number | undefined {
  let any = false;
  let best = Number.NaN;
  for (let j = lo; j < hi; j++) {
    if (s.count[j] === 0) continue;
    any = true;
    const v = values[j]!;
    if (Number.isNaN(best) || (max ? v > best : v < best)) best = v;
  }
  return any ? best : undefined;
}

function firstBucket(s: BucketedSeries, lo: number, hi: number): number {
  for (let j = lo; j < hi; j++) if (s.count[j]! > 0) return j;
  return -1;
}

function lastBucket(s: BucketedSeries, lo: number, hi: number): number {
  for (let j = hi - 1; j >= lo; j--) if (s.count[j]! > 0) return j;
  return -1;
}

export const PUSHDOWN_FUNCTIONS: Readonly<Record<string, PushdownFunction>> = {
  count_over_time: { aggregates: [], combine: (s, lo, hi) => total(s, lo, hi) || undefined },
  present_over_time: { aggregates: [], combine: (s, lo, hi) => (total(s, lo, hi) > 0 ? 1 : undefined) },
  sum_over_time: {
    aggregates: ['sum'],
    combine: (s, lo, hi) => (total(s, lo, hi) > 0 ? kahanSum(s, lo, hi) : undefined),
  },
  avg_over_time: {
    aggregates: ['sum'],
    combine: (s, lo, hi) => {
      const n = total(s, lo, hi);
      if (n === 0) return undefined;
      const sum = kahanSum(s, lo, hi);
      return sum === 'fallback' ? sum : sum / n;
    },
  },
  min_over_time: { aggregates: ['min'], combine: (s, lo, hi) => extreme(s.min!, s, lo, hi, false) },
  max_over_time: { aggregates: ['max'], combine: (s, lo, hi) => extreme(s.max!, s, lo, hi, true) },
  last_over_time: {
    aggregates: ['last'],
    combine: (s, lo, hi) => {
      const j = lastBucket(s, lo, hi);
      return j < 0 ? undefined : s.lastValue![j]!;
    },
  },
  first_over_time: {
    aggregates: ['first'],
    combine: (s, lo, hi) => {
      const j = firstBucket(s, lo, hi);
      return j < 0 ? undefined : s.firstValue![j]!;
    },
  },
  ts_of_last_over_time: {
    aggregates: ['last'],
    combine: (s, lo, hi) => {
      const j = lastBucket(s, lo, hi);
      return j < 0 ? undefined : s.lastTs![j]! / 1000;
    },
  },
  ts_of_first_over_time: {
    aggregates: ['first'],
    combine: (s, lo, hi) => {
      const j = firstBucket(s, lo, hi);
      return j < 0 ? undefined : s.firstTs![j]! / 1000;
    },
  },
};

/** How the windows of one range-function call map onto buckets. */
export interface BucketPlan {
  firstEndMs: number;
  bucketMs: number;
  buckets: number;
  /** Buckets per window. */
  perWindow: number;
  /** Buckets between the starts of consecutive windows. */
  stepBuckets: number;
}

/** Most buckets per window, and per series, that a pushdown may use. */
const MAX_PER_WINDOW = 64;
const MAX_BUCKETS = 20_000;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Buckets for windows `(end - rangeMs, end]` at `endsMs` (ascending), when the ends form an
 * arithmetic progression of integers, so that each window is a run of whole buckets of
 * `gcd(step, range)` ms; undefined when they do not, or would need too many buckets.
 */
export function planBuckets(endsMs: Float64Array, rangeMs: number): BucketPlan | undefined {
  const n = endsMs.length;
  const e0 = endsMs[0]!;
  if (n === 0 || !Number.isSafeInteger(e0) || !Number.isSafeInteger(rangeMs) || rangeMs <= 0) return undefined;
  const step = n > 1 ? endsMs[1]! - e0 : 0;
  if (!Number.isSafeInteger(step) || step < 0) return undefined;
  for (let i = 2; i < n; i++) if (endsMs[i] !== e0 + i * step) return undefined;
  const bucketMs = gcd(step, rangeMs);
  const perWindow = rangeMs / bucketMs;
  const stepBuckets = step / bucketMs;
  const buckets = (n - 1) * stepBuckets + perWindow;
  if (perWindow > MAX_PER_WINDOW || buckets > MAX_BUCKETS) return undefined;
  return { firstEndMs: e0 - rangeMs + bucketMs, bucketMs, buckets, perWindow, stepBuckets };
}
