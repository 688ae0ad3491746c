/** One classic histogram bucket: its upper bound (`le`) and cumulative count. */
export interface Bucket {
  upperBound: number;
  count: number;
}

/** Relative tolerance under which two bucket counts count as equal (float noise). */
const SMALL_DELTA_TOLERANCE = 1e-12;
const MIN_NORMAL = 2.2250738585072014e-308;

function almostEqual(a: number, b: number, epsilon: number): boolean {
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

/** Sorts by bound and merges buckets with equal bounds by adding their counts. */
function sortAndCoalesce(input: Bucket[]): Bucket[] {
  const sorted = [...input].sort((a, b) => a.upperBound - b.upperBound);
  const merged: Bucket[] = [];
  for (const b of sorted) {
    const last = merged.at(-1);
    if (last && last.upperBound === b.upperBound) last.count += b.count;
    else merged.push({ ...b });
  }
  return merged;
}

/**
 * Makes counts non-decreasing, as Prometheus does before interpolating: differences within float
 * noise are absorbed silently; real decreases are raised to the last accepted count and reported
 * (`forcedMonotonic`), so that the caller can add an info annotation.
 */
function ensureMonotonic(buckets: Bucket[]): boolean {
  let forced = false;
  let prev = buckets[0]?.count ?? 0;
  for (let i = 1; i < buckets.length; i++) {
    const b = buckets[i]!;
    if (b.count === prev) continue;
    if (almostEqual(prev, b.count, SMALL_DELTA_TOLERANCE)) {
      b.count = prev;
      continue;
    }
    if (b.count < prev) {
      b.count = prev;
      forced = true;
      continue;
    }
    prev = b.count;
  }
  return forced;
}

/**
 * The φ-quantile of a classic histogram (`histogram_quantile`): linear interpolation inside the
 * bucket holding the rank; NaN without a `+Inf` bucket, with fewer than two buckets or no
 * observations; the upper bound of the second-highest bucket when the rank falls into `+Inf`.
 * `forcedMonotonic` tells whether decreasing counts had to be fixed.
 */
export function bucketQuantile(q: number, input: Bucket[]): { value: number; forcedMonotonic: boolean } {
  const nan = { value: Number.NaN, forcedMonotonic: false };
  if (Number.isNaN(q)) return nan;
  if (q < 0) return { value: Number.NEGATIVE_INFINITY, forcedMonotonic: false };
  if (q > 1) return { value: Number.POSITIVE_INFINITY, forcedMonotonic: false };
  const buckets = sortAndCoalesce(input);
  const last = buckets.at(-1);
  if (!last || last.upperBound !== Number.POSITIVE_INFINITY) return nan;
  if (buckets.length < 2) return nan;
  const forcedMonotonic = ensureMonotonic(buckets);
  const observations = buckets.at(-1)!.count;
  if (observations === 0 || Number.isNaN(observations)) return { value: Number.NaN, forcedMonotonic };
  let rank = q * observations;
  let b = buckets.findIndex((bucket) => bucket.count >= rank);
  if (b < 0) b = buckets.length - 1;
  if (b === buckets.length - 1) return { value: buckets[buckets.length - 2]!.upperBound, forcedMonotonic };
  if (b === 0 && buckets[0]!.upperBound <= 0) return { value: buckets[0]!.upperBound, forcedMonotonic };
  let bucketStart = 0;
  const bucketEnd = buckets[b]!.upperBound;
  let count = buckets[b]!.count;
  if (b > 0) {
    bucketStart = buckets[b - 1]!.upperBound;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  return { value: bucketStart + (bucketEnd - bucketStart) * (rank / count), forcedMonotonic };
}

/**
 * The estimated fraction of observations between `lower` and `upper` in a classic histogram
 * (`histogram_fraction`), interpolating linearly inside buckets. The first bucket starts at 0
 * when its upper bound is positive and at -Inf otherwise (then it counts whole). NaN without a
 * `+Inf` bucket, without observations, or with a NaN bound; 0 when `lower >= upper`.
 */
export function bucketFraction(lower: number, upper: number, input: Bucket[]): number {
  if (input.length === 0) return Number.NaN;
  const buckets = sortAndCoalesce(input);
  if (buckets.at(-1)!.upperBound !== Number.POSITIVE_INFINITY) return Number.NaN;
  const count = buckets.at(-1)!.count;
  if (count === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return Number.NaN;
  if (lower >= upper) return 0;
  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  let lowerBound = buckets[0]!.upperBound <= 0 ? Number.NEGATIVE_INFINITY : 0;
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i]!;
    if (i > 0) lowerBound = buckets[i - 1]!.upperBound;
    const upperBound = b.upperBound;
    const interpolate = (v: number): number =>
      lowerBound === Number.NEGATIVE_INFINITY ? b.count : rank + ((b.count - rank) * (v - lowerBound)) / (upperBound - lowerBound);
    if (!lowerSet && lowerBound >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && lowerBound >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && lowerBound < lower && upperBound > lower) {
      lowerRank = interpolate(lower);
      lowerSet = true;
    }
    if (!upperSet && lowerBound < upper && upperBound > upper) {
      upperRank = interpolate(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank = b.count;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return (upperRank - lowerRank) / count;
}
