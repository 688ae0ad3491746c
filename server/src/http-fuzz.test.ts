import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { compressSync } from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_JSON, exampleProtobuf } from './ingest/otlp/test-payloads.js';
import { type AppFixture, ROOT_KEY, createAppFixture } from './testing/app-fixture.js';
import {
  fuzzRuns,
  fuzzTimeoutMs,
  mutate,
  mutations,
  pbBytesField,
  pbDoubleField,
  pbMessage,
  pbStringField,
  pbVarintField,
} from './testing/fuzz-kit.js';

// The HTTP-level fuzz (reference/reliability.md TF-1, "and the HTTP handlers"): random methods,
// paths built from the route table, query strings, headers, encodings and bodies against the
// whole app through `app.request()`. Whatever arrives, the answer is never a 5xx other than a
// documented 503 with Retry-After, an error always carries a message, and nothing rejects
// unhandled.

let f: AppFixture;
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown): void => {
  unhandled.push(err);
};

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  f = await createAppFixture();
});

afterAll(async () => {
  await f.close();
  process.off('unhandledRejection', onUnhandled);
});

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Uint8Array | undefined;
}

/** Sends `req` and checks the contract every answer keeps; returns the status. */
async function sendAndCheck(req: Sent): Promise<number> {
  const res = await f.app.request(req.url, {
    method: req.method,
    headers: req.headers,
    body: req.body && req.method !== 'GET' && req.method !== 'HEAD' ? req.body : undefined,
  });
  const body = new Uint8Array(await res.arrayBuffer());
  const where = `${req.method} ${req.url} ${JSON.stringify(req.headers)} → ${res.status} ${Buffer.from(body.subarray(0, 300)).toString('utf8')}`;
  if (res.status >= 500) {
    expect(res.status, where).toBe(503);
    expect(res.headers.get('retry-after'), where).toMatch(/^\d+$/);
  }
  if (res.status >= 400 && req.method !== 'HEAD') {
    expect(body.length, `an error names the problem: ${where}`).toBeGreaterThan(0);
    const type = res.headers.get('content-type') ?? '';
    if (type.includes('json')) {
      const doc = JSON.parse(Buffer.from(body).toString('utf8')) as { error?: unknown; message?: unknown };
      const message = doc.error ?? doc.message;
      expect(typeof message === 'string' && message.length > 0, `an error names the problem: ${where}`).toBe(true);
    }
  }
  return res.status;
}

// ---------------------------------------------------------------------------------------------
// Generators.

const PARAM_VALUES = ['x', 'web', '..', '%2e%2e', '%252e%252e', 'a%2Fb', '%00', 'é', '😀', ' ', 'a'.repeat(300), '-1', '0', '[]', '{}', 'null'];

/** Every route of the app with its parameters filled in, plus paths that match nothing. */
function pathArb(routes: ReadonlyArray<{ path: string }>): fc.Arbitrary<string> {
  const templates = [...new Set(routes.map((r) => r.path))];
  const fill = fc.tuple(fc.constantFrom(...templates), fc.array(fc.oneof(fc.constantFrom(...PARAM_VALUES), fc.stringMatching(/^[a-zA-Z0-9._~-]{1,12}$/)), { minLength: 4, maxLength: 4 }))
    .map(([t, values]) => {
      let i = 0;
      return t.replace(/:[a-zA-Z]+/g, () => values[i++ % values.length]!).replace(/\*$/, values[3]!);
    });
  return fc.oneof(
    { weight: 8, arbitrary: fill },
    { weight: 1, arbitrary: fc.webPath() },
    { weight: 1, arbitrary: fc.constantFrom('/', '//api/v1/query', '/api/v1/../../etc/passwd', '/api/v1/%2e%2e/keys', '/loki/api/v1/tail', '/api/v1/query/') },
  );
}

const QUERY_KEYS = [
  'query', 'q', 'start', 'end', 'step', 'time', 'limit', 'match[]', 'direction', 'since', 'db', 'bucket', 'org', 'precision', 'timeout',
  'lookback_delta', 'stats', 'from', 'to', 'format', 'name', 'metric', 'dry_run', 'rp', 'u', 'p',
];
const QUERY_VALUES = [
  'up', 'sum(rate(x[5m]))', '{app="web"}', '{app="web"} |= "x" | json', 'count_over_time({a="b"}[1m])', '1', '0', '-1', '1e308', 'NaN', 'Inf',
  '2026-12-07T00:00:00Z', '9999999999999999999', '1ms', '5m', '0s', 'backward', 'forward', 'ns', 'h', 'x', '', '(((', '{', '"', 'a'.repeat(20_000),
];
const queryArb = fc
  .array(fc.tuple(fc.constantFrom(...QUERY_KEYS), fc.oneof(fc.constantFrom(...QUERY_VALUES), fc.string({ maxLength: 20 }))), { maxLength: 5 })
  .map((pairs) => (pairs.length === 0 ? '' : `?${new URLSearchParams(pairs).toString()}`));

