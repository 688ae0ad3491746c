import { gzipSync } from 'node:zlib';
import { compressSync } from 'snappy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture } from '../../testing/app-fixture.js';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;

/** Encodes a Loki PushRequest protobuf by hand (field numbers from Loki's push.proto). */
function pushProto(streams: Array<{ labels: string; entries: Array<{ ms: number; line: string; meta?: [string, string][] }> }>) {
  const varint = (n: number | bigint): number[] => {
    let v = BigInt(n);
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    return out;
  };
  const len = (field: number, bytes: number[]) => [...varint(field * 8 + 2), ...varint(bytes.length), ...bytes];
  const str = (field: number, s: string) => len(field, [...Buffer.from(s)]);
  const body: number[] = [];
  for (const s of streams) {
    const sb = [...str(1, s.labels)];
    for (const e of s.entries) {
      const ts = [...varint(8), ...varint(Math.floor(e.ms / 1000)), ...varint(16), ...varint((e.ms % 1000) * 1_000_000)];
      const eb = [...len(1, ts), ...str(2, e.line)];
      for (const [n, v] of e.meta ?? []) eb.push(...len(3, [...str(1, n), ...str(2, v)]));
      sb.push(...len(2, eb));
    }
    body.push(...len(1, sb));
  }
  return compressSync(Buffer.from(body));
}

