import { readFile } from 'node:fs/promises';
import { type HostContext, procPath } from './host-context.js';

/** Reads `/proc/loadavg` into `node_load1`, `node_load5` and `node_load15`. */
export async function collectLoadavg(ctx: HostContext): Promise<void> {
  const f = (await readFile(procPath(ctx.root, 'loadavg'), 'utf8')).trim().split(/\s+/);
  ctx.set.add('node_load1', 'gauge', '1m load average.', {}, Number(f[0]));
  ctx.set.add('node_load5', 'gauge', '5m load average.', {}, Number(f[1]));
  ctx.set.add('node_load15', 'gauge', '15m load average.', {}, Number(f[2]));
}
