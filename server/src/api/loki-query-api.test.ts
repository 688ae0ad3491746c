import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture } from '../testing/app-fixture.js';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;

describe('Loki query API', () => {
  let f: AppFixture;
  beforeAll(async () => {
    f = await createAppFixture();
    f.setNow(NOW);
    const values = (app: string) =>
      Array.from({ length: 10 }, (_, i) => [
        ns(NOW - 600_000 + i * 60_000),
        JSON.stringify({ level: i % 3 === 0 ? 'error' : 'info', status: 200 + (i % 4) * 100, msg: `${app} request ${i}` }),
      ]);
    const body = JSON.stringify({
      streams: [
        { stream: { app: 'api', host: 'a' }, values: values('api') },
        { stream: { app: 'web', host: 'b' }, values: values('web') },
      ],
    });
    const res = await f.request('/loki/api/v1/push', { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(204);
  });
  afterAll(async () => {
    await f.close();
  });
  const get = async (path: string) => {
    const res = await f.request(path);
    return { status: res.status, body: await res.json() };
  };

  it('answers Grafana\'s Loki "Save & test": vector(1)+vector(1) at time=4000000000 is 2', async () => {
    const r = await get(`/loki/api/v1/query?query=${encodeURIComponent('vector(1)+vector(1)')}&time=4000000000`);
    expect(r.status).toBe(200);
    expect(r.body.data.resultType).toBe('vector');
    expect(r.body.data.result).toEqual([{ metric: {}, value: [4, '2'] }]);
  });

  it('answers a log query as streams, newest first, with nanosecond string timestamps', async () => {
    const q = encodeURIComponent('{app="api"} |= "request 9"');
    const r = await get(`/loki/api/v1/query_range?query=${q}&start=${ns(NOW - 3_600_000)}&end=${ns(NOW)}&limit=1000&direction=backward`);
    expect(r.body.data.resultType).toBe('streams');
    expect(r.body.data.result).toEqual([
      { stream: { app: 'api', host: 'a' }, values: [[ns(NOW - 60_000), expect.stringContaining('api request 9')]] },
    ]);
  });

  it('honours direction and limit', async () => {
    const q = encodeURIComponent('{app="web"}');
    const fwd = await get(`/loki/api/v1/query_range?query=${q}&start=${ns(NOW - 3_600_000)}&end=${ns(NOW)}&limit=2&direction=forward`);
    const lines = fwd.body.data.result[0].values.map((v: [string, string]) => JSON.parse(v[1]).msg);
    expect(lines).toEqual(['web request 0', 'web request 1']);
  });

  it('runs parsers and label filters', async () => {
    const q = encodeURIComponent('{app=~".+"} | json | status >= 400 | level="error"');
    const r = await get(`/loki/api/v1/query_range?query=${q}&start=${ns(NOW - 3_600_000)}&end=${ns(NOW)}&limit=100`);
    const msgs = r.body.data.result.flatMap((s: { values: [string, string][] }) => s.values.map((v) => JSON.parse(v[1]).msg)).sort();
    // i % 3 === 0 → error; status 200 + (i % 4) * 100 >= 400 → i % 4 ∈ {2, 3}: i = 3, 6.
    expect(msgs).toEqual(['api request 3', 'api request 6', 'web request 3', 'web request 6']);
  });

  it('answers a metric range query as a matrix with second timestamps', async () => {
    const q = encodeURIComponent('sum by (app) (count_over_time({app=~".+"}[10m]))');
    const r = await get(`/loki/api/v1/query_range?query=${q}&start=${ns(NOW)}&end=${ns(NOW)}&step=60000ms`);
    expect(r.body.data.resultType).toBe('matrix');
    const byApp = Object.fromEntries(r.body.data.result.map((s: { metric: { app: string }; values: [number, string][] }) => [s.metric.app, s.values]));
    // Ten lines per app, one a minute from NOW-10m; the window (NOW-10m, NOW] leaves out the first.
    expect(byApp).toEqual({ api: [[NOW / 1000, '9']], web: [[NOW / 1000, '9']] });
  });

  it.each([
    ['/loki/api/v1/query_range?query=%7Bapp%3D', 400],
    ['/loki/api/v1/query_range?query=%7Bapp%3D%22x%22%7D&direction=sideways', 400],
    ['/loki/api/v1/query_range?query=%7Bapp%3D%22x%22%7D&step=0', 400],
    ['/loki/api/v1/query_range', 400],
  ])('answers %s with %i', async (path, status) => {
    const r = await get(path);
    expect(r.status).toBe(status);
    expect(r.body.status).toBe('error');
    // Grafana's Loki data source reads `message`.
    expect(r.body.message).toBe(r.body.error);
  });

  it('keeps tenants apart', async () => {
    const res = await f.request(`/loki/api/v1/query_range?query=${encodeURIComponent('{app="api"}')}&start=${ns(NOW - 3_600_000)}&end=${ns(NOW)}`, {
      tenant: 'other',
    });
    expect((await res.json()).data.result).toEqual([]);
  });
});
