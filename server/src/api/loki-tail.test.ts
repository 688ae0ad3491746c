import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseConfig, withOverrides } from '../config/config.js';
import { silentLogger } from '../log.js';
import { type RunningServer, startServer } from '../main.js';

const KEY = 'tail-test-key-0123';

describe('GET /loki/api/v1/tail (WebSocket)', () => {
  let dir: string;
  let server: RunningServer;
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-tail-'));
    const config = withOverrides(parseConfig(undefined), { dataDir: dir, listen: '127.0.0.1:0' });
    server = await startServer({ config, log: silentLogger, out: new PassThrough(), rootKey: KEY });
    base = `127.0.0.1:${server.address.port}`;
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const push = (tenant: string, labels: Record<string, string>, line: string) =>
    fetch(`http://${base}/loki/api/v1/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'x-scope-orgid': tenant },
      body: JSON.stringify({ streams: [{ stream: labels, values: [[`${BigInt(Date.now()) * 1_000_000n}`, line]] }] }),
    });

  const open = (query: string, headers: Record<string, string>) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://${base}/loki/api/v1/tail?query=${encodeURIComponent(query)}`, { headers });
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });

  it('delivers a pushed line to a subscriber within 1 s, only for matching streams of its tenant', async () => {
    const ws = await open('{app="web"}', { authorization: `Bearer ${KEY}`, 'x-scope-orgid': 'team' });
    const frames: Array<{ streams: Array<{ stream: Record<string, string>; values: [string, string][] }> }> = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    const sent = performance.now();
    expect((await push('team', { app: 'api' }, 'not for this tail')).status).toBe(204);
    expect((await push('other', { app: 'web' }, 'other tenant')).status).toBe(204);
    expect((await push('team', { app: 'web' }, 'hello tail')).status).toBe(204);
    while (frames.length === 0 && performance.now() - sent < 1000) await new Promise((r) => setTimeout(r, 20));
    expect(performance.now() - sent).toBeLessThan(1000);
    const lines = frames.flatMap((f) => f.streams.flatMap((s) => s.values.map((v) => v[1])));
    expect(lines).toEqual(['hello tail']);
    expect(frames[0]!.streams[0]!.stream).toEqual({ app: 'web' });
    ws.close();
  });

  it('applies the query pipeline to tailed lines', async () => {
    const ws = await open('{app="web"} |= "keep" | logfmt | status="500"', { authorization: `Bearer ${KEY}`, 'x-scope-orgid': 'team' });
    const frames: Array<{ streams: Array<{ stream: Record<string, string>; values: [string, string][] }> }> = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    await push('team', { app: 'web' }, 'keep status=200');
    await push('team', { app: 'web' }, 'drop status=500');
    await push('team', { app: 'web' }, 'keep status=500');
    const started = performance.now();
    while (frames.length === 0 && performance.now() - started < 1000) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    const lines = frames.flatMap((f) => f.streams.flatMap((s) => s.values.map((v) => v[1])));
    expect(lines).toEqual(['keep status=500']);
    expect(frames[0]!.streams[0]!.stream).toEqual({ app: 'web', status: '500' });
    ws.close();
  });

  /** Signs in like the web UI and returns the session cookie. */
  const signIn = async () => {
    const res = await fetch(`http://${base}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-vigil-request': '1' },
      body: JSON.stringify({ key: KEY }),
    });
    expect(res.status).toBe(200);
    return /vigil_session=[^;]+/.exec(res.headers.get('set-cookie') ?? '')![0];
  };

  it('accepts the web UI session cookie from the same origin, with the tenant in orgId', async () => {
    const cookie = await signIn();
    const ws = await new Promise<WebSocket>((resolve, reject) => {
      const w = new WebSocket(`ws://${base}/loki/api/v1/tail?orgId=web-team&query=${encodeURIComponent('{app="ui"}')}`, {
        headers: { cookie, origin: `http://${base}` },
      });
      w.once('open', () => resolve(w));
      w.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    const frames: string[] = [];
    ws.on('message', (d) => frames.push(String(d)));
    await push('web-team', { app: 'ui' }, 'from the browser tail');
    const started = performance.now();
    while (frames.length === 0 && performance.now() - started < 2000) await new Promise((r) => setTimeout(r, 20));
    expect(frames.join('')).toContain('from the browser tail');
    ws.close();
  });

  it.each([
    { name: 'another origin', origin: 'http://evil.example' },
    { name: 'no origin', origin: undefined },
  ])('refuses a cookie-authenticated upgrade from $name (cross-site WebSocket hijacking)', async ({ origin }) => {
    const cookie = await signIn();
    await expect(open('{app="ui"}', origin ? { cookie, origin } : { cookie })).rejects.toThrow('HTTP 403');
  });

  it('refuses an upgrade without a valid key', async () => {
    await expect(open('{app="web"}', {})).rejects.toThrow('HTTP 401');
    await expect(open('{app="web"}', { authorization: 'Bearer nope' })).rejects.toThrow('HTTP 401');
  });

  it('refuses a bad query with 400', async () => {
    await expect(open('{app=', { authorization: `Bearer ${KEY}` })).rejects.toThrow('HTTP 400');
  });
});

describe('GET /loki/api/v1/tail: failed authentications', () => {
  let dir: string;
  let server: RunningServer;
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-tail-auth-'));
    const config = withOverrides(parseConfig('auth:\n  failureBurst: 3\n  failuresPerMinute: 1\n'), { dataDir: dir, listen: '127.0.0.1:0' });
    server = await startServer({ config, log: silentLogger, out: new PassThrough(), rootKey: KEY });
    base = `127.0.0.1:${server.address.port}`;
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The status and Retry-After of a refused upgrade, or 101 when it opened. */
  const upgrade = (authorization: string | undefined) =>
    new Promise<{ status: number; retryAfter?: string }>((resolve, reject) => {
      const ws = new WebSocket(`ws://${base}/loki/api/v1/tail?query=${encodeURIComponent('{app="web"}')}`, {
        headers: authorization ? { authorization } : {},
      });
      ws.once('open', () => {
        ws.close();
        resolve({ status: 101 });
      });
      ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }));
      ws.once('error', reject);
    });

  it('counts bad keys on the upgrade with the HTTP routes, then refuses even a good key with 429 and Retry-After', async () => {
    expect((await upgrade(undefined)).status).toBe(401); // no credentials: not counted
    expect((await upgrade('Bearer guess-1')).status).toBe(401);
    const http = await fetch(`http://${base}/api/v1/labels`, { headers: { authorization: 'Bearer guess-2' } });
    expect(http.status).toBe(401); // the same address's bucket
    expect((await upgrade(`Bearer ${KEY}`)).status).toBe(101);
    expect((await upgrade('Bearer guess-3')).status).toBe(401);
    const blocked = await upgrade(`Bearer ${KEY}`);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await fetch(`http://${base}/api/v1/labels`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(429);
  });
});
