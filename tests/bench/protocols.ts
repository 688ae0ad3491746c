import { gzipSync } from 'node:zlib';
import { type EncodedWorkload, type EncodeOptions, encodeWorkload, encodeWorkloadWith, type RequestChunk } from './payloads.js';
import { REMOTE_WRITE_HEADERS } from './sender.js';
import { CPU_METRIC_NAMES, HOST_TAG_NAMES, type Workload } from './workload.js';
import { varintSize, writeVarint } from './varint.js';

/**
 * The metrics workload in other ingest protocols than remote_write (issue 6's "Performance"): the
 * same requests (hosts, timestamps, values; see {@link encodeWorkloadWith}) encoded as
 *
 * - OTLP/HTTP `ExportMetricsServiceRequest` (protobuf or JSON, gzip or none) at `POST /v1/metrics`:
 *   one resource and one scope, both empty (so no `job`, `instance`, `otel_scope_*` labels and no
 *   `target_info`), one gauge per `cpu_usage_*` metric (no unit, so the name maps to itself), one
 *   data point per host and timestamp with the ten host tags as attributes;
 * - InfluxDB line protocol (gzip or none) at `POST /api/v2/write?org=o&bucket=b&precision=ms`
 *   with `Authorization: Token <key>`: one line per host and timestamp,
 *   `cpu,<tags sorted by key> usage_user=…,…,usage_guest_nice=… <ms>`, which Vigil maps to
 *   `cpu_usage_user`… (`<measurement>_<field>`).
 *
 * Every protocol therefore produces exactly the series of the remote_write workload, so the same
 * probes verify that everything acknowledged is queryable.
 */

export const PROTOCOL_NAMES = [
  'remote_write',
  'otlp-proto',
  'otlp-proto-gzip',
  'otlp-json',
  'otlp-json-gzip',
  'influx',
  'influx-gzip',
] as const;
export type ProtocolName = (typeof PROTOCOL_NAMES)[number];

/** How a protocol's requests go over the wire. */
export interface ProtocolWire {
  name: ProtocolName;
  /** Request path and query; undefined: the peer's remote_write path. */
  path: string | undefined;
  /** Protocol headers (they replace the remote_write headers). */
  baseHeaders: Readonly<Record<string, string>>;
  /** The peer's authentication headers as this protocol carries them. */
  auth(peerHeaders: Readonly<Record<string, string>>): Record<string, string>;
  /** Data points a 2xx answer reports as rejected (OTLP `partial_success`); undefined: none reported. */
  rejectedInAck?: (body: Buffer) => number;
}

const USER_AGENT = 'vigil-bench/0.1';
const sameAuth = (h: Readonly<Record<string, string>>): Record<string, string> => ({ ...h });

/** The wire description of a protocol. */
export function protocolWire(name: ProtocolName): ProtocolWire {
  const gzip: Record<string, string> = name.endsWith('-gzip') ? { 'content-encoding': 'gzip' } : {};
  switch (name) {
    case 'remote_write':
      return { name, path: undefined, baseHeaders: REMOTE_WRITE_HEADERS, auth: sameAuth };
    case 'otlp-proto':
    case 'otlp-proto-gzip':
      return {
        name,
        path: '/v1/metrics',
        baseHeaders: { 'content-type': 'application/x-protobuf', 'user-agent': USER_AGENT, ...gzip },
        auth: sameAuth,
        rejectedInAck: rejectedInProtobufAnswer,
      };
    case 'otlp-json':
    case 'otlp-json-gzip':
      return {
        name,
        path: '/v1/metrics',
        baseHeaders: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...gzip },
        auth: sameAuth,
        rejectedInAck: rejectedInJsonAnswer,
      };
    case 'influx':
    case 'influx-gzip':
      return {
        name,
        path: '/api/v2/write?org=o&bucket=b&precision=ms',
        baseHeaders: { 'content-type': 'text/plain; charset=utf-8', 'user-agent': USER_AGENT, ...gzip },
        // InfluxDB 2.x clients send `Authorization: Token <token>`; Vigil takes its key there.
        auth: (h) => {
          const value = h.authorization;
          return value?.startsWith('Bearer ') ? { ...h, authorization: `Token ${value.slice('Bearer '.length)}` } : { ...h };
        },
      };
    default:
      throw new Error(`unknown protocol ${String(name satisfies never)}`);
  }
}

/**
 * Pre-encodes the workload in `protocol` (not measured). The request plan is the one of
 * {@link encodeWorkload}, so `--samples-per-request` means the same for every protocol.
 *
 * @example
 * const otlp = encodeProtocolWorkload(workload, 'otlp-proto', { connections: 4, samplesPerRequest: 10_000 });
 */
