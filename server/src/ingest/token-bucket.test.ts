import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it.each<[string, Array<[number, number]>, number[]]>([
    ['admits up to the burst, then asks to wait', [[0, 5], [0, 5], [0, 1]], [0, 0, 1]],
    ['refills at the rate', [[0, 10], [500, 5], [500, 1]], [0, 0, 1]],
    ['admits a request larger than the burst when full, then pays the debt', [[0, 25], [1000, 10], [2000, 10], [2500, 10]], [0, 2, 1, 0]],
  ])('%s', (_name, steps, expected) => {
    const b = new TokenBucket(10, 10, 0);
    expect(steps.map(([t, n]) => b.take(n, t))).toEqual(expected);
  });
});
