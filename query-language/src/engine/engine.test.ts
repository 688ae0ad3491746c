import { describe, expect, it } from 'vitest';
import { isQueryError } from '../errors.js';
import { parseQueryOrThrow } from '../parse.js';
import { createMemorySource } from '../testing/memory-source.js';
import type { RawSeries, SelectParams, SeriesSource } from '../types.js';
import { createEngine } from './engine.js';

function sourceWith(n: number): ReturnType<typeof createMemorySource> {
  const source = createMemorySource();
  for (let s = 0; s < n; s++) for (let t = 0; t <= 600_000; t += 15_000) source.add({ __name__: 'up', i: String(s) }, t, t / 1000);
  return source;
}

describe('createEngine', () => {
  it('answers an instant query with a vector', async () => {
    const engine = createEngine(sourceWith(2));
    const result = await engine.instantQuery('up', 600_000);
    expect(result).toEqual({
      resultType: 'vector',
      result: [
        { labels: { __name__: 'up', i: '0' }, timestampMs: 600_000, value: 600 },
        { labels: { __name__: 'up', i: '1' }, timestampMs: 600_000, value: 600 },
      ],
      warnings: [],
      infos: [],
    });
  });

  it('answers Grafana\'s "Save & test" query 1+1 at time 4 with a scalar', async () => {
    const result = await createEngine(createMemorySource()).instantQuery('1+1', 4000);
    expect(result).toEqual({ resultType: 'scalar', result: { timestampMs: 4000, value: 2 }, warnings: [], infos: [] });
  });

  it('returns a string result for a string literal', async () => {
    const result = await createEngine(createMemorySource()).instantQuery('"hello"', 0);
    expect(result).toMatchObject({ resultType: 'string', result: { value: 'hello' } });
  });

  it('accepts an already parsed expression', async () => {
    const result = await createEngine(sourceWith(1)).instantQuery(parseQueryOrThrow('sum(up)'), 600_000);
    expect(result).toMatchObject({ resultType: 'vector', result: [{ labels: {}, value: 600 }] });
  });

  it('answers a range query with series sorted by labels', async () => {
    const engine = createEngine(sourceWith(2));
    const result = await engine.rangeQuery('up', { startMs: 0, endMs: 60_000, stepMs: 30_000 });
    expect(result).toEqual({
      resultType: 'matrix',
      result: [
        { labels: { __name__: 'up', i: '0' }, timestampsMs: [0, 30_000, 60_000], values: [0, 30, 60] },
        { labels: { __name__: 'up', i: '1' }, timestampsMs: [0, 30_000, 60_000], values: [0, 30, 60] },
      ],
      warnings: [],
      infos: [],
    });
  });

  it('reads each selector once with the widest range it needs', async () => {
    const calls: SelectParams[] = [];
    const source: SeriesSource = {
      async select(params) {
        calls.push(params);
        return [];
      },
    };
    await createEngine(source).rangeQuery('rate(up{job="x"}[5m]) + up offset 1m', {
      startMs: 1_000_000,
      endMs: 2_000_000,
      stepMs: 10_000,
    });
    expect(calls.map(({ startMs, endMs }) => [startMs, endMs])).toEqual([
      [1_000_000 - 300_000 + 1, 2_000_000],
      [1_000_000 - 60_000 - 300_000 + 1, 2_000_000 - 60_000],
    ]);
    expect(calls[0]?.matchers).toEqual([
      { name: 'job', op: '=', value: 'x' },
      { name: '__name__', op: '=', value: 'up' },
    ]);
  });

  it('treats flagged samples as stale markers and NaN values as ordinary samples', async () => {
    const series: RawSeries[] = [
      { labels: { __name__: 'a' }, timestamps: [0, 10_000], values: [1, Number.NaN], stale: [0, 1] },
      { labels: { __name__: 'b' }, timestamps: [0, 10_000], values: [1, Number.NaN] },
    ];
    const engine = createEngine({ select: async () => series });
    const result = await engine.instantQuery('{__name__=~"a|b"}', 20_000);
    expect(result.resultType === 'vector' && result.result.map((s) => [s.labels.__name__, s.value])).toEqual([['b', Number.NaN]]);
  });

  it('answers the same from typed-array and plain-array sources, stale markers inside ranges included', async () => {
    const ts = Array.from({ length: 120 }, (_, i) => i * 15_000 + (i % 3));
    const vals = ts.map((_, i) => (i % 40 === 17 ? 2 : i * 3));
    const stale = ts.map((_, i) => (i === 50 || i === 51 || i === 90 ? 1 : 0));
    const plain: RawSeries[] = [{ labels: { __name__: 'c_total' }, timestamps: ts, values: vals, stale }];
    const typed: RawSeries[] = [
      {
        labels: { __name__: 'c_total' },
        timestamps: Float64Array.from(ts),
        values: Float64Array.from(vals),
        stale: Uint8Array.from(stale),
      },
    ];
    const range = { startMs: 0, endMs: 1_800_000, stepMs: 20_000 };
    for (const q of ['rate(c_total[2m])', 'increase(c_total[1m])', 'c_total', 'count_over_time(c_total[5m])', 'c_total[1m]']) {
      const a = createEngine({ select: async () => plain });
      const b = createEngine({ select: async () => typed });
      if (q.endsWith(']') && !q.includes('(')) {
        expect(await b.instantQuery(q, 780_000)).toEqual(await a.instantQuery(q, 780_000));
      } else {
        expect(await b.rangeQuery(q, range)).toEqual(await a.rangeQuery(q, range));
      }
    }
  });

  it('rejects a bad query with a bad_query error naming the position', async () => {
    const engine = createEngine(createMemorySource());
    await expect(engine.instantQuery('sum(up', 0)).rejects.toSatisfy(
      (err: unknown) => isQueryError(err, 'bad_query') && (err as Error).message === '1:7: parse error: unclosed left parenthesis',
    );
  });

  it('rejects a range query with a non-positive step', async () => {
    const engine = createEngine(createMemorySource());
    await expect(engine.rangeQuery('up', { startMs: 0, endMs: 10, stepMs: 0 })).rejects.toSatisfy((err: unknown) =>
      isQueryError(err, 'bad_query'),
    );
  });

  it('fails with too_many_samples once a query holds more samples than allowed', async () => {
    const engine = createEngine(sourceWith(10), { maxSamples: 100 });
    await expect(engine.rangeQuery('up', { startMs: 0, endMs: 600_000, stepMs: 15_000 })).rejects.toSatisfy(
      (err: unknown) =>
        isQueryError(err, 'too_many_samples') &&
        (err as Error).message === 'query processing would load too many samples into memory in query execution',
    );
  });

  it('stays within the sample limit for small queries', async () => {
    const engine = createEngine(sourceWith(1), { maxSamples: 100 });
    await expect(engine.instantQuery('up', 600_000)).resolves.toMatchObject({ resultType: 'vector' });
  });

  it('stops with a canceled error when the signal fires during a read', async () => {
    const controller = new AbortController();
    let calls = 0;
    const source: SeriesSource = {
      async select(params) {
        calls++;
        controller.abort(new Error('client went away'));
        params.signal?.throwIfAborted();
        return [];
      },
    };
    const engine = createEngine(source);
    await expect(engine.instantQuery('a + b', 0, { signal: controller.signal })).rejects.toSatisfy(
      (err: unknown) => isQueryError(err, 'canceled') && (err as Error).cause instanceof Error,
    );
    expect(calls).toBe(1);
  });

  it('does not start reading when the signal has already fired', async () => {
    const source = sourceWith(1);
    const controller = new AbortController();
    controller.abort();
    await expect(createEngine(source).instantQuery('up', 0, { signal: controller.signal })).rejects.toSatisfy((err: unknown) =>
      isQueryError(err, 'canceled'),
    );
    expect(source.selectCalls).toBe(0);
  });

  it('fails a query with a runtime error as execution', async () => {
    const source = createMemorySource();
    source.add({ __name__: 'a', x: '1' }, 0, 1);
    source.add({ __name__: 'b', x: '1', y: '1' }, 0, 1);
    source.add({ __name__: 'b', x: '1', y: '2' }, 0, 1);
    await expect(createEngine(source).instantQuery('a + on(x) b', 0)).rejects.toSatisfy((err: unknown) =>
      isQueryError(err, 'execution'),
    );
  });

  it('runs user regular expressions in linear time', async () => {
    const source = createMemorySource();
    for (let i = 0; i < 200; i++) source.add({ __name__: 'm', v: `${'a'.repeat(40)}${i}` }, 0, 1);
    const started = performance.now();
    const result = await createEngine(source).instantQuery('count(m{v=~"(a+)+b"})', 0);
    // A backtracking engine needs around 2^40 steps per series here; RE2 answers at once.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(result).toMatchObject({ resultType: 'vector', result: [] });
  });

  it('honours a shorter lookback delta', async () => {
    const source = createMemorySource();
    source.add({ __name__: 'x' }, 0, 1);
    const engine = createEngine(source, { lookbackDeltaMs: 60_000 });
    await expect(engine.instantQuery('x', 59_000)).resolves.toMatchObject({ result: [{ value: 1 }] });
    await expect(engine.instantQuery('x', 60_000)).resolves.toMatchObject({ result: [] });
  });

  it('uses the default subquery step when a subquery has none', async () => {
    const engine = createEngine(sourceWith(1), { defaultSubqueryStepMs: 30_000 });
    const result = await engine.instantQuery('count_over_time(up[5m:])', 600_000);
    expect(result).toMatchObject({ result: [{ value: 10 }] });
  });

  it('reports buckets without a valid le label as a warning', async () => {
    const source = createMemorySource();
    source.add({ __name__: 'h_bucket', le: 'oops' }, 0, 1);
    const result = await createEngine(source).instantQuery('histogram_quantile(0.5, h_bucket)', 0);
    expect(result.warnings).toEqual([
      'PromQL warning: bucket label "le" is missing or has a malformed value of "oops" for metric name "h_bucket" (1:25)',
    ]);
  });
});

describe('a long evaluation', () => {
  it('can be cancelled by a timer while it runs', async () => {
    const series: RawSeries[] = [];
    for (let s = 0; s < 2000; s++) {
      const timestamps = Array.from({ length: 2000 }, (_, i) => i * 15_000);
      series.push({ labels: { __name__: 'm', s: String(s) }, timestamps, values: timestamps });
    }
    const engine = createEngine({ select: async () => series });
    // No await inside the source: only the engine's own pauses let the timer fire.
    const signal = AbortSignal.timeout(50);
    await expect(
      engine.rangeQuery('avg_over_time(m[1h])', { startMs: 0, endMs: 30_000_000, stepMs: 15_000 }, { signal }),
    ).rejects.toSatisfy((err: unknown) => isQueryError(err, 'canceled'));
  });
});
