/**
 * The Kubernetes HPA replica calculation (`desired = ceil(current × value / target)`, a tolerance
 * band, and a scale-down stabilisation window), used for KEDA-style metrics and by target tracking.
 */
import { clamp } from './adjustment.js';
import type { Recommendation } from './types.js';

/** Slack for float noise: 110 / 100 is 1.1 for the tolerance test, 10 × 1.2 is 12 for `ceil`. */
const EPS = 1e-9;

/** Inputs of {@link hpaRecommendation}. */
export interface HpaInput {
  currentReplicas: number;
  /** The metric now (per-replica average for utilisation/AverageValue targets). */
  currentValue: number;
  /** The target for that metric; > 0. */
  targetValue: number;
  /** No change while `|value/target − 1| ≤ tolerance`. @default 0.1 (the HPA's) */
  tolerance?: number;
  /** Earlier raw recommendations (as returned in `recommendation`); order does not matter. */
  history?: readonly Recommendation[];
  /** Scale-down uses the highest recommendation of this window. @default 300 (seconds) */
  stabilizationSeconds?: number;
  /** Now, epoch ms. */
  nowMs: number;
  min: number;
  max: number;
}

/** Outcome of {@link hpaRecommendation}. */
export interface HpaResult {
  /** Replicas to run: stabilised and clamped to `[min, max]`. */
  desired: number;
  /** The raw recommendation, to append to `history` as `{atMs: nowMs, desired: recommendation}`. */
  recommendation: number;
  /** True when the ratio was within tolerance. */
  withinTolerance: boolean;
  /** True when the stabilisation window held a scale-down back. */
  stabilized: boolean;
  reason: string;
}

/**
 * `ceil(current × value / target)` and the HPA's rules around it: no change within `tolerance`,
 * a scale-down never goes below the highest recommendation made within `stabilizationSeconds`
 * (entries strictly after `nowMs − window` count, as in the controller), then `[min, max]`.
 * Scale-up has no window (the HPA default). A non-finite value recommends no change.
 * With 0 current replicas the ratio is meaningless; the recommendation stays 0 (then clamped).
 *
 * @example
 * hpaRecommendation({ currentReplicas: 4, currentValue: 90, targetValue: 60, nowMs: 0, min: 1, max: 10 }).desired; // 6
 */
export function hpaRecommendation(input: HpaInput): HpaResult {
  const { currentReplicas: current, currentValue, targetValue, nowMs, min, max } = input;
  const tolerance = input.tolerance ?? 0.1;
  const windowMs = (input.stabilizationSeconds ?? 300) * 1000;
  let recommendation = current;
  let withinTolerance = false;
  let why: string;
  if (!Number.isFinite(currentValue) || !(targetValue > 0)) {
    why = `no usable metric value (${currentValue}); keeping ${current}`;
  } else {
    const ratio = currentValue / targetValue;
    if (Math.abs(ratio - 1) <= tolerance + EPS) {
      withinTolerance = true;
      why = `ratio ${fmt(ratio)} within tolerance ${tolerance}`;
    } else {
      recommendation = Math.ceil(current * ratio - EPS);
      why = `ceil(${current} × ${fmt(currentValue)} / ${fmt(targetValue)}) = ${recommendation}`;
    }
  }
  const stable = stabilizedRecommendation(current, recommendation, input.history ?? [], windowMs, nowMs);
  const desired = clamp(stable, min, max);
  let reason = why;
  const stabilized = stable !== recommendation;
  if (stabilized) reason += `; held at ${stable} by the highest recommendation of the last ${windowMs / 1000} s`;
  if (desired !== stable) reason += `; clamped to ${desired} by [${min}, ${max}]`;
  return { desired, recommendation, withinTolerance, stabilized, reason };
}

/**
 * The HPA's scale-down stabilisation: a recommendation below `current` is raised to the highest
 * recommendation made within the window (entries with `atMs > nowMs − windowMs`), but never above
 * `current`; a recommendation at or above `current` passes unchanged.
 *
 * @example
 * stabilizedRecommendation(10, 4, [{ atMs: 0, desired: 8 }], 300_000, 60_000); // 8
 */
export function stabilizedRecommendation(current: number, recommendation: number, history: readonly Recommendation[], windowMs: number, nowMs: number): number {
  if (recommendation >= current) return recommendation;
  let highest = recommendation;
  for (const r of history) if (r.atMs > nowMs - windowMs && r.atMs <= nowMs && r.desired > highest) highest = r.desired;
  return Math.min(current, highest);
}

const fmt = (n: number) => String(Math.round(n * 1000) / 1000);
