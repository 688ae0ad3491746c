/**
 * In-process A/B of the PromQL selector pushdowns (instant selectors and `rate`-family windows
 * computed in DuckDB) against the raw-sample path, on the bench workload stored in a MetricStore.
 *
 *   cd tests && npx tsx --conditions source bench/pushdown-inproc.ts [--hosts 1000] [--hours 6] [--rounds 9] [--dir /tmp/vigil-pd-bench]
 *
 * The data directory is built once (time-major appends like remote_write, then compaction) and
 * reused by later runs with the same directory. Each round runs every query once with the
 * pushdowns and once without, alternating which goes first; the report shows medians and ratios.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createEngine, type SeriesSource } from '@vigil/query-language';
import { Database, MetricStore, objectToLabels } from '@vigil/storage';
import { buildQueries } from './queries.js';
import { createValueWalkers, createWorkload } from './workload.js';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '1000' },
    hours: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '9' },
    dir: { type: 'string', default: '/tmp/vigil-pd-bench' },
    queries: { type: 'string', default: 'sum-rate-by-region,high-cpu-all,lastpoint' },
    /** Extra PromQL to time over the same window as sum-rate-by-region (`;`-separated). */
    promql: { type: 'string', default: '' },
  },
});
const hosts = Number(values.hosts);
const hours = Number(values.hours);
const rounds = Number(values.rounds);
const dir = values.dir!;
const END_MS = 1_790_000_000_000;
const workload = createWorkload({ hosts, durationMs: hours * 3_600_000, intervalMs: 10_000, endMs: END_MS, seed: 1 });

const fresh = !existsSync(dir);
const db = await Database.open({ dataDir: dir, memoryLimit: '2GB' });
const store = await MetricStore.open(db);
const tenant = 'bench';
if (fresh) {
  const t0 = performance.now();
  const walkers = createValueWalkers(workload);
  const labels = workload.series.map((s) => objectToLabels(Object.fromEntries(s.labels.map((l) => [l.name, l.value]))));
  const chunk = 6;
  for (let i = 0; i < workload.timestampCount; i += chunk) {
    const n = Math.min(chunk, workload.timestampCount - i);
    const batch = labels.map((l, k) => {
      const ts: number[] = [];
      const vs: number[] = [];
      for (let j = 0; j < n; j++) {
        ts.push(workload.startMs + (i + j) * workload.options.intervalMs);
        vs.push(walkers.next(k));
      }
      return { labels: l, timestampsMs: ts, values: vs };
    });
    await store.append(tenant, batch);
  }
  await store.flush();
  console.log(`loaded ${workload.sampleCount} samples in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const wanted = new Set(values.queries!.split(','));
const built = buildQueries(workload, 1);
const queries = built.filter((q) => wanted.has(q.name));
const rateQuery = built.find((q) => q.name === 'sum-rate-by-region')!;
for (const [k, promql] of values.promql!.split(';').filter(Boolean).entries()) queries.push({ ...rateQuery, name: `extra-${k + 1}`, promql });
const full = store.seriesSource(tenant);
/** The previous state: only the `*_over_time` aggregates are pushed down. */
const OLD_AGGREGATES = new Set(['sum', 'min', 'max', 'first', 'last']);
const plainSource: SeriesSource = {
  select: (p) => full.select(p),
  selectBuckets: async (p) => (p.aggregates.every((a) => OLD_AGGREGATES.has(a)) ? full.selectBuckets(p) : undefined),
};
const sources = { new: full as SeriesSource, old: plainSource };

/** 'same' when both answers hold the same series and steps with values within 1e-9 relative. */
function maxRelativeDifference(a: unknown, b: unknown): string {
  type M = { resultType: string; result: Array<{ labels: unknown; timestampsMs: number[]; values: number[] }> };
  const x = a as M;
  const y = b as M;
  if (x.resultType !== 'matrix' || y.resultType !== 'matrix') return JSON.stringify(a) === JSON.stringify(b) ? 'same' : 'DIFFERENT';
  if (x.result.length !== y.result.length) return 'DIFFERENT series';
  let worst = 0;
  for (let i = 0; i < x.result.length; i++) {
    const s = x.result[i]!;
    const t = y.result[i]!;
    if (JSON.stringify(s.labels) !== JSON.stringify(t.labels) || JSON.stringify(s.timestampsMs) !== JSON.stringify(t.timestampsMs)) return 'DIFFERENT steps';
    s.values.forEach((v, k) => {
      const w = t.values[k]!;
      if (v !== w) worst = Math.max(worst, Math.abs(v - w) / Math.max(Math.abs(v), Math.abs(w)));
    });
  }
  return worst <= 1e-9 ? `same (max rel. diff ${worst.toExponential(1)})` : `DIFFERENT (${worst})`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

for (const q of queries) {
  const times: Record<'new' | 'old', number[]> = { new: [], old: [] };
  const cpu: Record<'new' | 'old', number[]> = { new: [], old: [] };
  const run = async (which: 'new' | 'old') => {
    const engine = createEngine(sources[which]);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await engine.rangeQuery(q.promql, { startMs: q.startMs, endMs: q.endMs, stepMs: q.stepMs });
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    return { ms, cpuMs: (c.user + c.system) / 1000, r };
  };
  // Warm-up, and a check that both give the same answer.
  const a = await run('new');
  const b = await run('old');
  const same = maxRelativeDifference(a.r, b.r);
  for (let i = 0; i < rounds; i++) {
    const order: Array<'new' | 'old'> = i % 2 === 0 ? ['old', 'new'] : ['new', 'old'];
    for (const which of order) {
      const { ms, cpuMs } = await run(which);
      times[which].push(ms);
      cpu[which].push(cpuMs);
    }
  }
  const mo = median(times.old);
  const mn = median(times.new);
  const co = median(cpu.old);
  const cn = median(cpu.new);
  console.log(
    `${q.name.padEnd(20)} wall old ${mo.toFixed(0).padStart(6)} ms new ${mn.toFixed(0).padStart(6)} ms (${(mn / mo).toFixed(2)})` +
      `  cpu old ${co.toFixed(0).padStart(6)} ms new ${cn.toFixed(0).padStart(6)} ms (${(cn / co).toFixed(2)})  answers: ${same}`,
  );
}
await db.close();
