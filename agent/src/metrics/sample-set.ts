import type { Labels, MetricMeta, MetricType, Sample } from '../types.js';

/**
 * An append-only collection of samples plus the HELP/TYPE metadata of their families; what every
 * collector fills in one collection.
 *
 * @example
 * const set = new SampleSet(Date.now());
 * set.add('node_load1', 'gauge', '1m load average.', {}, 0.42);
 */
export class SampleSet {
  readonly samples: Sample[] = [];
  readonly meta = new Map<string, MetricMeta>();

  /** @param timestampMs the time stamped on every sample added, epoch milliseconds. */
  constructor(readonly timestampMs: number) {}

  /** Adds one sample; the first call for a family records its type and help text. */
  add(name: string, type: MetricType, help: string, labels: Labels, value: number): void {
    if (!this.meta.has(name)) this.meta.set(name, { type, help });
    this.samples.push({ name, labels, value, timestampMs: this.timestampMs });
  }

  /** Appends another set's samples and metadata (the other set's timestamps are kept). */
  merge(other: SampleSet): void {
    for (const s of other.samples) this.samples.push(s);
    for (const [k, v] of other.meta) if (!this.meta.has(k)) this.meta.set(k, v);
  }
}
