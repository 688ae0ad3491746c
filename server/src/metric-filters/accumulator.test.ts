import { describe, expect, it } from 'vitest';
import { type CompiledLogPipeline, FilterAccumulator, MAX_COMBINATIONS_PER_INTERVAL } from './accumulator.js';
import { parseMetricFilterDefinition } from './definition.js';

/** A pipeline for tests: streams with app=api; lines containing "error"; `key=value` words become fields. */
const pipeline: CompiledLogPipeline = {
  streamMatchers: [{ name: 'app', op: '=', value: 'api' }],
  matchesStream: (l) => l.app === 'api',
  process(labels, line) {
    if (!line.includes('error')) return undefined;
    const out: Record<string, string> = { ...labels };
    for (const w of line.split(' ')) {
      const [k, v] = w.split('=');
      if (k && v) out[k] = v;
    }
    return out;
  },
};
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const T = 1_700_000_000_000; // 20 s into a minute

describe('FilterAccumulator', () => {
  it('sums matching lines per interval and writes one sample at the interval end', () => {
    const acc = new FilterAccumulator(parseMetricFilterDefinition({ name: 'errs', query: 'x', metricName: 'api_errors' }), pipeline);
    acc.add({ app: 'api' }, [
      { tsNs: ns(T), line: 'error one' },
      { tsNs: ns(T + 1000), line: 'fine' },
      { tsNs: ns(T + 2000), line: 'error two' },
      { tsNs: ns(T + 45_000), line: 'error next minute' },
    ]);
    acc.add({ app: 'web' }, [{ tsNs: ns(T), line: 'error elsewhere' }]);
    const end = Math.ceil(T / 60_000) * 60_000;
    expect(acc.take(end, end)).toEqual([
      { labels: [{ name: '__name__', value: 'api_errors' }, { name: 'metric_filter', value: 'errs' }], timestampsMs: [end], values: [2] },
    ]);
    expect(acc.take(end, end)).toEqual([]);
    expect(acc.take(end + 60_000, end + 60_000)[0]!.values).toEqual([1]);
  });

  it('rewrites the full sum when a late line arrives for a written interval', () => {
    const acc = new FilterAccumulator(parseMetricFilterDefinition({ name: 'e', query: 'x', metricName: 'm' }), pipeline);
    const end = Math.ceil(T / 60_000) * 60_000;
    acc.add({ app: 'api' }, [{ tsNs: ns(T), line: 'error' }]);
    expect(acc.take(end, end)[0]!.values).toEqual([1]);
    acc.add({ app: 'api' }, [{ tsNs: ns(T + 5), line: 'error late' }]);
    expect(acc.take(end, end + 10_000)[0]!.values).toEqual([2]);
  });

  it('takes values from a field, labels from fields, and writes the default value when nothing matched', () => {
    const def = parseMetricFilterDefinition({
      name: 'lat',
      query: 'x',
      metricName: 'latency_ms',
      value: { field: 'ms' },
      labels: ['route'],
      defaultValue: 0,
    });
    const acc = new FilterAccumulator(def, pipeline);
    acc.add({ app: 'api' }, [
      { tsNs: ns(T), line: 'error route=/a ms=5' },
      { tsNs: ns(T + 1), line: 'error route=/a ms=7' },
      { tsNs: ns(T + 2), line: 'error route=/b ms=1' },
      { tsNs: ns(T + 3), line: 'error route=/b ms=oops' },
      { tsNs: ns(T + 60_000), line: 'nothing matches' },
    ]);
    const out = acc.take(Number.POSITIVE_INFINITY, T).map((s) => [s.labels.find((l) => l.name === 'route')?.value, Array.from(s.values)]);
    expect(out).toEqual([
      ['/a', [12]],
      ['/b', [1]],
      [undefined, [0]],
    ]);
  });

  it(`bounds label combinations per interval at ${MAX_COMBINATIONS_PER_INTERVAL}, folding the rest into "other"`, () => {
    const acc = new FilterAccumulator(parseMetricFilterDefinition({ name: 'c', query: 'x', metricName: 'm', labels: ['user'] }), pipeline);
    acc.add(
      { app: 'api' },
      Array.from({ length: MAX_COMBINATIONS_PER_INTERVAL + 20 }, (_, i) => ({ tsNs: ns(T + i), line: `error user=u${i}` })),
    );
    const series = acc.take(Number.POSITIVE_INFINITY, T);
    expect(series).toHaveLength(MAX_COMBINATIONS_PER_INTERVAL + 1);
    expect(series.find((s) => s.labels.some((l) => l.value === 'other'))!.values).toEqual([20]);
  });
});

describe('parseMetricFilterDefinition', () => {
  it('applies defaults', () => {
    expect(parseMetricFilterDefinition({ name: 'a', query: '{app="x"}', metricName: 'm' })).toEqual({
      name: 'a',
      query: '{app="x"}',
      metricName: 'm',
      value: { kind: 'count' },
      defaultValue: null,
      labels: [],
      intervalSeconds: 60,
    });
  });

  it('accepts its own output, so a filter read back can be written back', () => {
    const def = parseMetricFilterDefinition({ name: 'a', query: 'q', metricName: 'm', value: { field: 'ms' } });
    expect(parseMetricFilterDefinition(JSON.parse(JSON.stringify(def)))).toEqual(def);
    const count = parseMetricFilterDefinition({ name: 'b', query: 'q', metricName: 'm' });
    expect(parseMetricFilterDefinition(JSON.parse(JSON.stringify(count)))).toEqual(count);
  });

  it('names every problem', () => {
    expect(() =>
      parseMetricFilterDefinition({ name: '../x', metricName: '1bad', labels: Array(6).fill('a'), intervalSeconds: 1, extra: 1 }),
    ).toThrow(
      /unknown field "extra".*name must match.*query must be.*metricName must be.*at most 5.*intervalSeconds must be/,
    );
  });
});
