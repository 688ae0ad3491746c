import { describe, expect, it } from 'vitest';
import { parseScript, parseSequence, parseSeriesLabels } from './promql-script.js';
import { almostEqual, scriptCases } from './run-script.js';

const v = (value: number) => ({ kind: 'value', value });
const gap = { kind: 'omitted' };

describe('parseSequence', () => {
  it.each([
    ['1 2 3', [v(1), v(2), v(3)]],
    ['0+10x3', [v(0), v(10), v(20), v(30)]],
    ['10-2x2', [v(10), v(8), v(6)]],
    ['-1+1x2', [v(-1), v(0), v(1)]],
    ['5x2', [v(5), v(5), v(5)]],
    ['_ 1 _x2', [gap, v(1), gap, gap]],
    ['stale Inf -Inf', [{ kind: 'stale' }, v(Number.POSITIVE_INFINITY), v(Number.NEGATIVE_INFINITY)]],
    ['1e3 .5', [v(1000), v(0.5)]],
  ])('expands %s', (text, expected) => {
    expect(parseSequence(text)).toEqual(expected);
  });

  it('reads NaN', () => {
    expect(parseSequence('NaN')[0]).toEqual({ kind: 'value', value: Number.NaN });
  });

  it('rejects unknown tokens', () => {
    expect(() => parseSequence('1 two')).toThrow('bad value in series: "two"');
  });
});

describe('parseSeriesLabels', () => {
  it('reads a metric name and labels', () => {
    expect(parseSeriesLabels('up{job="a", instance="b"}')).toEqual({ job: 'a', instance: 'b', __name__: 'up' });
  });

  it('reads an empty label set', () => {
    expect(parseSeriesLabels('{}')).toEqual({});
  });
});

describe('parseScript', () => {
  it('reads loads, clears and the forms of eval', () => {
    const commands = parseScript(
      [
        '# comment',
        'load 5m',
        '  a{x="1"} 1 2',
        '',
        'eval instant at 10m a',
        '  a{x="1"} 2',
        'eval_ordered instant at 1h sort(a)',
        'eval range from 0 to 10m step 5m a',
        '  a{x="1"} 1 2 2',
        'eval_fail instant at 0 a[',
        '  expected_fail_message unclosed',
        'eval instant at 0 1',
        '  2',
        'clear',
      ].join('\n'),
    );
    expect(commands.map((c) => c.kind)).toEqual(['load', 'eval', 'eval', 'eval', 'eval', 'eval', 'clear']);
    expect(commands[1]).toMatchObject({ query: 'a', timing: { type: 'instant', timeMs: 600_000 }, ordered: false, fail: false });
    expect(commands[2]).toMatchObject({ ordered: true, timing: { timeMs: 3_600_000 } });
    expect(commands[3]).toMatchObject({ timing: { type: 'range', startMs: 0, endMs: 600_000, stepMs: 300_000 } });
    expect(commands[4]).toMatchObject({ fail: { message: 'unclosed' } });
    expect(commands[5]).toMatchObject({ expected: [{ scalar: 2 }] });
  });

  it('names the line of an unknown command', () => {
    expect(() => parseScript('load 1m\n  a 1\nevaluate a')).toThrow('line 3: unknown command "evaluate a"');
  });
});

describe('scriptCases', () => {
  const script = (expected: string) => `load 1m\n  a{x="1"} 1 2 3\n  a{x="2"} 5\n\neval instant at 2m a\n${expected}\n`;

  it('passes when the result matches', async () => {
    const [c] = scriptCases(script('  a{x="1"} 3\n  a{x="2"} 5'));
    await expect(c!.run()).resolves.toBeUndefined();
  });

  it.each([
    ['a wrong value', '  a{x="1"} 4\n  a{x="2"} 5', '{__name__="a", x="1"}: expected 4, got 3'],
    ['an unexpected series', '  a{x="1"} 3', 'unexpected {__name__="a", x="2"} 5'],
    ['a missing series', '  a{x="1"} 3\n  a{x="2"} 5\n  a{x="3"} 1', 'missing {__name__="a", x="3"} 1'],
  ])('fails on %s', async (_name, expected, message) => {
    const [c] = scriptCases(script(expected));
    await expect(c!.run()).rejects.toThrow(message);
  });

  it('fails when an ordered result comes in another order', async () => {
    const [c] = scriptCases('load 1m\n  a{x="1"} 1\n  a{x="2"} 2\n\neval_ordered instant at 0m sort_desc(a)\n  a{x="1"} 1\n  a{x="2"} 2\n');
    await expect(c!.run()).rejects.toThrow('is not at position 0');
  });

  it('fails when a query expected to fail succeeds', async () => {
    const [c] = scriptCases('eval_fail instant at 0m 1\n');
    await expect(c!.run()).rejects.toThrow('expected the query to fail, got scalar');
  });

  it('fails when the failure message differs', async () => {
    const [c] = scriptCases('eval_fail instant at 0m sum(\n  expected_fail_message something else\n');
    await expect(c!.run()).rejects.toThrow('expected failure "something else"');
  });

  it('gives every case its own copy of the data loaded before it', async () => {
    const cases = scriptCases('load 1m\n  a 1\n\neval instant at 0m a\n  a 1\n\nclear\n\neval instant at 0m a\n');
    // Run out of order: the second case must not see the first case's data.
    await expect(cases[1]!.run()).resolves.toBeUndefined();
    await expect(cases[0]!.run()).resolves.toBeUndefined();
  });
});

describe('almostEqual', () => {
  it.each([
    [1, 1, true],
    [1, 1 + 1e-9, true],
    [1, 1.001, false],
    [Number.NaN, Number.NaN, true],
    [Number.NaN, 0, false],
    [0, 1e-300, false],
    [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, true],
    [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, false],
  ])('compares %d and %d as %s', (a, b, expected) => {
    expect(almostEqual(a, b)).toBe(expected);
  });
});
