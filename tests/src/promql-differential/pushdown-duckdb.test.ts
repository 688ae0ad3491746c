import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type QueryResult, type SeriesSource } from '@vigil/query-language';
import { parseScript, type ScriptCommand } from '@vigil/query-language/testing';
import { Database, MetricStore, objectToLabels } from '@vigil/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../lib/wait.js';

// The engine evaluates `*_over_time`, `rate`/`increase`/`delta`/`irate`/`idelta`/`resets`/`changes`
// over a plain range selector, and instant vector selectors, from per-bucket aggregates that
// storage computes in DuckDB (`seriesSource(...).selectBuckets`). This runs every eval of the
// promqltest scripts in query-language/testdata over a real MetricStore twice, with and without
// that pushdown, and requires the same answers (values within 1e-12 relative): once while the
// samples sit in the head tables, once after compaction into `samples`.

type Load = Extract<ScriptCommand, { kind: 'load' }>;
type Eval = Extract<ScriptCommand, { kind: 'eval' }>;

const TESTDATA = new URL('../../../query-language/testdata/', import.meta.url);
const files = readdirSync(TESTDATA).filter((f) => f.endsWith('.test')).sort();

/** Every eval with the loads before it; evals sharing the same loads share one tenant. */
const cases: Array<{ file: string; cmd: Eval; tenant: string }> = [];
const tenants = new Map<string, Load[]>();
for (const file of files) {
  let loads: Load[] = [];
  let tenant = '';
  for (const cmd of parseScript(readFileSync(new URL(file, TESTDATA), 'utf8'))) {
    if (cmd.kind === 'clear') loads = [];
    else if (cmd.kind === 'load') loads = [...loads, cmd];
    if (cmd.kind !== 'eval') {
      tenant = `t${tenants.size}`;
      tenants.set(tenant, loads);
      continue;
    }
    if (!tenant) {
      tenant = `t${tenants.size}`;
      tenants.set(tenant, loads);
    }
    cases.push({ file, cmd, tenant });
  }
}

let dir = '';
let db: Database;
let store: MetricStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-pushdown-'));
  db = await Database.open({ dataDir: dir, memoryLimit: '256MB' });
  store = await MetricStore.open(db);
  for (const [tenant, loads] of tenants) {
    const bySeries = new Map<string, { labels: Record<string, string>; ts: number[]; vs: number[]; stale: number[] }>();
    for (const load of loads) {
      for (const s of load.series) {
        const key = JSON.stringify(Object.entries(s.labels).sort());
        let entry = bySeries.get(key);
        if (!entry) {
          entry = { labels: s.labels, ts: [], vs: [], stale: [] };
          bySeries.set(key, entry);
        }
        const e = entry;
        s.values.forEach((v, i) => {
          if (v.kind === 'omitted') return;
          e.ts.push(i * load.intervalMs);
          e.vs.push(v.kind === 'value' ? v.value : Number.NaN);
          e.stale.push(v.kind === 'stale' ? 1 : 0);
        });
      }
    }
    const batch = [...bySeries.values()].map((e) => ({
      labels: objectToLabels(e.labels),
      timestampsMs: e.ts,
      values: e.vs,
      stale: e.stale,
    }));
    if (batch.length > 0) await store.append(tenant, batch);
  }
  await store.append(RANDOM_TENANT, randomSeries());
}, 120_000);

/**
 * A tenant of random series for the rate family and instant selectors: counters with resets
 * (several per bucket too), gauges, NaN and ±Inf values, stale markers, gaps and irregular
 * timestamps, over 2 h.
 */
const RANDOM_TENANT = 'random';
function randomSeries() {
  const rnd = seededRandom(20261207);
  const out = [];
  for (let k = 0; k < 40; k++) {
    const ts: number[] = [];
    const vs: number[] = [];
    const stale: number[] = [];
    let t = Math.floor(rnd() * 20_000);
    let v = rnd() < 0.5 ? 0 : rnd() * 1e6;
    while (t < 2 * 3_600_000) {
      const r = rnd();
      if (k % 4 === 0) v = rnd() * 100 - 20; // gauge: a reset at about every other sample
      else if (r < 0.08) v = rnd() * 10; // counter reset
      else v += Math.floor(rnd() * 1000) / 8;
      let value = v;
      if (k % 7 === 3 && rnd() < 0.05) value = Number.NaN;
      if (k % 11 === 5 && rnd() < 0.01) value = rnd() < 0.5 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
      ts.push(t);
      vs.push(value);
      stale.push(k % 3 === 1 && rnd() < 0.03 ? 1 : 0);
      // Mostly 10–15 s apart, sometimes a gap of minutes.
      t += rnd() < 0.02 ? Math.floor(rnd() * 900_000) : 10_000 + Math.floor(rnd() * 5_000);
    }
    out.push({ labels: objectToLabels({ __name__: k % 2 === 0 ? 'r_total' : 'r_gauge', k: String(k) }), timestampsMs: ts, values: vs, stale });
  }
  return out;
}

