/**
 * The decisions of the dynamic policies (simple, step, target tracking) and how several policies on
 * one group combine. Pure: every input, including the clock (`nowMs`), is an argument.
 */
import { applyAdjustment, assertNever, clamp, stepAdjustmentFor } from './adjustment.js';
import { stabilizedRecommendation } from './hpa.js';
import type { SimpleScalingPolicy, StepScalingPolicy, TargetTrackingPolicy } from './policy.js';
import type { GroupCapacity, InFlightScaleOut, Recommendation, ScalingAlarmState, ScalingDecision } from './types.js';

/** Slack for float noise in ratios and `ceil`. */
const EPS = 1e-9;

/** The group's last scaling activity, for cooldowns. */
export interface LastActivity {
  /** When it started, epoch ms. */
  atMs: number;
  /** The policy that caused it ('' for manual or scheduled changes). */
  policy: string;
}

/** Inputs of {@link simplePolicyDecision}. */
export interface SimpleDecisionInput {
  policy: SimpleScalingPolicy;
  group: GroupCapacity;
  /** The state of `policy.alarm` now. */
  alarmState: ScalingAlarmState;
  nowMs: number;
  /** The group's last scaling activity, whichever policy caused it; none yet when absent. */
  lastActivity?: LastActivity | null;
}

/**
 * AWS simple scaling: while the policy's alarm is in ALARM, apply the adjustment, unless the
 * group's last scaling activity is younger than the policy's cooldown. An alarm that stays in ALARM
 * therefore re-applies the adjustment once per cooldown. OK and INSUFFICIENT_DATA never scale.
 *
 * @example
 * simplePolicyDecision({ policy, group: { desired: 2, min: 1, max: 10 }, alarmState: 'ALARM', nowMs: 0 });
 * // → { action: 'scale', from: 2, to: 4, ... } for scalingAdjustment 2
 */
export function simplePolicyDecision(input: SimpleDecisionInput): ScalingDecision {
  const { policy: p, group: g, alarmState, nowMs, lastActivity } = input;
  const idle = notTriggered(p.name, p.enabled, p.alarm, alarmState, g);
  if (idle !== undefined) return idle;
  if (lastActivity != null && nowMs - lastActivity.atMs < p.cooldownSeconds * 1000) {
    const left = Math.ceil((p.cooldownSeconds * 1000 - (nowMs - lastActivity.atMs)) / 1000);
    const by = lastActivity.policy ? ` by policy ${lastActivity.policy}` : '';
    return none(p.name, g, `alarm ${p.alarm} in ALARM, but the group scaled${by} ${Math.round((nowMs - lastActivity.atMs) / 1000)} s ago; cooldown ${p.cooldownSeconds} s (${left} s left)`, 'cooldown');
  }
  const target = applyAdjustment(g.desired, p.adjustmentType, p.scalingAdjustment, p.minAdjustmentMagnitude ?? undefined);
  return outcome(p.name, g, target, `alarm ${p.alarm} in ALARM: ${describeAdjustment(p.adjustmentType, p.scalingAdjustment)}`);
}

/** Inputs of {@link stepPolicyDecision}. */
export interface StepDecisionInput {
  policy: StepScalingPolicy;
  group: GroupCapacity;
  alarmState: ScalingAlarmState;
  /** The alarm's metric value that decided the state. */
  metricValue: number;
  /** The alarm's threshold, which step bounds are relative to. */
  threshold: number;
  nowMs: number;
  /** Recent scale-outs of the group; those younger than the warm-up count as in flight. */
  inFlight?: readonly InFlightScaleOut[];
}

/**
 * AWS step scaling: while the alarm is in ALARM, pick the step for `metricValue − threshold` and
 * apply it, with no cooldown, every time it is evaluated. Warm-up keeps this from over-scaling:
 * 1. Instances still warming up are not current capacity, so the step is applied to
 *    `desired − warming`; a scale-out then only adds what goes beyond the instances in flight (10
 *    running + 1 warming, +30 % → 13: 2 more, not 3).
 * 2. A scale-in waits until no instance is warming up (AWS blocks dynamic scale-in meanwhile).
 *
 * @example
 * stepPolicyDecision({ policy, group: { desired: 10, min: 1, max: 20 }, alarmState: 'ALARM', metricValue: 65, threshold: 50, nowMs: 0 });
 * // with the AWS example steps (+10 % for [10, 20)) → { action: 'scale', from: 10, to: 11 }
 */
