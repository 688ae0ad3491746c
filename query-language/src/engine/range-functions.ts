import { QueryError } from '../errors.js';

/**
 * The samples of one series inside one window `(end - range, end]`: indices `lo` (inclusive) to
 * `hi` (exclusive) into `timestampsMs` / `values`. Read-only.
 */
export interface Window {
  timestampsMs: Float64Array;
  values: Float64Array;
  lo: number;
  hi: number;
  /** The window's (exclusive) start and (inclusive) end, epoch ms. */
  startMs: number;
  endMs: number;
  /** The step's evaluation time before `@` and `offset` (predict_linear extrapolates from it). */
  evalMs: number;
  /** The scalar arguments of the call at this step, in argument order (the range vector excluded). */
  params: number[];
}

/** A range-vector function: the value for one series and window, or undefined for no sample. */
export type RangeFunction = (w: Window) => number | undefined;

/**
 * Kahan–Babuška compensated summation, as Prometheus' `kahansum.Inc`: `sum` plus the running
 * compensation `c`. Once the sum is infinite the compensation is dropped.
 */
export class KahanSum {
  sum = 0;
  c = 0;

  add(inc: number): void {
    const t = this.sum + inc;
    if (!Number.isFinite(t)) {
      this.sum = t;
      this.c = 0;
      return;
    }
    if (Math.abs(this.sum) >= Math.abs(inc)) this.c += this.sum - t + inc;
    else this.c += inc - t + this.sum;
    this.sum = t;
  }

  /** The compensated total. */
  value(): number {
    return Number.isFinite(this.sum) ? this.sum + this.c : this.sum;
  }
}

/**
 * Prometheus' extrapolated rate (`rate`, `increase`, `delta`): the change over the samples in the
 * window, with counter resets compensated for counters, extrapolated towards the window edges by
 * at most half an average sample interval (and not below zero for counters).
 */
function extrapolatedRate(w: Window, isCounter: boolean, isRate: boolean): number | undefined {
  const n = w.hi - w.lo;
  if (n < 2) return undefined;
  const { timestampsMs: ts, values: vs, lo, hi } = w;
  const first = vs[lo]!;
  const last = vs[hi - 1]!;
  let result = last - first;
  if (isCounter) {
    let prev = first;
    for (let i = lo + 1; i < hi; i++) {
      const v = vs[i]!;
      if (v < prev) result += prev;
      prev = v;
    }
  }
  return extrapolate(n, ts[lo]!, ts[hi - 1]!, first, result, w.startMs, w.endMs, isCounter, isRate);
}

/**
 * The extrapolation step of {@link extrapolatedRate}, shared with the pushdown (which gets `n`,
 * the first and last sample and the reset-corrected change from per-bucket aggregates): `n ≥ 2`
 * samples from `firstT` to `lastT` (ms) in the window `(startMs, endMs]`, the first value `first`,
 * and `result` = last − first (+ the values before each counter reset, for counters).
 */
