import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture } from '../testing/app-fixture.js';
import { CONTENT_SECURITY_POLICY } from './security-headers.js';
import { webUiFiles } from './static-files.js';

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-abc123.js"></script></head><body><div id="app"></div></body></html>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});`;

describe('webUiFiles', () => {
  let dir: string;
  let app: Hono;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets', 'app-abc123.js'), SCRIPT);
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    app = new Hono();
    app.use('*', webUiFiles({ dir }));
    app.get('/api/v1/thing', (c) => c.text('api'));
    app.notFound((c) => c.text('api 404', 404));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['/', '/explore', '/logs', '/dashboards/abc', '/sign-in', '/agents', '/alarms/HighCPU', '/scaling/workers'])('answers index.html for the app route %s, never cached stale', async (path) => {
    const res = await app.request(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toBe(INDEX);
  });

  it('serves hashed assets for a year, gzipped when the browser accepts it', async () => {
    const res = await app.request('/assets/app-abc123.js', { headers: { 'accept-encoding': 'gzip, br' } });
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(gunzipSync(Buffer.from(await res.arrayBuffer())).toString()).toBe(SCRIPT);
    const plain = await app.request('/assets/app-abc123.js');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(SCRIPT);
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const etag = (await app.request('/favicon.svg')).headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect((await app.request('/favicon.svg', { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('leaves API paths and unknown files to the routes after it', async () => {
    expect(await (await app.request('/api/v1/thing')).text()).toBe('api');
    expect((await app.request('/assets/missing.js')).status).toBe(404);
    expect(await (await app.request('/loki/api/v1/labels')).text()).toBe('api 404');
  });

  it('says how to build the UI when it is not built', async () => {
    const bare = new Hono();
    bare.use('*', webUiFiles({ dir: join(dir, 'nowhere') }));
    const res = await bare.request('/explore');
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build');
  });
});

describe('security headers', () => {
  let f: AppFixture;
  beforeAll(async () => {
    f = await createAppFixture();
  });
  afterAll(async () => {
    await f.close();
  });

  it('forbid inline scripts and framing on every answer, errors included', async () => {
    for (const res of [await f.app.request('/-/healthy'), await f.app.request('/api/v1/labels'), await f.request('/api/v1/nope')]) {
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toBe(CONTENT_SECURITY_POLICY);
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});
