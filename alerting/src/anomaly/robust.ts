/**
 * Order statistics for the anomaly model: selection in linear expected time on scratch buffers the
 * caller owns, so that fitting allocates nothing per bin and never sorts a whole series.
 */

/** The consistency factor that turns a median absolute deviation into a Gaussian σ. */
export const MAD_TO_SIGMA = 1.482_602_218_505_602;

/**
 * The `q`-quantile (0 ≤ q ≤ 1, linear interpolation between order statistics, as R's type 7) of
 * `values[0..count)`. Reorders that prefix of `values` in place; NaN when `count` is 0. The values
 * must be finite.
 *
 * @example
 * quantileInPlace(Float64Array.of(3, 1, 2), 3, 0.5); // 2
 */
export function quantileInPlace(values: Float64Array, count: number, q: number): number {
  if (count <= 0) return Number.NaN;
  const position = (count - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(position);
  const low = select(values, 0, count - 1, lo);
  if (position === lo) return low;
  // After selecting rank lo, every element above index lo is at least `low`; the next order
  // statistic is their minimum.
  let high = Number.POSITIVE_INFINITY;
  for (let i = lo + 1; i < count; i++) if (values[i]! < high) high = values[i]!;
  return low + (high - low) * (position - lo);
}

/** The median of `values[0..count)`; reorders that prefix in place. */
export function medianInPlace(values: Float64Array, count: number): number {
  return quantileInPlace(values, count, 0.5);
}

/**
 * Hoare's selection (median-of-three pivot): afterwards `values[k]` holds the element of rank `k`
 * within `[left, right]`, smaller ones before it and larger ones after it.
 */
function select(values: Float64Array, left: number, right: number, k: number): number {
  while (right > left) {
    const mid = (left + right) >>> 1;
    // Median of three keeps sorted and reverse-sorted input (common in series) linear.
    if (values[mid]! < values[left]!) swap(values, mid, left);
    if (values[right]! < values[left]!) swap(values, right, left);
    if (values[right]! < values[mid]!) swap(values, right, mid);
    const pivot = values[mid]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        swap(values, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return values[k]!;
  }
  return values[k]!;
}

function swap(values: Float64Array, a: number, b: number): void {
  const t = values[a]!;
  values[a] = values[b]!;
  values[b] = t;
}

/**
 * Tukey's bisquare weight of a standardised residual `u` = residual / (c · σ): (1 − u²)² inside
 * |u| < 1, 0 outside. Points far from the fit get no say at all, which is what keeps incidents in
 * the training data out of the seasonal profile.
 */
export function bisquare(u: number): number {
  if (!(Math.abs(u) < 1)) return 0;
  const v = 1 - u * u;
  return v * v;
}
