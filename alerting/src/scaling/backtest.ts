/**
 * Replays recorded alarm states and metric values through a group's policies, with the same
 * decision functions the live scaler uses, to show the capacity they would have produced.
 */
import { AlertingError } from '../errors.js';
import { type ScalingActivity, type ScalingActivityCause, activityFromDecision } from './activity.js';
import {
  type LastActivity,
  combineDecisions,
  simplePolicyDecision,
  stepPolicyDecision,
  targetTrackingDecision,
  warmingCapacity,
} from './decide.js';
import type { ScalingPolicy, ScheduledScalingPolicy, TargetTrackingPolicy } from './policy.js';
import { applyScheduled, nextScheduledRun } from './scheduled.js';
import type { GroupCapacity, InFlightScaleOut, Recommendation, ScalingAlarmState, ScalingDecision, SuppressedBy } from './types.js';

/** Most simulation steps one backtest may take. */
export const MAX_SCALING_BACKTEST_STEPS = 100_000;

/** An alarm's state from `tMs` (epoch ms) on, with the value and threshold that decided it. */
export interface AlarmPoint {
  tMs: number;
  state: ScalingAlarmState;
  value: number | null;
  /** Needed by step policies (bounds are relative to it). */
  threshold?: number;
}

/** A metric value from `tMs` (epoch ms) on. */
export interface MetricPoint {
  tMs: number;
  value: number;
}

/**
 * Maps a recorded target-tracking metric value to the value the simulated group would see.
 * `capacity` is the simulated capacity in service (desired minus warming). The default replays the
 * recording unchanged; a closed loop passes a total load and divides: `({value, capacity}) => value / capacity`.
 */
export type CapacityModel = (point: { tMs: number; value: number; capacity: number }) => number;

/** Inputs of {@link backtestPolicies}. */
export interface ScalingBacktestInput {
  /** The group's name and its capacity at `fromMs`. */
  group: GroupCapacity & { name: string };
  /** The group's policies; disabled ones are skipped. */
  policies: readonly ScalingPolicy[];
  /** The recorded states of an alarm, any order; before the first point the alarm has no data. */
  alarmTimeline: (alarm: string) => readonly AlarmPoint[];
  /** Target-tracking metric values: one series for all such policies, or one per query. */
  metricTimeline?: readonly MetricPoint[] | ((query: string) => readonly MetricPoint[]);
  /** Evaluation interval of the simulation, ms (> 0). */
  stepMs: number;
  fromMs: number;
  toMs: number;
  capacityModel?: CapacityModel;
}

/** Outcome of {@link backtestPolicies}. */
export interface ScalingBacktestResult {
  /** `[tMs, desired]` at every step, after that step's decisions. */
  capacity: Array<[number, number]>;
  /** Capacity changes, and each new suppression (logged when a policy's suppression reason changes). */
  activities: ScalingActivity[];
}

/** Suppressions worth logging: the policy wanted to scale. */
const LOGGED: ReadonlySet<SuppressedBy> = new Set(['cooldown', 'warmup', 'bounds', 'stabilization']);

/**
 * Simulates the group from `fromMs` to `toMs` every `stepMs`. Each step first runs the scheduled
 * actions due, then asks every dynamic policy and applies {@link combineDecisions}. Cooldowns,
 * warm-ups (scale-outs, including scheduled ones, are in flight for the policy's warm-up) and
 * stabilisation windows are tracked as the live scaler tracks them. Instances are assumed to start
 * at once; only warm-up delays their effect.
 *
 * @example
 * backtestPolicies({ group: { name: 'w', min: 1, max: 10, desired: 2 }, policies, alarmTimeline: (a) => recorded[a] ?? [],
 *   stepMs: 60_000, fromMs, toMs }).capacity; // [[fromMs, 2], [fromMs + 60_000, 3], ...]
 * @throws AlertingError bad_data for a bad range or more than {@link MAX_SCALING_BACKTEST_STEPS} steps.
 */
