import { describe, expect, it } from 'vitest';
import { isQueryError } from '../../errors.js';
import { createMemoryLogSource } from '../testing/memory-log-source.js';
import { createLogQLEngine } from './engine.js';

const S = 1_000_000_000n;

function source() {
  const src = createMemoryLogSource();
  for (let i = 1n; i <= 10n; i++) src.add({ app: 'web' }, i * S, `line ${i} ${i % 2n === 0n ? 'even' : 'odd'}`);
  return src;
}

describe('createLogQLEngine', () => {
  it("answers Grafana's Loki health check: vector(1)+vector(1) at time 4e9 ns", async () => {
    const engine = createLogQLEngine(createMemoryLogSource());
    const r = await engine.query('vector(1)+vector(1)', { startNs: 4_000_000_000n, endNs: 4_000_000_000n });
    expect(r).toMatchObject({ resultType: 'vector', result: [{ labels: {}, timestampMs: 4000, value: 2 }] });
  });

  it('pushes contains-filters and the limit down when no stage can drop lines', async () => {
    const src = source();
    const engine = createLogQLEngine(src);
    const r = await engine.query('{app="web"} |= "even" | json', { startNs: 0n, endNs: 20n * S, limit: 2 });
    expect(src.calls[0]).toMatchObject({ lineContains: ['even'], limit: 2, direction: 'backward' });
    expect(r.resultType === 'streams' && r.result[0]!.entries.map((e) => e.line)).toEqual(['line 10 even', 'line 8 even']);
  });

  it('reads without a limit when a later stage can drop lines, then applies the limit', async () => {
    const src = source();
    const engine = createLogQLEngine(src);
    const r = await engine.query('{app="web"} !~ "even"', { startNs: 0n, endNs: 20n * S, limit: 3, direction: 'forward' });
    expect(src.calls[0]?.limit).toBe(0);
    expect(r.resultType === 'streams' && r.result[0]!.entries.map((e) => e.tsNs)).toEqual([1n * S, 3n * S, 5n * S]);
  });

  it('pushes a |~ filter down as lineRegexes, and then the limit too', async () => {
    const src = source();
    const engine = createLogQLEngine(src);
    const r = await engine.query('{app="web"} |~ "o.d"', { startNs: 0n, endNs: 20n * S, limit: 3, direction: 'forward' });
    expect(src.calls[0]).toMatchObject({ limit: 3, lineRegexes: ['o.d'] });
    expect(r.resultType === 'streams' && r.result[0]!.entries.map((e) => e.tsNs)).toEqual([1n * S, 3n * S, 5n * S]);
  });

  it('reads a long range in growing slices from the returned end when a stage can drop lines, until the limit is filled', async () => {
    // One line every 6 minutes for 3.2 hours; the first slice of a backward query is the last 12 minutes.
    const M = 6n * 60n * S;
    const build = () => {
      const src = createMemoryLogSource();
      for (let i = 0n; i < 32n; i++) src.add({ app: 'web' }, i * M + S, `line ${i} ${i % 4n === 0n ? 'rare' : 'common'}`);
      return src;
    };
    const lines = (r: Awaited<ReturnType<ReturnType<typeof createLogQLEngine>['query']>>) =>
      r.resultType === 'streams' ? r.result.flatMap((g) => g.entries.map((e) => e.line)) : [];
    const range = { startNs: 0n, endNs: 32n * M };
    // `!~` is not pushed down, so it can drop lines: no limit for the source, slices instead.
    // Filled by the first slice: one read.
    let src = build();
    let r = await createLogQLEngine(src).query('{app="web"} !~ "none"', { ...range, limit: 2 });
    expect(src.calls.map((c) => [c.startNs, c.endNs, c.limit])).toEqual([[30n * M, 32n * M, 0]]);
    expect(lines(r)).toEqual(['line 31 common', 'line 30 common']);
    // Not filled by the first: the next slice, twice as long.
    src = build();
    r = await createLogQLEngine(src).query('{app="web"} !~ "none"', { ...range, limit: 5 });
    expect(src.calls.map((c) => [c.startNs, c.endNs])).toEqual([
      [30n * M, 32n * M],
      [26n * M, 30n * M],
    ]);
    expect(lines(r)).toEqual(['line 31 common', 'line 30 common', 'line 29 common', 'line 28 rare', 'line 27 common']);
    // Forward: slices of 1, 2, 4 (and 8) sixteenths from the oldest end, none once the limit is filled.
    src = build();
    r = await createLogQLEngine(src).query('{app="web"} !~ "common"', { ...range, limit: 3, direction: 'forward' });
    expect(src.calls.map((c) => [c.startNs, c.endNs])).toEqual([
      [0n, 2n * M],
      [2n * M, 6n * M],
      [6n * M, 14n * M],
    ]);
    expect(lines(r)).toEqual(['line 0 rare', 'line 4 rare', 'line 8 rare']);
    // Every slice when the limit is never filled: the whole range, each line once.
    src = build();
    r = await createLogQLEngine(src).query('{app="web"} !~ "common"', { ...range, limit: 100 });
    expect(src.calls.map((c) => [c.startNs, c.endNs])).toEqual([
      [30n * M, 32n * M],
      [26n * M, 30n * M],
      [18n * M, 26n * M],
      [0n, 18n * M],
    ]);
    expect(lines(r)).toEqual(['line 28 rare', 'line 24 rare', 'line 20 rare', 'line 16 rare', 'line 12 rare', 'line 8 rare', 'line 4 rare', 'line 0 rare']);
    // The limit pushed down (no stage can drop lines): one read of the whole range.
    src = build();
    await createLogQLEngine(src).query('{app="web"} |= "rare"', { ...range, limit: 2 });
    expect(src.calls.map((c) => [c.startNs, c.endNs, c.limit])).toEqual([[0n, 32n * M, 2]]);
    // A short range is read at once.
    src = build();
    await createLogQLEngine(src).query('{app="web"} !~ "none"', { startNs: 0n, endNs: 15n * M, limit: 2 });
    expect(src.calls).toHaveLength(1);
  });

  it('evaluates range metric queries on a step grid with the default step', async () => {
    const engine = createLogQLEngine(source());
    const r = await engine.query('count_over_time({app="web"}[2s])', { startNs: 2n * S, endNs: 10n * S, stepMs: 4000 });
    expect(r).toMatchObject({ resultType: 'matrix', result: [{ labels: { app: 'web' }, timestampsMs: [2000, 6000, 10000], values: [2, 2, 2] }] });
  });

  it('rejects with canceled when the signal fires', async () => {
    const engine = createLogQLEngine(source());
    const controller = new AbortController();
    controller.abort();
    const err = await engine.query('{app="web"}', { startNs: 0n, endNs: 20n * S, signal: controller.signal }).catch((e: unknown) => e);
    expect(isQueryError(err, 'canceled')).toBe(true);
  });

  it('rejects bad queries with bad_query and a position', async () => {
    const engine = createLogQLEngine(source());
    const err = await engine.query('sum(rate({app="web"}[5m])', { startNs: 0n, endNs: 0n }).catch((e: unknown) => e);
    expect(isQueryError(err, 'bad_query')).toBe(true);
    expect((err as Error).message).toBe('1:26: parse error: unclosed left parenthesis');
  });

  it('filters 200k lines through json and a label filter (speed: npm run bench -- --workload logs)', async () => {
    const src = createMemoryLogSource();
    for (let i = 0; i < 200_000; i++) {
      src.add({ app: 'api', host: `h${i % 4}` }, BigInt(i) * 1_000_000n, `{"level":"${i % 10 === 0 ? 'error' : 'info'}","msg":"request ${i}","status":${200 + (i % 3)}}`);
    }
    const engine = createLogQLEngine(src);
    const r = await engine.query('sum by (level) (count_over_time({app="api"} | json | level="error" [1h]))', {
      startNs: 200_000n * 1_000_000n,
      endNs: 200_000n * 1_000_000n,
    });
    expect(r).toMatchObject({ resultType: 'vector', result: [{ labels: { level: 'error' }, value: 20_000 }] });
  });
});
