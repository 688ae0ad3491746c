import { describe, expect, it } from 'vitest';
import { type CompletionSources, applyCompletion, completionItems, findCompletionContext } from './completion';
import type { QueryLanguage } from './query-tokenizer';

/** `‸` marks the cursor. */
function at(query: string, lang: QueryLanguage = 'promql') {
  const cursor = query.indexOf('‸');
  const text = query.slice(0, cursor) + query.slice(cursor + 1);
  return { text, cursor, ctx: findCompletionContext(text, cursor, lang) };
}

const SOURCES: CompletionSources = {
  functions: [
    { name: 'rate', detail: '(matrix) → vector', doc: 'Per-second rate.' },
    { name: 'irate', detail: '(matrix) → vector', doc: '' },
    { name: 'histogram_quantile', detail: '(scalar, vector) → vector', doc: '' },
  ],
  aggregations: [{ name: 'sum', detail: '(instant-vector)', doc: '' }],
  keywords: ['by', 'without'],
  stages: [{ name: 'json', detail: 'parser', doc: '' }],
  metrics: ['http_requests_total', 'node_cpu_seconds_total', 'process_start_time_seconds'],
  labels: ['__name__', 'code', 'job', 'instance'],
  values: ['api', 'we"b', 'a.b'],
};

describe('findCompletionContext', () => {
  it.each([
    ['rat‸', { kind: 'metric-or-function', prefix: 'rat', from: 0, to: 3 }],
    ['sum(rate(http_req‸', { kind: 'metric-or-function', prefix: 'http_req' }],
    ['rate(http_requests_total{co‸', { kind: 'label-name', prefix: 'co', metric: 'http_requests_total' }],
    ['http_requests_total{‸}', { kind: 'label-name', prefix: '', metric: 'http_requests_total' }],
    ['http_requests_total{job="a", ‸}', { kind: 'label-name', prefix: '', metric: 'http_requests_total' }],
    ['{__name__="up", j‸}', { kind: 'label-name', prefix: 'j', metric: 'up' }],
    ['up{job=‸}', { kind: 'label-value', prefix: '', label: 'job', matcher: '=', metric: 'up' }],
    ['up{job="ap‸"}', { kind: 'label-value', prefix: 'ap', label: 'job', quote: '"', closed: true, from: 8, to: 10 }],
    ['up{job=~"ap‸', { kind: 'label-value', prefix: 'ap', label: 'job', matcher: '=~', closed: false }],
    ['sum by (‸) (up)', { kind: 'label-name', prefix: '', metric: 'up' }],
    ['sum without (jo‸) (up)', { kind: 'label-name', prefix: 'jo' }],
    ['rate(x[‸', { kind: 'duration', prefix: '' }],
    ['rate(x[5‸', { kind: 'duration', prefix: '5' }],
    ['up # comm‸', { kind: 'none' }],
    ['1 + ‸', { kind: 'metric-or-function', prefix: '' }],
    ['"a str‸"', { kind: 'none' }],
  ])('PromQL %s', (query, expected) => {
    expect(at(query).ctx).toMatchObject(expected);
  });

  it.each([
    ['{‸}', { kind: 'label-name', prefix: '' }],
    ['{app="web"} | ‸', { kind: 'stage', prefix: '' }],
    ['{app="web"} | js‸', { kind: 'stage', prefix: 'js' }],
    // After `|` a stage or a label filter may follow: both are offered.
    ['{app="web"} | json | lev‸', { kind: 'stage', prefix: 'lev' }],
    ['{app="web"} | json | level >‸', { kind: 'none' }],
    ['{app="web"} | json | level="er‸"', { kind: 'label-value', label: 'level', prefix: 'er' }],
    ['count_ov‸', { kind: 'function', prefix: 'count_ov' }],
    ['sum by (‸) (count_over_time({a="b"}[5m]))', { kind: 'label-name' }],
  ])('LogQL %s', (query, expected) => {
    expect(at(query, 'logql').ctx).toMatchObject(expected);
  });
});

describe('completionItems', () => {
  it('offers names that start with the prefix first, then names that contain it', () => {
    const { ctx } = at('rate‸');
    expect(completionItems(ctx, SOURCES).map((i) => i.label)).toEqual(['rate', 'irate']);
    const seconds = completionItems(at('seconds‸').ctx, SOURCES).map((i) => i.label);
    expect(seconds).toEqual(['node_cpu_seconds_total', 'process_start_time_seconds']);
  });

  it('offers label names without __name__ inside a metric selector', () => {
    expect(completionItems(at('up{‸}').ctx, SOURCES).map((i) => i.label)).toEqual(['job', 'code', 'instance']);
  });

  it('offers nothing for an empty context', () => {
    expect(completionItems(at('up # x‸').ctx, SOURCES)).toEqual([]);
  });
});

describe('applyCompletion', () => {
  const choose = (query: string, label: string, lang: QueryLanguage = 'promql') => {
    const { text, ctx } = at(query, lang);
    const item = completionItems(ctx, SOURCES).find((i) => i.label === label);
    if (!item) throw new Error(`no item ${label} in ${JSON.stringify(completionItems(ctx, SOURCES))}`);
    const out = applyCompletion(text, ctx, item);
    return `${out.text.slice(0, out.cursor)}‸${out.text.slice(out.cursor)}`;
  };

  it.each([
    ['ra‸', 'rate', 'rate(‸)'],
    ['sum(ra‸te(x[5m]))', 'irate', 'sum(irate(‸x[5m]))'],
    ['up{jo‸}', 'job', 'up{job‸}'],
    ['up{job=‸}', 'we"b', 'up{job="we\\"b"‸}'],
    ['up{job="‸"}', 'api', 'up{job="api"‸}'],
    ['up{job=~"‸', 'a.b', 'up{job=~"a\\\\.b"‸'],
    ['rate(x[‸', '5m', 'rate(x[5m‸'],
  ])('%s + %s → %s', (query, label, expected) => {
    expect(choose(query, label)).toBe(expected);
  });

  it('completes a LogQL stage', () => {
    expect(choose('{a="b"} | js‸', 'json', 'logql')).toBe('{a="b"} | json‸');
  });
});