export function stepPolicyDecision(input: StepDecisionInput): ScalingDecision {
  const { policy: p, group: g, alarmState, metricValue, threshold, nowMs } = input;
  const idle = notTriggered(p.name, p.enabled, p.alarm, alarmState, g);
  if (idle !== undefined) return idle;
  if (!Number.isFinite(metricValue) || !Number.isFinite(threshold)) {
    return none(p.name, g, `alarm ${p.alarm} in ALARM without a metric value and threshold to pick a step; not scaling`, 'insufficient_data');
  }
  const step = stepAdjustmentFor(p.stepAdjustments, metricValue, threshold);
  const where = `alarm ${p.alarm} in ALARM at ${fmt(metricValue)} (threshold ${fmt(threshold)})`;
  if (step === undefined) return none(p.name, g, `${where}: no step adjustment covers ${fmt(metricValue - threshold)}`, 'no_change');
  const warming = warmingCapacity(input.inFlight ?? [], p.estimatedInstanceWarmupSeconds, nowMs);
  const current = Math.max(0, g.desired - warming);
  const target = applyAdjustment(current, p.adjustmentType, step.scalingAdjustment, p.minAdjustmentMagnitude ?? undefined);
  const why = `${where}: ${describeAdjustment(p.adjustmentType, step.scalingAdjustment)}${warming > 0 ? ` of ${current} in service (${warming} warming up)` : ''}`;
  const out = p.adjustmentType === 'ExactCapacity' ? target > g.desired : step.scalingAdjustment > 0;
  const into = p.adjustmentType === 'ExactCapacity' ? target < g.desired : step.scalingAdjustment < 0;
  if (out) {
    if (target > g.desired) return outcome(p.name, g, target, why);
    return none(p.name, g, `${why} = ${target}; the ${warming} instances in flight already cover it`, 'warmup');
  }
  if (into) {
    if (warming > 0) return none(p.name, g, `${why}; scale-in waits until ${warming} warming instances are in service`, 'warmup');
    return outcome(p.name, g, target, why);
  }
  return none(p.name, g, `${why}: no change`, 'no_change');
}

/**
 * Instances added by scale-outs younger than `warmupSeconds` at `nowMs`.
 *
 * @example
 * warmingCapacity([{ atMs: 0, count: 2 }, { atMs: 400_000, count: 1 }], 300, 500_000); // 1
 */
export function warmingCapacity(inFlight: readonly InFlightScaleOut[], warmupSeconds: number, nowMs: number): number {
  let n = 0;
  for (const f of inFlight) if (f.count > 0 && f.atMs <= nowMs && nowMs - f.atMs < warmupSeconds * 1000) n += f.count;
  return n;
}

/** Inputs of {@link targetTrackingDesired}. */
export interface TargetTrackingDesiredInput {
  /** Capacity in service (not warming up). */
  current: number;
  /** The metric now, per unit of capacity. */
  metricValue: number;
  target: number;
  /** Relative band around the target with no change. @default 0 */
  tolerance?: number;
}

/**
 * The capacity that brings a per-unit metric to its target: `ceil(current × metric / target)`,
 * `current` while `|metric/target − 1| ≤ tolerance`. A group at 0 has no per-unit metric to scale
 * by; any positive load then asks for 1 (KEDA's activation from zero).
 *
 * @example
 * targetTrackingDesired({ current: 4, metricValue: 75, target: 50 }); // 6
 */
export function targetTrackingDesired(input: TargetTrackingDesiredInput): number {
  const { current, metricValue, target } = input;
  const tolerance = input.tolerance ?? 0;
  const ratio = metricValue / target;
  if (!Number.isFinite(ratio) || Math.abs(ratio - 1) <= tolerance + EPS) return current;
  if (current === 0) return metricValue > 0 ? 1 : 0;
  return Math.ceil(current * ratio - EPS);
}

/** Inputs of {@link targetTrackingDecision}. */
export interface TargetTrackingInput {
  policy: TargetTrackingPolicy;
  group: GroupCapacity;
  /** The policy's query now; null, undefined or NaN means no data. */
  metricValue: number | null | undefined;
  nowMs: number;
  inFlight?: readonly InFlightScaleOut[];
  /** This policy's earlier recommendations (its `recommendation` outputs), for stabilisation. */
  history?: readonly Recommendation[];
  /** When the group last scaled in, epoch ms, for the scale-in cooldown. */
  lastScaleInAtMs?: number | null;
}