export function encodeProtocolWorkload(workload: Workload, protocol: ProtocolName, options: EncodeOptions): EncodedWorkload {
  const gzip = protocol.endsWith('-gzip');
  const finish = (raw: Buffer): { body: Buffer; rawBytes: number } => ({ body: gzip ? gzipSync(raw) : raw, rawBytes: raw.length });
  switch (protocol) {
    case 'remote_write':
      return encodeWorkload(workload, options);
    case 'otlp-proto':
    case 'otlp-proto-gzip': {
      const encode = createOtlpProtobufEncoder(workload);
      return encodeWorkloadWith(workload, options, (chunk) => finish(encode(chunk)));
    }
    case 'otlp-json':
    case 'otlp-json-gzip': {
      const encode = createOtlpJsonEncoder(workload);
      return encodeWorkloadWith(workload, options, (chunk) => finish(encode(chunk)));
    }
    case 'influx':
    case 'influx-gzip': {
      const encode = createInfluxEncoder(workload);
      return encodeWorkloadWith(workload, options, (chunk) => finish(encode(chunk)));
    }
    default:
      throw new Error(`unknown protocol ${String(protocol satisfies never)}`);
  }
}

// --- OTLP protobuf -------------------------------------------------------------------------------
// ExportMetricsServiceRequest{resource_metrics=1} ResourceMetrics{scope_metrics=2}
// ScopeMetrics{metrics=2} Metric{name=1, gauge=5} Gauge{data_points=1}
// NumberDataPoint{attributes=7, time_unix_nano=3 fixed64, as_double=4 double}
// KeyValue{key=1, value=2} AnyValue{string_value=1}

const LEN = 2;
const I64 = 1;
const tag = (field: number, wire: number): number => (field << 3) | wire;

/** Builds `ExportMetricsServiceRequest` bodies; attributes are encoded once per host. */
function createOtlpProtobufEncoder(workload: Workload): (chunk: RequestChunk) => Buffer {
  const hostAttributes = workload.hosts.map((tags) => {
    const parts: Buffer[] = [];
    for (const key of HOST_TAG_NAMES) {
      const anyValue = lengthDelimited(1, Buffer.from(tags[key], 'utf8'));
      const keyValue = Buffer.concat([lengthDelimited(1, Buffer.from(key, 'utf8')), lengthDelimited(2, anyValue)]);
      parts.push(lengthDelimited(7, keyValue));
    }
    return Buffer.concat(parts);
  });
  const metricNames = CPU_METRIC_NAMES.map((name) => lengthDelimited(1, Buffer.from(name, 'utf8')));
  const metricsPerHost = CPU_METRIC_NAMES.length;

  return (chunk) => {
    const timesNs = chunk.timestampsMs.map((ms) => {
      const b = Buffer.allocUnsafe(8);
      b.writeBigUInt64LE(BigInt(ms) * 1_000_000n);
      return b;
    });
    // Sizes first (every length prefix must be known before writing).
    const pointSize = (h: number): number => hostAttributes[h]!.length + 9 + 9;
    const gaugeSizes = new Array<number>(metricsPerHost).fill(0);
    for (let h = chunk.hostStart; h < chunk.hostEnd; h++) {
      const p = pointSize(h);
      for (let m = 0; m < metricsPerHost; m++) gaugeSizes[m]! += chunk.timestampsMs.length * (1 + varintSize(p) + p);
    }
    const metricSizes = gaugeSizes.map((g, m) => metricNames[m]!.length + 1 + varintSize(g) + g);
    const scopeSize = metricSizes.reduce((sum, s) => sum + 1 + varintSize(s) + s, 0);
    const resourceSize = 1 + varintSize(scopeSize) + scopeSize;
    const total = 1 + varintSize(resourceSize) + resourceSize;

    const out = Buffer.allocUnsafe(total);
    let pos = 0;
    out[pos++] = tag(1, LEN);
    pos = writeVarint(out, pos, resourceSize);
    out[pos++] = tag(2, LEN);
    pos = writeVarint(out, pos, scopeSize);
    for (let m = 0; m < metricsPerHost; m++) {
      out[pos++] = tag(2, LEN);
      pos = writeVarint(out, pos, metricSizes[m]!);
      pos += metricNames[m]!.copy(out, pos);
      out[pos++] = tag(5, LEN);
      pos = writeVarint(out, pos, gaugeSizes[m]!);
      for (let h = chunk.hostStart; h < chunk.hostEnd; h++) {
        const attributes = hostAttributes[h]!;
        const values = chunk.values[(h - chunk.hostStart) * metricsPerHost + m]!;
        const p = pointSize(h);
        for (let k = 0; k < timesNs.length; k++) {
          out[pos++] = tag(1, LEN);
          pos = writeVarint(out, pos, p);
          pos += attributes.copy(out, pos);
          out[pos++] = tag(3, I64);
          pos += timesNs[k]!.copy(out, pos);
          out[pos++] = tag(4, I64);
          pos = out.writeDoubleLE(values[k]!, pos);
        }
      }
    }
    if (pos !== total) throw new Error(`otlp encoder: wrote ${pos} bytes, expected ${total}`);
    return out;
  };
}

