import { readFile } from 'node:fs/promises';
import type { MetricType } from '../types.js';
import { type HostContext, procPath } from './host-context.js';

/** Bytes per sector in `/proc/diskstats`: always 512, whatever the device's real sector size. */
const SECTOR_BYTES = 512;

/** Field i of a diskstats line (after the device name) → node_exporter's name, type and scale. */
const FIELDS: readonly (readonly [string, MetricType, number, string])[] = [
  ['node_disk_reads_completed_total', 'counter', 1, 'The total number of reads completed successfully.'],
  ['node_disk_reads_merged_total', 'counter', 1, 'The total number of reads merged.'],
  ['node_disk_read_bytes_total', 'counter', SECTOR_BYTES, 'The total number of bytes read successfully.'],
  ['node_disk_read_time_seconds_total', 'counter', 0.001, 'The total number of seconds spent by all reads.'],
  ['node_disk_writes_completed_total', 'counter', 1, 'The total number of writes completed successfully.'],
  ['node_disk_writes_merged_total', 'counter', 1, 'The number of writes merged.'],
  ['node_disk_written_bytes_total', 'counter', SECTOR_BYTES, 'The total number of bytes written successfully.'],
  ['node_disk_write_time_seconds_total', 'counter', 0.001, 'This is the total number of seconds spent by all writes.'],
  ['node_disk_io_now', 'gauge', 1, 'The number of I/Os currently in progress.'],
  ['node_disk_io_time_seconds_total', 'counter', 0.001, 'Total seconds spent doing I/Os.'],
  ['node_disk_io_time_weighted_seconds_total', 'counter', 0.001, 'The weighted # of seconds spent doing I/Os.'],
  ['node_disk_discards_completed_total', 'counter', 1, 'The total number of discards completed successfully.'],
  ['node_disk_discards_merged_total', 'counter', 1, 'The total number of discards merged.'],
  ['node_disk_discarded_sectors_total', 'counter', 1, 'The total number of sectors discarded successfully.'],
  ['node_disk_discard_time_seconds_total', 'counter', 0.001, 'This is the total number of seconds spent by all discards.'],
  ['node_disk_flush_requests_total', 'counter', 1, 'The total number of flush requests completed successfully'],
  ['node_disk_flush_requests_time_seconds_total', 'counter', 0.001, 'This is the total number of seconds spent by all flush requests.'],
];

/**
 * Reads `/proc/diskstats` into `node_disk_*{device}` (read/written bytes, I/O time, ...), skipping
 * devices that match `diskDevicesExclude` (partitions, loop and ram devices by default). Older
 * kernels have fewer fields; only the present ones are reported.
 */
export async function collectDiskstats(ctx: HostContext): Promise<void> {
  const text = await readFile(procPath(ctx.root, 'diskstats'), 'utf8');
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    const device = f[2];
    if (!device || ctx.options.diskDevicesExclude.test(device)) continue;
    FIELDS.forEach(([name, type, scale, help], i) => {
      const raw = f[i + 3];
      if (raw === undefined) return;
      ctx.set.add(name, type, help, { device }, Number(raw) * scale);
    });
  }
}
