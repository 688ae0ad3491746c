import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Bytes,
  decodeOrTypedError,
  fuzzBytes,
  fuzzRuns,
  mutate,
  mutateText,
  mutations,
  pbBytesField,
  pbDoubleField,
  pbFixed64Field,
  pbMessage,
  pbPacked64Field,
  pbStringField,
  pbVarintField,
  unknownPbField,
} from '../../testing/fuzz-kit.js';
import { decodeLogsJson, decodeMetricsJson } from './decode-json.js';
import { decodeLogsProtobuf, decodeMetricsProtobuf } from './decode-protobuf.js';
import type { OtlpAttribute, OtlpLogRecord, OtlpMetric, OtlpResourceLogs, OtlpResourceMetrics } from './model.js';
import { isOtlpDecodeError } from './model.js';

// Generated OTLP requests, written by a spec encoder (opentelemetry-proto field numbers, protocols.md
// §1.3) in both encodings; both decoders must give back exactly the model they were written from.

type AttrValue = { kind: 'string'; v: string } | { kind: 'int'; v: bigint } | { kind: 'bool'; v: boolean } | { kind: 'double'; v: number };
type GenAttr = { key: string; value: AttrValue };

const key = fc.string({ maxLength: 10, unit: 'grapheme' });
const attrValue: fc.Arbitrary<AttrValue> = fc.oneof(
  fc.string({ maxLength: 12, unit: 'grapheme' }).map((v) => ({ kind: 'string' as const, v })),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => ({ kind: 'int' as const, v })),
  fc.boolean().map((v) => ({ kind: 'bool' as const, v })),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => ({ kind: 'double' as const, v: v + 0 })),
);
const attrs = fc.array(fc.record({ key, value: attrValue }), { maxLength: 3 });
const timeNs = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const pointValue = fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => v + 0);

const numberPoint = fc.record({ attributes: attrs, startTimeNs: timeNs, timeNs, flags: fc.integer({ min: 0, max: 1 }), value: pointValue });
const histogramPoint = fc
  .record({
    attributes: attrs,
    startTimeNs: timeNs,
    timeNs,
    flags: fc.integer({ min: 0, max: 1 }),
    count: fc.integer({ min: 0, max: 1e9 }),
    sum: fc.option(pointValue, { nil: undefined }),
    bounds: fc.array(pointValue, { maxLength: 4 }),
  })
  .chain((p) => fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: p.bounds.length + 1, maxLength: p.bounds.length + 1 }).map((bucketCounts) => ({ ...p, bucketCounts })));
const summaryPoint = fc.record({
  attributes: attrs,
  startTimeNs: timeNs,
  timeNs,
  flags: fc.integer({ min: 0, max: 1 }),
  count: fc.integer({ min: 0, max: 1e9 }),
  sum: pointValue,
  quantiles: fc.array(fc.record({ quantile: fc.double({ min: 0, max: 1, noNaN: true }).map((v) => v + 0), value: pointValue }), { maxLength: 3 }),
});
const metric: fc.Arbitrary<OtlpMetric> = fc.record({
  name: key,
  description: key,
  unit: fc.constantFrom('', 'ms', 's', 'By', '1', '{request}'),
  data: fc.oneof(
    fc.record({ type: fc.constant('gauge' as const), points: fc.array(numberPoint, { maxLength: 3 }) }),
    fc.record({ type: fc.constant('sum' as const), points: fc.array(numberPoint, { maxLength: 3 }), temporality: fc.constantFrom(0 as const, 1 as const, 2 as const), monotonic: fc.boolean() }),
    fc.record({ type: fc.constant('histogram' as const), points: fc.array(histogramPoint, { maxLength: 2 }), temporality: fc.constantFrom(0 as const, 1 as const, 2 as const) }),
    fc.record({ type: fc.constant('summary' as const), points: fc.array(summaryPoint, { maxLength: 2 }) }),
  ),
}) as unknown as fc.Arbitrary<OtlpMetric>;
const scope = fc.record({ name: key, version: key, attributes: attrs });
const resourceMetrics = fc.array(
  fc.record({ resource: attrs, scopes: fc.array(fc.record({ scope, metrics: fc.array(metric, { maxLength: 3 }) }), { maxLength: 2 }) }),
  { maxLength: 2 },
);
const logRecord = fc.record({
  timeNs,
  observedTimeNs: timeNs,
  severityNumber: fc.integer({ min: 0, max: 24 }),
  severityText: key,
  body: fc.option(attrValue, { nil: undefined }),
  attributes: attrs,
  traceId: fc.uint8Array({ maxLength: 16 }),
  spanId: fc.uint8Array({ maxLength: 8 }),
  eventName: key,
});
const resourceLogs = fc.array(
  fc.record({ resource: attrs, scopes: fc.array(fc.record({ scope, records: fc.array(logRecord, { maxLength: 3 }) }), { maxLength: 2 }) }),
  { maxLength: 2 },
);

