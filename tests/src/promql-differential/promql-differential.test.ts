import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROMETHEUS, startDebianBinary } from '../lib/debian-binary.js';
import { freePort } from '../lib/free-port.js';
import { useProcessManager } from '../lib/process-manager.js';
import { type VigilServer, startVigil } from '../lib/vigil-server.js';
import { pollUntil } from '../lib/wait.js';
import { askApi, compareAnswers, withoutMetricName } from './compare.js';
import { buildDataset, evalTimeMs } from './dataset.js';
import { generateQueries } from './generated-queries.js';
import { HAND_WRITTEN_QUERIES } from './hand-written-queries.js';
import { KNOWN_DIFFERENCES, KNOWN_ENGINE_BUGS, knownDifference, prometheus242Spelling } from './known-differences.js';
import { type StaleAwareSeries, remoteWriteBodyWithStale } from './remote-write-with-stale.js';

// The same remote_write data goes into Debian's Prometheus 2.42 and into Vigil; then every query
// is asked of both, as instant queries at several times and as range queries, and the answers
// must agree: result type, series (label sets), timestamps, and values within 1e-9 relative
// (printed alike when equal). Where 2.42 and the 3.x semantics Vigil implements differ, the
// table in known-differences.ts says so and why; Vigil's own bugs are listed there too.

const processes = useProcessManager();

/** Instant queries run at these minutes after the data's start (plus 500 ms, see `evalTimeMs`). */
const INSTANT_MINUTES = [18, 26, 33, 41, 49] as const;
/** Range queries: minutes after the start, and the step in seconds (37 s: steps off the minute). */
const RANGES = [
  { startMinute: 2, endMinute: 49, stepSeconds: 60 },
  { startMinute: 20, endMinute: 45, stepSeconds: 37 },
] as const;
const GENERATED_QUERY_COUNT = 260;

const bugQueries = new Set(KNOWN_ENGINE_BUGS.map((b) => b.query));
const queries = [...new Set([...HAND_WRITTEN_QUERIES, ...generateQueries(GENERATED_QUERY_COUNT), ...bugQueries])];

let t0Ms = 0;
let vigil: VigilServer;
let prometheusUrl = '';
/** Evaluations compared and matched, outside the known engine bugs; printed at the end. */
const stats = { instant: 0, range: 0, matchedInstant: 0, matchedRange: 0, skipped: 0 };

const toSeconds = (ms: number) => String(ms / 1000);

/** Replaces `{{at:M}}` with the evaluation time M minutes after the start, in seconds. */
function expand(query: string): string {
  return query.replace(/\{\{at:(\d+)\}\}/g, (_, m: string) => toSeconds(evalTimeMs(t0Ms, Number(m))));
}

/** Top-level sort functions make an instant vector's order meaningful. */
const isOrdered = (query: string) => /^\s*sort(_desc|_by_label|_by_label_desc)?\s*\(/.test(query);

interface Evaluation {
  name: string;
  endpoint: 'query' | 'query_range';
  params: Record<string, string>;
}

function evaluations(): Evaluation[] {
  return [
    ...INSTANT_MINUTES.map((m) => ({
      name: `instant at ${m}m`,
      endpoint: 'query' as const,
      params: { time: toSeconds(evalTimeMs(t0Ms, m)) },
    })),
    ...RANGES.map((r) => ({
      name: `range ${r.startMinute}m..${r.endMinute}m step ${r.stepSeconds}s`,
      endpoint: 'query_range' as const,
      params: {
        start: toSeconds(evalTimeMs(t0Ms, r.startMinute)),
        end: toSeconds(evalTimeMs(t0Ms, r.endMinute)),
        step: String(r.stepSeconds),
      },
    })),
  ];
}

const askPrometheus = (endpoint: Evaluation['endpoint'], params: Record<string, string>) =>
  askApi((path) => fetch(`${prometheusUrl}${path}`, { signal: AbortSignal.timeout(30_000) }), endpoint, params);
const askVigil = (endpoint: Evaluation['endpoint'], params: Record<string, string>) =>
  askApi((path) => vigil.request(path, { timeoutMs: 30_000 }), endpoint, params);

async function write(url: string, body: Buffer, headers: Record<string, string>): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    body: new Uint8Array(body),
    headers: {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
      ...headers,
    },
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (res.status !== 204 && res.status !== 200) throw new Error(`POST ${url} answered ${res.status}: ${text}`);
}

/** Waits until a system returns every series and sample written (query at the last instant time). */
async function waitForData(
  name: string,
  ask: typeof askVigil,
  dataset: readonly StaleAwareSeries[],
): Promise<void> {
  const timeMs = evalTimeMs(t0Ms, 49);
  const time = toSeconds(timeMs);
  const samples = dataset.reduce(
    (n, s) => n + s.samples.filter((x) => !('stale' in x) && x.timestampMs <= timeMs && x.timestampMs > timeMs - 3_600_000).length,
    0,
  );
  const want = `${dataset.length} series, ${samples} samples`;
  await pollUntil({ what: `${want} in ${name}`, timeoutMs: 30_000 }, async (note) => {
    // The raw samples of the last hour: a matrix, one series per label set, stale markers left out.
    const answer = await ask('query', { query: '{__name__=~".+"}[1h]', time });
    if (!answer.ok) throw new Error(answer.error);
    const matrix = answer.result as Array<{ values: unknown[] }>;
    const seen = `${matrix.length} series, ${matrix.reduce((n, s) => n + s.values.length, 0)} samples`;
    note(seen);
    return seen === want ? true : undefined;
  });
}