/** A target-tracking decision, with what the caller stores and shows. */
export interface TargetTrackingDecision extends ScalingDecision {
  /** This round's recommendation (clamped); store `{atMs: nowMs, desired: recommendation}` in history. */
  recommendation: number;
  /** The metric value above which the policy scales out (the alarm AWS would create). */
  alarmHighThreshold: number;
  /** Below this the policy considers scaling in (AWS's low alarm sits at 90 % of the target); null with `disableScaleIn`. */
  alarmLowThreshold: number | null;
}

/**
 * AWS target tracking, with the HPA's stabilisation for scale-in:
 * 1. The metric is per unit of capacity in service, so the recommendation is
 *    `ceil((desired − warming) × metric / target)`; a scale-out happens as soon as it exceeds the
 *    desired capacity: fast and proportional, and never double-counting capacity in flight.
 *    Capacity added within `max(estimatedInstanceWarmupSeconds, scaleOutCooldownSeconds)` is in flight.
 * 2. A scale-in needs: `disableScaleIn` off, no instance warming up, the group's last scale-in
 *    older than `scaleInCooldownSeconds`, and it goes no lower than the highest recommendation of
 *    the last `scaleInStabilizationSeconds`: gradual, and no flapping on a noisy metric.
 * 3. No data never scales.
 *
 * @example
 * targetTrackingDecision({ policy, group: { desired: 4, min: 1, max: 20 }, metricValue: 75, nowMs: 0 });
 * // target 50 → { action: 'scale', from: 4, to: 6, recommendation: 6, alarmHighThreshold: 50, alarmLowThreshold: 45 }
 */
export function targetTrackingDecision(input: TargetTrackingInput): TargetTrackingDecision {
  const { policy: p, group: g, metricValue, nowMs } = input;
  const info = {
    recommendation: g.desired,
    alarmHighThreshold: p.targetValue * (1 + p.tolerance),
    alarmLowThreshold: p.disableScaleIn ? null : p.targetValue * (1 - Math.max(p.tolerance, 0.1)),
  };
  if (!p.enabled) return { ...none(p.name, g, 'policy is disabled', 'disabled'), abstain: true, ...info };
  if (metricValue == null || !Number.isFinite(metricValue)) {
    return { ...none(p.name, g, `no data for ${p.query}; not scaling`, 'insufficient_data'), ...info };
  }
  const warming = warmingCapacity(input.inFlight ?? [], Math.max(p.estimatedInstanceWarmupSeconds, p.scaleOutCooldownSeconds), nowMs);
  const serving = Math.max(0, g.desired - warming);
  const ratio = metricValue / p.targetValue;
  const within = Math.abs(ratio - 1) <= p.tolerance + EPS;
  const raw = within ? g.desired : targetTrackingDesired({ current: serving, metricValue, target: p.targetValue, tolerance: p.tolerance });
  const recommendation = clamp(raw, g.min, g.max);
  const metricText = `${fmt(metricValue)} vs target ${fmt(p.targetValue)}`;
  const why = within
    ? `${metricText} is within tolerance ${p.tolerance}`
    : `${metricText}: ceil(${serving}${warming > 0 ? ` in service (${warming} warming up)` : ''} × ${fmt(ratio)}) = ${raw}`;
  const base = { ...info, recommendation };
  if (raw > g.desired) return { ...outcome(p.name, g, raw, why), ...base };
  if (raw === g.desired) {
    const covered = !within && warming > 0 && raw > serving;
    const text = covered ? `${why}; the ${warming} instances in flight already cover it` : why;
    return { ...none(p.name, g, text, covered ? 'warmup' : 'no_change'), ...base, ...(p.disableScaleIn ? { abstain: true } : {}) };
  }
  if (p.disableScaleIn) return { ...none(p.name, g, `${why}; scale-in is disabled`, 'scale_in_disabled'), abstain: true, ...base };
  if (g.desired <= g.min) return { ...none(p.name, g, `${why}; the group is at its min ${g.min}`, 'bounds'), ...base };
  if (warming > 0) return { ...none(p.name, g, `${why}; scale-in waits until ${warming} warming instances are in service`, 'warmup'), ...base };
  const lastIn = input.lastScaleInAtMs;
  if (lastIn != null && nowMs - lastIn < p.scaleInCooldownSeconds * 1000) {
    return { ...none(p.name, g, `${why}; last scale-in ${Math.round((nowMs - lastIn) / 1000)} s ago, cooldown ${p.scaleInCooldownSeconds} s`, 'cooldown'), ...base };
  }
  const windowMs = p.scaleInStabilizationSeconds * 1000;
  const stable = stabilizedRecommendation(g.desired, recommendation, input.history ?? [], windowMs, nowMs);
  if (stable >= g.desired) {
    return { ...none(p.name, g, `${why}; held at ${g.desired} by a higher recommendation within ${p.scaleInStabilizationSeconds} s`, 'stabilization'), ...base };
  }
  const held = stable !== recommendation ? ` (held at ${stable} by the highest recommendation within ${p.scaleInStabilizationSeconds} s)` : '';
  return { ...outcome(p.name, g, stable, why + held), ...base };
}

