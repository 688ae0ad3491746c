/**
 * Corrupt or torn state (issue 10 point 3; reference TD-3): Vigil is killed with SIGKILL, then its
 * durable files are damaged the way a crash or a bad disk damages them, and it is started again.
 *
 * The data: batch A is written and checkpointed into the database file; then batch B is written
 * as sequential remote_write requests, each its own commit, so the WAL holds them in order and
 * "everything before the damage" is a prefix of B. Each damage case checks that the server
 * starts (no crash loop), which data survives, and what `/metrics` reports.
 */
import { existsSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { readExport } from '../lib/export-reader.js';
import { useProcessManager } from '../lib/process-manager.js';
import { REMOTE_WRITE_HEADERS, remoteWriteBody } from '../lib/remote-write.js';
import { type VigilServer, startVigil } from '../lib/vigil-server.js';

const processes = useProcessManager();
const METRIC_A = 'vigil_corrupt_a';
const METRIC_B = 'vigil_corrupt_b';
/** Requests in batch B, each one commit in the WAL. */
const B_REQUESTS = 20;
const SERIES = 10;
/** Samples per series per request: ~200 samples, a few KiB of WAL per commit. */
const SAMPLES = 20;
const T0 = Date.now() - 3_600_000;
/** The text of the log lines batch A holds; found in the database file to damage their block. */
const CANARY_LINE = 'corruption-canary-line';

async function push(vigil: VigilServer, metric: string, request: number): Promise<void> {
  const series = Array.from({ length: SERIES }, (_, s) => ({
    labels: { __name__: metric, series: `s${s}` },
    samples: Array.from({ length: SAMPLES }, (_, j) => ({ timestampMs: T0 + request * SAMPLES + j, value: request * 1000 + s + j / 100 })),
  }));
  const res = await vigil.request('/api/v1/write', { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: remoteWriteBody(series) });
  expect(res.status, await res.text()).toBe(204);
}

/** For each request number, how many of its samples are stored (0 or SERIES × SAMPLES if atomic). */
async function presentByRequest(vigil: VigilServer, metric: string): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const line of await readExport(vigil, `{__name__="${metric}"}`)) {
    for (const ts of line.timestamps) {
      const request = Math.floor((ts - T0) / SAMPLES);
      counts.set(request, (counts.get(request) ?? 0) + 1);
    }
  }
  return counts;
}

/** Batch A checkpointed into the file, batch B in the WAL only, then kill -9. */
async function prepare(): Promise<VigilServer> {
  // Generous: the shared 2-core machine can be busy with other suites.
  const vigil = await startVigil(processes, { readyTimeoutMs: 60_000 });
  for (let r = 0; r < 50; r++) await push(vigil, METRIC_A, r);
  // Log lines in plain text, so a test can find the block that holds them in the file.
  const values = Array.from({ length: 4000 }, (_, i) => [`${BigInt(T0 + i) * 1_000_000n}`, `${CANARY_LINE} ${i} ${'x'.repeat(40)}`]);
  const logs = await vigil.request('/loki/api/v1/push', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ streams: [{ stream: { job: 'corrupt' }, values }] }),
  });
  expect(logs.status, await logs.text()).toBe(204);
  const flush = await vigil.request('/api/v1/admin/flush', { method: 'POST', timeoutMs: 60_000 });
  expect(flush.status, await flush.text()).toBe(204);
  for (let r = 0; r < B_REQUESTS; r++) await push(vigil, METRIC_B, r);
  await vigil.kill9();
  expect(existsSync(walPath(vigil)), 'batch B is in the WAL').toBe(true);
  return vigil;
}

const walPath = (vigil: VigilServer) => join(vigil.dataDir, 'vigil.duckdb.wal');
const dbPath = (vigil: VigilServer) => join(vigil.dataDir, 'vigil.duckdb');

function flipByte(file: string, at: number): void {
  const bytes = readFileSync(file);
  bytes[at] = bytes[at]! ^ 0xff;
  writeFileSync(file, bytes);
}