const CONTENT_TYPES = [
  'application/json', 'application/x-protobuf', 'application/x-www-form-urlencoded', 'text/plain', 'text/plain; charset=utf-8',
  'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/x-protobuf;proto=io.prometheus.write.v2.Request', '', 'ü/ü',
];
const ENCODINGS = ['gzip', 'snappy', 'identity', 'deflate', 'br', 'zstd', 'x-gzip', 'gzip, gzip', ' GZIP ', 'bogus'];

const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      name: fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('..', 'a/b', 'x')),
      expr: fc.constantFrom('up > 1', '(', 'rate(x[5m])', 1),
      query: fc.constantFrom('up', '{app="x"}', '', null),
      streams: fc.jsonValue({ maxDepth: 2 }),
      resourceMetrics: fc.jsonValue({ maxDepth: 2 }),
      resourceLogs: fc.jsonValue({ maxDepth: 2 }),
      type: fc.constantFrom('webhook', 'slack', 'email', 'threshold', 'x'),
      url: fc.constantFrom('http://127.0.0.1:1/x', 'file:///etc/passwd', 'not a url'),
      scopes: fc.jsonValue({ maxDepth: 1 }),
      matchers: fc.jsonValue({ maxDepth: 2 }),
      durationMs: fc.oneof(fc.integer(), fc.double()),
      tenant: fc.string({ maxLength: 8 }),
    },
    { requiredKeys: [] },
  ),
);

const rawBody = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  jsonBody.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.string({ maxLength: 300 }).map((s) => Buffer.from(s)),
  fc.constantFrom('cpu,host=a usage=1 1', 'cpu usage=1i 9223372036854775807', '<13>1 - - - - - -', '[{"values":[1],"dstypes":["gauge"],"dsnames":["v"],"time":1e300,"plugin":"p","type":"t"}]').map((s) => Buffer.from(s)),
);

const encodedBody = fc.tuple(rawBody, fc.constantFrom('none', 'gzip', 'snappy', 'truncated-gzip')).map(([b, how]): [Uint8Array, string] => {
  switch (how) {
    case 'gzip':
      return [gzipSync(b), how];
    case 'snappy':
      return [compressSync(Buffer.from(b)), how];
    case 'truncated-gzip':
      return [gzipSync(b).subarray(0, 12), how];
    default:
      return [b, how];
  }
});

const methodArb = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'POST', 'GET', 'PROPFIND');

function requestArb(routes: ReadonlyArray<{ method: string; path: string }>): fc.Arbitrary<Sent> {
  return fc
    .record({
      route: fc.option(fc.constantFrom(...routes), { freq: 3 }),
      method: methodArb,
      path: pathArb(routes),
      query: queryArb,
      contentType: fc.option(fc.constantFrom(...CONTENT_TYPES)),
      encoding: fc.option(fc.constantFrom(...ENCODINGS), { freq: 2 }),
      tenant: fc.option(fc.constantFrom('default', 'other', '..', 'a/b', 'x'.repeat(200), 'é')),
      auth: fc.constantFrom('root', 'root', 'root', 'none', 'bad', 'basic', 'token'),
      body: fc.option(encodedBody, { freq: 4 }),
      extra: fc.dictionary(fc.constantFrom('accept', 'accept-encoding', 'x-prometheus-remote-write-version', 'range', 'content-length', 'expect'), fc.string({ maxLength: 12 }), { maxKeys: 2 }),
    })
    .map((r): Sent => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.extra)) if (k !== 'content-length' && /^[\t\x20-\x7e]*$/.test(v)) headers[k] = v;
      if (r.contentType !== null) headers['content-type'] = r.contentType;
      if (r.encoding !== null) headers['content-encoding'] = r.encoding;
      if (r.tenant !== null) headers['x-scope-orgid'] = encodeURIComponent(r.tenant);
      if (r.auth === 'root') headers.authorization = `Bearer ${ROOT_KEY}`;
      else if (r.auth === 'bad') headers.authorization = 'Bearer vgl_not_a_key';
      else if (r.auth === 'basic') headers.authorization = `Basic ${Buffer.from(`u:${ROOT_KEY}`).toString('base64')}`;
      else if (r.auth === 'token') headers.authorization = `Token ${ROOT_KEY}`;
      // Either a real route with its own method (deep coverage), or anything at all.
      const method = r.route ? r.route.method.replace('ALL', 'GET') : r.method;
      return { method, url: `${r.path}${r.query}`, headers, body: r.body?.[0] };
    });
}

