import { compressSync } from 'snappy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture } from '../../testing/app-fixture.js';
import { type TestSeries, encodeWriteRequest, remoteWriteBody } from '../../testing/remote-write-encode.js';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const good: TestSeries = { labels: [['__name__', 'ok_metric'], ['job', 'a']], samples: [[NOW - 1000, 1]] };

async function exported(f: AppFixture, selector: string, tenant?: string) {
  const res = await f.request(`/api/v1/export?match[]=${encodeURIComponent(selector)}`, { tenant });
  expect(res.status).toBe(200);
  const text = await res.text();
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { metric: Record<string, string>; values: number[]; timestamps: number[] });
}

function write(f: AppFixture, body: Uint8Array, init: { tenant?: string; headers?: Record<string, string> } = {}) {
  return f.request('/api/v1/write', {
    method: 'POST',
    body,
    tenant: init.tenant,
    headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf', ...init.headers },
  });
}

describe('POST /api/v1/write', () => {
  let f: AppFixture;
  beforeEach(async () => {
    f = await createAppFixture(`
limits:
  maxLabelsPerSeries: 5
  maxLabelNameLength: 20
  maxLabelValueLength: 30
  maxSampleAge: 1h
`);
    f.setNow(NOW);
  });
  afterEach(async () => {
    await f.close();
  });

  it('stores samples and answers 204', async () => {
    const res = await write(f, remoteWriteBody([good]));
    expect(res.status).toBe(204);
    const [s] = await exported(f, 'ok_metric');
    expect(s).toEqual({ metric: { __name__: 'ok_metric', job: 'a' }, values: [1], timestamps: [NOW - 1000] });
  });

  it.each<[string, TestSeries, string]>([
    ['unsorted labels', { labels: [['job', 'a'], ['__name__', 'x1']], samples: [[NOW, 1]] }, 'label names not sorted'],
    ['duplicate labels', { labels: [['__name__', 'x2'], ['a', '1'], ['a', '2']], samples: [[NOW, 1]] }, 'duplicate label name "a"'],
    ['an empty label value', { labels: [['__name__', 'x3'], ['a', '']], samples: [[NOW, 1]] }, 'label "a" has an empty value'],
    ['an empty label name', { labels: [['', 'v'], ['__name__', 'x4']], samples: [[NOW, 1]] }, 'empty label name'],
    ['a bad metric name', { labels: [['__name__', '1bad']], samples: [[NOW, 1]] }, 'invalid metric name "1bad"'],
    ['a bad label name', { labels: [['__name__', 'x5'], ['bad-name', 'v']], samples: [[NOW, 1]] }, 'invalid label name "bad-name"'],
    ['no metric name', { labels: [['job', 'x']], samples: [[NOW, 1]] }, 'no __name__ label'],
    [
      'too many labels',
      { labels: [['__name__', 'x6'], ['a', '1'], ['b', '1'], ['c', '1'], ['d', '1'], ['e', '1']], samples: [[NOW, 1]] },
      'has 6 labels, over the limit of 5',
    ],
    ['a long label name', { labels: [['__name__', 'x7'], ['a'.repeat(21), '1']], samples: [[NOW, 1]] }, 'label name longer than the limit of 20'],
    ['a long label value', { labels: [['__name__', 'x8'], ['a', 'v'.repeat(31)]], samples: [[NOW, 1]] }, 'label value longer than the limit of 30'],
    ['a sample too old', { labels: [['__name__', 'x9']], samples: [[NOW - 2 * 3_600_000, 1]] }, 'is too old'],
    ['a sample too far in the future', { labels: [['__name__', 'x10']], samples: [[NOW + 3_600_000, 1]] }, 'too far in the future'],
  ])('rejects %s with 400 naming the series, and stores the valid series', async (_name, bad, reason) => {
    const res = await write(f, remoteWriteBody([good, bad]));
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain(reason);
    expect(text).toContain('series {');
    expect(text).toContain('1 valid samples stored');
    expect(await exported(f, 'ok_metric')).toHaveLength(1);
  });

  it('keeps the in-window samples of a series that also has out-of-window ones', async () => {
    const mixed: TestSeries = { labels: [['__name__', 'mixed']], samples: [[NOW - 2 * 3_600_000, 1], [NOW - 1000, 2]] };
    const res = await write(f, remoteWriteBody([mixed]));
    expect(res.status).toBe(400);
    const [s] = await exported(f, 'mixed');
    expect(s!.values).toEqual([2]);
  });

  it('answers 400 for a body that is not snappy', async () => {
    const res = await write(f, Buffer.from('garbage'));
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/snappy: corrupt input/);
  });

  it('answers 400 for snappy that does not hold protobuf', async () => {
    const res = await write(f, compressSync(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2])));
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/cannot decode remote_write protobuf/);
  });

  it('answers 400 for a truncated protobuf and stores nothing of it', async () => {
    const full = encodeWriteRequest([good, { labels: [['__name__', 'trunc']], samples: [[NOW, 1]] }]);
    const res = await write(f, compressSync(full.subarray(0, full.length - 3)));
    expect(res.status).toBe(400);
    expect(await exported(f, '{__name__=~".+"}')).toEqual([]);
  });

  it('answers 413 when the compressed body is over the limit', async () => {
    const small = await createAppFixture('maxRequestSize: 2KiB');
    try {
      const res = await write(small, Buffer.alloc(4096, 1));
      expect(res.status).toBe(413);
      expect(await res.text()).toMatch(/exceeds the limit of 2048 bytes/);
    } finally {
      await small.close();
    }
  });

  it('answers 413 when the snappy header announces more than the decompressed limit, before allocating', async () => {
    // A 6-byte body announcing ~4 GiB: varint 0xffffffff0f.
    const bomb = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
    const res = await write(f, bomb);
    expect(res.status).toBe(413);
    expect(await res.text()).toMatch(/decompressed body of 4294967295 bytes exceeds the limit/);
  });

  it('accepts a metadata-only request and serves the metadata', async () => {
    const res = await write(f, remoteWriteBody([], [{ type: 1, name: 'demo_total', help: 'A demo.' }]));
    expect(res.status).toBe(204);
    const meta = await (await f.request('/api/v1/metadata')).json();
    expect(meta).toEqual({ status: 'success', data: { demo_total: [{ type: 'counter', help: 'A demo.', unit: '' }] } });
  });

  it('keeps stale markers as staleness: export omits them', async () => {
    const s: TestSeries = { labels: [['__name__', 'st']], samples: [[NOW - 2000, 1], [NOW - 1000, 0]], staleAt: [1] };
    expect((await write(f, remoteWriteBody([s]))).status).toBe(204);
    const [e] = await exported(f, 'st');
    expect(e!.timestamps).toEqual([NOW - 2000]);
    const [d] = await f.storage.metrics.readSamples(f.storage.metrics.selectSeries('default', []), 0, NOW);
    expect([...d!.stale]).toEqual([0, 1]);
  });

  it('stores ordinary NaN values as NaN', async () => {
    const s: TestSeries = { labels: [['__name__', 'nan_metric']], samples: [[NOW - 1000, Number.NaN]] };
    expect((await write(f, remoteWriteBody([s]))).status).toBe(204);
    const [d] = await f.storage.metrics.readSamples(f.storage.metrics.selectSeries('default', []), 0, NOW);
    expect(Number.isNaN(d!.values[0])).toBe(true);
    expect(d!.stale[0]).toBe(0);
  });

  it('requires the ingest scope', async () => {
    const created = await (
      await f.request('/api/v1/keys', { method: 'POST', body: JSON.stringify({ scopes: ['query'] }) })
    ).json();
    const res = await write(f, remoteWriteBody([good]), { headers: { authorization: `Bearer ${created.data.key}` } });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/lacks the "ingest" scope/);
  });
});

