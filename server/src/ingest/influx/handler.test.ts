import { gzipSync } from 'node:zlib';
import { InfluxDB as InfluxDB2, Point } from '@influxdata/influxdb-client';
import { InfluxDB as InfluxDB1 } from 'influx';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSeriesSelector } from '../../api/selector.js';
import { ROOT_KEY } from '../../testing/app-fixture.js';
import { type IngestFixture, createIngestFixture } from '../../testing/ingest-routes.js';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

describe('Influx line protocol endpoints', () => {
  let f: IngestFixture;
  beforeEach(async () => {
    f = await createIngestFixture('maxRequestSize: 64KiB\nmaxDecompressedSize: 256KiB');
    f.setNow(NOW);
  });
  afterEach(async () => {
    await f.close();
  });

  const values = async (selector: string) => {
    const series = f.storage.metrics.selectSeries('default', parseSeriesSelector(selector));
    return (await f.storage.metrics.readSamples(series, 0, NOW + 60_000)).map((d) => [Array.from(d.timestampsMs), Array.from(d.values)]);
  };

  it('stores a 1.x write with precision=s and answers 204', async () => {
    const res = await f.request('/write?db=x&precision=s', { method: 'POST', body: `cpu,host=a usage=1.5,procs=3i ${NOW / 1000}\n` });
    expect(res.status).toBe(204);
    expect(await values('{__name__="cpu_usage", host="a"}')).toEqual([[[NOW], [1.5]]]);
    expect(await values('{__name__="cpu_procs"}')).toEqual([[[NOW], [3]]]);
  });

  it('stores a gzip 2.x write with precision=ms and Authorization: Token', async () => {
    const res = await f.request('/api/v2/write?org=o&bucket=b&precision=ms', {
      method: 'POST',
      body: gzipSync(`mem,host=b used=42 ${NOW}`),
      headers: { Authorization: `Token ${ROOT_KEY}`, 'Content-Encoding': 'gzip', 'Content-Type': 'text/plain; charset=utf-8' },
    });
    expect(res.status).toBe(204);
    expect(await values('{__name__="mem_used"}')).toEqual([[[NOW], [42]]]);
  });

  it('answers 400 naming the bad line while storing the good ones', async () => {
    const res = await f.request('/write?db=x&precision=ms', { method: 'POST', body: `good value=1 ${NOW}\nbad value=oops ${NOW}\n` });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/unable to parse 'bad value=oops \d+': invalid value "oops" of field "value" \(line 2\)/);
    expect(await values('{__name__="good_value"}')).toEqual([[[NOW], [1]]]);
  });

  it('drops string fields without failing the request', async () => {
    const res = await f.request('/write?db=x', { method: 'POST', body: `ev,kind=a msg="hello",n=1 ${BigInt(NOW) * 1_000_000n}` });
    expect(res.status).toBe(204);
    expect(await values('{__name__=~"ev_.*"}')).toEqual([[[NOW], [1]]]);
  });

  it.each([
    ['/write', /database is required/],
    ['/write?db=x&precision=fortnight', /invalid precision "fortnight"/],
    ['/api/v2/write?org=o', /bucket is required/],
  ])('answers 400 for %s', async (path, message) => {
    const res = await f.request(path, { method: 'POST', body: 'a b=1' });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(message);
  });

  it('answers 413 for a body over the limit and for a gzip bomb', async () => {
    expect((await f.request('/write?db=x', { method: 'POST', body: 'a b=1\n'.repeat(20_000) })).status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024, 'a'));
    expect((await f.request('/write?db=x', { method: 'POST', body: bomb, headers: { 'Content-Encoding': 'gzip' } })).status).toBe(413);
  });

  it('answers GET and HEAD /ping with 204 and X-Influxdb-Version', async () => {
    for (const method of ['GET', 'HEAD']) {
      const res = await f.request('/ping', { method });
      expect(res.status).toBe(204);
      expect(res.headers.get('x-influxdb-version')).toMatch(/^1\./);
    }
  });

  it('answers CREATE DATABASE and SHOW DATABASES, and says other queries are not served', async () => {
    const create = await f.request('/query', { method: 'POST', body: new URLSearchParams({ q: 'CREATE DATABASE "telegraf"' }) });
    expect(await create.json()).toEqual({ results: [{ statement_id: 0 }] });
    const show = await f.request(`/query?q=${encodeURIComponent('SHOW DATABASES; SELECT * FROM cpu')}`);
    const body = await show.json();
    expect(body.results[0].series[0]).toEqual({ name: 'databases', columns: ['name'], values: [['telegraf']] });
    expect(body.results[1].error).toMatch(/PromQL/);
  });

  it('keeps the databases of each tenant apart, bounded', async () => {
    await f.request('/query', { method: 'POST', body: new URLSearchParams({ q: 'CREATE DATABASE a_only' }), tenant: 'tenant-a' });
    const names = async (tenant: string) => {
      const show = await (await f.request('/query?q=SHOW%20DATABASES', { tenant })).json();
      return (show.results[0].series[0].values ?? []).map((v: string[]) => v[0]);
    };
    expect(await names('tenant-a')).toEqual(['a_only']);
    expect(await names('tenant-b')).toEqual([]);
    const many = Array.from({ length: 70 }, (_, i) => `CREATE DATABASE db${i}`).join(';');
    await f.request('/query', { method: 'POST', body: new URLSearchParams({ q: many }), tenant: 'tenant-b' });
    const b = await names('tenant-b');
    expect(b).toHaveLength(64);
    expect(b[63]).toBe('db69');
    const long = await (await f.request('/query', { method: 'POST', body: new URLSearchParams({ q: `CREATE DATABASE ${'x'.repeat(300)}` }), tenant: 'tenant-b' })).json();
    expect(long.results[0].error).toMatch(/longer than 256/);
  });
});

