import { setTimeout as sleep } from 'node:timers/promises';
import { errorText } from './error-text.js';
import type { ExportedSeries } from './export-reader.js';
import { REMOTE_WRITE_HEADERS, type WriteSeries, remoteWriteBody } from './remote-write.js';
import type { VigilServer } from './vigil-server.js';

/**
 * Wire protocol a {@link LoadWriters} speaks: Prometheus remote_write 1.0 (snappy protobuf), OTLP/HTTP
 * metrics as JSON (gauges), or Loki push as JSON (one stream per series; the line carries the value).
 */
export type WriterProtocol = 'remote_write' | 'otlp_json' | 'loki_json';

/** Options for {@link LoadWriters}. */
export interface LoadWritersOptions {
  /** Metric name of every series written; for `loki_json` the stream label `job`. */
  metric: string;
  /** Protocol of every request. @default 'remote_write' */
  protocol?: WriterProtocol;
  /** Tenant to write as (`X-Scope-OrgID`). @default the root key's own tenant */
  tenant?: string;
  /** Concurrent writers, each with its own series (label `writer`). @default 4 */
  writers?: number;
  /** Series per writer (label `series`); each request carries all of them. @default 10 */
  seriesPerWriter?: number;
  /** Samples per series in one request. @default 10 */
  samplesPerSeries?: number;
  /** Timestamp of each series' first sample, epoch milliseconds. @default one hour ago */
  firstTimestampMs?: number;
  /** Pause after each acknowledged request, in milliseconds. @default 10 */
  pauseMs?: number;
  /** Pause before retrying a failed request, in milliseconds. @default 50 */
  retryDelayMs?: number;
}

/**
 * Writers that keep sending remote_write requests to a {@link VigilServer} and remember exactly
 * which samples were acknowledged with a 2xx: the ledger that crash and shutdown tests check the
 * stored data against.
 *
 * Each (series, timestamp) is sent in exactly one request, with one value. A request that fails
 * (connection refused or reset, 5xx, 429) is retried unchanged until it is acknowledged or the
 * writers stop, as Prometheus retries; the server must therefore store a retried sample once.
 * A 4xx other than 429 is a server bug for these well-formed requests: it is recorded in
 * {@link rejections} and the writer stops.
 */
export class LoadWriters {
  /** Acknowledged samples: `sampleKey(series, ts)` → value. */
  readonly acked = new Map<string, number>();
  /** Every sample ever sent, acknowledged or not: `sampleKey(series, ts)` → value. */
  readonly sent = new Map<string, number>();
  /** Acknowledged requests per server generation (process number) at the time of the answer. */
  readonly acksByGeneration = new Map<number, number>();
  /** Answers that should never happen (4xx other than 429), with status and body. */
  readonly rejections: string[] = [];
  /** Requests that failed and were retried, with the reason; for failure messages. */
  readonly retries: string[] = [];
  /** Answers received, by HTTP status (`0` = no answer: connection refused, reset or timed out). */
  readonly statuses = new Map<number, number>();
  /** 429 and 503 answers that came without a `Retry-After` header. */
  retryableWithoutRetryAfter = 0;
  /** When the last acknowledgement arrived, epoch milliseconds (0 before the first). */
  lastAckMs = 0;
  private stopping = false;
  private loops: Promise<void>[] = [];
  private readonly opts: Required<LoadWritersOptions>;

  constructor(
    private readonly server: VigilServer,
    options: LoadWritersOptions,
  ) {
    this.opts = {
      protocol: 'remote_write',
      tenant: '',
      writers: 4,
      seriesPerWriter: 10,
      samplesPerSeries: 10,
      firstTimestampMs: Date.now() - 3_600_000,
      pauseMs: 10,
      retryDelayMs: 50,
      ...options,
    };
  }

  /** The key of one sample in {@link acked} and {@link sent}. */
  static sampleKey(metric: Readonly<Record<string, string>>, timestampMs: number): string {
    return `${metric.writer}/${metric.series}@${timestampMs}`;
  }

  /** Total acknowledged requests. */
  get ackedRequests(): number {
    let n = 0;
    for (const v of this.acksByGeneration.values()) n += v;
    return n;
  }

  /** Starts the writers. */
  start(): void {
    for (let w = 0; w < this.opts.writers; w++) this.loops.push(this.run(w));
  }

