import { describe, expect, it } from 'vitest';
import { idRangeFilter } from './id-filter.js';

describe('idRangeFilter', () => {
  it('gives a range only for a run of consecutive ids', () => {
    expect(idRangeFilter('series_id', [7])).toBe('series_id BETWEEN 7 AND 7');
    expect(idRangeFilter('series_id', [3, 4, 5, 6])).toBe('series_id BETWEEN 3 AND 6');
    expect(idRangeFilter('series_id', [3, 4, 6])).toBeUndefined();
    expect(idRangeFilter('series_id', [1, 11, 21])).toBeUndefined();
    expect(idRangeFilter('series_id', [])).toBeUndefined();
  });
});
