/** The scaling activity log entry: one per capacity change, and one per suppression worth showing. */
import type { ScalingAlarmState, ScalingDecision, SuppressedBy } from './types.js';

/** What triggered an activity: the alarm and its reading, the target-tracking metric, or a schedule. */
export interface ScalingActivityCause {
  alarm?: string;
  state?: ScalingAlarmState;
  metricValue?: number;
  threshold?: number;
  /** The target-tracking query. */
  query?: string;
  /** The scheduled action's cron expression. */
  schedule?: string;
}

/**
 * One entry of a group's activity log, as the server stores it and the backtest returns it.
 * `scaled` entries changed desired capacity from `from` to `to`; `suppressed` entries record a
 * policy that wanted to scale and did not (`suppressedBy` says why), with `to === from`.
 */
export interface ScalingActivity {
  group: string;
  /** Epoch ms. */
  atMs: number;
  /** The policy's name ('' when no single policy decided). */
  policy: string;
  cause: ScalingActivityCause;
  from: number;
  to: number;
  status: 'scaled' | 'suppressed';
  reason: string;
  suppressedBy?: SuppressedBy;
}

/**
 * The log entry for `decision` on `group` at `atMs`: `scaled` when it scales, else `suppressed`.
 *
 * @example
 * activityFromDecision('workers', 0, decision, { alarm: 'cpu-high', state: 'ALARM', metricValue: 91, threshold: 80 });
 */
export function activityFromDecision(group: string, atMs: number, decision: ScalingDecision, cause: ScalingActivityCause = {}): ScalingActivity {
  return {
    group,
    atMs,
    policy: decision.policy,
    cause,
    from: decision.from,
    to: decision.to,
    status: decision.action === 'scale' ? 'scaled' : 'suppressed',
    reason: decision.reason,
    ...(decision.suppressedBy !== undefined && decision.action !== 'scale' ? { suppressedBy: decision.suppressedBy } : {}),
  };
}
