/**
 * Scaling policies as users define them (`/api/v1/scaling/policies/:name`): AWS's simple, step and
 * target-tracking policies, plus scheduled actions. Parsing applies every default in one place.
 */
import { AlertingError } from '../errors.js';
import { type StepAdjustment, assertNever, stepAdjustmentProblems } from './adjustment.js';
import { parseCron, isValidTimeZone } from './cron.js';
import { MAX_GROUP_CAPACITY } from './group.js';
import { NAME_RE, bool, finite, intIn, isObject, nameOf, nonEmpty, rejectUnknown, seconds } from './parse-util.js';
import { ADJUSTMENT_TYPES, type AdjustmentType } from './types.js';

/** AWS's default cooldown and warm-up (the group `DefaultCooldown`), seconds. */
export const DEFAULT_COOLDOWN_SECONDS = 300;

/** Fields every policy has. */
export interface PolicyBase {
  /** Unique per tenant: `[A-Za-z0-9_.:-]{1,128}`. */
  name: string;
  /** The scaling group's name. */
  group: string;
  enabled: boolean;
}

/** One adjustment each time its alarm is in ALARM, then a cooldown (AWS simple scaling). */
export interface SimpleScalingPolicy extends PolicyBase {
  type: 'simple';
  /** The alarm whose ALARM state triggers the policy. */
  alarm: string;
  adjustmentType: AdjustmentType;
  /** Instances, a percentage, or the exact capacity, per `adjustmentType`; integer. */
  scalingAdjustment: number;
  /** Smallest change a percentage adjustment makes (PercentChangeInCapacity only). */
  minAdjustmentMagnitude: number | null;
  /** Seconds after the group's last scaling activity during which this policy does not act. @default 300 */
  cooldownSeconds: number;
}

/** Adjustments by how far the metric is past the alarm threshold, with warm-up (AWS step scaling). */
export interface StepScalingPolicy extends PolicyBase {
  type: 'step';
  alarm: string;
  adjustmentType: AdjustmentType;
  /** Contiguous bands relative to the alarm threshold; see {@link stepAdjustmentProblems}. */
  stepAdjustments: StepAdjustment[];
  minAdjustmentMagnitude: number | null;
  /** Seconds a new instance needs before it counts as current capacity. @default 300 */
  estimatedInstanceWarmupSeconds: number;
}

/** Keeps a metric at a target by proportional scaling (AWS target tracking). */
export interface TargetTrackingPolicy extends PolicyBase {
  type: 'targetTracking';
  /** A query returning one value: the metric per unit of capacity (e.g. average CPU). */
  query: string;
  /** The value to hold the metric at; > 0. */
  targetValue: number;
  /** Never scale in; the policy then only votes on scale-out. @default false */
  disableScaleIn: boolean;
  /**
   * Relative band around the target in which nothing changes (`|metric/target − 1| ≤ tolerance`).
   * AWS has none; the HPA uses 0.1. @default 0
   */
  tolerance: number;
  /**
   * Seconds after a scale-out during which the capacity it added counts as in flight (as in
   * Application Auto Scaling, it does not block a larger scale-out). @default 300
   */
  scaleOutCooldownSeconds: number;
  /** Seconds after a scale-in before the next scale-in. @default 300 */
  scaleInCooldownSeconds: number;
  /** Scale-in never goes below the highest recommendation of this many seconds. @default 300 */
  scaleInStabilizationSeconds: number;
  /** @default 300 */
  estimatedInstanceWarmupSeconds: number;
}

/** Sets the group's bounds and/or desired capacity on a cron schedule (AWS scheduled action). */
export interface ScheduledScalingPolicy extends PolicyBase {
  type: 'scheduled';
  /** Five fields (minute hour day-of-month month day-of-week) or six (seconds first). */
  cron: string;
  /** IANA time zone the cron fields are read in. @default 'UTC' */
  timezone: string;
  min: number | null;
  max: number | null;
  desired: number | null;
}

/** Any policy, discriminated on `type`. */
export type ScalingPolicy = SimpleScalingPolicy | StepScalingPolicy | TargetTrackingPolicy | ScheduledScalingPolicy;

/** The policy types; AWS's names (`SimpleScaling`, `StepScaling`, `TargetTrackingScaling`) are accepted too. */
export type ScalingPolicyType = ScalingPolicy['type'];

