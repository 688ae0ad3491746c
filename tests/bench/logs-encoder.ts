import { compressSync } from 'snappy';
import type { EncodedRequest, EncodedWorkload } from './payloads.js';
import type { LogWorkload } from './logs-workload.js';
import { varintSize, writeVarint } from './varint.js';

/**
 * Pre-encodes the logs workload as Loki push requests (`POST /loki/api/v1/push`), one queue per
 * connection, as Promtail would send them: hosts are split into `connections` contiguous ranges;
 * each connection sends the lines of its hosts in time order, `linesPerRequest` lines per request
 * (Promtail's default `batchsize` of 1 MiB is ~5,000 such lines), grouped by stream inside the
 * request.
 *
 * Formats (`reference/protocols.md` §1.4):
 * - `protobuf`: `PushRequest{streams=1 StreamAdapter{labels=1 string, entries=2 EntryAdapter{
 *   timestamp=1 Timestamp{seconds=1, nanos=2}, line=2}}}`, raw snappy block, no Content-Encoding;
 * - `json`: `{"streams":[{"stream":{…},"values":[["<ns>","line"],…]}]}`, uncompressed.
 *
 * The {@link EncodedRequest} fields are reused with lines for samples and streams for series, so
 * the remote_write sender (`sender.ts`) sends these queues unchanged.
 */

export type LogPushFormat = 'protobuf' | 'json';

/** Options of {@link encodeLogWorkload}. */
export interface LogEncodeOptions {
  connections: number;
  linesPerRequest: number;
  format: LogPushFormat;
}

/** Headers of a push request in each format (besides authentication). */
export const LOKI_PUSH_HEADERS: Readonly<Record<LogPushFormat, Readonly<Record<string, string>>>> = {
  protobuf: { 'content-type': 'application/x-protobuf', 'user-agent': 'vigil-bench/0.1 (promtail-like)' },
  json: { 'content-type': 'application/json', 'user-agent': 'vigil-bench/0.1 (promtail-like)' },
};

/**
 * Encodes the workload.
 *
 * @example
 * const encoded = encodeLogWorkload(workload, { connections: 4, linesPerRequest: 5000, format: 'protobuf' });
 */
export function encodeLogWorkload(w: LogWorkload, options: LogEncodeOptions): EncodedWorkload {
  const started = performance.now();
  const hostIndex = new Map(w.hosts.map((h, i) => [h, i]));
  const streamHost = w.streams.map((s) => hostIndex.get(s.host)!);
  // Connection of each host: contiguous ranges of nearly equal size.
  const hostConnection = new Uint8Array(w.hosts.length);
  const perConnection = w.hosts.length / options.connections;
  for (let h = 0; h < w.hosts.length; h++) hostConnection[h] = Math.min(options.connections - 1, Math.floor(h / perConnection));
  const lines = w.relNs.length;
  const lineLists: number[][] = Array.from({ length: options.connections }, () => []);
  for (let i = 0; i < lines; i++) lineLists[hostConnection[streamHost[w.streamOf[i]!]!]!]!.push(i);

  const queues: EncodedRequest[][] = [];
  let compressedBytes = 0;
  let rawBytes = 0;
  for (const list of lineLists) {
    const queue: EncodedRequest[] = [];
    for (let k = 0; k < list.length; k += options.linesPerRequest) {
      const batch = list.slice(k, k + options.linesPerRequest);
      const byStream = new Map<number, number[]>();
      for (const i of batch) {
        const s = w.streamOf[i]!;
        let entries = byStream.get(s);
        if (entries === undefined) {
          entries = [];
          byStream.set(s, entries);
        }
        entries.push(i);
      }
      const raw = options.format === 'protobuf' ? encodePushProtobuf(w, byStream) : encodePushJson(w, byStream);
      const body = options.format === 'protobuf' ? compressSync(raw) : raw;
      queue.push({
        body,
        rawBytes: raw.length,
        seriesCount: byStream.size,
        sampleCount: batch.length,
        firstTimestampMs: w.startSec * 1000 + w.relNs[batch[0]!]! / 1e6,
      });
      compressedBytes += body.length;
      rawBytes += raw.length;
    }
    if (queue.length > 0) queues.push(queue);
  }
  const requests = queues.flat();
  return {
    queues,
    requestCount: requests.length,
    sampleCount: requests.reduce((sum, r) => sum + r.sampleCount, 0),
    seriesCount: w.streams.length,
    compressedBytes,
    rawBytes,
    encodeMs: performance.now() - started,
  };
}

