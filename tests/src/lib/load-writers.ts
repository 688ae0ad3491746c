import { setTimeout as sleep } from 'node:timers/promises';
import { errorText } from './error-text.js';
import type { ExportedSeries } from './export-reader.js';
import { REMOTE_WRITE_HEADERS, type WriteSeries, remoteWriteBody } from './remote-write.js';
import type { VigilServer } from './vigil-server.js';

/** Options for {@link LoadWriters}. */
export interface LoadWritersOptions {
  /** Metric name of every series written. */
  metric: string;
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
  private stopping = false;
  private loops: Promise<void>[] = [];
  private readonly opts: Required<LoadWritersOptions>;

  constructor(
    private readonly server: VigilServer,
    options: LoadWritersOptions,
  ) {
    this.opts = {
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
    const { metric, seriesPerWriter, samplesPerSeries, firstTimestampMs, pauseMs, retryDelayMs } = this.opts;
    for (let batch = 0; !this.stopping; batch++) {
      // Values only (no stale markers): the ledger compares them with what is read back.
      const series: Array<WriteSeries & { samples: Array<{ timestampMs: number; value: number }> }> = [];
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
      const body = remoteWriteBody(series);
      for (;;) {
        let reason: string;
        try {
          const res = await this.server.request('/api/v1/write', {
            method: 'POST',
            headers: REMOTE_WRITE_HEADERS,
            body,
            timeoutMs: 20_000,
          });
          const text = await res.text();
          if (res.status >= 200 && res.status < 300) {
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
        }
        if (this.retries.length < 10_000) this.retries.push(`w${writer}: ${reason}`);
        if (this.stopping) return;
        await sleep(retryDelayMs);
      }
      await sleep(pauseMs);
    }
  }
}

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
