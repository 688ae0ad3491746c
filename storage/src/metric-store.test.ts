import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from './database.js';
import { type Label, objectToLabels } from './labels.js';
import { MetricStore } from './metric-store.js';

const L = (o: Record<string, string>): Label[] => objectToLabels(o);

describe('MetricStore', () => {
  let dir: string;
  let db: Database;
  let store: MetricStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-store-'));
    db = await Database.open({ dataDir: dir, memoryLimit: '256MB' });
    store = await MetricStore.open(db);
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads back appended samples sorted by time', async () => {
    const r = await store.append('t1', [
      { labels: L({ __name__: 'up', job: 'a' }), timestampsMs: [2000, 1000], values: [2, 1] },
      { labels: L({ __name__: 'up', job: 'b' }), timestampsMs: [1000], values: [5] },
    ]);
    expect(r).toEqual({ samplesWritten: 3, seriesCreated: 2, rejected: [] });
    const series = store.selectSeries('t1', [{ name: 'job', op: '=', value: 'a' }]);
    const data = await store.readSamples(series, 0, 10_000);
    expect(data).toHaveLength(1);
    expect([...data[0]!.timestampsMs]).toEqual([1000, 2000]);
    expect([...data[0]!.values]).toEqual([1, 2]);
  });

  it('returns samples written out of order sorted, across heads and compacted blocks', async () => {
    const l = L({ __name__: 'ooo' });
    await store.append('t', [{ labels: l, timestampsMs: [30, 40], values: [3, 4] }]);
    await store.compact();
    await store.append('t', [{ labels: l, timestampsMs: [10, 20], values: [1, 2] }]);
    await store.append('t', [{ labels: l, timestampsMs: Array.from({ length: 1200 }, (_, i) => 1000 + i), values: Array(1200).fill(7) }]);
    const [d] = await store.readSamples(store.selectSeries('t', []), 0, 5000);
    expect([...d!.timestampsMs.slice(0, 5)]).toEqual([10, 20, 30, 40, 1000]);
    expect([...d!.values.slice(0, 4)]).toEqual([1, 2, 3, 4]);
    expect(d!.timestampsMs.length).toBe(1204);
  });

  it('reads many series across chunks, heads and blocks like a per-series reference', async () => {
    // Retried writes repeat a sample with its value, so the value is a function of (series, ts).
    const sampleValue = (k: number, t: number) => (t % 97 === 0 ? Number.NaN : k * 1000 + t / 7);
    const staleAt = (k: number, t: number) => ((t + k) % 89 === 0 ? 1 : 0);
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const names = Array.from({ length: 40 }, (_, k) => L({ __name__: 'm', k: String(k) }));
    const written = names.map(() => new Set<number>());
    for (let round = 0; round < 6; round++) {
      const batch = names.map((labels, k) => {
        const ts = Array.from({ length: 50 + rnd(400) }, () => rnd(20_000));
        for (const t of ts) written[k]!.add(t);
        return { labels, timestampsMs: ts, values: ts.map((t) => sampleValue(k, t)), stale: ts.map((t) => staleAt(k, t)) };
      });
      await store.append('t', batch);
      if (round === 2 || round === 4) await store.compact();
    }
    const data = await store.readSamples(store.selectSeries('t', []), 1000, 15_000);
    expect(data.map((d) => d.id)).toEqual([...data.map((d) => d.id)].sort((a, b) => a - b));
    for (const d of data) {
      const k = Number(d.labels.find((l) => l.name === 'k')!.value);
      const ts = [...written[k]!].filter((t) => t >= 1000 && t <= 15_000).sort((a, b) => a - b);
      expect([...d.timestampsMs]).toEqual(ts);
      expect([...d.stale]).toEqual(ts.map((t) => staleAt(k, t)));
      expect([...d.values]).toEqual(ts.map((t) => (staleAt(k, t) ? Number.NaN : sampleValue(k, t))));
    }
    expect(data).toHaveLength(40);
  });

  it('keeps tenants apart', async () => {
    await store.append('t1', [{ labels: L({ __name__: 'up' }), timestampsMs: [1], values: [1] }]);
    await store.append('t2', [{ labels: L({ __name__: 'down' }), timestampsMs: [1], values: [1] }]);
    expect(store.labelValues('t1', '__name__')).toEqual(['up']);
    expect(store.labelValues('t2', '__name__')).toEqual(['down']);
    expect(store.selectSeries('t2', [{ name: '__name__', op: '=', value: 'up' }])).toEqual([]);
  });

  it('stores stale markers as staleness, not as NaN values', async () => {
    await store.append('t', [
      { labels: L({ __name__: 'x' }), timestampsMs: [1, 2, 3], values: [Number.NaN, Number.NaN, 3], stale: [0, 1, 0] },
    ]);
    const [d] = await store.readSamples(store.selectSeries('t', []), 0, 10);
    expect([...d!.stale]).toEqual([0, 1, 0]);
    expect(Number.isNaN(d!.values[0])).toBe(true);
  });

  it('answers all four matcher kinds, with absent labels matching the empty string', async () => {
    await store.append('t', [
      { labels: L({ __name__: 'm', env: 'prod', host: 'a1' }), timestampsMs: [1], values: [1] },
      { labels: L({ __name__: 'm', env: 'dev', host: 'a2' }), timestampsMs: [1], values: [1] },
      { labels: L({ __name__: 'm', host: 'b1' }), timestampsMs: [1], values: [1] },
    ]);
    const hosts = (ms: Parameters<MetricStore['selectSeries']>[1]) =>
      store
        .selectSeries('t', ms)
        .map((s) => s.labels.find((l) => l.name === 'host')?.value)
        .sort();
    expect(hosts([{ name: 'env', op: '=', value: 'prod' }])).toEqual(['a1']);
    expect(hosts([{ name: 'env', op: '!=', value: 'prod' }])).toEqual(['a2', 'b1']);
    expect(hosts([{ name: 'host', op: '=~', value: 'a.*' }])).toEqual(['a1', 'a2']);
    expect(hosts([{ name: 'host', op: '!~', value: 'a.*' }])).toEqual(['b1']);
    expect(hosts([{ name: 'env', op: '=', value: '' }])).toEqual(['b1']);
    expect(hosts([{ name: 'env', op: '=~', value: 'prod|' }])).toEqual(['a1', 'b1']);
  });

  it('runs a catastrophic-backtracking regex in linear time', async () => {
    const many = Array.from({ length: 2000 }, (_, i) => ({
      labels: L({ __name__: 'm', v: `${'a'.repeat(30)}${i}` }),
      timestampsMs: [1],
      values: [1],
    }));
    await store.append('t', many);
    const t0 = performance.now();
    expect(store.selectSeries('t', [{ name: 'v', op: '=~', value: '(a+)+b' }])).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('removes duplicate timestamps on read and on compaction', async () => {
    const s = { labels: L({ __name__: 'd' }), timestampsMs: [1, 2], values: [1, 2] };
    await store.append('t', [s]);
    await store.append('t', [s]);
    let [d] = await store.readSamples(store.selectSeries('t', []), 0, 10);
    expect([...d!.timestampsMs]).toEqual([1, 2]);
    await store.flush();
    expect(store.headRowCount).toBe(0);
    [d] = await store.readSamples(store.selectSeries('t', []), 0, 10);
    expect([...d!.timestampsMs]).toEqual([1, 2]);
    const rows = await db.reader().runAndReadAll('SELECT count(*) FROM samples');
    expect(Number(rows.getRows()[0]![0])).toBe(2);
  });

  it('keeps each (series, ts) once in samples when a retried write lands after compaction, last write winning', async () => {
    const l = L({ __name__: 'retry' });
    await store.append('t', [{ labels: l, timestampsMs: [1, 2], values: [1, 2] }]);
    await store.compact();
    await store.append('t', [{ labels: l, timestampsMs: [2, 3], values: [20, 3] }]);
    await store.compact();
    const rows = await db.reader().runAndReadAll('SELECT ts, value FROM samples ORDER BY ts');
    expect(rows.getRows().map(([t, v]) => [Number(t), v])).toEqual([
      [1, 1],
      [2, 20],
      [3, 3],
    ]);
  });

  it('rejects new series over the active-series limit and stores the rest', async () => {
    await store.append('t', [{ labels: L({ __name__: 'a' }), timestampsMs: [1], values: [1] }]);
    const r = await store.append(
      't',
      [
        { labels: L({ __name__: 'a' }), timestampsMs: [2], values: [2] },
        { labels: L({ __name__: 'b' }), timestampsMs: [2], values: [2] },
        { labels: L({ __name__: 'c' }), timestampsMs: [2], values: [2] },
      ],
      { maxActiveSeries: 2 },
    );
    expect(r.rejected.map((x) => x.index)).toEqual([2]);
    expect(r.rejected[0]!.message).toContain('limit of 2 active series');
    expect(store.labelValues('t', '__name__')).toEqual(['a', 'b']);
  });

  it('stores a request that lists the same new series twice', async () => {
    const l = L({ __name__: 'twice' });
    await store.append('t', [
      { labels: l, timestampsMs: [1], values: [1] },
      { labels: l, timestampsMs: [2], values: [2] },
    ]);
    const [d] = await store.readSamples(store.selectSeries('t', []), 0, 10);
    expect([...d!.values]).toEqual([1, 2]);
  });

  it('never acknowledges samples of a series whose row a failed commit did not write', async () => {
    const l = L({ __name__: 'after_failure', a: 'b' });
    db.writes.failNextCommit(new Error('disk full'));
    const failing = store.append('t', [{ labels: l, timestampsMs: [1], values: [1] }]);
    // Queued behind the failing commit: it finds the series in the index by its labels.
    const next = store.append('t', [{ labels: l, timestampsMs: [2], values: [2] }]);
    await expect(failing).rejects.toThrow(/could not persist samples: disk full/);
    await next;
    expect(store.selectSeries('t', [])).toHaveLength(1);
    await db.close();
    db = await Database.open({ dataDir: dir });
    store = await MetricStore.open(db);
    const series = store.selectSeries('t', [{ name: 'a', op: '=', value: 'b' }]);
    expect(series).toHaveLength(1);
    const [d] = await store.readSamples(series, 0, 10);
    expect([...d!.timestampsMs]).toEqual([2]);
  });

  it('keeps series and samples across a reopen', async () => {
    await store.append('t', [{ labels: L({ __name__: 'p', a: 'b' }), timestampsMs: [5, 6], values: [1, 2] }]);
    await db.close();
    db = await Database.open({ dataDir: dir });
    store = await MetricStore.open(db);
    const series = store.selectSeries('t', [{ name: 'a', op: '=', value: 'b' }]);
    expect(series).toHaveLength(1);
    expect(series[0]!.minTs).toBe(5);
    const [d] = await store.readSamples(series, 0, 10);
    expect([...d!.values]).toEqual([1, 2]);
    // New series continue the id sequence instead of reusing an id.
    await store.append('t', [{ labels: L({ __name__: 'q' }), timestampsMs: [1], values: [1] }]);
    expect(store.selectSeries('t', []).map((s) => s.id).sort()).toEqual([1, 2]);
  });

  it('deletes samples past retention and forgets emptied series', async () => {
    await store.append('t', [
      { labels: L({ __name__: 'old' }), timestampsMs: [1, 2], values: [1, 2] },
      { labels: L({ __name__: 'new' }), timestampsMs: [1, 100], values: [1, 2] },
    ]);
    await store.flush();
    expect(await store.applyRetention('t', 50)).toBe(1);
    expect(store.labelValues('t', '__name__')).toEqual(['new']);
    const [d] = await store.readSamples(store.selectSeries('t', []), 0, 1000);
    expect([...d!.timestampsMs]).toEqual([100]);
  });

  it('refuses DuckDB file access once locked down', async () => {
    await expect(db.reader().run("SELECT * FROM read_csv('/etc/passwd')")).rejects.toThrow();
    await expect(db.reader().run('SET enable_external_access = true')).rejects.toThrow();
  });

  it('selects series by time overlap', async () => {
    await store.append('t', [
      { labels: L({ __name__: 'early' }), timestampsMs: [10, 20], values: [1, 1] },
      { labels: L({ __name__: 'late' }), timestampsMs: [100, 200], values: [1, 1] },
    ]);
    expect(store.selectSeries('t', [], 50, 150).map((s) => s.labels[0]!.value)).toEqual(['late']);
  });

  it('commits concurrent appends in groups, every one durable when resolved', async () => {
    const writes = Array.from({ length: 50 }, (_, i) =>
      store.append('t', [{ labels: L({ __name__: 'g', i: String(i) }), timestampsMs: [i], values: [i] }]),
    );
    await Promise.all(writes);
    const all = await store.readSamples(store.selectSeries('t', []), 0, 100);
    expect(all).toHaveLength(50);
  });
});
