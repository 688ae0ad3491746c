import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { httpPost } from './http-post.js';

describe('httpPost', () => {
  it('posts the body with its length and returns status, Retry-After and a body snippet', async () => {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(429, { 'Retry-After': '3' });
        res.end(`got ${Buffer.concat(chunks).length} bytes, length ${req.headers['content-length']}; ${'x'.repeat(2000)}`);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const r = await httpPost(`http://127.0.0.1:${port}/x`, Buffer.from('hello'), { 'X-A': 'b' }, 2000);
      expect(r.status).toBe(429);
      expect(r.retryAfter).toBe('3');
      expect(r.bodySnippet.startsWith('got 5 bytes, length 5; x')).toBe(true);
      expect(r.bodySnippet.length).toBe(1024);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('uses TLS for an https URL (loading node:https only then)', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    await expect(httpPost(`https://127.0.0.1:${port}/x`, Buffer.from('x'), {}, 2000)).rejects.toThrow(/ECONNREFUSED/);
  });
});
