import type { IngestRunResult } from './ingest-benchmark.js';
import type { SystemName } from './peers/types.js';

/**
 * Turns run results into medians per system, the Vigil/VictoriaMetrics ratios that issue 2 sets
 * targets for, and Markdown for the terminal and `docs/benchmarks.md`.
 */

/** Medians over the successful runs of one system. */
export interface SystemSummary {
  system: SystemName;
  title: string;
  version: string | undefined;
  /** Successful runs (medians are over these). */
  runs: number;
  status: 'ok' | 'failed' | 'skipped';
  /** Why there is no successful run, when there is none. */
  reason?: string;
  samplesPerSecond?: number;
  /** Undefined when some run never became fully queryable. */
  queryableSeconds?: number;
  queryableProbeSeconds?: number;
  /** Every run saw all acknowledged data before the time limit. */
  allQueryable?: boolean;
  probe?: string;
  peakRssMb?: number;
  peakRssAtLastAckMb?: number;
  bytesPerSample?: number;
  apparentBytesPerSample?: number;
  /** Failed requests, summed over runs. */
  errorRequests?: number;
  errorsByStatus?: Record<string, number>;
  diskNote?: string;
}

/** Vigil divided by VictoriaMetrics, with the targets of issue 2. */
export interface VigilRatios {
  /** ≥ 1.0 is the target. */
  ingestRate?: number;
  /** ≤ 1.0 is the target. */
  bytesPerSample?: number;
  /** ≤ 1.0 is the target (peak over the whole run, probes and flush included). */
  peakRss?: number;
  /** The same at the last acknowledgement: memory of ingest alone. */
  peakRssAtLastAck?: number;
  /** Vigil's seconds until queryable; ≤ 5 is the target. */
  vigilQueryableSeconds?: number;
}

/** The median of some numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Groups results by system (first-seen order) and takes medians over the successful runs. */
export function summarize(results: readonly IngestRunResult[]): SystemSummary[] {
  const bySystem = new Map<SystemName, IngestRunResult[]>();
  for (const r of results) bySystem.set(r.system, [...(bySystem.get(r.system) ?? []), r]);
  return [...bySystem.values()].map((runs) => {
    const first = runs[0]!;
    const ok = runs.filter((r) => r.status === 'ok');
    const summary: SystemSummary = {
      system: first.system,
      title: first.title,
      version: runs.find((r) => r.version !== undefined)?.version,
      runs: ok.length,
      status: ok.length > 0 ? 'ok' : runs.some((r) => r.status === 'failed') ? 'failed' : 'skipped',
    };
    if (ok.length === 0) {
      summary.reason = runs.map((r) => r.reason).find((r) => r !== undefined);
      return summary;
    }
    const mb = (bytes: number): number => bytes / (1024 * 1024);
    const allQueryable = ok.every((r) => r.queryable?.complete === true);
    const errorsByStatus: Record<string, number> = {};
    for (const r of ok) {
      for (const [key, count] of Object.entries(r.ingest?.errorsByStatus ?? {})) errorsByStatus[key] = (errorsByStatus[key] ?? 0) + count;
    }
    return {
      ...summary,
      samplesPerSecond: median(ok.map((r) => r.ingest!.samplesPerSecond)),
      allQueryable,
      queryableSeconds: allQueryable ? median(ok.map((r) => r.queryable!.seconds!)) : undefined,
      queryableProbeSeconds: allQueryable ? median(ok.map((r) => r.queryable!.probeSeconds!)) : undefined,
      probe: [...new Set(ok.map((r) => r.queryable?.probe))].join('/'),
      peakRssMb: median(ok.map((r) => mb(r.peakRssBytes ?? 0))),
      peakRssAtLastAckMb: median(ok.map((r) => mb(r.peakRssBytesAtLastAck ?? 0))),
      bytesPerSample: median(ok.map((r) => r.disk!.bytesPerSample)),
      apparentBytesPerSample: median(ok.map((r) => r.disk!.apparentBytes / Math.max(1, r.ingest!.ackedSamples))),
      errorRequests: ok.reduce((sum, r) => sum + (r.ingest?.errorRequests ?? 0), 0),
      errorsByStatus,
      diskNote: ok[0]!.disk!.flushNote,
    };
  });
}

/** The ratios of issue 2's targets, from summaries; fields are missing when a side has no figure. */
export function vigilRatios(summaries: readonly SystemSummary[]): VigilRatios | undefined {
  const vigil = summaries.find((s) => s.system === 'vigil' && s.status === 'ok');
  const vm = summaries.find((s) => s.system === 'vm' && s.status === 'ok');
  if (vigil === undefined || vm === undefined) return undefined;
  const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
    a === undefined || b === undefined || b === 0 ? undefined : a / b;
  return {
    ingestRate: ratio(vigil.samplesPerSecond, vm.samplesPerSecond),
    bytesPerSample: ratio(vigil.bytesPerSample, vm.bytesPerSample),
    peakRss: ratio(vigil.peakRssMb, vm.peakRssMb),
    peakRssAtLastAck: ratio(vigil.peakRssAtLastAckMb, vm.peakRssAtLastAckMb),
    vigilQueryableSeconds: vigil.queryableSeconds,
  };
}

