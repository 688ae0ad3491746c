/**
 * Running totals that turn OTLP delta points (monotonic sums, histograms) into the cumulative
 * series Prometheus expects, as the OpenTelemetry compatibility spec recommends.
 *
 * Assumptions, stated because they decide correctness:
 * 1. Deltas of one series arrive from one producer, in order; a late or duplicate delta is added
 *    anyway (the spec gives the receiver no way to tell, and counters tolerate a too-high total
 *    better than a reset).
 * 2. Totals live in memory: a restart resets them to zero, which PromQL's `rate()` reads as a
 *    counter reset, the same as an application restart.
 * 3. Memory is bounded by `maxSeries`; past it, deltas of new series are refused (and counted
 *    by the caller) rather than evicting totals that other series are still building.
 */
export class DeltaAccumulator {
  private readonly totals = new Map<string, number[]>();

  /** @param maxSeries Most series (histograms count once) kept; @default 100_000 */
  constructor(private readonly maxSeries = 100_000) {}

  /**
   * Adds `delta` (element-wise) to the running total of `key` and returns the new total, or
   * `undefined` when the key is new and the accumulator is full. A total whose length differs
   * from `delta` (a histogram whose bucket layout changed) starts again from `delta`.
   * The returned array is owned by the accumulator: copy before keeping it.
   */
  add(key: string, delta: readonly number[]): readonly number[] | undefined {
    let total = this.totals.get(key);
    if (!total || total.length !== delta.length) {
      if (!total && this.totals.size >= this.maxSeries) return undefined;
      total = delta.map(() => 0);
      this.totals.set(key, total);
    }
    for (let i = 0; i < delta.length; i++) total[i] = total[i]! + delta[i]!;
    return total;
  }

  /** Series with a running total. */
  get size(): number {
    return this.totals.size;
  }
}