  /**
   * Asks the writers to stop and waits for them: each finishes the request it has in flight; a
   * request that is not acknowledged by then stays unacknowledged.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }

  /** Waits until at least `count` more requests have been acknowledged (or `timeoutMs` passes). */
  async waitForAcks(count: number, timeoutMs = 20_000): Promise<void> {
    const target = this.ackedRequests + count;
    const deadline = Date.now() + timeoutMs;
    while (this.ackedRequests < target) {
      if (Date.now() > deadline) {
        throw new Error(
          `writers got ${this.ackedRequests} acknowledgements, wanted ${target} within ${timeoutMs} ms; ` +
            `last retries: ${this.retries.slice(-5).join(' | ')}; rejections: ${this.rejections.slice(0, 3).join(' | ')}`,
        );
      }
      await sleep(20);
    }
  }

  private async run(writer: number): Promise<void> {
    const { metric, protocol, tenant, seriesPerWriter, samplesPerSeries, firstTimestampMs, pauseMs, retryDelayMs } = this.opts;
    for (let batch = 0; !this.stopping; batch++) {
      // Values only (no stale markers): the ledger compares them with what is read back.
      const series: LedgerSeries[] = [];
      for (let s = 0; s < seriesPerWriter; s++) {
        const samples: Array<{ timestampMs: number; value: number }> = [];
        for (let j = 0; j < samplesPerSeries; j++) {
          const timestampMs = firstTimestampMs + batch * samplesPerSeries + j;
          // Distinct, non-integer values, so a sample read back from the wrong place shows.
          samples.push({ timestampMs, value: writer * 1e6 + s * 1e4 + batch * samplesPerSeries + j + 0.5 });
        }
        series.push({ labels: { __name__: metric, writer: `w${writer}`, series: `s${s}` }, samples });
      }
      for (const s of series) {
        for (const p of s.samples) this.sent.set(LoadWriters.sampleKey(s.labels, p.timestampMs), p.value);
      }
      const request = encodeRequest(protocol, series);
      for (;;) {
        let reason: string;
        try {
          const res = await this.server.request(request.path, {
            method: 'POST',
            headers: request.headers,
            body: request.body,
            timeoutMs: 20_000,
            ...(tenant === '' ? {} : { tenant }),
          });
          const text = await res.text();
          this.statuses.set(res.status, (this.statuses.get(res.status) ?? 0) + 1);
          if ((res.status === 429 || res.status === 503) && !res.headers.has('retry-after')) this.retryableWithoutRetryAfter++;
          if (res.status >= 200 && res.status < 300) {
            this.lastAckMs = Date.now();
            for (const s of series) {
              for (const p of s.samples) this.acked.set(LoadWriters.sampleKey(s.labels, p.timestampMs), p.value);
            }
            const generation = this.server.generation;
            this.acksByGeneration.set(generation, (this.acksByGeneration.get(generation) ?? 0) + 1);
            break;
          }
          if (res.status !== 429 && res.status < 500) {
            this.rejections.push(`writer w${writer} batch ${batch}: HTTP ${res.status}: ${text.slice(0, 500)}`);
            return;
          }
          reason = `HTTP ${res.status}: ${text.slice(0, 200)}`;
        } catch (err) {
          reason = errorText(err);
          this.statuses.set(0, (this.statuses.get(0) ?? 0) + 1);
        }
        if (this.retries.length < 10_000) this.retries.push(`w${writer}: ${reason}`);
        if (this.stopping) return;
        await sleep(retryDelayMs);
      }
      await sleep(pauseMs);
    }
  }
}

/** One series of a writer's request: labels and its samples (values only, no stale markers). */
type LedgerSeries = Pick<WriteSeries, 'labels'> & { samples: Array<{ timestampMs: number; value: number }> };

