import { describe, expect, it } from 'vitest';
import { type ApiAnswer, compareAnswers, sameSample, withoutMetricName } from './compare.js';

// The differential suite is only as good as this comparison: each kind of disagreement it exists
// to catch must be reported, and answers that agree must not be.

const vector = (...samples: Array<[Record<string, string>, string]>): ApiAnswer => ({
  ok: true,
  resultType: 'vector',
  result: samples.map(([metric, v]) => ({ metric, value: [100.5, v] })),
});
const matrix = (...series: Array<[Record<string, string>, Array<[number, string]>]>): ApiAnswer => ({
  ok: true,
  resultType: 'matrix',
  result: series.map(([metric, values]) => ({ metric, values })),
});
const error = (errorType: string): ApiAnswer => ({ ok: false, status: 422, errorType, error: 'boom' });

describe('sameSample', () => {
  it.each([
    ['1', '1', true],
    ['NaN', 'NaN', true],
    ['+Inf', '+Inf', true],
    ['-Inf', '-Inf', true],
    ['1', '1.0000000001', true],
    ['1', '1.000000002', false],
    ['NaN', '0', false],
    ['+Inf', '1e308', false],
    ['+Inf', '-Inf', false],
    ['1000000000000000000000', '1e+21', false],
  ])('%s and %s agree: %s', (a, b, agree) => {
    expect(sameSample(a, b)).toBe(agree);
  });
});

describe('compareAnswers', () => {
  it.each<{ name: string; expected: ApiAnswer; actual: ApiAnswer; ordered?: boolean; problem: RegExp | undefined }>([
    {
      name: 'the same series in another order',
      expected: vector([{ a: '1' }, '1'], [{ a: '2' }, '2']),
      actual: vector([{ a: '2' }, '2'], [{ a: '1' }, '1']),
      problem: undefined,
    },
    {
      name: 'another order where the order matters',
      expected: vector([{ a: '1' }, '1'], [{ a: '2' }, '2']),
      actual: vector([{ a: '2' }, '2'], [{ a: '1' }, '1']),
      ordered: true,
      problem: /order of values differs/,
    },
    {
      name: 'a missing series',
      expected: vector([{ a: '1' }, '1'], [{ a: '2' }, '2']),
      actual: vector([{ a: '1' }, '1']),
      problem: /only Prometheus has \["\{a=\\"2\\"\}"\]/,
    },
    { name: 'a different value', expected: vector([{ a: '1' }, '1']), actual: vector([{ a: '1' }, '1.5']), problem: /Prometheus .*"1".*Vigil .*"1.5"/ },
    {
      name: 'a missing step of a range result',
      expected: matrix([{ a: '1' }, [[1, '1'], [2, '2']]]),
      actual: matrix([{ a: '1' }, [[1, '1']]]),
      problem: /timestamps differ; only Prometheus has \[2\]/,
    },
    { name: 'an error where Prometheus answers', expected: vector(), actual: error('execution'), problem: /Vigil failed/ },
    { name: 'errors of different types', expected: error('bad_data'), actual: error('execution'), problem: /error types differ/ },
    { name: 'errors of the same type', expected: error('execution'), actual: error('execution'), problem: undefined },
    {
      name: 'a scalar where Prometheus has a vector',
      expected: vector([{}, '1']),
      actual: { ok: true, resultType: 'scalar', result: [100.5, '1'] },
      problem: /result types differ/,
    },
  ])('reports $name', ({ expected, actual, ordered, problem }) => {
    const found = compareAnswers(expected, actual, ordered);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });

  it('compares without __name__ only when asked', () => {
    const prometheus = vector([{ __name__: 'm', a: '1' }, '1']);
    const vigil = vector([{ a: '1' }, '1']);
    expect(compareAnswers(prometheus, vigil)).toMatch(/series differ/);
    expect(compareAnswers(withoutMetricName(prometheus), withoutMetricName(vigil))).toBeUndefined();
  });
});
