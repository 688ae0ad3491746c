import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binaryVersion } from './binary-version.js';
import { freePort, keepTempDir, makeTempDir, removeTempDir, startProcess, waitUntilReady } from './process.js';
import type { Peer, RunningPeer } from './types.js';

/** Options of {@link createPrometheusPeer}. */
export interface PrometheusPeerOptions {
  /** @default '/usr/bin/prometheus' */
  binary?: string;
  /** Leave the data directory behind after the run. @default false */
  keepData?: boolean;
}

/**
 * Prometheus (Debian package `prometheus`, 2.42 here) as a remote_write receiver
 * (`--web.enable-remote-write-receiver`, `/api/v1/write`), ready when `/-/ready` answers 200.
 *
 * Prometheus has no flush endpoint: its head lives in the WAL and memory-mapped head chunks until
 * it compacts a 2 h block, so the data directory is measured as it is, WAL included.
 */
export function createPrometheusPeer(options: PrometheusPeerOptions = {}): Peer {
  const binary = options.binary ?? '/usr/bin/prometheus';
  return {
    system: 'prometheus',
    title: 'Prometheus',
    unavailableReason: () => (existsSync(binary) ? undefined : `${binary} not found (apt-get install prometheus)`),
    async start(): Promise<RunningPeer> {
      // The configuration lives beside the data directory, not in it, so it is not measured.
      const workDir = makeTempDir('prometheus');
      const dataDir = join(workDir, 'data');
      const configFile = join(workDir, 'prometheus.yml');
      writeFileSync(configFile, 'global:\n  scrape_interval: 1m\n  evaluation_interval: 1m\nscrape_configs: []\n');
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const process = startProcess('prometheus', binary, [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${dataDir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-remote-write-receiver',
        '--storage.tsdb.retention.time=100y',
        '--log.level=warn',
      ]);
      try {
        await waitUntilReady(process, `${baseUrl}/-/ready`, 60_000);
      } catch (error) {
        await process.stop();
        removeTempDir(workDir);
        throw error;
      }
      return {
        system: 'prometheus',
        title: 'Prometheus',
        version: binaryVersion(binary, ['--version'], 'prometheus'),
        process,
        baseUrl,
        dataDir,
        writePath: '/api/v1/write',
        authHeaders: {},
        probes: ['promql'],
        async flush() {
          return 'no flush API: measured as is (WAL + head chunks + any compacted blocks)';
        },
        async close() {
          await process.stop();
          if (options.keepData) keepTempDir(workDir);
          else removeTempDir(workDir);
        },
      };
    },
  };
}
