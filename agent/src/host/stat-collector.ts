import { readFile } from 'node:fs/promises';
import { type HostContext, procPath } from './host-context.js';

/**
 * The kernel's USER_HZ: `/proc/stat` counts CPU time in 1/100 s on every Linux architecture
 * node_exporter supports (it hard-codes the same value).
 */
export const USER_HZ = 100;

const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

/**
 * Reads `/proc/stat`: `node_cpu_seconds_total{cpu,mode}`, `node_cpu_guest_seconds_total`,
 * `node_boot_time_seconds`, `node_context_switches_total`, `node_forks_total`, `node_intr_total`,
 * `node_procs_running` and `node_procs_blocked` (node_exporter's `cpu` and `stat` collectors).
 */
export async function collectStat(ctx: HostContext): Promise<void> {
  const text = await readFile(procPath(ctx.root, 'stat'), 'utf8');
  const { set } = ctx;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    const key = f[0];
    if (!key) continue;
    if (key.startsWith('cpu') && key !== 'cpu') {
      const cpu = key.slice(3);
      CPU_MODES.forEach((mode, i) => {
        const v = Number(f[i + 1] ?? 0);
        set.add('node_cpu_seconds_total', 'counter', 'Seconds the CPUs spent in each mode.', { cpu, mode }, v / USER_HZ);
      });
      const help = 'Seconds the CPUs spent in guests (VMs) for each mode.';
      set.add('node_cpu_guest_seconds_total', 'counter', help, { cpu, mode: 'user' }, Number(f[9] ?? 0) / USER_HZ);
      set.add('node_cpu_guest_seconds_total', 'counter', help, { cpu, mode: 'nice' }, Number(f[10] ?? 0) / USER_HZ);
      continue;
    }
    const v = Number(f[1]);
    switch (key) {
      case 'btime':
        set.add('node_boot_time_seconds', 'gauge', 'Node boot time, in unixtime.', {}, v);
        break;
      case 'ctxt':
        set.add('node_context_switches_total', 'counter', 'Total number of context switches.', {}, v);
        break;
      case 'processes':
        set.add('node_forks_total', 'counter', 'Total number of forks.', {}, v);
        break;
      case 'intr':
        set.add('node_intr_total', 'counter', 'Total number of interrupts serviced.', {}, v);
        break;
      case 'procs_running':
        set.add('node_procs_running', 'gauge', 'Number of processes in runnable state.', {}, v);
        break;
      case 'procs_blocked':
        set.add('node_procs_blocked', 'gauge', 'Number of processes blocked waiting for I/O to complete.', {}, v);
        break;
    }
  }
}
