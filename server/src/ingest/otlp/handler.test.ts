import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSeriesSelector } from '../../api/selector.js';
import { type IngestFixture, createIngestFixture } from '../../testing/ingest-routes.js';
import { ProtobufReader } from '../protobuf-reader.js';
import { EXAMPLE_JSON, exampleProtobuf } from './test-payloads.js';

const NOW = 1_795_316_190_000;
const JSON_TYPE = { 'Content-Type': 'application/json' };
const PROTO_TYPE = { 'Content-Type': 'application/x-protobuf' };

/** Reads `google.rpc.Status{code=1, message=2}`. */
function decodeStatus(bytes: Uint8Array): { code: number; message: string } {
  const r = new ProtobufReader(bytes);
  const out = { code: 0, message: '' };
  while (r.more()) {
    const [f, w] = r.tag();
    if (f === 1) out.code = r.varint();
    else if (f === 2) {
      const end = r.lengthDelimitedEnd();
      out.message = Buffer.from(bytes.subarray(r.pos, end)).toString('utf8');
      r.pos = end;
    } else r.skip(w);
  }
  return out;
}

describe('POST /v1/metrics', () => {
  let f: IngestFixture;
  beforeEach(async () => {
    f = await createIngestFixture('maxRequestSize: 64KiB\nmaxDecompressedSize: 256KiB\ntenants: { slow: { limits: { ingestionRate: 1, ingestionBurst: 1 } } }');
    f.setNow(NOW);
  });
  afterEach(async () => {
    await f.close();
  });

  const post = (body: string | Uint8Array, headers: Record<string, string>, tenant?: string) =>
    f.request('/v1/metrics', { method: 'POST', body, headers, ...(tenant ? { tenant } : {}) });
  const value = async (selector: string) => {
    const series = f.storage.metrics.selectSeries('default', parseSeriesSelector(selector));
    const data = await f.storage.metrics.readSamples(series, 0, NOW + 60_000);
    return data.map((d) => Array.from(d.values));
  };

  it('stores OTLP/JSON and answers an empty JSON ExportMetricsServiceResponse', async () => {
    const res = await post(JSON.stringify(EXAMPLE_JSON), JSON_TYPE);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe('{}');
    expect(await value('{__name__="http_server_requests_total", route="/a", job="demo-svc"}')).toEqual([[3]]);
    expect(await value('{__name__="http_server_duration_milliseconds_bucket", le="25"}')).toEqual([[1]]);
  });

  it('stores gzip protobuf and answers in protobuf', async () => {
    const res = await post(gzipSync(exampleProtobuf()), { ...PROTO_TYPE, 'Content-Encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    expect(new Uint8Array(await res.arrayBuffer()).length).toBe(0);
    expect(await value('{__name__="queue_depth"}')).toEqual([[-2]]);
  });

  it('accepts an empty request as a success', async () => {
    expect((await post(new Uint8Array(0), PROTO_TYPE)).status).toBe(200);
    expect((await post('{}', JSON_TYPE)).status).toBe(200);
  });

  it('reports dropped points as partial success, storing the rest', async () => {
    const doc = structuredClone(EXAMPLE_JSON) as { resourceMetrics: Array<{ scopeMetrics: Array<{ metrics: unknown[] }> }> };
    doc.resourceMetrics[0]!.scopeMetrics[0]!.metrics.push({ name: 'expo', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{}, {}] } });
    const res = await post(JSON.stringify(doc), JSON_TYPE);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.partialSuccess.rejectedDataPoints).toBe('2');
    expect(body.partialSuccess.errorMessage).toMatch(/exponential histograms are not supported/);
    expect(await value('{__name__="temp_celsius"}')).toEqual([[21.5]]);
  });

  it('refuses samples too far in the future as partial success, storing the rest of their series and other series whole', async () => {
    const ns = (ms: number) => `${ms}000000`;
    const point = (ms: number, v: number, attrs: unknown[]) => ({ attributes: attrs, timeUnixNano: ns(ms), asDouble: v });
    const a = [{ key: 'k', value: { stringValue: 'a' } }];
    const b = [{ key: 'k', value: { stringValue: 'b' } }];
    const doc = {
      resourceMetrics: [
        {
          scopeMetrics: [
            { metrics: [{ name: 'g', gauge: { dataPoints: [point(NOW - 2000, 1, a), point(NOW + 3_600_000, 2, a), point(NOW - 1000, 3, a), point(NOW - 2000, 4, b), point(NOW - 1000, 5, b)] } }] },
          ],
        },
      ],
    };
    const res = await post(JSON.stringify(doc), JSON_TYPE);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.partialSuccess.rejectedDataPoints).toBe('1');
    expect(body.partialSuccess.errorMessage).toMatch(/series \{__name__="g", k="a"\}: sample timestamp .* is too far in the future/);
    expect(await value('{__name__="g", k="a"}')).toEqual([[1, 3]]);
    expect(await value('{__name__="g", k="b"}')).toEqual([[4, 5]]);
  });

  it.each([
    ['malformed JSON', '{"resourceMetrics": [', JSON_TYPE, /body is not valid JSON/],
    ['JSON with a wrong type', '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"asDouble":"x"}]}}]}]}]}', JSON_TYPE, /asDouble: must be a number/],
  ])('answers 400 with a JSON Status for %s', async (_what, body, headers, message) => {
    const res = await post(body, headers);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json');
    const status = await res.json();
    expect(status.code).toBe(3);
    expect(status.message).toMatch(message);
  });

  it('answers 400 with a protobuf Status for truncated protobuf', async () => {
    const res = await post(exampleProtobuf().subarray(0, 100), PROTO_TYPE);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const status = decodeStatus(new Uint8Array(await res.arrayBuffer()));
    expect(status).toMatchObject({ code: 3, message: expect.stringMatching(/cannot decode ExportMetricsServiceRequest protobuf/) });
  });

  it('answers 413 over the body limit, sent whole or chunked', async () => {
    const big = new Uint8Array(100 * 1024);
    expect((await post(big, PROTO_TYPE)).status).toBe(413);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new Uint8Array(10 * 1024));
        controller.close();
      },
    });
    const res = await f.request('/v1/metrics', { method: 'POST', body: stream, headers: PROTO_TYPE, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(decodeStatus(new Uint8Array(await res.arrayBuffer())).message).toMatch(/exceeds the limit/);
  });

  it('answers 413 for a gzip bomb without inflating it all', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const res = await post(bomb, { ...PROTO_TYPE, 'Content-Encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(decodeStatus(new Uint8Array(await res.arrayBuffer())).message).toMatch(/decompressed body exceeds the limit/);
  });

  it('answers 415 for another content type or encoding', async () => {
    expect((await post('x', { 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await post('x', { ...PROTO_TYPE, 'Content-Encoding': 'br' })).status).toBe(415);
  });

  it('answers 429 with Retry-After when the tenant is over its rate', async () => {
    // The first request may overdraw a full bucket; the next one waits.
    expect((await post(JSON.stringify(EXAMPLE_JSON), JSON_TYPE, 'slow')).status).toBe(200);
    const res = await post(JSON.stringify(EXAMPLE_JSON), JSON_TYPE, 'slow');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await res.json()).code).toBe(8);
  });
});

