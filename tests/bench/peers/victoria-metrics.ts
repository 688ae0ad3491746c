import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { requestOk } from '../http-client.js';
import { binaryVersion } from './binary-version.js';
import { freePort, keepTempDir, makeTempDir, removeTempDir, sleep, startProcess, waitUntilReady } from './process.js';
import type { Peer, RunningPeer } from './types.js';

/** Options of {@link createVictoriaMetricsPeer}. */
export interface VictoriaMetricsPeerOptions {
  /** @default '/usr/bin/victoria-metrics' */
  binary?: string;
  /** Leave the data directory behind after the run. @default false */
  keepData?: boolean;
}

/**
 * Single-node VictoriaMetrics (Debian package `victoria-metrics`, 1.79.5 here): remote_write at
 * `/api/v1/write`, ready when `/health` answers 200, flushed with `/internal/force_flush`.
 */
export function createVictoriaMetricsPeer(options: VictoriaMetricsPeerOptions = {}): Peer {
  const binary = options.binary ?? '/usr/bin/victoria-metrics';
  return {
    system: 'vm',
    title: 'VictoriaMetrics',
    unavailableReason: () => (existsSync(binary) ? undefined : `${binary} not found (apt-get install victoria-metrics)`),
    async start(): Promise<RunningPeer> {
      const dataDir = makeTempDir('vm');
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const process = startProcess('victoria-metrics', binary, [
        `-storageDataPath=${dataDir}`,
        `-httpListenAddr=127.0.0.1:${port}`,
        '-retentionPeriod=100y',
        // The defaults (30k series per /api/v1/series, 300k per query) would cap large workloads.
        '-search.maxSeries=100000000',
        '-search.maxUniqueTimeseries=100000000',
        '-loggerLevel=WARN',
      ]);
      try {
        await waitUntilReady(process, `${baseUrl}/health`, 60_000);
      } catch (error) {
        await process.stop();
        removeTempDir(dataDir);
        throw error;
      }
      return {
        system: 'vm',
        title: 'VictoriaMetrics',
        version: binaryVersion(binary, ['-version'], 'victoria-metrics'),
        process,
        baseUrl,
        dataDir,
        writePath: '/api/v1/write',
        authHeaders: {},
        probes: ['promql', 'export'],
        async flush({ ackedSamples }) {
          await requestOk(`${baseUrl}/internal/force_flush`);
          // 1.79 answers force_flush before the last rows reach disk (they arrive with its
          // periodic flush, about 10 s later), so wait until the parts on disk hold every row.
          const started = performance.now();
          let rows = await rowsOnDisk(dataDir);
          while (rows < ackedSamples && performance.now() - started < FLUSH_WAIT_MS) {
            await sleep(250);
            rows = await rowsOnDisk(dataDir);
          }
          const waited = ((performance.now() - started) / 1000).toFixed(1);
          return rows >= ackedSamples
            ? `GET /internal/force_flush, waited ${waited} s until the on-disk parts held all ${ackedSamples} rows, then measured`
            : `GET /internal/force_flush; after ${waited} s the on-disk parts held only ${rows} of ${ackedSamples} rows; measured anyway`;
        },
        async close() {
          await process.stop();
          if (options.keepData) keepTempDir(dataDir);
          else removeTempDir(dataDir);
        },
      };
    },
  };
}

/** How long {@link RunningPeer.flush} waits for the rows to reach disk, in milliseconds. */
const FLUSH_WAIT_MS = 60_000;

/**
 * Rows held by the data parts on disk. VictoriaMetrics names each part directory
 * `<rows>_<blocks>_<minTime>_<maxTime>_<id>` under `data/{small,big}/<month>/`; a part being merged
 * is briefly counted twice, which only makes the wait end on time.
 */
async function rowsOnDisk(dataDir: string): Promise<number> {
  let rows = 0;
  for (const size of ['small', 'big']) {
    const sizeDir = join(dataDir, 'data', size);
    const months = await readdir(sizeDir).catch(() => [] as string[]);
    for (const month of months) {
      const parts = await readdir(join(sizeDir, month)).catch(() => [] as string[]);
      for (const part of parts) {
        const match = /^(\d+)_\d+_/.exec(part);
        if (match !== null) rows += Number(match[1]);
      }
    }
  }
  return rows;
}