/** Path, headers and body of one request carrying `series` in `protocol`. */
function encodeRequest(
  protocol: WriterProtocol,
  series: readonly LedgerSeries[],
): { path: string; headers: Record<string, string>; body: Buffer | string } {
  switch (protocol) {
    case 'remote_write':
      return { path: '/api/v1/write', headers: { ...REMOTE_WRITE_HEADERS }, body: remoteWriteBody(series) };
    case 'otlp_json': {
      // One gauge per series; the data point attributes become the labels `writer` and `series`.
      const metrics = series.map((s) => ({
        name: s.labels.__name__,
        gauge: {
          dataPoints: s.samples.map((p) => ({
            attributes: [
              { key: 'writer', value: { stringValue: s.labels.writer } },
              { key: 'series', value: { stringValue: s.labels.series } },
            ],
            timeUnixNano: `${BigInt(p.timestampMs) * 1_000_000n}`,
            asDouble: p.value,
          })),
        },
      }));
      const body = JSON.stringify({ resourceMetrics: [{ resource: { attributes: [] }, scopeMetrics: [{ scope: { name: 'load-writers' }, metrics }] }] });
      return { path: '/v1/metrics', headers: { 'content-type': 'application/json' }, body };
    }
    case 'loki_json': {
      // The stream is {job, writer, series}; the line carries the value, read back by readLokiAsExport.
      const streams = series.map((s) => ({
        stream: { job: s.labels.__name__!, writer: s.labels.writer!, series: s.labels.series! },
        values: s.samples.map((p) => [`${BigInt(p.timestampMs) * 1_000_000n}`, `${LOKI_LINE_PREFIX}${p.value}`]),
      }));
      return { path: '/loki/api/v1/push', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ streams }) };
    }
  }
}

/** Prefix of every log line a `loki_json` writer pushes; the rest of the line is the value. */
export const LOKI_LINE_PREFIX = 'load-writer value=';

/** What {@link compareWithLedger} found; every list empty means the stored data is right. */
export interface LedgerComparison {
  /** Acknowledged samples not read back. */
  missing: string[];
  /** Samples read back with another value than was sent. */
  wrongValue: string[];
  /** (series, timestamp) pairs read back more than once, and series returned on several lines. */
  duplicated: string[];
  /** Samples read back that were never sent. */
  unknown: string[];
  /** Samples read back in total. */
  readBack: number;
  /** Samples read back that were sent but never acknowledged (allowed: the ack may have been lost). */
  unackedButStored: number;
}

/** What was sent and what was acknowledged, keyed by {@link LoadWriters.sampleKey}; {@link LoadWriters} is one. */
export interface Ledger {
  readonly sent: ReadonlyMap<string, number>;
  readonly acked: ReadonlyMap<string, number>;
}

/**
 * Compares an export of the writers' metric with their ledger: every acknowledged sample present
 * with its value, no (series, timestamp) twice, nothing that was never sent.
 */
export function compareWithLedger(exported: readonly ExportedSeries[], writers: Ledger): LedgerComparison {
  const result: LedgerComparison = {
    missing: [],
    wrongValue: [],
    duplicated: [],
    unknown: [],
    readBack: 0,
    unackedButStored: 0,
  };
  const seen = new Set<string>();
  const seriesSeen = new Set<string>();
  for (const line of exported) {
    const seriesId = JSON.stringify(Object.entries(line.metric).sort());
    if (seriesSeen.has(seriesId)) result.duplicated.push(`series ${seriesId} on more than one export line`);
    seriesSeen.add(seriesId);
    line.timestamps.forEach((ts, i) => {
      result.readBack++;
      const key = LoadWriters.sampleKey(line.metric, ts);
      const value = line.values[i];
      if (seen.has(key)) result.duplicated.push(`${key} (value ${value})`);
      seen.add(key);
      const sentValue = writers.sent.get(key);
      if (sentValue === undefined) {
        result.unknown.push(`${key} = ${value}`);
        return;
      }
      if (value !== sentValue) result.wrongValue.push(`${key}: read ${value}, sent ${sentValue}`);
      if (!writers.acked.has(key)) result.unackedButStored++;
    });
  }
  for (const key of writers.acked.keys()) if (!seen.has(key)) result.missing.push(key);
  return result;
}

/** A one-line summary of a comparison's problems (first few of each kind), for assertion messages. */
export function summarize(c: LedgerComparison): string {
  const part = (name: string, list: string[]) =>
    list.length === 0 ? '' : `${list.length} ${name} (e.g. ${list.slice(0, 5).join(', ')}); `;
  return (
    part('missing', c.missing) + part('wrong value', c.wrongValue) + part('duplicated', c.duplicated) + part('unknown', c.unknown) ||
    'no problems'
  );
}
