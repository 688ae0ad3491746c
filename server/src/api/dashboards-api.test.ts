import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture } from '../testing/app-fixture.js';
import { parseDashboard } from '../web/dashboard-model.js';
import { HOST_OVERVIEW } from '../web/host-overview-dashboard.js';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

const DASHBOARD = {
  title: 'Checkout',
  tags: ['shop'],
  time: { from: 'now-6h', to: 'now' },
  refresh: '30s',
  variables: [{ name: 'job', label: 'job', source: 'metrics', match: 'up', multi: true, includeAll: true }],
  panels: [
    { id: 'rps', title: 'Requests', type: 'timeseries', language: 'promql', query: 'sum(rate(http_requests_total{job=~"$job"}[$__rate_interval]))', unit: 'reqps', grid: { x: 0, y: 0, w: 12, h: 8 } },
    { id: 'errors', title: 'Errors', type: 'logs', language: 'logql', query: '{job=~"$job"} |= "error"', unit: '', grid: { x: 12, y: 0, w: 12, h: 8 } },
  ],
};

describe('/api/v1/dashboards', () => {
  let f: AppFixture;
  beforeEach(async () => {
    f = await createAppFixture();
    f.setNow(NOW);
  });
  afterEach(async () => {
    await f.close();
  });

  const create = async (body: unknown = DASHBOARD, tenant?: string) => {
    const res = await f.request('/api/v1/dashboards', { method: 'POST', body: JSON.stringify(body), tenant });
    return { status: res.status, body: await res.json() };
  };

  it('creates, reads, lists, replaces and deletes a dashboard', async () => {
    const created = await create();
    expect(created.status).toBe(201);
    const id = created.body.data.id as string;
    expect(created.body.data).toMatchObject({ id, version: 1, builtIn: false, title: 'Checkout', panels: DASHBOARD.panels });

    const list = (await (await f.request('/api/v1/dashboards')).json()).data;
    expect(list.map((d: { id: string }) => d.id)).toEqual(['host-overview', id]);
    expect(list[1]).toMatchObject({ title: 'Checkout', panels: 2, version: 1, tags: ['shop'] });

    const put = await f.request(`/api/v1/dashboards/${id}`, { method: 'PUT', body: JSON.stringify({ ...DASHBOARD, title: 'Checkout v2', version: 1 }) });
    expect(put.status).toBe(200);
    expect((await put.json()).data).toMatchObject({ title: 'Checkout v2', version: 2 });
    expect((await (await f.request(`/api/v1/dashboards/${id}`)).json()).data.title).toBe('Checkout v2');

    expect((await f.request(`/api/v1/dashboards/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await f.request(`/api/v1/dashboards/${id}`)).status).toBe(404);
    expect((await f.request(`/api/v1/dashboards/${id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('refuses a save based on an old version (409) rather than losing the other change', async () => {
    const id = (await create()).body.data.id;
    await f.request(`/api/v1/dashboards/${id}`, { method: 'PUT', body: JSON.stringify({ ...DASHBOARD, version: 1 }) });
    const stale = await f.request(`/api/v1/dashboards/${id}`, { method: 'PUT', body: JSON.stringify({ ...DASHBOARD, title: 'mine', version: 1 }) });
    expect(stale.status).toBe(409);
    expect((await stale.json()).error).toContain('now version 2, yours 1');
  });

  it('imports an exported dashboard as it is (metadata ignored) into a new id', async () => {
    const id = (await create()).body.data.id;
    const exported = (await (await f.request(`/api/v1/dashboards/${id}`)).json()).data;
    const imported = await create(exported);
    expect(imported.status).toBe(201);
    expect(imported.body.data.id).not.toBe(id);
    expect(imported.body.data).toMatchObject({ version: 1, title: 'Checkout', variables: DASHBOARD.variables });
  });

  it('keeps dashboards per tenant', async () => {
    const id = (await create(DASHBOARD, 'team-a')).body.data.id;
    expect((await f.request(`/api/v1/dashboards/${id}`, { tenant: 'team-a' })).status).toBe(200);
    expect((await f.request(`/api/v1/dashboards/${id}`, { tenant: 'team-b' })).status).toBe(404);
    const listB = (await (await f.request('/api/v1/dashboards', { tenant: 'team-b' })).json()).data;
    expect(listB.map((d: { id: string }) => d.id)).toEqual(['host-overview']);
  });

  it('serves the built-in Host overview read-only', async () => {
    const res = await f.request('/api/v1/dashboards/host-overview');
    expect((await res.json()).data).toMatchObject({ builtIn: true, readOnly: true, title: 'Host overview' });
    const put = await f.request('/api/v1/dashboards/host-overview', { method: 'PUT', body: JSON.stringify(DASHBOARD) });
    expect(put.status).toBe(405);
    expect((await put.json()).error).toContain('duplicate it');
    expect((await f.request('/api/v1/dashboards/host-overview', { method: 'DELETE' })).status).toBe(405);
  });

  it('accepts an alarm-status panel whose query is a name filter, not PromQL', async () => {
    const panel = { id: 'alarms', title: 'Alarms', type: 'alarms', query: 'checkout (prod)', unit: '', grid: { x: 0, y: 8, w: 24, h: 4 } };
    const res = await create({ ...DASHBOARD, panels: [...DASHBOARD.panels, panel] });
    expect(res.status).toBe(201);
    expect(res.body.data.panels[2]).toMatchObject({ type: 'alarms', query: 'checkout (prod)' });
  });

  it('passes its own validation (the Host overview queries parse)', () => {
    expect(parseDashboard(HOST_OVERVIEW)).toEqual(HOST_OVERVIEW);
  });

  it.each([
    { name: 'no title', body: { ...DASHBOARD, title: '' }, error: 'title: must not be empty' },
    { name: 'an unknown field', body: { ...DASHBOARD, colour: 'red' }, error: 'colour: unknown field' },
    { name: 'a panel off the grid', body: { ...DASHBOARD, panels: [{ ...DASHBOARD.panels[0], grid: { x: 20, y: 0, w: 8, h: 4 } }] }, error: 'panels[0].grid: x + w must be at most 24' },
    { name: 'a query that does not parse', body: { ...DASHBOARD, panels: [{ ...DASHBOARD.panels[0], query: 'sum(rate(x[5m])' }] }, error: 'panels[0].query: 1:' },
    { name: 'a logs panel with PromQL', body: { ...DASHBOARD, panels: [{ ...DASHBOARD.panels[1], language: 'promql' }] }, error: 'panels[0].language: a logs panel needs a LogQL log query' },
    { name: 'a bad time', body: { ...DASHBOARD, time: { from: 'yesterday', to: 'now' } }, error: 'time.from' },
    { name: 'a reserved variable name', body: { ...DASHBOARD, variables: [{ ...DASHBOARD.variables[0], name: '__x' }] }, error: 'variables[0].name: names starting with __ are reserved' },
  ])('refuses $name, naming the field', async ({ body, error }) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toContain(error);
  });

  it('needs the query scope', async () => {
    const keyRes = await f.request('/api/v1/keys', { method: 'POST', body: JSON.stringify({ name: 'shipper', scopes: ['ingest'] }) });
    const { key } = (await keyRes.json()).data;
    expect((await f.request('/api/v1/dashboards', { key })).status).toBe(403);
  });
});
