import { DocumentStore } from '@vigil/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SESSION_KIND, SessionStore } from '../auth/session-store.js';
import { type AppFixture, ROOT_KEY, createAppFixture } from '../testing/app-fixture.js';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const HOUR = 3_600_000;

/** The JSON of an answer: the success envelope's `data` or the error envelope's `error`. */
interface Answer {
  data: Record<string, unknown>;
  error: string;
}
const answer = async (res: Response): Promise<Answer> => (await res.json()) as Answer;

describe('web sessions (/api/v1/session)', () => {
  let f: AppFixture;
  beforeEach(async () => {
    f = await createAppFixture();
    f.setNow(NOW);
  });
  afterEach(async () => {
    await f.close();
  });

  /** A browser-like request: no Authorization, the cookie if given, the web UI's header. */
  const browser = (path: string, init: RequestInit & { cookie?: string; csrf?: boolean } = {}) => {
    const headers = new Headers(init.headers);
    if (init.cookie) headers.set('cookie', init.cookie);
    if (init.csrf !== false) headers.set('x-vigil-request', '1');
    return f.app.request(path, { ...init, headers });
  };
  const signIn = async (key = ROOT_KEY, headers: Record<string, string> = {}) => {
    const res = await browser('/api/v1/session', { method: 'POST', body: JSON.stringify({ key }), headers });
    const setCookie = res.headers.get('set-cookie') ?? '';
    const token = /vigil_session=([^;]*)/.exec(setCookie)?.[1] ?? '';
    return { res, setCookie, token, cookie: `vigil_session=${token}` };
  };
  const createKey = async (body: Record<string, unknown>) => {
    const res = await f.request('/api/v1/keys', { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return (await answer(res)).data as { id: string; key: string };
  };

  it('sets an HttpOnly, SameSite=Strict cookie holding a random token, not the key', async () => {
    const { res, setCookie, token } = await signIn();
    expect(res.status).toBe(200);
    expect(setCookie).toMatch(/^vigil_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=86400$/);
    expect(token).not.toContain(ROOT_KEY);
    const body = await answer(res);
    expect(body.data).toMatchObject({ tenant: 'default', root: true, via: 'session', scopes: ['ingest', 'query', 'admin'] });
    expect(JSON.stringify(body)).not.toContain(ROOT_KEY);
    // Only the token's hash is stored: neither the token nor the key appears in the document.
    const stored = f.storage.docs.list(SESSION_KIND);
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(JSON.stringify(stored)).not.toContain(ROOT_KEY);
  });

  it('marks the cookie Secure when the browser came over HTTPS', async () => {
    const { setCookie } = await signIn(ROOT_KEY, { 'x-forwarded-proto': 'https' });
    expect(setCookie).toMatch(/; Secure$/);
  });

  it.each([
    { name: 'a wrong key', body: { key: 'vgl_wrong' }, status: 401, error: 'invalid API key' },
    { name: 'no key', body: {}, status: 400, error: 'key: an API key is required' },
    { name: 'a body that is not JSON', body: 'key=x', status: 400, error: 'request body must be JSON' },
  ])('refuses $name without setting a cookie', async ({ body, status, error }) => {
    const res = await browser('/api/v1/session', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
    expect(res.status).toBe(status);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect((await answer(res)).error).toContain(error);
  });

  it.each<{ name: string; headers: Record<string, string>; csrf: boolean }>([
    { name: 'without the web UI header', headers: {}, csrf: false },
    { name: 'from another site', headers: { 'sec-fetch-site': 'cross-site' }, csrf: true },
  ])('refuses a sign-in $name (login CSRF)', async ({ headers, csrf }) => {
    const res = await browser('/api/v1/session', { method: 'POST', body: JSON.stringify({ key: ROOT_KEY }), headers, csrf });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('authenticates API requests with the cookie instead of a key', async () => {
    const { cookie } = await signIn();
    const res = await browser('/api/v1/session', { cookie });
    expect(res.status).toBe(200);
    expect((await answer(res)).data).toMatchObject({ tenant: 'default', via: 'session', keyName: 'root' });
    expect((await browser('/api/v1/labels', { cookie })).status).toBe(200);
    expect((await browser('/api/v1/labels')).status).toBe(401);
  });

  it('lets a root session switch tenant with X-Scope-OrgID and refuses it to a tenant key', async () => {
    const root = await signIn();
    const asTeam = await browser('/api/v1/session', { cookie: root.cookie, headers: { 'x-scope-orgid': 'team-a' } });
    expect((await answer(asTeam)).data.tenant).toBe('team-a');
    const { key } = await createKey({ name: 'viewer', scopes: ['query'], tenant: 'team-b' });
    const viewer = await signIn(key);
    expect((await answer(viewer.res)).data).toMatchObject({ tenant: 'team-b', root: false, scopes: ['query'] });
    const refused = await browser('/api/v1/labels', { cookie: viewer.cookie, headers: { 'x-scope-orgid': 'team-a' } });
    expect(refused.status).toBe(403);
  });

  it('refuses a state-changing request by cookie without the web UI header (CSRF)', async () => {
    const { cookie } = await signIn();
    const dashboard = JSON.stringify({ title: 'x', panels: [] });
    const forged = await browser('/api/v1/dashboards', { method: 'POST', cookie, body: dashboard, csrf: false });
    expect(forged.status).toBe(403);
    expect((await answer(forged)).error).toContain('x-vigil-request');
    const crossSite = await browser('/api/v1/dashboards', { method: 'POST', cookie, body: dashboard, headers: { 'sec-fetch-site': 'same-site' } });
    expect(crossSite.status).toBe(403);
    const fromUi = await browser('/api/v1/dashboards', { method: 'POST', cookie, body: dashboard, headers: { 'sec-fetch-site': 'same-origin' } });
    expect(fromUi.status).toBe(201);
  });

  it('signs out: the session is deleted and the cookie cleared', async () => {
    const { cookie } = await signIn();
    const out = await browser('/api/v1/session', { method: 'DELETE', cookie });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^vigil_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0/);
    const after = await browser('/api/v1/session', { cookie });
    expect(after.status).toBe(401);
    expect((await answer(after)).error).toContain('sign in again');
    expect(f.storage.docs.list(SESSION_KIND)).toHaveLength(0);
  });

  it('ends the sessions of a revoked key', async () => {
    const { id, key } = await createKey({ name: 'ops', scopes: ['query'] });
    const { cookie } = await signIn(key);
    expect((await browser('/api/v1/labels', { cookie })).status).toBe(200);
    expect((await f.request(`/api/v1/keys/${id}`, { method: 'DELETE' })).status).toBe(204);
    const res = await browser('/api/v1/labels', { cookie });
    expect(res.status).toBe(401);
    expect((await answer(res)).error).toContain('revoked');
  });

  it('expires an unused session after 24 hours and renews one in use', async () => {
    const idle = await signIn();
    const used = await signIn();
    f.setNow(NOW + 13 * HOUR);
    const renewed = await browser('/api/v1/session', { cookie: used.cookie });
    expect(renewed.status).toBe(200);
    expect(renewed.headers.get('set-cookie')).toMatch(/Max-Age=86400/);
    f.setNow(NOW + 25 * HOUR);
    expect((await browser('/api/v1/session', { cookie: idle.cookie })).status).toBe(401);
    expect((await browser('/api/v1/session', { cookie: used.cookie })).status).toBe(200);
  });

  it('does not accept a session token as an API key', async () => {
    const { token } = await signIn();
    const res = await f.app.request('/api/v1/labels', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
  });

  it('keeps sessions across a restart (they are stored, not only in memory)', async () => {
    const { token } = await signIn();
    const reopened = await DocumentStore.open(f.storage.db);
    expect(SessionStore.for(reopened).find(token, NOW + HOUR)?.record.keyId).toBe('root');
    expect(SessionStore.for(reopened).find('not-a-token', NOW)).toBeUndefined();
  });

  it('keeps at most 50 sessions per key, dropping the oldest', async () => {
    const first = await signIn();
    for (let i = 0; i < 50; i++) {
      f.setNow(NOW + i + 1);
      await signIn();
    }
    expect(f.storage.docs.list(SESSION_KIND)).toHaveLength(50);
    expect((await browser('/api/v1/session', { cookie: first.cookie })).status).toBe(401);
  });
});
