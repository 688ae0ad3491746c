import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtobufError } from '../protobuf-reader.js';
import { decodeLogsJson, decodeMetricsJson } from './decode-json.js';
import { decodeLogsProtobuf, decodeMetricsProtobuf } from './decode-protobuf.js';
import { isOtlpDecodeError } from './model.js';
import { attr, fixed64, len, msg, str, vint } from './proto-test-encoder.js';
import { EXAMPLE_JSON, T, exampleProtobuf } from './test-payloads.js';

describe('OTLP metrics decoders', () => {
  it('decode the JS exporter payload to the same model from JSON and from protobuf', () => {
    const fromJson = decodeMetricsJson(JSON.stringify(EXAMPLE_JSON));
    const fromProto = decodeMetricsProtobuf(exampleProtobuf());
    expect(fromProto).toEqual(fromJson);
    const metrics = fromJson[0]!.scopes[0]!.metrics;
    expect(metrics.map((m) => m.data.type)).toEqual(['sum', 'histogram', 'sum', 'gauge']);
    expect(metrics[2]!.data).toMatchObject({ type: 'sum', monotonic: false, temporality: 2, points: [{ value: -2, timeNs: T }] });
  });

  it('accepts 64-bit integers as numbers as well as strings in JSON', () => {
    const doc = { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: 1000000, asInt: 7 }] } }] }] }] };
    expect(decodeMetricsJson(JSON.stringify(doc))[0]!.scopes[0]!.metrics[0]!.data).toMatchObject({ points: [{ value: 7, timeNs: 1000000n }] });
  });

  it('renders attribute values of every AnyValue kind as strings', () => {
    const attrs = [
      { key: 'b', value: { boolValue: true } },
      { key: 'i', value: { intValue: '9007199254740993' } },
      { key: 'd', value: { doubleValue: 0.5 } },
      { key: 'a', value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: 2 }] } } },
      { key: 'k', value: { kvlistValue: { values: [{ key: 'n', value: { stringValue: 'v' } }] } } },
      { key: 'y', value: { bytesValue: 'AQI=' } },
    ];
    const doc = { resourceMetrics: [{ resource: { attributes: attrs } }] };
    expect(decodeMetricsJson(JSON.stringify(doc))[0]!.resource).toEqual([
      { key: 'b', value: 'true' },
      { key: 'i', value: '9007199254740993' },
      { key: 'd', value: '0.5' },
      { key: 'a', value: '["x",2]' },
      { key: 'k', value: '{"n":"v"}' },
      { key: 'y', value: 'AQI=' },
    ]);
  });

  it('keeps a kvlist key "__proto__" as an ordinary key in JSON and protobuf (it once set a prototype: 500)', () => {
    const kvlist = { kvlistValue: { values: [{ key: '__proto__', value: { bytesValue: 'AA==' } }, { key: 'n', value: { arrayValue: { values: [] } } }] } };
    const doc = { resourceMetrics: [{ resource: { attributes: [{ key: 'k', value: kvlist }] } }] };
    const expected = [{ key: 'k', value: '{"__proto__":"AA==","n":[]}' }];
    expect(decodeMetricsJson(JSON.stringify(doc))[0]!.resource).toEqual(expected);
    const inner = msg([len(1, msg([str(1, '__proto__'), len(2, msg([len(7, [0])]))])), len(1, msg([str(1, 'n'), len(2, msg([len(5, [])]))]))]);
    const request = msg([len(1, msg([len(1, msg([len(1, msg([str(1, 'k'), len(2, msg([len(6, inner)]))]))]))]))]);
    expect(decodeMetricsProtobuf(Uint8Array.from(request))[0]!.resource).toEqual(expected);
  });

  it.each([
    ['not JSON', '{"resourceMetrics":', /body is not valid JSON/],
    ['an array body', '[]', /body: must be an object/],
    ['resourceMetrics not an array', '{"resourceMetrics":{}}', /resourceMetrics: must be an array/],
    ['a time as a float', '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"timeUnixNano":1.5}]}}]}]}]}', /resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]\.gauge\.dataPoints\[0\]\.timeUnixNano: must be an integer/],
    ['an enum as a name', '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"s","sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_CUMULATIVE"}}]}]}]}', /enums as integers/],
    ['a name as a number', '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":5}]}]}]}', /metrics\[0\]\.name: must be a string/],
  ])('refuses JSON with %s, naming the path', (_what, body, message) => {
    expect(() => decodeMetricsJson(body)).toThrow(message);
  });

  it.each([
    ['truncated in the middle', exampleProtobuf().subarray(0, 150), /cannot decode ExportMetricsServiceRequest protobuf/],
    ['a wrong wire type for Metric.name', new Uint8Array(len(1, msg([len(2, msg([len(2, msg([vint(1, 5)]))]))]))), /Metric\.name has wire type varint, expected len/],
    ['a length past the end', new Uint8Array([0x0a, 0x7f, 0x01]), /runs past the end/],
    ['a packed double array of odd length', new Uint8Array(len(1, msg([len(2, msg([len(2, msg([len(9, msg([len(1, len(7, [1, 2, 3]))]))]))]))]))), /not a multiple of 8/],
  ])('refuses protobuf %s', (_what, body, message) => {
    expect(() => decodeMetricsProtobuf(body)).toThrow(message);
  });

  it('refuses AnyValue nested deeper than 32 levels instead of exhausting the stack', () => {
    let v: number[] = msg([str(1, 'x')]);
    for (let i = 0; i < 40; i++) v = msg([len(5, msg([len(1, v)]))]);
    const body = new Uint8Array(len(1, msg([len(1, msg([len(1, msg([str(1, 'k'), len(2, v)]))]))])));
    expect(() => decodeMetricsProtobuf(body)).toThrow(/nested deeper than 32/);
  });
});

