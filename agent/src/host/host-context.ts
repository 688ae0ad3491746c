import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SampleSet } from '../metrics/sample-set.js';

/**
 * What every host collector receives: where `/proc` and `/sys` live, where to put its samples and
 * the options of the host collectors.
 */
export interface HostContext {
  /** The root the host is mounted at (`/` normally, a fixture tree in tests). */
  root: string;
  /** Receives the samples. */
  set: SampleSet;
  options: HostCollectorOptions;
}

/** Options of the host collectors; their defaults are Debian's node_exporter 1.5 defaults. */
export interface HostCollectorOptions {
  /** Mount points not reported by the filesystem collector. */
  mountPointsExclude: RegExp;
  /** Filesystem types not reported by the filesystem collector. */
  fsTypesExclude: RegExp;
  /** Block devices not reported by the diskstats collector (partitions by default). */
  diskDevicesExclude: RegExp;
  /** Network devices not reported by the netdev collector. */
  netDevicesExclude: RegExp;
  /** `fs.statfs`, replaceable so fixture tests get stable sizes. */
  statfs: (path: string) => Promise<StatfsResult>;
}

/** The fields of `fs.statfs` the filesystem collector uses (numbers in blocks of `bsize` bytes). */
export interface StatfsResult {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
}

/** A host collector: reads one part of `/proc` or `/sys` and adds samples; throws on failure. */
export type HostCollector = (ctx: HostContext) => Promise<void>;

/** `<root>/proc/<rel>`. */
export function procPath(root: string, rel: string): string {
  return join(root, 'proc', rel);
}

/** `<root>/sys/<rel>`. */
export function sysPath(root: string, rel: string): string {
  return join(root, 'sys', rel);
}

/** Reads a text file, or returns undefined when it does not exist (the kernel lacks the feature). */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