// ---------------------------------------------------------------------------------------------
// Valid ingest requests, to be damaged: each protocol with the headers its real senders use.

const hugeTs = fc.oneof(fc.integer({ min: -(2 ** 53), max: 2 ** 53 }), fc.constantFrom(0, -1, 2 ** 62, Number.MAX_SAFE_INTEGER));

const remoteWriteBody = fc
  .array(
    fc.tuple(
      fc.array(fc.tuple(fc.constantFrom('__name__', 'job', 'a', '', 'le', '0x'), fc.oneof(fc.string({ maxLength: 8 }), fc.uint8Array({ maxLength: 4 }))), { maxLength: 4 }),
      fc.array(fc.tuple(hugeTs, fc.double()), { maxLength: 3 }),
    ),
    { minLength: 1, maxLength: 3 },
  )
  .map((series) =>
    pbMessage(
      series.map(([labels, samples]) =>
        pbBytesField(
          1,
          pbMessage([
            ...labels.map(([n, v]) => pbBytesField(1, pbMessage([pbStringField(1, n), typeof v === 'string' ? pbStringField(2, v) : pbBytesField(2, v)]))),
            ...samples.map(([t, v]) => pbBytesField(2, pbMessage([pbDoubleField(1, v), pbVarintField(2, t)]))),
          ]),
        ),
      ),
    ),
  );

const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

const lokiStreams = fc.array(
  fc.tuple(fc.dictionary(fc.constantFrom('app', 'job', 'level', '0bad', '__name__'), fc.string({ maxLength: 6 }), { maxKeys: 3 }), fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 })),
  { minLength: 1, maxLength: 3 },
);

interface IngestCase {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: fc.Arbitrary<Uint8Array>;
}

const INGEST: IngestCase[] = [
  {
    name: 'remote_write',
    url: '/api/v1/write',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
    body: remoteWriteBody.map((b) => compressSync(Buffer.from(b))),
  },
  {
    name: 'remote_write (damaged before compression)',
    url: '/api/v1/write',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    body: fc.tuple(remoteWriteBody, mutations).map(([b, m]) => compressSync(mutate(b, m))),
  },
  {
    name: 'Loki JSON',
    url: '/loki/api/v1/push',
    headers: { 'content-type': 'application/json' },
    body: lokiStreams.map((streams) =>
      Buffer.from(JSON.stringify({ streams: streams.map(([stream, lines]) => ({ stream, values: lines.map((l) => [String(nowNs()), l]) })) })),
    ),
  },
  {
    name: 'Loki protobuf',
    url: '/loki/api/v1/push',
    headers: { 'content-type': 'application/x-protobuf' },
    body: fc.tuple(lokiStreams, fc.integer({ min: -(2 ** 40), max: 2 ** 40 })).map(([streams, secOffset]) => {
      const sec = BigInt(Math.floor(Date.now() / 1000) + secOffset);
      const proto = pbMessage(
        streams.map(([stream, lines]) =>
          pbBytesField(
            1,
            pbMessage([
              pbStringField(1, `{${Object.entries(stream).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`),
              ...lines.map((l) => pbBytesField(2, pbMessage([pbBytesField(1, pbVarintField(1, sec)), pbStringField(2, l)]))),
            ]),
          ),
        ),
      );
      return compressSync(Buffer.from(proto));
    }),
  },
  {
    name: 'OTLP metrics JSON',
    url: '/v1/metrics',
    headers: { 'content-type': 'application/json' },
    body: fc.constant(Buffer.from(JSON.stringify(EXAMPLE_JSON))),
  },
  {
    name: 'OTLP metrics protobuf (gzip)',
    url: '/v1/metrics',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
    body: fc.constant(gzipSync(exampleProtobuf())),
  },
  {
    name: 'OTLP metrics protobuf',
    url: '/v1/metrics',
    headers: { 'content-type': 'application/x-protobuf' },
    body: fc.constant(Buffer.from(exampleProtobuf())),
  },
  {
    name: 'OTLP logs JSON',
    url: '/v1/logs',
    headers: { 'content-type': 'application/json' },
    body: fc.string({ maxLength: 20 }).map((line) =>
      Buffer.from(
        JSON.stringify({
          resourceLogs: [
            {
              resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
              scopeLogs: [{ logRecords: [{ timeUnixNano: String(nowNs()), severityNumber: 13, body: { stringValue: line }, attributes: [{ key: 'k.v', value: { intValue: '7' } }] }] }],
            },
          ],
        }),
      ),
    ),
  },
  {
    name: 'Influx 1.x',
    url: '/write?db=x&precision=s',
    headers: { 'content-type': 'text/plain' },
    body: fc
      .array(fc.tuple(fc.constantFrom('cpu', 'mem,host=a', 'a\\ b,t=1', 'x,=y'), fc.constantFrom('v=1', 'v=1i', 's="x"', 'b=t', 'v=1u'), fc.oneof(fc.constant(''), hugeTs.map((t) => ` ${t}`))), { minLength: 1, maxLength: 4 })
      .map((lines) => Buffer.from(lines.map(([m, fl, ts]) => `${m} ${fl}${ts}`).join('\n'))),
  },
  {
    name: 'Influx 2.x (hours)',
    url: '/api/v2/write?org=o&bucket=b&precision=h',
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: hugeTs.map((t) => Buffer.from(`cpu,host=a usage=1 ${t}\n`)),
  },
  {
    name: 'collectd',
    url: '/collectd',
    headers: { 'content-type': 'application/json' },
    body: fc
      .array(
        fc.record({
          values: fc.array(fc.oneof(fc.double(), fc.constant(null)), { minLength: 1, maxLength: 2 }),
          time: fc.oneof(fc.constant(Date.now() / 1000), fc.double({ min: 0, noNaN: true })),
          plugin: fc.constantFrom('load', 'cpu', 'instance', '__name__', '9p', ''),
          type: fc.constantFrom('load', 'gauge', 'x-y'),
          host: fc.string({ maxLength: 5 }),
        }),
        { minLength: 1, maxLength: 3 },
      )
      .map((lists) => Buffer.from(JSON.stringify(lists.map((l) => ({ ...l, dstypes: l.values.map(() => 'gauge'), dsnames: l.values.map((_, i) => `d${i}`), interval: 10 }))))),
  },
];

