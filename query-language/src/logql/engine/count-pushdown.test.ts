import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryLogSource, type MemoryLogSource } from '../testing/memory-log-source.js';
import { createLogQLEngine, type LogQLResult } from './engine.js';

const S = 1_000_000_000n;
const MS = 1_000_000n;

/** Two sources with the same entries: the per-line path and the `countLogs` pushdown. */
function pair(entries: Array<{ labels: Record<string, string>; tsNs: bigint; line: string; metadata?: Record<string, string> }>) {
  const plain = createMemoryLogSource();
  const counting = createMemoryLogSource({ countLogs: true });
  for (const e of entries) for (const src of [plain, counting]) src.add(e.labels, e.tsNs, e.line, e.metadata);
  return { plain, counting };
}

async function both(plain: MemoryLogSource, counting: MemoryLogSource, query: string, params: { startNs: bigint; endNs: bigint; stepMs?: number }) {
  const a = await createLogQLEngine(plain).query(query, params);
  const b = await createLogQLEngine(counting).query(query, params);
  return { a: normalize(a), b: normalize(b) };
}

/** Series order within a result is unspecified (it follows the source's stream order): sort it. */
function normalize(r: LogQLResult): LogQLResult {
  if (r.resultType !== 'vector' && r.resultType !== 'matrix') return r;
  const key = (x: { labels: Record<string, string> }) => JSON.stringify(Object.entries(x.labels).sort());
  return { ...r, result: [...r.result].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0)) } as LogQLResult;
}

const QUERIES = [
  'count_over_time({app=~".+"}[5s])',
  'sum by (level) (count_over_time({app=~".+"}[5s]))',
  'count_over_time({app=~".+"}[7s] offset 3s)',
  'bytes_over_time({app="web"}[10s])',
  'rate({app=~".+"} |= "a" [4s])',
  'bytes_rate({app=~".+"} |~ "é|b+" [3s])',
  'sum by (level, trace) (count_over_time({app=~".+"} |= "a" |~ "[bc]" [6s]))',
  'sum without (host) (count_over_time({app=~".+"}[5s]))',
  'absent_over_time({app="web"} |= "zzz" [2s])',
  'absent_over_time({app="web", level="warn"}[2s])',
  'count_over_time({app=~".+"}[1s])',
  'count_over_time({app=~".+"}[2s] offset 500ms)',
];

describe('the countLogs pushdown', () => {
  it('gives the per-line answers on random entries, steps, ranges and offsets', async () => {
    const entry = fc.record({
      app: fc.constantFrom('web', 'api'),
      level: fc.constantFrom('info', 'warn', 'error'),
      ms: fc.integer({ min: 0, max: 40_000 }),
      line: fc.stringMatching(/^[abcé ]{0,6}$/),
      meta: fc.option(fc.constantFrom('t1', 't2', ''), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(entry, { maxLength: 60 }),
        fc.constantFrom(...QUERIES),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 30 }),
        fc.constantFrom(500, 1000, 2000, 3000, 7000),
        async (entries, query, startS, spanS, stepMs) => {
          const { plain, counting } = pair(
            entries.map((e) => ({
              labels: { app: e.app, level: e.level },
              tsNs: BigInt(e.ms) * MS,
              line: e.line,
              ...(e.meta !== undefined ? { metadata: (e.meta === "" ? {} : { trace: e.meta }) as Record<string, string> } : {}),
            })),
          );
          const params = { startNs: BigInt(startS) * S, endNs: BigInt(startS + spanS) * S, stepMs };
          const { a, b } = await both(plain, counting, query, params);
          expect(b).toEqual(a);
          expect(counting.countCalls.length).toBe(1);
          expect(counting.calls.length).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('passes the window ends, step, range and filters, with offset applied', async () => {
    const { counting } = pair([{ labels: { app: 'web' }, tsNs: 5n * S, line: 'a' }]);
    await createLogQLEngine(counting).query('count_over_time({app="web"} |= "a" |~ "b" [5s] offset 2s)', {
      startNs: 10n * S,
      endNs: 20n * S,
      stepMs: 5000,
    });
    expect(counting.countCalls[0]).toMatchObject({ startNs: 8n * S, endNs: 18n * S, stepNs: 5n * S, rangeNs: 5n * S, lineContains: ['a'], lineRegexes: ['b'] });
  });

  it('is not used when a stage runs per line (parsers, negative filters, unwrap) or for other functions', async () => {
    const { counting } = pair([{ labels: { app: 'web' }, tsNs: 5n * S, line: 'a=1' }]);
    const engine = createLogQLEngine(counting);
    for (const q of [
      'count_over_time({app="web"} | logfmt [5s])',
      'count_over_time({app="web"} != "b" [5s])',
      'count_over_time({app="web"} |= "a" or "b" [5s])',
      'sum_over_time({app="web"} | logfmt | unwrap a [5s])',
      'rate({app="web"} | logfmt | unwrap a [5s])',
    ]) {
      await engine.query(q, { startNs: 10n * S, endNs: 10n * S });
    }
    expect(counting.countCalls).toEqual([]);
    expect(counting.calls.length).toBe(5);
  });
});