/**
 * Several policies on one group (AWS's rule for multiple policies): scale out if any policy scales
 * out, to the largest capacity asked; scale in only if every policy that has a say scales in, to
 * the largest (least reduced) capacity; otherwise nothing. Decisions marked `abstain` have no say
 * (a simple or step policy whose alarm is not firing, a disabled policy, target tracking with
 * `disableScaleIn`). A suppressed decision that has a say (in cooldown, warming up) blocks scale-in.
 *
 * @example
 * combineDecisions([out(2 → 4), out(2 → 3)]); // the 2 → 4 decision
 * combineDecisions([in(4 → 3), none(4)]);     // none: not all agree to scale in
 */
export function combineDecisions(decisions: readonly ScalingDecision[]): ScalingDecision {
  const from = decisions[0]?.from ?? 0;
  const voting = decisions.filter((d) => d.abstain !== true);
  const byLargest = (a: ScalingDecision, b: ScalingDecision) => (b.to > a.to ? b : a);
  const outs = voting.filter((d) => d.action === 'scale' && d.to > d.from);
  if (outs.length > 0) return outs.reduce(byLargest);
  const ins = voting.filter((d) => d.action === 'scale' && d.to < d.from);
  if (ins.length > 0 && ins.length === voting.length) return ins.reduce(byLargest);
  if (voting.length === 1) return voting[0]!;
  if (voting.length === 0) {
    return { policy: '', action: 'none', from, to: from, reason: decisions.length === 0 ? 'no policies' : 'no policy is triggered', abstain: true };
  }
  const holdouts = voting.filter((d) => !(d.action === 'scale' && d.to < d.from));
  const reason =
    ins.length > 0
      ? `scale-in by ${ins.map((d) => d.policy).join(', ')} held: not all policies agree (${holdouts.map((d) => `${d.policy}: ${d.reason}`).join('; ')})`
      : voting.map((d) => `${d.policy}: ${d.reason}`).join('; ');
  return { policy: '', action: 'none', from, to: from, reason };
}

/** The decision for a disabled policy or an alarm that is not in ALARM; undefined when triggered. */
function notTriggered(name: string, enabled: boolean, alarm: string, state: ScalingAlarmState, g: GroupCapacity): ScalingDecision | undefined {
  if (!enabled) return { ...none(name, g, 'policy is disabled', 'disabled'), abstain: true };
  if (state === 'INSUFFICIENT_DATA') return { ...none(name, g, `alarm ${alarm} has insufficient data; not scaling`, 'insufficient_data'), abstain: true };
  if (state === 'OK') return { ...none(name, g, `alarm ${alarm} is OK`), abstain: true };
  return undefined;
}

/** A decision to go to `target` (clamped), or why not. */
function outcome(policy: string, g: GroupCapacity, target: number, why: string): ScalingDecision {
  const to = clamp(target, g.min, g.max);
  if (to !== g.desired) {
    const clamped = to !== target ? ` (${target} clamped to [${g.min}, ${g.max}])` : '';
    return { policy, action: 'scale', from: g.desired, to, reason: `${why}: ${g.desired} → ${to}${clamped}` };
  }
  if (target !== g.desired) return none(policy, g, `${why}: wants ${target}, but the group is at its ${target > g.desired ? 'max' : 'min'} ${to}`, 'bounds');
  return none(policy, g, `${why}: already at ${to}`, 'no_change');
}

function none(policy: string, g: GroupCapacity, reason: string, suppressedBy?: ScalingDecision['suppressedBy']): ScalingDecision {
  return { policy, action: 'none', from: g.desired, to: g.desired, reason, ...(suppressedBy ? { suppressedBy } : {}) };
}

function describeAdjustment(type: SimpleScalingPolicy['adjustmentType'], n: number): string {
  switch (type) {
    case 'ChangeInCapacity':
      return `${n >= 0 ? '+' : ''}${n}`;
    case 'ExactCapacity':
      return `set to ${n}`;
    case 'PercentChangeInCapacity':
      return `${n >= 0 ? '+' : ''}${n} %`;
    default:
      return assertNever(type);
  }
}

const fmt = (n: number) => String(Math.round(n * 1000) / 1000);