describe('OTLP logs decoders', () => {
  const logsJson = {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'demo-svc' } }] },
        scopeLogs: [
          {
            scope: { name: 'demo-logger' },
            logRecords: [
              {
                timeUnixNano: '1795316192368000000',
                observedTimeUnixNano: '1795316192369000000',
                severityNumber: 13,
                severityText: 'WARN',
                body: { stringValue: 'disk almost full' },
                attributes: [{ key: 'disk.id', value: { stringValue: 'sda' } }],
                traceId: '5B8EFFF798038103D269B633813FC60C',
                spanId: 'EEE19B7EC3C1B174',
              },
            ],
          },
        ],
      },
    ],
  };
  const logsProto = () => {
    const rec = msg([
      fixed64(1, 1795316192368000000n),
      fixed64(11, 1795316192369000000n),
      vint(2, 13),
      str(3, 'WARN'),
      len(5, msg([str(1, 'disk almost full')])),
      len(6, attr('disk.id', 'sda')),
      len(9, [...Buffer.from('5b8efff798038103d269b633813fc60c', 'hex')]),
      len(10, [...Buffer.from('eee19b7ec3c1b174', 'hex')]),
    ]);
    const rl = msg([len(1, msg([len(1, attr('service.name', 'demo-svc'))])), len(2, msg([len(1, msg([str(1, 'demo-logger')])), len(2, rec)]))]);
    return new Uint8Array(len(1, rl));
  };

  it('decode the JS exporter payload to the same model from JSON and from protobuf', () => {
    const fromJson = decodeLogsJson(JSON.stringify(logsJson));
    expect(decodeLogsProtobuf(logsProto())).toEqual(fromJson);
    expect(fromJson[0]!.scopes[0]!.records[0]).toMatchObject({ body: 'disk almost full', traceId: '5b8efff798038103d269b633813fc60c', severityNumber: 13 });
  });

  it('refuses a trace id that is not hex', () => {
    const bad = structuredClone(logsJson);
    bad.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!.traceId = 'xyz';
    expect(() => decodeLogsJson(JSON.stringify(bad))).toThrow(/traceId: must be a hex string/);
  });
});

describe('OTLP decoders under arbitrary input', () => {
  const onlyDecodeErrors = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      if (!isOtlpDecodeError(err) && !(err instanceof ProtobufError)) throw err;
    }
  };

  it('throw nothing but OtlpDecodeError for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        onlyDecodeErrors(() => decodeMetricsProtobuf(bytes));
        onlyDecodeErrors(() => decodeLogsProtobuf(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('throw nothing but OtlpDecodeError for mutations of a valid message', () => {
    const valid = exampleProtobuf();
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(valid.length), (at, byte, cut) => {
        const b = valid.slice(0, Math.max(cut, at + 1));
        b[at] = byte;
        onlyDecodeErrors(() => decodeMetricsProtobuf(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('throw nothing but OtlpDecodeError for arbitrary JSON values', () => {
    const shaped = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue({ maxDepth: 3 }),
        fc.record({ resourceMetrics: fc.array(tie('value'), { maxLength: 2 }), resourceLogs: fc.array(tie('value'), { maxLength: 2 }) }),
        fc.record({ scopeMetrics: fc.array(tie('value'), { maxLength: 2 }), scopeLogs: fc.array(tie('value'), { maxLength: 2 }) }),
        fc.record({ metrics: fc.array(tie('value'), { maxLength: 2 }), logRecords: fc.array(tie('value'), { maxLength: 2 }) }),
        fc.record({ gauge: tie('value'), sum: tie('value'), dataPoints: fc.array(tie('value'), { maxLength: 2 }), body: tie('value') }),
      ),
    })).value;
    fc.assert(
      fc.property(shaped, (doc) => {
        onlyDecodeErrors(() => decodeMetricsJson(JSON.stringify(doc)));
        onlyDecodeErrors(() => decodeLogsJson(JSON.stringify(doc)));
      }),
      { numRuns: 1000 },
    );
  });
});
