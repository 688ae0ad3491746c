import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/**
 * Calls `fire` `ratePerSecond` times a second for `durationMs`, open loop: a call starts on
 * schedule whether or not earlier ones have finished (as independent clients do), so a slow
 * server shows as latency rather than as a lower offered rate. Resolves when every call has
 * settled. `fire` must not reject.
 *
 * @example
 * await openLoop(60, 10_000, (i) => send(i));
 */
export async function openLoop(ratePerSecond: number, durationMs: number, fire: (index: number) => Promise<unknown>): Promise<void> {
  const periodMs = 1000 / ratePerSecond;
  const startMs = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; ; i++) {
    const dueMs = startMs + i * periodMs;
    if (dueMs - startMs >= durationMs) break;
    const waitMs = dueMs - performance.now();
    if (waitMs > 1) await sleep(waitMs);
    pending.push(fire(i));
  }
  await Promise.all(pending);
}

/** Milliseconds since `t0` (a `performance.now()` value), with sub-millisecond precision. */
export function since(t0: number): number {
  return performance.now() - t0;
}

/**
 * An open-loop load generator in a child process (`load-generator.mjs`): it sends the given
 * bodies in turn to `url` at the rate set with {@link setRate}, and counts the answers by status.
 * Keeping the load out of the test process means the load's client-side cost does not show up
 * as latency of the client being measured.
 */
export class LoadGenerator {
  private readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private waiter: (() => void) | undefined;

  private constructor(child: ChildProcess) {
    this.child = child;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      this.waiter?.();
    });
  }

  /** Starts a generator; resolves once it is ready for commands. */
  static async start(url: string, headers: Record<string, string>, bodies: readonly Buffer[]): Promise<LoadGenerator> {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-loadgen-'));
    const file = join(dir, 'bodies');
    writeFileSync(
      file,
      Buffer.concat(
        bodies.flatMap((b) => {
          const len = Buffer.alloc(4);
          len.writeUInt32BE(b.length);
          return [len, b];
        }),
      ),
    );
    const child = spawn(process.execPath, [fileURLToPath(new URL('./load-generator.mjs', import.meta.url)), url, file], {
      env: { ...process.env, LOADGEN_HEADERS: JSON.stringify(headers) },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    LoadGenerator.running.add(child);
    child.once('exit', () => {
      LoadGenerator.running.delete(child);
      rmSync(dir, { recursive: true, force: true });
    });
    const gen = new LoadGenerator(child);
    if ((await gen.nextLine()) !== 'ready') throw new Error('load generator did not start');
    return gen;
  }

  /** Generators still running (for clean-up after a failed test). */
  static readonly running = new Set<ChildProcess>();

  /** The generator's process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sets the offered rate, requests per second (0 pauses). */
  setRate(requestsPerSecond: number): void {
    this.child.stdin!.write(`rate ${requestsPerSecond}\n`);
  }

  /** Answers by status (and `error`) since the last report, and the requests sent. */
  async report(): Promise<{ statuses: Record<string, number>; sent: number }> {
    this.child.stdin!.write('report\n');
    return JSON.parse(await this.nextLine());
  }

  /** Waits for the requests in flight, then ends the process. */
  async stop(): Promise<void> {
    this.child.stdin!.write('exit\n');
    await this.nextLine();
    await new Promise((r) => (this.child.exitCode !== null ? r(undefined) : this.child.once('exit', r)));
  }

  private async nextLine(): Promise<string> {
    while (this.lines.length === 0) {
      await new Promise<void>((r) => {
        this.waiter = r;
      });
    }
    return this.lines.shift()!;
  }
}