/** Markdown: the summary table, per-run rows when there are repetitions, ratios and notes. */
export function formatMarkdown(
  summaries: readonly SystemSummary[],
  results: readonly IngestRunResult[],
  workloadLine: string,
): string {
  const lines: string[] = [workloadLine, ''];
  lines.push(
    '| system | version | samples/s to ack | s until queryable (probe time) | peak RSS MB (at last ack) | bytes/sample on disk (apparent) | failed requests |',
    '|---|---|---:|---:|---:|---:|---:|',
  );
  for (const s of summaries) {
    if (s.status !== 'ok') {
      lines.push(`| ${s.title} | ${s.version ?? '–'} | ${s.status}: ${escapeCell(s.reason ?? '')} | | | | |`);
      continue;
    }
    const queryable = s.allQueryable
      ? `${fixed(s.queryableSeconds, 2)} (${fixed(s.queryableProbeSeconds, 2)}, ${s.probe})`
      : `not all queryable (${s.probe})`;
    lines.push(
      `| ${s.title} | ${escapeCell(s.version ?? '')} | ${thousands(s.samplesPerSecond)} | ${queryable} | ${fixed(s.peakRssMb, 0)} (${fixed(s.peakRssAtLastAckMb, 0)}) | ${fixed(s.bytesPerSample, 2)} (${fixed(s.apparentBytesPerSample, 2)}) | ${s.errorRequests}${formatStatuses(s.errorsByStatus)} |`,
    );
  }

  if (results.some((r) => r.repetition > 1)) {
    lines.push('', 'Runs:', '', '| system | run | samples/s | s until queryable | peak RSS MB | bytes/sample | failed requests |', '|---|---:|---:|---:|---:|---:|---:|');
    for (const r of results) {
      if (r.status !== 'ok') {
        lines.push(`| ${r.title} | ${r.repetition} | ${r.status}: ${escapeCell(r.reason ?? '')} | | | | |`);
        continue;
      }
      lines.push(
        `| ${r.title} | ${r.repetition} | ${thousands(r.ingest!.samplesPerSecond)} | ${r.queryable!.complete ? fixed(r.queryable!.seconds, 2) : 'incomplete'} | ${fixed((r.peakRssBytes ?? 0) / 1048576, 0)} | ${fixed(r.disk!.bytesPerSample, 2)} | ${r.ingest!.errorRequests} |`,
      );
    }
  }

  const ratios = vigilRatios(summaries);
  lines.push('');
  if (ratios === undefined) {
    lines.push('Vigil/VictoriaMetrics ratios: not available (both need a successful run).');
  } else {
    const check = (ok: boolean | undefined): string => (ok === undefined ? '?' : ok ? 'met' : 'NOT met');
    lines.push(
      '| Vigil / VictoriaMetrics | ratio | target | |',
      '|---|---:|---|---|',
      `| ingest rate | ${fixed(ratios.ingestRate, 2)} | ≥ 1.0 | ${check(ratios.ingestRate === undefined ? undefined : ratios.ingestRate >= 1)} |`,
      `| bytes per sample | ${fixed(ratios.bytesPerSample, 2)} | ≤ 1.0 | ${check(ratios.bytesPerSample === undefined ? undefined : ratios.bytesPerSample <= 1)} |`,
      `| peak RSS (whole run) | ${fixed(ratios.peakRss, 2)} | ≤ 1.0 | ${check(ratios.peakRss === undefined ? undefined : ratios.peakRss <= 1)} |`,
      `| peak RSS at last ack | ${fixed(ratios.peakRssAtLastAck, 2)} | (≤ 1.0) | ${check(ratios.peakRssAtLastAck === undefined ? undefined : ratios.peakRssAtLastAck <= 1)} |`,
      `| Vigil: s until queryable | ${fixed(ratios.vigilQueryableSeconds, 2)} | ≤ 5 s | ${check(ratios.vigilQueryableSeconds === undefined ? false : ratios.vigilQueryableSeconds <= 5)} |`,
    );
  }

  lines.push('', 'Notes:');
  for (const s of summaries) {
    if (s.status === 'ok') lines.push(`- ${s.title}: disk ${s.diskNote}.`);
  }
  lines.push(
    '- samples/s to ack: acknowledged samples / (last 2xx − first byte sent). Failed requests are not retried.',
    '- s until queryable: last ack → start of the first probe that returned every series and sample (the probe time says how long that answer took).',
    '- peak RSS: VmHWM of the server process over the whole run (in brackets: at the last ack, before probes and flush).',
    '- bytes/sample: allocated disk blocks of the data directory / acknowledged samples (in brackets: apparent file sizes).',
  );
  return lines.join('\n');
}

function formatStatuses(byStatus: Record<string, number> | undefined): string {
  const entries = Object.entries(byStatus ?? {});
  return entries.length === 0 ? '' : ` (${entries.map(([k, v]) => `${k}: ${v}`).join(', ')})`;
}

function fixed(value: number | undefined, digits: number): string {
  return value === undefined ? '–' : value.toFixed(digits);
}

function thousands(value: number | undefined): string {
  return value === undefined ? '–' : Math.round(value).toLocaleString('en-US');
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ').slice(0, 200);
}
