import { describe, expect, it } from 'vitest';
import { isAlertingError } from '../errors.js';
import { parseScalingPolicy } from './policy.js';

function problemsOf(body: unknown): string {
  try {
    parseScalingPolicy(body);
  } catch (err) {
    if (isAlertingError(err) && err.code === 'bad_data') return err.message;
    throw err;
  }
  throw new Error('expected a bad_data error');
}

const awsOutSteps = [
  { lowerBound: 0, upperBound: 10, scalingAdjustment: 0 },
  { lowerBound: 10, upperBound: 20, scalingAdjustment: 10 },
  { lowerBound: 20, scalingAdjustment: 30 },
];

describe('parseScalingPolicy', () => {
  it('applies simple-policy defaults (ChangeInCapacity, 300 s cooldown, enabled)', () => {
    expect(parseScalingPolicy({ type: 'simple', group: 'workers', alarm: 'cpu-high', scalingAdjustment: 2 }, 'add-two')).toEqual({
      name: 'add-two',
      group: 'workers',
      enabled: true,
      type: 'simple',
      alarm: 'cpu-high',
      adjustmentType: 'ChangeInCapacity',
      scalingAdjustment: 2,
      minAdjustmentMagnitude: null,
      cooldownSeconds: 300,
    });
  });

  it('reads the AWS step example with open bounds as null and a 300 s warm-up', () => {
    const p = parseScalingPolicy({ name: 'out', type: 'StepScaling', group: 'w', alarm: 'cpu', adjustmentType: 'PercentChangeInCapacity', stepAdjustments: awsOutSteps });
    expect(p).toMatchObject({ type: 'step', estimatedInstanceWarmupSeconds: 300, minAdjustmentMagnitude: null });
    expect(p.type === 'step' && p.stepAdjustments[2]).toEqual({ lowerBound: 20, upperBound: null, scalingAdjustment: 30 });
  });

  it('applies target-tracking defaults (tolerance 0, 300 s windows, scale-in on)', () => {
    expect(parseScalingPolicy({ name: 'cpu50', type: 'targetTracking', group: 'w', query: 'avg(cpu)', targetValue: 50 })).toMatchObject({
      disableScaleIn: false,
      tolerance: 0,
      scaleOutCooldownSeconds: 300,
      scaleInCooldownSeconds: 300,
      scaleInStabilizationSeconds: 300,
      estimatedInstanceWarmupSeconds: 300,
    });
  });

  it('accepts a scheduled action in a time zone', () => {
    expect(parseScalingPolicy({ name: 'morning', type: 'scheduled', group: 'w', cron: '0 8 * * MON-FRI', timezone: 'Europe/Paris', min: 4 })).toMatchObject({
      cron: '0 8 * * MON-FRI',
      timezone: 'Europe/Paris',
      min: 4,
      max: null,
      desired: null,
    });
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['a missing type', { name: 'p', group: 'w' }, /type must be/],
    ['an unknown field for the type', { name: 'p', type: 'simple', group: 'w', alarm: 'a', scalingAdjustment: 1, stepAdjustments: [] }, /unknown field "stepAdjustments"/],
    ['a missing scalingAdjustment', { name: 'p', type: 'simple', group: 'w', alarm: 'a' }, /scalingAdjustment is required/],
    ['a negative ExactCapacity', { name: 'p', type: 'simple', group: 'w', alarm: 'a', adjustmentType: 'ExactCapacity', scalingAdjustment: -1 }, /scalingAdjustment must be an integer from 0/],
    ['minAdjustmentMagnitude without percentages', { name: 'p', type: 'simple', group: 'w', alarm: 'a', scalingAdjustment: 1, minAdjustmentMagnitude: 2 }, /only applies to adjustmentType PercentChangeInCapacity/],
    ['an unknown adjustment type', { name: 'p', type: 'simple', group: 'w', alarm: 'a', adjustmentType: 'Double', scalingAdjustment: 1 }, /adjustmentType must be one of/],
    ['a negative cooldown', { name: 'p', type: 'simple', group: 'w', alarm: 'a', scalingAdjustment: 1, cooldownSeconds: -5 }, /cooldownSeconds must be an integer/],
    ['steps with a gap', { name: 'p', type: 'step', group: 'w', alarm: 'a', stepAdjustments: [{ lowerBound: 0, upperBound: 10, scalingAdjustment: 1 }, { lowerBound: 20, scalingAdjustment: 2 }] }, /gap between 10 and 20/],
    ['overlapping steps', { name: 'p', type: 'step', group: 'w', alarm: 'a', stepAdjustments: [{ lowerBound: 0, upperBound: 10, scalingAdjustment: 1 }, { lowerBound: 5, scalingAdjustment: 2 }] }, /overlap/],
    ['no steps', { name: 'p', type: 'step', group: 'w', alarm: 'a', stepAdjustments: [] }, /stepAdjustments must be a list/],
    ['a zero target', { name: 'p', type: 'targetTracking', group: 'w', query: 'q', targetValue: 0 }, /targetValue must be above 0/],
    ['a missing target', { name: 'p', type: 'targetTracking', group: 'w', query: 'q' }, /targetValue is required/],
    ['a tolerance of 1', { name: 'p', type: 'targetTracking', group: 'w', query: 'q', targetValue: 5, tolerance: 1 }, /tolerance must be/],
    ['an unknown time zone', { name: 'p', type: 'scheduled', group: 'w', cron: '0 8 * * *', timezone: 'Mars/Olympus', min: 1 }, /not an IANA time zone/],
    ['a four-field cron', { name: 'p', type: 'scheduled', group: 'w', cron: '0 8 * *', min: 1 }, /must have 5 fields/],
    ['a scheduled action that sets nothing', { name: 'p', type: 'scheduled', group: 'w', cron: '0 8 * * *' }, /at least one of min, max and desired/],
    ['a scheduled desired above its max', { name: 'p', type: 'scheduled', group: 'w', cron: '0 8 * * *', max: 2, desired: 3 }, /desired \(3\) must not exceed max \(2\)/],
    ['a missing group', { name: 'p', type: 'simple', alarm: 'a', scalingAdjustment: 1 }, /group must name a scaling group/],
  ];
  it.each(bad)('rejects %s', (_name, body, problem) => {
    expect(problemsOf(body)).toMatch(problem);
  });

  it('names the policy and lists every problem', () => {
    const msg = problemsOf({ name: 'p', type: 'simple', group: 'w', scalingAdjustment: 1.5, enabled: 'yes' });
    expect(msg).toMatch(/^invalid scaling policy "p": /);
    for (const p of [/alarm must name an alarm/, /scalingAdjustment must be an integer/, /enabled must be true or false/]) expect(msg).toMatch(p);
  });
});
