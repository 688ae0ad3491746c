import { readFileSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProbeKind, RunningPeer } from './peers/types.js';
import { sleep } from './peers/process.js';
import { countSamples, countSeries, isProbeUnsupportedError, type ProbeScope } from './probes.js';

/**
 * The measurements of one run that are not about sending: memory, disk and visibility.
 */

/** Memory figures of a process, in bytes, read from `/proc/<pid>/status`. */
export interface MemorySnapshot {
  /** `VmHWM`: the peak resident set size since the process started. */
  peakRssBytes: number;
  /** `VmRSS`: the resident set size now. */
  rssBytes: number;
}

/**
 * Reads `VmHWM` and `VmRSS` of `pid`. Returns undefined once the process is gone.
 */
export function readMemory(pid: number): MemorySnapshot | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (key: string): number => {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
    return match === null ? 0 : Number(match[1]) * 1024;
  };
  return { peakRssBytes: kib('VmHWM'), rssBytes: kib('VmRSS') };
}

/**
 * Samples the memory of `pid` every `intervalMs` until stopped, keeping the largest `VmHWM` seen,
 * so that the peak survives even if the process dies before the end of the run.
 */
export function createMemorySampler(pid: number, intervalMs = 250): { peakRssBytes(): number; stop(): number } {
  let peak = 0;
  const sample = (): void => {
    const snapshot = readMemory(pid);
    if (snapshot !== undefined) peak = Math.max(peak, snapshot.peakRssBytes);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    peakRssBytes: () => {
      sample();
      return peak;
    },
    stop: () => {
      sample();
      clearInterval(timer);
      return peak;
    },
  };
}

/** User + system CPU seconds of a process and all its threads, or undefined once it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** `getconf CLK_TCK`: 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Size of a directory tree. */
export interface DirectorySize {
  /** Bytes of disk blocks allocated (what `du -s --block-size=1` reports). */
  allocatedBytes: number;
  /** Sum of file sizes (what `du -s -b` reports). */
  apparentBytes: number;
  files: number;
}

/** Walks `dir` (without following symbolic links) and adds up its files. */
export async function measureDirectory(dir: string): Promise<DirectorySize> {
  const total: DirectorySize = { allocatedBytes: 0, apparentBytes: 0, files: 0 };
  const walk = async (path: string): Promise<void> => {
    let entries: string[];
    try {
      entries = await readdir(path);
    } catch {
      return; // Removed while walking (a merge or compaction finished): skip it.
    }
    for (const name of entries) {
      const child = join(path, name);
      try {
        const stats = await lstat(child);
        if (stats.isDirectory()) {
          await walk(child);
        } else {
          total.allocatedBytes += stats.blocks * 512;
          total.apparentBytes += stats.size;
          total.files++;
        }
      } catch {
        // Same as above: a file that vanished between readdir and lstat.
      }
    }
  };
  await walk(dir);
  return total;
}

/** Options of {@link measureSettledDirectory}. */
export interface SettleOptions {
  /** The size must stay the same for this long, in milliseconds. @default 2000 */
  stableForMs?: number;
  /** Give up waiting (and report the last size) after this long, in milliseconds. @default 30 000 */
  maxWaitMs?: number;
  /** Pause between two measurements, in milliseconds. @default 500 */
  pollMs?: number;
}

/**
 * Measures `dir` until its allocated size has not changed for `stableForMs`. Systems finish
 * writing after their flush call returns (VictoriaMetrics 1.79 writes the part of its last rows
 * some time after `/internal/force_flush` answers), so a single reading can miss data.
 */
export async function measureSettledDirectory(
  dir: string,
  options: SettleOptions = {},
): Promise<DirectorySize & { settleSeconds: number; settled: boolean }> {
  const stableForMs = options.stableForMs ?? 2000;
  const maxWaitMs = options.maxWaitMs ?? 30_000;
  const pollMs = options.pollMs ?? 500;
  const started = performance.now();
  let last = await measureDirectory(dir);
  let stableSince = performance.now();
  while (performance.now() - stableSince < stableForMs) {
    if (performance.now() - started > maxWaitMs) {
      return { ...last, settleSeconds: (performance.now() - started) / 1000, settled: false };
    }
    await sleep(pollMs);
    const next = await measureDirectory(dir);
    if (next.allocatedBytes !== last.allocatedBytes || next.files !== last.files) stableSince = performance.now();
    last = next;
  }
  return { ...last, settleSeconds: (stableSince - started) / 1000, settled: true };
}

