import { setTimeout as sleep } from 'node:timers/promises';
import { readExport } from '../lib/export-reader.js';
import { REMOTE_WRITE_HEADERS, remoteWriteBody } from '../lib/remote-write.js';
import type { VigilServer } from '../lib/vigil-server.js';

/** Metric name of the canary series (one per tenant). */
export const CANARY_METRIC = 'vigil_canary_seq';
/** Label selector of the canary log stream (one per tenant). */
export const CANARY_STREAM = '{job="vigil-canary"}';

/** What a {@link Canary} found when it read everything back (loki-canary's counters). */
export interface CanaryReport {
  tenant: string;
  /** Ticks (one sample and one line each). */
  ticks: number;
  /** Samples and lines acknowledged with a 2xx. */
  ackedSamples: number;
  ackedLines: number;
  /** Writes not acknowledged (error or non-2xx); not counted as missing. */
  writeFailures: number;
  /** Acknowledged, but not in the final read-back. */
  missingSamples: number;
  missingLines: number;
  /** Sequence numbers read back more than once. */
  duplicatedSamples: number;
  duplicatedLines: number;
  /** Read back in time order, yet with a sequence number lower than the one before. */
  outOfOrderSamples: number;
  outOfOrderLines: number;
  /** Acknowledged but never seen by the per-tick probe within {@link VISIBLE_TIMEOUT_MS}. */
  neverVisible: number;
  /** Write-to-queryable latencies, ms: from sending the write until a query returned it. */
  sampleLatenciesMs: number[];
  lineLatenciesMs: number[];
}

/** How long the per-tick probe looks for a written item before counting it as never visible. */
const VISIBLE_TIMEOUT_MS = 30_000;
/** Pause between probe attempts. */
const PROBE_INTERVAL_MS = 50;

/**
 * A loki-canary / mimir-continuous-test style canary for one tenant: every {@link tick} it writes
 * one sample (`vigil_canary_seq`, value = sequence number) over remote_write and one line
 * (`seq=<n>`) over Loki push, both stamped with the current time, then polls the query APIs until
 * each is visible and records the write-to-queryable latency. {@link verify} reads the whole run
 * back and counts missing, duplicated and out-of-order items.
 */
export class Canary {
  private seq = 0;
  private lastTsMs = 0;
  private readonly sampleAcks = new Map<number, number>();
  private readonly lineAcks = new Map<number, number>();
  private readonly probes = new Set<Promise<void>>();
  private readonly report: CanaryReport;
  readonly startMs = Date.now();

  constructor(
    private readonly server: VigilServer,
    readonly tenant: string,
  ) {
    this.report = {
      tenant,
      ticks: 0,
      ackedSamples: 0,
      ackedLines: 0,
      writeFailures: 0,
      missingSamples: 0,
      missingLines: 0,
      duplicatedSamples: 0,
      duplicatedLines: 0,
      outOfOrderSamples: 0,
      outOfOrderLines: 0,
      neverVisible: 0,
      sampleLatenciesMs: [],
      lineLatenciesMs: [],
    };
  }

  /** Writes the next sample and line; their visibility probes run in the background. */
  async tick(): Promise<void> {
    const seq = ++this.seq;
    const tsMs = Math.max(Date.now(), this.lastTsMs + 1);
    this.lastTsMs = tsMs;
    this.report.ticks++;
    const sentMs = Date.now();
    const [sampleOk, lineOk] = await Promise.all([this.writeSample(seq, tsMs), this.writeLine(seq, tsMs)]);
    if (sampleOk) {
      this.sampleAcks.set(seq, tsMs);
      this.report.ackedSamples++;
      this.track(this.probe(sentMs, () => this.sampleVisible(seq, tsMs), this.report.sampleLatenciesMs));
    } else this.report.writeFailures++;
    if (lineOk) {
      this.lineAcks.set(seq, tsMs);
      this.report.ackedLines++;
      this.track(this.probe(sentMs, () => this.lineVisible(seq, tsMs), this.report.lineLatenciesMs));
    } else this.report.writeFailures++;
  }

  /** Waits for the outstanding probes, then reads everything back and counts. */
  async verify(): Promise<CanaryReport> {
    await Promise.all(this.probes);
    const endMs = this.lastTsMs + 1000;
    const exported = await readExport(this.server, `{__name__="${CANARY_METRIC}"}`, { tenant: this.tenant, startMs: this.startMs - 1000, endMs, timeoutMs: 120_000 });
    const sampleSeqs: number[] = [];
    for (const line of exported) {
      // Export lines are in time order within a series; one series per tenant is expected.
      for (const v of line.values) sampleSeqs.push(Number(v));
    }
    if (exported.length > 1) this.report.duplicatedSamples += exported.length - 1;
    const lineSeqs = await this.readLines(endMs);
    const count = (seqs: number[], acked: Map<number, number>) => {
      const seen = new Map<number, number>();
      let outOfOrder = 0;
      let prev = -1;
      for (const s of seqs) {
        seen.set(s, (seen.get(s) ?? 0) + 1);
        if (s < prev) outOfOrder++;
        prev = s;
      }
      let missing = 0;
      for (const s of acked.keys()) if (!seen.has(s)) missing++;
      let duplicated = 0;
      for (const n of seen.values()) if (n > 1) duplicated += n - 1;
      return { missing, duplicated, outOfOrder };
    };
    const s = count(sampleSeqs, this.sampleAcks);
    const l = count(lineSeqs, this.lineAcks);
    Object.assign(this.report, {
      missingSamples: s.missing,
      duplicatedSamples: this.report.duplicatedSamples + s.duplicated,
      outOfOrderSamples: s.outOfOrder,
      missingLines: l.missing,
      duplicatedLines: l.duplicated,
      outOfOrderLines: l.outOfOrder,
    });
    return this.report;
  }

