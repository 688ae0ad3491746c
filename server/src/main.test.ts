import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig, withOverrides } from './config/config.js';
import { silentLogger } from './log.js';
import { type RunningServer, parseListen, runRetention, startServer } from './main.js';
import { remoteWriteBody } from './testing/remote-write-encode.js';

function capture(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => {
    text += String(d);
  });
  return { out, text: () => text };
}

describe('startServer', () => {
  let dir: string;
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates a root key on first start, saves it with mode 0600 and prints it once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-main-'));
    const config = withOverrides(parseConfig(undefined), { dataDir: dir, listen: '127.0.0.1:0' });
    const first = capture();
    server = await startServer({ config, log: silentLogger, out: first.out });
    const key = readFileSync(join(dir, 'root.key'), 'utf8').trim();
    expect(statSync(join(dir, 'root.key')).mode & 0o777).toBe(0o600);
    expect(first.text()).toContain(key);
    const base = `http://127.0.0.1:${server.address.port}`;
    expect((await fetch(`${base}/api/v1/labels`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    await server.stop();
    const second = capture();
    server = await startServer({ config, log: silentLogger, out: second.out });
    expect(second.text()).toBe('');
    const again = `http://127.0.0.1:${server.address.port}`;
    expect((await fetch(`${again}/api/v1/labels`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
  });

  it('uses VIGIL_ROOT_KEY instead of generating one', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-main-'));
    const config = withOverrides(parseConfig(undefined), { dataDir: dir, listen: '127.0.0.1:0' });
    const c = capture();
    server = await startServer({ config, log: silentLogger, out: c.out, rootKey: 'from-env-0123' });
    expect(c.text()).toBe('');
    const base = `http://127.0.0.1:${server.address.port}`;
    const res = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer from-env-0123' } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('vigil_storage_database_bytes');
    // DuckDB's buffer manager always holds something once the schema is open (metadata blocks).
    expect(text).toMatch(/^vigil_storage_duckdb_memory_bytes\{tag="[a-z_]+"\} [1-9]\d*$/m);
  });

  it('applies per-tenant retention from the config', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-main-'));
    const config = withOverrides(
      parseConfig('retention: 1h\ntenants:\n  keep: { retention: 0 }\n'),
      { dataDir: dir, listen: '127.0.0.1:0' },
    );
    server = await startServer({ config, log: silentLogger, out: capture().out, rootKey: 'k-0123456789' });
    const base = `http://127.0.0.1:${server.address.port}`;
    const now = Date.now();
    const body = () => remoteWriteBody([{ labels: [['__name__', 'r']], samples: [[now - 7_200_000, 1], [now, 2]] }]);
    for (const tenant of ['short', 'keep']) {
      const res = await fetch(`${base}/api/v1/write`, {
        method: 'POST',
        body: body(),
        headers: { authorization: 'Bearer k-0123456789', 'X-Scope-OrgID': tenant },
      });
      expect(res.status).toBe(204);
    }
    // runRetention is what the server's timer calls; drive it directly through a second handle.
    const { Database, LogStore, MetricStore, ResourceStore } = await import('@vigil/storage');
    await server.stop();
    server = undefined;
    const db = await Database.open({ dataDir: dir });
    const handle = {
      db,
      metrics: await MetricStore.open(db),
      logs: await LogStore.open(db),
      resources: await ResourceStore.open(db),
    };
    const silenceCutoffs: number[] = [];
    await runRetention(handle, config, now, async (cutoffMs) => {
      silenceCutoffs.push(cutoffMs);
      return 0;
    });
    expect(silenceCutoffs).toEqual([now - config.alerting.notificationRetentionMs]);
    const count = async (tenant: string) =>
      (await handle.metrics.readSamples(handle.metrics.selectSeries(tenant, []), 0, now + 1))[0]?.values.length;
    expect(await count('short')).toBe(1);
    expect(await count('keep')).toBe(2);
    await db.close();
  });
});

describe('syslog listeners', () => {
  it('are off by default and, when configured, store what a sender writes over TCP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-main-'));
    const off = await startServer({
      config: withOverrides(parseConfig(undefined), { dataDir: dir, listen: '127.0.0.1:0' }),
      log: silentLogger,
      out: capture().out,
      rootKey: 'k-0123456789',
    });
    expect(off.syslogPorts).toEqual({ udp: undefined, tcp: undefined });
    await off.stop();
    const config = withOverrides(parseConfig('syslog: { tcpPort: 0, udpPort: 0, tenant: ops }'), { dataDir: dir, listen: '127.0.0.1:0' });
    const server = await startServer({ config, log: silentLogger, out: capture().out, rootKey: 'k-0123456789' });
    try {
      const { connect } = await import('node:net');
      const msg = `<134>1 ${new Date().toISOString()} web-1 nginx 42 - - hello over tcp\n`;
      await new Promise<void>((resolve, reject) => {
        const sock = connect(server.syslogPorts.tcp!, '127.0.0.1', () => sock.end(msg, () => resolve()));
        sock.on('error', reject);
      });
      const base = `http://127.0.0.1:${server.address.port}`;
      let apps: string[] = [];
      for (let i = 0; i < 50 && apps.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const res = await fetch(`${base}/loki/api/v1/label/app/values`, { headers: { authorization: 'Bearer k-0123456789', 'X-Scope-OrgID': 'ops' } });
        apps = ((await res.json()) as { data: string[] }).data;
      }
      expect(apps).toEqual(['nginx']);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseListen', () => {
  it.each([
    ['127.0.0.1:9400', { host: '127.0.0.1', port: 9400 }],
    ['[::1]:9400', { host: '::1', port: 9400 }],
    [':9400', { host: '127.0.0.1', port: 9400 }],
  ])('parses %s', (text, expected) => {
    expect(parseListen(text)).toEqual(expected);
  });
});
