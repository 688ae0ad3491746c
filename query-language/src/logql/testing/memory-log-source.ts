import { RE2JS } from 're2js';
import { labelsKey } from '../../engine/labels.js';
import { compileMatcher } from '../../testing/memory-source.js';
import type { CountLogsParams, Labels, LogCountStream, LogEntryData, LogSource, LogStreamData, SelectLogsParams } from '../../types.js';

/** An in-memory `LogSource` for tests: add entries, then query through the LogQL engine. */
export interface MemoryLogSource extends LogSource {
  /** Adds an entry to the stream with exactly these labels; entries may come in any order. */
  add(labels: Labels, tsNs: bigint, line: string, metadata?: Record<string, string>): void;
  /** Removes every stream. */
  clear(): void;
  /** The parameters of every `selectLogs` call so far (for pushdown tests). */
  readonly calls: readonly SelectLogsParams[];
  /** The parameters of every `countLogs` call so far (only with the `countLogs` option). */
  readonly countCalls: readonly CountLogsParams[];
}

/** Options of {@link createMemoryLogSource}. */
export interface MemoryLogSourceOptions {
  /**
   * Also implement `LogSource.countLogs` (computed from the stored entries, one window at a
   * time), so the engine takes its counting pushdown.
   * @default false
   */
  countLogs?: boolean;
}

/**
 * Creates an empty in-memory log source. `selectLogs` honours matchers (RE2, anchored), the time
 * range, direction, `limit` across streams, `lineContains` and `lineRegexes`, and rejects when the signal fired,
 * as the storage's `LogStore.read` does.
 */
export function createMemoryLogSource(options: MemoryLogSourceOptions = {}): MemoryLogSource {
  const streams = new Map<string, { labels: Labels; entries: LogEntryData[]; sorted: boolean }>();
  const calls: SelectLogsParams[] = [];
  const countCalls: CountLogsParams[] = [];
  const countLogs = async (params: CountLogsParams): Promise<LogCountStream[]> => {
    countCalls.push(params);
    params.signal?.throwIfAborted();
    if (params.stepNs <= 0n || params.rangeNs <= 0n) throw new Error('countLogs: step and range must be positive');
    const regexes = params.lineRegexes?.map((p) => RE2JS.compile(p));
    const predicates = params.matchers.map((m) => ({ name: m.name, test: compileMatcher(m) }));
    const out: LogCountStream[] = [];
    for (const s of streams.values()) {
      if (!predicates.every((p) => p.test(s.labels[p.name] ?? ''))) continue;
      // One group per distinct metadata set (order of keys does not matter).
      const groups = new Map<string, { metadata: Record<string, string> | undefined; entries: LogEntryData[] }>();
      for (const e of s.entries) {
        if (params.lineContains && !params.lineContains.every((needle) => e.line.includes(needle))) continue;
        if (regexes && !regexes.every((re) => re.matcher(e.line).find())) continue;
        const meta = e.metadata && Object.keys(e.metadata).length > 0 ? e.metadata : undefined;
        const key = meta ? JSON.stringify(Object.entries(meta).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : '';
        let g = groups.get(key);
        if (!g) {
          g = { metadata: meta, entries: [] };
          groups.set(key, g);
        }
        g.entries.push(e);
      }
      for (const g of groups.values()) {
        const points: LogCountStream['points'] = [];
        for (let t = params.startNs; t <= params.endNs; t += params.stepNs) {
          let count = 0;
          let bytes = 0;
          for (const e of g.entries) {
            if (e.tsNs > t - params.rangeNs && e.tsNs <= t) {
              count++;
              bytes += Buffer.byteLength(e.line, 'utf8');
            }
          }
          if (count > 0) points.push({ tsNs: t, count, bytes });
        }
        if (points.length > 0) out.push(g.metadata ? { labels: s.labels, metadata: g.metadata, points } : { labels: s.labels, points });
      }
    }
    return out;
  };
  return {
    calls,
    countCalls,
    ...(options.countLogs ? { countLogs } : {}),
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
