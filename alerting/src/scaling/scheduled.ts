/** Scheduled actions: when they next run, and what they do to a group's capacity. */
import { clamp } from './adjustment.js';
import { type CronSchedule, nextCronRun, parseCron } from './cron.js';
import type { GroupCapacity } from './types.js';

/** What a scheduled action sets; `null`/absent fields keep the group's value. */
export interface ScheduledAction {
  min?: number | null;
  max?: number | null;
  desired?: number | null;
}

/** The group after a scheduled action, and whether it could be applied. */
export interface ScheduledResult extends GroupCapacity {
  /** True when any of min, max or desired changed. */
  changed: boolean;
  /** Set when the action was refused (it would leave min above max); the group is then unchanged. */
  problem?: string;
}

/**
 * The first instant strictly after `afterMs` (epoch ms) at which a scheduled action with this cron
 * expression fires in `timezone`, or undefined if it never does (within five years).
 *
 * @example
 * nextScheduledRun('0 8 * * MON-FRI', 'America/New_York', Date.UTC(2026, 2, 6, 12)); // Mon 9 Mar, 08:00 EDT
 * @throws AlertingError bad_data when the expression does not parse.
 */
export function nextScheduledRun(cron: string | CronSchedule, timezone: string, afterMs: number): number | undefined {
  return nextCronRun(typeof cron === 'string' ? parseCron(cron) : cron, timezone, afterMs);
}

/**
 * The group's min, max and desired after `action`. The desired capacity (the action's, or the
 * group's) is clamped into the new bounds, as AWS does when a scheduled action moves them. An action
 * that would leave min above max (say it raises min past the group's max) is refused.
 *
 * @example
 * applyScheduled({ min: 1, max: 10, desired: 2 }, { min: 5 }); // { min: 5, max: 10, desired: 5, changed: true }
 */
export function applyScheduled(group: GroupCapacity, action: ScheduledAction): ScheduledResult {
  const min = action.min ?? group.min;
  const max = action.max ?? group.max;
  if (min > max) {
    return { ...group, changed: false, problem: `the action would set min ${min} above max ${max}` };
  }
  const desired = clamp(action.desired ?? group.desired, min, max);
  return { min, max, desired, changed: min !== group.min || max !== group.max || desired !== group.desired };
}