describe('the HTTP surface, fuzzed', () => {
  it('answers random requests on every route with < 500 (or 503 + Retry-After) and a message', { timeout: fuzzTimeoutMs(120_000) }, async () => {
    const routes = f.app.routes.filter((r) => r.path !== '/*' && r.path !== '*').map((r) => ({ method: r.method, path: r.path }));
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requestArb(routes), async (req) => {
        const status = await sendAndCheck(req);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }),
      { numRuns: fuzzRuns(1500) },
    );
    console.log(`http fuzz: ${routes.length} routes, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
    // The fuzz reached past authentication and validation, not just 401s and 404s.
    expect([...statuses.keys()].some((s) => s >= 200 && s < 300)).toBe(true);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    expect(unhandled).toEqual([]);
  });

  it.each(INGEST)('answers valid and damaged $name requests with 2xx or 4xx and a message', { timeout: fuzzTimeoutMs(60_000) }, async (c) => {
    await fc.assert(
      fc.asyncProperty(c.body, fc.option(mutations, { freq: 2 }), async (body, damage) => {
        await sendAndCheck({ method: 'POST', url: c.url, headers: { ...c.headers, authorization: `Bearer ${ROOT_KEY}` }, body: damage ? mutate(body, damage) : body });
      }),
      { numRuns: fuzzRuns(250) },
    );
    expect(unhandled).toEqual([]);
  });

  // Inputs the fuzz found, kept as rows so they stay fixed.
  it.each([
    ['remote_write sample at int64 max ms', '/api/v1/write', { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      compressSync(Buffer.from(pbBytesField(1, pbMessage([pbBytesField(1, pbMessage([pbStringField(1, '__name__'), pbStringField(2, 'x')])), pbBytesField(2, pbMessage([pbDoubleField(1, 1), pbVarintField(2, 2n ** 62n)]))]))))],
    ['remote_write label that is not UTF-8', '/api/v1/write', { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      compressSync(Buffer.from(pbBytesField(1, pbMessage([pbBytesField(1, pbMessage([pbStringField(1, '__name__'), pbBytesField(2, Uint8Array.of(0xff, 0xfe))])), pbBytesField(2, pbMessage([pbDoubleField(1, 1), pbVarintField(2, Date.now())]))]))))],
    ['Influx timestamp in hours past the Date range', '/api/v2/write?bucket=b&precision=h', { 'content-type': 'text/plain' }, Buffer.from('cpu v=1 9223372036854775807')],
    ['collectd time of 1e300 s', '/collectd', { 'content-type': 'application/json' },
      Buffer.from('[{"values":[1],"dstypes":["gauge"],"dsnames":["v"],"time":1e300,"interval":10,"host":"h","plugin":"p","type":"t"}]')],
    ['Influx query with a multipart type and no body', '/query', { 'content-type': 'multipart/form-data; boundary=x' }, undefined],
  ] as const)('answers a %s with a 400 naming it', async (_name, url, headers, body) => {
    const res = await f.app.request(url, { method: 'POST', headers: { ...headers, authorization: `Bearer ${ROOT_KEY}` }, body });
    const text = await res.text();
    expect(res.status, text).toBe(400);
    expect(text.length).toBeGreaterThan(10);
  });
});
