import { describe, expect, it } from 'vitest';
import { combineDecisions, simplePolicyDecision, stepPolicyDecision, targetTrackingDecision, targetTrackingDesired, warmingCapacity } from './decide.js';
import { type SimpleScalingPolicy, type StepScalingPolicy, type TargetTrackingPolicy, parseScalingPolicy } from './policy.js';
import type { ScalingAlarmState, ScalingDecision } from './types.js';

const S = 1000;

function simple(extra: Record<string, unknown> = {}): SimpleScalingPolicy {
  return parseScalingPolicy({ name: 'add', type: 'simple', group: 'w', alarm: 'cpu-high', scalingAdjustment: 2, ...extra }) as SimpleScalingPolicy;
}

/** The AWS user guide's example: threshold 50, percent steps, out and in. */
const awsOut = parseScalingPolicy({
  name: 'out',
  type: 'step',
  group: 'w',
  alarm: 'cpu-high',
  adjustmentType: 'PercentChangeInCapacity',
  stepAdjustments: [
    { lowerBound: 0, upperBound: 10, scalingAdjustment: 0 },
    { lowerBound: 10, upperBound: 20, scalingAdjustment: 10 },
    { lowerBound: 20, scalingAdjustment: 30 },
  ],
}) as StepScalingPolicy;
const awsIn = parseScalingPolicy({
  name: 'in',
  type: 'step',
  group: 'w',
  alarm: 'cpu-low',
  adjustmentType: 'PercentChangeInCapacity',
  stepAdjustments: [
    { lowerBound: -10, upperBound: 0, scalingAdjustment: 0 },
    { lowerBound: -20, upperBound: -10, scalingAdjustment: -10 },
    { upperBound: -20, scalingAdjustment: -30 },
  ],
}) as StepScalingPolicy;

function tt(extra: Record<string, unknown> = {}): TargetTrackingPolicy {
  return parseScalingPolicy({ name: 'cpu50', type: 'targetTracking', group: 'w', query: 'avg(cpu)', targetValue: 50, ...extra }) as TargetTrackingPolicy;
}

describe('simplePolicyDecision', () => {
  const g = { desired: 2, min: 1, max: 10 };
  const cases: Array<[string, Partial<Parameters<typeof simplePolicyDecision>[0]>, Partial<ScalingDecision>]> = [
    ['scales by the adjustment when the alarm fires', {}, { action: 'scale', from: 2, to: 4 }],
    ['never scales on INSUFFICIENT_DATA', { alarmState: 'INSUFFICIENT_DATA' }, { action: 'none', to: 2, suppressedBy: 'insufficient_data', abstain: true }],
    ['does nothing while the alarm is OK', { alarmState: 'OK' }, { action: 'none', to: 2, abstain: true }],
    ['does nothing when disabled', { policy: simple({ enabled: false }) }, { action: 'none', suppressedBy: 'disabled' }],
    ['waits out the cooldown after the last activity', { nowMs: 60 * S, lastActivity: { atMs: 0, policy: 'add' } }, { action: 'none', suppressedBy: 'cooldown' }],
    ['still waits 1 ms before the cooldown ends', { nowMs: 300 * S - 1, lastActivity: { atMs: 0, policy: 'add' } }, { action: 'none', suppressedBy: 'cooldown' }],
    ['re-applies once the cooldown has passed with the alarm still firing', { nowMs: 300 * S, lastActivity: { atMs: 0, policy: 'add' } }, { action: 'scale', to: 4 }],
    ['counts another policy\'s activity for the cooldown', { nowMs: 10 * S, lastActivity: { atMs: 0, policy: 'other' } }, { suppressedBy: 'cooldown' }],
    ['clamps to max', { group: { desired: 9, min: 1, max: 10 } }, { action: 'scale', from: 9, to: 10 }],
    ['reports bounds when already at max', { group: { desired: 10, min: 1, max: 10 } }, { action: 'none', suppressedBy: 'bounds' }],
    ['clamps a scale-in to min', { policy: simple({ scalingAdjustment: -5 }), group: { desired: 3, min: 1, max: 10 } }, { action: 'scale', to: 1 }],
    ['sets an exact capacity', { policy: simple({ adjustmentType: 'ExactCapacity', scalingAdjustment: 6 }) }, { action: 'scale', to: 6 }],
    ['reports no change when the exact capacity is already set', { policy: simple({ adjustmentType: 'ExactCapacity', scalingAdjustment: 2 }) }, { action: 'none', suppressedBy: 'no_change' }],
    ['applies MinAdjustmentMagnitude to a percentage', { policy: simple({ adjustmentType: 'PercentChangeInCapacity', scalingAdjustment: 25, minAdjustmentMagnitude: 2 }), group: { desired: 4, min: 1, max: 10 } }, { to: 6 }],
  ];
  it.each(cases)('%s', (_name, over, expected) => {
    const d = simplePolicyDecision({ policy: simple(), group: g, alarmState: 'ALARM', nowMs: 0, ...over });
    expect(d).toMatchObject(expected);
    expect(d.reason).not.toBe('');
  });

  it('scales once per cooldown while the alarm stays in ALARM (step sequence)', () => {
    let group = { desired: 1, min: 1, max: 10 };
    let last: { atMs: number; policy: string } | null = null;
    const seen: number[] = [];
    for (let t = 0; t <= 900 * S; t += 60 * S) {
      const d = simplePolicyDecision({ policy: simple({ scalingAdjustment: 1 }), group, alarmState: 'ALARM', nowMs: t, lastActivity: last });
      if (d.action === 'scale') {
        group = { ...group, desired: d.to };
        last = { atMs: t, policy: d.policy };
        seen.push(t / S);
      }
    }
    expect(seen).toEqual([0, 300, 600, 900]);
    expect(group.desired).toBe(5);
  });
});

