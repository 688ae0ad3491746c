/**
 * The logs benchmark's queries in process: the workload of `--workload logs` stored in a LogStore
 * (appended in time order in 5,000-line batches, then compacted), the queries through the LogQL
 * engine over `LogStore.logSource`, no HTTP. For working on the query path: each query is run
 * once to warm up, then `--rounds` times; the report shows the median wall and process CPU time
 * (DuckDB's threads included), the answer size, and the growth of RSS during the query.
 *
 *   cd tests && npx tsx --conditions source bench/logs-inproc.ts [--lines 2000000] [--rounds 5] [--dir /tmp/vigil-logs-bench] [--queries substring,json-5xx] [--logql '{app="api"} |= "GET"']
 *
 * The data directory is built once and reused by later runs with the same directory and lines.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createLogQLEngine } from '@vigil/query-language';
import { Database, LogStore, objectToLabels } from '@vigil/storage';
import { buildLogQueries } from './logs-queries.js';
import { createLogWorkload, lineAt } from './logs-workload.js';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '2000000' },
    rounds: { type: 'string', default: '5' },
    dir: { type: 'string', default: '/tmp/vigil-logs-bench' },
    queries: { type: 'string', default: '' },
    /** Extra log queries over the whole range, limit 1000, backward (`;`-separated). */
    logql: { type: 'string', default: '' },
  },
});
const lines = Number(values.lines);
const rounds = Number(values.rounds);
const dir = `${values.dir}-${lines}`;
// A fixed end so that a stored directory matches the workload of a later run.
const END_MS = 1_790_000_000_000;
const workload = createLogWorkload({ lines, hosts: 50, durationMs: 6 * 3_600_000, endMs: END_MS, seed: 1 });
const { queries } = buildLogQueries(workload, { seed: 1, limit: 5000, stepSec: 60 });
const wanted = values.queries || values.logql ? new Set(values.queries!.split(',')) : undefined;
for (const [k, logql] of values.logql!.split(';').filter(Boolean).entries()) {
  const name = `extra-${k + 1}`;
  wanted!.add(name);
  queries.push({ ...queries[0]!, name: name as never, logql, limit: 1000, expectedLines: undefined });
}

const fresh = !existsSync(dir);
const db = await Database.open({ dataDir: dir, memoryLimit: process.env.VIGIL_MEMORY_LIMIT ?? '2GB' });
const store = await LogStore.open(db);
const tenant = 'bench';
if (fresh) {
  const t0 = performance.now();
  const labels = workload.streams.map((s) => objectToLabels({ host: s.host, app: s.app, level: s.level }));
  for (let off = 0; off < lines; off += 5000) {
    const byStream = new Map<number, Array<{ tsNs: bigint; line: string }>>();
    for (let i = off; i < Math.min(lines, off + 5000); i++) {
      const s = workload.streamOf[i]!;
      let list = byStream.get(s);
      if (!list) {
        list = [];
        byStream.set(s, list);
      }
      list.push({ tsNs: workload.startNs + BigInt(workload.relNs[i]!), line: lineAt(workload, i) });
    }
    await store.append(
      tenant,
      [...byStream].map(([s, entries]) => ({ labels: labels[s]!, entries })),
    );
  }
  await store.compact();
  console.log(`loaded ${lines} lines in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const engine = createLogQLEngine(store.logSource(tenant));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const rows: string[] = ['| query | median wall ms | median CPU ms | answer | RSS growth MB |', '|---|---:|---:|---|---:|'];
for (const q of queries) {
  if (wanted && !wanted.has(q.name)) continue;
  const params = {
    startNs: BigInt(q.startSec) * 1_000_000_000n,
    endNs: BigInt(q.endSec) * 1_000_000_000n,
    ...(q.kind === 'metric' ? { stepMs: q.stepSec! * 1000 } : { limit: q.limit!, direction: 'backward' as const }),
  };
  const run = async (): Promise<{ wall: number; cpu: number; answer: string; rss: number }> => {
    const rss0 = process.memoryUsage.rss();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await engine.query(q.logql, params);
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const rss = (process.memoryUsage.rss() - rss0) / 1e6;
    const answer =
      r.resultType === 'streams'
        ? `${r.result.reduce((n, s) => n + s.entries.length, 0)} lines`
        : r.resultType === 'matrix'
          ? `${r.result.length} series, ${r.result.reduce((n, s) => n + s.values.length, 0)} points`
          : r.resultType;
    return { wall, cpu: (c.user + c.system) / 1000, answer, rss };
  };
  await run();
  const runs: Array<Awaited<ReturnType<typeof run>>> = [];
  for (let i = 0; i < rounds; i++) runs.push(await run());
  const m = (k: 'wall' | 'cpu' | 'rss'): number => median(runs.map((r) => r[k]));
  const expected = q.expectedLines !== undefined ? ` (expected ${Math.min(q.expectedLines, q.limit ?? Infinity)})` : '';
  rows.push(`| ${q.name} | ${m('wall').toFixed(1)} | ${m('cpu').toFixed(0)} | ${runs[0]!.answer}${expected} | ${m('rss').toFixed(0)} |`);
  console.log(rows[rows.length - 1]);
}
console.log(`\n${rows.join('\n')}`);
await db.close();
