import { describe, expect, it } from 'vitest';
import { type StepAdjustment, applyAdjustment, clamp, stepAdjustmentFor, stepAdjustmentProblems } from './adjustment.js';
import type { AdjustmentType } from './types.js';

/** The AWS user guide's step scaling example: threshold 50, scale-out and scale-in policies. */
const AWS_OUT_STEPS: StepAdjustment[] = [
  { lowerBound: 0, upperBound: 10, scalingAdjustment: 0 },
  { lowerBound: 10, upperBound: 20, scalingAdjustment: 10 },
  { lowerBound: 20, upperBound: null, scalingAdjustment: 30 },
];
const AWS_IN_STEPS: StepAdjustment[] = [
  { lowerBound: -10, upperBound: 0, scalingAdjustment: 0 },
  { lowerBound: -20, upperBound: -10, scalingAdjustment: -10 },
  { lowerBound: null, upperBound: -20, scalingAdjustment: -30 },
];

describe('applyAdjustment', () => {
  const cases: Array<[string, number, AdjustmentType, number, number | undefined, number]> = [
    ['adds a ChangeInCapacity', 3, 'ChangeInCapacity', 2, undefined, 5],
    ['removes a negative ChangeInCapacity, unclamped', 3, 'ChangeInCapacity', -5, undefined, -2],
    ['sets an ExactCapacity', 3, 'ExactCapacity', 7, undefined, 7],
    ['rounds +25 % of 10 (2.5) down to +2', 10, 'PercentChangeInCapacity', 25, undefined, 12],
    ['adds exactly +10 % of 10 as 1', 10, 'PercentChangeInCapacity', 10, undefined, 11],
    ['rounds a change of 12.7 down to 12', 127, 'PercentChangeInCapacity', 10, undefined, 139],
    ['rounds a change of 3.3 (+30 % of 11) down to 3', 11, 'PercentChangeInCapacity', 30, undefined, 14],
    ['rounds a change of 0.67 up to 1', 67, 'PercentChangeInCapacity', 1, undefined, 68],
    ['rounds a change of −0.58 to −1', 58, 'PercentChangeInCapacity', -1, undefined, 57],
    ['rounds a change of −6.67 toward zero to −6', 667, 'PercentChangeInCapacity', -1, undefined, 661],
    ['rounds −1.5 (−50 % of 3) toward zero to −1', 3, 'PercentChangeInCapacity', -50, undefined, 2],
    ['rounds −3.9 (−30 % of 13) toward zero to −3', 13, 'PercentChangeInCapacity', -30, undefined, 10],
    ['raises +1 (25 % of 4) to MinAdjustmentMagnitude 2', 4, 'PercentChangeInCapacity', 25, 2, 6],
    ['raises −1 (−25 % of 4) to −2 with MinAdjustmentMagnitude 2', 4, 'PercentChangeInCapacity', -25, 2, 2],
    ['leaves a change above MinAdjustmentMagnitude alone', 40, 'PercentChangeInCapacity', 25, 2, 50],
    ['keeps 0 % of anything at no change, even with a magnitude', 0, 'PercentChangeInCapacity', 50, 2, 0],
    ['doubles with +100 %', 10, 'PercentChangeInCapacity', 100, undefined, 20],
    ['empties with −100 %', 10, 'PercentChangeInCapacity', -100, undefined, 0],
  ];
  it.each(cases)('%s', (_name, current, type, adjustment, minMagnitude, expected) => {
    expect(applyAdjustment(current, type, adjustment, minMagnitude)).toBe(expected);
  });
});

describe('clamp', () => {
  it.each([
    [12, 1, 10, 10],
    [0, 1, 10, 1],
    [5, 1, 10, 5],
    [3, 3, 3, 3],
  ])('clamp(%d, %d, %d) is %d', (n, min, max, expected) => {
    expect(clamp(n, min, max)).toBe(expected);
  });
});

