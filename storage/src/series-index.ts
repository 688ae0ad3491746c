import type { Label } from './labels.js';
import { type CompiledMatcher, type LabelMatcher, compileMatcher } from './matchers.js';

/** What the index keeps about one series. */
export interface IndexedSeries {
  readonly id: number;
  readonly labels: readonly Label[];
  /** Oldest and newest sample timestamps seen (epoch ms); `Infinity`/`-Infinity` before any sample. */
  minTs: number;
  maxTs: number;
  /** Set once the series is removed from the index; cached references must then be dropped. */
  dead?: boolean;
  /**
   * True once the series' row is committed in its table. A series is indexed before that (so
   * concurrent appends share its id); whichever commit first carries samples of it writes the row.
   */
  persisted?: boolean;
  /** The write group that is writing the row right now (so one group writes it once). */
  persistingGroup?: number;
}

/**
 * The in-memory inverted index of one tenant's series: identity key → id, and label name → value
 * → posting list of ids. It answers selector matchers without touching DuckDB; the `series` table
 * is its durable copy and is loaded back on start.
 *
 * Not thread-safe in the sense of re-entrancy: callers mutate it only from the storage write path.
 */
export class TenantSeriesIndex {
  private readonly byKey = new Map<string, IndexedSeries>();
  private readonly byId = new Map<number, IndexedSeries>();
  private readonly postings = new Map<string, Map<string, number[]>>();

  /** Number of series in the index. */
  get size(): number {
    return this.byId.size;
  }

  /** The series with this identity key, if known. */
  getByKey(key: string): IndexedSeries | undefined {
    return this.byKey.get(key);
  }

  /** The series with this id, if known. */
  getById(id: number): IndexedSeries | undefined {
    return this.byId.get(id);
  }

  /** Adds a series; the id must be new. */
  add(key: string, id: number, labels: readonly Label[], minTs = Infinity, maxTs = -Infinity): IndexedSeries {
    const s: IndexedSeries = { id, labels, minTs, maxTs };
    this.byKey.set(key, s);
    this.byId.set(id, s);
    for (const l of labels) {
      let values = this.postings.get(l.name);
      if (!values) {
        values = new Map();
        this.postings.set(l.name, values);
      }
      const list = values.get(l.value);
      if (list) list.push(id);
      else values.set(l.value, [id]);
    }
    return s;
  }

  /** Removes a series (used to undo series created by a commit that failed). */
  remove(key: string): void {
    const s = this.byKey.get(key);
    if (!s) return;
    s.dead = true;
    this.byKey.delete(key);
    this.byId.delete(s.id);
    for (const l of s.labels) {
      const values = this.postings.get(l.name);
      const list = values?.get(l.value);
      if (!values || !list) continue;
      const i = list.indexOf(s.id);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) values.delete(l.value);
      if (values.size === 0) this.postings.delete(l.name);
    }
  }

  /**
   * Series matching every matcher, optionally only those with samples overlapping
   * `[startMs, endMs]`. Prometheus semantics: a matcher that matches the empty string also matches
   * series that lack the label.
   */
  select(matchers: readonly LabelMatcher[], startMs = -Infinity, endMs = Infinity): IndexedSeries[] {
    const compiled = matchers.map(compileMatcher);
    const candidates = this.candidates(compiled);
    const out: IndexedSeries[] = [];
    for (const s of candidates) {
      // A series with no committed sample yet (its first commit is running or failed) is not listed.
      if (s.maxTs === -Infinity || s.maxTs < startMs || s.minTs > endMs) continue;
      if (compiled.every((m) => m.matches(labelValue(s.labels, m.name)))) out.push(s);
    }
    return out;
  }

  /** Label names present on series matching `matchers` (all series when none are given). */
  labelNames(matchers: readonly LabelMatcher[], startMs?: number, endMs?: number): string[] {
    if (matchers.length === 0 && startMs === undefined && endMs === undefined) {
      return [...this.postings.keys()].sort();
    }
    const names = new Set<string>();
    for (const s of this.select(matchers, startMs, endMs)) for (const l of s.labels) names.add(l.name);
    return [...names].sort();
  }

  /** Values of label `name` on series matching `matchers` (all series when none are given). */
  labelValues(name: string, matchers: readonly LabelMatcher[], startMs?: number, endMs?: number): string[] {
    if (matchers.length === 0 && startMs === undefined && endMs === undefined) {
      return [...(this.postings.get(name)?.keys() ?? [])].sort();
    }
    const values = new Set<string>();
    for (const s of this.select(matchers, startMs, endMs)) {
      const v = labelValue(s.labels, name);
      if (v !== '') values.add(v);
    }
    return [...values].sort();
  }

  /** Count of series per value of `name`, for cardinality statistics. */
  valueCounts(name: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const [value, ids] of this.postings.get(name) ?? []) out.set(value, ids.length);
    return out;
  }

  /** Every label name with the number of series carrying it and its distinct value count. */
  nameStats(): Array<{ name: string; series: number; values: number }> {
    const out: Array<{ name: string; series: number; values: number }> = [];
    for (const [name, values] of this.postings) {
      let series = 0;
      for (const ids of values.values()) series += ids.length;
      out.push({ name, series, values: values.size });
    }
    return out;
  }

  /** All series, in id order of insertion. */
  all(): IterableIterator<IndexedSeries> {
    return this.byId.values();
  }

  private candidates(compiled: readonly CompiledMatcher[]): Iterable<IndexedSeries> {
    // Start from the smallest posting set among matchers that cannot match an absent label;
    // every other matcher is then checked per candidate.
    let best: number[] | undefined;
    for (const m of compiled) {
      if (m.matches('')) continue;
      const values = this.postings.get(m.name);
      if (!values) return [];
      let ids: number[];
      if (m.op === '=') {
        ids = values.get(m.value) ?? [];
      } else {
        ids = [];
        for (const [value, list] of values) if (m.matches(value)) for (const id of list) ids.push(id);
      }
      if (!best || ids.length < best.length) best = ids;
      if (best.length === 0) return [];
    }
    if (!best) return this.byId.values();
    const out: IndexedSeries[] = [];
    for (const id of best) {
      const s = this.byId.get(id);
      if (s) out.push(s);
    }
    return out;
  }
}

/** Value of label `name` in a sorted label array, or '' when absent. */
export function labelValue(labels: readonly Label[], name: string): string {
  for (const l of labels) if (l.name === name) return l.value;
  return '';
}
