import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach } from 'vitest';

/** How a child process ended. */
export interface ExitStatus {
  /** Exit code, or `null` when a signal ended it. */
  code: number | null;
  /** The signal that ended it, or `null` when it exited by itself. */
  signal: NodeJS.Signals | null;
}

/** Options for {@link ProcessManager.spawn}. */
export interface SpawnOptions {
  /** Extra environment variables, added to the test process's environment. */
  env?: Record<string, string>;
  /** Working directory. @default the test process's */
  cwd?: string;
}

/** Most output kept per process, in characters: enough to explain a failure, bounded in memory. */
const OUTPUT_TAIL_CHARS = 16_000;

/**
 * A child process started by a {@link ProcessManager}. Its stdout and stderr are captured (the
 * last {@link OUTPUT_TAIL_CHARS} characters) so that failures can show what the process said.
 */
export class ManagedProcess {
  /** Resolves once the process has exited, with how it ended. Never rejects. */
  readonly exited: Promise<ExitStatus>;
  private tail = '';
  private status: ExitStatus | undefined;

  constructor(
    /** A short name for messages, such as `vigil#2` or `prometheus`. */
    readonly name: string,
    /** The command line, for messages. */
    readonly commandLine: string,
    /** The Node child process handle. */
    readonly child: ChildProcess,
  ) {
    const append = (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    this.exited = new Promise<ExitStatus>((resolve) => {
      child.once('error', (err) => {
        append(Buffer.from(`\n[spawn error: ${err.message}]\n`));
        this.status ??= { code: null, signal: null };
        resolve(this.status);
      });
      child.once('exit', (code, signal) => {
        this.status = { code, signal };
        resolve(this.status);
      });
    });
  }

  /** The process id; undefined when spawning failed. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.status === undefined && this.child.pid !== undefined;
  }

  /** The last captured output (stdout and stderr interleaved). */
  output(): string {
    return this.tail;
  }

  /** A few lines that describe the process and its last output, for failure messages. */
  describe(): string {
    const state = this.status
      ? `exited (code ${this.status.code}, signal ${this.status.signal})`
      : this.running
        ? 'running'
        : 'never started';
    return `--- ${this.name} (pid ${this.pid ?? '-'}, ${state}): ${this.commandLine}\n${this.tail.trimEnd() || '(no output)'}`;
  }

  /**
   * Sends `signal` (unless the process has already exited) and waits for the exit. A process
   * still alive after `timeoutMs` is killed with SIGKILL.
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 10_000): Promise<ExitStatus> {
    if (this.running) this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    const status = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (status) return status;
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }
}

/**
 * Starts child processes and makes sure none outlives the test file: {@link killAll} kills what
 * is still running, and a process `exit` hook sends SIGKILL to the rest if the test process ends
 * without cleaning up. Also owns the temporary directories the children use.
 *
 * Use {@link useProcessManager} in a test file to get one whose clean-up is registered with vitest.
 */
export class ProcessManager {
  private readonly processes: ManagedProcess[] = [];
  private readonly tempDirs: string[] = [];
  /** Processes started by the running test (not by `beforeAll`), killed when it ends. */
  private testScope: ManagedProcess[] | undefined;
  private readonly onExit = () => {
    // Synchronous last resort: the exit hook cannot wait, so SIGKILL is all it can do.
    for (const p of this.processes) if (p.running) p.child.kill('SIGKILL');
  };

  constructor() {
    process.once('exit', this.onExit);
  }

  /**
   * Spawns `command` with `args` (no shell), capturing its output.
   *
   * @example
   * const p = manager.spawn('node_exporter', '/usr/bin/prometheus-node-exporter', ['--web.listen-address=127.0.0.1:9100']);
   */
  spawn(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): ManagedProcess {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const managed = new ManagedProcess(name, [command, ...args].join(' '), child);
    this.processes.push(managed);
    this.testScope?.push(managed);
    return managed;
  }

  /** Makes a fresh temporary directory that {@link cleanUp} removes. */
  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), `vigil-${prefix}-`));
    this.tempDirs.push(dir);
    return dir;
  }

  /** Descriptions and last output of every process started, for failure messages. */
  describeAll(): string {
    return this.processes.map((p) => p.describe()).join('\n');
  }

  /** Marks the start of a test: processes spawned from now on belong to it. */
  beginTest(): void {
    this.testScope = [];
  }

  /** Kills (SIGKILL) the processes the current test started and are still running. */
  async endTest(): Promise<void> {
    const scope = this.testScope ?? [];
    this.testScope = undefined;
    await Promise.all(scope.filter((p) => p.running).map((p) => p.kill('SIGKILL')));
  }

  /** Kills (SIGKILL) every child still running and waits until each has exited. */
  async killAll(): Promise<void> {
    await Promise.all(this.processes.filter((p) => p.running).map((p) => p.kill('SIGKILL')));
  }

  /** Kills every child, then removes the temporary directories. */
  async cleanUp(): Promise<void> {
    await this.killAll();
    process.off('exit', this.onExit);
    for (const dir of this.tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Creates a {@link ProcessManager} for the current test file and registers its clean-up with
 * vitest, which runs also when a test failed or timed out: children a test started are killed in
 * `afterEach`, children started in `beforeAll` in `afterAll`, where the temporary directories are
 * removed too; and a failed test prints the output of every process started so far.
 *
 * @example
 * const processes = useProcessManager();
 * it('answers', async () => {
 *   const vigil = await startVigil(processes);
 * });
 */
export function useProcessManager(): ProcessManager {
  const manager = new ProcessManager();
  beforeEach((context) => {
    manager.beginTest();
    context.onTestFailed(() => {
      console.error(`process output for the failed test "${context.task.name}":\n${manager.describeAll()}`);
    });
  });
  afterEach(() => manager.endTest());
  afterAll(() => manager.cleanUp());
  return manager;
}