export function extrapolate(
  n: number,
  firstT: number,
  lastT: number,
  first: number,
  result: number,
  startMs: number,
  endMs: number,
  isCounter: boolean,
  isRate: boolean,
): number {
  let durationToStart = (firstT - startMs) / 1000;
  let durationToEnd = (endMs - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  if (durationToStart >= extrapolationThreshold) durationToStart = averageDurationBetweenSamples / 2;
  if (isCounter && result > 0 && first >= 0) {
    // A counter cannot have been below zero: do not extrapolate past the point where it was 0.
    const durationToZero = sampledInterval * (first / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= extrapolationThreshold) durationToEnd = averageDurationBetweenSamples / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= (endMs - startMs) / 1000;
  return result * factor;
}

/** `irate` / `idelta`: from the last two samples. */
function instantValue(w: Window, isRate: boolean): number | undefined {
  if (w.hi - w.lo < 2) return undefined;
  return lastTwo(w.timestampsMs[w.hi - 2]!, w.values[w.hi - 2]!, w.timestampsMs[w.hi - 1]!, w.values[w.hi - 1]!, isRate);
}

/** `irate` / `idelta` from the last two samples (times in ms); shared with the pushdown. */
export function lastTwo(prevT: number, prev: number, lastT: number, last: number, isRate: boolean): number | undefined {
  const dtMs = lastT - prevT;
  let result = isRate && last < prev ? last : last - prev;
  if (isRate) {
    if (dtMs === 0) return undefined;
    result /= dtMs / 1000;
  }
  return result;
}

/** Least-squares slope and intercept (at `interceptMs`), as Prometheus' `linearRegression`. */
export function linearRegression(w: Window, interceptMs: number): [number, number] {
  let n = 0;
  const sx = new KahanSum();
  const sy = new KahanSum();
  const sxy = new KahanSum();
  const sx2 = new KahanSum();
  const initY = w.values[w.lo]!;
  let constY = true;
  for (let i = w.lo; i < w.hi; i++) {
    const y = w.values[i]!;
    if (constY && i > w.lo && y !== w.values[i - 1]) constY = false;
    n++;
    const x = (w.timestampsMs[i]! - interceptMs) / 1000;
    sx.add(x);
    sy.add(y);
    sxy.add(x * y);
    sx2.add(x * x);
  }
  if (constY) {
    if (!Number.isFinite(initY)) return [Number.NaN, Number.NaN];
    return [0, initY];
  }
  const sumX = sx.sum + sx.c;
  const sumY = sy.sum + sy.c;
  const sumXY = sxy.sum + sxy.c;
  const sumX2 = sx2.sum + sx2.c;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  const intercept = sumY / n - (slope * sumX) / n;
  return [slope, intercept];
}

/** φ-quantile of values by linear interpolation between closest ranks (Prometheus `quantile`). */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  // Go's sort.Float64s puts NaN first; a plain `a - b` comparator would leave NaN anywhere.
  const sorted = [...values].sort((a, b) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : -1) : Number.isNaN(b) ? 1 : a - b));
  const n = sorted.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return sorted[lower]! * (1 - weight) + sorted[upper]! * weight;
}

function windowValues(w: Window): number[] {
  return Array.from(w.values.subarray(w.lo, w.hi));
}

function nonEmpty(w: Window): boolean {
  return w.hi > w.lo;
}

/** Mean with Kahan summation, switching to an incremental mean when the sum overflows. */
function mean(w: Window): number {
  const kahan = new KahanSum();
  let incremental = false;
  let avg = 0;
  let count = 0;
  for (let i = w.lo; i < w.hi; i++) {
    const v = w.values[i]!;
    count++;
    if (!incremental) {
      const before = kahan.sum + kahan.c;
      kahan.add(v);
      if (!Number.isFinite(kahan.sum) && Number.isFinite(v)) {
        incremental = true;
        avg = before / (count - 1);
      } else {
        continue;
      }
    }
    if (!Number.isFinite(avg)) {
      if (Number.isFinite(v)) continue;
      avg = v === avg ? avg : avg + v;
      continue;
    }
    avg += v / count - avg / count;
  }
  return incremental ? avg : kahan.value() / count;
}

function variance(w: Window): number {
  let count = 0;
  let avg = 0;
  let aux = 0;
  for (let i = w.lo; i < w.hi; i++) {
    const v = w.values[i]!;
    count++;
    const delta = v - avg;
    avg += delta / count;
    aux += delta * (v - avg);
  }
  return aux / count;
}

function checkSmoothingFactor(name: string, value: number): void {
  if (!(value > 0 && value < 1)) {
    throw new QueryError('execution', `invalid ${name} factor. Expected: 0 < ${name === 'smoothing' ? 'sf' : 'tf'} < 1, got: ${value}`);
  }
}

/**
 * Range-vector functions by name. Each takes one window of one series and returns the output value
 * or undefined (no output sample for that series at that step). Traits such as name dropping live
 * in the `FUNCTIONS` signature table.
 */
