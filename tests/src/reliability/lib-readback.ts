import { type ExportedSeries, readExport } from '../lib/export-reader.js';
import { LOKI_LINE_PREFIX, type LoadWriters, type WriterProtocol, compareWithLedger, summarize } from '../lib/load-writers.js';
import type { VigilServer } from '../lib/vigil-server.js';

/** Most entries Vigil returns per Loki query (Loki's `max_entries_limit`). */
const LOKI_PAGE = 5000;

/**
 * Reads every line of the streams matching `selector` over `[startMs, endMs]` with Loki
 * `query_range` (forward, paged by {@link LOKI_PAGE}) and returns them in the export format, so that
 * {@link compareWithLedger} checks log lines exactly as it checks samples: the stream labels are
 * the "metric", each entry's nanosecond timestamp becomes milliseconds and its line (written by a
 * `loki_json` writer as `LOKI_LINE_PREFIX + value`) the value.
 *
 * Paging: when a page is full, its entries at its last timestamp are dropped and the next page
 * starts at that timestamp (inclusive), so every entry at a page boundary is returned by exactly
 * one page and a duplicate stored entry still shows as a duplicate.
 *
 * @throws when an answer is not 200, or a line was not written by a load writer
 */
export async function readLokiAsExport(
  server: VigilServer,
  selector: string,
  options: { tenant?: string; startMs: number; endMs: number },
): Promise<ExportedSeries[]> {
  const byStream = new Map<string, ExportedSeries>();
  let fromNs = BigInt(options.startMs) * 1_000_000n;
  const endNs = BigInt(options.endMs) * 1_000_000n;
  for (;;) {
    const params = new URLSearchParams({ query: selector, start: `${fromNs}`, end: `${endNs}`, limit: String(LOKI_PAGE), direction: 'forward' });
    const path = `/loki/api/v1/query_range?${params}`;
    const res = await server.request(path, { timeoutMs: 120_000, ...(options.tenant ? { tenant: options.tenant } : {}) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${text.slice(0, 500)}`);
    const body = JSON.parse(text) as { data: { result: Array<{ stream: Record<string, string>; values: Array<[string, string]> }> } };
    const entries: Array<{ stream: Record<string, string>; key: string; ns: bigint; line: string }> = [];
    for (const s of body.data.result) {
      const key = JSON.stringify(Object.entries(s.stream).sort());
      for (const [ns, line] of s.values) entries.push({ stream: s.stream, key, ns: BigInt(ns), line });
    }
    entries.sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0));
    const full = entries.length >= LOKI_PAGE;
    const lastNs = entries[entries.length - 1]?.ns;
    const keep = full ? entries.filter((e) => e.ns !== lastNs) : entries;
    if (full && keep.length === 0) throw new Error(`more than ${LOKI_PAGE} entries at ${lastNs} ns: cannot page`);
    for (const e of keep) {
      if (!e.line.startsWith(LOKI_LINE_PREFIX)) throw new Error(`unexpected line ${JSON.stringify(e.line)} in ${e.key}`);
      let out = byStream.get(e.key);
      if (!out) {
        out = { metric: e.stream, timestamps: [], values: [] };
        byStream.set(e.key, out);
      }
      out.timestamps.push(Number(e.ns / 1_000_000n));
      out.values.push(Number(e.line.slice(LOKI_LINE_PREFIX.length)));
    }
    if (!full) break;
    fromNs = lastNs!;
  }
  return [...byStream.values()];
}

/** One group of writers and what it writes: the unit the reliability suites check. */
export interface WriterGroup {
  name: string;
  protocol: WriterProtocol;
  tenant: string;
  metric: string;
  writers: LoadWriters;
}

/** What {@link checkGroup} found for one group. */
export interface GroupCheck {
  name: string;
  /** `no problems`, or the summary of {@link compareWithLedger}. */
  summary: string;
  acked: number;
  readBack: number;
  unackedButStored: number;
}

/**
 * Reads back what `group` wrote (export API for samples, Loki query for lines) and compares it
 * with the group's ledger.
 */
export async function checkGroup(server: VigilServer, group: WriterGroup, startMs: number): Promise<GroupCheck> {
  const exported =
    group.protocol === 'loki_json'
      ? await readLokiAsExport(server, `{job="${group.metric}"}`, { tenant: group.tenant, startMs, endMs: Date.now() + 60_000 })
      : await readExport(server, `{__name__="${group.metric}"}`, { tenant: group.tenant });
  const c = compareWithLedger(exported, group.writers);
  return { name: group.name, summary: summarize(c), acked: group.writers.acked.size, readBack: c.readBack, unackedButStored: c.unackedButStored };
}