async function metricValue(vigil: VigilServer, pattern: RegExp): Promise<number> {
  const text = await (await vigil.request('/metrics')).text();
  return Number(pattern.exec(text)?.[1] ?? 0);
}

/** Asserts all of batch A is there, and that B's stored requests are a whole, atomic prefix. */
async function checkPrefix(vigil: VigilServer, context: string): Promise<number> {
  const a = await presentByRequest(vigil, METRIC_A);
  expect([...a.values()].reduce((x, y) => x + y, 0), `${context}: batch A (checkpointed) intact`).toBe(50 * SERIES * SAMPLES);
  const b = await presentByRequest(vigil, METRIC_B);
  let prefix = 0;
  while (b.get(prefix) === SERIES * SAMPLES) prefix++;
  const stray = [...b.entries()].filter(([r]) => r >= prefix);
  expect(stray, `${context}: B requests stored after a gap or partially (request → samples)`).toEqual([]);
  return prefix;
}

describe('corrupt or torn state', () => {
  it('a torn WAL tail: starts, keeps every commit before the cut', async () => {
    const vigil = await prepare();
    const size = statSync(walPath(vigil)).size;
    // Cut into the last commit (a few KiB), as a crash in the middle of its write would.
    truncateSync(walPath(vigil), size - 100);
    const readyMs = await vigil.restart();
    const prefix = await checkPrefix(vigil, 'torn tail');
    console.log(`corruption: torn WAL tail (${size} → ${size - 100} bytes): ready in ${readyMs} ms; B requests kept ${prefix}/${B_REQUESTS}`);
    expect(prefix, 'only the cut commit is lost').toBe(B_REQUESTS - 1);
    await ingestsAndSurvivesAnotherCrash(vigil);
  }, 90_000);

  it('a flipped byte in the WAL: starts, keeps every commit before the damaged entry, counts it, keeps the damaged WAL', async () => {
    const vigil = await prepare();
    const size = statSync(walPath(vigil)).size;
    flipByte(walPath(vigil), Math.floor(size / 2));
    const readyMs = await vigil.restart();
    const prefix = await checkPrefix(vigil, 'flipped WAL byte');
    const corruptions = await metricValue(vigil, /^vigil_storage_wal_corruptions_total\{action="truncated"\} (\d+)/m);
    const discarded = await metricValue(vigil, /^vigil_storage_wal_discarded_bytes_total (\d+)/m);
    const preserved = readdirSync(vigil.dataDir).filter((f) => f.startsWith('vigil.duckdb.wal.corrupt-'));
    console.log(
      `corruption: flipped WAL byte at ${Math.floor(size / 2)}/${size}: ready in ${readyMs} ms; B requests kept ${prefix}/${B_REQUESTS}; ` +
        `wal_corruptions_total ${corruptions}; discarded ${discarded} bytes; preserved ${preserved.join(', ')}`,
    );
    // The damage is in the middle: about half of B is before it.
    expect(prefix, 'commits before the damaged entry are kept').toBeGreaterThanOrEqual(B_REQUESTS / 2 - 2);
    expect(prefix).toBeLessThan(B_REQUESTS);
    expect(corruptions, 'vigil_storage_wal_corruptions_total{action="truncated"}').toBe(1);
    expect(discarded).toBeGreaterThan(0);
    expect(preserved, 'the damaged WAL is kept for inspection').toHaveLength(1);
    expect(statSync(join(vigil.dataDir, preserved[0]!)).size).toBe(size);
    await ingestsAndSurvivesAnotherCrash(vigil);
  }, 90_000);

  it.each([
    { where: 'the database header', at: () => 4096 + 64 },
    { where: 'a block holding log lines', at: (file: Buffer) => file.indexOf(CANARY_LINE) + 4 },
  ])('a flipped byte in $where: never crash-loops; either serves what is readable or refuses clearly, reporting it in /metrics', async ({ where, at }) => {
    const vigil = await prepare();
    // Checkpoint B too (a clean start and stop), so the damage is in the file, not the WAL.
    await vigil.restart();
    await vigil.stop();
    const file = readFileSync(dbPath(vigil));
    const size = file.length;
    const offset = at(file);
    if (where === 'a block holding log lines' && offset <= 4) {
      // DuckDB stored the lines compressed (FSST) this time, so the canary's bytes are not in the
      // file and this case cannot be built; the header case above still damages the file itself.
      console.warn('corruption: the canary line is stored compressed in this run; the log-block case could not be constructed');
      await vigil.restart();
      await vigil.stop();
      return;
    }
    expect(offset, 'the bytes to damage are in the file').toBeGreaterThan(4);
    flipByte(dbPath(vigil), offset);
    // Either it gets ready, or it says it refuses (then it never gets ready: stop waiting).
    const launching = vigil.restart().then(
      () => 'ready' as const,
      (err: unknown) => `not ready: ${String(err)}`,
    );
    let outcome: string | undefined;
    void launching.then((o) => {
      outcome ??= o;
    });
    for (const deadline = Date.now() + 90_000; outcome === undefined && Date.now() < deadline; ) {
      if (/storage is corrupt and was not opened/.test(vigil.process.output())) outcome = 'refused';
      else await sleep(100);
    }
    const ready = outcome === 'ready';
    // Not ready is a documented outcome only while the process stays up (no exit, no restart loop).
    expect(vigil.process.running, `the server exited on a corrupt file: ${outcome}`).toBe(true);
    await sleep(3000);
    expect(vigil.process.running, `still running 3 s later\n${vigil.process.describe()}`).toBe(true);
    const healthy = await vigil.request('/-/healthy');
    expect(healthy.status).toBe(200);
    if (!ready) {
      const r = await vigil.request('/-/ready');
      expect(r.status).toBe(503);
      expect(vigil.process.output()).toMatch(/storage is corrupt and was not opened.*Corrupt database file/s);
      // The damage is reported in /metrics, readable with the root key kept outside the database.
      const refusedDetected = await metricValue(vigil, /^vigil_storage_corruption_detected (\d+)/m);
      expect(refusedDetected, '/metrics reports the refused store').toBe(1);
      console.log(`corruption: flipped byte in ${where} (offset ${offset}/${size}): refused clearly, process up, /-/ready 503, /metrics corruption_detected ${refusedDetected}`);
      return;
    }
    // Ready: what is readable is served; reading the damaged block fails and is counted.
    const problems: string[] = [];
    for (const metric of [METRIC_A, METRIC_B]) {
      try {
        await readExport(vigil, `{__name__="${metric}"}`);
      } catch (err) {
        problems.push(String(err).slice(0, 200));
      }
    }
    const logs = await vigil.request(`/loki/api/v1/query_range?query=${encodeURIComponent('{job="corrupt"}')}&start=${BigInt(T0 - 1000) * 1_000_000n}&limit=5000`);
    const logsText = await logs.text();
    if (logs.status !== 200) problems.push(`loki query ${logs.status}: ${logsText.slice(0, 200)}`);
    const detected = await metricValue(vigil, /^vigil_storage_corruption_detected (\d+)/m);
    console.log(`corruption: flipped byte in ${where} (offset ${offset}/${size}): started; read problems ${JSON.stringify(problems)}; corruption_detected ${detected}`);
    if (problems.length > 0) expect(detected, 'a read that met the damaged block is reported').toBe(1);
    await ingestsAndSurvivesAnotherCrash(vigil);
  }, 90_000);
});

/** The repaired storage takes new writes, and they survive one more kill -9. */
async function ingestsAndSurvivesAnotherCrash(vigil: VigilServer): Promise<void> {
  for (let r = 100; r < 105; r++) await push(vigil, 'vigil_corrupt_after', r);
  await vigil.kill9();
  await vigil.restart();
  const after = await presentByRequest(vigil, 'vigil_corrupt_after');
  expect([...after.values()].reduce((x, y) => x + y, 0), 'writes after the repair survive kill -9').toBe(5 * SERIES * SAMPLES);
}
