import type { IngestRunResult } from './ingest-benchmark.js';
import { median } from './report.js';

/**
 * Issue 6's "Performance" table: Vigil's ingest rate per protocol beside remote_write's, with the
 * target "within 2× of remote_write's rate" (ratio ≥ 0.5).
 */

/** Issue 6: every protocol's rate at least half of remote_write's. */
export const PROTOCOL_RATIO_TARGET = 0.5;

/** What was sent for one protocol (from its pre-encoded workload). */
export interface ProtocolPayloadStats {
  requests: number;
  /** Bytes of all bodies as sent. */
  bodyBytes: number;
  /** Bytes before compression (equal to `bodyBytes` without compression). */
  rawBytes: number;
  samples: number;
  encodeSeconds: number;
}

/** Medians over the successful runs of one protocol. */
export interface ProtocolSummary {
  protocol: string;
  runs: number;
  status: 'ok' | 'failed' | 'skipped';
  reason?: string;
  samplesPerSecond?: number;
  /** This protocol's rate / remote_write's (median / median). */
  ratioToRemoteWrite?: number;
  /** Acknowledged samples per CPU second of the server (steadier than samples/s on a shared machine). */
  samplesPerServerCpuSecond?: number;
  peakRssMb?: number;
  /** Failed requests, summed over runs (plus samples rejected inside 2xx answers). */
  errorRequests?: number;
  errorsByStatus?: Record<string, number>;
  rejectedSamples?: number;
  /** The smallest count of samples the probes saw over the runs, and whether every run saw all. */
  samplesQueryable?: number;
  allQueryable?: boolean;
  queryableSeconds?: number;
  payload?: ProtocolPayloadStats;
  errorExamples?: string[];
}

/** Groups Vigil's runs by protocol (first-seen order) and compares each with remote_write. */
export function summarizeProtocols(
  results: readonly IngestRunResult[],
  payloads: ReadonlyMap<string, ProtocolPayloadStats>,
): ProtocolSummary[] {
  const byProtocol = new Map<string, IngestRunResult[]>();
  for (const r of results) {
    if (r.system === 'vigil') byProtocol.set(r.protocol, [...(byProtocol.get(r.protocol) ?? []), r]);
  }
  const summaries = [...byProtocol.entries()].map(([protocol, runs]): ProtocolSummary => {
    const ok = runs.filter((r) => r.status === 'ok');
    const payload = payloads.get(protocol);
    const summary: ProtocolSummary = {
      protocol,
      runs: ok.length,
      status: ok.length > 0 ? 'ok' : runs.some((r) => r.status === 'failed') ? 'failed' : 'skipped',
      ...(payload === undefined ? {} : { payload }),
    };
    if (ok.length === 0) return { ...summary, reason: runs.map((r) => r.reason).find((r) => r !== undefined) };
    const errorsByStatus: Record<string, number> = {};
    for (const r of ok) {
      for (const [key, count] of Object.entries(r.ingest?.errorsByStatus ?? {})) errorsByStatus[key] = (errorsByStatus[key] ?? 0) + count;
    }
    const perCpu = ok.filter((r) => r.serverCpuSeconds !== undefined && r.serverCpuSeconds > 0);
    const allQueryable = ok.every((r) => r.queryable?.complete === true);
    return {
      ...summary,
      samplesPerSecond: median(ok.map((r) => r.ingest!.samplesPerSecond)),
      samplesPerServerCpuSecond: perCpu.length === 0 ? undefined : median(perCpu.map((r) => r.ingest!.ackedSamples / r.serverCpuSeconds!)),
      peakRssMb: median(ok.map((r) => (r.peakRssBytes ?? 0) / 1048576)),
      errorRequests: ok.reduce((sum, r) => sum + (r.ingest?.errorRequests ?? 0), 0),
      errorsByStatus,
      rejectedSamples: ok.reduce((sum, r) => sum + (r.ingest?.rejectedSamples ?? 0), 0),
      samplesQueryable: Math.min(...ok.map((r) => r.queryable?.samplesSeen ?? 0)),
      allQueryable,
      queryableSeconds: allQueryable ? median(ok.map((r) => r.queryable!.seconds!)) : undefined,
      errorExamples: [...new Set(ok.flatMap((r) => r.ingest?.errorExamples ?? []))].slice(0, 3),
    };
  });
  const reference = summaries.find((s) => s.protocol === 'remote_write')?.samplesPerSecond;
  for (const s of summaries) {
    if (reference !== undefined && reference > 0 && s.samplesPerSecond !== undefined) s.ratioToRemoteWrite = s.samplesPerSecond / reference;
  }
  return summaries;
}