const TYPE_ALIASES: Record<string, ScalingPolicyType> = {
  simple: 'simple',
  SimpleScaling: 'simple',
  step: 'step',
  StepScaling: 'step',
  targetTracking: 'targetTracking',
  TargetTrackingScaling: 'targetTracking',
  scheduled: 'scheduled',
  ScheduledAction: 'scheduled',
};
const COMMON = ['name', 'group', 'type', 'enabled'];
const KNOWN: Record<ScalingPolicyType, string[]> = {
  simple: [...COMMON, 'alarm', 'adjustmentType', 'scalingAdjustment', 'minAdjustmentMagnitude', 'cooldownSeconds'],
  step: [...COMMON, 'alarm', 'adjustmentType', 'stepAdjustments', 'minAdjustmentMagnitude', 'estimatedInstanceWarmupSeconds'],
  targetTracking: [
    ...COMMON,
    'query',
    'targetValue',
    'disableScaleIn',
    'tolerance',
    'scaleOutCooldownSeconds',
    'scaleInCooldownSeconds',
    'scaleInStabilizationSeconds',
    'estimatedInstanceWarmupSeconds',
  ],
  scheduled: [...COMMON, 'cron', 'timezone', 'min', 'max', 'desired'],
};

/**
 * Validates a policy body from the API: unknown fields are rejected, every problem is named, and
 * defaults are applied (cooldowns and warm-ups 300 s, `enabled` true, `timezone` UTC). The alarm
 * and group names are only checked for form; the caller checks that they exist.
 *
 * @example
 * parseScalingPolicy({ type: 'simple', group: 'workers', alarm: 'cpu-high', scalingAdjustment: 2 }, 'add-two');
 * // → { type: 'simple', adjustmentType: 'ChangeInCapacity', cooldownSeconds: 300, ... }
 * @throws AlertingError bad_data listing every problem.
 */
export function parseScalingPolicy(body: unknown, nameFromPath?: string): ScalingPolicy {
  if (!isObject(body)) throw new AlertingError('bad_data', 'scaling policy must be a JSON object');
  const b = body;
  const problems: string[] = [];
  const type = typeof b.type === 'string' ? TYPE_ALIASES[b.type] : undefined;
  if (type === undefined) {
    throw new AlertingError('bad_data', 'invalid scaling policy: type must be "simple", "step", "targetTracking" or "scheduled"');
  }
  rejectUnknown(b, KNOWN[type], problems);
  const group = typeof b.group === 'string' && NAME_RE.test(b.group) ? b.group : '';
  if (group === '') problems.push('group must name a scaling group');
  const base: PolicyBase = {
    name: nameOf(b, nameFromPath, problems),
    group,
    enabled: bool(b.enabled, 'enabled', problems, true),
  };
  const policy = parseByType(type, b, base, problems);
  if (problems.length > 0) throw new AlertingError('bad_data', `invalid scaling policy${base.name ? ` ${JSON.stringify(base.name)}` : ''}: ${problems.join('; ')}`);
  return Object.freeze(policy);
}