describe('ingest limits', () => {
  let f: AppFixture;
  afterEach(async () => {
    await f.close();
  });
  /** A server where tenant `slow` may write 10 samples/s (burst 10), its clock at NOW. */
  const slowTenantFixture = async (): Promise<AppFixture> => {
    const fixture = await createAppFixture(`
tenants:
  slow:
    limits: { ingestionRate: 10, ingestionBurst: 10 }
`);
    fixture.setNow(NOW);
    return fixture;
  };
  const series = (n: number): TestSeries => ({ labels: [['__name__', 'r'], ['i', String(n)]], samples: [[NOW - 1, 1]] });

  it('answers 429 with Retry-After once the tenant exceeds its rate, without affecting others', async () => {
    f = await slowTenantFixture();
    const body = (n: number) => remoteWriteBody(Array.from({ length: n }, (_, i) => series(i)));
    expect((await write(f, body(2), { tenant: 'slow' })).status).toBe(204);
    // 8 tokens left: a request of 9 is decoded (recent requests were smaller) and refused.
    const limited = await write(f, body(9), { tenant: 'slow' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.text()).toMatch(/ingestion rate limit of 10 samples\/s/);
    expect((await write(f, body(9), { tenant: 'other' })).status).toBe(204);
    f.setNow(NOW + 1000);
    expect((await write(f, body(8), { tenant: 'slow' })).status).toBe(204);
    const metrics = await (await f.request('/metrics')).text();
    expect(metrics).toMatch(/vigil_ingest_discarded_samples_total\{reason="rate_limited"\} 9/);
  });

  it('refuses at once, before reading the body, while the bucket holds less than a recent request; counts the request, not samples', async () => {
    f = await slowTenantFixture();
    expect((await write(f, remoteWriteBody(Array.from({ length: 10 }, (_, i) => series(i))), { tenant: 'slow' })).status).toBe(204);
    // The bucket is empty: a body that could not even be decompressed is refused with 429, not 400.
    const refused = await write(f, Buffer.from('not snappy at all'), { tenant: 'slow' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.text()).toMatch(/ingestion rate limit of 10 samples\/s \(burst 10\) exceeded for this tenant; retry after 1s/);
    // Another tenant is not affected. 0.5 s later 5 tokens are back, fewer than the tenant's recent
    // requests (10 samples): still refused unread. Once 10 are back, requests are read again.
    expect((await write(f, Buffer.from('not snappy at all'), { tenant: 'other' })).status).toBe(400);
    f.setNow(NOW + 500);
    expect((await write(f, Buffer.from('not snappy at all'), { tenant: 'slow' })).status).toBe(429);
    f.setNow(NOW + 1000);
    expect((await write(f, Buffer.from('not snappy at all'), { tenant: 'slow' })).status).toBe(400);
    const metrics = await (await f.request('/metrics')).text();
    expect(metrics).toMatch(/vigil_ingest_refused_unread_requests_total\{kind="samples"\} 2/);
    expect(metrics).not.toMatch(/vigil_ingest_discarded_samples_total\{reason="rate_limited"\}/);
  });

  it('rejects new series past the active-series limit with 400 naming the limit, keeping existing series', async () => {
    f = await createAppFixture('limits: { maxActiveSeries: 2 }');
    f.setNow(NOW);
    const s = (name: string): TestSeries => ({ labels: [['__name__', name]], samples: [[NOW - 1, 1]] });
    expect((await write(f, remoteWriteBody([s('a'), s('b')]))).status).toBe(204);
    const res = await write(f, remoteWriteBody([s('a'), s('c')]));
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/series \{__name__="c"\}: per-tenant limit of 2 active series exceeded/);
    const names = await (await f.request('/api/v1/label/__name__/values')).json();
    expect(names.data).toEqual(['a', 'b']);
    const metrics = await (await f.request('/metrics')).text();
    expect(metrics).toMatch(/vigil_ingest_discarded_samples_total\{reason="series_limit"\} 1/);
  });
});
