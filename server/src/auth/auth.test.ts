import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppFixture, ROOT_KEY, createAppFixture } from '../testing/app-fixture.js';
import { remoteWriteBody } from '../testing/remote-write-encode.js';

async function createKey(f: AppFixture, body: Record<string, unknown>, init: { tenant?: string; key?: string } = {}) {
  const res = await f.request('/api/v1/keys', { method: 'POST', body: JSON.stringify(body), ...init });
  return { status: res.status, json: (await res.json()) as { data: { key: string; id: string; tenant: string } } };
}

describe('authentication and tenancy', () => {
  let f: AppFixture;
  beforeEach(async () => {
    f = await createAppFixture();
  });
  afterEach(async () => {
    await f.close();
  });

  it('answers health and readiness without a key', async () => {
    expect((await f.app.request('/-/healthy')).status).toBe(200);
    expect((await f.app.request('/-/ready')).status).toBe(200);
  });

  it.each([
    ['/api/v1/labels', 'GET'],
    ['/api/v1/series?match[]=up', 'GET'],
    ['/api/v1/write', 'POST'],
    ['/api/v1/keys', 'GET'],
    ['/api/v1/tenants', 'GET'],
    ['/metrics', 'GET'],
    ['/api/v1/admin/flush', 'POST'],
  ])('answers 401 without a key on %s', async (path, method) => {
    const res = await f.app.request(path, { method });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('accepts Basic auth with the key as password, whatever the username', async () => {
    const basic = Buffer.from(`anyone:${ROOT_KEY}`).toString('base64');
    const res = await f.app.request('/api/v1/labels', { headers: { authorization: `Basic ${basic}` } });
    expect(res.status).toBe(200);
  });

  it('answers 401 for an unknown key and for a revoked one', async () => {
    expect((await f.request('/api/v1/labels', { key: 'vgl_nope' })).status).toBe(401);
    const { json } = await createKey(f, { scopes: ['query'] });
    expect((await f.request('/api/v1/labels', { key: json.data.key })).status).toBe(200);
    expect((await f.request(`/api/v1/keys/${json.data.id}`, { method: 'DELETE' })).status).toBe(204);
    const res = await f.request('/api/v1/labels', { key: json.data.key });
    expect(res.status).toBe(401);
    expect((await res.json()).error).toMatch(/revoked/);
  });

  it('answers 403 when a scope is missing', async () => {
    const { json } = await createKey(f, { scopes: ['ingest'] });
    const res = await f.request('/api/v1/labels', { key: json.data.key });
    expect(res.status).toBe(403);
    expect((await res.json()).error).toMatch(/lacks the "query" scope/);
  });

  it('binds a non-root key to its tenant and refuses another X-Scope-OrgID', async () => {
    const { json } = await createKey(f, { scopes: ['ingest', 'query'], tenant: 'team-a' });
    expect(json.data.tenant).toBe('team-a');
    const ok = await f.request('/api/v1/labels', { key: json.data.key, tenant: 'team-a' });
    expect(ok.status).toBe(200);
    const res = await f.request('/api/v1/labels', { key: json.data.key, tenant: 'team-b' });
    expect(res.status).toBe(403);
  });

  it('lets the root key act for any tenant and keeps tenants apart', async () => {
    const now = Date.now();
    const body = remoteWriteBody([{ labels: [['__name__', 'only_in_a']], samples: [[now, 1]] }]);
    const w = await f.request('/api/v1/write', { method: 'POST', body, tenant: 'a' });
    expect(w.status).toBe(204);
    const inA = await (await f.request('/api/v1/label/__name__/values', { tenant: 'a' })).json();
    const inB = await (await f.request('/api/v1/label/__name__/values', { tenant: 'b' })).json();
    expect(inA.data).toEqual(['only_in_a']);
    expect(inB.data).toEqual([]);
    const tenants = await (await f.request('/api/v1/tenants')).json();
    expect(tenants.data.map((t: { id: string }) => t.id)).toEqual(['a', 'default']);
  });

  it.each(['..', '.', 'a/b', '%2e%2e', '%252e%252e', 'x'.repeat(65), 'sp ace'])(
    'rejects the tenant id %j',
    async (tenant) => {
      const res = await f.request('/api/v1/labels', { tenant });
      expect(res.status).toBe(400);
      expect((await res.json()).error).toMatch(/invalid X-Scope-OrgID/);
    },
  );

  it('shows a key secret once and never lists it or its hash', async () => {
    const { status, json } = await createKey(f, { name: 'ci', scopes: ['ingest'] });
    expect(status).toBe(201);
    expect(json.data.key).toMatch(/^vgl_/);
    const list = await (await f.request('/api/v1/keys')).text();
    expect(list).not.toContain(json.data.key);
    expect(list).not.toContain('keyHash');
    expect(list).toContain('"name":"ci"');
  });

  it('rejects unknown fields and scopes when creating a key', async () => {
    const a = await f.request('/api/v1/keys', { method: 'POST', body: JSON.stringify({ scope: ['query'] }) });
    expect(a.status).toBe(400);
    expect((await a.json()).error).toMatch(/unknown field in key: "scope"/);
    const b = await createKey(f, { scopes: ['superuser'] });
    expect(b.status).toBe(400);
  });

  it('lets a tenant admin manage only its own keys', async () => {
    const admin = (await createKey(f, { scopes: ['admin'], tenant: 't1' })).json.data.key;
    const other = (await createKey(f, { scopes: ['query'], tenant: 't2' })).json.data;
    const forbidden = await createKey(f, { scopes: ['query'], tenant: 't2' }, { key: admin });
    expect(forbidden.status).toBe(403);
    expect((await f.request(`/api/v1/keys/${other.id}`, { method: 'DELETE', key: admin })).status).toBe(404);
    expect((await f.request('/api/v1/tenants', { key: admin })).status).toBe(403);
    expect((await f.request('/metrics', { key: admin })).status).toBe(403);
  });

  it('manages tenants: create, show, change retention, delete', async () => {
    const created = await f.request('/api/v1/tenants', { method: 'POST', body: JSON.stringify({ id: 'acme', retention: '7d' }) });
    expect(created.status).toBe(201);
    expect((await created.json()).data).toMatchObject({ id: 'acme', retention: '7d', effectiveRetention: '7d' });
    const dup = await f.request('/api/v1/tenants', { method: 'POST', body: JSON.stringify({ id: 'acme' }) });
    expect(dup.status).toBe(409);
    const patched = await f.request('/api/v1/tenants/acme', { method: 'PATCH', body: JSON.stringify({ retention: '0' }) });
    expect((await patched.json()).data.effectiveRetention).toBe('0');
    expect((await f.request('/api/v1/tenants/acme', { method: 'DELETE' })).status).toBe(204);
    expect((await f.request('/api/v1/tenants/acme')).status).toBe(404);
    const bad = await f.request('/api/v1/tenants', { method: 'POST', body: JSON.stringify({ id: '..' }) });
    expect(bad.status).toBe(400);
  });
});
