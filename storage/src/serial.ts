/**
 * Runs async tasks one at a time, in call order. A DuckDB connection holds one transaction
 * context, so work that uses transactions on a shared connection must not interleave.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after every task queued before it has settled; resolves with its result. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