function parseByType(type: ScalingPolicyType, b: Record<string, unknown>, base: PolicyBase, problems: string[]): ScalingPolicy {
  switch (type) {
    case 'simple': {
      const adjustmentType = parseAdjustmentType(b.adjustmentType, problems);
      const scalingAdjustment = parseAdjustmentValue(b.scalingAdjustment, 'scalingAdjustment', adjustmentType, problems);
      return {
        ...base,
        type,
        alarm: parseAlarmName(b.alarm, problems),
        adjustmentType,
        scalingAdjustment,
        minAdjustmentMagnitude: parseMinMagnitude(b.minAdjustmentMagnitude, adjustmentType, problems),
        cooldownSeconds: seconds(b.cooldownSeconds, 'cooldownSeconds', problems, DEFAULT_COOLDOWN_SECONDS),
      };
    }
    case 'step': {
      const adjustmentType = parseAdjustmentType(b.adjustmentType, problems);
      const stepAdjustments: StepAdjustment[] = [];
      if (!Array.isArray(b.stepAdjustments) || b.stepAdjustments.length === 0 || b.stepAdjustments.length > 20) {
        problems.push('stepAdjustments must be a list of 1 to 20 {lowerBound?, upperBound?, scalingAdjustment}');
      } else {
        b.stepAdjustments.forEach((s: unknown, i) => {
          const where = `stepAdjustments[${i}]`;
          if (!isObject(s)) {
            problems.push(`${where} must be an object`);
            return;
          }
          rejectUnknown(s, ['lowerBound', 'upperBound', 'scalingAdjustment'], problems, `${where}: `);
          const bound = (v: unknown, what: string) => (v === undefined || v === null ? null : (finite(v, `${where}.${what}`, problems) ?? null));
          stepAdjustments.push({
            lowerBound: bound(s.lowerBound, 'lowerBound'),
            upperBound: bound(s.upperBound, 'upperBound'),
            scalingAdjustment: parseAdjustmentValue(s.scalingAdjustment, `${where}.scalingAdjustment`, adjustmentType, problems),
          });
        });
        if (stepAdjustments.length === b.stepAdjustments.length) problems.push(...stepAdjustmentProblems(stepAdjustments));
      }
      return {
        ...base,
        type,
        alarm: parseAlarmName(b.alarm, problems),
        adjustmentType,
        stepAdjustments,
        minAdjustmentMagnitude: parseMinMagnitude(b.minAdjustmentMagnitude, adjustmentType, problems),
        estimatedInstanceWarmupSeconds: seconds(b.estimatedInstanceWarmupSeconds, 'estimatedInstanceWarmupSeconds', problems, DEFAULT_COOLDOWN_SECONDS),
      };
    }
    case 'targetTracking': {
      const targetValue = finite(b.targetValue, 'targetValue', problems);
      if (targetValue === undefined && b.targetValue === undefined) problems.push('targetValue is required');
      else if (targetValue !== undefined && !(targetValue > 0)) problems.push('targetValue must be above 0');
      const tolerance = finite(b.tolerance, 'tolerance', problems, 0) ?? 0;
      if (tolerance < 0 || tolerance >= 1) problems.push('tolerance must be from 0 up to (not including) 1');
      return {
        ...base,
        type,
        query: nonEmpty(b.query, 'query', problems) ?? '',
        targetValue: targetValue ?? 0,
        disableScaleIn: bool(b.disableScaleIn, 'disableScaleIn', problems, false),
        tolerance,
        scaleOutCooldownSeconds: seconds(b.scaleOutCooldownSeconds, 'scaleOutCooldownSeconds', problems, DEFAULT_COOLDOWN_SECONDS),
        scaleInCooldownSeconds: seconds(b.scaleInCooldownSeconds, 'scaleInCooldownSeconds', problems, DEFAULT_COOLDOWN_SECONDS),
        scaleInStabilizationSeconds: seconds(b.scaleInStabilizationSeconds, 'scaleInStabilizationSeconds', problems, DEFAULT_COOLDOWN_SECONDS),
        estimatedInstanceWarmupSeconds: seconds(b.estimatedInstanceWarmupSeconds, 'estimatedInstanceWarmupSeconds', problems, DEFAULT_COOLDOWN_SECONDS),
      };
    }
    case 'scheduled': {
      const cron = nonEmpty(b.cron, 'cron', problems) ?? '';
      if (cron !== '') {
        try {
          parseCron(cron);
        } catch (err) {
          problems.push(err instanceof Error ? err.message : String(err));
        }
      }
      const timezone = b.timezone ?? 'UTC';
      if (typeof timezone !== 'string' || !isValidTimeZone(timezone)) problems.push(`timezone ${JSON.stringify(timezone)} is not an IANA time zone such as Europe/Paris`);
      const cap = (v: unknown, what: string) => (v === undefined || v === null ? null : (intIn(v, what, 0, MAX_GROUP_CAPACITY, problems) ?? null));
      const min = cap(b.min, 'min');
      const max = cap(b.max, 'max');
      const desired = cap(b.desired, 'desired');
      if (b.min == null && b.max == null && b.desired == null) problems.push('a scheduled action must set at least one of min, max and desired');
      if (min !== null && max !== null && min > max) problems.push(`min (${min}) must not exceed max (${max})`);
      if (desired !== null && min !== null && desired < min) problems.push(`desired (${desired}) must not be below min (${min})`);
      if (desired !== null && max !== null && desired > max) problems.push(`desired (${desired}) must not exceed max (${max})`);
      return { ...base, type, cron, timezone: typeof timezone === 'string' ? timezone : 'UTC', min, max, desired };
    }
    default:
      return assertNever(type);
  }
}

function parseAlarmName(v: unknown, problems: string[]): string {
  if (typeof v !== 'string' || !NAME_RE.test(v)) {
    problems.push('alarm must name an alarm');
    return '';
  }
  return v;
}

function parseAdjustmentType(v: unknown, problems: string[]): AdjustmentType {
  if (v === undefined) return 'ChangeInCapacity';
  if (!ADJUSTMENT_TYPES.includes(v as AdjustmentType)) {
    problems.push(`adjustmentType must be one of ${ADJUSTMENT_TYPES.join(', ')}`);
    return 'ChangeInCapacity';
  }
  return v as AdjustmentType;
}

function parseAdjustmentValue(v: unknown, what: string, type: AdjustmentType, problems: string[]): number {
  if (v === undefined) {
    problems.push(`${what} is required`);
    return 0;
  }
  const min = type === 'ExactCapacity' ? 0 : type === 'PercentChangeInCapacity' ? -100 : -MAX_GROUP_CAPACITY;
  const max = type === 'PercentChangeInCapacity' ? 10_000 : MAX_GROUP_CAPACITY;
  return intIn(v, what, min, max, problems) ?? 0;
}

function parseMinMagnitude(v: unknown, type: AdjustmentType, problems: string[]): number | null {
  if (v === undefined || v === null) return null;
  if (type !== 'PercentChangeInCapacity') {
    problems.push('minAdjustmentMagnitude only applies to adjustmentType PercentChangeInCapacity');
    return null;
  }
  return intIn(v, 'minAdjustmentMagnitude', 1, MAX_GROUP_CAPACITY, problems) ?? null;
}
