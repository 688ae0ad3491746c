/**
 * Shared shapes of the autoscaling decision logic. Everything here is plain data: the server stores
 * it, the decision functions read it, nothing holds a clock or a handle.
 */
import type { AlarmState } from '../alarm/state.js';

/** The alarm states a scaling policy reacts to (the alarm state machine's). */
export type ScalingAlarmState = AlarmState;

/**
 * How a policy's `scalingAdjustment` is read (AWS names):
 * - `ChangeInCapacity`: add it to the current capacity (negative removes).
 * - `ExactCapacity`: set the capacity to it.
 * - `PercentChangeInCapacity`: add that percentage of the current capacity (AWS rounding).
 */
export type AdjustmentType = 'ChangeInCapacity' | 'ExactCapacity' | 'PercentChangeInCapacity';

/** Every {@link AdjustmentType}, for validation messages. */
export const ADJUSTMENT_TYPES: readonly AdjustmentType[] = ['ChangeInCapacity', 'ExactCapacity', 'PercentChangeInCapacity'];

/** A group's capacity as a decision sees it: the desired count and its bounds (integers ≥ 0). */
export interface GroupCapacity {
  desired: number;
  min: number;
  max: number;
}

/**
 * Why a policy that had something to say did not change capacity:
 * - `cooldown`: a simple policy's cooldown, or a target-tracking scale-in cooldown, is running.
 * - `warmup`: instances launched by an earlier scale-out are still warming up (they already cover
 *   the new step, or scale-in is blocked until they are in service).
 * - `bounds`: the group already sits at `min` or `max`.
 * - `insufficient_data`: the alarm or metric has no data; never scales.
 * - `no_change`: the adjustment works out to the current capacity.
 * - `stabilization`: a scale-in held back by a higher recommendation within the stabilisation window.
 * - `scale_in_disabled`: target tracking with `disableScaleIn`.
 * - `disabled`: the policy is disabled.
 */
export type SuppressedBy =
  | 'cooldown'
  | 'warmup'
  | 'bounds'
  | 'insufficient_data'
  | 'no_change'
  | 'stabilization'
  | 'scale_in_disabled'
  | 'disabled';

/**
 * What one policy (or the combination of several) decides for one group at one instant.
 * `from` is the group's desired capacity at decision time; `to` equals `from` unless `action` is
 * `scale`. `to` is always within the group's `[min, max]`.
 */
export interface ScalingDecision {
  /** The deciding policy's name (for a combination: the policy whose decision won, or ''). */
  policy: string;
  action: 'scale' | 'none';
  /** A sentence for the activity log, naming the alarm, metric and arithmetic. */
  reason: string;
  from: number;
  to: number;
  /** Set when the policy had a reason to scale but did not. */
  suppressedBy?: SuppressedBy;
  /**
   * True when the policy has no say in this round and {@link combineDecisions} ignores it: it is
   * disabled, its alarm is not in ALARM (simple and step policies are triggered by their alarm), or
   * it is a target-tracking policy with `disableScaleIn` that does not want to scale out (AWS leaves
   * such policies out of the "all agree to scale in" rule).
   */
  abstain?: boolean;
}

/**
 * One scale-out whose instances may still be warming up: `count` instances were added at `atMs`
 * (epoch ms). Callers keep these from their activity log; decisions ignore entries older than the
 * policy's warm-up.
 */
export interface InFlightScaleOut {
  atMs: number;
  count: number;
}

/** A capacity recommendation made at `atMs` (epoch ms), kept for scale-in stabilisation. */
export interface Recommendation {
  atMs: number;
  desired: number;
}
