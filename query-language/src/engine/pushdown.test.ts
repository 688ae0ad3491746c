import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMemorySource, type MemorySource } from '../testing/memory-source.js';
import { parseScript, type ScriptCommand } from '../testing/promql-script.js';
import type { BucketedSeries, SelectBucketsParams, SeriesSource } from '../types.js';
import { createEngine, type QueryResult } from './engine.js';
import { planBuckets, planLatest } from './pushdown.js';

/**
 * A reference `selectBuckets` over raw samples, with the semantics a storage implementation must
 * have: stale markers are not samples, min/max ignore NaN unless every value is NaN, bucket `j`
 * is `(firstEnd + (j-1)·bucket, firstEnd + j·bucket]`. Sums are added in reverse order, so that
 * the comparison below also shows that the order of additions inside a bucket does not matter.
 */
function withBuckets(source: MemorySource, calls: { n: number; kinds: Map<string, number> }): SeriesSource {
  return {
    select: (p) => source.select(p),
    async selectBuckets(p: SelectBucketsParams): Promise<BucketedSeries[]> {
      calls.n++;
      for (const a of p.aggregates) calls.kinds.set(a, (calls.kinds.get(a) ?? 0) + 1);
      const raw = await source.select(p);
      return raw.map((r) => {
        const m = p.buckets;
        const f = () => new Float64Array(m);
        const s: Required<BucketedSeries> = {
          labels: r.labels,
          count: f(),
          sum: f(),
          absSum: f(),
          min: f().fill(Number.NaN),
          max: f().fill(Number.NaN),
          firstValue: f(),
          firstTs: f(),
          lastValue: f(),
          lastTs: f(),
          latestTs: f().fill(Number.NaN),
          latestStale: f(),
          latestValue: f(),
          resets: f(),
          resetSum: f(),
          resetAbsSum: f(),
          changes: f(),
          prevValue: f(),
          prevTs: f().fill(Number.NaN),
        };
        const count = s.count as Float64Array;
        const w = s as unknown as Record<keyof BucketedSeries, Float64Array>;
        for (let i = r.timestamps.length - 1; i >= 0; i--) {
          const t = r.timestamps[i]!;
          if (t < p.startMs || t > p.endMs) continue;
          const j = Math.ceil((t - p.firstEndMs) / p.bucketMs);
          if (Number.isNaN(w.latestTs[j]!)) {
            w.latestTs[j] = t;
            w.latestStale[j] = r.stale?.[i] === 1 ? 1 : 0;
            w.latestValue[j] = r.values[i]!;
          }
          if (r.stale?.[i] === 1) continue;
          const v = r.values[i]!;
          count[j]!++;
          w.sum[j]! += v;
          if (Number.isFinite(v)) w.absSum[j]! += Math.abs(v);
          if (!Number.isNaN(v)) {
            if (Number.isNaN(s.min[j]!) || v < s.min[j]!) w.min[j] = v;
            if (Number.isNaN(s.max[j]!) || v > s.max[j]!) w.max[j] = v;
          }
          w.firstValue[j] = v;
          w.firstTs[j] = t;
          if (count[j] === 1) {
            w.lastValue[j] = v;
            w.lastTs[j] = t;
          }
          // The sample before this one in the same bucket (stale markers skipped).
          let k = i - 1;
          while (k >= 0 && r.stale?.[k] === 1) k--;
          const tk = r.timestamps[k]!;
          if (k < 0 || tk < p.startMs || Math.ceil((tk - p.firstEndMs) / p.bucketMs) !== j) continue;
          const prev = r.values[k]!;
          if (count[j] === 1) {
            w.prevValue[j] = prev;
            w.prevTs[j] = tk;
          }
          if (v < prev) {
            w.resets[j]!++;
            w.resetSum[j]! += prev;
            w.resetAbsSum[j]! += Math.abs(prev);
          }
          if (v !== prev && !(Number.isNaN(v) && Number.isNaN(prev))) w.changes[j]!++;
        }
        return s;
      });
    },
  };
}

/** Equal results: the same series in the same order, values equal within 1e-12 relative. */
export function expectSameResult(pushed: QueryResult, plain: QueryResult): void {
  expect(pushed.resultType).toBe(plain.resultType);
  expect(pushed.warnings).toEqual(plain.warnings);
  expect(pushed.infos).toEqual(plain.infos);
  const close = (a: number, b: number) =>
    Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
  const flat = (r: QueryResult): Array<[string, number, number]> => {
    if (r.resultType === 'vector') return r.result.map((s) => [JSON.stringify(s.labels), s.timestampMs, s.value]);
    if (r.resultType === 'matrix') return r.result.flatMap((s) => s.values.map((v, i) => [JSON.stringify(s.labels), s.timestampsMs[i]!, v] as [string, number, number]));
    if (r.resultType === 'scalar') return [['', r.result.timestampMs, r.result.value]];
    return [];
  };
  const a = flat(pushed);
  const b = flat(plain);
  expect(a.map(([l, t]) => `${l}@${t}`)).toEqual(b.map(([l, t]) => `${l}@${t}`));
  a.forEach(([l, t, v], i) => {
    if (!close(v, b[i]![2])) expect(`${l}@${t} ${v}`).toBe(`${l}@${t} ${b[i]![2]}`);
  });
}