describe('stepPolicyDecision', () => {
  const base = { policy: awsOut, alarmState: 'ALARM' as ScalingAlarmState, threshold: 50, nowMs: 600 * S };
  const cases: Array<[string, Partial<Parameters<typeof stepPolicyDecision>[0]>, Partial<ScalingDecision>]> = [
    ['55 is in the no-change band', { group: { desired: 10, min: 1, max: 100 }, metricValue: 55 }, { action: 'none', suppressedBy: 'no_change' }],
    ['65 adds 10 % of 10: 10 → 11 (AWS example)', { group: { desired: 10, min: 1, max: 100 }, metricValue: 65 }, { action: 'scale', from: 10, to: 11 }],
    ['75 adds 30 % of 10: 10 → 13', { group: { desired: 10, min: 1, max: 100 }, metricValue: 75 }, { action: 'scale', to: 13 }],
    ['70 after warm-up adds 30 % of 11 (3.3 → 3): 11 → 14 (AWS example)', { group: { desired: 11, min: 1, max: 100 }, metricValue: 70, inFlight: [{ atMs: 0, count: 1 }] }, { action: 'scale', to: 14 }],
    ['70 during warm-up only adds what goes beyond the instance in flight: 11 → 13', { group: { desired: 11, min: 1, max: 100 }, metricValue: 70, inFlight: [{ atMs: 400 * S, count: 1 }] }, { action: 'scale', from: 11, to: 13 }],
    ['65 during warm-up is covered by the instance in flight', { group: { desired: 11, min: 1, max: 100 }, metricValue: 65, inFlight: [{ atMs: 400 * S, count: 1 }] }, { action: 'none', suppressedBy: 'warmup' }],
    ['65 once warm-up has passed re-applies (ALARM persists, no cooldown): 11 → 12', { group: { desired: 11, min: 1, max: 100 }, metricValue: 65, inFlight: [{ atMs: 300 * S, count: 1 }] }, { action: 'scale', to: 12 }],
    ['clamps a step to max', { group: { desired: 10, min: 1, max: 12 }, metricValue: 75 }, { action: 'scale', to: 12 }],
    ['reports bounds at max', { group: { desired: 12, min: 1, max: 12 }, metricValue: 75 }, { action: 'none', suppressedBy: 'bounds' }],
    ['never scales on INSUFFICIENT_DATA', { group: { desired: 10, min: 1, max: 100 }, metricValue: 75, alarmState: 'INSUFFICIENT_DATA' }, { action: 'none', suppressedBy: 'insufficient_data' }],
    ['never scales in ALARM without a metric value', { group: { desired: 10, min: 1, max: 100 }, metricValue: Number.NaN }, { action: 'none', suppressedBy: 'insufficient_data' }],
    ['does nothing while the alarm is OK, and abstains', { group: { desired: 10, min: 1, max: 100 }, metricValue: 75, alarmState: 'OK' }, { action: 'none', abstain: true }],
    ['40 removes 10 % of 14 (1.4 → 1): 14 → 13 (AWS example)', { policy: awsIn, group: { desired: 14, min: 1, max: 100 }, metricValue: 40 }, { action: 'scale', to: 13 }],
    ['30 removes 30 % of 13 (3.9 → 3): 13 → 10 (AWS example)', { policy: awsIn, group: { desired: 13, min: 1, max: 100 }, metricValue: 30 }, { action: 'scale', to: 10 }],
    ['holds a scale-in while instances warm up', { policy: awsIn, group: { desired: 13, min: 1, max: 100 }, metricValue: 30, inFlight: [{ atMs: 500 * S, count: 2 }] }, { action: 'none', suppressedBy: 'warmup' }],
    ['clamps a scale-in to min', { policy: awsIn, group: { desired: 3, min: 3, max: 100 }, metricValue: 30 }, { action: 'none', suppressedBy: 'bounds' }],
  ];
  it.each(cases)('%s', (_name, over, expected) => {
    const d = stepPolicyDecision({ ...base, group: { desired: 10, min: 1, max: 100 }, metricValue: 50, ...over });
    expect(d).toMatchObject(expected);
  });
});

