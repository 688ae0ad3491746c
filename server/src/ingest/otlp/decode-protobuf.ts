import { ProtobufError, ProtobufReader, WIRE } from '../protobuf-reader.js';
import {
  MAX_ANY_VALUE_DEPTH,
  type OtlpAttribute,
  type OtlpHistogramPoint,
  type OtlpLogRecord,
  type OtlpMetric,
  type OtlpMetricData,
  type OtlpNumberPoint,
  type OtlpResourceLogs,
  type OtlpResourceMetrics,
  type OtlpScope,
  type OtlpSummaryPoint,
  OtlpDecodeError,
  type Temporality,
} from './model.js';
import { hashBytes } from '../hash-bytes.js';

// Hand-written decoder for the subset of opentelemetry-proto that Vigil reads (field numbers in
// reference/protocols.md §1.3). Unknown fields are skipped, as protobuf requires; a known field
// with the wrong wire type is an error naming the message and field.

const utf8 = new TextDecoder('utf-8', { fatal: false });
const WIRE_NAMES = ['varint', 'i64', 'len', 'sgroup', 'egroup', 'i32', '6', '7'];

function want(wire: number, expected: number, where: string): void {
  if (wire !== expected) {
    throw new ProtobufError(`${where} has wire type ${WIRE_NAMES[wire] ?? wire}, expected ${WIRE_NAMES[expected]}`);
  }
}

/** Reads a LEN field and returns a reader over its bytes, advancing `r` past them. */
function sub(r: ProtobufReader, wire: number, where: string): ProtobufReader {
  want(wire, WIRE.LEN, where);
  const end = r.lengthDelimitedEnd();
  const s = r.sub(r.pos, end);
  r.pos = end;
  return s;
}

function str(r: ProtobufReader, wire: number, where: string): string {
  const s = sub(r, wire, where);
  return utf8.decode(s.buf.subarray(s.pos, s.end));
}

function bytes(r: ProtobufReader, wire: number, where: string): Uint8Array {
  const s = sub(r, wire, where);
  return s.buf.subarray(s.pos, s.end);
}

function fixed64(r: ProtobufReader, wire: number, where: string): bigint {
  want(wire, WIRE.I64, where);
  if (r.pos + 8 > r.end) throw new ProtobufError(`truncated ${where}`);
  const v = r.view.getBigUint64(r.pos, true);
  r.pos += 8;
  return v;
}

function sfixed64(r: ProtobufReader, wire: number, where: string): number {
  want(wire, WIRE.I64, where);
  if (r.pos + 8 > r.end) throw new ProtobufError(`truncated ${where}`);
  const v = r.view.getBigInt64(r.pos, true);
  r.pos += 8;
  return Number(v);
}

function double(r: ProtobufReader, wire: number, where: string): number {
  want(wire, WIRE.I64, where);
  return r.double();
}

function varint(r: ProtobufReader, wire: number, where: string): number {
  want(wire, WIRE.VARINT, where);
  return r.varint();
}

/** A varint as an exact signed 64-bit integer (attribute `int_value`). */
function int64Exact(r: ProtobufReader, wire: number, where: string): bigint {
  want(wire, WIRE.VARINT, where);
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (r.pos >= r.end) throw new ProtobufError(`truncated ${where}`);
    const b = r.buf[r.pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return BigInt.asIntN(64, result);
    shift += 7n;
  }
  throw new ProtobufError(`${where}: varint longer than 10 bytes`);
}

/** Repeated fixed64 or double, packed (LEN) or not (I64); pushes onto `out`. */
function repeated64(r: ProtobufReader, wire: number, where: string, asDouble: boolean, out: number[]): void {
  if (wire === WIRE.I64) {
    out.push(asDouble ? r.double() : Number(fixed64(r, wire, where)));
    return;
  }
  const s = sub(r, wire, where);
  if ((s.end - s.pos) % 8 !== 0) throw new ProtobufError(`${where}: packed length ${s.end - s.pos} is not a multiple of 8`);
  for (; s.pos < s.end; s.pos += 8) {
    out.push(asDouble ? s.view.getFloat64(s.pos, true) : Number(s.view.getBigUint64(s.pos, true)));
  }
}

