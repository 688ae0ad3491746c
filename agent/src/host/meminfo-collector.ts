import { readFile } from 'node:fs/promises';
import { type HostContext, procPath } from './host-context.js';

/**
 * Reads `/proc/meminfo` into `node_memory_<Field>_bytes` gauges exactly as node_exporter names
 * them: `Active(anon)` becomes `Active_anon`, kB values are multiplied by 1024 and get `_bytes`,
 * unit-less fields (`HugePages_Total`) keep their bare name.
 */
export async function collectMeminfo(ctx: HostContext): Promise<void> {
  const text = await readFile(procPath(ctx.root, 'meminfo'), 'utf8');
  for (const line of text.split('\n')) {
    const m = /^([^:]+):\s+(\d+)(?:\s+(kB))?/.exec(line);
    if (!m) continue;
    const key = m[1]!.replace('(', '_').replace(')', '');
    const value = m[3] ? Number(m[2]) * 1024 : Number(m[2]);
    const name = m[3] ? `node_memory_${key}_bytes` : `node_memory_${key}`;
    ctx.set.add(name, 'gauge', `Memory information field ${m[3] ? `${key}_bytes` : key}.`, {}, value);
  }
}