describe('warmingCapacity', () => {
  it.each([
    ['counts scale-outs younger than the warm-up', [{ atMs: 0, count: 2 }, { atMs: 400 * S, count: 1 }], 500 * S, 1],
    ['counts none once all have warmed', [{ atMs: 0, count: 2 }], 300 * S, 0],
    ['ignores entries from the future', [{ atMs: 900 * S, count: 2 }], 500 * S, 0],
  ])('%s', (_name, inFlight, now, expected) => {
    expect(warmingCapacity(inFlight, 300, now)).toBe(expected);
  });
});

describe('targetTrackingDesired', () => {
  it.each([
    ['scales 4 at 75 % for 50 % to 6', 4, 75, 50, 0, 6],
    ['keeps 4 on target', 4, 50, 50, 0, 4],
    ['scales 10 at 20 % for 50 % in to 4', 10, 20, 50, 0, 4],
    ['keeps 10 within a 10 % tolerance', 10, 55, 50, 0.1, 10],
    ['rounds 10 × 1.2 to exactly 12, not 13', 10, 60, 50, 0, 12],
    ['asks for 1 from 0 with any load', 0, 10, 50, 0, 1],
    ['keeps 0 with no load', 0, 0, 50, 0, 0],
  ])('%s', (_name, current, metricValue, target, tolerance, expected) => {
    expect(targetTrackingDesired({ current, metricValue, target, tolerance })).toBe(expected);
  });
});

describe('targetTrackingDecision', () => {
  const now = 1000 * S;
  const g = { desired: 4, min: 1, max: 20 };
  const cases: Array<[string, Partial<Parameters<typeof targetTrackingDecision>[0]>, Partial<ReturnType<typeof targetTrackingDecision>>]> = [
    ['scales out proportionally', { metricValue: 75 }, { action: 'scale', from: 4, to: 6, recommendation: 6 }],
    ['does nothing on target', { metricValue: 50 }, { action: 'none', suppressedBy: 'no_change' }],
    ['clamps a scale-out to max', { group: { desired: 8, min: 1, max: 10 }, metricValue: 200 }, { action: 'scale', to: 10, recommendation: 10 }],
    ['never scales without data', { metricValue: null }, { action: 'none', suppressedBy: 'insufficient_data' }],
    ['never scales on NaN', { metricValue: Number.NaN }, { action: 'none', suppressedBy: 'insufficient_data' }],
    ['scales in with no recent recommendation above', { group: { desired: 10, min: 1, max: 20 }, metricValue: 20 }, { action: 'scale', to: 4 }],
    ['scales in no lower than the highest recommendation in the window', { group: { desired: 10, min: 1, max: 20 }, metricValue: 20, history: [{ atMs: now - 60 * S, desired: 8 }] }, { action: 'scale', to: 8 }],
    ['forgets recommendations older than the window', { group: { desired: 10, min: 1, max: 20 }, metricValue: 20, history: [{ atMs: now - 300 * S, desired: 8 }] }, { action: 'scale', to: 4 }],
    ['holds when the window has a recommendation at or above desired', { group: { desired: 10, min: 1, max: 20 }, metricValue: 20, history: [{ atMs: now - 60 * S, desired: 12 }] }, { action: 'none', suppressedBy: 'stabilization' }],
    ['never scales in with disableScaleIn, and abstains', { policy: tt({ disableScaleIn: true }), group: { desired: 10, min: 1, max: 20 }, metricValue: 20 }, { action: 'none', suppressedBy: 'scale_in_disabled', abstain: true, alarmLowThreshold: null }],
    ['still scales out with disableScaleIn', { policy: tt({ disableScaleIn: true }), metricValue: 75 }, { action: 'scale', to: 6 }],
    ['waits out the scale-in cooldown', { group: { desired: 10, min: 1, max: 20 }, metricValue: 20, lastScaleInAtMs: now - 100 * S }, { action: 'none', suppressedBy: 'cooldown' }],
    ['does not double-count capacity in flight', { group: { desired: 6, min: 1, max: 20 }, metricValue: 75, inFlight: [{ atMs: now - 60 * S, count: 2 }] }, { action: 'none', suppressedBy: 'warmup' }],
    ['adds beyond capacity in flight when the metric rises further', { group: { desired: 6, min: 1, max: 20 }, metricValue: 100, inFlight: [{ atMs: now - 60 * S, count: 2 }] }, { action: 'scale', from: 6, to: 8 }],
    ['keeps capacity within tolerance', { policy: tt({ tolerance: 0.1 }), metricValue: 54 }, { action: 'none', suppressedBy: 'no_change' }],
    ['scales past the tolerance', { policy: tt({ tolerance: 0.1 }), metricValue: 56 }, { action: 'scale', to: 5 }],
    ['reports bounds when a scale-in would go below min', { group: { desired: 2, min: 2, max: 20 }, metricValue: 10 }, { action: 'none', suppressedBy: 'bounds' }],
  ];
  it.each(cases)('%s', (_name, over, expected) => {
    expect(targetTrackingDecision({ policy: tt(), group: g, metricValue: 50, nowMs: now, ...over })).toMatchObject(expected);
  });

  it('reports the alarm thresholds it would manage', () => {
    expect(targetTrackingDecision({ policy: tt(), group: g, metricValue: 50, nowMs: now })).toMatchObject({ alarmHighThreshold: 50, alarmLowThreshold: 45 });
    expect(targetTrackingDecision({ policy: tt({ tolerance: 0.2 }), group: g, metricValue: 50, nowMs: now })).toMatchObject({ alarmHighThreshold: 60, alarmLowThreshold: 40 });
  });
});

