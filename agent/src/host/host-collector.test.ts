import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SampleSet } from '../metrics/sample-set.js';
import type { Sample } from '../types.js';
import { collectHost, HOST_COLLECTOR_NAMES } from './host-collector.js';

const FIXTURE_ROOT = fileURLToPath(new URL('../../testdata/host', import.meta.url));

async function collectFixture(): Promise<Sample[]> {
  const set = new SampleSet(1000);
  const errors: unknown[] = [];
  await collectHost(
    set,
    {
      root: FIXTURE_ROOT,
      overrides: { statfs: async () => ({ bsize: 4096, blocks: 1000, bfree: 600, bavail: 500, files: 100, ffree: 90 }) },
    },
    (e) => errors.push(e),
  );
  expect(errors).toEqual([]);
  return set.samples;
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('collectHost on a fixture /proc and /sys tree', () => {
  it.each([
    ['node_cpu_seconds_total', { cpu: '0', mode: 'user' }, 1.5],
    ['node_cpu_seconds_total', { cpu: '1', mode: 'idle' }, 25],
    ['node_cpu_seconds_total', { cpu: '1', mode: 'steal' }, 0.01],
    ['node_cpu_guest_seconds_total', { cpu: '1', mode: 'user' }, 0.07],
    ['node_boot_time_seconds', {}, 1795321156],
    ['node_context_switches_total', {}, 11521396],
    ['node_forks_total', {}, 47037],
    ['node_intr_total', {}, 4018908],
    ['node_procs_running', {}, 5],
    ['node_procs_blocked', {}, 1],
    ['node_memory_MemTotal_bytes', {}, 24684084 * 1024],
    ['node_memory_Active_anon_bytes', {}, 123456 * 1024],
    ['node_memory_HugePages_Total', {}, 0],
    ['node_memory_Hugepagesize_bytes', {}, 2048 * 1024],
    ['node_load1', {}, 0.42],
    ['node_load5', {}, 1.5],
    ['node_load15', {}, 3.09],
    ['node_disk_read_bytes_total', { device: 'vda' }, 7858394 * 512],
    ['node_disk_written_bytes_total', { device: 'vda' }, 27807192 * 512],
    ['node_disk_io_time_seconds_total', { device: 'vda' }, 93.5],
    ['node_disk_flush_requests_total', { device: 'vda' }, 45472],
    ['node_disk_io_time_seconds_total', { device: 'sda' }, 0.09],
    ['node_network_receive_bytes_total', { device: 'eth0' }, 531958174],
    ['node_network_transmit_bytes_total', { device: 'eth0' }, 12345678],
    ['node_network_receive_errs_total', { device: 'eth0' }, 3],
    ['node_network_transmit_errs_total', { device: 'eth0' }, 5],
    ['node_network_transmit_drop_total', { device: 'eth0' }, 6],
    ['node_network_up', { device: 'eth0' }, 1],
    ['node_network_up', { device: 'lo' }, 0],
    ['node_network_mtu_bytes', { device: 'eth0' }, 1500],
    ['node_network_speed_bytes', { device: 'eth0' }, 125_000_000],
    ['node_filefd_allocated', {}, 1261],
    ['node_filefd_maximum', {}, 2466170],
    ['node_filesystem_size_bytes', { device: '/dev/vda1', fstype: 'ext4', mountpoint: '/' }, 4096 * 1000],
    ['node_filesystem_free_bytes', { mountpoint: '/' }, 4096 * 600],
    ['node_filesystem_avail_bytes', { mountpoint: '/' }, 4096 * 500],
    ['node_filesystem_readonly', { mountpoint: '/srv/my data' }, 1],
    ['node_uname_info', { nodename: 'web-1', release: '6.1.0-18-amd64', machine: 'x86_64', sysname: 'Linux' }, 1],
  ])('reports %s%o as %d', async (name, labels, expected) => {
    expect(value(await collectFixture(), name, labels)).toBeCloseTo(expected, 6);
  });

  it('skips what node_exporter skips by default: partitions, loop devices, lo, pseudo and /run filesystems', async () => {
    const samples = await collectFixture();
    const devices = new Set(samples.filter((s) => s.name.startsWith('node_disk_')).map((s) => s.labels.device));
    expect([...devices].sort()).toEqual(['sda', 'vda']);
    expect(value(samples, 'node_network_receive_bytes_total', { device: 'lo' })).toBeUndefined();
    const mounts = new Set(samples.filter((s) => s.name === 'node_filesystem_size_bytes').map((s) => s.labels.mountpoint));
    expect([...mounts].sort()).toEqual(['/', '/srv/my data']);
  });

  it('reports only the fields an older kernel has in /proc/diskstats', async () => {
    const samples = await collectFixture();
    expect(value(samples, 'node_disk_discards_completed_total', { device: 'sda' })).toBeUndefined();
  });

  it('reports a failing collector as vigil_agent_collector_success 0 and keeps the others', async () => {
    const set = new SampleSet(0);
    const errors: unknown[] = [];
    await collectHost(set, { root: '/nonexistent-root' }, (e) => errors.push(e));
    expect(value(set.samples, 'vigil_agent_collector_success', { collector: 'stat' })).toBe(0);
    expect(errors.length).toBeGreaterThan(0);
    expect(String(errors[0])).toMatch(/host collector "stat" failed/);
  });

  it('reads every collector from the real machine', async () => {
    const set = new SampleSet(Date.now());
    const errors: unknown[] = [];
    await collectHost(set, {}, (e) => errors.push(e));
    expect(errors).toEqual([]);
    for (const c of HOST_COLLECTOR_NAMES) expect(value(set.samples, 'vigil_agent_collector_success', { collector: c })).toBe(1);
    expect(value(set.samples, 'node_memory_MemTotal_bytes')).toBeGreaterThan(0);
    expect(value(set.samples, 'node_cpu_seconds_total', { cpu: '0', mode: 'idle' })).toBeGreaterThan(0);
  });
});