/** Epoch seconds and nanoseconds of line i. */
function timestampOf(w: LogWorkload, i: number): { seconds: number; nanos: number } {
  const rel = w.relNs[i]!;
  const whole = Math.floor(rel / 1e9);
  return { seconds: w.startSec + whole, nanos: rel - whole * 1e9 };
}

/** Line i as an epoch-nanosecond decimal string (Loki JSON). */
export function nsString(w: LogWorkload, i: number): string {
  const { seconds, nanos } = timestampOf(w, i);
  return `${seconds}${String(nanos).padStart(9, '0')}`;
}

const TAG_STREAM = (1 << 3) | 2;
const TAG_LABELS = (1 << 3) | 2;
const TAG_ENTRY = (2 << 3) | 2;
const TAG_TIMESTAMP = (1 << 3) | 2;
const TAG_SECONDS = (1 << 3) | 0;
const TAG_NANOS = (2 << 3) | 0;
const TAG_LINE = (2 << 3) | 2;

function encodePushProtobuf(w: LogWorkload, byStream: Map<number, number[]>): Buffer {
  // First pass: sizes.
  const plan: Array<{ labels: Buffer; entries: number[]; entrySizes: number[]; size: number }> = [];
  let total = 0;
  for (const [s, entries] of byStream) {
    const labels = Buffer.from(w.streams[s]!.selector, 'utf8');
    let size = 1 + varintSize(labels.length) + labels.length;
    const entrySizes = entries.map((i) => {
      const { seconds, nanos } = timestampOf(w, i);
      const ts = 1 + varintSize(seconds) + (nanos === 0 ? 0 : 1 + varintSize(nanos));
      const lineLength = w.offsets[i + 1]! - 1 - w.offsets[i]!;
      const entry = 1 + varintSize(ts) + ts + 1 + varintSize(lineLength) + lineLength;
      size += 1 + varintSize(entry) + entry;
      return entry;
    });
    plan.push({ labels, entries, entrySizes, size });
    total += 1 + varintSize(size) + size;
  }
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  for (const { labels, entries, entrySizes, size } of plan) {
    out[pos++] = TAG_STREAM;
    pos = writeVarint(out, pos, size);
    out[pos++] = TAG_LABELS;
    pos = writeVarint(out, pos, labels.length);
    pos += labels.copy(out, pos);
    entries.forEach((i, k) => {
      const { seconds, nanos } = timestampOf(w, i);
      out[pos++] = TAG_ENTRY;
      pos = writeVarint(out, pos, entrySizes[k]!);
      out[pos++] = TAG_TIMESTAMP;
      pos = writeVarint(out, pos, 1 + varintSize(seconds) + (nanos === 0 ? 0 : 1 + varintSize(nanos)));
      out[pos++] = TAG_SECONDS;
      pos = writeVarint(out, pos, seconds);
      if (nanos !== 0) {
        out[pos++] = TAG_NANOS;
        pos = writeVarint(out, pos, nanos);
      }
      const start = w.offsets[i]!;
      const end = w.offsets[i + 1]! - 1;
      out[pos++] = TAG_LINE;
      pos = writeVarint(out, pos, end - start);
      pos += w.text.copy(out, pos, start, end);
    });
  }
  if (pos !== total) throw new Error(`encodePushProtobuf: wrote ${pos} bytes, expected ${total}`);
  return out;
}

function encodePushJson(w: LogWorkload, byStream: Map<number, number[]>): Buffer {
  const parts: string[] = [];
  for (const [s, entries] of byStream) {
    const { host, app, level } = w.streams[s]!;
    const values = entries.map((i) => `["${nsString(w, i)}",${JSON.stringify(w.text.toString('utf8', w.offsets[i]!, w.offsets[i + 1]! - 1))}]`);
    parts.push(`{"stream":${JSON.stringify({ app, host, level })},"values":[${values.join(',')}]}`);
  }
  return Buffer.from(`{"streams":[${parts.join(',')}]}`, 'utf8');
}
