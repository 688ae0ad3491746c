/**
 * TS-8 through the query paths: SQL-shaped payloads (`COPY … TO`, `read_csv`, `ATTACH`,
 * `INSTALL`/`LOAD`, quote breaking) in PromQL and LogQL matchers, line filters, metric and label
 * names, label and series APIs, ingested label values and log lines, and resource names and
 * texts. None may make DuckDB touch a file: the target folder stays empty, no answer is a 5xx or
 * carries `/etc/passwd`, and payloads ingested as data come back verbatim as data. The sandbox
 * itself (external access off, configuration locked) is checked directly in
 * `storage/src/database-lockdown.test.ts`.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useProcessManager } from '../lib/process-manager.js';
import { REMOTE_WRITE_HEADERS, remoteWriteBody } from '../lib/remote-write.js';
import { type VigilServer, startVigil } from '../lib/vigil-server.js';

const processes = useProcessManager();
let vigil: VigilServer;
/** Where the payloads try to write; must stay empty. */
let target = '';

/** SQL-shaped payloads; `{T}` is replaced by the target folder. */
const PAYLOAD_TEMPLATES = [
  "'); COPY (SELECT 1) TO '{T}/copy.csv'; --",
  "x' UNION SELECT line FROM read_csv('/etc/passwd') --",
  "' OR 1=1; ATTACH '{T}/y.db' AS y; --",
  "'; INSTALL httpfs; LOAD httpfs; --",
  "read_csv('/etc/passwd')",
  "\\'); COPY (SELECT * FROM read_text('/etc/passwd')) TO '{T}/leak.csv'; --",
  '"; EXPORT DATABASE \'{T}/export\'; --',
  "$1'); SET enable_external_access=true; --",
];
const payloads = () => PAYLOAD_TEMPLATES.map((p) => p.replaceAll('{T}', target));
const q = encodeURIComponent;
/** A PromQL/LogQL string literal of `s` (double-quoted, escaped). */
const lit = (s: string) => JSON.stringify(s);

beforeAll(async () => {
  target = processes.tempDir('sqli-target');
  vigil = await startVigil(processes);
}, 120_000);

