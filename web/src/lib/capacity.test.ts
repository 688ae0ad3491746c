import { describe, expect, it } from 'vitest';
import { capacitySeries } from './capacity';

describe('capacitySeries', () => {
  it('steps through the changes in time order and carries the last value to the end', () => {
    const d = capacitySeries(
      [
        { atMs: 4000, from: 4, to: 3 },
        { atMs: 2000, from: 2, to: 4 },
      ],
      0,
      6000,
      9,
    );
    expect(d.xs).toEqual([0, 2, 4, 6]);
    expect(d.ys).toEqual([[2, 4, 3, 3]]);
  });
  it('is flat at the fallback when nothing changed in the range', () => {
    expect(capacitySeries([{ atMs: 99_000, from: 1, to: 2 }], 0, 6000, 5).ys).toEqual([[5, 5]]);
  });
});
