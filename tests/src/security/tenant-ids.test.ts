/**
 * TS-3, tenant ids and resource names that try path traversal (CVE-2021-36156/36157, and the
 * double-encoding bypass CVE-2026-21726): `..`, `.`, `%2e%2e`, `%252e%252e`, slashes, NUL,
 * over-long and non-ASCII ids in `X-Scope-OrgID`, in the tenant and key APIs and as resource
 * names. All are refused with 400 (or 404 for a path that names nothing), and nothing appears on
 * disk outside the data folder.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useProcessManager } from '../lib/process-manager.js';
import { REMOTE_WRITE_HEADERS, remoteWriteBody } from '../lib/remote-write.js';
import { type VigilServer, startVigil } from '../lib/vigil-server.js';

const processes = useProcessManager();
let vigil: VigilServer;
/** `<tmp>/outer/data`: traversal one or two levels up would land in `outer` or `<tmp>`. */
let outer: string;
let top: string;

/** Tenant ids that must be refused; each is a valid HTTP header value. */
const BAD_TENANTS = [
  '..',
  '.',
  '../other',
  '../../etc',
  'a/../../b',
  'a/b',
  '/etc/passwd',
  '%2e%2e',
  '%2e%2e%2fetc',
  '%252e%252e',
  '%252e%252e%252fetc',
  '..%2f..%2fetc',
  '..\\..\\windows',
  'a b',
  'x'.repeat(151),
  'tenant;drop',
  "a'--",
  '',
].filter((t) => t !== '');

beforeAll(async () => {
  top = processes.tempDir('traversal');
  outer = join(top, 'outer');
  mkdirSync(outer);
  vigil = await startVigil(processes, { dataDir: join(outer, 'data') });
}, 120_000);

/** Every file and folder name under `dir`, relative. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

describe('X-Scope-OrgID', () => {
  it.each(BAD_TENANTS)('refuses %j with 400 on reads and writes, naming the rule', async (tenant) => {
    const write = await vigil.request('/api/v1/write', {
      method: 'POST',
      headers: REMOTE_WRITE_HEADERS,
      body: remoteWriteBody([{ labels: { __name__: 'traversal_probe' }, samples: [{ timestampMs: Date.now(), value: 1 }] }]),
      tenant,
    });
    expect(write.status, await write.text()).toBe(400);
    for (const path of ['/api/v1/labels', '/loki/api/v1/labels', '/api/v1/alarms', `/api/v1/query?query=${encodeURIComponent('traversal_probe')}`]) {
      const res = await vigil.request(path, { tenant });
      const body = await res.text();
      expect(res.status, `${path}: ${body}`).toBe(400);
      expect(body).toMatch(/X-Scope-OrgID/);
    }
  });

  it('refuses a NUL byte and non-ASCII in the header (raw HTTP, as fetch cannot send them)', async () => {
    for (const value of [Buffer.from('a\0b', 'latin1'), Buffer.from('..\0', 'latin1'), Buffer.from('tënant', 'utf8')]) {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(vigil.port, '127.0.0.1', () => {
          socket.write(
            Buffer.concat([
              Buffer.from(`GET /api/v1/labels HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${vigil.rootKey}\r\nConnection: close\r\nX-Scope-OrgID: `),
              value,
              Buffer.from('\r\n\r\n'),
            ]),
          );
        });
        let out = '';
        socket.on('data', (d: Buffer) => {
          out += d.toString('latin1');
        });
        socket.on('end', () => resolve(out));
        socket.on('error', reject);
      });
      expect(answer.split('\r\n')[0], JSON.stringify(value.toString('latin1'))).toMatch(/^HTTP\/1\.1 400 /);
    }
  });

  it('accepts the id characters Mimir allows that are not traversal (control case)', async () => {
    for (const tenant of ['team-a', 'team_b.prod', 'x'.repeat(64)]) {
      const res = await vigil.request('/api/v1/labels', { tenant });
      expect(res.status, `${tenant}: ${await res.text()}`).toBe(200);
    }
  });
});

describe('tenant and key APIs', () => {
  it.each(BAD_TENANTS)('refuses tenant id %j in POST /api/v1/tenants and POST /api/v1/keys', async (id) => {
    const created = await vigil.request('/api/v1/tenants', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) });
    expect(created.status, await created.text()).toBe(400);
    const key = await vigil.request('/api/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenant: id, scopes: ['query'] }) });
    expect(key.status, await key.text()).toBe(400);
  });

  it('answers 400 or 404 for traversal in tenant paths, never another resource', async () => {
    for (const seg of ['..', '%2e%2e', '%252e%252e', '..%2f..%2fetc%2fpasswd', '%2e%2e%2f%2e%2e%2fmetrics', 'a%00b']) {
      for (const method of ['GET', 'PATCH', 'DELETE']) {
        const res = await vigil.request(`/api/v1/tenants/${seg}`, {
          method,
          ...(method === 'PATCH' ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ retention: '1d' }) } : {}),
        });
        const body = await res.text();
        expect([400, 404], `${method} /api/v1/tenants/${seg}: ${body}`).toContain(res.status);
        expect(body).not.toMatch(/root:|# HELP/);
      }
    }
  });
});

describe('resource names', () => {
  const names = ['.', '..', '../../etc/passwd', '%2e%2e', '%252e%252e', 'a/b', 'a\0b'];
  const bodies: Array<[string, (name: string) => unknown]> = [
    ['/api/v1/alarms', (name) => ({ name, query: 'up', periodSeconds: 60, threshold: 1 })],
    ['/api/v1/channels', (name) => ({ name, type: 'email', to: ['x@example.com'] })],
    ['/api/v1/metric-filters', (name) => ({ name, query: '{job="x"}', metricName: 'x_lines' })],
    ['/api/v1/scaling-groups', (name) => ({ name, min: 1, max: 2, desired: 1, webhook: { url: 'https://example.com/x', secret: 'abcdefghijklmnop0123' } })],
  ];
  it.each(bodies)('POST %s refuses traversal names with 400', async (path, body) => {
    for (const name of names) {
      const res = await vigil.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(name)) });
      expect(res.status, `${path} name ${JSON.stringify(name)}: ${await res.text()}`).toBe(400);
    }
  });

  it('answers 404 for encoded traversal in named resource paths (rule groups, dashboards, alarms)', async () => {
    for (const seg of ['%2e%2e', '%252e%252e', '..%2f..%2fetc%2fpasswd', '%252e%252e%252f%252e%252e%252fetc']) {
      for (const [method, path] of [
        ['DELETE', `/api/v1/rules/groups/${seg}`],
        ['GET', `/api/v1/dashboards/${seg}`],
        ['GET', `/api/v1/alarms/${seg}`],
        ['GET', `/api/v1/channels/${seg}`],
      ]) {
        const res = await vigil.request(path!, { method });
        const body = await res.text();
        expect([400, 404], `${method} ${path}: ${body}`).toContain(res.status);
        expect(body).not.toMatch(/root:x:0:0/);
      }
    }
  });
});

describe('the filesystem', () => {
  it('holds nothing outside the data folder, and no file named after a tenant', () => {
    expect(tree(top)).toEqual(expect.arrayContaining(['outer', join('outer', 'data')]));
    expect(readdirSync(top)).toEqual(['outer']);
    expect(readdirSync(outer)).toEqual(['data']);
    const inside = tree(join(outer, 'data'));
    for (const t of BAD_TENANTS) expect(inside.some((f) => f.includes('etc') || f.includes('passwd') || f === t), `${t}: ${inside.join(', ')}`).toBe(false);
  });
});
