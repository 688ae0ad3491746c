/**
 * Capacity arithmetic shared by the simple and step policies: AWS adjustment types with their
 * rounding, clamping, and picking the step adjustment for a metric value.
 */
import type { AdjustmentType } from './types.js';

/**
 * One step of a step policy. Bounds are relative to the alarm threshold (`metric − threshold`);
 * `null` is unbounded (−∞ for `lowerBound`, +∞ for `upperBound`).
 */
export interface StepAdjustment {
  lowerBound: number | null;
  upperBound: number | null;
  scalingAdjustment: number;
}

/** Floating-point slack so that 10 × 30 / 100 rounds as the 3 it is meant to be. */
const EPS = 1e-9;

/**
 * `n` limited to `[min, max]`.
 *
 * @example
 * clamp(12, 1, 10); // 10
 */
export function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

/**
 * The capacity a policy asks for, before clamping to the group's bounds.
 *
 * `PercentChangeInCapacity` follows AWS: the change `current × adjustment / 100` is rounded toward
 * zero when its magnitude is above 1 (12.7 → 12, −6.67 → −6) and away from zero when it is below 1
 * (0.67 → 1, −0.58 → −1); then a non-zero change smaller than `minMagnitude` is raised to it.
 * `minMagnitude` only applies to percentages (AWS rejects it elsewhere).
 *
 * @example
 * applyAdjustment(10, 'PercentChangeInCapacity', 25);    // 12   (+2.5 → +2)
 * applyAdjustment(4, 'PercentChangeInCapacity', 25, 2);  // 6    (+1 raised to +2)
 * applyAdjustment(3, 'ChangeInCapacity', -1);            // 2
 * applyAdjustment(3, 'ExactCapacity', 7);                // 7
 */
export function applyAdjustment(current: number, type: AdjustmentType, adjustment: number, minMagnitude?: number): number {
  switch (type) {
    case 'ChangeInCapacity':
      return current + adjustment;
    case 'ExactCapacity':
      return adjustment;
    case 'PercentChangeInCapacity': {
      const raw = (current * adjustment) / 100;
      let change: number;
      if (raw === 0) change = 0;
      else if (raw > 0) change = raw < 1 ? 1 : Math.floor(raw + EPS);
      else change = raw > -1 ? -1 : Math.ceil(raw - EPS);
      if (minMagnitude !== undefined && change !== 0 && Math.abs(change) < minMagnitude) change = Math.sign(change) * minMagnitude;
      return current + change;
    }
    default:
      return assertNever(type);
  }
}

/**
 * The step whose band holds `metricValue − threshold`, or undefined when none does.
 *
 * AWS boundary rules: above the threshold a band includes its lower bound and excludes its upper
 * bound; below it, the lower bound is excluded and the upper included. A metric exactly at the
 * threshold tries the "above" reading first, then the "below" one, so `[0, 10)` and `(−10, 0]`
 * both catch it.
 *
 * @example
 * const steps = [
 *   { lowerBound: 0, upperBound: 10, scalingAdjustment: 0 },
 *   { lowerBound: 10, upperBound: 20, scalingAdjustment: 10 },
 *   { lowerBound: 20, upperBound: null, scalingAdjustment: 30 },
 * ];
 * stepAdjustmentFor(steps, 65, 50)?.scalingAdjustment; // 10
 */
export function stepAdjustmentFor(steps: readonly StepAdjustment[], metricValue: number, threshold: number): StepAdjustment | undefined {
  if (!Number.isFinite(metricValue) || !Number.isFinite(threshold)) return undefined;
  const d = metricValue - threshold;
  const above = (s: StepAdjustment) => (s.lowerBound === null || s.lowerBound <= d) && (s.upperBound === null || d < s.upperBound);
  const below = (s: StepAdjustment) => (s.lowerBound === null || s.lowerBound < d) && (s.upperBound === null || d <= s.upperBound);
  if (d > 0) return steps.find(above);
  if (d < 0) return steps.find(below);
  return steps.find(above) ?? steps.find(below);
}

/**
 * Every way `steps` break AWS's rules, as sentences (empty when valid): bands may not overlap or
 * leave gaps; at most one step is unbounded below and one above, never both in one step; a negative
 * lower bound needs a step unbounded below, a positive upper bound a step unbounded above.
 */
export function stepAdjustmentProblems(steps: readonly StepAdjustment[]): string[] {
  const problems: string[] = [];
  if (steps.length === 0) return ['stepAdjustments must have at least one step'];
  steps.forEach((s, i) => {
    if (s.lowerBound === null && s.upperBound === null) problems.push(`stepAdjustments[${i}] must have a lowerBound or an upperBound`);
    if (s.lowerBound !== null && s.upperBound !== null && s.lowerBound >= s.upperBound) problems.push(`stepAdjustments[${i}]: lowerBound must be below upperBound`);
  });
  const nullLower = steps.filter((s) => s.lowerBound === null).length;
  const nullUpper = steps.filter((s) => s.upperBound === null).length;
  if (nullLower > 1) problems.push('stepAdjustments: only one step may omit lowerBound');
  if (nullUpper > 1) problems.push('stepAdjustments: only one step may omit upperBound');
  if (nullLower === 0 && steps.some((s) => s.lowerBound !== null && s.lowerBound < 0)) {
    problems.push('stepAdjustments: a negative lowerBound needs a step without lowerBound below it');
  }
  if (nullUpper === 0 && steps.some((s) => s.upperBound !== null && s.upperBound > 0)) {
    problems.push('stepAdjustments: a positive upperBound needs a step without upperBound above it');
  }
  if (problems.length > 0) return problems;
  const sorted = [...steps].sort((a, b) => (a.lowerBound ?? -Infinity) - (b.lowerBound ?? -Infinity));
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (prev.upperBound === null || cur.lowerBound === null || prev.upperBound > cur.lowerBound) {
      problems.push(`stepAdjustments: the bands ending at ${prev.upperBound ?? '+∞'} and starting at ${cur.lowerBound ?? '−∞'} overlap`);
    } else if (prev.upperBound < cur.lowerBound) {
      problems.push(`stepAdjustments: gap between ${prev.upperBound} and ${cur.lowerBound}`);
    }
  }
  return problems;
}

/** Marks the end of an exhaustive switch. */
export function assertNever(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}
