import { describe, expect, it } from 'vitest';
import { type HpaInput, hpaRecommendation, stabilizedRecommendation } from './hpa.js';

const now = 1_000_000;
const base: HpaInput = { currentReplicas: 4, currentValue: 100, targetValue: 100, nowMs: now, min: 1, max: 20 };

describe('hpaRecommendation', () => {
  const cases: Array<[string, Partial<HpaInput>, { desired: number; withinTolerance?: boolean; stabilized?: boolean }]> = [
    ['doubles when the metric is twice the target (200m vs 100m)', { currentReplicas: 1, currentValue: 200 }, { desired: 2 }],
    ['halves when the metric is half the target (50m vs 100m)', { currentReplicas: 4, currentValue: 50 }, { desired: 2 }],
    ['keeps replicas at exactly +10 % (the tolerance boundary)', { currentValue: 110 }, { desired: 4, withinTolerance: true }],
    ['keeps replicas at exactly −10 %', { currentReplicas: 10, currentValue: 90 }, { desired: 10, withinTolerance: true }],
    ['scales just past the tolerance: ceil(4 × 1.11) = 5', { currentValue: 111 }, { desired: 5, withinTolerance: false }],
    ['scales in just past the tolerance: ceil(10 × 0.89) = 9', { currentReplicas: 10, currentValue: 89 }, { desired: 9 }],
    ['honours a custom tolerance of 0', { currentValue: 101, tolerance: 0 }, { desired: 5 }],
    ['clamps to max', { currentValue: 1000 }, { desired: 20 }],
    ['clamps to min', { currentValue: 1, min: 2 }, { desired: 2 }],
    ['keeps replicas on a NaN metric', { currentValue: Number.NaN }, { desired: 4 }],
    ['holds a scale-down at the highest recommendation in the window', { currentReplicas: 10, currentValue: 50, history: [{ atMs: now - 60_000, desired: 8 }] }, { desired: 8, stabilized: true }],
    ['never goes above current replicas because of the window', { currentReplicas: 10, currentValue: 50, history: [{ atMs: now - 299_000, desired: 12 }] }, { desired: 10, stabilized: true }],
    ['drops a recommendation exactly one window old', { currentReplicas: 10, currentValue: 50, history: [{ atMs: now - 300_000, desired: 8 }] }, { desired: 5, stabilized: false }],
    ['honours a shorter window', { currentReplicas: 10, currentValue: 50, stabilizationSeconds: 30, history: [{ atMs: now - 60_000, desired: 8 }] }, { desired: 5 }],
    ['does not delay a scale-up (no scale-up window)', { currentReplicas: 4, currentValue: 200, history: [{ atMs: now - 10_000, desired: 2 }] }, { desired: 8 }],
  ];
  it.each(cases)('%s', (_name, over, expected) => {
    const r = hpaRecommendation({ ...base, ...over });
    expect(r).toMatchObject(expected);
    expect(r.reason).not.toBe('');
  });

  it('scales down step by step as old high recommendations leave the window', () => {
    const history = [
      { atMs: 0, desired: 10 },
      { atMs: 120_000, desired: 7 },
      { atMs: 240_000, desired: 5 },
    ];
    const at = (nowMs: number) => hpaRecommendation({ ...base, currentReplicas: 10, currentValue: 30, history, nowMs }).desired;
    expect([at(250_000), at(300_000), at(420_000), at(540_000)]).toEqual([10, 7, 5, 3]);
  });
});

describe('stabilizedRecommendation', () => {
  it.each([
    ['passes a scale-up through', 4, 6, [{ atMs: 0, desired: 2 }], 6],
    ['raises a scale-down to the window maximum', 10, 4, [{ atMs: 0, desired: 8 }], 8],
    ['caps the window maximum at current', 10, 4, [{ atMs: 0, desired: 15 }], 10],
    ['ignores history from the future', 10, 4, [{ atMs: 90_000, desired: 8 }], 4],
  ])('%s', (_name, current, rec, history, expected) => {
    expect(stabilizedRecommendation(current, rec, history, 300_000, 60_000)).toBe(expected);
  });
});
