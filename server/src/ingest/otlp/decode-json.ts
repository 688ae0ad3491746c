import { type AnyJs, renderAnyValue } from './decode-protobuf.js';
import {
  MAX_ANY_VALUE_DEPTH,
  type OtlpAttribute,
  type OtlpHistogramPoint,
  type OtlpLogRecord,
  type OtlpMetric,
  type OtlpNumberPoint,
  type OtlpPointBase,
  type OtlpResourceLogs,
  type OtlpResourceMetrics,
  type OtlpScope,
  type OtlpSummaryPoint,
  OtlpDecodeError,
  type Temporality,
} from './model.js';
import { scanMetricsJson } from './scan-metrics-json.js';

// OTLP/JSON as the OTLP spec defines it (protocols.md §1.3): lowerCamelCase keys, 64-bit integers
// as decimal strings (numbers accepted too), enums only as integers, trace and span ids as hex,
// unknown fields ignored. Every wrong type is an error naming its path in the document.

type Obj = Record<string, unknown>;

function fail(path: string, message: string): never {
  throw new OtlpDecodeError(`${path}: ${message}`);
}

function obj(v: unknown, path: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) fail(path, `must be an object, got ${typeName(v)}`);
  return v as Obj;
}

function arr(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(path, `must be an array, got ${typeName(v)}`);
  return v;
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`.slice(0, 60);
}

function string(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') fail(path, `must be a string, got ${typeName(v)}`);
  return v;
}

const INT_RE = /^-?\d{1,20}$/;

/** A uint64/int64/fixed64 written as a decimal string or a number. */
function int64(v: unknown, path: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && INT_RE.test(v)) return BigInt(v);
  return fail(path, `must be an integer (a decimal string or a number), got ${typeName(v)}`);
}

function num(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  // proto3 JSON writes non-finite doubles as strings.
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return fail(path, `must be a number, got ${typeName(v)}`);
}

function enumInt(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  return fail(path, `must be an integer enum value (OTLP/JSON sends enums as integers), got ${typeName(v)}`);
}

function bool(v: unknown, path: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') fail(path, `must be a boolean, got ${typeName(v)}`);
  return v;
}

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

function hexId(v: unknown, path: string): string {
  const s = string(v, path);
  if (!HEX_RE.test(s)) fail(path, 'must be a hex string');
  return s.toLowerCase();
}

function anyValue(v: unknown, path: string, depth: number): AnyJs {
  if (depth > MAX_ANY_VALUE_DEPTH) fail(path, `AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
  const o = obj(v, path);
  if (!o) return undefined;
  if ('stringValue' in o) return string(o.stringValue, `${path}.stringValue`);
  if ('boolValue' in o) return bool(o.boolValue, `${path}.boolValue`);
  if ('intValue' in o) return int64(o.intValue, `${path}.intValue`);
  if ('doubleValue' in o) return num(o.doubleValue, `${path}.doubleValue`);
  if ('bytesValue' in o) {
    const s = string(o.bytesValue, `${path}.bytesValue`);
    return new Uint8Array(Buffer.from(s, 'base64'));
  }
  if ('arrayValue' in o) {
    const a = obj(o.arrayValue, `${path}.arrayValue`);
    return arr(a?.values, `${path}.arrayValue.values`).map((x, i) => anyValue(x, `${path}.arrayValue.values[${i}]`, depth + 1));
  }
  if ('kvlistValue' in o) {
    const k = obj(o.kvlistValue, `${path}.kvlistValue`);
    // No prototype: a key "__proto__" is then an ordinary key, not a prototype to set.
    const out: Record<string, AnyJs> = Object.create(null);
    arr(k?.values, `${path}.kvlistValue.values`).forEach((x, i) => {
      const p = `${path}.kvlistValue.values[${i}]`;
      const kv = obj(x, p);
      if (kv) out[string(kv.key, `${p}.key`)] = anyValue(kv.value, `${p}.value`, depth + 1);
    });
    return out;
  }
  return undefined;
}

function attributes(v: unknown, path: string): OtlpAttribute[] {
  const out: OtlpAttribute[] = [];
  arr(v, path).forEach((x, i) => {
    const kv = obj(x, `${path}[${i}]`);
    if (!kv) return;
    const value = renderAnyValue(anyValue(kv.value, `${path}[${i}].value`, 0));
    if (value !== undefined) out.push({ key: string(kv.key, `${path}[${i}].key`), value });
  });
  return out;
}

