import { readFileSync } from 'node:fs';

/**
 * The `q`-quantile (0..1) of `values` by the nearest-rank method; `NaN` for an empty list.
 * Does not mutate `values`.
 *
 * @example
 * quantile([5, 1, 3], 0.5) // 3
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** The resident set size of process `pid` (`VmRSS` of `/proc/<pid>/status`), in bytes; undefined once it is gone. */
export function readRssBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** One RSS sample: when (epoch milliseconds) and how much (bytes). */
export interface RssSample {
  atMs: number;
  bytes: number;
}

/**
 * Samples a process's RSS every `intervalMs` until {@link stop}. Samples are kept in memory (one
 * every 10 s over 24 h is under 9,000).
 */
export class RssSampler {
  readonly samples: RssSample[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: () => number | undefined,
    intervalMs: number,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Stops sampling (takes one last sample first). */
  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }

  private sample(): void {
    const pid = this.pid();
    const bytes = pid === undefined ? undefined : readRssBytes(pid);
    if (bytes !== undefined) this.samples.push({ atMs: Date.now(), bytes });
  }
}

/** A least-squares line through RSS samples. */
export interface RssTrend {
  /** Growth, MiB per hour (negative when shrinking). */
  slopeMiBPerHour: number;
  /** Mean, smallest and largest RSS of the samples used, MiB. */
  meanMiB: number;
  minMiB: number;
  maxMiB: number;
  /** Samples used and the time they span, ms. */
  samples: number;
  spanMs: number;
}

/**
 * Fits a line through the samples taken after `skipMs` from the first one (the warm-up: caches,
 * the head filling up to its first compaction), and returns its slope and the spread.
 */
export function rssTrend(samples: readonly RssSample[], skipMs: number): RssTrend {
  const t0 = samples[0]?.atMs ?? 0;
  const used = samples.filter((s) => s.atMs - t0 >= skipMs);
  const MiB = 1024 * 1024;
  const n = used.length;
  if (n < 2) return { slopeMiBPerHour: Number.NaN, meanMiB: Number.NaN, minMiB: Number.NaN, maxMiB: Number.NaN, samples: n, spanMs: 0 };
  const xs = used.map((s) => (s.atMs - t0) / 3_600_000);
  const ys = used.map((s) => s.bytes / MiB);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  return {
    slopeMiBPerHour: sxx === 0 ? 0 : sxy / sxx,
    meanMiB: my,
    minMiB: Math.min(...ys),
    maxMiB: Math.max(...ys),
    samples: n,
    spanMs: used[n - 1]!.atMs - used[0]!.atMs,
  };
}

/** Rounds to `digits` decimals, for reports. */
export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * CPU time process `pid` has used (user + system, `/proc/<pid>/stat` fields 14 and 15), in
 * milliseconds; undefined once it is gone. Assumes the usual 100 clock ticks per second.
 */
export function readCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Where a process's memory is, MiB, at one moment (minutes since the first sample). */
export interface MemoryBreakdown {
  atMin: number;
  rssMiB: number;
  anonMiB: number;
  fileMiB: number;
  /** DuckDB's buffer manager (`vigil_storage_duckdb_memory_bytes`, all tags). */
  duckdbMiB?: number;
  /** The V8 heap in use (`vigil_nodejs_heap_size_used_bytes`). */
  jsHeapMiB?: number;
}

/** Sums every sample of `metric` in a Prometheus text exposition; undefined when there is none. */
export function sumMetric(exposition: string, metric: string): number | undefined {
  let sum: number | undefined;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(metric) || (line[metric.length] !== ' ' && line[metric.length] !== '{')) continue;
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(v)) sum = (sum ?? 0) + v;
  }
  return sum;
}

/**
 * Where the RSS is: `RssAnon`/`RssFile` of `/proc/<pid>/status` beside what the server's `/metrics`
 * says DuckDB and V8 hold (fetched with `readMetrics`). An RSS growth that DuckDB's and V8's own
 * figures do not show is the C allocator's (fragmentation) or allocations DuckDB does not track.
 */
export async function memoryBreakdown(pid: number, startMs: number, readMetrics: () => Promise<string>): Promise<MemoryBreakdown | undefined> {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)\\s+kB$`, 'm').exec(status)?.[1] ?? Number.NaN) / 1024;
  const out: MemoryBreakdown = {
    atMin: round((Date.now() - startMs) / 60_000, 1),
    rssMiB: round(kib('VmRSS')),
    anonMiB: round(kib('RssAnon')),
    fileMiB: round(kib('RssFile')),
  };
  try {
    const text = await readMetrics();
    const duckdb = sumMetric(text, 'vigil_storage_duckdb_memory_bytes');
    const heap = sumMetric(text, 'vigil_nodejs_heap_size_used_bytes');
    if (duckdb !== undefined) out.duckdbMiB = round(duckdb / 1048576);
    if (heap !== undefined) out.jsHeapMiB = round(heap / 1048576);
  } catch {
    // /metrics unavailable for a moment: the /proc figures still count.
  }
  return out;
}
