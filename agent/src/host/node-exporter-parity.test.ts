import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SampleSet } from '../metrics/sample-set.js';
import { formatLabels } from '../metrics/text-format.js';
import { parseExposition } from '../scrape/exposition-parser.js';
import { httpGet } from '../scrape/http-get.js';
import type { Sample } from '../types.js';
import { collectHost } from './host-collector.js';

const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const COLLECTORS = ['cpu', 'stat', 'meminfo', 'loadavg', 'filesystem', 'diskstats', 'netdev', 'netclass', 'uname', 'filefd'];

/** Names whose value cannot change between two reads: they must match exactly. */
const STABLE = new Set([
  'node_memory_MemTotal_bytes',
  'node_memory_SwapTotal_bytes',
  'node_memory_Hugepagesize_bytes',
  'node_boot_time_seconds',
  'node_filesystem_size_bytes',
  'node_filesystem_files',
  'node_filesystem_readonly',
  'node_uname_info',
  'node_filefd_maximum',
  'node_network_mtu_bytes',
  'node_network_up',
  'node_network_speed_bytes',
]);

/**
 * Allowed distance outside the band [min, max] of the agent's two reads taken before and after
 * node_exporter's, for values that move on their own: the processes under test allocate memory,
 * open files and run, so node_exporter sees a slightly different machine than either agent read.
 */
function slack(name: string, magnitude: number): number {
  if (name === 'node_procs_running' || name === 'node_procs_blocked') return 10;
  if (name === 'node_filefd_allocated') return 500;
  if (name.startsWith('node_load')) return 1;
  if (name.startsWith('node_memory_')) return 256 * 1024 * 1024;
  if (name.startsWith('node_filesystem_')) return 0.01 * magnitude + 64 * 1024 * 1024;
  return 0.01 * magnitude + 1024 * 1024;
}

const key = (name: string, labels: Record<string, string>): string => name + formatLabels(labels);

function index(samples: readonly { name: string; labels: Record<string, string>; value: number }[]): Map<string, number> {
  return new Map(samples.map((s) => [key(s.name, s.labels), s.value]));
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function collect(): Promise<Sample[]> {
  const set = new SampleSet(Date.now());
  await collectHost(set, {}, () => {});
  return set.samples.filter((s) => s.name.startsWith('node_'));
}

describe.skipIf(!existsSync(NODE_EXPORTER))('host metrics beside Debian prometheus-node-exporter', () => {
  let child: ChildProcess | undefined;
  let url = '';

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}/metrics`;
    const args = [`--web.listen-address=127.0.0.1:${port}`, '--collector.disable-defaults', ...COLLECTORS.map((c) => `--collector.${c}`)];
    child = spawn(NODE_EXPORTER, args, { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      try {
        if ((await httpGet(url, {}, 500)).status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('node_exporter did not start');
  });

  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('reports the same series with the same values for every metric name both expose', async () => {
    const before = index(await collect());
    const res = await httpGet(url, { 'Accept-Encoding': 'gzip' }, 5000);
    const after = index(await collect());
    const theirs = parseExposition(res.body.toString('utf8'), 'text').samples.filter((s) => s.name.startsWith('node_'));
    const ourNames = new Set([...before.keys()].map((k) => k.replace(/\{.*$/, '')));
    const shared = theirs.filter((s) => ourNames.has(s.name));

    const problems: string[] = [];
    for (const s of shared) {
      const k = key(s.name, s.labels);
      const a = before.get(k);
      const b = after.get(k);
      if (a === undefined || b === undefined) {
        problems.push(`missing in agent: ${k}`);
        continue;
      }
      if (STABLE.has(s.name)) {
        if (s.value !== a) problems.push(`${k}: node_exporter ${s.value}, agent ${a}`);
        continue;
      }
      const lo = Math.min(a, b);
      const hi = Math.max(a, b);
      const tol = slack(s.name, Math.abs(hi));
      if (s.value < lo - tol || s.value > hi + tol) problems.push(`${k}: node_exporter ${s.value}, agent ${a}..${b}`);
    }
    const theirKeys = new Set(shared.map((s) => key(s.name, s.labels)));
    for (const k of before.keys()) if (!theirKeys.has(k)) problems.push(`not in node_exporter: ${k}`);

    console.log(`node_exporter parity: ${shared.length} series over ${new Set(shared.map((s) => s.name)).size} metric names compared`);
    expect(problems).toEqual([]);
    for (const name of [
      'node_cpu_seconds_total',
      'node_memory_MemAvailable_bytes',
      'node_load1',
      'node_filesystem_avail_bytes',
      'node_disk_read_bytes_total',
      'node_disk_io_time_seconds_total',
      'node_network_receive_bytes_total',
      'node_network_transmit_errs_total',
      'node_boot_time_seconds',
      'node_uname_info',
      'node_procs_running',
      'node_filefd_allocated',
    ]) {
      expect(shared.some((s) => s.name === name), name).toBe(true);
    }
  });
});
