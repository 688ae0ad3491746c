import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorText } from './error-text.js';
import { freePort } from './free-port.js';
import type { ExitStatus, ManagedProcess, ProcessManager } from './process-manager.js';

/** The built `vigil` CLI; the suites test the real binary, so it must be built first. */
export const VIGIL_BIN = fileURLToPath(new URL('../../../server/dist/bin/vigil.js', import.meta.url));

/** The root key the suites give Vigil through `VIGIL_ROOT_KEY`. */
export const TEST_ROOT_KEY = 'vigil-test-root-key-0123456789';

/** Options for {@link startVigil}. */
export interface StartVigilOptions {
  /** Data folder. @default a fresh temporary directory owned by the process manager */
  dataDir?: string;
  /** Port on 127.0.0.1. @default a free port */
  port?: number;
  /** Root key (`VIGIL_ROOT_KEY`). @default TEST_ROOT_KEY */
  rootKey?: string;
  /** How long to wait for `/-/ready`, in milliseconds. @default 30000 */
  readyTimeoutMs?: number;
  /** A YAML configuration file's content, written beside the data folder and passed as `--config`. */
  config?: string;
}

/** Extra options of {@link VigilServer.request}. */
export interface VigilRequestInit extends RequestInit {
  /** Tenant to act for (`X-Scope-OrgID`). @default the key's own tenant, `default` */
  tenant?: string;
  /** Timeout of the whole request, in milliseconds. @default 15000 */
  timeoutMs?: number;
}

/** How a {@link VigilServer.stop} went. */
export interface StopResult extends ExitStatus {
  /** Time from SIGTERM to exit, in milliseconds. */
  elapsedMs: number;
}

/**
 * A `vigil server` process on 127.0.0.1 with its own data folder, started by {@link startVigil}.
 * It can be killed (`kill9`), stopped (`stop`, SIGTERM) and started again on the same data folder
 * and port (`restart`); `process` is always the newest process.
 */
export class VigilServer {
  /** The current process. */
  process!: ManagedProcess;
  /** How many processes have been started for this server (1 after {@link startVigil}). */
  generation = 0;

  constructor(
    private readonly manager: ProcessManager,
    /** The data folder, kept across restarts. */
    readonly dataDir: string,
    /** The port, kept across restarts. */
    readonly port: number,
    /** The root key. */
    readonly rootKey: string,
    private readonly readyTimeoutMs: number,
    /** The `--config` file, if any. */
    readonly configFile?: string,
  ) {}

  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Starts a new process on the data folder and port and waits until `/-/ready` answers 200.
   * The previous process must have exited.
   *
   * @returns the time until ready, in milliseconds
   * @throws when the process exits or does not become ready in time; the message holds its output
   */
  async launch(): Promise<number> {
    if (this.process?.running) throw new Error(`${this.process.name} is still running; kill or stop it first`);
    this.generation++;
    this.process = this.manager.spawn(
      `vigil#${this.generation}`,
      process.execPath,
      [VIGIL_BIN, 'server', '--data', this.dataDir, '--listen', `127.0.0.1:${this.port}`, ...(this.configFile ? ['--config', this.configFile] : [])],
      { env: { VIGIL_ROOT_KEY: this.rootKey } },
    );
    const startedMs = Date.now();
    await this.waitReady();
    return Date.now() - startedMs;
  }

  /** Alias of {@link launch} for a server whose process has exited. */
  restart(): Promise<number> {
    return this.launch();
  }

  /**
   * Waits until `/-/ready` answers 200.
   *
   * @throws when the process exits first or the timeout passes, with the process's output
   */
  async waitReady(timeoutMs = this.readyTimeoutMs): Promise<void> {
    const proc = this.process;
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (!proc.running) {
        const status = await proc.exited;
        throw new Error(
          `${proc.name} exited (code ${status.code}, signal ${status.signal}) before /-/ready answered 200\n${proc.describe()}`,
        );
      }
      try {
        const res = await fetch(`${this.url}/-/ready`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
        last = `HTTP ${res.status}`;
      } catch (err) {
        last = errorText(err);
      }
      await sleep(50);
    }
    throw new Error(`${proc.name} was not ready after ${timeoutMs} ms (last: ${last})\n${proc.describe()}`);
  }

  /** Kills the process with SIGKILL (`kill -9`) and waits until it is gone. */
  async kill9(): Promise<ExitStatus> {
    return this.process.kill('SIGKILL');
  }

  /**
   * Sends SIGTERM and waits for the exit (up to `timeoutMs`, then SIGKILL).
   *
   * @returns the exit status and how long the shutdown took
   */
  async stop(timeoutMs = 15_000): Promise<StopResult> {
    const startedMs = Date.now();
    const status = await this.process.kill('SIGTERM', timeoutMs);
    return { ...status, elapsedMs: Date.now() - startedMs };
  }

  /**
   * Sends an HTTP request with the root key as Bearer token (unless `headers` already has an
   * `Authorization`), and `X-Scope-OrgID` when `tenant` is given.
   *
   * @example
   * const res = await vigil.request('/api/v1/series?match[]=up', { tenant: 'a' });
   */
  request(path: string, init: VigilRequestInit = {}): Promise<Response> {
    const { tenant, timeoutMs = 15_000, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (!headers.has('authorization')) headers.set('authorization', `Bearer ${this.rootKey}`);
    if (tenant !== undefined) headers.set('x-scope-orgid', tenant);
    return fetch(`${this.url}${path}`, { ...rest, headers, signal: rest.signal ?? AbortSignal.timeout(timeoutMs) });
  }

  /**
   * GETs a Prometheus-API JSON endpoint and returns its `data`.
   *
   * @throws when the status is not 200 or the envelope is not `success`, with the body
   */
  async getData<T>(path: string, init: VigilRequestInit = {}): Promise<T> {
    const res = await this.request(path, init);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${text}`);
    const body = JSON.parse(text) as { status: string; data: T };
    if (body.status !== 'success') throw new Error(`GET ${path} answered status ${body.status}: ${text}`);
    return body.data;
  }
}

/**
 * Starts `vigil server` on a free port with a fresh data folder (unless given) and waits until it
 * is ready. When the chosen port was taken in the meantime, tries again with another one.
 *
 * @throws when the CLI is not built, or the server does not become ready; the message holds its output
 * @example
 * const processes = useProcessManager();
 * const vigil = await startVigil(processes);
 * await vigil.kill9();
 * await vigil.restart();
 */
export async function startVigil(manager: ProcessManager, options: StartVigilOptions = {}): Promise<VigilServer> {
  if (!existsSync(VIGIL_BIN)) {
    throw new Error(`the vigil CLI is not built: ${VIGIL_BIN} is missing (run \`npm run build\` in the repository root)`);
  }
  const dataDir = options.dataDir ?? manager.tempDir('data');
  let configFile: string | undefined;
  if (options.config !== undefined) {
    configFile = join(manager.tempDir('config'), 'vigil.yml');
    writeFileSync(configFile, options.config);
  }
  const attempts = options.port === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const server = new VigilServer(
      manager,
      dataDir,
      port,
      options.rootKey ?? TEST_ROOT_KEY,
      options.readyTimeoutMs ?? 30_000,
      configFile,
    );
    try {
      await server.launch();
      return server;
    } catch (err) {
      if (attempt < attempts && server.process.output().includes('EADDRINUSE')) continue;
      throw err;
    }
  }
}
