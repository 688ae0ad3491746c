import { compressSync } from 'snappy';
import { type EncodableSeries, encodeLabelFields, encodeWriteRequest } from './remote-write-encoder.js';
import { createValueWalkers, type Workload } from './workload.js';

/** One pre-encoded request (remote_write; `protocols.ts` and `logs-encoder.ts` make others). */
export interface EncodedRequest {
  /** The body as sent (remote_write: snappy block of the protobuf `WriteRequest`). */
  body: Buffer;
  /** Size before compression, in bytes (the body's size when it is not compressed). */
  rawBytes: number;
  seriesCount: number;
  sampleCount: number;
  /** Timestamp of the request's first sample, epoch milliseconds (used to keep senders in step). */
  firstTimestampMs: number;
}

/** The whole workload as request queues, one per connection, each in time order. */
export interface EncodedWorkload {
  /** `queues[c]` is sent in order over connection `c`. */
  queues: EncodedRequest[][];
  requestCount: number;
  sampleCount: number;
  seriesCount: number;
  compressedBytes: number;
  rawBytes: number;
  /** Wall time spent generating and encoding, in milliseconds (not part of any measurement). */
  encodeMs: number;
}

/** Options of {@link encodeWorkload}. */
export interface EncodeOptions {
  /** Number of connections the hosts are split across. @default 4 */
  connections: number;
  /** Target number of samples per request. @default 10 000 */
  samplesPerRequest: number;
}

/**
 * Partitions the hosts into `connections` contiguous ranges and encodes each range as a queue of
 * requests of about `samplesPerRequest` samples. A request holds every series of a group of hosts
 * for a few consecutive timestamps (1,000 hosts over 4 connections: 250 hosts × 10 metrics × 4
 * timestamps), so each connection sends its own hosts in time order, as remote_write requires and
 * as Prometheus' receiver (which rejects out-of-order samples) needs.
 *
 * @example
 * const encoded = encodeWorkload(workload, { connections: 4, samplesPerRequest: 10_000 });
 */
export function encodeWorkload(workload: Workload, options: EncodeOptions): EncodedWorkload {
  let scratch: Buffer = Buffer.allocUnsafe(0);
  const labelFields = workload.series.map((s) => encodeLabelFields(s.labels));
  return encodeWorkloadWith(workload, options, (chunk) => {
    const series: EncodableSeries[] = chunk.values.map((values, i) => ({
      labelFields: labelFields[chunk.seriesStart + i]!,
      timestampsMs: chunk.timestampsMs,
      values,
    }));
    const raw = encodeWriteRequest(series, scratch);
    if (raw.buffer !== scratch.buffer) scratch = raw;
    return { body: compressSync(raw), rawBytes: raw.length };
  });
}

/**
 * The samples of one request: every series of hosts `[hostStart, hostEnd)` (series
 * `[seriesStart, seriesEnd)`, host-major) at a few consecutive timestamps.
 */
export interface RequestChunk {
  hostStart: number;
  hostEnd: number;
  seriesStart: number;
  seriesEnd: number;
  timestampsMs: readonly number[];
  /** `values[i][k]`: series `seriesStart + i` at `timestampsMs[k]`. */
  values: readonly Float64Array[];
}

/** Turns one chunk into a request body: `body` as sent, `rawBytes` before compression. */
export type ChunkEncoder = (chunk: RequestChunk) => { body: Buffer; rawBytes: number };

/**
 * The request plan of {@link encodeWorkload} with any body encoder: every protocol gets the same
 * requests (the same hosts, timestamps and values per request, in the same order per connection),
 * so their rates compare the protocols and nothing else.
 */
export function encodeWorkloadWith(workload: Workload, options: EncodeOptions, encodeChunk: ChunkEncoder): EncodedWorkload {
  const started = performance.now();
  const { connections, samplesPerRequest } = options;
  const metricsPerHost = workload.hosts.length > 0 ? workload.series.length / workload.hosts.length : 0;
  const hostsPerGroupLimit = Math.max(1, Math.floor(samplesPerRequest / metricsPerHost));
  const walkers = createValueWalkers(workload);
  const { intervalMs } = workload.options;

  const queues: EncodedRequest[][] = [];
  let compressedBytes = 0;
  let rawBytes = 0;
  for (const [hostStart, hostEnd] of splitRange(workload.hosts.length, connections)) {
    const queue: EncodedRequest[] = [];
    queues.push(queue);
    const groups: Array<[number, number]> = [];
    for (let h = hostStart; h < hostEnd; h += hostsPerGroupLimit) groups.push([h, Math.min(hostEnd, h + hostsPerGroupLimit)]);
    // Every group of a connection uses the same number of timestamps per request, so the groups
    // advance through time together.
    const largestGroupSeries = Math.max(0, ...groups.map(([a, b]) => (b - a) * metricsPerHost));
    const timestampsPerRequest = Math.max(1, Math.floor(samplesPerRequest / Math.max(1, largestGroupSeries)));

    for (let t0 = 0; t0 < workload.timestampCount; t0 += timestampsPerRequest) {
      const t1 = Math.min(workload.timestampCount, t0 + timestampsPerRequest);
      const timestampsMs = Array.from({ length: t1 - t0 }, (_, k) => workload.startMs + (t0 + k) * intervalMs);
      for (const [groupStart, groupEnd] of groups) {
        const values: Float64Array[] = [];
        for (let s = groupStart * metricsPerHost; s < groupEnd * metricsPerHost; s++) {
          const v = new Float64Array(timestampsMs.length);
          for (let k = 0; k < v.length; k++) v[k] = walkers.next(s);
          values.push(v);
        }
        const { body, rawBytes: raw } = encodeChunk({
          hostStart: groupStart,
          hostEnd: groupEnd,
          seriesStart: groupStart * metricsPerHost,
          seriesEnd: groupEnd * metricsPerHost,
          timestampsMs,
          values,
        });
        queue.push({
          body,
          rawBytes: raw,
          seriesCount: values.length,
          sampleCount: values.length * timestampsMs.length,
          firstTimestampMs: timestampsMs[0]!,
        });
        compressedBytes += body.length;
        rawBytes += raw;
      }
    }
  }
  const requests = queues.flat();
  return {
    queues,
    requestCount: requests.length,
    sampleCount: requests.reduce((sum, r) => sum + r.sampleCount, 0),
    seriesCount: workload.series.length,
    compressedBytes,
    rawBytes,
    encodeMs: performance.now() - started,
  };
}

/** Splits [0, n) into `parts` contiguous ranges whose sizes differ by at most one (empty ones dropped). */
function splitRange(n: number, parts: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let start = 0;
  for (let p = 0; p < parts; p++) {
    const end = start + Math.floor(n / parts) + (p < n % parts ? 1 : 0);
    if (end > start) ranges.push([start, end]);
    start = end;
  }
  return ranges;
}
