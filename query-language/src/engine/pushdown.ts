import type { BucketAggregate, BucketedSeries } from '../types.js';
import { extrapolate, KahanSum, lastTwo } from './range-functions.js';

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
  combine(s: BucketedSeries, lo: number, hi: number, w: WindowBounds): number | undefined | 'fallback';
}

/** The window `(startMs, endMs]` that buckets `lo` to `hi` make up. */
export interface WindowBounds {
  startMs: number;
  endMs: number;
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

/**
 * `rate`/`increase`/`delta` from the first and last sample of the window and, for counters, the
 * counter-reset corrections: inside buckets (`resetSum`) and where one non-empty bucket ends above
 * where the next begins. The corrections are added to `last - first` in time order, as the JS path
 * does sample by sample, so when no bucket holds two resets the sum is the same one, bit for bit.
 * A bucket with several resets was summed in some other order: then, if the rounding could matter
 * against the result (cancellation) or values come near overflow, 'fallback'.
 */
function extrapolatedRate(
  s: BucketedSeries,
  lo: number,
  hi: number,
  w: WindowBounds,
  isCounter: boolean,
  isRate: boolean,
): number | undefined | 'fallback' {
  const j0 = firstBucket(s, lo, hi);
  if (j0 < 0) return undefined;
  const j1 = lastBucket(s, lo, hi);
  const n = total(s, lo, hi);
  if (n < 2) return undefined;
  const first = s.firstValue![j0]!;
  const last = s.lastValue![j1]!;
  let result = last - first;
  if (isCounter) {
    let terms = 1;
    let several = false;
    let abs = Math.abs(result);
    let prev = Number.NaN;
    for (let j = j0; j <= j1; j++) {
      if (s.count[j] === 0) continue;
      const v = s.firstValue![j]!;
      if (j > j0 && v < prev) {
        result += prev;
        abs += Math.abs(prev);
        terms++;
      }
      const k = s.resets![j]!;
      if (k > 0) {
        result += s.resetSum![j]!;
        abs += s.resetAbsSum![j]!;
        terms += k;
        if (k > 1) several = true;
      }
      prev = s.lastValue![j]!;
    }
    if (several) {
      if (!(abs <= SAFE_MAGNITUDE)) return 'fallback';
      if (2 * terms * U * abs > SUM_TOLERANCE * Math.abs(result)) return 'fallback';
    }
  }
  return extrapolate(n, s.firstTs![j0]!, s.lastTs![j1]!, first, result, w.startMs, w.endMs, isCounter, isRate);
}

/** `irate`/`idelta`: the last two samples of the window, from one bucket or two. */
function instantValue(s: BucketedSeries, lo: number, hi: number, isRate: boolean): number | undefined {
  const j1 = lastBucket(s, lo, hi);
  if (j1 < 0) return undefined;
  if (s.count[j1]! >= 2) return lastTwo(s.prevTs![j1]!, s.prevValue![j1]!, s.lastTs![j1]!, s.lastValue![j1]!, isRate);
  const j0 = lastBucket(s, lo, j1);
  if (j0 < 0) return undefined;
  return lastTwo(s.lastTs![j0]!, s.lastValue![j0]!, s.lastTs![j1]!, s.lastValue![j1]!, isRate);
}

/** `resets`/`changes`: per-bucket counts plus the comparisons across bucket boundaries. */
function countTransitions(s: BucketedSeries, lo: number, hi: number, resets: boolean): number | undefined {
  let any = false;
  let n = 0;
  let prev = Number.NaN;
  const inside = resets ? s.resets! : s.changes!;
  for (let j = lo; j < hi; j++) {
    if (s.count[j] === 0) continue;
    const v = s.firstValue![j]!;
    if (any && (resets ? v < prev : v !== prev && !(Number.isNaN(v) && Number.isNaN(prev)))) n++;
    n += inside[j]!;
    prev = s.lastValue![j]!;
    any = true;
  }
  return any ? n : undefined;
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
  rate: { aggregates: ['first', 'last', 'resets'], combine: (s, lo, hi, w) => extrapolatedRate(s, lo, hi, w, true, true) },
  increase: { aggregates: ['first', 'last', 'resets'], combine: (s, lo, hi, w) => extrapolatedRate(s, lo, hi, w, true, false) },
  delta: { aggregates: ['first', 'last'], combine: (s, lo, hi, w) => extrapolatedRate(s, lo, hi, w, false, false) },
  irate: { aggregates: ['last', 'previous'], combine: (s, lo, hi) => instantValue(s, lo, hi, true) },
  idelta: { aggregates: ['last', 'previous'], combine: (s, lo, hi) => instantValue(s, lo, hi, false) },
  resets: { aggregates: ['first', 'last', 'resets'], combine: (s, lo, hi) => countTransitions(s, lo, hi, true) },
  changes: { aggregates: ['first', 'last', 'changes'], combine: (s, lo, hi) => countTransitions(s, lo, hi, false) },
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

/**
 * Buckets for instant vector selectors evaluated at `timesMs` (ascending, an arithmetic
 * progression of integers, or all equal) with lookback `lookbackMs`: one bucket per step, ending
 * at the step's time, plus the buckets before the first step that its lookback reaches into; with
 * a single time (or all equal), one bucket of the lookback. The sample a step selects is the
 * latest row of the latest non-empty bucket up to the step's own, if it lies within the lookback.
 * Undefined when the times do not fit, or too many buckets would be needed.
 */
export interface LatestPlan {
  firstEndMs: number;
  bucketMs: number;
  buckets: number;
  /** The bucket that ends at step `i`'s time is `pre + i·stepBuckets` (`stepBuckets` 0 or 1). */
  pre: number;
  stepBuckets: number;
}

export function planLatest(timesMs: Float64Array, lookbackMs: number): LatestPlan | undefined {
  const n = timesMs.length;
  if (n === 0) return undefined;
  const t0 = timesMs[0]!;
  if (!Number.isSafeInteger(t0) || !Number.isSafeInteger(lookbackMs) || lookbackMs <= 0) return undefined;
  const step = n > 1 ? timesMs[1]! - t0 : 0;
  if (!Number.isSafeInteger(step) || step < 0) return undefined;
  for (let i = 2; i < n; i++) if (timesMs[i] !== t0 + i * step) return undefined;
  if (step === 0) return { firstEndMs: t0, bucketMs: lookbackMs, buckets: 1, pre: 0, stepBuckets: 0 };
  const pre = Math.ceil(lookbackMs / step) - 1;
  const buckets = pre + n;
  if (pre + 1 > MAX_PER_WINDOW || buckets > MAX_BUCKETS) return undefined;
  return { firstEndMs: t0 - pre * step, bucketMs: step, buckets, pre, stepBuckets: 1 };
}