function scope(v: unknown, path: string): OtlpScope {
  const o = obj(v, path);
  return {
    name: string(o?.name, `${path}.name`),
    version: string(o?.version, `${path}.version`),
    attributes: attributes(o?.attributes, `${path}.attributes`),
  };
}

function pointBase(o: Obj, path: string): OtlpPointBase {
  return {
    attributes: attributes(o.attributes, `${path}.attributes`),
    startTimeNs: int64(o.startTimeUnixNano, `${path}.startTimeUnixNano`),
    timeNs: int64(o.timeUnixNano, `${path}.timeUnixNano`),
    flags: enumInt(o.flags, `${path}.flags`),
  };
}

/**
 * Attribute lists made only of string values, interned by their text: one frozen list per
 * distinct set, shared between points and requests (never mutate a point's `attributes`), so
 * the converter can cache a point's label set by the list. Bounded, cleared when full.
 */
const internedAttributes = new Map<string, readonly OtlpAttribute[]>();
/** Characters of the keys held; past {@link MAX_INTERNED_TOTAL_CHARS} the cache starts over. */
let internedChars = 0;
const MAX_INTERNED_TOTAL_CHARS = 8 * 1024 * 1024;
const MAX_INTERNED_ATTRIBUTES = 50_000;
/** Lists whose text is longer than this are not interned. */
const MAX_INTERNED_CHARS = 4096;

/**
 * `attributes` of the common shape (an array of `{key: string, value: {stringValue: string}}`)
 * as an interned list; `undefined` for anything else, which {@link attributes} then reads.
 */
function stringAttributes(v: unknown): readonly OtlpAttribute[] | undefined {
  if (v === undefined || v === null) return EMPTY_ATTRIBUTES;
  if (!Array.isArray(v)) return undefined;
  let key = '';
  for (let i = 0; i < v.length; i++) {
    const kv = v[i] as { key?: unknown; value?: { stringValue?: unknown } } | null;
    if (typeof kv !== 'object' || kv === null || Array.isArray(kv)) return undefined;
    const k = kv.key;
    const value = kv.value;
    if (typeof k !== 'string' || typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const sv = value.stringValue;
    if (typeof sv !== 'string') return undefined;
    key += `${k}\u0000${sv}\u0001`;
  }
  if (key.length > MAX_INTERNED_CHARS) return undefined;
  const known = internedAttributes.get(key);
  if (known) return known;
  const out: OtlpAttribute[] = [];
  for (const kv of v as Array<{ key: string; value: { stringValue: string } }>) out.push(Object.freeze({ key: kv.key, value: kv.value.stringValue }));
  Object.freeze(out);
  if (internedAttributes.size >= MAX_INTERNED_ATTRIBUTES || internedChars >= MAX_INTERNED_TOTAL_CHARS) {
    internedAttributes.clear();
    internedChars = 0;
  }
  internedChars += key.length;
  internedAttributes.set(key, out);
  return out;
}
const EMPTY_ATTRIBUTES: readonly OtlpAttribute[] = Object.freeze([]);

/** The last 64-bit integer string read and its value (the points of a request share a few times). */
let lastIntText = '';
let lastInt = 0n;

/** {@link int64} for the common shapes, without a path; `undefined` for anything else. */
function fastInt64(v: unknown): bigint | undefined {
  if (typeof v === 'string') {
    if (v === lastIntText) return lastInt;
    if (!INT_RE.test(v)) return undefined;
    lastIntText = v;
    lastInt = BigInt(v);
    return lastInt;
  }
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return undefined;
}

/**
 * A number point of the common shape, read without building paths for error messages;
 * `undefined` for anything else (then the general code reads it and names what is wrong).
 */
function fastNumberPoint(x: unknown): OtlpNumberPoint | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return undefined;
  const o = x as Obj;
  const attrs = stringAttributes(o.attributes);
  if (attrs === undefined) return undefined;
  const startTimeNs = fastInt64(o.startTimeUnixNano);
  const timeNs = fastInt64(o.timeUnixNano);
  if (startTimeNs === undefined || timeNs === undefined) return undefined;
  const f = o.flags;
  let flags = 0;
  if (typeof f === 'number' && Number.isInteger(f)) flags = f;
  else if (f !== undefined && f !== null) return undefined;
  let value: number;
  const d = o.asDouble;
  if (typeof d === 'number') value = d;
  else if (d === undefined) {
    const n = fastInt64(o.asInt);
    if (n === undefined) return undefined;
    value = Number(n);
  } else return undefined;
  return { attributes: attrs as OtlpAttribute[], startTimeNs, timeNs, flags, value };
}

