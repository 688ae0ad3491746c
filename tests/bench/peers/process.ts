import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Child processes and temporary directories of a benchmark run, with cleanup that also happens on
 * errors, Ctrl-C and `SIGTERM`: every process started here is killed and every directory made here
 * is removed before the harness exits.
 */

/** A server process started by the harness. */
export interface ManagedProcess {
  readonly pid: number;
  readonly name: string;
  /** Settles with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<string>;
  /** Whether the process is still running. */
  isRunning(): boolean;
  /** The last lines the process wrote to stdout and stderr. */
  outputTail(): string;
  /** Sends `SIGTERM`, then `SIGKILL` after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_TAIL_CHARS = 8_000;
const running = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let handlersInstalled = false;

/**
 * Starts `command` with `args`, directly (no shell), so that the pid is the server's own and
 * `/proc/<pid>/status` describes it. Output is kept in memory (the tail only).
 */
export function startProcess(name: string, command: string, args: readonly string[], env?: NodeJS.ProcessEnv): ManagedProcess {
  installCleanupHandlers();
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  running.add(child);
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let alive = true;
  const exited = new Promise<string>((resolve) => {
    child.on('exit', (code, signal) => {
      alive = false;
      running.delete(child);
      resolve(signal ?? String(code));
    });
    child.on('error', (error) => {
      keep(Buffer.from(`\nspawn error: ${error.message}\n`));
      alive = false;
      running.delete(child);
      resolve('spawn-error');
    });
  });
  const pid = child.pid;
  return {
    pid,
    name,
    exited,
    isRunning: () => alive,
    outputTail: () => tail,
    async stop(graceMs = 10_000) {
      if (!alive) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (alive) child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Makes a fresh temporary directory that is removed at exit (or by {@link removeTempDir}). */
export function makeTempDir(prefix: string): string {
  installCleanupHandlers();
  const dir = mkdtempSync(join(tmpdir(), `vigil-bench-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

/** Removes a directory made by {@link makeTempDir}. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Keeps a directory made by {@link makeTempDir} after exit (for `--keep-data`). */
export function keepTempDir(dir: string): void {
  tempDirs.delete(dir);
}

/** Finds a free TCP port on 127.0.0.1 (free when asked; the server binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('freePort: no address'));
      });
    });
  });
}

/**
 * Polls `url` until it answers 200, the process exits, or `timeoutMs` passes.
 *
 * @throws when the process exits first or the time is up; the message carries its last output.
 */
export async function waitUntilReady(process: ManagedProcess, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (!process.isRunning()) {
      throw new Error(`${process.name} exited before it was ready (${await process.exited}):\n${process.outputTail()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      lastProblem = `HTTP ${response.status}`;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    await sleep(100);
  }
  throw new Error(`${process.name} not ready at ${url} after ${timeoutMs} ms (${lastProblem}):\n${process.outputTail()}`);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Kills every process still running and removes every temporary directory, synchronously. */
export function cleanUpNow(): void {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone: nothing to do.
    }
  }
  running.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

function installCleanupHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL is the only stop that cannot wait.
  process.on('exit', cleanUpNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping servers and removing temporary data\n`);
      cleanUpNow();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}
