import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture } from '../testing/app-fixture.js';
import { remoteWriteBody } from '../testing/remote-write-encode.js';

const T = 1_700_000_000_000;

describe('Prometheus query API', () => {
  let f: AppFixture;
  beforeAll(async () => {
    f = await createAppFixture('query: { maxSamples: 1000 }');
    f.setNow(T + 600_000);
    const samples = (v0: number) => Array.from({ length: 11 }, (_, i) => [T + i * 30_000, v0 + i * 10] as [number, number]);
    const body = remoteWriteBody([
      { labels: [['__name__', 'http_requests_total'], ['instance', 'a'], ['job', 'api']], samples: samples(0) },
      { labels: [['__name__', 'http_requests_total'], ['instance', 'b'], ['job', 'api']], samples: samples(100) },
    ]);
    expect((await f.request('/api/v1/write', { method: 'POST', body })).status).toBe(204);
  });
  afterAll(async () => {
    await f.close();
  });
  const json = async (path: string, init?: RequestInit) => {
    const res = await f.request(path, init);
    return { status: res.status, body: await res.json() };
  };

  it('answers Grafana\'s "Save & test": 1+1 at time=4 is scalar [4,"2"]', async () => {
    for (const init of [undefined, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'query=1%2B1&time=4' }]) {
      const r = await json(init ? '/api/v1/query' : '/api/v1/query?query=1%2B1&time=4', init);
      expect(r).toEqual({ status: 200, body: { status: 'success', data: { resultType: 'scalar', result: [4, '2'] } } });
    }
  });

  it('honours URL parameters on a POST with an empty JSON body, as vmalert sends', async () => {
    const r = await json(`/api/v1/query?query=up%3D%3D1&time=${T / 1000}&step=300s`, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ resultType: 'vector', result: [] });
  });

  it('evaluates an instant vector with Prometheus number formatting', async () => {
    const r = await json(`/api/v1/query?query=${encodeURIComponent('sum by (job) (rate(http_requests_total[5m]))')}&time=${(T + 300_000) / 1000}`);
    expect(r.body.data.resultType).toBe('vector');
    expect(r.body.data.result).toHaveLength(1);
    expect(r.body.data.result[0].metric).toEqual({ job: 'api' });
    expect(r.body.data.result[0].value[0]).toBe((T + 300_000) / 1000);
    expect(Number(r.body.data.result[0].value[1])).toBeCloseTo(2 * (10 / 30), 9);
  });

  it('answers a range query as a matrix', async () => {
    const r = await json(`/api/v1/query_range?query=http_requests_total{instance="a"}&start=${T / 1000}&end=${(T + 60_000) / 1000}&step=30`);
    expect(r.body.data).toEqual({
      resultType: 'matrix',
      result: [
        {
          metric: { __name__: 'http_requests_total', instance: 'a', job: 'api' },
          values: [
            [T / 1000, '0'],
            [(T + 30_000) / 1000, '10'],
            [(T + 60_000) / 1000, '20'],
          ],
        },
      ],
    });
  });

  it.each([
    ['vector(1e-7)', '1e-07'],
    ['1/0', '+Inf'],
    ['-1/0', '-Inf'],
    ['0/0', 'NaN'],
    ['123456789012345678', '123456789012345680'],
  ])('prints %s as %s', async (query, printed) => {
    const r = await json(`/api/v1/query?query=${encodeURIComponent(query)}&time=1700000000.123456`);
    const result = r.body.data.result;
    const value = Array.isArray(result[0]) || typeof result[0] === 'number' ? result[1] : result[0].value[1];
    expect(value).toBe(printed);
    const ts = Array.isArray(result[0]) || typeof result[0] === 'number' ? result[0] : result[0].value[0];
    expect(ts).toBe(1700000000.123);
  });

  it.each([
    ['/api/v1/query?query=sum(', 400, 'bad_data', 'invalid parameter "query": 1:5: parse error: unclosed left parenthesis'],
    ['/api/v1/query', 400, 'bad_data', 'query must not be empty'],
    ['/api/v1/query?query=up&time=soon', 400, 'bad_data', 'cannot parse "soon" to a valid timestamp'],
    ['/api/v1/query_range?query=up&start=1&end=2&step=0', 400, 'bad_data', 'zero or negative query resolution step widths are not accepted'],
    ['/api/v1/query_range?query=up&start=0&end=100000&step=1', 400, 'bad_data', 'exceeded maximum resolution of 11,000 points'],
    ['/api/v1/query_range?query=up&end=2&step=1', 400, 'bad_data', 'invalid parameter "start"'],
    [`/api/v1/query?query=${encodeURIComponent('http_requests_total[1h]')}&time=${(T + 600_000) / 1000}&timeout=1m`, 200, undefined, undefined],
  ])('answers %s with %i', async (path, status, errorType, message) => {
    const r = await json(path);
    expect(r.status).toBe(status);
    if (errorType) {
      expect(r.body.errorType).toBe(errorType);
      expect(r.body.error).toContain(message);
    }
  });

  it('fails with 422 when a query would hold more samples than allowed', async () => {
    const r = await json(`/api/v1/query_range?query=http_requests_total&start=${T / 1000}&end=${(T + 300_000) / 1000}&step=1`);
    expect(r.status).toBe(422);
    expect(r.body.errorType).toBe('execution');
  });

  it('formats a query', async () => {
    const r = await json(`/api/v1/format_query?query=${encodeURIComponent('sum(rate(x[5m]))by(job)')}`);
    expect(r.body).toEqual({ status: 'success', data: 'sum by (job) (rate(x[5m]))' });
  });

  it('keeps tenants apart in queries', async () => {
    const r = await json(`/api/v1/query?query=http_requests_total&time=${(T + 300_000) / 1000}`, { headers: { 'X-Scope-OrgID': 'other' } });
    expect(r.body.data.result).toEqual([]);
  });
});
