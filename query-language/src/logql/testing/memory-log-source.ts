import { RE2JS } from 're2js';
import { labelsKey } from '../../engine/labels.js';
import { compileMatcher } from '../../testing/memory-source.js';
import type { Labels, LogEntryData, LogSource, LogStreamData, SelectLogsParams } from '../../types.js';

/** An in-memory `LogSource` for tests: add entries, then query through the LogQL engine. */
export interface MemoryLogSource extends LogSource {
  /** Adds an entry to the stream with exactly these labels; entries may come in any order. */
  add(labels: Labels, tsNs: bigint, line: string, metadata?: Record<string, string>): void;
  /** Removes every stream. */
  clear(): void;
  /** The parameters of every `selectLogs` call so far (for pushdown tests). */
  readonly calls: readonly SelectLogsParams[];
}

/**
 * Creates an empty in-memory log source. `selectLogs` honours matchers (RE2, anchored), the time
 * range, direction, `limit` across streams, `lineContains` and `lineRegexes`, and rejects when the signal fired,
 * as the storage's `LogStore.read` does.
 */
export function createMemoryLogSource(): MemoryLogSource {
  const streams = new Map<string, { labels: Labels; entries: LogEntryData[]; sorted: boolean }>();
  const calls: SelectLogsParams[] = [];
  return {
    calls,
    add(labels, tsNs, line, metadata) {
      const key = labelsKey(labels);
      let s = streams.get(key);
      if (!s) {
        s = { labels, entries: [], sorted: true };
        streams.set(key, s);
      }
      const last = s.entries.at(-1);
      if (last && last.tsNs > tsNs) s.sorted = false;
      s.entries.push(metadata ? { tsNs, line, metadata } : { tsNs, line });
    },
    clear() {
      streams.clear();
    },
    async selectLogs(params) {
      calls.push(params);
      const regexes = params.lineRegexes?.map((p) => RE2JS.compile(p));
      params.signal?.throwIfAborted();
      const predicates = params.matchers.map((m) => ({ name: m.name, test: compileMatcher(m) }));
      const picked: Array<{ stream: number; entry: LogEntryData }> = [];
      const selected: Labels[] = [];
      for (const s of streams.values()) {
        if (!predicates.every((p) => p.test(s.labels[p.name] ?? ''))) continue;
        if (!s.sorted) {
          s.entries.sort((a, b) => (a.tsNs < b.tsNs ? -1 : a.tsNs > b.tsNs ? 1 : 0));
          s.sorted = true;
        }
        const index = selected.length;
        selected.push(s.labels);
        for (const e of s.entries) {
          if (e.tsNs < params.startNs || e.tsNs >= params.endNs) continue;
          if (params.lineContains && !params.lineContains.every((needle) => e.line.includes(needle))) continue;
          if (regexes && !regexes.every((re) => re.matcher(e.line).find())) continue;
          picked.push({ stream: index, entry: e });
        }
      }
      const forward = params.direction === 'forward';
      picked.sort((a, b) => {
        if (a.entry.tsNs !== b.entry.tsNs) return (a.entry.tsNs < b.entry.tsNs ? -1 : 1) * (forward ? 1 : -1);
        return a.stream - b.stream;
      });
      const kept = params.limit > 0 ? picked.slice(0, params.limit) : picked;
      const out = new Map<number, LogStreamData>();
      for (const { stream, entry } of kept) {
        let s = out.get(stream);
        if (!s) {
          s = { labels: selected[stream]!, entries: [] };
          out.set(stream, s);
        }
        (s.entries as LogEntryData[]).push(entry);
      }
      return [...out.values()];
    },
  };
}
