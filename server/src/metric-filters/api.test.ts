import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture } from '../testing/app-fixture.js';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 30);
const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;

describe('/api/v1/metric-filters', () => {
  let f: AppFixture;
  beforeEach(async () => {
    f = await createAppFixture();
    f.setNow(NOW);
  });
  afterEach(async () => {
    await f.close();
  });

  const push = (lines: Array<[number, string]>, labels = { app: 'api', host: 'h1' }) =>
    f.request('/loki/api/v1/push', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ streams: [{ stream: labels, values: lines.map(([t, l]) => [ns(t), l]) }] }),
    });
  const createFilter = (body: Record<string, unknown>) =>
    f.request('/api/v1/metric-filters', { method: 'POST', body: JSON.stringify(body) });
  const query = async (q: string, atMs: number) =>
    (await (await f.request(`/api/v1/query?query=${encodeURIComponent(q)}&time=${atMs / 1000}`)).json()).data.result;

  it('turns lines pushed after the filter exists into samples PromQL can query', async () => {
    const created = await createFilter({
      name: 'api-errors',
      query: '{app="api"} | json | level="error"',
      metricName: 'api_errors',
      labels: ['route'],
    });
    expect(created.status).toBe(201);
    const minuteStart = Math.floor(NOW / 60_000) * 60_000 - 60_000;
    expect(
      (
        await push([
          [minuteStart + 1000, '{"level":"error","route":"/a"}'],
          [minuteStart + 2000, '{"level":"info","route":"/a"}'],
          [minuteStart + 3000, '{"level":"error","route":"/a"}'],
          [minuteStart + 4000, '{"level":"error","route":"/b"}'],
        ])
      ).status,
    ).toBe(204);
    expect(await f.filters.flush()).toBe(2);
    const result = await query('api_errors', minuteStart + 60_000);
    expect(result.map((r: { metric: { route: string }; value: [number, string] }) => [r.metric.route, r.value[1]]).sort()).toEqual([
      ['/a', '2'],
      ['/b', '1'],
    ]);
    expect(result[0].metric.metric_filter).toBe('api-errors');
    // A backfill over the same range writes the same samples (same timestamps, same sums).
    const backfill = await f.request('/api/v1/metric-filters/api-errors/backfill', {
      method: 'POST',
      body: JSON.stringify({ from: (minuteStart - 60_000) / 1000, to: NOW / 1000 }),
    });
    expect((await backfill.json()).data).toEqual({ lines: 4, samples: 2 });
    expect(await query('api_errors', minuteStart + 60_000)).toEqual(result);
    const raw = await (await f.request(`/api/v1/export?match[]=api_errors&start=0&end=${NOW / 1000}`)).text();
    expect(raw.trim().split('\n').map((l) => JSON.parse(l).values.length)).toEqual([1, 1]);
  });

  it('backfills over stored logs with the same samples live ingest writes', async () => {
    const minuteStart = Math.floor(NOW / 60_000) * 60_000 - 120_000;
    await push([
      [minuteStart + 1000, 'GET /x 500'],
      [minuteStart + 61_000, 'GET /y 500'],
      [minuteStart + 62_000, 'GET /z 200'],
    ]);
    expect((await createFilter({ name: 'e5', query: '{app="api"} |= " 500"', metricName: 'http_5xx', defaultValue: 0 })).status).toBe(201);
    const res = await f.request('/api/v1/metric-filters/e5/backfill', {
      method: 'POST',
      body: JSON.stringify({ from: (minuteStart - 60_000) / 1000, to: NOW / 1000 }),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).data).toEqual({ lines: 3, samples: 2 });
    expect((await query('http_5xx', minuteStart + 60_000))[0].value[1]).toBe('1');
    expect((await query('http_5xx', minuteStart + 120_000))[0].value[1]).toBe('1');
  });

  it('validates filters at save time, LogQL included', async () => {
    const bad = await createFilter({ name: 'x', query: '{app=', metricName: 'm' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/invalid metric filter: query: 1:6: parse error/);
    const metricQuery = await createFilter({ name: 'x', query: 'count_over_time({app="a"}[1m])', metricName: 'm' });
    expect((await metricQuery.json()).error).toMatch(/expected a log query/);
    expect((await createFilter({ name: 'ok', query: '{app="a"}', metricName: 'm' })).status).toBe(201);
    expect((await createFilter({ name: 'ok', query: '{app="a"}', metricName: 'm' })).status).toBe(409);
    const list = await (await f.request('/api/v1/metric-filters')).json();
    expect(list.data.map((d: { name: string }) => d.name)).toEqual(['ok']);
    expect((await f.request('/api/v1/metric-filters/ok', { method: 'DELETE' })).status).toBe(204);
    expect((await f.request('/api/v1/metric-filters/ok')).status).toBe(404);
  });

  it('keeps filters per tenant', async () => {
    expect((await createFilter({ name: 'mine', query: '{app="a"}', metricName: 'm' })).status).toBe(201);
    const other = await f.request('/api/v1/metric-filters', { tenant: 'other' });
    expect((await other.json()).data).toEqual([]);
  });
});
