import { describe, expect, it } from 'vitest';
import { withLabelFilter, detectLevel, exactSelector, parseFields, stackVolume, streamOfRow, streamSelectorOf, streamsToRows, volumeQuery } from './logs';

describe('detectLevel', () => {
  it.each<{ labels: Record<string, string>; line: string; level: string }>([
    { labels: { level: 'WARNING' }, line: 'x', level: 'warn' },
    { labels: {}, line: 'ts=1 level=error msg=boom', level: 'error' },
    { labels: {}, line: '{"level":"debug","msg":"x"}', level: 'debug' },
    { labels: {}, line: '2026-01-01 FATAL disk gone', level: 'critical' },
    { labels: {}, line: 'nothing to see', level: 'unknown' },
  ])('reads $level from $labels / $line', ({ labels, line, level }) => {
    expect(detectLevel(labels, line)).toBe(level);
  });
});

describe('streamsToRows', () => {
  it('flattens streams newest first with exact nanosecond order', () => {
    const rows = streamsToRows([
      { stream: { app: 'a' }, values: [['1700000000000000002', 'two']] },
      { stream: { app: 'b' }, values: [['1700000000000000001', 'one'], ['1700000000000000003', 'three']] },
    ]);
    expect(rows.map((r) => r.line)).toEqual(['three', 'two', 'one']);
    expect(rows[0]!.tsMs).toBeCloseTo(1_700_000_000_000, 3);
  });
});

describe('parseFields', () => {
  it('reads JSON (nested keys dotted) and logfmt', () => {
    expect(parseFields('{"a":1,"b":{"c":"x"}}')).toEqual([
      ['a', '1'],
      ['b.c', 'x'],
    ]);
    expect(parseFields('level=info msg="hello \\"you\\"" n=3')).toEqual([
      ['level', 'info'],
      ['msg', 'hello "you"'],
      ['n', '3'],
    ]);
    expect(parseFields('plain text')).toEqual([]);
  });
});

describe('selectors', () => {
  it('finds the stream selector of a query, braces inside strings included', () => {
    expect(streamSelectorOf('{app="a}b"} |= "x" | json')).toBe('{app="a}b"}');
    expect(streamSelectorOf('sum(rate({a="b"}[1m]))')).toBeUndefined();
  });
  it('writes an exact selector with quoted values', () => {
    expect(exactSelector({ b: 'x"y', a: '1' })).toBe('{a="1", b="x\\"y"}');
  });
  it('picks the largest stream a row belongs to', () => {
    expect(streamOfRow({ app: 'a', host: 'h', extracted: '1' }, [{ app: 'a' }, { app: 'a', host: 'h' }, { app: 'b' }])).toEqual({ app: 'a', host: 'h' });
  });
});

describe('volume', () => {
  it('builds the per-level count query', () => {
    expect(volumeQuery(' {a="b"} |= "x" ', '1m')).toBe('sum by (level) (count_over_time({a="b"} |= "x" [1m]))');
  });
  it('stacks levels, most severe at the bottom, merging spellings', () => {
    const v = stackVolume(
      [
        { metric: { level: 'info' }, values: [[60, '2'], [120, '1']] },
        { metric: { level: 'ERROR' }, values: [[60, '1']] },
        { metric: { level: 'error' }, values: [[120, '4']] },
      ],
      { startS: 60, endS: 120, stepS: 60 },
    );
    expect(v.levels).toEqual(['error', 'info']);
    expect(v.counts).toEqual([
      [1, 4],
      [2, 1],
    ]);
    expect(v.stacked).toEqual([
      [1, 4],
      [3, 5],
    ]);
    expect(v.total).toBe(8);
  });
});

describe('withLabelFilter', () => {
  it('appends a label filter with the value quoted, so it cannot end the string', () => {
    expect(withLabelFilter('{app="a"} | json ', 'status', '500')).toBe('{app="a"} | json | status="500"');
    expect(withLabelFilter('{app="a"}', 'status', '500', 'logfmt')).toBe('{app="a"} | logfmt | status="500"');
    expect(withLabelFilter('{app="a"} |json', 'status', '500', 'json')).toBe('{app="a"} |json | status="500"');
    expect(withLabelFilter('{app="a"}', 'user', 'x" or "1')).toBe('{app="a"} | user="x\\" or \\"1"');
  });
});
