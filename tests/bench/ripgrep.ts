import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { NEEDLE_FIXED, NEEDLE_REGEX_I } from './logs-workload.js';
import type { BaselineName } from './logs-queries.js';

/**
 * The "physical limit for a full scan" of issue 4: Debian's ripgrep counting matches (`-c`) in the
 * raw file of the logs workload (every line, time order, `\n`-separated), file in the page cache
 * (one untimed warm-up run first). Timed from spawn to exit, as `time rg …` would report it.
 */

/** The ripgrep runs and what they stand for. */
export const RIPGREP_SEARCHES: ReadonlyArray<{ name: BaselineName; args: string[]; description: string }> = [
  { name: 'fixed', args: ['-F', NEEDLE_FIXED], description: `fixed string: rg -F -c '${NEEDLE_FIXED}'` },
  { name: 'regex', args: ['"status":5[0-9][0-9]'], description: `regex: rg -c '"status":5[0-9][0-9]'` },
  { name: 'ignore-case', args: ['-i', NEEDLE_REGEX_I], description: `case-insensitive: rg -i -c '${NEEDLE_REGEX_I}'` },
];

/** One baseline's outcome. */
export interface RipgrepResult {
  name: BaselineName;
  description: string;
  /** Matching lines counted by rg. */
  matches: number;
  timingsMs: number[];
  medianMs: number;
  p90Ms: number;
  /** Fastest run: on the shared machine the least disturbed one. */
  minMs: number;
  /** File bytes / median time. */
  megabytesPerSecond: number;
}

export const DEFAULT_RG = '/usr/bin/rg';

/** Why ripgrep cannot run, or undefined. */
export function ripgrepUnavailable(bin: string): string | undefined {
  return existsSync(bin) ? undefined : `${bin} is missing (apt-get install -y ripgrep)`;
}

/** `rg --version`'s first line. */
export function ripgrepVersion(bin: string): string {
  return spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? 'unknown';
}

/**
 * Runs each search once untimed, then `runs` times, and reports medians.
 *
 * @throws when rg fails (exit code other than 0 or 1).
 */
export function runRipgrep(bin: string, file: string, fileBytes: number, runs: number): RipgrepResult[] {
  return RIPGREP_SEARCHES.map(({ name, args, description }) => {
    const argv = ['--no-config', '-c', ...args, file];
    let matches = 0;
    const once = (): number => {
      const started = performance.now();
      const result = spawnSync(bin, argv, { encoding: 'utf8', env: { ...process.env, RIPGREP_CONFIG_PATH: '' } });
      const ms = performance.now() - started;
      if (result.status !== 0 && result.status !== 1) throw new Error(`${bin} ${argv.join(' ')}: exit ${result.status}: ${result.stderr}`);
      matches = result.status === 1 ? 0 : Number(result.stdout.trim());
      return ms;
    };
    once();
    const timingsMs = Array.from({ length: runs }, once);
    const medianMs = median(timingsMs);
    return { name, description, matches, timingsMs, medianMs, p90Ms: p90(timingsMs), minMs: Math.min(...timingsMs), megabytesPerSecond: fileBytes / 1e6 / (medianMs / 1000) };
  });
}

/** Median (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank 90th percentile. */
export function p90(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(0.9 * sorted.length) - 1)]!;
}