type GenResourceMetrics = Array<{ resource: GenAttr[]; scopes: Array<{ scope: { name: string; version: string; attributes: GenAttr[] }; metrics: OtlpMetric[] }> }>;
type GenLogRecord = Omit<OtlpLogRecord, 'body' | 'attributes' | 'traceId' | 'spanId'> & { body: AttrValue | undefined; attributes: GenAttr[]; traceId: Uint8Array; spanId: Uint8Array };
type GenResourceLogs = Array<{ resource: GenAttr[]; scopes: Array<{ scope: { name: string; version: string; attributes: GenAttr[] }; records: GenLogRecord[] }> }>;

// --- expected model ---------------------------------------------------------------------------

const render = (v: AttrValue): string => String(v.v);
const renderAttrs = (list: readonly GenAttr[]): OtlpAttribute[] => list.map((a) => ({ key: a.key, value: render(a.value) }));
function expectedMetric(m: OtlpMetric): OtlpMetric {
  const data = m.data;
  const fix = <P extends { attributes: unknown }>(p: P): P => ({ ...p, attributes: renderAttrs(p.attributes as unknown as GenAttr[]) });
  switch (data.type) {
    case 'gauge':
    case 'sum':
    case 'histogram':
    case 'summary':
      return { ...m, data: { ...data, points: (data.points as Array<{ attributes: unknown }>).map(fix) } as OtlpMetric['data'] };
    default:
      return m;
  }
}
const expectedMetrics = (g: GenResourceMetrics): OtlpResourceMetrics[] =>
  g.map((rm) => ({
    resource: renderAttrs(rm.resource),
    scopes: rm.scopes.map((s) => ({ scope: { ...s.scope, attributes: renderAttrs(s.scope.attributes) }, metrics: s.metrics.map(expectedMetric) })),
  }));
const expectedLogs = (g: GenResourceLogs): OtlpResourceLogs[] =>
  g.map((rl) => ({
    resource: renderAttrs(rl.resource),
    scopes: rl.scopes.map((s) => ({
      scope: { ...s.scope, attributes: renderAttrs(s.scope.attributes) },
      records: s.records.map((r) => ({
        ...r,
        body: r.body === undefined ? undefined : render(r.body),
        attributes: renderAttrs(r.attributes),
        traceId: Buffer.from(r.traceId).toString('hex'),
        spanId: Buffer.from(r.spanId).toString('hex'),
      })),
    })),
  }));

// --- protobuf ---------------------------------------------------------------------------------

function pbAny(v: AttrValue): Bytes {
  switch (v.kind) {
    case 'string':
      return pbStringField(1, v.v);
    case 'bool':
      return pbVarintField(2, v.v ? 1 : 0);
    case 'int':
      return pbVarintField(3, v.v);
    case 'double':
      return pbDoubleField(4, v.v);
  }
}
const pbKv = (a: GenAttr): Bytes => pbMessage([pbStringField(1, a.key), pbBytesField(2, pbAny(a.value))]);
const pbAttrs = (field: number, list: readonly GenAttr[]): Bytes[] => list.map((a) => pbBytesField(field, pbKv(a)));
const pbScope = (s: { name: string; version: string; attributes: GenAttr[] }): Bytes =>
  pbMessage([pbStringField(1, s.name), pbStringField(2, s.version), ...pbAttrs(3, s.attributes)]);

function pbPoint(type: string, p: Record<string, unknown>, noise: Bytes[]): Bytes {
  const base = (attrField: number): Bytes[] => [
    ...pbAttrs(attrField, p.attributes as GenAttr[]),
    pbFixed64Field(2, p.startTimeNs as bigint),
    pbFixed64Field(3, p.timeNs as bigint),
    ...noise,
  ];
  if (type === 'gauge' || type === 'sum') return pbMessage([...base(7), pbDoubleField(4, p.value as number), pbVarintField(8, p.flags as number)]);
  if (type === 'histogram') {
    return pbMessage([
      ...base(9),
      pbFixed64Field(4, BigInt(p.count as number)),
      ...(p.sum === undefined ? [] : [pbDoubleField(5, p.sum as number)]),
      pbPacked64Field(6, p.bucketCounts as number[], false),
      pbPacked64Field(7, p.bounds as number[], true),
      pbVarintField(10, p.flags as number),
    ]);
  }
  return pbMessage([
    ...base(7),
    pbFixed64Field(4, BigInt(p.count as number)),
    pbDoubleField(5, p.sum as number),
    ...(p.quantiles as Array<{ quantile: number; value: number }>).map((q) => pbBytesField(6, pbMessage([pbDoubleField(1, q.quantile), pbDoubleField(2, q.value)]))),
    pbVarintField(8, p.flags as number),
  ]);
}

