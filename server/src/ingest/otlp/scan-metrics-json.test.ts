import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSeriesSelector } from '../../api/selector.js';
import { ROOT_KEY } from '../../testing/app-fixture.js';
import { fuzzRuns } from '../../testing/fuzz-kit.js';
import { type IngestFixture, createIngestFixture } from '../../testing/ingest-routes.js';
import { decodeMetricsJson, decodeMetricsJsonGeneral } from './decode-json.js';
import type { OtlpNumberPoint } from './model.js';
import { scanJsonNumber, scanMetricsJson } from './scan-metrics-json.js';
import { EXAMPLE_JSON } from './test-payloads.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

/** The outcome of the general decoder: its model, or its error message. */
function general(text: string): unknown {
  try {
    return decodeMetricsJsonGeneral(text);
  } catch (err) {
    return { error: (err as Error).message };
  }
}
function decoded(body: string | Uint8Array): unknown {
  try {
    return decodeMetricsJson(body);
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** A request shaped like the benchmark's: one gauge, points with ten string attributes, times as strings. */
function benchLike(hosts: number, times: number, pretty = false): string {
  const points: unknown[] = [];
  for (let h = 0; h < hosts; h++) {
    const attributes = Array.from({ length: 10 }, (_, i) => ({ key: `tag_${i}`, value: { stringValue: `host_${h}_value_${i % 3}` } }));
    for (let t = 0; t < times; t++) points.push({ attributes, timeUnixNano: `${1733500800000 + t * 10_000}000000`, asDouble: 37.48291837465382 + h + t / 7 });
  }
  const doc = { resourceMetrics: [{ resource: {}, scopeMetrics: [{ scope: {}, metrics: [{ name: 'cpu_usage_user', gauge: { dataPoints: points } }] }] }] };
  return pretty ? JSON.stringify(doc, null, 2) : JSON.stringify(doc);
}

const gaugeWith = (point: string): string => `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[${point}]}}]}]}]}`;
const attributeWith = (value: string): string => `{"resourceMetrics":[{"resource":{"attributes":[{"key":"k","value":${value}}]}}]}`;

describe('the OTLP/JSON metrics scanner', () => {
  it('reads the JS exporter payload and a benchmark-shaped request as the general decoder does', () => {
    for (const text of [JSON.stringify(EXAMPLE_JSON), JSON.stringify(EXAMPLE_JSON, null, 2), benchLike(5, 4), benchLike(3, 3, true)]) {
      const fast = scanMetricsJson(bytes(text));
      expect(fast).toBeDefined();
      expect(fast).toEqual(decodeMetricsJsonGeneral(text));
    }
  });

  it('shares one frozen attribute list between the points of a series, across requests', () => {
    const first = scanMetricsJson(bytes(benchLike(3, 4)))!;
    const second = scanMetricsJson(bytes(benchLike(3, 4)))!;
    const points = (r: typeof first) => (r[0]!.scopes[0]!.metrics[0]!.data as { points: OtlpNumberPoint[] }).points;
    const a = points(first);
    const b = points(second);
    expect(Object.isFrozen(a[0]!.attributes)).toBe(true);
    expect(Object.isFrozen(a[0]!.attributes[0])).toBe(true);
    expect(a[1]!.attributes).toBe(a[0]!.attributes);
    expect(a[4]!.attributes).not.toBe(a[0]!.attributes);
    expect(b[0]!.attributes).toBe(a[0]!.attributes);
    expect(b[11]!.attributes).toBe(a[11]!.attributes);
    // Repeated times share one bigint value; equal either way.
    expect(b[1]!.timeNs).toBe(a[1]!.timeNs);
  });

  it('takes a known attribute list only for exactly its text', () => {
    const list = '[{"key":"a","value":{"stringValue":"x"}}]';
    const variants = [
      list,
      '[{"key":"a","value":{"stringValue":"x"}},{"key":"b","value":{"stringValue":"y"}}]',
      '[{"key":"a","value":{"stringValue":"x" }}]',
      '[{"key":"a","value":{"stringValue":"x\\u0022"}}]',
      '[{"key":"a","value":{"stringValue":"X"}}]',
      '[{"key":"a","value":{"intValue":"7"}}]',
      '[]',
      'null',
    ];
    for (const order of [variants, [...variants].reverse()]) {
      const text = gaugeWith(order.map((attrs) => `{"attributes":${attrs},"asInt":"1"}`).join(','));
      expect(scanMetricsJson(bytes(text))).toEqual(decodeMetricsJsonGeneral(text));
    }
  });

  it('reads every AnyValue kind of an attribute, and nested values, as the general decoder does', () => {
    const values = [
      '{"stringValue":"s"}',
      '{"stringValue":null}',
      '{"boolValue":true}',
      '{"boolValue":null}',
      '{"intValue":"-9223372036854775808"}',
      '{"intValue":12345678901234567890}',
      '{"intValue":1e3}',
      '{"doubleValue":0.1}',
      '{"doubleValue":"NaN"}',
      '{"doubleValue":"-Infinity"}',
      '{"doubleValue":" 0x10 "}',
      '{"doubleValue":-0}',
      '{"bytesValue":"AQI="}',
      '{"bytesValue":"not base64!"}',
      '{"arrayValue":{"values":[{"stringValue":"x"},{"intValue":2},null,{},{"arrayValue":{}}]}}',
      '{"arrayValue":null}',
      '{"kvlistValue":{"values":[{"key":"n","value":{"stringValue":"v"}},null,{"key":"m"},{"key":"n","value":{"boolValue":false}}]}}',
      '{"kvlistValue":{"values":[{"key":"__proto__","value":{"stringValue":"v"}}]}}',
      '{"stringValue":"first","intValue":"2"}',
      '{"intValue":"3","stringValue":"wins"}',
      '{}',
      'null',
      '{"unknown":[1,{"a":null}],"doubleValue":2.5}',
    ];
    for (const value of values) {
      const text = attributeWith(value);
      expect(decoded(text), value).toEqual(general(text));
      if (!value.includes('__proto__')) expect(scanMetricsJson(bytes(text)), value).toBeDefined();
    }
  });

  it('reads escaped strings and field names, unknown fields and any whitespace', () => {
    const texts = [
      '{"resourceMetrics":[{"scopeMetrics":[{"scope":{"name":"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\uD83D\\ude00 \\u2028"},"metrics":[]}]}]}',
      '{"resourceMetrics":[{"scopeMetrics":[{"scope":{"name":"é😀\u2028 raw"},"metrics":[]}]}]}',
      '{"r\\u0065sourceMetrics":[{"scopeMetrics":[{"metrics":[{"\\u006eame":"n","gauge":{"dataPoints":[{"asInt":"5"}]}}]}]}]}',
      ' \t\r\n{ "resourceMetrics" : [ { "schemaUrl" : "x" , "scopeMetrics" : [ ] } ] , "extra" : { "a" : [ 1 , -2.5e-3 , true , false , null , "s" ] } } \n',
      '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"exemplars":[{"filteredAttributes":[],"asDouble":1}],"asDouble":2}]}}]}]}]}',
    ];
    for (const text of texts) {
      expect(scanMetricsJson(bytes(text)), text).toBeDefined();
      expect(decodeMetricsJson(text), text).toEqual(decodeMetricsJsonGeneral(text));
    }
  });

  it('lets the last of repeated fields win, as JSON.parse does', () => {
    const texts = [
      gaugeWith('{"asDouble":1,"asDouble":2}'),
      gaugeWith('{"timeUnixNano":"1","timeUnixNano":"2","attributes":[{"key":"a","value":{"stringValue":"1"}}],"attributes":null}'),
      gaugeWith('{"asDouble":null,"asInt":"5"}'),
      gaugeWith('{"asInt":"5"}'),
      gaugeWith('{"asDouble":"oops","asDouble":3}'),
      '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"a","name":"b","sum":{"dataPoints":[],"isMonotonic":true},"gauge":{"dataPoints":[{"asInt":1}]}}]}]}],"resourceMetrics":[]}',
      '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":null,"summary":{"dataPoints":[null,{"quantileValues":[null,{"quantile":0.5}]}]}}]}]}]}',
    ];
    for (const text of texts) expect(decodeMetricsJson(text), text).toEqual(decodeMetricsJsonGeneral(text));
  });

  it('reads every metric kind and point field as the general decoder does', () => {
    const text = JSON.stringify({
      resourceMetrics: [
        null,
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
          scopeMetrics: [
            null,
            {
              scope: { name: 's', version: '1', attributes: [{ key: 'x', value: { intValue: 3 } }] },
              metrics: [
                null,
                { name: 'g', unit: 'ms', gauge: { dataPoints: [null, { asInt: '-7', flags: 1, startTimeUnixNano: 5, timeUnixNano: '6' }] } },
                { name: 's', sum: { dataPoints: [{ asDouble: 'Infinity' }], aggregationTemporality: 2, isMonotonic: true } },
                { name: 'h', histogram: { dataPoints: [null, { count: '3', sum: null, bucketCounts: ['1', 2, '0'], explicitBounds: [1, '2.5'] }], aggregationTemporality: 1 } },
                { name: 'e', exponentialHistogram: { dataPoints: [{ scale: 3, positive: { bucketCounts: ['1'] } }, null, 5] } },
                { name: 'q', summary: { dataPoints: [{ count: 2, sum: 1.5, quantileValues: [{ quantile: 0.99, value: 3 }] }] } },
                { name: 'none', description: 'no data' },
              ],
            },
          ],
        },
      ],
    });
    expect(scanMetricsJson(bytes(text))).toBeDefined();
    expect(scanMetricsJson(bytes(text))).toEqual(decodeMetricsJsonGeneral(text));
  });

  it('leaves invalid JSON and wrong types to the general decoder, which names the problem', () => {
    const texts = [
      '',
      ' ',
      '[]',
      'null',
      '{"resourceMetrics":',
      '{"resourceMetrics":[]} x',
      '{"resourceMetrics":[],}',
      '{"resourceMetrics":[1,]}',
      "{'resourceMetrics':[]}",
      '{"resourceMetrics":{}}',
      '\ufeff{"resourceMetrics":[]}',
      gaugeWith('{"asDouble":01}'),
      gaugeWith('{"asDouble":1.}'),
      gaugeWith('{"asDouble":-}'),
      gaugeWith('{"asDouble":+1}'),
      gaugeWith('{"asDouble":.5}'),
      gaugeWith('{"asDouble":1e}'),
      gaugeWith('{"asDouble":NaN}'),
      gaugeWith('{"asDouble":"abc"}'),
      gaugeWith('{"asDouble":""}'),
      gaugeWith('{"timeUnixNano":1.5}'),
      gaugeWith('{"timeUnixNano":"+1"}'),
      gaugeWith('{"timeUnixNano":"123456789012345678901"}'),
      gaugeWith('{"timeUnixNano":"1 "}'),
      gaugeWith('{"timeUnixNano":1e400}'),
      gaugeWith('{"flags":"1"}'),
      gaugeWith('{"attributes":{}}'),
      gaugeWith('{"attributes":[5]}'),
      gaugeWith('{"attributes":[{"key":"a","value":{"stringValue":1}}]}'),
      gaugeWith('{"attributes":[{"key":"a","value":{"stringValue":"\u0001"}}]}'),
      gaugeWith('{"attributes":[{"key":"a","value":{"stringValue":"\\x"}}]}'),
      gaugeWith('{"attributes":[{"key":"a","value":{"stringValue":"\\u12"}}]}'),
      gaugeWith('{"attributes":[{"key":"a","value":{"stringValue":"unterminated}}]}'),
      '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":5}]}]}]}',
      '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"s","sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_CUMULATIVE"}}]}]}]}',
      '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":[]}]}]}]}',
      attributeWith('{"arrayValue":{"values":{}}}'),
      attributeWith(`${'{"arrayValue":{"values":['.repeat(40)}${']}}'.repeat(40)}`),
      `{"x":${'['.repeat(5000)}${']'.repeat(5000)},"resourceMetrics":[]}`,
    ];
    for (const text of texts) {
      expect(scanMetricsJson(bytes(text)), text.slice(0, 80)).toBeUndefined();
      const expected = general(text);
      expect(decoded(text), text.slice(0, 80)).toEqual(expected);
      expect(decoded(bytes(text)), text.slice(0, 80)).toEqual(expected);
    }
  });

  it('decodes invalid UTF-8 in strings as decoding the whole body does', () => {
    const head = Buffer.from('{"resourceMetrics":[{"scopeMetrics":[{"scope":{"name":"a', 'utf8');
    const tail = Buffer.from('b\\n"},"metrics":[]}]}]}', 'utf8');
    for (const junk of [[0xff], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0x80, 0x80], [0xed, 0xa0, 0x80]]) {
      const body = Buffer.concat([head, Buffer.from(junk), tail]);
      expect(scanMetricsJson(body)).toEqual(decodeMetricsJsonGeneral(body.toString('utf8')));
    }
  });

  it('takes text with lone surrogates to the general decoder', () => {
    const text = '{"resourceMetrics":[{"scopeMetrics":[{"scope":{"name":"\ud800"},"metrics":[]}]}]}';
    expect(decodeMetricsJson(text)).toEqual(decodeMetricsJsonGeneral(text));
    expect((decodeMetricsJson(text)[0]!.scopes[0]!.scope.name as string).charCodeAt(0)).toBe(0xd800);
  });

  it('reads numbers exactly as JSON.parse does', () => {
    const tricky = [
      '0', '-0', '0.0', '-0.0', '1', '-1', '0.1', '0.30000000000000004', '9007199254740992', '9007199254740993', '9007199254740995',
      '18014398509481985', '9223372036854775807', '1234567890123456789', '12345678901234567890', '37.48291837465382', '99.99999999999999',
      '1.0000000000000002', '4.9e-324', '1.7976931348623157e308', '1e400', '-1e400', '1E-7', '2.5e+2', '0.000001234567890123456789',
    ];
    for (const t of tricky) expect(Object.is(scanJsonNumber(t), JSON.parse(t)), t).toBe(true);
    fc.assert(
      fc.property(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => JSON.stringify(v)), fc.stringMatching(/^-?(0|[1-9][0-9]{0,20})(\.[0-9]{1,22})?$/)), (t) => {
        expect(Object.is(scanJsonNumber(t), JSON.parse(t))).toBe(true);
      }),
      { numRuns: fuzzRuns(5000) },
    );
  });
});