describe('stepAdjustmentFor', () => {
  const cases: Array<[string, StepAdjustment[], number, number | undefined]> = [
    ['55 is in [0, 10): no change', AWS_OUT_STEPS, 55, 0],
    ['50 (at the threshold) is in [0, 10)', AWS_OUT_STEPS, 50, 0],
    ['60 is in [10, 20): the lower bound is inclusive above the threshold', AWS_OUT_STEPS, 60, 10],
    ['65 is in [10, 20)', AWS_OUT_STEPS, 65, 10],
    ['69.99 is still in [10, 20)', AWS_OUT_STEPS, 69.99, 10],
    ['70 is in [20, ∞): the upper bound is exclusive above the threshold', AWS_OUT_STEPS, 70, 30],
    ['75 is in [20, ∞)', AWS_OUT_STEPS, 75, 30],
    ['1000 is in [20, ∞)', AWS_OUT_STEPS, 1000, 30],
    ['45 is in (−10, 0]', AWS_IN_STEPS, 45, 0],
    ['50 (at the threshold) is in (−10, 0]: the upper bound is inclusive below', AWS_IN_STEPS, 50, 0],
    ['40 is in (−20, −10]: the lower bound −10 is exclusive below', AWS_IN_STEPS, 40, -10],
    ['35 is in (−20, −10]', AWS_IN_STEPS, 35, -10],
    ['30 is in (−∞, −20]', AWS_IN_STEPS, 30, -30],
    ['49 below the threshold has no scale-out step', AWS_OUT_STEPS, 49, undefined],
    ['NaN has no step', AWS_OUT_STEPS, Number.NaN, undefined],
  ];
  it.each(cases)('%s', (_name, steps, metric, expected) => {
    expect(stepAdjustmentFor(steps, metric, 50)?.scalingAdjustment).toBe(expected);
  });

  it('finds the band of a policy spanning the threshold', () => {
    const spanning: StepAdjustment[] = [
      { lowerBound: null, upperBound: -10, scalingAdjustment: -2 },
      { lowerBound: -10, upperBound: 10, scalingAdjustment: 0 },
      { lowerBound: 10, upperBound: null, scalingAdjustment: 2 },
    ];
    expect([30, 45, 50, 55, 65].map((m) => stepAdjustmentFor(spanning, m, 50)?.scalingAdjustment)).toEqual([-2, 0, 0, 0, 2]);
  });
});

describe('stepAdjustmentProblems', () => {
  const s = (lowerBound: number | null, upperBound: number | null): StepAdjustment => ({ lowerBound, upperBound, scalingAdjustment: 1 });
  const cases: Array<[string, StepAdjustment[], RegExp | null]> = [
    ['accepts the AWS scale-out steps', AWS_OUT_STEPS, null],
    ['accepts the AWS scale-in steps', AWS_IN_STEPS, null],
    ['accepts a single open-ended step', [s(0, null)], null],
    ['accepts steps given out of order', [s(10, null), s(0, 10)], null],
    ['rejects no steps', [], /at least one step/],
    ['rejects a step unbounded on both sides', [s(null, null)], /lowerBound or an upperBound/],
    ['rejects a lower bound above the upper bound', [s(10, 5), s(5, null)], /lowerBound must be below upperBound/],
    ['rejects a gap between bands', [s(0, 10), s(15, null)], /gap between 10 and 15/],
    ['rejects overlapping bands', [s(0, 10), s(5, null)], /overlap/],
    ['rejects two steps without lowerBound', [s(null, -10), s(null, 0)], /only one step may omit lowerBound/],
    ['rejects two steps without upperBound', [s(0, null), s(10, null)], /only one step may omit upperBound/],
    ['rejects a positive upper bound with nothing above it', [s(0, 10), s(10, 20)], /positive upperBound needs/],
    ['rejects a negative lower bound with nothing below it', [s(-20, -10), s(-10, 0)], /negative lowerBound needs/],
  ];
  it.each(cases)('%s', (_name, steps, problem) => {
    const problems = stepAdjustmentProblems(steps);
    if (problem === null) expect(problems).toEqual([]);
    else expect(problems.join('; ')).toMatch(problem);
  });
});