describe('POST /v1/logs', () => {
  let f: IngestFixture;
  beforeEach(async () => {
    f = await createIngestFixture('limits: { maxLineSize: 20 }');
    f.setNow(NOW);
  });
  afterEach(async () => {
    await f.close();
  });

  const record = (body: unknown, extra: Record<string, unknown> = {}) => ({ timeUnixNano: String(BigInt(NOW) * 1_000_000n), severityNumber: 17, body, ...extra });
  const doc = (records: unknown[], resource = [{ key: 'service.name', value: { stringValue: 'api' } }, { key: 'host.name', value: { stringValue: 'h1' } }]) => ({
    resourceLogs: [{ resource: { attributes: resource }, scopeLogs: [{ scope: { name: 'lib', version: '2' }, logRecords: records }] }],
  });
  const read = async (selector: string) =>
    (await f.storage.logs.read('default', { matchers: parseSeriesSelector(selector), startNs: 0n, endNs: BigInt(NOW + 1) * 1_000_000n, direction: 'forward', limit: 0 })).entries.map((e) => [
      e.line,
      e.metadata,
    ]);

  it('stores records under service_name and level, the rest as structured metadata', async () => {
    const res = await f.request('/v1/logs', {
      method: 'POST',
      headers: JSON_TYPE,
      body: JSON.stringify(doc([record({ stringValue: 'boom' }, { attributes: [{ key: 'user.id', value: { intValue: '42' } }], traceId: 'ABCD' })])),
    });
    expect(res.status).toBe(200);
    expect(await read('{service_name="api", level="error"}')).toEqual([
      ['boom', { host_name: 'h1', scope_name: 'lib', scope_version: '2', user_id: '42', trace_id: 'abcd', severity_number: '17' }],
    ]);
  });

  it('renders a structured body as JSON and names a stream without service.name unknown_service', async () => {
    const res = await f.request('/v1/logs', { method: 'POST', headers: JSON_TYPE, body: JSON.stringify(doc([record({ kvlistValue: { values: [{ key: 'a', value: { intValue: 1 } }] } })], [])) });
    expect(res.status).toBe(200);
    expect((await read('{service_name="unknown_service"}')).map((e) => e[0])).toEqual(['{"a":1}']);
  });

  it('reports a too-long line as partial success and stores the others', async () => {
    const res = await f.request('/v1/logs', { method: 'POST', headers: JSON_TYPE, body: JSON.stringify(doc([record({ stringValue: 'ok' }), record({ stringValue: 'x'.repeat(50) })])) });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.partialSuccess).toEqual({ rejectedLogRecords: '1', errorMessage: expect.stringMatching(/line of 50 bytes is over the limit of 20 bytes/) });
    expect((await read('{service_name="api"}')).map((e) => e[0])).toEqual(['ok']);
  });

  it('answers 400 with a protobuf Status for garbage protobuf', async () => {
    const res = await f.request('/v1/logs', { method: 'POST', headers: PROTO_TYPE, body: new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]) });
    expect(res.status).toBe(400);
    expect(decodeStatus(new Uint8Array(await res.arrayBuffer())).message).toMatch(/cannot decode ExportLogsServiceRequest protobuf/);
  });
});