const RANDOM_QUERIES = [
  'r_total',
  'r_gauge',
  'timestamp(r_total)',
  'r_total offset 3m',
  ...['rate', 'increase', 'delta', 'irate', 'idelta', 'resets', 'changes'].flatMap((f) => [
    `${f}(r_total[5m])`,
    `${f}(r_gauge[1m])`,
    `${f}({__name__=~"r_.*"}[7m])`,
  ]),
  'sum by (k) (rate(r_total[5m] offset 1m))',
];
const RANDOM_TIMINGS = [
  { startMs: 600_000, endMs: 7_200_000, stepMs: 60_000 },
  { startMs: 123_457, endMs: 7_000_000, stepMs: 30_000 },
  { startMs: 1_000_000, endMs: 7_000_000, stepMs: 1_800_000 },
  { startMs: 3_600_000, endMs: 3_600_000, stepMs: 60_000 },
];

afterAll(async () => {
  await db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function expectSameResult(pushed: QueryResult | string, plain: QueryResult | string): void {
  if (typeof pushed === 'string' || typeof plain === 'string') {
    expect(pushed).toEqual(plain);
    return;
  }
  expect(pushed.resultType).toBe(plain.resultType);
  expect(pushed.warnings).toEqual(plain.warnings);
  expect(pushed.infos).toEqual(plain.infos);
  const flat = (r: QueryResult): Array<[string, number]> => {
    if (r.resultType === 'vector') return r.result.map((s) => [`${JSON.stringify(s.labels)}@${s.timestampMs}`, s.value]);
    if (r.resultType === 'matrix') {
      return r.result.flatMap((s) => s.values.map((v, i): [string, number] => [`${JSON.stringify(s.labels)}@${s.timestampsMs[i]}`, v]));
    }
    if (r.resultType === 'scalar') return [[`@${r.result.timestampMs}`, r.result.value]];
    return [];
  };
  const a = flat(pushed);
  const b = flat(plain);
  expect(a.map(([k]) => k)).toEqual(b.map(([k]) => k));
  a.forEach(([k, x], i) => {
    const y = b[i]![1];
    const same = Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y)) || Math.abs(x - y) <= 1e-12 * Math.max(Math.abs(x), Math.abs(y));
    if (!same) expect(`${k} ${x}`).toBe(`${k} ${y}`);
  });
}

async function run(source: SeriesSource, cmd: Eval): Promise<QueryResult | string> {
  // Overlap 0: the pairwise functions are pushed down whatever the range and step.
  const engine = createEngine(source, { pairPushdownMinOverlap: 0 });
  try {
    return cmd.timing.type === 'instant' ? await engine.instantQuery(cmd.query, cmd.timing.timeMs) : await engine.rangeQuery(cmd.query, cmd.timing);
  } catch (err) {
    return (err as Error).message;
  }
}

for (const phase of ['in the heads', 'after compaction'] as const) {
  describe(`range functions pushed down to DuckDB equal the JS path, ${phase}`, () => {
    let pushdowns = 0;
    const kinds = new Map<string, number>();
    beforeAll(async () => {
      if (phase === 'after compaction') await store.flush();
    }, 60_000);
    it.each(cases.map((c) => ({ ...c, name: `${c.file} line ${c.cmd.line}: ${c.cmd.query}` })))('$name', async ({ cmd, tenant }) => {
      const full = store.seriesSource(tenant);
      const counting: SeriesSource = {
        select: (p) => full.select(p),
        selectBuckets: (p) => {
          pushdowns++;
          for (const a of p.aggregates) kinds.set(a, (kinds.get(a) ?? 0) + 1);
          return full.selectBuckets(p);
        },
      };
      expectSameResult(await run(counting, cmd), await run({ select: (p) => full.select(p) }, cmd));
    });
    it.each(RANDOM_QUERIES.flatMap((q) => RANDOM_TIMINGS.map((timing) => ({ q, timing, name: `${q} ${JSON.stringify(timing)}` }))))(
      'random data: $name',
      async ({ q, timing }) => {
        const full = store.seriesSource(RANDOM_TENANT);
        const counting: SeriesSource = {
          select: (p) => full.select(p),
          selectBuckets: (p) => {
            pushdowns++;
            return full.selectBuckets(p);
          },
        };
        const before = pushdowns;
        const pushed = await createEngine(counting, { pairPushdownMinOverlap: 0 }).rangeQuery(q, timing);
        const plain = await createEngine({ select: (p) => full.select(p) }).rangeQuery(q, timing);
        expect(pushdowns).toBeGreaterThan(before);
        expect(plain.resultType === 'matrix' && plain.result.length).toBeGreaterThan(0);
        expectSameResult(pushed, plain);
      },
    );
    it('pushed work down', () => {
      expect(pushdowns).toBeGreaterThan(40);
      for (const kind of ['latest', 'resets', 'changes', 'previous']) expect(kinds.get(kind) ?? 0, kind).toBeGreaterThan(5);
    });
  });
}