describe('combineDecisions', () => {
  const d = (policy: string, from: number, to: number, extra: Partial<ScalingDecision> = {}): ScalingDecision => ({
    policy,
    action: to === from ? 'none' : 'scale',
    from,
    to,
    reason: `${policy} says ${to}`,
    ...extra,
  });
  const cases: Array<[string, ScalingDecision[], { action: string; to: number; policy?: string }]> = [
    ['scales out to the largest of several scale-outs', [d('a', 2, 4), d('b', 2, 3)], { action: 'scale', to: 4, policy: 'a' }],
    ['scales out if any says out, even if another says in', [d('a', 2, 3), d('b', 2, 1)], { action: 'scale', to: 3, policy: 'a' }],
    ['scales in to the least reduction when all say in', [d('a', 4, 3), d('b', 4, 2)], { action: 'scale', to: 3, policy: 'a' }],
    ['does not scale in if one policy holds', [d('a', 4, 3), d('b', 4, 4, { suppressedBy: 'no_change' })], { action: 'none', to: 4 }],
    ['does not scale in while another policy is in cooldown', [d('a', 4, 3), d('b', 4, 4, { suppressedBy: 'cooldown' })], { action: 'none', to: 4 }],
    ['ignores abstaining policies for the all-agree rule', [d('a', 4, 3), d('b', 4, 4, { abstain: true })], { action: 'scale', to: 3 }],
    ['passes a single decision through', [d('a', 4, 4, { suppressedBy: 'warmup' })], { action: 'none', to: 4, policy: 'a' }],
    ['does nothing with no policies', [], { action: 'none', to: 0 }],
    ['does nothing when every policy abstains', [d('a', 4, 4, { abstain: true })], { action: 'none', to: 4 }],
  ];
  it.each(cases)('%s', (_name, decisions, expected) => {
    expect(combineDecisions(decisions)).toMatchObject(expected);
  });

  it('explains a held scale-in by naming the policy that disagrees', () => {
    expect(combineDecisions([d('a', 4, 3), d('b', 4, 4, { suppressedBy: 'no_change' })]).reason).toMatch(/scale-in by a held: .*b: b says 4/);
  });

  it('lets a step scale-in act while the scale-out alarm is OK (separate alarms)', () => {
    const g = { desired: 14, min: 1, max: 100 };
    const out = stepPolicyDecision({ policy: awsOut, group: g, alarmState: 'OK', metricValue: 40, threshold: 50, nowMs: 0 });
    const into = stepPolicyDecision({ policy: awsIn, group: g, alarmState: 'ALARM', metricValue: 40, threshold: 50, nowMs: 0 });
    expect(combineDecisions([out, into])).toMatchObject({ action: 'scale', to: 13, policy: 'in' });
  });
});