describe('real Influx clients', () => {
  let f: IngestFixture;
  let base: string;
  beforeEach(async () => {
    f = await createIngestFixture();
    base = await f.listen();
  });
  afterEach(async () => {
    await f.close();
  });

  const count = async (selector: string) => {
    const series = f.storage.metrics.selectSeries('default', parseSeriesSelector(selector));
    return (await f.storage.metrics.readSamples(series, 0, Date.now() + 60_000)).map((d) => [d.labels.find((l) => l.name === 'host')?.value, Array.from(d.values)]);
  };

  it('@influxdata/influxdb-client (2.x API) writes gzip-compressed batches', async () => {
    const client = new InfluxDB2({ url: base, token: ROOT_KEY });
    const writeApi = client.getWriteApi('my-org', 'my-bucket', 'ms', { gzipThreshold: 100, maxRetries: 0 });
    const points = Array.from({ length: 50 }, (_, i) =>
      new Point('weather').tag('host', `h${i % 2}`).floatField('temp', 20 + i).intField('hum', i).stringField('note', 'x').timestamp(new Date(Date.now() - (50 - i) * 1000)),
    );
    writeApi.writePoints(points);
    await writeApi.close();
    const temps = await count('{__name__="weather_temp"}');
    expect(temps.map((t) => [t[0], (t[1] as number[]).length])).toEqual([
      ['h0', 25],
      ['h1', 25],
    ]);
    expect(await count('{__name__="weather_note"}')).toEqual([]);
  });

  it('influx (1.x API) pings, creates a database, lists it and writes points', async () => {
    const url = new URL(base);
    const client = new InfluxDB1({ host: url.hostname, port: Number(url.port), database: 'metrics', username: 'vigil', password: ROOT_KEY });
    const hosts = await client.ping(2000);
    expect(hosts[0]).toMatchObject({ online: true, version: expect.stringMatching(/^1\./) });
    await client.createDatabase('metrics');
    expect(await client.getDatabaseNames()).toContain('metrics');
    await client.writePoints([
      { measurement: 'load', tags: { host: 'web-1' }, fields: { shortterm: 0.5, procs: 7 } },
      { measurement: 'load', tags: { host: 'web-2' }, fields: { shortterm: 1.25, procs: 3 } },
    ]);
    expect(await count('{__name__="load_shortterm"}')).toEqual([
      ['web-1', [0.5]],
      ['web-2', [1.25]],
    ]);
  });
});
