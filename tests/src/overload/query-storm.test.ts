/**
 * Overload, queries (issue 10 point 4; reference/reliability.md §6 TQ-3): tenant A fires 100
 * concurrent heavy range queries at the real `vigil` binary while tenant B runs light queries.
 * At most `query.maxConcurrent` of A's queries run, the rest queue for up to `query.maxQueueTime`
 * and are then refused with 503 + Retry-After (never another 5xx, never a crash); the server's
 * memory stays bounded; B's light queries stay fast.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { useProcessManager } from '../lib/process-manager.js';
import { REMOTE_WRITE_HEADERS, remoteWriteBody } from '../lib/remote-write.js';
import { type VigilServer, startVigil } from '../lib/vigil-server.js';
import { RssSampler, quantile, round } from '../soak/measure.js';
import { openLoop } from './load.js';

const processes = useProcessManager();

/** Queries of all tenants running at once (the default is the number of CPUs, at least 2). */
const MAX_TOTAL = 2;
/** The default queue time, `query.maxQueueTime`. */
const MAX_QUEUE_S = 10;
const STORM = 100;
const SERIES = 1000;
const POINTS = 360;
const STEP_MS = 10_000;

async function load(vigil: VigilServer, tenant: string, metric: string, series: number, endMs: number): Promise<void> {
  const startMs = endMs - POINTS * STEP_MS;
  for (let from = 0; from < series; from += 100) {
    const body = remoteWriteBody(
      Array.from({ length: Math.min(100, series - from) }, (_, k) => ({
        labels: { __name__: metric, series: `s${from + k}`, shard: `h${(from + k) % 10}` },
        samples: Array.from({ length: POINTS }, (_, j) => ({ timestampMs: startMs + j * STEP_MS, value: j * (from + k + 1) })),
      })),
    );
    const res = await vigil.request('/api/v1/write', { method: 'POST', headers: REMOTE_WRITE_HEADERS, body, tenant, timeoutMs: 60_000 });
    const text = await res.text();
    if (res.status !== 204) throw new Error(`loading ${metric} for ${tenant}: ${res.status} ${text}`);
  }
}

interface Answer {
  status: number;
  retryAfter: string | null;
  ms: number;
  body: string;
}

async function query(vigil: VigilServer, tenant: string, path: string, timeoutMs = 120_000): Promise<Answer> {
  const t0 = performance.now();
  try {
    const res = await vigil.request(path, { tenant, timeoutMs });
    const body = await res.text();
    return { status: res.status, retryAfter: res.headers.get('retry-after'), ms: performance.now() - t0, body: res.status === 200 ? '' : body.slice(0, 300) };
  } catch (err) {
    return { status: 0, retryAfter: null, ms: performance.now() - t0, body: String(err) };
  }
}

describe('overload: 100 concurrent heavy queries', () => {
  it('bounds and queues them, refuses the excess with 503 + Retry-After, stays up with bounded memory, and keeps another tenant fast', async () => {
    const vigil = await startVigil(processes, {
      config: ['query:', `  maxConcurrentTotal: ${MAX_TOTAL}`, ''].join('\n'),
    });
    const endMs = Date.now();
    await load(vigil, 'storm-a', 'storm_heavy', SERIES, endMs);
    await load(vigil, 'light-b', 'light_small', 10, endMs);
    const endS = endMs / 1000;
    const heavyPromql = `/api/v1/query_range?${new URLSearchParams({ query: 'sum by (shard) (quantile_over_time(0.9, storm_heavy[5m]))', start: String(endS - 3600), end: String(endS), step: '10' })}`;
    const light = `/api/v1/query?${new URLSearchParams({ query: 'sum(light_small)', time: String(endS) })}`;

    // One heavy query alone, for scale.
    const single = await query(vigil, 'storm-a', heavyPromql);
    expect(single.status, single.body).toBe(200);
    // B's light query, baseline.
    const lightMs = async (into: number[], durationMs: number) =>
      openLoop(10, durationMs, async () => {
        const a = await query(vigil, 'light-b', light, 30_000);
        expect(a.status, a.body).toBe(200);
        into.push(a.ms);
      });
    const baseline: number[] = [];
    await lightMs(baseline, 5000);

    // The storm.
    const rss = new RssSampler(() => vigil.process.pid, 200);
    const rssBefore = rss.samples[0]!.bytes;
    const during: number[] = [];
    const stormStart = performance.now();
    const stormDone = Promise.all(Array.from({ length: STORM }, () => query(vigil, 'storm-a', heavyPromql)));
    let stormOver = false;
    void stormDone.then(() => {
      stormOver = true;
    });
    await sleep(200);
    while (!stormOver) await lightMs(during, 1000);
    const storm = await stormDone;
    const stormMs = performance.now() - stormStart;
    rss.stop();

    const byStatus = new Map<number, Answer[]>();
    for (const a of storm) byStatus.set(a.status, [...(byStatus.get(a.status) ?? []), a]);
    const ok = byStatus.get(200) ?? [];
    const refused = [...(byStatus.get(503) ?? []), ...(byStatus.get(429) ?? [])];
    const peakRssMiB = Math.max(...rss.samples.map((s) => s.bytes)) / 1048576;
    const summary = {
      singleHeavyMs: round(single.ms),
      storm: Object.fromEntries([...byStatus].map(([s, list]) => [s, list.length])),
      stormMs: round(stormMs),
      okMs: { p50: round(quantile(ok.map((a) => a.ms), 0.5)), max: round(quantile(ok.map((a) => a.ms), 1)) },
      refusedAfterMs: { min: round(quantile(refused.map((a) => a.ms), 0)), max: round(quantile(refused.map((a) => a.ms), 1)) },
      retryAfter: [...new Set(refused.map((a) => a.retryAfter))],
      lightB: {
        baseline: { n: baseline.length, p50: round(quantile(baseline, 0.5)), p99: round(quantile(baseline, 0.99)) },
        storm: { n: during.length, p50: round(quantile(during, 0.5)), p99: round(quantile(during, 0.99)) },
      },
      rssMiB: { before: round(rssBefore / 1048576), peak: round(peakRssMiB) },
    };
    console.log(`query storm: ${JSON.stringify(summary)}`);
    const other = storm.filter((a) => ![200, 429, 503].includes(a.status));
    expect(other.map((a) => `${a.status} ${a.body}`), 'answers other than 200, 429 and 503').toEqual([]);
    for (const a of refused) {
      expect(a.retryAfter, 'Retry-After on a refusal').toMatch(/^\d+$/);
      expect(a.body).toMatch(/too many concurrent queries/);
    }
    // Some were refused (more than the server can run in the queue time), and refusals came after
    // waiting in line, not at once.
    expect(refused.length).toBeGreaterThan(0);
    expect(Math.min(...refused.map((a) => a.ms))).toBeGreaterThanOrEqual(MAX_QUEUE_S * 1000 - 100);
    // The server survived and memory stayed bounded.
    expect(vigil.process.running).toBe(true);
    expect((await vigil.request('/-/ready')).status).toBe(200);
    expect(peakRssMiB).toBeLessThan(1024);
    // B's light queries: p99 ≤ 1 s during the storm (TQ-3).
    expect(quantile(during, 0.99)).toBeLessThanOrEqual(1000);
  }, 240_000);
});