beforeAll(async () => {
  // A whole minute, 51 minutes back: the newest samples (50 minutes later, some jittered by up to
  // 5 s) are in the past, and none is older than Prometheus accepts (about an hour).
  t0Ms = Math.floor(Date.now() / 60_000) * 60_000 - 51 * 60_000;
  const dataset = buildDataset(t0Ms);
  const body = remoteWriteBodyWithStale(dataset);

  const prometheusDir = processes.tempDir('prometheus-differential');
  const configFile = join(prometheusDir, 'prometheus.yml');
  writeFileSync(configFile, JSON.stringify({ global: { evaluation_interval: '1m' } }));
  const prometheusPort = await freePort();
  prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
  const [server] = await Promise.all([
    startVigil(processes),
    startDebianBinary(
      processes,
      PROMETHEUS,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(prometheusDir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${prometheusPort}`,
        '--web.enable-remote-write-receiver',
        '--log.level=warn',
      ],
      { readyUrl: `${prometheusUrl}/-/ready` },
    ),
  ]);
  vigil = server;
  await Promise.all([
    write(`${prometheusUrl}/api/v1/write`, body, {}),
    write(`${vigil.url}/api/v1/write`, body, { authorization: `Bearer ${vigil.rootKey}` }),
  ]);
  await Promise.all([waitForData('Prometheus', askPrometheus, dataset), waitForData('Vigil', askVigil, dataset)]);
}, 90_000);

afterAll(() => {
  console.log(
    `PromQL differential: ${queries.length} queries; instant ${stats.matchedInstant}/${stats.instant} and ` +
      `range ${stats.matchedRange}/${stats.range} evaluations matched; ${stats.skipped} queries skipped as ` +
      `2.42/3.x differences; ${bugQueries.size} known engine bugs`,
  );
});

/** Asks both systems at every evaluation; returns the mismatches, one line each. */
async function differences(query: string, ignoreName = false): Promise<string[]> {
  const counted = !bugQueries.has(query);
  const vigilQuery = expand(query);
  const prometheusQuery = prometheus242Spelling(vigilQuery);
  const found: string[] = [];
  await Promise.all(
    evaluations().map(async ({ name, endpoint, params }) => {
      const [expected, actual] = await Promise.all([
        askPrometheus(endpoint, { ...params, query: prometheusQuery }),
        askVigil(endpoint, { ...params, query: vigilQuery }),
      ]);
      const problem = ignoreName
        ? compareAnswers(withoutMetricName(expected), withoutMetricName(actual), endpoint === 'query' && isOrdered(query))
        : compareAnswers(expected, actual, endpoint === 'query' && isOrdered(query));
      if (problem !== undefined) found.push(`${name}: ${problem}`);
      if (!counted) return;
      if (endpoint === 'query') {
        stats.instant++;
        if (problem === undefined) stats.matchedInstant++;
      } else {
        stats.range++;
        if (problem === undefined) stats.matchedRange++;
      }
    }),
  );
  return found.sort();
}

describe('PromQL answers of Vigil and Prometheus 2.42 on the same data', () => {
  it.each(queries.filter((q) => !bugQueries.has(q) && knownDifference(q) === undefined))(
    'agree on %s',
    async (query) => {
      expect(await differences(query)).toEqual([]);
    },
  );

  const differing = queries.filter((q) => !bugQueries.has(q) && knownDifference(q) !== undefined);

  it.each(differing.filter((q) => knownDifference(q)!.handling === 'ignore __name__'))(
    'agree apart from __name__ on %s (a known 2.42/3.x difference)',
    async (query) => {
      expect(await differences(query, true)).toEqual([]);
    },
  );

  // Their instant and range queries all have instant-vector results, so Vigil must answer each.
  it.each(differing.filter((q) => knownDifference(q)!.handling === 'skip'))(
    'differ by design on %s, which Vigil answers without an error',
    async (query) => {
      stats.skipped++;
      for (const { endpoint, params } of evaluations()) {
        const answer = await askVigil(endpoint, { ...params, query: expand(query) });
        expect(answer.ok ? 'ok' : answer.error).toBe('ok');
      }
    },
  );

  it.each(KNOWN_ENGINE_BUGS)('still differ on $query (known engine bug: $bug)', async ({ query }) => {
    expect(await differences(query)).not.toEqual([]);
  });

  it('lists each known 2.42/3.x difference for a query it runs', () => {
    for (const d of KNOWN_DIFFERENCES.filter((x) => x.match !== null)) {
      expect(queries.some((q) => knownDifference(q) === d), String(d.match)).toBe(true);
    }
  });
});
