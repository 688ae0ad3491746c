/**
 * The band an anomaly alarm compares values with, and the comparison. The band's four numbers are
 * what the evaluator writes as ordinary series (`vigil_anomaly_expected`, `_lower`, `_upper`,
 * `_score`), so dashboards, threshold alarms and scaling policies read the model through the same
 * query path as any other series.
 */
import { type AnomalyModel, predictAnomaly } from './model.js';

/** The band at one time: expected value ± k σ, and how many σ a value is from the expected one. */
export interface AnomalyBand {
  expected: number;
  /** expected − k σ. */
  lower: number;
  /** expected + k σ. */
  upper: number;
  /** (value − expected) / σ, signed: positive above the expected value. NaN for a NaN value. */
  score: number;
}

/** Which side of the band breaches: `above` the upper edge, `below` the lower one, or `outside` either. */
export type BandDirection = 'above' | 'below' | 'outside';

/**
 * The band of half-width `k` standard deviations around what `model` expects at `tMs` (epoch ms),
 * and the score of `value` there. Pure; `k` is the alarm's `bandWidth`.
 *
 * @example
 * const band = anomalyBand(model, nowMs, 1520, 3);
 * // { expected: 1200, lower: 1080, upper: 1320, score: 8 }
 */
export function anomalyBand(model: AnomalyModel, tMs: number, value: number, k: number): AnomalyBand {
  const { expected, stddev } = predictAnomaly(model, tMs);
  const half = k * stddev;
  return { expected, lower: expected - half, upper: expected + half, score: (value - expected) / stddev };
}

/**
 * Tells whether `value` breaches `band` on the given side; the edges themselves are inside. A NaN
 * value (or band) never breaches; ±Infinity breaches on its side.
 *
 * @example
 * isOutside(band, 1520, 'above'); // true
 * isOutside(band, 1520, 'below'); // false
 */
export function isOutside(band: AnomalyBand, value: number, direction: BandDirection): boolean {
  switch (direction) {
    case 'above':
      return value > band.upper;
    case 'below':
      return value < band.lower;
    case 'outside':
      return value > band.upper || value < band.lower;
    default:
      return assertNever(direction);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected band direction ${String(value)}`);
}
