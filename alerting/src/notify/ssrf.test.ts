import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardedPost } from './http-transport.js';
import { createSsrfGuard } from './ssrf.js';

describe('createSsrfGuard().check', () => {
  const guard = createSsrfGuard();
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.20.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::', 'unspecified'],
    ['fd00::1', 'private'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['0:0:0:0:0:ffff:10.0.0.1', 'private'],
  ])('blocks %s', (addr, reason) => {
    expect(guard.check(addr)).toContain(reason);
  });

  it.each(['8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8', '172.32.0.1'])('allows public %s', (addr) => {
    expect(guard.check(addr)).toBeNull();
  });

  it('allows listed CIDRs, also in IPv4-mapped form', () => {
    const g = createSsrfGuard({ allowCidrs: ['127.0.0.0/8', '::1/128'] });
    expect(g.check('127.0.0.1')).toBeNull();
    expect(g.check('::ffff:127.0.0.1')).toBeNull();
    expect(g.check('::1')).toBeNull();
    expect(g.check('10.0.0.1')).toContain('private');
  });
});

describe('guardedPost', () => {
  let server: http.Server;
  let port = 0;
  let hits = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits++;
      if (req.url === '/redirect') {
        res.writeHead(302, { Location: 'http://169.254.169.254/' }).end();
        return;
      }
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it.each(['127.0.0.1', '[::ffff:127.0.0.1]', 'localhost'])('refuses %s before anything is sent, without the path in the message', async (host) => {
    const before = hits;
    const err = await guardedPost(`http://${host}:${port}/secret-token-path`, '{}', {}, { guard: createSsrfGuard() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ permanent: true });
    expect(String((err as Error).message)).toMatch(/blocked: .*loopback/);
    expect(String((err as Error).message)).not.toContain('secret-token-path');
    expect(hits).toBe(before);
  });

  it('refuses 10.x, link-local metadata and [::1] as literals', async () => {
    for (const host of ['10.0.0.1', '169.254.169.254', '[::1]']) {
      const err = await guardedPost(`http://${host}:${port}/`, '{}', {}, { guard: createSsrfGuard() }).catch((e: unknown) => e);
      expect(err, host).toMatchObject({ permanent: true, message: expect.stringContaining('blocked') });
    }
  });

  it('reaches loopback when it is in the allow-list, also through a host name', async () => {
    const guard = createSsrfGuard({ allowCidrs: ['127.0.0.0/8'] });
    expect((await guardedPost(`http://127.0.0.1:${port}/`, '{}', {}, { guard })).status).toBe(200);
    // `localhost` may resolve to ::1 first; the guard drops it and connects to 127.0.0.1.
    expect((await guardedPost(`http://localhost:${port}/`, '{}', {}, { guard })).status).toBe(200);
  });

  it('blocks a name that resolves inside at connection time (DNS answer checked, not the URL)', async () => {
    const guard = createSsrfGuard({
      resolve: ((_h: string, _o: unknown, cb: (e: null, a: Array<{ address: string; family: number }>) => void) => cb(null, [{ address: '127.0.0.1', family: 4 }])) as never,
    });
    const err = await guardedPost(`http://public.example.com:${port}/`, '{}', {}, { guard }).catch((e: unknown) => e);
    expect(err).toMatchObject({ permanent: true, message: expect.stringContaining('loopback') });
  });

  it('does not follow redirects', async () => {
    const guard = createSsrfGuard({ allowCidrs: ['127.0.0.0/8'] });
    const res = await guardedPost(`http://127.0.0.1:${port}/redirect`, '{}', {}, { guard });
    expect(res.status).toBe(302);
  });
});
