import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type QueryResult, type SeriesSource } from '@vigil/query-language';
import { parseScript, type ScriptCommand } from '@vigil/query-language/testing';
import { Database, MetricStore, objectToLabels } from '@vigil/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The engine evaluates `*_over_time` over a plain range selector from per-bucket aggregates that
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
}, 120_000);

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
  const engine = createEngine(source);
  try {
    return cmd.timing.type === 'instant' ? await engine.instantQuery(cmd.query, cmd.timing.timeMs) : await engine.rangeQuery(cmd.query, cmd.timing);
  } catch (err) {
    return (err as Error).message;
  }
}

for (const phase of ['in the heads', 'after compaction'] as const) {
  describe(`range functions pushed down to DuckDB equal the JS path, ${phase}`, () => {
    let pushdowns = 0;
    beforeAll(async () => {
      if (phase === 'after compaction') await store.flush();
    }, 60_000);
    it.each(cases.map((c) => ({ ...c, name: `${c.file} line ${c.cmd.line}: ${c.cmd.query}` })))('$name', async ({ cmd, tenant }) => {
      const full = store.seriesSource(tenant);
      const counting: SeriesSource = {
        select: (p) => full.select(p),
        selectBuckets: (p) => {
          pushdowns++;
          return full.selectBuckets(p);
        },
      };
      expectSameResult(await run(counting, cmd), await run({ select: (p) => full.select(p) }, cmd));
    });
    it('pushed work down', () => {
      expect(pushdowns).toBeGreaterThan(40);
    });
  });
}
