import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMemorySource, type MemorySource } from '../testing/memory-source.js';
import { parseScript, type ScriptCommand } from '../testing/promql-script.js';
import type { BucketedSeries, SelectBucketsParams, SeriesSource } from '../types.js';
import { createEngine, type QueryResult } from './engine.js';
import { planBuckets } from './pushdown.js';

/**
 * A reference `selectBuckets` over raw samples, with the semantics a storage implementation must
 * have: stale markers are not samples, min/max ignore NaN unless every value is NaN, bucket `j`
 * is `(firstEnd + (j-1)·bucket, firstEnd + j·bucket]`. Sums are added in reverse order, so that
 * the comparison below also shows that the order of additions inside a bucket does not matter.
 */
function withBuckets(source: MemorySource, calls: { n: number }): SeriesSource {
  return {
    select: (p) => source.select(p),
    async selectBuckets(p: SelectBucketsParams): Promise<BucketedSeries[]> {
      calls.n++;
      const raw = await source.select(p);
      return raw.map((r) => {
        const m = p.buckets;
        const s: Required<BucketedSeries> = {
          labels: r.labels,
          count: new Float64Array(m),
          sum: new Float64Array(m),
          absSum: new Float64Array(m),
          min: new Float64Array(m).fill(Number.NaN),
          max: new Float64Array(m).fill(Number.NaN),
          firstValue: new Float64Array(m),
          firstTs: new Float64Array(m),
          lastValue: new Float64Array(m),
          lastTs: new Float64Array(m),
        };
        const count = s.count as Float64Array;
        for (let i = r.timestamps.length - 1; i >= 0; i--) {
          const t = r.timestamps[i]!;
          if (r.stale?.[i] === 1 || t < p.startMs || t > p.endMs) continue;
          const j = Math.ceil((t - p.firstEndMs) / p.bucketMs);
          const v = r.values[i]!;
          count[j]!++;
          (s.sum as Float64Array)[j]! += v;
          if (Number.isFinite(v)) (s.absSum as Float64Array)[j]! += Math.abs(v);
          if (!Number.isNaN(v)) {
            if (Number.isNaN(s.min[j]!) || v < s.min[j]!) (s.min as Float64Array)[j] = v;
            if (Number.isNaN(s.max[j]!) || v > s.max[j]!) (s.max as Float64Array)[j] = v;
          }
          (s.firstValue as Float64Array)[j] = v;
          (s.firstTs as Float64Array)[j] = t;
          if (count[j] === 1) {
            (s.lastValue as Float64Array)[j] = v;
            (s.lastTs as Float64Array)[j] = t;
          }
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

  const calls = { n: 0 };
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
            const engine = createEngine(source);
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
  });
});
