import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture } from '../testing/app-fixture.js';

describe('/api/v1/web (the query editor)', () => {
  let f: AppFixture;
  beforeAll(async () => {
    f = await createAppFixture();
  });
  afterAll(async () => {
    await f.close();
  });

  it('lists PromQL functions from the signature table and LogQL stages', async () => {
    const res = await f.request('/api/v1/web/language');
    expect(res.status).toBe(200);
    const { promql, logql } = (await res.json()).data;
    expect(promql.functions.find((fn: { name: string }) => fn.name === 'rate')).toEqual({
      name: 'rate',
      detail: '(range-vector) → instant-vector',
      doc: expect.any(String),
    });
    expect(promql.aggregations.map((a: { name: string }) => a.name)).toContain('topk');
    expect(logql.stages.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(['json', 'logfmt', 'line_format']));
    expect(logql.rangeAggregations.map((a: { name: string }) => a.name)).toContain('count_over_time');
  });

  it.each([
    { lang: 'promql', query: 'sum(rate(x[5m])', start: 15, message: 'unclosed left parenthesis' },
    { lang: 'logql', query: '{app="a"} |= ', start: 13, message: 'parse error' },
  ])('reports a $lang problem at its position', async ({ lang, query, message }) => {
    const res = await f.request('/api/v1/web/parse', { method: 'POST', body: new URLSearchParams({ lang, query }) });
    const { errors } = (await res.json()).data;
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0].message).toContain(message);
    expect(errors[0]).toMatchObject({ line: 1, start: expect.any(Number), end: expect.any(Number) });
    expect(errors[0].start).toBeGreaterThanOrEqual(0);
    expect(errors[0].start).toBeLessThanOrEqual(query.length);
  });

  it('answers no problems for a valid query', async () => {
    const res = await f.request('/api/v1/web/parse?lang=promql&query=up', { method: 'GET' });
    expect((await res.json()).data.errors).toEqual([]);
  });
});