async function expectSafe(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const res = await vigil.request(path, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  expect(res.status, `${method} ${path}: ${text.slice(0, 300)}`).toBeLessThan(500);
    // DuckDB's own refusal would mean a payload reached SQL; the lockdown is the last line, not the first.
  expect(text).not.toMatch(/root:x:0:0|Permission Error|file system operations|Catalog Error|Parser Error|Binder Error/);
  return { status: res.status, text };
}

describe('SQL-shaped payloads', () => {
  it('in PromQL matchers, metric and label names, and the series and label APIs', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const p of payloads()) {
      for (const expr of [`{job=${lit(p)}}`, `{job=~${lit(p)}}`, `{job!~${lit(p)}}`, `up{instance!=${lit(p)}}`, p, `sum by (job) (rate({__name__=${lit(p)}}[5m]))`, `label_replace(up, "a", ${lit(p)}, "b", "(.*)")`]) {
        await expectSafe('GET', `/api/v1/query?query=${q(expr)}`);
        await expectSafe('GET', `/api/v1/query_range?query=${q(expr)}&start=${now - 600}&end=${now}&step=15`);
        await expectSafe('GET', `/api/v1/series?match[]=${q(expr)}`);
        await expectSafe('GET', `/api/v1/export?match[]=${q(expr)}`);
        await expectSafe('GET', `/api/v1/labels?match[]=${q(expr)}`);
      }
      await expectSafe('GET', `/api/v1/label/${q(p)}/values`);
      await expectSafe('GET', `/api/v1/query?query=up&time=${q(p)}`);
      await expectSafe('GET', `/api/v1/query_range?query=up&start=${q(p)}&end=${now}&step=${q(p)}`);
    }
  });

  it('in LogQL selectors, line filters, parsers and label filters, and the Loki label APIs', async () => {
    for (const p of payloads()) {
      for (const expr of [
        `{job=${lit(p)}}`,
        `{job=~${lit(p)}}`,
        `{job="x"} |= ${lit(p)}`,
        `{job="x"} |~ ${lit(p)}`,
        `{job="x"} != ${lit(p)}`,
        `{job="x"} | json | level=${lit(p)}`,
        `{job="x"} | logfmt | level=~${lit(p)}`,
        `{job="x"} | line_format ${lit(p)}`,
        `sum(count_over_time({job=${lit(p)}} |= ${lit(p)} [5m]))`,
        p,
      ]) {
        await expectSafe('GET', `/loki/api/v1/query_range?query=${q(expr)}`);
        await expectSafe('GET', `/loki/api/v1/query?query=${q(expr)}`);
        await expectSafe('GET', `/loki/api/v1/series?match[]=${q(expr)}`);
        await expectSafe('GET', `/loki/api/v1/index/stats?query=${q(expr)}`);
      }
      await expectSafe('GET', `/loki/api/v1/label/${q(p)}/values`);
    }
  });

  it('ingested as label values and log lines, they are stored and read back as data', async () => {
    const ps = payloads();
    const write = await vigil.request('/api/v1/write', {
      method: 'POST',
      headers: REMOTE_WRITE_HEADERS,
      body: remoteWriteBody(ps.map((p, i) => ({ labels: { __name__: 'sqli_probe', payload: p, i: String(i) }, samples: [{ timestampMs: Date.now() - 1000, value: i }] }))),
    });
    expect(write.status, await write.text()).toBe(204);
    const push = await vigil.request('/loki/api/v1/push', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streams: ps.map((p) => ({ stream: { job: 'sqli', payload: p }, values: [[`${BigInt(Date.now()) * 1_000_000n}`, p]] })) }),
    });
    expect(push.status, await push.text()).toBe(204);
    const values = JSON.parse((await expectSafe('GET', `/api/v1/label/payload/values?match[]=${q('sqli_probe')}`)).text).data as string[];
    expect(values.sort()).toEqual([...ps].sort());
    for (const p of ps) {
      const series = JSON.parse((await expectSafe('GET', `/api/v1/series?match[]=${q(`sqli_probe{payload=${lit(p)}}`)}`)).text).data as Array<Record<string, string>>;
      expect(series.map((s) => s.payload)).toEqual([p]);
      const logs = JSON.parse((await expectSafe('GET', `/loki/api/v1/query_range?query=${q(`{job="sqli"} |= ${lit(p)}`)}`)).text).data.result as Array<{ values: string[][] }>;
      expect(logs.flatMap((r) => r.values.map((v) => v[1]))).toContain(p);
    }
  });

  it('in resource names and texts (alarms, silences, channels, dashboards, metric filters, tenants)', async () => {
    for (const p of payloads()) {
      await expectSafe('POST', '/api/v1/alarms', { name: p, query: 'up', periodSeconds: 60, threshold: 1 });
      await expectSafe('POST', '/api/v1/alarms', { name: 'sqli-alarm', description: p, query: `up{job=${lit(p)}}`, periodSeconds: 60, threshold: 1, labels: { team: p }, annotations: { summary: p } });
      await expectSafe('DELETE', '/api/v1/alarms/sqli-alarm');
      await expectSafe('GET', `/api/v1/alarms/${q(p)}/history`);
      await expectSafe('POST', '/api/v1/silences', { matchers: [{ name: 'job', value: p, isRegex: false }], endsAt: new Date(Date.now() + 60_000).toISOString(), createdBy: p, comment: p });
      await expectSafe('POST', '/api/v1/channels', { name: p, type: 'email', to: ['x@example.com'] });
      await expectSafe('POST', '/api/v1/dashboards', { title: p, panels: [] });
      await expectSafe('POST', '/api/v1/metric-filters', { name: 'sqli-mf', query: `{job=${lit(p)}} |= ${lit(p)}`, metricName: 'sqli_lines' });
      await expectSafe('DELETE', '/api/v1/metric-filters/sqli-mf');
      await expectSafe('POST', '/api/v1/tenants', { id: p });
      await expectSafe('GET', `/api/v1/notifications?status=${q(p)}`);
      const tenantHeader = await vigil.request('/api/v1/labels', { tenant: p.replace(/[^\x20-\x7e]/g, '') });
      expect(tenantHeader.status).toBe(400);
    }
  });

  it('never made DuckDB write a file', () => {
    expect(readdirSync(target)).toEqual([]);
    const data = readdirSync(vigil.dataDir);
    expect(data.filter((f) => /copy|leak|export|y\.db/.test(f))).toEqual([]);
    expect(readdirSync(join(vigil.dataDir))).not.toContain('y.db');
  });
});
