import { statfs } from 'node:fs/promises';
import type { SampleSet } from '../metrics/sample-set.js';
import { collectDiskstats } from './diskstats-collector.js';
import { collectFilefd } from './filefd-collector.js';
import { collectFilesystem } from './filesystem-collector.js';
import type { HostCollector, HostCollectorOptions } from './host-context.js';
import { collectLoadavg } from './loadavg-collector.js';
import { collectMeminfo } from './meminfo-collector.js';
import { collectNetclass } from './netclass-collector.js';
import { collectNetdev } from './netdev-collector.js';
import { collectStat } from './stat-collector.js';
import { collectUname } from './uname-collector.js';

/** The host collectors by name, in the order they run. */
export const HOST_COLLECTORS = {
  stat: collectStat,
  meminfo: collectMeminfo,
  loadavg: collectLoadavg,
  filesystem: collectFilesystem,
  diskstats: collectDiskstats,
  netdev: collectNetdev,
  netclass: collectNetclass,
  uname: collectUname,
  filefd: collectFilefd,
} as const satisfies Record<string, HostCollector>;

/** The name of one host collector. */
export type HostCollectorName = keyof typeof HOST_COLLECTORS;

/** Every host collector name, for config validation. */
export const HOST_COLLECTOR_NAMES = Object.keys(HOST_COLLECTORS) as HostCollectorName[];

/** The defaults of Debian's `prometheus-node-exporter` 1.5, so both report the same series. */
export const DEFAULT_HOST_COLLECTOR_OPTIONS: HostCollectorOptions = {
  mountPointsExclude: /^\/(dev|proc|run|sys|mnt|media|var\/lib\/docker\/.+|var\/lib\/containers\/storage\/.+)($|\/)/,
  fsTypesExclude:
    /^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$/,
  diskDevicesExclude: /^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$/,
  netDevicesExclude: /^lo$/,
  statfs: (path) => statfs(path),
};

/** Options of {@link collectHost}. */
export interface HostMetricsOptions {
  /** Where `/proc` and `/sys` are found. @default '/' */
  root?: string;
  /** Which collectors run. @default all of {@link HOST_COLLECTOR_NAMES} */
  collectors?: readonly HostCollectorName[];
  /** Overrides of {@link DEFAULT_HOST_COLLECTOR_OPTIONS}. */
  overrides?: Partial<HostCollectorOptions>;
}

/**
 * Runs the host collectors into `set`. A failing collector never stops the others: it reports
 * `vigil_agent_collector_success{collector} 0` and its error goes to `onError`.
 *
 * @example
 * const set = new SampleSet(Date.now());
 * await collectHost(set, { root: '/' }, console.error);
 */
export async function collectHost(
  set: SampleSet,
  options: HostMetricsOptions,
  onError: (err: unknown) => void,
): Promise<void> {
  const ctx = {
    root: options.root ?? '/',
    set,
    options: { ...DEFAULT_HOST_COLLECTOR_OPTIONS, ...options.overrides },
  };
  for (const name of options.collectors ?? HOST_COLLECTOR_NAMES) {
    let ok = 1;
    try {
      await HOST_COLLECTORS[name](ctx);
    } catch (err) {
      ok = 0;
      onError(new Error(`host collector "${name}" failed: ${(err as Error).message}`, { cause: err }));
    }
    set.add('vigil_agent_collector_success', 'gauge', 'Whether a host collector succeeded.', { collector: name }, ok);
  }
}
