import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSeriesSelector } from '../../api/selector.js';
import { ROOT_KEY } from '../../testing/app-fixture.js';
import { type IngestFixture, createIngestFixture } from '../../testing/ingest-routes.js';
import { CollectdDecodeError, collectdMetricName, decodeCollectdJson } from './decode.js';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const LOAD = { values: [0.6875, 0.59375, null], dstypes: ['gauge', 'gauge', 'gauge'], dsnames: ['shortterm', 'midterm', 'longterm'], time: NOW / 1000, interval: 1, host: 'testhost', plugin: 'load', plugin_instance: '', type: 'load', type_instance: '' };
const CPU = { values: [1234], dstypes: ['derive'], dsnames: ['value'], time: NOW / 1000, interval: 1, host: 'testhost', plugin: 'cpu', plugin_instance: '0', type: 'cpu', type_instance: 'idle' };

describe('decodeCollectdJson', () => {
  it('names series collectd_<plugin>_<type>[_<dsname>] with instance, plugin and type labels, skipping nulls', () => {
    const { samples, problems, nulls } = decodeCollectdJson(JSON.stringify([LOAD, CPU]));
    expect(problems).toEqual([]);
    expect(nulls).toBe(1);
    expect(samples.map((s) => [s.labels.map((l) => `${l.name}=${l.value}`).join(','), s.value, s.timestampMs])).toEqual([
      ['__name__=collectd_load_shortterm,instance=testhost', 0.6875, NOW],
      ['__name__=collectd_load_midterm,instance=testhost', 0.59375, NOW],
      ['__name__=collectd_cpu_total,cpu=0,instance=testhost,type=idle', 1234, NOW],
    ]);
  });

  it.each([
    ['memory', 'memory', 'value', 'gauge', 'collectd_memory'],
    ['interface', 'if_octets', 'rx', 'derive', 'collectd_interface_if_octets_rx_total'],
    ['df', 'df_complex', 'value', 'gauge', 'collectd_df_df_complex'],
  ])('names %s/%s/%s (%s) %s', (plugin, type, ds, dstype, expected) => {
    expect(collectdMetricName(plugin, type, ds, dstype)).toBe(expected);
  });

  it.each([
    [{ ...LOAD, values: 'x' }, /value list 0: "values" must be an array/],
    [{ ...LOAD, dsnames: ['a'] }, /"dsnames" must be an array as long as "values"/],
    [{ ...LOAD, time: '123' }, /"time" must be a number of seconds/],
    [{ ...LOAD, host: 5 }, /must be strings/],
    [{ ...LOAD, dstypes: ['gauge', 'gauge', 'weird'] }, /dstypes\[2\] must be one of/],
    [{ ...CPU, values: ['1'] }, /values\[0\] must be a number or null/],
  ])('reports a bad value list (%#) and keeps the others', (bad, message) => {
    const { samples, problems } = decodeCollectdJson(JSON.stringify([bad, CPU]));
    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(message)]);
    expect(samples.some((s) => s.labels.some((l) => l.value === 'collectd_cpu_total'))).toBe(true);
  });

  it('throws CollectdDecodeError for a body that is not a JSON array', () => {
    expect(() => decodeCollectdJson('{"values":[]}')).toThrow(CollectdDecodeError);
    expect(() => decodeCollectdJson('PUTVAL a/b/c 1:2')).toThrow(/not valid JSON/);
  });

  it('throws nothing but CollectdDecodeError for arbitrary JSON', () => {
    const item = fc.record({ values: fc.jsonValue(), dstypes: fc.jsonValue(), dsnames: fc.jsonValue(), time: fc.jsonValue(), host: fc.jsonValue(), plugin: fc.jsonValue(), type: fc.jsonValue() }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.array(fc.oneof(item, fc.jsonValue()))), (doc) => {
        try {
          decodeCollectdJson(JSON.stringify(doc) ?? 'null');
        } catch (err) {
          if (!(err instanceof CollectdDecodeError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('POST /collectd', () => {
  let f: IngestFixture;
  beforeEach(async () => {
    f = await createIngestFixture('maxRequestSize: 16KiB\nmaxDecompressedSize: 64KiB');
    f.setNow(NOW);
  });
  afterEach(async () => {
    await f.close();
  });
  const post = (body: string | Uint8Array, headers: Record<string, string> = { 'Content-Type': 'application/json' }) => f.request('/collectd', { method: 'POST', body, headers });

  it('stores value lists and answers 204', async () => {
    expect((await post(JSON.stringify([LOAD, CPU]))).status).toBe(204);
    const series = f.storage.metrics.selectSeries('default', parseSeriesSelector('{__name__=~"collectd_.*"}'));
    expect(series.map((s) => s.labels.find((l) => l.name === '__name__')!.value).sort()).toEqual(['collectd_cpu_total', 'collectd_load_midterm', 'collectd_load_shortterm']);
  });

  it('answers 400 listing a bad value list after storing the good ones', async () => {
    const res = await post(JSON.stringify([{ ...LOAD, values: 'x' }, CPU]));
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/value list 0: "values" must be an array/);
    expect(f.storage.metrics.selectSeries('default', parseSeriesSelector('{__name__="collectd_cpu_total"}'))).toHaveLength(1);
  });

  it.each([
    ['a JSON object', '{}', 400, /must be a JSON array/],
    ['truncated JSON', '[{"values":[1', 400, /not valid JSON/],
    ['the Command format', 'PUTVAL testhost/load/load interval=10 N:1:2:3', 415, /Format "JSON"/],
  ])('answers 4xx for %s', async (_what, body, status, message) => {
    const res = await post(body, { 'Content-Type': body.startsWith('PUTVAL') ? 'text/plain' : 'application/json' });
    expect(res.status).toBe(status);
    expect((await res.json()).error).toMatch(message);
  });

  it('answers 413 for an oversized body and a gzip bomb', async () => {
    expect((await post(JSON.stringify(Array(400).fill(LOAD)))).status).toBe(413);
    expect((await post(gzipSync(Buffer.alloc(10 * 1024 * 1024, ' ')), { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' })).status).toBe(413);
  });
});

describe('collectd 5 write_http (Debian collectd-core)', () => {
  const COLLECTD = '/usr/sbin/collectd';
  let f: IngestFixture;
  let dir: string;
  beforeEach(async () => {
    f = await createIngestFixture();
    dir = mkdtempSync(join(tmpdir(), 'vigil-collectd-'));
  });
  afterEach(async () => {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends load and memory series within a few seconds', async () => {
    if (!existsSync(COLLECTD) || !existsSync('/usr/lib/collectd/write_http.so')) {
      throw new Error('collectd is missing: apt-get install --no-install-recommends collectd-core libcurl3-gnutls libyajl2');
    }
    const base = await f.listen();
    const conf = join(dir, 'collectd.conf');
    writeFileSync(
      conf,
      `Hostname "testhost"
FQDNLookup false
Interval 1
BaseDir "${dir}"
PIDFile "${dir}/collectd.pid"
PluginDir "/usr/lib/collectd"
TypesDB "/usr/share/collectd/types.db"
LoadPlugin load
LoadPlugin memory
LoadPlugin write_http
<Plugin write_http>
  <Node "vigil">
    URL "${base}/collectd"
    User "collectd"
    Password "${ROOT_KEY}"
    Format "JSON"
    StoreRates true
    BufferSize 4096
    Timeout 2000
  </Node>
</Plugin>
`,
    );
    const child = spawn(COLLECTD, ['-f', '-C', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    try {
      const deadline = Date.now() + 15_000;
      let names: string[] = [];
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        names = f.storage.metrics.selectSeries('default', parseSeriesSelector('{instance="testhost"}')).map((s) => s.labels.find((l) => l.name === '__name__')!.value);
        if (names.includes('collectd_load_shortterm') && names.some((n) => n.startsWith('collectd_memory'))) break;
      }
      expect(names, output).toContain('collectd_load_shortterm');
      expect(names).toContain('collectd_memory');
      const used = f.storage.metrics.selectSeries('default', parseSeriesSelector('{__name__="collectd_memory", type="used"}'));
      expect(used).toHaveLength(1);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 30_000);
});