function pbMetric(m: OtlpMetric, noise: Bytes[]): Bytes {
  const d = m.data;
  const head = [pbStringField(1, m.name), pbStringField(2, m.description), pbStringField(3, m.unit)];
  if (d.type === 'none' || d.type === 'exponential_histogram') return pbMessage(head);
  const points = (d.points as unknown as Array<Record<string, unknown>>).map((p) => pbBytesField(1, pbPoint(d.type, p, noise)));
  const field = { gauge: 5, sum: 7, histogram: 9, summary: 11 }[d.type];
  const extra = d.type === 'sum' ? [pbVarintField(2, d.temporality), pbVarintField(3, d.monotonic ? 1 : 0)] : d.type === 'histogram' ? [pbVarintField(2, d.temporality)] : [];
  return pbMessage([...head, pbBytesField(field, pbMessage([...points, ...extra]))]);
}

const metricsProto = (g: GenResourceMetrics, noise: Bytes[]): Bytes =>
  pbMessage(
    g.map((rm) =>
      pbBytesField(
        1,
        pbMessage([
          pbBytesField(1, pbMessage(pbAttrs(1, rm.resource))),
          ...rm.scopes.map((s) => pbBytesField(2, pbMessage([pbBytesField(1, pbScope(s.scope)), ...s.metrics.map((m) => pbBytesField(2, pbMetric(m, noise)))]))),
          ...noise,
        ]),
      ),
    ),
  );

const logsProto = (g: GenResourceLogs, noise: Bytes[]): Bytes =>
  pbMessage(
    g.map((rl) =>
      pbBytesField(
        1,
        pbMessage([
          pbBytesField(1, pbMessage(pbAttrs(1, rl.resource))),
          ...rl.scopes.map((s) =>
            pbBytesField(
              2,
              pbMessage([
                pbBytesField(1, pbScope(s.scope)),
                ...s.records.map((r) =>
                  pbBytesField(
                    2,
                    pbMessage([
                      pbFixed64Field(1, r.timeNs),
                      pbVarintField(2, r.severityNumber),
                      pbStringField(3, r.severityText),
                      ...(r.body === undefined ? [] : [pbBytesField(5, pbAny(r.body))]),
                      ...pbAttrs(6, r.attributes),
                      ...(r.traceId.length > 0 ? [pbBytesField(9, r.traceId)] : []),
                      ...(r.spanId.length > 0 ? [pbBytesField(10, r.spanId)] : []),
                      pbFixed64Field(11, r.observedTimeNs),
                      pbStringField(12, r.eventName),
                      ...noise,
                    ]),
                  ),
                ),
              ]),
            ),
          ),
        ]),
      ),
    ),
  );

// --- JSON -------------------------------------------------------------------------------------

function jsonAny(v: AttrValue): unknown {
  switch (v.kind) {
    case 'string':
      return { stringValue: v.v };
    case 'bool':
      return { boolValue: v.v };
    case 'int':
      return { intValue: String(v.v) };
    case 'double':
      return { doubleValue: v.v };
  }
}
const jsonAttrs = (list: readonly GenAttr[]): unknown => list.map((a) => ({ key: a.key, value: jsonAny(a.value) }));
const jsonScope = (s: { name: string; version: string; attributes: GenAttr[] }): unknown => ({ ...s, attributes: jsonAttrs(s.attributes) });

function jsonPoint(p: Record<string, unknown>): unknown {
  const out: Record<string, unknown> = { attributes: jsonAttrs(p.attributes as GenAttr[]), startTimeUnixNano: String(p.startTimeNs), timeUnixNano: String(p.timeNs), flags: p.flags };
  if ('value' in p) out.asDouble = p.value;
  if ('bucketCounts' in p) {
    Object.assign(out, { count: String(p.count), sum: p.sum, bucketCounts: (p.bucketCounts as number[]).map(String), explicitBounds: p.bounds });
  } else if ('quantiles' in p) {
    Object.assign(out, { count: String(p.count), sum: p.sum, quantileValues: p.quantiles });
  }
  return out;
}

function jsonMetric(m: OtlpMetric): unknown {
  const d = m.data;
  const head = { name: m.name, description: m.description, unit: m.unit };
  if (d.type === 'none' || d.type === 'exponential_histogram') return head;
  const dataPoints = (d.points as unknown as Array<Record<string, unknown>>).map(jsonPoint);
  if (d.type === 'sum') return { ...head, sum: { dataPoints, aggregationTemporality: d.temporality, isMonotonic: d.monotonic } };
  if (d.type === 'histogram') return { ...head, histogram: { dataPoints, aggregationTemporality: d.temporality } };
  return { ...head, [d.type]: { dataPoints } };
}

