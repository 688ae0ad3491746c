import { RE2JS } from 're2js';
import type { LabelMatcher } from '../ast/ast.js';
import type { Labels, RawSeries, SelectParams, SeriesSource } from '../types.js';

/** One series held by the in-memory source; `stale[i] === 1` marks a stale marker. */
export interface MemorySeries {
  labels: Labels;
  timestamps: number[];
  values: number[];
  stale: number[];
}

/** An in-memory `SeriesSource` for tests: add samples, then query through the engine. */
export interface MemorySource extends SeriesSource {
  /** Appends a sample (or a stale marker) to the series with exactly these labels; times must increase. */
  add(labels: Labels, timestampMs: number, value: number, stale?: boolean): void;
  /** Removes every series. */
  clear(): void;
  /** How many `select` calls were made (for tests of cancellation and pushdown). */
  readonly selectCalls: number;
}

/** Compiles a matcher into a predicate over a label value (absent labels are ""). */
export function compileMatcher(m: LabelMatcher): (value: string) => boolean {
  switch (m.op) {
    case '=':
      return (v) => v === m.value;
    case '!=':
      return (v) => v !== m.value;
    case '=~': {
      const re = RE2JS.compile(`^(?s:${m.value})$`);
      return (v) => re.matches(v);
    }
    case '!~': {
      const re = RE2JS.compile(`^(?s:${m.value})$`);
      return (v) => !re.matches(v);
    }
  }
}

/**
 * Creates an empty in-memory source. `select` honours matchers (RE2, fully anchored) and the time
 * range, and rejects with the signal's reason when aborted.
 */
export function createMemorySource(): MemorySource {
  const series = new Map<string, MemorySeries>();
  let selectCalls = 0;
  const keyOf = (labels: Labels): string =>
    Object.keys(labels)
      .sort()
      .map((k) => `${k}\u0000${labels[k]}`)
      .join('\u0001');
  return {
    get selectCalls() {
      return selectCalls;
    },
    add(labels, timestampMs, value, stale = false) {
      const key = keyOf(labels);
      let s = series.get(key);
      if (!s) {
        s = { labels, timestamps: [], values: [], stale: [] };
        series.set(key, s);
      }
      s.timestamps.push(timestampMs);
      s.values.push(value);
      s.stale.push(stale ? 1 : 0);
    },
    clear() {
      series.clear();
    },
    async select(params: SelectParams): Promise<RawSeries[]> {
      selectCalls++;
      params.signal?.throwIfAborted();
      const predicates = params.matchers.map((m) => ({ name: m.name, test: compileMatcher(m) }));
      const out: RawSeries[] = [];
      for (const s of series.values()) {
        if (!predicates.every((p) => p.test(s.labels[p.name] ?? ''))) continue;
        const timestamps: number[] = [];
        const values: number[] = [];
        const stale: number[] = [];
        s.timestamps.forEach((t, i) => {
          if (t < params.startMs || t > params.endMs) return;
          timestamps.push(t);
          values.push(s.values[i]!);
          stale.push(s.stale[i]!);
        });
        if (timestamps.length > 0) out.push({ labels: s.labels, timestamps, values, stale });
      }
      return out;
    },
  };
}
