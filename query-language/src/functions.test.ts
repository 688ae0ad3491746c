import { describe, expect, it } from 'vitest';
import { argCountRange, FUNCTIONS, getFunction } from './functions.js';

describe('FUNCTIONS', () => {
  it('names every row by its key', () => {
    for (const [name, fn] of FUNCTIONS) expect(fn.name).toBe(name);
  });

  it('gives every row a one-line doc for the autocompleter', () => {
    for (const fn of FUNCTIONS.values()) expect(fn.doc).toMatch(/^\S.*\.$/);
  });

  it.each([
    ['rate', 1, 1],
    ['round', 1, 2],
    ['day_of_month', 0, 1],
    ['label_join', 3, Number.POSITIVE_INFINITY],
    ['sort_by_label', 1, Number.POSITIVE_INFINITY],
    ['time', 0, 0],
    ['clamp', 3, 3],
  ])('%s takes %d to %d arguments', (name, min, max) => {
    expect(argCountRange(getFunction(name)!)).toEqual({ min, max });
  });

  it('marks the functions that keep the metric name', () => {
    const keeping = [...FUNCTIONS.values()].filter((f) => f.keepsMetricName).map((f) => f.name);
    expect(keeping.sort()).toEqual([
      'first_over_time',
      'info',
      'label_join',
      'label_replace',
      'last_over_time',
      'sort',
      'sort_by_label',
      'sort_by_label_desc',
      'sort_desc',
    ]);
  });
});
