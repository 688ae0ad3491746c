import { describe, expect, it } from 'vitest';
import { parseExposition } from './exposition-parser.js';

describe('parseExposition', () => {
  it('parses text 0.0.4 with labels, escapes, special values and millisecond timestamps', () => {
    const body = [
      '# HELP http_requests_total Requests.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="post",path="/a \\"b\\"\\\\c\\nd"} 1027 1395066363000',
      'temp{} -Inf',
      'nan_metric NaN',
      '',
    ].join('\n');
    const { samples, meta } = parseExposition(body, 'text');
    expect(samples).toHaveLength(3);
    expect(samples[0]).toEqual({
      name: 'http_requests_total',
      labels: { method: 'post', path: '/a "b"\\c\nd' },
      value: 1027,
      timestampMs: 1395066363000,
    });
    expect(samples[1]!.value).toBe(Number.NEGATIVE_INFINITY);
    expect(Number.isNaN(samples[2]!.value)).toBe(true);
    expect(meta.get('http_requests_total')).toEqual({ type: 'counter', help: 'Requests.' });
  });

  it('parses OpenMetrics: counter family without _total, float-second timestamps, exemplars, # EOF', () => {
    const body = [
      '# TYPE foo counter',
      '# HELP foo Foo things.',
      'foo_total 17.0 1520879607.789 # {trace_id="abc"} 1.0',
      'foo_created 1520430000.123',
      '# EOF',
      'ignored 1',
    ].join('\n');
    const { samples, meta } = parseExposition(body, 'openmetrics');
    expect(samples.map((s) => [s.name, s.value, s.timestampMs])).toEqual([
      ['foo_total', 17, 1520879607789],
      ['foo_created', 1520430000.123, undefined],
    ]);
    expect(meta.get('foo_total')).toEqual({ type: 'counter', help: 'Foo things.' });
  });

  it.each([
    ['1bad 1', /line 1: invalid metric name/],
    ['x{a="1} 2', /line 1: unterminated label value/],
    ['x{a=1} 2', /expected =/],
    ['x abc', /invalid value "abc" for x/],
  ])('rejects %j', (body, message) => {
    expect(() => parseExposition(body, 'text')).toThrow(message);
  });
});
