/**
 * Autoscaling decision logic: scaling groups and policies (AWS simple, step, target tracking and
 * scheduled actions, plus the HPA calculation), the pure functions that decide capacity, the
 * activity log entry, and a backtest over recorded alarms and metrics. No I/O and no clocks.
 */
export { type StepAdjustment, applyAdjustment, clamp, stepAdjustmentFor, stepAdjustmentProblems } from './adjustment.js';
export { type ScalingActivity, type ScalingActivityCause, activityFromDecision } from './activity.js';
export {
  type AlarmPoint,
  type CapacityModel,
  MAX_SCALING_BACKTEST_STEPS,
  type MetricPoint,
  type ScalingBacktestInput,
  type ScalingBacktestResult,
  backtestPolicies,
} from './backtest.js';
export { CRON_HORIZON_MS, type CronSchedule, type LocalTime, cronMatchesDate, isValidTimeZone, localTime, nextCronRun, parseCron } from './cron.js';
export {
  type LastActivity,
  type SimpleDecisionInput,
  type StepDecisionInput,
  type TargetTrackingDecision,
  type TargetTrackingDesiredInput,
  type TargetTrackingInput,
  combineDecisions,
  simplePolicyDecision,
  stepPolicyDecision,
  targetTrackingDecision,
  targetTrackingDesired,
  warmingCapacity,
} from './decide.js';
export { type CapacitySource, MAX_GROUP_CAPACITY, type ScalingGroup, parseScalingGroup, scalingGroupToJSON } from './group.js';
export { type HpaInput, type HpaResult, hpaRecommendation, stabilizedRecommendation } from './hpa.js';
export {
  DEFAULT_COOLDOWN_SECONDS,
  type PolicyBase,
  type ScalingPolicy,
  type ScalingPolicyType,
  type ScheduledScalingPolicy,
  type SimpleScalingPolicy,
  type StepScalingPolicy,
  type TargetTrackingPolicy,
  parseScalingPolicy,
} from './policy.js';
export { type ScheduledAction, type ScheduledResult, applyScheduled, nextScheduledRun } from './scheduled.js';
export { WebhookSecret } from './secret.js';
export {
  ADJUSTMENT_TYPES,
  type AdjustmentType,
  type GroupCapacity,
  type InFlightScaleOut,
  type Recommendation,
  type ScalingAlarmState,
  type ScalingDecision,
  type SuppressedBy,
} from './types.js';