/** Markdown: one row per protocol, then the target check and notes. */
export function formatProtocolMarkdown(summaries: readonly ProtocolSummary[], expectedSamples: number, headline: string): string {
  const lines: string[] = [headline, ''];
  lines.push(
    '| protocol | samples/s to ack | ratio to remote_write | samples per server CPU s | peak RSS MB | failed requests | samples queryable | s until queryable | request body: avg KB (bytes/sample) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const s of summaries) {
    const body =
      s.payload === undefined || s.payload.requests === 0
        ? '–'
        : `${(s.payload.bodyBytes / s.payload.requests / 1024).toFixed(0)} (${(s.payload.bodyBytes / Math.max(1, s.payload.samples)).toFixed(1)})`;
    if (s.status !== 'ok') {
      lines.push(`| ${s.protocol} | ${s.status}: ${escapeCell(s.reason ?? '')} | | | | | | | ${body} |`);
      continue;
    }
    const statuses = Object.entries(s.errorsByStatus ?? {});
    const failed = `${s.errorRequests}${statuses.length === 0 ? '' : ` (${statuses.map(([k, v]) => `${k}: ${v}`).join(', ')})`}${s.rejectedSamples ? `; ${thousands(s.rejectedSamples)} samples rejected` : ''}`;
    const queryable = `${thousands(s.samplesQueryable)} / ${thousands(expectedSamples)}${s.allQueryable ? '' : ' (incomplete)'}`;
    lines.push(
      `| ${s.protocol} | ${thousands(s.samplesPerSecond)} | ${fixed(s.ratioToRemoteWrite, 2)} | ${thousands(s.samplesPerServerCpuSecond)} | ${fixed(s.peakRssMb, 0)} | ${failed} | ${queryable} | ${fixed(s.queryableSeconds, 2)} | ${body} |`,
    );
  }
  lines.push('');
  const others = summaries.filter((s) => s.protocol !== 'remote_write');
  for (const s of others) {
    const met =
      s.ratioToRemoteWrite === undefined
        ? '? (no rate or no remote_write run)'
        : s.ratioToRemoteWrite >= PROTOCOL_RATIO_TARGET && s.allQueryable === true && (s.errorRequests ?? 0) === 0
          ? 'met'
          : 'NOT met';
    lines.push(`- ${s.protocol}: within 2× of remote_write (ratio ≥ ${PROTOCOL_RATIO_TARGET}, no failures, all queryable): ${met}`);
  }
  for (const s of summaries) {
    for (const example of s.errorExamples ?? []) lines.push(`- ${s.protocol} error: ${escapeCell(example)}`);
  }
  lines.push(
    '',
    'Notes:',
    '- The same requests for every protocol (hosts, timestamps and values per request, pre-encoded, not measured), each against a fresh Vigil.',
    '- samples/s to ack: acknowledged samples / (last 2xx − first byte sent); ratio: median / median. Server CPU s: user + system of the server over the same time.',
    '- samples queryable: what the probe counted (PromQL `count_over_time`, or `/api/v1/export`) / samples in the workload.',
    '- peak RSS: VmHWM of the server over the whole run (probes and flush included).',
  );
  return lines.join('\n');
}

function fixed(value: number | undefined, digits: number): string {
  return value === undefined ? '–' : value.toFixed(digits);
}

function thousands(value: number | undefined): string {
  return value === undefined ? '–' : Math.round(value).toLocaleString('en-US');
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ').slice(0, 300);
}
