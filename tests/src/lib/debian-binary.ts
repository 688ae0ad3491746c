import { accessSync, constants } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorText } from './error-text.js';
import type { ManagedProcess, ProcessManager } from './process-manager.js';

/** A Debian-packaged program the suites run as a real peer. */
export interface DebianBinary {
  /** Absolute path of the executable. */
  path: string;
  /** The Debian package that installs it, named in the error when it is missing. */
  debianPackage: string;
}

/** Debian's Prometheus server (package `prometheus`). */
export const PROMETHEUS: DebianBinary = { path: '/usr/bin/prometheus', debianPackage: 'prometheus' };

/** Debian's node_exporter (package `prometheus-node-exporter`). */
export const NODE_EXPORTER: DebianBinary = {
  path: '/usr/bin/prometheus-node-exporter',
  debianPackage: 'prometheus-node-exporter',
};

/** Options for {@link startDebianBinary}. */
export interface StartBinaryOptions {
  /** Name for messages. @default the executable's file name */
  name?: string;
  /** URL polled until it answers 200; without it the function returns right after spawning. */
  readyUrl?: string;
  /** How long to wait for `readyUrl`, in milliseconds. @default 30000 */
  readyTimeoutMs?: number;
}

/**
 * Throws unless `binary` exists and is executable. The message names the binary and the Debian
 * package to install: a missing peer is a failure, never a silent skip, so CI cannot pass
 * without having run the suite.
 */
export function requireBinary(binary: DebianBinary): void {
  try {
    accessSync(binary.path, constants.X_OK);
  } catch {
    throw new Error(
      `required binary ${binary.path} is missing or not executable: install the Debian package ` +
        `"${binary.debianPackage}" (apt-get install -y ${binary.debianPackage}; .ci/run does this)`,
    );
  }
}

/**
 * Starts a Debian-packaged peer (after {@link requireBinary}) under the process manager and, with
 * `readyUrl`, waits until that URL answers 200.
 *
 * @throws when the binary is missing, exits early or is not ready in time, with its output
 * @example
 * const exporter = await startDebianBinary(processes, NODE_EXPORTER, ['--web.listen-address=127.0.0.1:9100'], {
 *   readyUrl: 'http://127.0.0.1:9100/metrics',
 * });
 */
export async function startDebianBinary(
  manager: ProcessManager,
  binary: DebianBinary,
  args: readonly string[],
  options: StartBinaryOptions = {},
): Promise<ManagedProcess> {
  requireBinary(binary);
  const name = options.name ?? binary.path.split('/').pop() ?? binary.path;
  const proc = manager.spawn(name, binary.path, args);
  if (options.readyUrl === undefined) return proc;
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (!proc.running) {
      const status = await proc.exited;
      throw new Error(`${name} exited (code ${status.code}, signal ${status.signal}) before it was ready\n${proc.describe()}`);
    }
    try {
      const res = await fetch(options.readyUrl, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return proc;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = errorText(err);
    }
    await sleep(100);
  }
  throw new Error(`${name} was not ready at ${options.readyUrl} after ${timeoutMs} ms (last: ${last})\n${proc.describe()}`);
}