/**
 * Attribute lists of data points interned by their raw bytes. A client sends the same attribute
 * sets over and over (one per series), so a list seen before costs one hash and one byte compare
 * instead of a KeyValue decode and two UTF-8 decodes per attribute. Interned lists are frozen
 * and shared between points and requests (never mutate a point's `attributes`); the cache is
 * bounded (cleared when full) and a hit is confirmed byte for byte, so it never changes a result.
 */
interface InternedAttributes {
  bytes: Buffer;
  attrs: readonly OtlpAttribute[];
  next: InternedAttributes | undefined;
}
const INTERNED_MAX = 50_000;
/** Longest collision chain followed per hash; past it lists are decoded but not interned. */
const INTERNED_CHAIN = 8;
/** Runs longer than this are decoded as usual (copying them into the cache is not worth it). */
const INTERNED_MAX_BYTES = 4096;
/** Bytes held by the cache; past {@link INTERNED_MAX_TOTAL_BYTES} it starts over. */
let internedBytes = 0;
const INTERNED_MAX_TOTAL_BYTES = 16 * 1024 * 1024;
const interned = new Map<number, InternedAttributes>();

/** End of the run of consecutive LEN fields with tag byte `tagByte` starting at `pos`, or -1 when malformed. */
function runEnd(buf: Uint8Array, pos: number, end: number, tagByte: number): number {
  while (pos < end && buf[pos] === tagByte) {
    pos++;
    let len = 0;
    let shift = 1;
    for (let i = 0; ; i++) {
      if (pos >= end || i >= 5) return -1;
      const b = buf[pos++]!;
      len += (b & 0x7f) * shift;
      if (b < 0x80) break;
      shift *= 128;
    }
    pos += len;
    if (pos > end) return -1;
  }
  return pos;
}

/**
 * Reads the attributes of a data point starting at its first attribute field (tag byte `tagByte`,
 * at `tagStart`, tag already consumed by `r`): the whole run of consecutive attribute fields is
 * looked up by its bytes and decoded only when new. Returns the (frozen, shared) list; `r` ends
 * after the run. Non-consecutive attribute fields are left to the caller.
 */
function pointAttributes(r: ProtobufReader, tagStart: number, tagByte: number, where: string): readonly OtlpAttribute[] {
  const end = runEnd(r.buf, tagStart, r.end, tagByte);
  if (end < 0 || end - tagStart > INTERNED_MAX_BYTES) {
    const attrs: OtlpAttribute[] = [];
    attribute(sub(r, WIRE.LEN, where), attrs);
    return attrs;
  }
  const body = asBuffer(r.buf);
  const h = hashBytes(body, tagStart, end);
  let chain = 0;
  for (let c = interned.get(h); c; c = c.next) {
    if (c.bytes.length === end - tagStart && body.compare(c.bytes, 0, c.bytes.length, tagStart, end) === 0) {
      r.pos = end;
      return c.attrs;
    }
    chain++;
  }
  const attrs: OtlpAttribute[] = [];
  attribute(sub(r, WIRE.LEN, where), attrs);
  while (r.pos < end) {
    r.pos++; // the tag byte, checked by runEnd
    attribute(sub(r, WIRE.LEN, where), attrs);
  }
  for (const a of attrs) Object.freeze(a);
  Object.freeze(attrs);
  if (chain < INTERNED_CHAIN) {
    if (interned.size >= INTERNED_MAX || internedBytes >= INTERNED_MAX_TOTAL_BYTES) {
      interned.clear();
      internedBytes = 0;
    }
    internedBytes += end - tagStart;
    interned.set(h, { bytes: Buffer.from(body.subarray(tagStart, end)), attrs, next: interned.get(h) });
  }
  return attrs;
}

/** Adds one attribute to a point's list, copying the list first when it is an interned one. */
function appendAttribute(p: { attributes: OtlpAttribute[] }, r: ProtobufReader, wire: number, where: string): void {
  if (Object.isFrozen(p.attributes)) p.attributes = [...p.attributes];
  attribute(sub(r, wire, where), p.attributes);
}