describe('POST /loki/api/v1/push', () => {
  let f: AppFixture;
  beforeEach(async () => {
    f = await createAppFixture('limits: { maxLineSize: 100, maxStreamLabels: 3, maxLogAge: 1h }');
    f.setNow(NOW);
  });
  afterEach(async () => {
    await f.close();
  });

  const push = (body: string | Uint8Array, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
    f.request('/loki/api/v1/push', { method: 'POST', body, headers });
  const lines = async (selector: string) =>
    (
      await f.storage.logs.read('default', {
        matchers: (await import('../../api/selector.js')).parseSeriesSelector(selector),
        startNs: 0n,
        endNs: BigInt(NOW + 60_000) * 1_000_000n,
        direction: 'forward',
        limit: 0,
      })
    ).entries.map((e) => [e.line, e.metadata] as const);

  it('stores JSON with string nanosecond timestamps and structured metadata', async () => {
    const res = await push(
      JSON.stringify({
        streams: [{ stream: { job: 'app', level: 'warn' }, values: [[ns(NOW - 2000), 'fizzbuzz'], [ns(NOW - 1000), 'with metadata', { trace_id: 'abc' }]] }],
      }),
    );
    expect(res.status).toBe(204);
    expect(await lines('{job="app"}')).toEqual([
      ['fizzbuzz', undefined],
      ['with metadata', { trace_id: 'abc' }],
    ]);
  });

  it('stores gzip JSON', async () => {
    const body = gzipSync(JSON.stringify({ streams: [{ stream: { job: 'gz' }, values: [[ns(NOW), 'zipped']] }] }));
    const res = await push(body, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    expect(res.status).toBe(204);
    expect(await lines('{job="gz"}')).toEqual([['zipped', undefined]]);
  });

  it('stores snappy protobuf sent without Content-Encoding, as winston-loki and promtail do', async () => {
    const body = pushProto([{ labels: '{job="proto", level="info"}', entries: [{ ms: NOW - 5, line: 'from proto', meta: [['trace_id', 't1']] }] }]);
    const res = await push(body, { 'Content-Type': 'application/x-protobuf' });
    expect(res.status).toBe(204);
    expect(await lines('{job="proto"}')).toEqual([['from proto', { trace_id: 't1' }]]);
  });

  it.each<[string, unknown, string]>([
    ['a numeric timestamp', { stream: { job: 'bad' }, values: [[1570818238000000000, 'x']] }, 'timestamp must be a string of nanoseconds'],
    ['too many labels', { stream: { a: '1', b: '1', c: '1', d: '1' }, values: [[ns(NOW), 'x']] }, 'has 4 labels, over the limit of 3'],
    ['a bad label name', { stream: { 'bad-name': 'x' }, values: [[ns(NOW), 'x']] }, 'invalid label name "bad-name"'],
    ['a line over the limit', { stream: { job: 'long' }, values: [[ns(NOW), 'x'.repeat(101)]] }, 'line of 101 bytes is over the limit of 100 bytes'],
    ['a timestamp too far in the future', { stream: { job: 'fut' }, values: [[ns(NOW + 3_600_000), 'x']] }, 'too far in the future'],
    ['a timestamp too old', { stream: { job: 'old' }, values: [[ns(NOW - 7_200_000), 'x']] }, 'older than the limit of 1h'],
  ])('rejects %s with 400 naming the stream, and stores the other streams', async (_n, bad, reason) => {
    const res = await push(JSON.stringify({ streams: [{ stream: { job: 'good' }, values: [[ns(NOW), 'ok']] }, bad] }));
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain(reason);
    expect(text).toContain('stream ');
    expect(await lines('{job="good"}')).toEqual([['ok', undefined]]);
  });

  it.each<[string, string | Uint8Array, Record<string, string>, number, RegExp]>([
    ['invalid JSON', '{"streams": [', { 'Content-Type': 'application/json' }, 400, /not valid JSON/],
    ['JSON without streams', '{"x": 1}', { 'Content-Type': 'application/json' }, 400, /"streams" array/],
    ['corrupt snappy protobuf', 'garbage', { 'Content-Type': 'application/x-protobuf' }, 400, /snappy: corrupt input/],
    ['an unknown content type', 'x', { 'Content-Type': 'text/csv' }, 415, /unsupported Content-Type/],
    ['corrupt gzip', 'not gzip', { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, 400, /gzip/],
  ])('answers %s with a clear error', async (_n, body, headers, status, message) => {
    const res = await push(body, headers);
    expect(res.status).toBe(status);
    expect(await res.text()).toMatch(message);
  });

  it('rejects a gzip bomb with 413 without inflating it all', async () => {
    const small = await createAppFixture('maxDecompressedSize: 1MiB');
    try {
      const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
      expect(bomb.length).toBeLessThan(200 * 1024);
      const res = await small.request('/loki/api/v1/push', {
        method: 'POST',
        body: bomb,
        headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      });
      expect(res.status).toBe(413);
      expect(await res.text()).toMatch(/decompressed body exceeds the limit of 1048576 bytes/);
    } finally {
      await small.close();
    }
  });

  it('answers 429 with Retry-After over the log byte rate', async () => {
    const limited = await createAppFixture('limits: { logIngestionRate: 100, logIngestionBurst: 100 }');
    try {
      limited.setNow(NOW);
      const body = JSON.stringify({ streams: [{ stream: { job: 'r' }, values: [[ns(NOW), 'y'.repeat(80)]] }] });
      const post = () =>
        limited.request('/loki/api/v1/push', { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
      expect((await post()).status).toBe(204);
      const res = await post();
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('1');
      // 20 bytes left, less than the tenant's recent pushes (80): refused before the body is read
      // (a broken body gets 429, not 400).
      const broken = await limited.request('/loki/api/v1/push', { method: 'POST', body: '{not json', headers: { 'Content-Type': 'application/json' } });
      expect(broken.status).toBe(429);
      expect(await broken.text()).toMatch(/log ingestion rate limit of 100 bytes\/s \(burst 100\) exceeded for this tenant/);
      expect(await (await limited.request('/metrics')).text()).toMatch(/vigil_ingest_refused_unread_requests_total\{kind="logs"\} 2/);
    } finally {
      await limited.close();
    }
  });

  it('enforces the per-tenant stream limit with 400 naming the limit', async () => {
    const limited = await createAppFixture('limits: { maxStreams: 1 }');
    try {
      limited.setNow(NOW);
      const body = JSON.stringify({
        streams: [
          { stream: { job: 'a' }, values: [[ns(NOW), 'a']] },
          { stream: { job: 'b' }, values: [[ns(NOW), 'b']] },
        ],
      });
      const res = await limited.request('/loki/api/v1/push', { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/stream \{job="b"\}: per-tenant limit of 1 streams exceeded/);
    } finally {
      await limited.close();
    }
  });
});

describe('Loki label APIs', () => {
  let f: AppFixture;
  beforeEach(async () => {
    f = await createAppFixture();
    f.setNow(NOW);
    const body = JSON.stringify({
      streams: [
        { stream: { job: 'api', level: 'info' }, values: [[ns(NOW - 1000), 'GET / 200']] },
        { stream: { job: 'web', level: 'error' }, values: [[ns(NOW - 1000), 'boom']] },
      ],
    });
    const res = await f.request('/loki/api/v1/push', { method: 'POST', body, headers: { 'Content-Type': 'application/json' }, tenant: 'logs' });
    expect(res.status).toBe(204);
  });
  afterEach(async () => {
    await f.close();
  });

  it('lists labels and values in Loki envelopes, per tenant', async () => {
    expect(await (await f.request('/loki/api/v1/labels', { tenant: 'logs' })).json()).toEqual({ status: 'success', data: ['job', 'level'] });
    expect((await (await f.request('/loki/api/v1/label/job/values', { tenant: 'logs' })).json()).data).toEqual(['api', 'web']);
    expect((await (await f.request('/loki/api/v1/labels', { tenant: 'other' })).json()).data).toEqual([]);
  });

  it('answers series for match[] and index stats for a selector', async () => {
    const series = await (await f.request('/loki/api/v1/series?match[]={level="error"}', { tenant: 'logs' })).json();
    expect(series.data).toEqual([{ job: 'web', level: 'error' }]);
    const stats = await (await f.request(`/loki/api/v1/index/stats?query=${encodeURIComponent('{job=~".+"}')}&start=${ns(NOW - 60_000)}&end=${ns(NOW)}`, { tenant: 'logs' })).json();
    expect(stats).toEqual({ streams: 2, chunks: 2, entries: 2, bytes: 13 });
  });

  it('accepts nanosecond, float-second and RFC 3339 times, and rejects others', async () => {
    for (const start of [ns(NOW - 60_000), `${(NOW - 60_000) / 1000}.5`, new Date(NOW - 60_000).toISOString()]) {
      const r = await f.request(`/loki/api/v1/labels?start=${encodeURIComponent(start)}`, { tenant: 'logs' });
      expect((await r.json()).data).toEqual(['job', 'level']);
    }
    const bad = await f.request('/loki/api/v1/labels?start=yesterday', { tenant: 'logs' });
    expect(bad.status).toBe(400);
  });
});
