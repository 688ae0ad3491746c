/**
 * Nanosecond timestamps for log entries: wall-clock milliseconds scaled to nanoseconds, forced
 * strictly increasing so that entries read in the same millisecond keep their order and stay
 * distinct (Loki deduplicates entries with equal timestamp and line).
 *
 * @example
 * const clock = new NanoClock();
 * clock.next() < clock.next(); // true
 */
export class NanoClock {
  private last = 0n;

  constructor(private readonly nowMs: () => number = Date.now) {}

  /** The next timestamp, nanoseconds since the epoch. */
  next(): bigint {
    const now = BigInt(this.nowMs()) * 1_000_000n;
    this.last = now > this.last ? now : this.last + 1n;
    return this.last;
  }
}
