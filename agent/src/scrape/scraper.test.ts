import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { httpGet } from './http-get.js';
import { SCRAPE_ACCEPT_HEADER, scrapeTarget } from './scraper.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serve(handler: (headers: IncomingHttpHeaders) => { status?: number; type: string; body: Buffer }): Promise<{
  url: string;
  seen: IncomingHttpHeaders[];
}> {
  const seen: IncomingHttpHeaders[] = [];
  server = createServer((req, res) => {
    seen.push(req.headers);
    const r = handler(req.headers);
    const gz = String(req.headers['accept-encoding']).includes('gzip');
    res.writeHead(r.status ?? 200, { 'Content-Type': r.type, ...(gz ? { 'Content-Encoding': 'gzip' } : {}) });
    res.end(gz ? gzipSync(r.body) : r.body);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`, seen };
}

describe('scrapeTarget', () => {
  it('sends the headers Prometheus sends and gunzips a text 0.0.4 answer', async () => {
    const { url, seen } = await serve(() => ({
      type: 'text/plain; version=0.0.4; charset=utf-8',
      body: Buffer.from('# TYPE req_total counter\nreq_total{job="inner",code="200"} 5\n'),
    }));
    const set = await scrapeTarget({ job: 'app', url, timeoutMs: 2500, labels: { team: 'a' } }, 1000, () => {});
    expect(seen[0]).toMatchObject({
      accept: SCRAPE_ACCEPT_HEADER,
      'accept-encoding': 'gzip',
      'x-prometheus-scrape-timeout-seconds': '2.5',
    });
    const instance = new URL(url).host;
    expect(set.samples[0]).toEqual({
      name: 'req_total',
      labels: { code: '200', exported_job: 'inner', job: 'app', instance, team: 'a' },
      value: 5,
      timestampMs: 1000,
    });
    expect(set.samples.find((s) => s.name === 'up')).toMatchObject({ value: 1, labels: { job: 'app', instance } });
    expect(set.samples.find((s) => s.name === 'scrape_samples_scraped')!.value).toBe(1);
  });

  it('reads OpenMetrics with float-second timestamps', async () => {
    const { url } = await serve(() => ({
      type: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
      body: Buffer.from('# TYPE t gauge\nt 3 1700000000.5\n# EOF\n'),
    }));
    const set = await scrapeTarget({ job: 'om', url, timeoutMs: 1000, labels: {} }, 5, () => {});
    expect(set.samples[0]).toMatchObject({ name: 't', value: 3, timestampMs: 1700000000500 });
  });

  it('reports up 0 and the reason when the target answers 500 or is down', async () => {
    const { url } = await serve(() => ({ status: 500, type: 'text/plain', body: Buffer.from('oops') }));
    const errors: unknown[] = [];
    const set = await scrapeTarget({ job: 'x', url, timeoutMs: 1000, labels: {} }, 5, (e) => errors.push(e));
    expect(set.samples.find((s) => s.name === 'up')!.value).toBe(0);
    expect(String(errors[0])).toMatch(/HTTP status 500/);
    const down = await scrapeTarget({ job: 'x', url: 'http://127.0.0.1:1/metrics', timeoutMs: 1000, labels: {} }, 5, () => {});
    expect(down.samples.find((s) => s.name === 'up')!.value).toBe(0);
  });

  it('uses TLS for an https target (loading node:https only then)', async () => {
    // Nothing listens on the port: the TLS client's connection is refused.
    const closed = await serve(() => ({ type: 'text/plain', body: Buffer.alloc(0) }));
    const port = new URL(closed.url).port;
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    await expect(httpGet(`https://127.0.0.1:${port}/metrics`, {}, 2000)).rejects.toThrow(/ECONNREFUSED/);
  });
});
