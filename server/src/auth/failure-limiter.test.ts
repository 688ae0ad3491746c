import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT_KEY } from '../testing/app-fixture.js';
import { type IngestFixture, createIngestFixture } from '../testing/ingest-routes.js';
import { AuthFailureLimiter } from './failure-limiter.js';

describe('AuthFailureLimiter', () => {
  it('allows a burst of failures, then blocks until the rate earns one back', () => {
    const l = new AuthFailureLimiter(3, 60);
    const t = 1_000_000;
    for (let i = 0; i < 3; i++) {
      expect(l.retryAfterSeconds('a', t)).toBe(0);
      l.fail('a', t);
    }
    expect(l.retryAfterSeconds('a', t)).toBe(1);
    expect(l.retryAfterSeconds('b', t), 'other addresses are not affected').toBe(0);
    expect(l.retryAfterSeconds('a', t + 999)).toBe(1);
    expect(l.retryAfterSeconds('a', t + 1000)).toBe(0);
    // Refilled to the burst: forgotten.
    expect(l.retryAfterSeconds('a', t + 3000)).toBe(0);
    expect(l.size).toBe(0);
  });

  it('says how long to wait at a slow rate, and is off with a burst of 0', () => {
    const l = new AuthFailureLimiter(1, 2);
    l.fail('a', 0);
    expect(l.retryAfterSeconds('a', 0)).toBe(30);
    const off = new AuthFailureLimiter(0, 60);
    for (let i = 0; i < 10; i++) off.fail('a', 0);
    expect(off.enabled).toBe(false);
    expect(off.size).toBe(0);
  });

  it('keeps at most maxAddresses buckets, dropping the stalest', () => {
    const l = new AuthFailureLimiter(1, 1, 100);
    for (let i = 0; i < 1000; i++) l.fail(`10.0.${i >> 8}.${i & 255}`, i);
    expect(l.size).toBe(100);
    expect(l.retryAfterSeconds('10.0.3.231', 1000), 'the newest (999) is still blocked').toBeGreaterThan(0);
    expect(l.retryAfterSeconds('10.0.0.0', 1000), 'the oldest was dropped').toBe(0);
  });
});

/** A request from `localAddress` (any 127.x address reaches the loopback listener). */
function call(base: string, path: string, localAddress: string, headers: Record<string, string>, body?: string) {
  const url = new URL(path, base);
  return new Promise<{ status: number; retryAfter: string | undefined; text: string }>((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: body === undefined ? 'GET' : 'POST', localAddress, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('failed authentications over HTTP, per client address', () => {
  let f: IngestFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it('answer 401 up to the burst, then 429 with Retry-After for every credential from that address only', async () => {
    f = await createIngestFixture('auth:\n  failureBurst: 5\n  failuresPerMinute: 1\n');
    const base = await f.listen();
    const attacker = '127.0.0.2';
    const bad = { authorization: 'Bearer vgl_guess' };
    for (let i = 0; i < 5; i++) expect((await call(base, '/api/v1/labels', attacker, bad)).status).toBe(401);
    const blocked = await call(base, '/api/v1/labels', attacker, bad);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(blocked.text).toMatch(/too many failed authentications/);
    // A valid key from the blocked address waits too (no oracle for the attacker) ...
    expect((await call(base, '/api/v1/labels', attacker, { authorization: `Bearer ${ROOT_KEY}` })).status).toBe(429);
    // ... the sign-in route as well ...
    const signIn = await call(base, '/api/v1/session', attacker, { 'content-type': 'application/json', 'x-vigil-request': '1' }, JSON.stringify({ key: ROOT_KEY }));
    expect(signIn.status).toBe(429);
    // ... while no credentials still answer 401, and another address is served.
    expect((await call(base, '/api/v1/labels', attacker, {})).status).toBe(401);
    expect((await call(base, '/api/v1/labels', '127.0.0.1', { authorization: `Bearer ${ROOT_KEY}` })).status).toBe(200);
    expect((await call(base, '/api/v1/labels', '127.0.0.1', bad)).status).toBe(401);
  });

  it('counts failed sign-ins, and is off with failureBurst 0', async () => {
    f = await createIngestFixture('auth:\n  failureBurst: 2\n  failuresPerMinute: 1\n');
    const base = await f.listen();
    const signIn = (key: string) =>
      call(base, '/api/v1/session', '127.0.0.3', { 'content-type': 'application/json', 'x-vigil-request': '1' }, JSON.stringify({ key }));
    expect((await signIn('vgl_wrong1')).status).toBe(401);
    expect((await signIn('vgl_wrong2')).status).toBe(401);
    expect((await signIn(ROOT_KEY)).status).toBe(429);
    await f.close();
    f = await createIngestFixture('auth:\n  failureBurst: 0\n');
    const open = await f.listen();
    for (let i = 0; i < 20; i++) expect((await call(open, '/api/v1/labels', '127.0.0.2', { authorization: 'Bearer vgl_guess' })).status).toBe(401);
  });
});
