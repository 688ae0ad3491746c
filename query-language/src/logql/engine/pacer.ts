import { QueryError } from '../../errors.js';

/**
 * Cancellation and fairness for long loops: `pause()` throws a `canceled` QueryError once the
 * signal fired, and hands the event loop back every 20 ms so that other requests (and the abort
 * itself, or a timeout) get to run. Call `pause()` between units of work; `tick()` in hot
 * loops is cheap and only checks the clock every 1024 calls.
 */
export class Pacer {
  private lastYield = performance.now();
  private count = 0;

  constructor(private readonly signal: AbortSignal | undefined) {}

  /** Throws `canceled` when the signal has fired. */
  check(): void {
    if (this.signal?.aborted) throw new QueryError('canceled', 'query was canceled', { cause: this.signal.reason });
  }

  /** True every 1024th call: the caller should then `await pause()`. */
  tick(): boolean {
    return (++this.count & 1023) === 0;
  }

  /** Checks for cancellation and yields to the event loop when 20 ms have passed since the last yield. */
  async pause(): Promise<void> {
    this.check();
    const now = performance.now();
    if (now - this.lastYield < 20) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.lastYield = performance.now();
    this.check();
  }
}
