import { describe, expect, it } from 'vitest';
import { isAlertingError } from '../errors.js';
import { type AlarmPoint, type MetricPoint, backtestPolicies } from './backtest.js';
import { type ScalingPolicy, parseScalingPolicy } from './policy.js';

const MIN = 60_000;
const t0 = Date.parse('2026-06-01T00:00:00Z');
const at = (minutes: number) => t0 + minutes * MIN;

/** Capacity values at the given minutes. */
const capacityAt = (capacity: Array<[number, number]>, minutes: number[]) => minutes.map((m) => capacity.find(([t]) => t === at(m))?.[1]);
/** How often the curve changes direction (up then down, or down then up). */
function reversals(capacity: Array<[number, number]>): number {
  let last = 0;
  let n = 0;
  for (let i = 1; i < capacity.length; i++) {
    const dir = Math.sign(capacity[i]![1] - capacity[i - 1]![1]);
    if (dir !== 0 && last !== 0 && dir !== last) n++;
    if (dir !== 0) last = dir;
  }
  return n;
}

const policy = (body: Record<string, unknown>) => parseScalingPolicy({ group: 'w', ...body });

describe('backtestPolicies', () => {
  it('follows a step load with target tracking, with no oscillation', () => {
    // Total load 100 (2 instances at the 50 % target), 300 from minute 30 to 90, then 100 again.
    const load: MetricPoint[] = [
      { tMs: at(0), value: 100 },
      { tMs: at(30), value: 300 },
      { tMs: at(90), value: 100 },
    ];
    const { capacity, activities } = backtestPolicies({
      group: { name: 'w', min: 1, max: 20, desired: 2 },
      policies: [policy({ name: 'cpu50', type: 'targetTracking', query: 'sum(load)', targetValue: 50 })],
      alarmTimeline: () => [],
      metricTimeline: load,
      capacityModel: ({ value, capacity: c }) => value / Math.max(c, 1),
      stepMs: MIN,
      fromMs: at(0),
      toMs: at(150),
    });
    // Scale-in waits until the last 6-instance recommendation (minute 89) is 5 minutes old.
    expect(capacityAt(capacity, [0, 29, 30, 31, 40, 89, 90, 93, 94, 95, 150])).toEqual([2, 2, 6, 6, 6, 6, 6, 6, 2, 2, 2]);
    expect(reversals(capacity)).toBe(1);
    expect(activities.filter((a) => a.status === 'scaled').map((a) => [(a.atMs - t0) / MIN, a.from, a.to])).toEqual([
      [30, 2, 6],
      [94, 6, 2],
    ]);
    expect(activities.some((a) => a.suppressedBy === 'stabilization')).toBe(true);
  });

  it('re-applies a simple policy once per cooldown while its alarm stays in ALARM', () => {
    const alarm: AlarmPoint[] = [
      { tMs: at(0), state: 'ALARM', value: 90, threshold: 80 },
      { tMs: at(12), state: 'OK', value: 60, threshold: 80 },
    ];
    const { capacity, activities } = backtestPolicies({
      group: { name: 'w', min: 1, max: 10, desired: 2 },
      policies: [policy({ name: 'add', type: 'simple', alarm: 'cpu-high', scalingAdjustment: 1 })],
      alarmTimeline: (a) => (a === 'cpu-high' ? alarm : []),
      stepMs: MIN,
      fromMs: at(0),
      toMs: at(30),
    });
    const scaled = activities.filter((a) => a.status === 'scaled');
    expect(scaled.map((a) => (a.atMs - t0) / MIN)).toEqual([0, 5, 10]);
    expect(scaled[0]).toMatchObject({ group: 'w', policy: 'add', cause: { alarm: 'cpu-high', state: 'ALARM', metricValue: 90, threshold: 80 }, from: 2, to: 3 });
    expect(capacity.at(-1)).toEqual([at(30), 5]);
    expect(activities.filter((a) => a.suppressedBy === 'cooldown').map((a) => (a.atMs - t0) / MIN)).toEqual([1, 6, 11]);
  });

  it('replays the AWS step example with warm-up', () => {
    // 65 (+10 %) from minute 0; 75 (+30 %) from minute 2 while the first instance warms up.
    const alarm: AlarmPoint[] = [
      { tMs: at(0), state: 'ALARM', value: 65, threshold: 50 },
      { tMs: at(2), state: 'ALARM', value: 75, threshold: 50 },
      { tMs: at(4), state: 'OK', value: 45, threshold: 50 },
    ];
    const { capacity } = backtestPolicies({
      group: { name: 'w', min: 1, max: 100, desired: 10 },
      policies: [
        policy({
          name: 'out',
          type: 'step',
          alarm: 'cpu-high',
          adjustmentType: 'PercentChangeInCapacity',
          stepAdjustments: [
            { lowerBound: 0, upperBound: 10, scalingAdjustment: 0 },
            { lowerBound: 10, upperBound: 20, scalingAdjustment: 10 },
            { lowerBound: 20, scalingAdjustment: 30 },
          ],
        }),
      ],
      alarmTimeline: () => alarm,
      stepMs: MIN,
      fromMs: at(0),
      toMs: at(10),
    });
    // 10 → 11; at 75 the in-flight instance counts: 30 % of 10 = 3 → 13 (2 more, not 3 more).
    expect(capacityAt(capacity, [0, 1, 2, 3, 4, 10])).toEqual([11, 11, 13, 13, 13, 13]);
  });

  it('never scales while the alarm has no data', () => {
    const { capacity, activities } = backtestPolicies({
      group: { name: 'w', min: 1, max: 10, desired: 3 },
      policies: [policy({ name: 'add', type: 'simple', alarm: 'cpu-high', scalingAdjustment: 1 })],
      alarmTimeline: () => [{ tMs: at(0), state: 'INSUFFICIENT_DATA', value: null }],
      stepMs: MIN,
      fromMs: at(0),
      toMs: at(20),
    });
    expect(new Set(capacity.map(([, c]) => c))).toEqual(new Set([3]));
    expect(activities).toEqual([]);
  });

  it('runs scheduled actions at their time and lets scale-in wait for the raised min', () => {
    const policies: ScalingPolicy[] = [
      policy({ name: 'day', type: 'scheduled', cron: '0 9 * * *', timezone: 'Europe/Paris', min: 4 }),
      policy({ name: 'night', type: 'scheduled', cron: '0 18 * * *', timezone: 'Europe/Paris', min: 1 }),
      policy({ name: 'remove', type: 'simple', alarm: 'cpu-low', scalingAdjustment: -1, cooldownSeconds: 60 }),
    ];
    const { capacity, activities } = backtestPolicies({
      group: { name: 'w', min: 1, max: 10, desired: 1 },
      policies,
      alarmTimeline: () => [{ tMs: at(0), state: 'ALARM', value: 5, threshold: 10 }],
      stepMs: 30 * MIN,
      fromMs: at(0),
      toMs: at(24 * 60),
    });
    // 09:00 Paris = 07:00 UTC in June; 18:00 Paris = 16:00 UTC.
    const byHour = (h: number) => capacity.find(([t]) => t === at(h * 60))?.[1];
    expect([byHour(6), byHour(7), byHour(15), byHour(16), byHour(17)]).toEqual([1, 4, 4, 3, 1]);
    expect(activities.filter((a) => a.policy === 'day' || a.policy === 'night').map((a) => [a.policy, a.from, a.to])).toEqual([
      ['day', 1, 4],
      ['night', 4, 4],
    ]);
  });

  it('combines policies: the scale-out alarm wins over the scale-in alarm', () => {
    const { capacity } = backtestPolicies({
      group: { name: 'w', min: 1, max: 10, desired: 4 },
      policies: [
        policy({ name: 'add', type: 'simple', alarm: 'high', scalingAdjustment: 2 }),
        policy({ name: 'remove', type: 'simple', alarm: 'low', scalingAdjustment: -1 }),
      ],
      alarmTimeline: () => [{ tMs: at(0), state: 'ALARM', value: 1, threshold: 1 }],
      stepMs: MIN,
      fromMs: at(0),
      toMs: at(0),
    });
    expect(capacity).toEqual([[at(0), 6]]);
  });

  it.each([
    ['a zero step', { stepMs: 0 }, /stepMs > 0/],
    ['a backwards range', { fromMs: at(10), toMs: at(0) }, /fromMs ≤ toMs/],
    ['too many steps', { stepMs: 1, toMs: at(10_000) }, /more than 100000 steps/],
  ])('rejects %s', (_name, over, problem) => {
    try {
      backtestPolicies({ group: { name: 'w', min: 1, max: 2, desired: 1 }, policies: [], alarmTimeline: () => [], stepMs: MIN, fromMs: at(0), toMs: at(1), ...over });
      expect.unreachable();
    } catch (err) {
      expect(isAlertingError(err) && err.code === 'bad_data').toBe(true);
      expect((err as Error).message).toMatch(problem);
    }
  });
});