const metricsJson = (g: GenResourceMetrics): string =>
  JSON.stringify({
    resourceMetrics: g.map((rm) => ({
      resource: { attributes: jsonAttrs(rm.resource) },
      scopeMetrics: rm.scopes.map((s) => ({ scope: jsonScope(s.scope), metrics: s.metrics.map(jsonMetric) })),
    })),
  });

const logsJson = (g: GenResourceLogs): string =>
  JSON.stringify({
    resourceLogs: g.map((rl) => ({
      resource: { attributes: jsonAttrs(rl.resource) },
      scopeLogs: rl.scopes.map((s) => ({
        scope: jsonScope(s.scope),
        logRecords: s.records.map((r) => ({
          timeUnixNano: String(r.timeNs),
          observedTimeUnixNano: String(r.observedTimeNs),
          severityNumber: r.severityNumber,
          severityText: r.severityText,
          body: r.body === undefined ? undefined : jsonAny(r.body),
          attributes: jsonAttrs(r.attributes),
          traceId: Buffer.from(r.traceId).toString('hex'),
          spanId: Buffer.from(r.spanId).toString('hex'),
          eventName: r.eventName,
        })),
      })),
    })),
  });

// --- properties -------------------------------------------------------------------------------

const anyJsonText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.json({ maxDepth: 5 }),
  fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify({ resourceMetrics: [v], resourceLogs: [v] })),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ gauge: { dataPoints: [v] }, sum: v }] }] }], resourceLogs: [{ scopeLogs: [{ logRecords: [v, { body: v, attributes: [{ key: 'k', value: v }] }] }] }] })),
);

describe('the OTLP decoders, on generated input', () => {
  it('answer arbitrary bytes with a request or an OtlpDecodeError (protobuf, metrics and logs)', () => {
    fc.assert(
      fc.property(fuzzBytes(), (bytes) => {
        decodeOrTypedError(() => decodeMetricsProtobuf(bytes), isOtlpDecodeError);
        decodeOrTypedError(() => decodeLogsProtobuf(bytes), isOtlpDecodeError);
      }),
      { numRuns: fuzzRuns(2000) },
    );
  });

  it('answer arbitrary JSON with a request or an OtlpDecodeError (metrics and logs)', () => {
    fc.assert(
      fc.property(anyJsonText, (text) => {
        decodeOrTypedError(() => decodeMetricsJson(text), isOtlpDecodeError);
        decodeOrTypedError(() => decodeLogsJson(text), isOtlpDecodeError);
      }),
      { numRuns: fuzzRuns(2000) },
    );
  });

  it('decode generated metrics to the same model from protobuf and from JSON', () => {
    fc.assert(
      fc.property(resourceMetrics as unknown as fc.Arbitrary<GenResourceMetrics>, fc.array(unknownPbField, { maxLength: 2 }), (g, noise) => {
        const expected = expectedMetrics(g);
        expect(decodeMetricsProtobuf(metricsProto(g, noise))).toEqual(expected);
        expect(decodeMetricsJson(metricsJson(g))).toEqual(expected);
      }),
      { numRuns: fuzzRuns(300) },
    );
  });

  it('decode generated logs to the same model from protobuf and from JSON', () => {
    fc.assert(
      fc.property(resourceLogs as unknown as fc.Arbitrary<GenResourceLogs>, fc.array(unknownPbField, { maxLength: 2 }), (g, noise) => {
        const expected = expectedLogs(g);
        expect(decodeLogsProtobuf(logsProto(g, noise))).toEqual(expected);
        expect(decodeLogsJson(logsJson(g))).toEqual(expected);
      }),
      { numRuns: fuzzRuns(300) },
    );
  });

  it('answer damaged requests with a request or an OtlpDecodeError', () => {
    fc.assert(
      fc.property(resourceMetrics as unknown as fc.Arbitrary<GenResourceMetrics>, resourceLogs as unknown as fc.Arbitrary<GenResourceLogs>, mutations, (m, l, damage) => {
        decodeOrTypedError(() => decodeMetricsProtobuf(mutate(metricsProto(m, []), damage)), isOtlpDecodeError);
        decodeOrTypedError(() => decodeLogsProtobuf(mutate(logsProto(l, []), damage)), isOtlpDecodeError);
        decodeOrTypedError(() => decodeMetricsJson(mutateText(metricsJson(m), damage)), isOtlpDecodeError);
        decodeOrTypedError(() => decodeLogsJson(mutateText(logsJson(l), damage)), isOtlpDecodeError);
      }),
      { numRuns: fuzzRuns(500) },
    );
  });
});