function lengthDelimited(field: number, payload: Buffer): Buffer {
  const header = Buffer.allocUnsafe(1 + varintSize(payload.length));
  header[0] = tag(field, LEN);
  writeVarint(header, 1, payload.length);
  return Buffer.concat([header, payload]);
}

/** `ExportMetricsServiceResponse.partial_success.rejected_data_points` (0 when absent). */
function rejectedInProtobufAnswer(body: Buffer): number {
  const partial = readField(body, 1);
  if (partial === undefined || typeof partial === 'number') return 0;
  const rejected = readField(partial, 1);
  return typeof rejected === 'number' ? rejected : 0;
}

/** The first occurrence of `field` in a message: a number (varint) or bytes (length-delimited). */
function readField(buf: Buffer, field: number): number | Buffer | undefined {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      const byte = buf[pos++];
      if (byte === undefined) throw new Error('truncated varint in the OTLP answer');
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const wire = key & 7;
    const number = Math.floor(key / 8);
    if (wire === 0) {
      const value = varint();
      if (number === field) return value;
    } else if (wire === 2) {
      const length = varint();
      if (number === field) return buf.subarray(pos, pos + length);
      pos += length;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unexpected wire type ${wire} in the OTLP answer`);
  }
  return undefined;
}

// --- OTLP JSON -----------------------------------------------------------------------------------

/** Builds `ExportMetricsServiceRequest` JSON (int64 as strings, as the OTLP/HTTP JSON encoding has it). */
function createOtlpJsonEncoder(workload: Workload): (chunk: RequestChunk) => Buffer {
  const hostAttributes = workload.hosts.map((tags) =>
    JSON.stringify(HOST_TAG_NAMES.map((key) => ({ key, value: { stringValue: tags[key] } }))),
  );
  const metricsPerHost = CPU_METRIC_NAMES.length;
  return (chunk) => {
    const timesNs = chunk.timestampsMs.map((ms) => `"${ms}000000"`);
    const metrics: string[] = [];
    for (let m = 0; m < metricsPerHost; m++) {
      const points: string[] = [];
      for (let h = chunk.hostStart; h < chunk.hostEnd; h++) {
        const prefix = `{"attributes":${hostAttributes[h]!},"timeUnixNano":`;
        const values = chunk.values[(h - chunk.hostStart) * metricsPerHost + m]!;
        for (let k = 0; k < timesNs.length; k++) points.push(`${prefix}${timesNs[k]!},"asDouble":${JSON.stringify(values[k]!)}}`);
      }
      metrics.push(`{"name":"${CPU_METRIC_NAMES[m]!}","gauge":{"dataPoints":[${points.join(',')}]}}`);
    }
    return Buffer.from(`{"resourceMetrics":[{"resource":{},"scopeMetrics":[{"scope":{},"metrics":[${metrics.join(',')}]}]}]}`, 'utf8');
  };
}

/** `partialSuccess.rejectedDataPoints` of a JSON answer (0 when absent or empty). */
function rejectedInJsonAnswer(body: Buffer): number {
  if (body.length === 0) return 0;
  const parsed = JSON.parse(body.toString('utf8')) as { partialSuccess?: { rejectedDataPoints?: string | number } };
  return Number(parsed.partialSuccess?.rejectedDataPoints ?? 0);
}

// --- Influx line protocol ------------------------------------------------------------------------

/** Builds line protocol: one `cpu` line per host and timestamp, time-major like a Telegraf batch. */
function createInfluxEncoder(workload: Workload): (chunk: RequestChunk) => Buffer {
  // Tags sorted by key, as Telegraf sends them (and InfluxDB recommends); no value needs escaping.
  const sortedTags = [...HOST_TAG_NAMES].sort();
  const hostPrefixes = workload.hosts.map((tags) => `cpu,${sortedTags.map((key) => `${key}=${tags[key]}`).join(',')} `);
  const fieldKeys = CPU_METRIC_NAMES.map((name) => {
    if (!name.startsWith('cpu_')) throw new Error(`influx encoder: ${name} does not start with cpu_`);
    return name.slice('cpu_'.length);
  });
  const metricsPerHost = CPU_METRIC_NAMES.length;
  return (chunk) => {
    const lines: string[] = [];
    for (let k = 0; k < chunk.timestampsMs.length; k++) {
      const suffix = ` ${chunk.timestampsMs[k]!}\n`;
      for (let h = chunk.hostStart; h < chunk.hostEnd; h++) {
        const base = (h - chunk.hostStart) * metricsPerHost;
        let fields = '';
        for (let m = 0; m < metricsPerHost; m++) {
          // A JavaScript number prints as the shortest exact decimal (maybe with an exponent, which
          // line protocol floats allow); integral values print without a point and still are floats.
          fields += `${m === 0 ? '' : ','}${fieldKeys[m]!}=${chunk.values[base + m]![k]!}`;
        }
        lines.push(hostPrefixes[h]! + fields + suffix);
      }
    }
    return Buffer.from(lines.join(''), 'utf8');
  };
}
