import { describe, expect, it } from 'vitest';
import { formatPromScalar, formatPromValue } from './format-value.js';

describe('formatPromValue', () => {
  it.each([
    [0, '0'],
    [-0, '-0'],
    [1, '1'],
    [-1.5, '-1.5'],
    [0.1 + 0.2, '0.30000000000000004'],
    [0.000001, '0.000001'],
    [1e-7, '1e-07'],
    [1.5e-7, '1.5e-07'],
    [1e-100, '1e-100'],
    [123456789012345680, '123456789012345680'],
    [1e20, '100000000000000000000'],
    [1e21, '1e+21'],
    [1.5e300, '1.5e+300'],
    [-2e21, '-2e+21'],
    [Number.POSITIVE_INFINITY, '+Inf'],
    [Number.NEGATIVE_INFINITY, '-Inf'],
    [Number.NaN, 'NaN'],
    [Number.MAX_VALUE, '1.7976931348623157e+308'],
    [Number.MIN_VALUE, '5e-324'],
  ])('prints %d as %s', (value, text) => {
    expect(formatPromValue(value)).toBe(text);
  });
});

describe('formatPromScalar', () => {
  it.each([
    [0, '0'],
    [-0, '-0'],
    [1.5, '1.5'],
    [-2.25, '-2.25'],
    [1e21, '1000000000000000000000'],
    [2 ** 70, '1180591620717411300000'],
    [-1.5e22, '-15000000000000000000000'],
    [1e-7, '0.0000001'],
    [1.25e-7, '0.000000125'],
    [5e-324, `0.${'0'.repeat(323)}5`],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, '+Inf'],
    [Number.NEGATIVE_INFINITY, '-Inf'],
  ])('%s → %s', (v, text) => {
    expect(formatPromScalar(v)).toBe(text);
  });
});
