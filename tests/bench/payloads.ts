import { compressSync } from 'snappy';
import { type EncodableSeries, encodeLabelFields, encodeWriteRequest } from './remote-write-encoder.js';
import { createValueWalkers, type Workload } from './workload.js';

/** One pre-encoded remote_write request. */
export interface EncodedRequest {
  /** snappy block of the protobuf `WriteRequest`; sent as is. */
  body: Buffer;
  /** Protobuf size before compression, in bytes. */
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
  const started = performance.now();
  const { connections, samplesPerRequest } = options;
  const metricsPerHost = workload.hosts.length > 0 ? workload.series.length / workload.hosts.length : 0;
  const hostsPerGroupLimit = Math.max(1, Math.floor(samplesPerRequest / metricsPerHost));
  const walkers = createValueWalkers(workload);
  const labelFields = workload.series.map((s) => encodeLabelFields(s.labels));
  const { intervalMs } = workload.options;

  let scratch: Buffer = Buffer.allocUnsafe(0);
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
        const series: EncodableSeries[] = [];
        for (let s = groupStart * metricsPerHost; s < groupEnd * metricsPerHost; s++) {
          const values = new Float64Array(timestampsMs.length);
          for (let k = 0; k < values.length; k++) values[k] = walkers.next(s);
          series.push({ labelFields: labelFields[s]!, timestampsMs, values });
        }
        const raw = encodeWriteRequest(series, scratch);
        if (raw.buffer !== scratch.buffer) scratch = raw;
        const body = compressSync(raw);
        queue.push({
          body,
          rawBytes: raw.length,
          seriesCount: series.length,
          sampleCount: series.length * timestampsMs.length,
          firstTimestampMs: timestampsMs[0]!,
        });
        compressedBytes += body.length;
        rawBytes += raw.length;
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