export const RANGE_FUNCTIONS: Readonly<Record<string, RangeFunction>> = {
  rate: (w) => extrapolatedRate(w, true, true),
  increase: (w) => extrapolatedRate(w, true, false),
  delta: (w) => extrapolatedRate(w, false, false),
  irate: (w) => instantValue(w, true),
  idelta: (w) => instantValue(w, false),
  deriv: (w) => (w.hi - w.lo < 2 ? undefined : linearRegression(w, w.timestampsMs[w.lo]!)[0]),
  predict_linear: (w) => {
    if (w.hi - w.lo < 2) return undefined;
    const [slope, intercept] = linearRegression(w, w.evalMs);
    return slope * w.params[0]! + intercept;
  },
  avg_over_time: (w) => (nonEmpty(w) ? mean(w) : undefined),
  sum_over_time: (w) => {
    if (!nonEmpty(w)) return undefined;
    const kahan = new KahanSum();
    for (let i = w.lo; i < w.hi; i++) kahan.add(w.values[i]!);
    return kahan.value();
  },
  count_over_time: (w) => (nonEmpty(w) ? w.hi - w.lo : undefined),
  min_over_time: (w) => {
    if (!nonEmpty(w)) return undefined;
    let min = w.values[w.lo]!;
    for (let i = w.lo; i < w.hi; i++) {
      const v = w.values[i]!;
      if (v < min || Number.isNaN(min)) min = v;
    }
    return min;
  },
  max_over_time: (w) => {
    if (!nonEmpty(w)) return undefined;
    let max = w.values[w.lo]!;
    for (let i = w.lo; i < w.hi; i++) {
      const v = w.values[i]!;
      if (v > max || Number.isNaN(max)) max = v;
    }
    return max;
  },
  stddev_over_time: (w) => (nonEmpty(w) ? Math.sqrt(variance(w)) : undefined),
  stdvar_over_time: (w) => (nonEmpty(w) ? variance(w) : undefined),
  quantile_over_time: (w) => (nonEmpty(w) ? quantile(w.params[0]!, windowValues(w)) : undefined),
  mad_over_time: (w) => {
    if (!nonEmpty(w)) return undefined;
    const values = windowValues(w);
    const median = quantile(0.5, values);
    return quantile(
      0.5,
      values.map((v) => Math.abs(v - median)),
    );
  },
  last_over_time: (w) => (nonEmpty(w) ? w.values[w.hi - 1] : undefined),
  first_over_time: (w) => (nonEmpty(w) ? w.values[w.lo] : undefined),
  ts_of_last_over_time: (w) => (nonEmpty(w) ? w.timestampsMs[w.hi - 1]! / 1000 : undefined),
  ts_of_first_over_time: (w) => (nonEmpty(w) ? w.timestampsMs[w.lo]! / 1000 : undefined),
  ts_of_max_over_time: (w) => {
    if (!nonEmpty(w)) return undefined;
    let best = w.lo;
    for (let i = w.lo; i < w.hi; i++) {
      const v = w.values[i]!;
      const b = w.values[best]!;
      if (v >= b || Number.isNaN(b)) best = i;
    }
    return w.timestampsMs[best]! / 1000;
  },
  ts_of_min_over_time: (w) => {
    if (!nonEmpty(w)) return undefined;
    let best = w.lo;
    for (let i = w.lo; i < w.hi; i++) {
      const v = w.values[i]!;
      const b = w.values[best]!;
      if (v <= b || Number.isNaN(b)) best = i;
    }
    return w.timestampsMs[best]! / 1000;
  },
  present_over_time: (w) => (nonEmpty(w) ? 1 : undefined),
  changes: (w) => {
    if (!nonEmpty(w)) return undefined;
    let changes = 0;
    let prev = w.values[w.lo]!;
    for (let i = w.lo + 1; i < w.hi; i++) {
      const v = w.values[i]!;
      if (v !== prev && !(Number.isNaN(v) && Number.isNaN(prev))) changes++;
      prev = v;
    }
    return changes;
  },
  resets: (w) => {
    if (!nonEmpty(w)) return undefined;
    let resets = 0;
    let prev = w.values[w.lo]!;
    for (let i = w.lo + 1; i < w.hi; i++) {
      const v = w.values[i]!;
      if (v < prev) resets++;
      prev = v;
    }
    return resets;
  },
  double_exponential_smoothing: (w) => {
    const [sf = Number.NaN, tf = Number.NaN] = w.params;
    checkSmoothingFactor('smoothing', sf);
    checkSmoothingFactor('trend', tf);
    const n = w.hi - w.lo;
    if (n < 2) return undefined;
    const v = (i: number): number => w.values[w.lo + i]!;
    let s0 = 0;
    let s1 = v(0);
    let b = v(1) - v(0);
    for (let i = 1; i < n; i++) {
      const x = sf * v(i);
      // The trend of step i-1: unchanged for the first step, then smoothed with factor tf.
      if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
      const y = (1 - sf) * (s1 + b);
      s0 = s1;
      s1 = x + y;
    }
    return s1;
  },
};