/** Every eval of a script with its data: `{ query, timing, load }`. */
function evals(text: string) {
  const out: Array<{ cmd: Extract<ScriptCommand, { kind: 'eval' }>; loads: Array<Extract<ScriptCommand, { kind: 'load' }>> }> = [];
  let loads: Array<Extract<ScriptCommand, { kind: 'load' }>> = [];
  for (const cmd of parseScript(text)) {
    if (cmd.kind === 'clear') loads = [];
    else if (cmd.kind === 'load') loads = [...loads, cmd];
    else out.push({ cmd, loads });
  }
  return out;
}

const TESTDATA = new URL('../../testdata/', import.meta.url);
const files = readdirSync(TESTDATA).filter((f) => f.endsWith('.test')).sort();

describe('range functions pushed down to the source', () => {
  it('plans buckets for regular step grids only', () => {
    expect(planBuckets(Float64Array.of(600_000, 660_000, 720_000), 300_000)).toEqual({
      firstEndMs: 360_000,
      bucketMs: 60_000,
      buckets: 7,
      perWindow: 5,
      stepBuckets: 1,
    });
    expect(planBuckets(Float64Array.of(1_000, 1_000), 60_000)).toMatchObject({ bucketMs: 60_000, buckets: 1, stepBuckets: 0 });
    expect(planBuckets(Float64Array.of(0, 60_000, 130_000), 60_000)).toBeUndefined();
    expect(planBuckets(Float64Array.of(0.5), 60_000)).toBeUndefined();
    // gcd(37 s, 5 m) = 1 s: 300 buckets per window is too many.
    expect(planBuckets(Float64Array.of(0, 37_000), 300_000)).toBeUndefined();
  });

  it('plans step buckets for instant selectors', () => {
    // Steps of 1 m with a 5 m lookback: 4 buckets before the first step's own.
    expect(planLatest(Float64Array.of(600_000, 660_000, 720_000), 300_000)).toEqual({
      firstEndMs: 360_000,
      bucketMs: 60_000,
      buckets: 7,
      pre: 4,
      stepBuckets: 1,
    });
    expect(planLatest(Float64Array.of(1_000), 300_000)).toEqual({ firstEndMs: 1_000, bucketMs: 300_000, buckets: 1, pre: 0, stepBuckets: 0 });
    expect(planLatest(Float64Array.of(1_000, 1_000), 300_000)).toMatchObject({ buckets: 1, stepBuckets: 0 });
    // Steps longer than the lookback: one bucket per step.
    expect(planLatest(Float64Array.of(0, 3_600_000), 300_000)).toMatchObject({ buckets: 2, pre: 0 });
    expect(planLatest(Float64Array.of(0, 60_000, 130_000), 300_000)).toBeUndefined();
    expect(planLatest(Float64Array.of(0, 1_000), 300_000)).toBeUndefined();
  });

  it('pushes pairwise functions down only when windows overlap enough', async () => {
    const memory = createMemorySource();
    for (let t = 0; t < 7_200_000; t += 10_000) memory.add({ __name__: 'c_total' }, t, t % 70_000);
    const counted = { n: 0, kinds: new Map<string, number>() };
    await createEngine(withBuckets(memory, counted)).rangeQuery('rate(c_total[1h])', { startMs: 3_600_000, endMs: 7_200_000, stepMs: 60_000 });
    expect(counted.n).toBe(0); // off by default
    const engine = createEngine(withBuckets(memory, counted), { pairPushdownMinOverlap: 16 });
    const timing = { startMs: 3_600_000, endMs: 7_200_000, stepMs: 60_000 };
    await engine.rangeQuery('rate(c_total[5m])', timing);
    expect(counted.kinds.get('resets')).toBeUndefined();
    await engine.rangeQuery('rate(c_total[20m])', timing);
    expect(counted.kinds.get('resets')).toBe(1);
    // `delta` needs no pairs: always pushed down.
    await engine.rangeQuery('delta(c_total[5m])', timing);
    expect(counted.n).toBe(2);
  });

  const calls = { n: 0, kinds: new Map<string, number>() };
  for (const file of files) {
    describe(file, () => {
      for (const { cmd, loads } of evals(readFileSync(new URL(file, TESTDATA), 'utf8'))) {
        it(`line ${cmd.line}: ${cmd.query}`, async () => {
          const memory = createMemorySource();
          for (const load of loads) {
            for (const s of load.series) {
              s.values.forEach((v, i) => {
                if (v.kind === 'value') memory.add(s.labels, i * load.intervalMs, v.value);
                else if (v.kind === 'stale') memory.add(s.labels, i * load.intervalMs, Number.NaN, true);
              });
            }
          }
          const run = async (source: SeriesSource): Promise<QueryResult | string> => {
            const engine = createEngine(source, { pairPushdownMinOverlap: 0 });
            try {
              return cmd.timing.type === 'instant'
                ? await engine.instantQuery(cmd.query, cmd.timing.timeMs)
                : await engine.rangeQuery(cmd.query, cmd.timing);
            } catch (err) {
              return (err as Error).message;
            }
          };
          const plain = await run({ select: (p) => memory.select(p) });
          const pushed = await run(withBuckets(memory, calls));
          if (typeof plain === 'string' || typeof pushed === 'string') expect(pushed).toEqual(plain);
          else expectSameResult(pushed, plain);
        });
      }
    });
  }

  it('was used by the scripts', () => {
    expect(calls.n).toBeGreaterThan(40);
    // Instant selectors, counter resets, changes and the last two samples were all pushed down.
    for (const kind of ['latest', 'resets', 'changes', 'previous']) expect(calls.kinds.get(kind) ?? 0, kind).toBeGreaterThan(5);
  });
});