/** A data point's attribute field: the first run interned, any later (non-consecutive) one appended. */
function pointAttribute(p: { attributes: OtlpAttribute[] }, r: ProtobufReader, tagStart: number, wire: number, tagByte: number, where: string): void {
  if (p.attributes.length === 0 && wire === WIRE.LEN && r.buf[tagStart] === tagByte && r.pos === tagStart + 1) {
    p.attributes = pointAttributes(r, tagStart, tagByte, where) as OtlpAttribute[];
  } else appendAttribute(p, r, wire, where);
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Recent fixed64 values, so the few timestamps a request repeats on every point share one bigint. */
const recentLo = new Int32Array(8);
const recentHi = new Int32Array(8);
const recentBig: bigint[] = new Array<bigint>(8).fill(0n);

function fixed64Time(r: ProtobufReader, wire: number, where: string): bigint {
  want(wire, WIRE.I64, where);
  if (r.pos + 8 > r.end) throw new ProtobufError(`truncated ${where}`);
  const lo = r.view.getInt32(r.pos, true);
  const hi = r.view.getInt32(r.pos + 4, true);
  const slot = (lo ^ (lo >>> 13) ^ hi) & 7;
  let v: bigint;
  if (recentLo[slot] === lo && recentHi[slot] === hi) v = recentBig[slot]!;
  else {
    v = r.view.getBigUint64(r.pos, true);
    recentLo[slot] = lo;
    recentHi[slot] = hi;
    recentBig[slot] = v;
  }
  r.pos += 8;
  return v;
}

type AnyJs = string | boolean | number | bigint | AnyJs[] | { [k: string]: AnyJs } | Uint8Array | undefined;

function anyValue(r: ProtobufReader, depth: number): AnyJs {
  if (depth > MAX_ANY_VALUE_DEPTH) throw new ProtobufError(`AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
  let v: AnyJs;
  while (r.more()) {
    const [f, w] = r.tag();
    switch (f) {
      case 1:
        v = str(r, w, 'AnyValue.string_value');
        continue;
      case 2:
        v = varint(r, w, 'AnyValue.bool_value') !== 0;
        continue;
      case 3:
        v = int64Exact(r, w, 'AnyValue.int_value');
        continue;
      case 4:
        v = double(r, w, 'AnyValue.double_value');
        continue;
      case 5: {
        const s = sub(r, w, 'AnyValue.array_value');
        const arr: AnyJs[] = [];
        while (s.more()) {
          const [af, aw] = s.tag();
          if (af === 1) arr.push(anyValue(sub(s, aw, 'ArrayValue.values'), depth + 1));
          else s.skip(aw);
        }
        v = arr;
        continue;
      }
      case 6: {
        const s = sub(r, w, 'AnyValue.kvlist_value');
        // No prototype: a key "__proto__" is then an ordinary key, not a prototype to set.
        const obj: Record<string, AnyJs> = Object.create(null);
        while (s.more()) {
          const [kf, kw] = s.tag();
          if (kf === 1) {
            const kv = keyValue(sub(s, kw, 'KeyValueList.values'), depth + 1);
            obj[kv.key] = kv.value;
          } else s.skip(kw);
        }
        v = obj;
        continue;
      }
      case 7:
        v = bytes(r, w, 'AnyValue.bytes_value');
        continue;
    }
    r.skip(w);
  }
  return v;
}

function keyValue(r: ProtobufReader, depth: number): { key: string; value: AnyJs } {
  let key = '';
  let value: AnyJs;
  while (r.more()) {
    const [f, w] = r.tag();
    if (f === 1) key = str(r, w, 'KeyValue.key');
    else if (f === 2) value = anyValue(sub(r, w, 'KeyValue.value'), depth);
    else r.skip(w);
  }
  return { key, value };
}

/**
 * Renders a decoded `AnyValue` as the string a label or metadata value holds; `undefined` stays
 * absent. Exported so that the JSON decoder renders exactly the same way.
 */
export function renderAnyValue(v: AnyJs): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'number') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  return JSON.stringify(toJsonable(v));
}

function toJsonable(v: AnyJs): unknown {
  if (v === undefined) return null;
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : String(v);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (Array.isArray(v)) return v.map(toJsonable);
  if (typeof v === 'object') {
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, x] of Object.entries(v)) out[k] = toJsonable(x);
    return out;
  }
  return v;
}

/** Exported for the JSON decoder's shared type. */
export type { AnyJs };

function attribute(r: ProtobufReader, out: OtlpAttribute[]): void {
  const kv = keyValue(r, 0);
  const value = renderAnyValue(kv.value);
  if (value !== undefined) out.push({ key: kv.key, value });
}

function resource(r: ProtobufReader): OtlpAttribute[] {
  const attrs: OtlpAttribute[] = [];
  while (r.more()) {
    const [f, w] = r.tag();
    if (f === 1) attribute(sub(r, w, 'Resource.attributes'), attrs);
    else r.skip(w);
  }
  return attrs;
}

function scope(r: ProtobufReader): OtlpScope {
  const s: OtlpScope = { name: '', version: '', attributes: [] };
  while (r.more()) {
    const [f, w] = r.tag();
    if (f === 1) s.name = str(r, w, 'InstrumentationScope.name');
    else if (f === 2) s.version = str(r, w, 'InstrumentationScope.version');
    else if (f === 3) attribute(sub(r, w, 'InstrumentationScope.attributes'), s.attributes);
    else r.skip(w);
  }
  return s;
}

function numberPoint(r: ProtobufReader): OtlpNumberPoint {
  const p: OtlpNumberPoint = { attributes: [], startTimeNs: 0n, timeNs: 0n, flags: 0, value: 0 };
  while (r.more()) {
    const tagStart = r.pos;
    const [f, w] = r.tag();
    switch (f) {
      case 2:
        p.startTimeNs = fixed64Time(r, w, 'NumberDataPoint.start_time_unix_nano');
        continue;
      case 3:
        p.timeNs = fixed64Time(r, w, 'NumberDataPoint.time_unix_nano');
        continue;
      case 4:
        p.value = double(r, w, 'NumberDataPoint.as_double');
        continue;
      case 6:
        p.value = sfixed64(r, w, 'NumberDataPoint.as_int');
        continue;
      case 7:
        pointAttribute(p, r, tagStart, w, 58, 'NumberDataPoint.attributes');
        continue;
      case 8:
        p.flags = varint(r, w, 'NumberDataPoint.flags');
        continue;
    }
    r.skip(w);
  }
  return p;
}

function histogramPoint(r: ProtobufReader): OtlpHistogramPoint {
  const p: OtlpHistogramPoint = { attributes: [], startTimeNs: 0n, timeNs: 0n, flags: 0, count: 0, sum: undefined, bucketCounts: [], bounds: [] };
  while (r.more()) {
    const tagStart = r.pos;
    const [f, w] = r.tag();
    switch (f) {
      case 2:
        p.startTimeNs = fixed64Time(r, w, 'HistogramDataPoint.start_time_unix_nano');
        continue;
      case 3:
        p.timeNs = fixed64Time(r, w, 'HistogramDataPoint.time_unix_nano');
        continue;
      case 4:
        p.count = Number(fixed64(r, w, 'HistogramDataPoint.count'));
        continue;
      case 5:
        p.sum = double(r, w, 'HistogramDataPoint.sum');
        continue;
      case 6:
        repeated64(r, w, 'HistogramDataPoint.bucket_counts', false, p.bucketCounts);
        continue;
      case 7:
        repeated64(r, w, 'HistogramDataPoint.explicit_bounds', true, p.bounds);
        continue;
      case 9:
        pointAttribute(p, r, tagStart, w, 74, 'HistogramDataPoint.attributes');
        continue;
      case 10:
        p.flags = varint(r, w, 'HistogramDataPoint.flags');
        continue;
    }
    r.skip(w);
  }
  return p;
}

function summaryPoint(r: ProtobufReader): OtlpSummaryPoint {
  const p: OtlpSummaryPoint = { attributes: [], startTimeNs: 0n, timeNs: 0n, flags: 0, count: 0, sum: 0, quantiles: [] };
  while (r.more()) {
    const tagStart = r.pos;
    const [f, w] = r.tag();
    switch (f) {
      case 2:
        p.startTimeNs = fixed64Time(r, w, 'SummaryDataPoint.start_time_unix_nano');
        continue;
      case 3:
        p.timeNs = fixed64Time(r, w, 'SummaryDataPoint.time_unix_nano');
        continue;
      case 4:
        p.count = Number(fixed64(r, w, 'SummaryDataPoint.count'));
        continue;
      case 5:
        p.sum = double(r, w, 'SummaryDataPoint.sum');
        continue;
      case 6: {
        const s = sub(r, w, 'SummaryDataPoint.quantile_values');
        const q = { quantile: 0, value: 0 };
        while (s.more()) {
          const [qf, qw] = s.tag();
          if (qf === 1) q.quantile = double(s, qw, 'ValueAtQuantile.quantile');
          else if (qf === 2) q.value = double(s, qw, 'ValueAtQuantile.value');
          else s.skip(qw);
        }
        p.quantiles.push(q);
        continue;
      }
      case 7:
        pointAttribute(p, r, tagStart, w, 58, 'SummaryDataPoint.attributes');
        continue;
      case 8:
        p.flags = varint(r, w, 'SummaryDataPoint.flags');
        continue;
    }
    r.skip(w);
  }
  return p;
}

function temporality(n: number): Temporality {
  return n === 1 || n === 2 ? n : 0;
}

function metric(r: ProtobufReader): OtlpMetric {
  const m: OtlpMetric = { name: '', description: '', unit: '', data: { type: 'none' } };
  while (r.more()) {
    const [f, w] = r.tag();
    switch (f) {
      case 1:
        m.name = str(r, w, 'Metric.name');
        continue;
      case 2:
        m.description = str(r, w, 'Metric.description');
        continue;
      case 3:
        m.unit = str(r, w, 'Metric.unit');
        continue;
      case 5: {
        const s = sub(r, w, 'Metric.gauge');
        const points: OtlpNumberPoint[] = [];
        while (s.more()) {
          const [gf, gw] = s.tag();
          if (gf === 1) points.push(numberPoint(sub(s, gw, 'Gauge.data_points')));
          else s.skip(gw);
        }
        m.data = { type: 'gauge', points };
        continue;
      }
      case 7: {
        const s = sub(r, w, 'Metric.sum');
        const d: OtlpMetricData & { type: 'sum' } = { type: 'sum', points: [], temporality: 0, monotonic: false };
        while (s.more()) {
          const [sf, sw] = s.tag();
          if (sf === 1) d.points.push(numberPoint(sub(s, sw, 'Sum.data_points')));
          else if (sf === 2) d.temporality = temporality(varint(s, sw, 'Sum.aggregation_temporality'));
          else if (sf === 3) d.monotonic = varint(s, sw, 'Sum.is_monotonic') !== 0;
          else s.skip(sw);
        }
        m.data = d;
        continue;
      }
      case 9: {
        const s = sub(r, w, 'Metric.histogram');
        const d: OtlpMetricData & { type: 'histogram' } = { type: 'histogram', points: [], temporality: 0 };
        while (s.more()) {
          const [hf, hw] = s.tag();
          if (hf === 1) d.points.push(histogramPoint(sub(s, hw, 'Histogram.data_points')));
          else if (hf === 2) d.temporality = temporality(varint(s, hw, 'Histogram.aggregation_temporality'));
          else s.skip(hw);
        }
        m.data = d;
        continue;
      }
      case 10: {
        const s = sub(r, w, 'Metric.exponential_histogram');
        let pointCount = 0;
        while (s.more()) {
          const [ef, ew] = s.tag();
          if (ef === 1) pointCount++;
          s.skip(ew);
        }
        m.data = { type: 'exponential_histogram', pointCount };
        continue;
      }
      case 11: {
        const s = sub(r, w, 'Metric.summary');
        const points: OtlpSummaryPoint[] = [];
        while (s.more()) {
          const [qf, qw] = s.tag();
          if (qf === 1) points.push(summaryPoint(sub(s, qw, 'Summary.data_points')));
          else s.skip(qw);
        }
        m.data = { type: 'summary', points };
        continue;
      }
    }
    r.skip(w);
  }
  return m;
}

function wrap<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (err instanceof ProtobufError) throw new OtlpDecodeError(`cannot decode ${what} protobuf: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * Decodes an `ExportMetricsServiceRequest`.
 *
 * @throws OtlpDecodeError when the bytes are not such a message.
 */
export function decodeMetricsProtobuf(buf: Uint8Array): OtlpResourceMetrics[] {
  return wrap('ExportMetricsServiceRequest', () => {
    const r = new ProtobufReader(buf);
    const out: OtlpResourceMetrics[] = [];
    while (r.more()) {
      const [f, w] = r.tag();
      if (f !== 1) {
        r.skip(w);
        continue;
      }
      const rm = sub(r, w, 'ExportMetricsServiceRequest.resource_metrics');
      const item: OtlpResourceMetrics = { resource: [], scopes: [] };
      while (rm.more()) {
        const [rf, rw] = rm.tag();
        if (rf === 1) item.resource = resource(sub(rm, rw, 'ResourceMetrics.resource'));
        else if (rf === 2) {
          const sm = sub(rm, rw, 'ResourceMetrics.scope_metrics');
          const entry = { scope: { name: '', version: '', attributes: [] } as OtlpScope, metrics: [] as OtlpMetric[] };
          while (sm.more()) {
            const [sf, sw] = sm.tag();
            if (sf === 1) entry.scope = scope(sub(sm, sw, 'ScopeMetrics.scope'));
            else if (sf === 2) entry.metrics.push(metric(sub(sm, sw, 'ScopeMetrics.metrics')));
            else sm.skip(sw);
          }
          item.scopes.push(entry);
        } else rm.skip(rw);
      }
      out.push(item);
    }
    return out;
  });
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function logRecord(r: ProtobufReader): OtlpLogRecord {
  const rec: OtlpLogRecord = {
    timeNs: 0n,
    observedTimeNs: 0n,
    severityNumber: 0,
    severityText: '',
    body: undefined,
    attributes: [],
    traceId: '',
    spanId: '',
    eventName: '',
  };
  while (r.more()) {
    const [f, w] = r.tag();
    switch (f) {
      case 1:
        rec.timeNs = fixed64(r, w, 'LogRecord.time_unix_nano');
        continue;
      case 2:
        rec.severityNumber = varint(r, w, 'LogRecord.severity_number');
        continue;
      case 3:
        rec.severityText = str(r, w, 'LogRecord.severity_text');
        continue;
      case 5:
        rec.body = renderAnyValue(anyValue(sub(r, w, 'LogRecord.body'), 0));
        continue;
      case 6:
        attribute(sub(r, w, 'LogRecord.attributes'), rec.attributes);
        continue;
      case 9:
        rec.traceId = hex(bytes(r, w, 'LogRecord.trace_id'));
        continue;
      case 10:
        rec.spanId = hex(bytes(r, w, 'LogRecord.span_id'));
        continue;
      case 11:
        rec.observedTimeNs = fixed64(r, w, 'LogRecord.observed_time_unix_nano');
        continue;
      case 12:
        rec.eventName = str(r, w, 'LogRecord.event_name');
        continue;
    }
    r.skip(w);
  }
  return rec;
}

/**
 * Decodes an `ExportLogsServiceRequest`.
 *
 * @throws OtlpDecodeError when the bytes are not such a message.
 */
export function decodeLogsProtobuf(buf: Uint8Array): OtlpResourceLogs[] {
  return wrap('ExportLogsServiceRequest', () => {
    const r = new ProtobufReader(buf);
    const out: OtlpResourceLogs[] = [];
    while (r.more()) {
      const [f, w] = r.tag();
      if (f !== 1) {
        r.skip(w);
        continue;
      }
      const rl = sub(r, w, 'ExportLogsServiceRequest.resource_logs');
      const item: OtlpResourceLogs = { resource: [], scopes: [] };
      while (rl.more()) {
        const [rf, rw] = rl.tag();
        if (rf === 1) item.resource = resource(sub(rl, rw, 'ResourceLogs.resource'));
        else if (rf === 2) {
          const sl = sub(rl, rw, 'ResourceLogs.scope_logs');
          const entry = { scope: { name: '', version: '', attributes: [] } as OtlpScope, records: [] as OtlpLogRecord[] };
          while (sl.more()) {
            const [sf, sw] = sl.tag();
            if (sf === 1) entry.scope = scope(sub(sl, sw, 'ScopeLogs.scope'));
            else if (sf === 2) entry.records.push(logRecord(sub(sl, sw, 'ScopeLogs.log_records')));
            else sl.skip(sw);
          }
          item.scopes.push(entry);
        } else rl.skip(rw);
      }
      out.push(item);
    }
    return out;
  });
}
