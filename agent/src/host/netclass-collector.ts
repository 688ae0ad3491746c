import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type HostContext, readOptional, sysPath } from './host-context.js';

/**
 * Reads `/sys/class/net/<device>/` into `node_network_up` (operstate is `up`),
 * `node_network_mtu_bytes`, `node_network_transmit_queue_length` and, where the driver reports a
 * speed, `node_network_speed_bytes` (node_exporter's `netclass` collector, all devices).
 */
export async function collectNetclass(ctx: HostContext): Promise<void> {
  const dir = sysPath(ctx.root, 'class/net');
  let devices: string[];
  try {
    devices = (await readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const device of devices) {
    // Some attributes answer EINVAL while the link is down; such a value is simply absent.
    const read = async (attr: string): Promise<string | undefined> => {
      try {
        return (await readOptional(join(dir, device, attr)))?.trim();
      } catch {
        return undefined;
      }
    };
    const operstate = await read('operstate');
    if (operstate === undefined) continue;
    const labels = { device };
    ctx.set.add('node_network_up', 'gauge', "Value is 1 if operstate is 'up', 0 otherwise.", labels, operstate === 'up' ? 1 : 0);
    const mtu = await read('mtu');
    if (mtu !== undefined) ctx.set.add('node_network_mtu_bytes', 'gauge', 'Network device property: mtu_bytes', labels, Number(mtu));
    const txq = await read('tx_queue_len');
    if (txq !== undefined) {
      ctx.set.add('node_network_transmit_queue_length', 'gauge', 'Network device property: transmit_queue_length', labels, Number(txq));
    }
    const speed = Number(await read('speed'));
    // Mb/s → bytes/s; virtual devices report -1 or nothing.
    if (Number.isFinite(speed) && speed >= 0) {
      ctx.set.add('node_network_speed_bytes', 'gauge', 'Network device property: speed_bytes', labels, speed * 125_000);
    }
  }
}
