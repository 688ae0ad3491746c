import type { Label, LabelMatcher, SeriesSamples } from '@vigil/storage';
import { canonicalLabels } from '@vigil/storage';
import type { MetricFilterDefinition } from './definition.js';

/** What a metric filter needs from LogQL: a decision per stream, then the pipeline per line. */
export interface CompiledLogPipeline {
  /** The stream selector's matchers, so stored logs can be read selectively (backfill). */
  streamMatchers: LabelMatcher[];
  /** True when the stream selector matches these stream labels. */
  matchesStream(labels: Readonly<Record<string, string>>): boolean;
  /**
   * Runs the pipeline's stages on one line of a matching stream. Returns the labels after the
   * pipeline (stream labels plus extracted fields), or `undefined` when a stage drops the line.
   */
  process(labels: Readonly<Record<string, string>>, line: string, metadata?: Readonly<Record<string, string>>): Record<string, string> | undefined;
}

/** Most distinct label combinations one filter keeps per interval; beyond it values go to "other". */
export const MAX_COMBINATIONS_PER_INTERVAL = 100;

interface Bucket {
  /** Label-combination key → summed value and its labels. */
  sums: Map<string, { labels: Record<string, string>; value: number }>;
  /** Lines of matching streams seen in the interval (for the default value). */
  lines: number;
}

/**
 * Turns log lines into samples for one filter: each matching line adds its value (1 or a field)
 * to the sum of its interval and label combination; an interval is written once it is over, as
 * one sample per combination at the interval's end (ms). Intervals stay in memory for
 * `keepMs` after being written, so a late line re-writes the full sum (the same timestamp: the
 * last write wins) instead of a partial one. The same code serves live ingest and backfill, so
 * both produce the same samples.
 */
export class FilterAccumulator {
  private readonly buckets = new Map<number, Bucket>();
  private readonly written = new Set<number>();

  constructor(
    readonly def: MetricFilterDefinition,
    readonly pipeline: CompiledLogPipeline,
    private readonly keepMs = 3_600_000,
  ) {}

  private get intervalMs(): number {
    return this.def.intervalSeconds * 1000;
  }

  /** Feeds the lines of one stream. Returns true if any bucket changed. */
  add(streamLabels: Readonly<Record<string, string>>, entries: ReadonlyArray<{ tsNs: bigint; line: string; metadata?: Record<string, string> }>): boolean {
    if (entries.length === 0 || !this.pipeline.matchesStream(streamLabels)) return false;
    for (const e of entries) {
      const ms = Number(e.tsNs / 1_000_000n);
      // An interval (start, end] is written at `end`, like a range selector's window.
      const end = Math.ceil(ms / this.intervalMs) * this.intervalMs;
      let b = this.buckets.get(end);
      if (!b) {
        b = { sums: new Map(), lines: 0 };
        this.buckets.set(end, b);
      }
      b.lines++;
      const out = this.pipeline.process(streamLabels, e.line, e.metadata);
      if (!out) continue;
      let value = 1;
      if (this.def.value.kind === 'field') {
        const raw = out[this.def.value.field];
        value = raw === undefined ? Number.NaN : Number(raw);
        if (!Number.isFinite(value)) continue;
      }
      const labels: Record<string, string> = {};
      for (const l of this.def.labels) {
        const v = out[l];
        if (v !== undefined && v !== '') labels[l] = v;
      }
      let key = JSON.stringify(labels);
      if (!b.sums.has(key) && b.sums.size >= MAX_COMBINATIONS_PER_INTERVAL) {
        key = '"other"';
        for (const l of this.def.labels) labels[l] = 'other';
      }
      const sum = b.sums.get(key);
      if (sum) sum.value += value;
      else b.sums.set(key, { labels, value });
      // A line arriving for an interval already written makes it due again.
      this.written.delete(end);
    }
    return true;
  }

  /**
   * Samples of every interval that ended before `untilMs` and changed since last taken. With
   * `untilMs = Infinity` (backfill) every interval is taken.
   */
  take(untilMs: number, nowMs: number): SeriesSamples[] {
    const out = new Map<string, { labels: Label[]; ts: number[]; values: number[] }>();
    for (const [end, b] of this.buckets) {
      if (end > untilMs) continue;
      if (this.written.has(end)) {
        if (end < nowMs - this.keepMs) this.buckets.delete(end);
        continue;
      }
      this.written.add(end);
      const rows = b.sums.size > 0 ? [...b.sums.values()] : this.def.defaultValue !== null && b.lines > 0 ? [{ labels: {}, value: this.def.defaultValue }] : [];
      for (const r of rows) {
        const labels = canonicalLabels([
          { name: '__name__', value: this.def.metricName },
          { name: 'metric_filter', value: this.def.name },
          ...Object.entries(r.labels).map(([name, value]) => ({ name, value })),
        ]);
        const key = JSON.stringify(labels);
        let s = out.get(key);
        if (!s) {
          s = { labels, ts: [], values: [] };
          out.set(key, s);
        }
        s.ts.push(end);
        s.values.push(r.value);
      }
    }
    return [...out.values()].map((s) => {
      const order = s.ts.map((_, i) => i).sort((a, b) => s.ts[a]! - s.ts[b]!);
      return { labels: s.labels, timestampsMs: order.map((i) => s.ts[i]!), values: order.map((i) => s.values[i]!) };
    });
  }
}
