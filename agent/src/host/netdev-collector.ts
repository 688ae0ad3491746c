import { readFile } from 'node:fs/promises';
import { type HostContext, procPath } from './host-context.js';

const RECEIVE = ['bytes', 'packets', 'errs', 'drop', 'fifo', 'frame', 'compressed', 'multicast'] as const;
const TRANSMIT = ['bytes', 'packets', 'errs', 'drop', 'fifo', 'colls', 'carrier', 'compressed'] as const;

/**
 * Reads `/proc/net/dev` into `node_network_{receive,transmit}_<field>_total{device}` counters,
 * skipping devices that match `netDevicesExclude` (`lo` by default, as Debian's node_exporter).
 */
export async function collectNetdev(ctx: HostContext): Promise<void> {
  const text = await readFile(procPath(ctx.root, 'net/dev'), 'utf8');
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const device = line.slice(0, colon).trim();
    if (ctx.options.netDevicesExclude.test(device)) continue;
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    RECEIVE.forEach((field, i) => {
      const help = `Network device statistic receive_${field}.`;
      ctx.set.add(`node_network_receive_${field}_total`, 'counter', help, { device }, f[i] ?? 0);
    });
    TRANSMIT.forEach((field, i) => {
      const help = `Network device statistic transmit_${field}.`;
      ctx.set.add(`node_network_transmit_${field}_total`, 'counter', help, { device }, f[i + 8] ?? 0);
    });
  }
}