function numberPoints(v: unknown, path: string): OtlpNumberPoint[] {
  return arr(v, path).map((x, i) => {
    const fast = fastNumberPoint(x);
    if (fast) return fast;
    const p = `${path}[${i}]`;
    const o = obj(x, p) ?? {};
    const value = o.asDouble !== undefined ? num(o.asDouble, `${p}.asDouble`) : Number(int64(o.asInt, `${p}.asInt`));
    return { ...pointBase(o, p), value };
  });
}

function histogramPoints(v: unknown, path: string): OtlpHistogramPoint[] {
  return arr(v, path).map((x, i) => {
    const p = `${path}[${i}]`;
    const o = obj(x, p) ?? {};
    return {
      ...pointBase(o, p),
      count: Number(int64(o.count, `${p}.count`)),
      sum: o.sum === undefined || o.sum === null ? undefined : num(o.sum, `${p}.sum`),
      bucketCounts: arr(o.bucketCounts, `${p}.bucketCounts`).map((c, j) => Number(int64(c, `${p}.bucketCounts[${j}]`))),
      bounds: arr(o.explicitBounds, `${p}.explicitBounds`).map((b, j) => num(b, `${p}.explicitBounds[${j}]`)),
    };
  });
}

function summaryPoints(v: unknown, path: string): OtlpSummaryPoint[] {
  return arr(v, path).map((x, i) => {
    const p = `${path}[${i}]`;
    const o = obj(x, p) ?? {};
    return {
      ...pointBase(o, p),
      count: Number(int64(o.count, `${p}.count`)),
      sum: num(o.sum, `${p}.sum`),
      quantiles: arr(o.quantileValues, `${p}.quantileValues`).map((q, j) => {
        const qo = obj(q, `${p}.quantileValues[${j}]`) ?? {};
        return { quantile: num(qo.quantile, `${p}.quantileValues[${j}].quantile`), value: num(qo.value, `${p}.quantileValues[${j}].value`) };
      }),
    };
  });
}

function temporality(v: unknown, path: string): Temporality {
  const n = enumInt(v, path);
  return n === 1 || n === 2 ? n : 0;
}

function metric(v: unknown, path: string): OtlpMetric {
  const o = obj(v, path) ?? {};
  const m: OtlpMetric = {
    name: string(o.name, `${path}.name`),
    description: string(o.description, `${path}.description`),
    unit: string(o.unit, `${path}.unit`),
    data: { type: 'none' },
  };
  const gauge = obj(o.gauge, `${path}.gauge`);
  const sum = obj(o.sum, `${path}.sum`);
  const histogram = obj(o.histogram, `${path}.histogram`);
  const expo = obj(o.exponentialHistogram, `${path}.exponentialHistogram`);
  const summary = obj(o.summary, `${path}.summary`);
  if (gauge) m.data = { type: 'gauge', points: numberPoints(gauge.dataPoints, `${path}.gauge.dataPoints`) };
  else if (sum) {
    m.data = {
      type: 'sum',
      points: numberPoints(sum.dataPoints, `${path}.sum.dataPoints`),
      temporality: temporality(sum.aggregationTemporality, `${path}.sum.aggregationTemporality`),
      monotonic: bool(sum.isMonotonic, `${path}.sum.isMonotonic`),
    };
  } else if (histogram) {
    m.data = {
      type: 'histogram',
      points: histogramPoints(histogram.dataPoints, `${path}.histogram.dataPoints`),
      temporality: temporality(histogram.aggregationTemporality, `${path}.histogram.aggregationTemporality`),
    };
  } else if (expo) m.data = { type: 'exponential_histogram', pointCount: arr(expo.dataPoints, `${path}.exponentialHistogram.dataPoints`).length };
  else if (summary) m.data = { type: 'summary', points: summaryPoints(summary.dataPoints, `${path}.summary.dataPoints`) };
  return m;
}

