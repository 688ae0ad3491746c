import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture } from '../testing/app-fixture.js';
import { remoteWriteBody } from '../testing/remote-write-encode.js';

const T = 1_700_000_000_000;

describe('Prometheus series APIs', () => {
  let f: AppFixture;
  beforeAll(async () => {
    f = await createAppFixture();
    f.setNow(T + 60_000);
    const body = remoteWriteBody([
      { labels: [['__name__', 'up'], ['instance', 'a:9100'], ['job', 'node']], samples: [[T, 1]] },
      { labels: [['__name__', 'up'], ['instance', 'b:9100'], ['job', 'node']], samples: [[T + 50_000, 0]] },
      { labels: [['__name__', 'http_requests_total'], ['code', '200'], ['job', 'api']], samples: [[T, 5]] },
    ]);
    expect((await f.request('/api/v1/write', { method: 'POST', body })).status).toBe(204);
  });
  afterAll(async () => {
    await f.close();
  });

  const json = async (path: string, init?: RequestInit) => (await f.request(path, init)).json();

  it('lists series matching a selector', async () => {
    const r = await json('/api/v1/series?match[]=up{instance=~"a.*"}');
    expect(r).toEqual({ status: 'success', data: [{ __name__: 'up', instance: 'a:9100', job: 'node' }] });
  });

  it('unions several match[] and honours start/end', async () => {
    const r = await json(`/api/v1/series?match[]=up&match[]=http_requests_total&start=${(T + 40_000) / 1000}`);
    expect(r.data).toEqual([{ __name__: 'up', instance: 'b:9100', job: 'node' }]);
  });

  it('accepts form POST as Grafana sends it', async () => {
    const r = await json('/api/v1/series', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'match[]=http_requests_total',
    });
    expect(r.data).toHaveLength(1);
  });

  it.each([
    ['/api/v1/series', 'no match[] parameter provided'],
    ['/api/v1/series?match[]={job=""}', 'at least one non-empty matcher'],
    ['/api/v1/series?match[]=up{', 'parse error'],
    ['/api/v1/series?match[]=up&start=yesterday', 'cannot parse "yesterday" to a valid timestamp'],
    ['/api/v1/labels?limit=-1', 'non-negative integer'],
  ])('answers 400 bad_data for %s', async (path, message) => {
    const res = await f.request(path);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.status).toBe('error');
    expect(body.errorType).toBe('bad_data');
    expect(body.error).toContain(message);
  });

  it('lists label names, optionally restricted by match[]', async () => {
    expect((await json('/api/v1/labels')).data).toEqual(['__name__', 'code', 'instance', 'job']);
    expect((await json('/api/v1/labels?match[]=http_requests_total')).data).toEqual(['__name__', 'code', 'job']);
  });

  it('lists label values', async () => {
    expect((await json('/api/v1/label/job/values')).data).toEqual(['api', 'node']);
    expect((await json('/api/v1/label/instance/values?match[]=up{instance="b:9100"}')).data).toEqual(['b:9100']);
    expect((await json('/api/v1/label/nope/values')).data).toEqual([]);
  });

  it('answers buildinfo without a features key', async () => {
    const r = await json('/api/v1/status/buildinfo');
    expect(r.data.version).toBeTypeOf('string');
    expect(r.data).not.toHaveProperty('features');
  });

  it('answers empty metadata as an empty object', async () => {
    expect(await json('/api/v1/metadata')).toEqual({ status: 'success', data: {} });
  });

  it('reports cardinality in /status/tsdb', async () => {
    const r = await json('/api/v1/status/tsdb');
    expect(r.data.headStats.numSeries).toBe(3);
    expect(r.data.seriesCountByMetricName[0]).toEqual({ name: 'up', value: 2 });
    expect(r.data.headStats.minTime).toBe(T);
    expect(r.data.headStats.maxTime).toBe(T + 50_000);
  });

  it('exports raw samples in VictoriaMetrics format', async () => {
    const text = await (await f.request('/api/v1/export?match[]=up')).text();
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toContainEqual({ metric: { __name__: 'up', instance: 'a:9100', job: 'node' }, values: [1], timestamps: [T] });
    expect(lines).toHaveLength(2);
  });

  it('answers unknown routes with 404 in the Prometheus envelope', async () => {
    const res = await f.request('/api/v1/nope');
    expect(res.status).toBe(404);
    expect((await res.json()).errorType).toBe('not_found');
  });
});