  private track(p: Promise<void>): void {
    this.probes.add(p);
    void p.finally(() => this.probes.delete(p));
  }

  private async probe(sentMs: number, visible: () => Promise<boolean>, latencies: number[]): Promise<void> {
    const deadline = sentMs + VISIBLE_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const ok = await visible().catch(() => false);
      if (ok) {
        latencies.push(Date.now() - sentMs);
        return;
      }
      await sleep(PROBE_INTERVAL_MS);
    }
    this.report.neverVisible++;
  }

  private async writeSample(seq: number, tsMs: number): Promise<boolean> {
    const body = remoteWriteBody([{ labels: { __name__: CANARY_METRIC, canary: 'soak' }, samples: [{ timestampMs: tsMs, value: seq }] }]);
    try {
      const res = await this.server.request('/api/v1/write', { method: 'POST', headers: REMOTE_WRITE_HEADERS, body, tenant: this.tenant, timeoutMs: 10_000 });
      await res.arrayBuffer();
      return res.status >= 200 && res.status < 300;
    } catch {
      return false;
    }
  }

  private async writeLine(seq: number, tsMs: number): Promise<boolean> {
    const body = JSON.stringify({ streams: [{ stream: { job: 'vigil-canary' }, values: [[`${tsMs}000000`, `seq=${seq}`]] }] });
    try {
      const res = await this.server.request('/loki/api/v1/push', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        tenant: this.tenant,
        timeoutMs: 10_000,
      });
      await res.arrayBuffer();
      return res.status >= 200 && res.status < 300;
    } catch {
      return false;
    }
  }

  private async sampleVisible(seq: number, tsMs: number): Promise<boolean> {
    const q = new URLSearchParams({ query: CANARY_METRIC, time: String(tsMs / 1000) });
    const res = await this.server.request(`/api/v1/query?${q}`, { tenant: this.tenant, timeoutMs: 5000 });
    if (res.status !== 200) {
      await res.arrayBuffer();
      return false;
    }
    const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
    return body.data.result.some((r) => Number(r.value[1]) === seq);
  }

  private async lineVisible(seq: number, tsMs: number): Promise<boolean> {
    const q = new URLSearchParams({ query: CANARY_STREAM, start: `${tsMs}000000`, end: `${tsMs}000001`, limit: '10', direction: 'forward' });
    const res = await this.server.request(`/loki/api/v1/query_range?${q}`, { tenant: this.tenant, timeoutMs: 5000 });
    if (res.status !== 200) {
      await res.arrayBuffer();
      return false;
    }
    const body = (await res.json()) as { data: { result: Array<{ values: Array<[string, string]> }> } };
    return body.data.result.some((r) => r.values.some(([, line]) => line === `seq=${seq}`));
  }

  /** Every canary line of the run, oldest first, read in pages. */
  private async readLines(endMs: number): Promise<number[]> {
    const seqs: number[] = [];
    let startNs = BigInt(this.startMs - 1000) * 1_000_000n;
    const endNs = BigInt(endMs) * 1_000_000n;
    const PAGE = 2000;
    for (;;) {
      const q = new URLSearchParams({ query: CANARY_STREAM, start: String(startNs), end: String(endNs), limit: String(PAGE), direction: 'forward' });
      const res = await this.server.request(`/loki/api/v1/query_range?${q}`, { tenant: this.tenant, timeoutMs: 60_000 });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`reading canary lines of ${this.tenant} answered ${res.status}: ${text}`);
      const body = JSON.parse(text) as { data: { result: Array<{ values: Array<[string, string]> }> } };
      // Kept in the server's order: a forward query must return them oldest first.
      const entries = body.data.result.flatMap((r) => r.values);
      let lastNs = startNs;
      for (const [ts, line] of entries) {
        seqs.push(Number(/^seq=(\d+)$/.exec(line)?.[1] ?? Number.NaN));
        if (BigInt(ts) > lastNs) lastNs = BigInt(ts);
      }
      if (entries.length < PAGE) return seqs;
      // Next page starts after the newest timestamp seen (canary timestamps are unique per tenant).
      startNs = lastNs + 1n;
    }
  }
}