describe('OTLP/JSON through a real server (the body read from the Node request)', () => {
  let f: IngestFixture;
  let base: string;
  beforeEach(async () => {
    f = await createIngestFixture('maxRequestSize: 64KiB');
    base = await f.listen();
  });
  afterEach(async () => {
    await f.close();
  });

  const send = (body: string | ReadableStream<Uint8Array>, extra: Record<string, string> = {}) =>
    fetch(`${base}/v1/metrics`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${ROOT_KEY}`, ...extra }, duplex: 'half' } as RequestInit);

  it('stores a request sent with a Content-Length', async () => {
    const res = await send(benchLike(4, 2));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{}');
    const series = f.storage.metrics.selectSeries('default', parseSeriesSelector('{__name__="cpu_usage_user"}'));
    expect(series.length).toBe(4);
  });

  it('answers 400 naming the problem, and 413 over the limit, sent whole or chunked', async () => {
    const bad = await send('{"resourceMetrics":{}}');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/resourceMetrics: must be an array/);
    expect((await send(' '.repeat(100 * 1024))).status).toBe(413);
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new Uint8Array(10 * 1024).fill(0x20));
        controller.close();
      },
    });
    expect((await send(chunked)).status).toBe(413);
    const small = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes(benchLike(1, 1)));
        controller.close();
      },
    });
    expect((await send(small)).status).toBe(200);
  });
});