function parse(text: string): Obj {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new OtlpDecodeError(`body is not valid JSON: ${(err as Error).message}`);
  }
  return obj(doc, 'body') ?? fail('body', 'must be an object');
}

/**
 * Decodes an OTLP/JSON `ExportMetricsServiceRequest` (the body as UTF-8 bytes, or as text).
 *
 * Bodies are first read by the scanner of scan-metrics-json.ts, which builds the same model
 * straight from the bytes; whatever it does not handle (including every invalid body) goes to
 * the general decoder ({@link decodeMetricsJsonGeneral}), which defines the result and the errors.
 *
 * @throws OtlpDecodeError naming the path of the first wrong value.
 */
export function decodeMetricsJson(body: string | Uint8Array): OtlpResourceMetrics[] {
  if (typeof body === 'string') {
    // A string with lone surrogates has no UTF-8 form that decodes back to it.
    if (!(body as { isWellFormed?: () => boolean }).isWellFormed?.()) return decodeMetricsJsonGeneral(body);
    return scanMetricsJson(Buffer.from(body, 'utf8')) ?? decodeMetricsJsonGeneral(body);
  }
  return scanMetricsJson(body) ?? decodeMetricsJsonGeneral(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
}

/**
 * The general OTLP/JSON metrics decoder: `JSON.parse`, then every field checked with its path.
 * Exported for the tests that hold the scanner to it.
 *
 * @throws OtlpDecodeError naming the path of the first wrong value.
 */
export function decodeMetricsJsonGeneral(text: string): OtlpResourceMetrics[] {
  const doc = parse(text);
  return arr(doc.resourceMetrics, 'resourceMetrics').map((x, i) => {
    const p = `resourceMetrics[${i}]`;
    const rm = obj(x, p) ?? {};
    const res = obj(rm.resource, `${p}.resource`);
    return {
      resource: attributes(res?.attributes, `${p}.resource.attributes`),
      scopes: arr(rm.scopeMetrics, `${p}.scopeMetrics`).map((y, j) => {
        const sp = `${p}.scopeMetrics[${j}]`;
        const sm = obj(y, sp) ?? {};
        return {
          scope: scope(sm.scope, `${sp}.scope`),
          metrics: arr(sm.metrics, `${sp}.metrics`).map((z, k) => metric(z, `${sp}.metrics[${k}]`)),
        };
      }),
    };
  });
}

function logRecord(v: unknown, path: string): OtlpLogRecord {
  const o = obj(v, path) ?? {};
  return {
    timeNs: int64(o.timeUnixNano, `${path}.timeUnixNano`),
    observedTimeNs: int64(o.observedTimeUnixNano, `${path}.observedTimeUnixNano`),
    severityNumber: enumInt(o.severityNumber, `${path}.severityNumber`),
    severityText: string(o.severityText, `${path}.severityText`),
    body: renderAnyValue(anyValue(o.body, `${path}.body`, 0)),
    attributes: attributes(o.attributes, `${path}.attributes`),
    traceId: hexId(o.traceId, `${path}.traceId`),
    spanId: hexId(o.spanId, `${path}.spanId`),
    eventName: string(o.eventName, `${path}.eventName`),
  };
}

/**
 * Decodes an OTLP/JSON `ExportLogsServiceRequest`.
 *
 * @throws OtlpDecodeError naming the path of the first wrong value.
 */
export function decodeLogsJson(text: string): OtlpResourceLogs[] {
  const doc = parse(text);
  return arr(doc.resourceLogs, 'resourceLogs').map((x, i) => {
    const p = `resourceLogs[${i}]`;
    const rl = obj(x, p) ?? {};
    const res = obj(rl.resource, `${p}.resource`);
    return {
      resource: attributes(res?.attributes, `${p}.resource.attributes`),
      scopes: arr(rl.scopeLogs, `${p}.scopeLogs`).map((y, j) => {
        const sp = `${p}.scopeLogs[${j}]`;
        const sl = obj(y, sp) ?? {};
        return {
          scope: scope(sl.scope, `${sp}.scope`),
          records: arr(sl.logRecords, `${sp}.logRecords`).map((z, k) => logRecord(z, `${sp}.logRecords[${k}]`)),
        };
      }),
    };
  });
}
