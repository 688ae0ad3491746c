import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requestOk } from '../http-client.js';
import { freePort, keepTempDir, makeTempDir, removeTempDir, startProcess, waitUntilReady } from './process.js';
import type { Peer, RunningPeer } from './types.js';

/** Where the built server lives in the monorepo (`npm run build` makes it). */
export const DEFAULT_VIGIL_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../../server/dist/bin/vigil.js');

/** Options of {@link createVigilPeer}. */
export interface VigilPeerOptions {
  /** The built CLI. @default server/dist/bin/vigil.js of this repository */
  bin?: string;
  /** Leave the data directory behind after the run. @default false */
  keepData?: boolean;
  /**
   * A configuration file's contents (YAML), passed with `--config`; the logs workload raises the
   * per-tenant log ingestion rate with it. @default none (the server's defaults)
   */
  configYaml?: string;
}

/**
 * Vigil itself, run from its build output with the contract of issue 2:
 *
 * - `node <bin> server --data DIR --listen 127.0.0.1:PORT`, env `VIGIL_ROOT_KEY=<hex>`;
 * - ready when `GET /-/ready` answers 200;
 * - remote_write 1.0 at `POST /api/v1/write` with `Authorization: Bearer <root key>`;
 * - `GET /api/v1/series` (Prometheus shape) and `GET /api/v1/export` (VictoriaMetrics JSON lines),
 *   plus `GET /api/v1/query` when the PromQL engine exists (it is preferred when it answers);
 * - `POST /api/v1/admin/flush` (admin scope) persists everything before the data dir is measured.
 */
export function createVigilPeer(options: VigilPeerOptions = {}): Peer {
  const bin = options.bin ?? DEFAULT_VIGIL_BIN;
  return {
    system: 'vigil',
    title: 'Vigil',
    unavailableReason: () =>
      existsSync(bin) ? undefined : `${bin} does not exist yet (build the server first: npm run build)`,
    async start(): Promise<RunningPeer> {
      const dataDir = makeTempDir('vigil');
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const rootKey = randomBytes(24).toString('hex');
      const args = [bin, 'server', '--data', dataDir, '--listen', `127.0.0.1:${port}`];
      let configDir: string | undefined;
      if (options.configYaml !== undefined) {
        configDir = makeTempDir('vigil-config');
        writeFileSync(join(configDir, 'vigil.yml'), options.configYaml);
        args.push('--config', join(configDir, 'vigil.yml'));
      }
      const process = startProcess('vigil', globalThis.process.execPath, args, { VIGIL_ROOT_KEY: rootKey });
      try {
        await waitUntilReady(process, `${baseUrl}/-/ready`, 120_000);
      } catch (error) {
        await process.stop();
        removeTempDir(dataDir);
        if (configDir !== undefined) removeTempDir(configDir);
        throw error;
      }
      const authHeaders = { authorization: `Bearer ${rootKey}` };
      return {
        system: 'vigil',
        title: 'Vigil',
        version: vigilVersion(bin),
        process,
        baseUrl,
        dataDir,
        writePath: '/api/v1/write',
        authHeaders,
        probes: ['promql', 'export'],
        async flush() {
          await requestOk(`${baseUrl}/api/v1/admin/flush`, { method: 'POST', headers: authHeaders });
          return 'POST /api/v1/admin/flush, then measured';
        },
        async close() {
          await process.stop();
          if (options.keepData) keepTempDir(dataDir);
          else removeTempDir(dataDir);
          if (configDir !== undefined) removeTempDir(configDir);
        },
      };
    },
  };
}

/** The version of the server package next to the built CLI (`server/package.json`). */
function vigilVersion(bin: string): string {
  try {
    const manifest = JSON.parse(readFileSync(join(dirname(bin), '../../package.json'), 'utf8')) as { version?: string };
    return manifest.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