export function backtestPolicies(input: ScalingBacktestInput): ScalingBacktestResult {
  const { stepMs, fromMs, toMs } = input;
  if (!(stepMs > 0) || !Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs < fromMs) {
    throw new AlertingError('bad_data', 'backtest needs stepMs > 0 and fromMs ≤ toMs');
  }
  if (Math.floor((toMs - fromMs) / stepMs) + 1 > MAX_SCALING_BACKTEST_STEPS) {
    throw new AlertingError('bad_data', `backtest would take more than ${MAX_SCALING_BACKTEST_STEPS} steps; raise stepMs or shorten the range`);
  }
  const name = input.group.name;
  const g: GroupCapacity = { desired: input.group.desired, min: input.group.min, max: input.group.max };
  const policies = input.policies.filter((p) => p.enabled);
  const scheduled = policies.filter((p): p is ScheduledScalingPolicy => p.type === 'scheduled');
  const dynamic = policies.filter((p) => p.type !== 'scheduled');
  const model: CapacityModel = input.capacityModel ?? ((p) => p.value);
  const maxWarmupMs = Math.max(0, ...dynamic.map(warmupMsOf)) || 0;

  const alarms = new Map<string, Cursor<AlarmPoint>>();
  const alarmAt = (alarm: string, t: number) => {
    let c = alarms.get(alarm);
    if (c === undefined) {
      c = new Cursor(input.alarmTimeline(alarm));
      alarms.set(alarm, c);
    }
    return c.at(t);
  };
  const metrics = new Map<string, Cursor<MetricPoint>>();
  const metricAt = (query: string, t: number) => {
    const tl = input.metricTimeline;
    if (tl === undefined) return undefined;
    const key = typeof tl === 'function' ? query : '';
    let c = metrics.get(key);
    if (c === undefined) {
      c = new Cursor(typeof tl === 'function' ? tl(query) : tl);
      metrics.set(key, c);
    }
    return c.at(t);
  };

  const nextRun = new Map(scheduled.map((p) => [p.name, nextScheduledRun(p.cron, p.timezone, fromMs - 1)]));
  const inFlight: InFlightScaleOut[] = [];
  const history = new Map<string, Recommendation[]>();
  const lastSuppression = new Map<string, SuppressedBy | undefined>();
  let lastActivity: LastActivity | null = null;
  let lastScaleInAtMs: number | null = null;
  const capacity: Array<[number, number]> = [];
  const activities: ScalingActivity[] = [];

  for (let t = fromMs; t <= toMs; t += stepMs) {
    for (const p of scheduled) {
      for (let due = nextRun.get(p.name); due !== undefined && due <= t; due = nextRun.get(p.name)) {
        const r = applyScheduled(g, p);
        const cause = { schedule: p.cron };
        if (r.changed) {
          activities.push({ group: name, atMs: due, policy: p.name, cause, from: g.desired, to: r.desired, status: 'scaled', reason: `scheduled action ${p.cron} (${p.timezone}): min ${r.min}, max ${r.max}, desired ${r.desired}` });
          if (r.desired > g.desired) inFlight.push({ atMs: due, count: r.desired - g.desired });
          Object.assign(g, { min: r.min, max: r.max, desired: r.desired });
        } else if (r.problem !== undefined) {
          activities.push({ group: name, atMs: due, policy: p.name, cause, from: g.desired, to: g.desired, status: 'suppressed', reason: `scheduled action refused: ${r.problem}`, suppressedBy: 'bounds' });
        }
        nextRun.set(p.name, nextScheduledRun(p.cron, p.timezone, due));
      }
    }

    const decisions: Array<{ d: ScalingDecision; cause: ScalingActivityCause }> = [];
    for (const p of dynamic) {
      switch (p.type) {
        case 'simple': {
          const a = alarmAt(p.alarm, t);
          const state = a?.state ?? 'INSUFFICIENT_DATA';
          const d = simplePolicyDecision({ policy: p, group: { ...g }, alarmState: state, nowMs: t, lastActivity });
          decisions.push({ d, cause: alarmCause(p.alarm, a) });
          break;
        }
        case 'step': {
          const a = alarmAt(p.alarm, t);
          const d = stepPolicyDecision({
            policy: p,
            group: { ...g },
            alarmState: a?.state ?? 'INSUFFICIENT_DATA',
            metricValue: a?.value ?? Number.NaN,
            threshold: a?.threshold ?? Number.NaN,
            nowMs: t,
            inFlight,
          });
          decisions.push({ d, cause: alarmCause(p.alarm, a) });
          break;
        }
        case 'targetTracking': {
          const m = metricAt(p.query, t);
          const serving = Math.max(0, g.desired - warmingCapacity(inFlight, warmupMsOf(p) / 1000, t));
          const value = m === undefined ? undefined : model({ tMs: t, value: m.value, capacity: serving });
          const h = history.get(p.name) ?? [];
          const d = targetTrackingDecision({ policy: p, group: { ...g }, metricValue: value, nowMs: t, inFlight, history: h, lastScaleInAtMs });
          const cutoff = t - p.scaleInStabilizationSeconds * 1000;
          history.set(p.name, [...h.filter((r) => r.atMs > cutoff), { atMs: t, desired: d.recommendation }]);
          decisions.push({ d, cause: { query: p.query, ...(value !== undefined && Number.isFinite(value) ? { metricValue: value } : {}), threshold: p.targetValue } });
          break;
        }
      }
    }

    const combined = combineDecisions(decisions.map((x) => x.d));
    if (combined.action === 'scale') {
      const cause = decisions.find((x) => x.d === combined)?.cause ?? {};
      activities.push(activityFromDecision(name, t, combined, cause));
      if (combined.to > combined.from) inFlight.push({ atMs: t, count: combined.to - combined.from });
      else lastScaleInAtMs = t;
      lastActivity = { atMs: t, policy: combined.policy };
      g.desired = combined.to;
    }
    for (const { d, cause } of decisions) {
      const s = d.action === 'none' && !d.abstain && d.suppressedBy !== undefined && LOGGED.has(d.suppressedBy) ? d.suppressedBy : undefined;
      if (s !== undefined && lastSuppression.get(d.policy) !== s) activities.push(activityFromDecision(name, t, d, cause));
      lastSuppression.set(d.policy, s);
    }
    while (inFlight.length > 0 && t - inFlight[0]!.atMs >= maxWarmupMs) inFlight.shift();
    capacity.push([t, g.desired]);
  }
  return { capacity, activities };
}

function warmupMsOf(p: ScalingPolicy): number {
  switch (p.type) {
    case 'step':
      return p.estimatedInstanceWarmupSeconds * 1000;
    case 'targetTracking':
      return Math.max(p.estimatedInstanceWarmupSeconds, (p as TargetTrackingPolicy).scaleOutCooldownSeconds) * 1000;
    default:
      return 0;
  }
}

function alarmCause(alarm: string, a: AlarmPoint | undefined): ScalingActivityCause {
  const cause: ScalingActivityCause = { alarm, state: a?.state ?? 'INSUFFICIENT_DATA' };
  if (a?.value != null) cause.metricValue = a.value;
  if (a?.threshold !== undefined) cause.threshold = a.threshold;
  return cause;
}

/** Reads a timeline forward in time: the latest point at or before `t`. */
class Cursor<P extends { tMs: number }> {
  readonly #points: P[];
  #i = -1;

  constructor(points: readonly P[]) {
    this.#points = [...points].sort((a, b) => a.tMs - b.tMs);
  }

  at(t: number): P | undefined {
    while (this.#i + 1 < this.#points.length && this.#points[this.#i + 1]!.tMs <= t) this.#i++;
    return this.#i >= 0 ? this.#points[this.#i] : undefined;
  }
}