/** Options of {@link waitUntilQueryable}. */
export interface QueryableOptions {
  scope: ProbeScope;
  expectedSeries: number;
  expectedSamples: number;
  /** `performance.now()` at the last acknowledgement; times are measured from here. */
  lastAckAt: number;
  /** Give up after this many milliseconds after the last acknowledgement. */
  timeoutMs: number;
  /** Pause between two probes in milliseconds. @default 100 */
  pauseMs?: number;
}

/** When the acknowledged data became visible. */
export interface QueryableResult {
  /** Whether every expected series and sample was seen before the time limit. */
  complete: boolean;
  /**
   * From the last acknowledgement to the start of the first probe that saw everything, in seconds
   * (the data was queryable when that probe began). Undefined when never complete.
   */
  seconds: number | undefined;
  /** How long that probe took, in seconds (its answer arrived this much later). */
  probeSeconds: number | undefined;
  /** How samples were counted. */
  probe: ProbeKind | undefined;
  probes: number;
  seriesSeen: number;
  samplesSeen: number;
  /** The last probe failure, if the last probe failed. */
  lastError: string | undefined;
  /** What the probes saw: seconds after the last ack at the probe's start, series, samples. */
  history: Array<{ atSeconds: number; series: number; samples: number | null; error?: string }>;
}

/** Probes kept in {@link QueryableResult.history} (the first ones and the last one). */
const HISTORY_LIMIT = 30;

/**
 * Polls the peer until it returns every acknowledged series and sample. Series are counted first
 * (cheap); samples only once all series are there. The first probe kind in `peer.probes` that the
 * peer supports is used for the rest of the run.
 */
export async function waitUntilQueryable(peer: RunningPeer, options: QueryableOptions): Promise<QueryableResult> {
  const kinds = [...peer.probes];
  const result: QueryableResult = {
    complete: false,
    seconds: undefined,
    probeSeconds: undefined,
    probe: kinds[0],
    probes: 0,
    seriesSeen: 0,
    samplesSeen: 0,
    lastError: undefined,
    history: [],
  };
  const record = (entry: QueryableResult['history'][number]): void => {
    if (result.history.length >= HISTORY_LIMIT) result.history.pop();
    result.history.push(entry);
  };
  const deadline = options.lastAckAt + options.timeoutMs;
  while (performance.now() < deadline) {
    const probeStart = performance.now();
    const atSeconds = Math.round(probeStart - options.lastAckAt) / 1000;
    result.probes++;
    try {
      result.seriesSeen = await countSeries(peer, options.scope);
      let samples: number | null = null;
      if (result.seriesSeen >= options.expectedSeries) {
        const kind = kinds[0];
        if (kind === undefined) throw new Error(`${peer.title} offers no way to count samples`);
        result.probe = kind;
        samples = await countSamples(peer, options.scope, kind);
        result.samplesSeen = samples;
      }
      record({ atSeconds, series: result.seriesSeen, samples });
      if (samples !== null && samples >= options.expectedSamples) {
        result.complete = true;
        result.seconds = (probeStart - options.lastAckAt) / 1000;
        result.probeSeconds = (performance.now() - probeStart) / 1000;
        result.lastError = undefined;
        return result;
      }
      result.lastError = undefined;
    } catch (error) {
      result.lastError = error instanceof Error ? error.message : String(error);
      record({ atSeconds, series: result.seriesSeen, samples: null, error: result.lastError.slice(0, 300) });
      if (isProbeUnsupportedError(error)) {
        kinds.shift();
        // No other way to count: waiting longer would not change the answer.
        if (kinds.length === 0) break;
        result.lastError = `${error.message}; falling back to ${kinds[0]}`;
        continue;
      }
      if (!peer.process.isRunning()) break;
    }
    await sleep(options.pauseMs ?? 100);
  }
  return result;
}
