import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from './database.js';
import { objectToLabels } from './labels.js';
import { LogStore } from './log-store.js';

const S = 1_700_000_000_000_000_000n;
const sec = (n: number) => S + BigInt(n) * 1_000_000_000n;

describe('LogStore', () => {
  let dir: string;
  let db: Database;
  let logs: LogStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-logs-'));
    db = await Database.open({ dataDir: dir, memoryLimit: '256MB' });
    logs = await LogStore.open(db, { now: () => Number(S / 1_000_000n) });
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const read = (o: Partial<Parameters<LogStore['read']>[1]> = {}) =>
    logs.read('t', {
      matchers: [{ name: 'app', op: '=', value: 'api' }],
      startNs: S,
      endNs: sec(100),
      direction: 'backward',
      limit: 0,
      ...o,
    });

  it('reads entries back newest first, or oldest first, with nanosecond timestamps and metadata', async () => {
    await logs.append('t', [
      {
        labels: objectToLabels({ app: 'api', level: 'info' }),
        entries: [
          { tsNs: sec(1) + 7n, line: 'first', metadata: { trace_id: 'abc' } },
          { tsNs: sec(2), line: 'second' },
        ],
      },
    ]);
    const back = await read();
    expect(back.entries.map((e) => e.line)).toEqual(['second', 'first']);
    expect(back.entries[1]!.tsNs).toBe(sec(1) + 7n);
    expect(back.entries[1]!.metadata).toEqual({ trace_id: 'abc' });
    const fwd = await read({ direction: 'forward', limit: 1 });
    expect(fwd.entries.map((e) => e.line)).toEqual(['first']);
  });

  it('treats the end of the range as exclusive', async () => {
    await logs.append('t', [{ labels: objectToLabels({ app: 'api' }), entries: [{ tsNs: sec(5), line: 'x' }] }]);
    expect((await read({ endNs: sec(5) })).entries).toHaveLength(0);
    expect((await read({ startNs: sec(5), endNs: sec(6) })).entries).toHaveLength(1);
  });

  it('pushes substring and RE2 regex filters down', async () => {
    await logs.append('t', [
      {
        labels: objectToLabels({ app: 'api' }),
        entries: [
          { tsNs: sec(1), line: 'GET /a 200' },
          { tsNs: sec(2), line: 'GET /b 500' },
        ],
      },
    ]);
    expect((await read({ lineContains: ['500'] })).entries.map((e) => e.line)).toEqual(['GET /b 500']);
    expect((await read({ lineRegexes: ['(?i)get /[a]'] })).entries.map((e) => e.line)).toEqual(['GET /a 200']);
    const t0 = performance.now();
    expect((await read({ lineRegexes: ['(a+)+b'] })).entries).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('stores a retried push once, before and after compaction', async () => {
    const push = () =>
      logs.append('t', [{ labels: objectToLabels({ app: 'api' }), entries: [{ tsNs: sec(1), line: 'dup' }] }]);
    await push();
    await push();
    expect((await read()).entries).toHaveLength(1);
    await logs.compact();
    expect(logs.headRowCount).toBe(0);
    expect((await read()).entries).toHaveLength(1);
    await push();
    await logs.compact();
    const rows = await db.reader().runAndReadAll('SELECT count(*) FROM log_entries');
    expect(Number(rows.getRows()[0]![0])).toBe(1);
  });

  it('counts entries and bytes per window exactly as counting the read entries does', async () => {
    // Deterministic pseudo-random entries over 3 streams, some with metadata, UTF-8 lines, a
    // retried push (duplicates) and a compaction in between, so main and head tables both count.
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const words = ['GET /a', 'POST /é', 'error ☃', 'ok', ''];
    const batch = () =>
      ['web', 'api', 'db'].map((app) => ({
        labels: objectToLabels({ app, level: app === 'db' ? 'warn' : 'info' }),
        entries: Array.from({ length: 150 }, () => {
          const meta = rnd(3);
          return {
            tsNs: S + BigInt(rnd(120_000)) * 1_000_000n + BigInt(rnd(3)),
            line: `${words[rnd(words.length)]} ${rnd(10)}`,
            ...(meta === 0 ? { metadata: { trace: `t${rnd(2)}` } } : {}),
          };
        }),
      }));
    const first = batch();
    await logs.append('t', first);
    await logs.compact();
    await logs.append('t', first.slice(0, 1)); // retried push: already compacted
    const second = batch();
    await logs.append('t', second);
    await logs.append('t', second.slice(1)); // retried push: both copies in the head
    const source = logs.logSource('t');
    const matchers = [{ name: 'app', op: '=~' as const, value: '.+' }];
    const cases = [
      { startS: 0, endS: 120, stepS: 10, rangeS: 30 },
      { startS: 5, endS: 115, stepS: 10, rangeS: 7 },
      { startS: 0, endS: 120, stepS: 7, rangeS: 5 },
      { startS: 1, endS: 1, stepS: 1, rangeS: 300 },
      { startS: 0, endS: 117, stepS: 3, rangeS: 3, lineContains: ['/'] },
      { startS: 0, endS: 120, stepS: 4, rangeS: 10, lineRegexes: ['(?i)get|☃'] },
    ];
    for (const c of cases) {
      const startNs = sec(c.startS);
      const endNs = sec(c.endS);
      const stepNs = BigInt(c.stepS) * 1_000_000_000n;
      const rangeNs = BigInt(c.rangeS) * 1_000_000_000n;
      const filters = { ...(c.lineContains ? { lineContains: c.lineContains } : {}), ...(c.lineRegexes ? { lineRegexes: c.lineRegexes } : {}) };
      const got = await source.countLogs({ matchers, startNs, endNs, stepNs, rangeNs, ...filters });
      // Reference: what the engine's per-line path computes from the entries `selectLogs` returns.
      const streams = await source.selectLogs({ matchers, startNs: startNs - rangeNs + 1n, endNs: endNs + 1n, direction: 'forward', limit: 0, ...filters });
      const want = new Map<string, Array<{ tsNs: bigint; count: number; bytes: number }>>();
      for (const st of streams) {
        const byMeta = new Map<string, typeof st.entries>();
        for (const e of st.entries) {
          const k = JSON.stringify(e.metadata ?? {});
          byMeta.set(k, [...(byMeta.get(k) ?? []), e]);
        }
        for (const [k, entries] of byMeta) {
          const points = [];
          for (let t = startNs; t <= endNs; t += stepNs) {
            const inside = entries.filter((e) => e.tsNs > t - rangeNs && e.tsNs <= t);
            if (inside.length > 0) points.push({ tsNs: t, count: inside.length, bytes: inside.reduce((n, e) => n + Buffer.byteLength(e.line, 'utf8'), 0) });
          }
          if (points.length > 0) want.set(`${JSON.stringify(st.labels)} ${k}`, points);
        }
      }
      const gotMap = new Map(got.map((g) => [`${JSON.stringify(g.labels)} ${JSON.stringify(g.metadata ?? {})}`, g.points]));
      expect(gotMap).toEqual(want);
      expect(want.size).toBeGreaterThan(0);
      // Counts only: the same windows and counts, bytes reported as 0.
      const countsOnly = await source.countLogs({ matchers, startNs, endNs, stepNs, rangeNs, ...filters, withBytes: false });
      expect(countsOnly).toEqual(got.map((g) => ({ ...g, points: g.points.map((pt) => ({ ...pt, bytes: 0 })) })));
    }
  });

  it('keeps tenants apart and enforces the stream limit', async () => {
    await logs.append('t', [{ labels: objectToLabels({ app: 'api' }), entries: [{ tsNs: sec(1), line: 'a' }] }]);
    const r = await logs.append(
      't',
      [
        { labels: objectToLabels({ app: 'api' }), entries: [{ tsNs: sec(2), line: 'b' }] },
        { labels: objectToLabels({ app: 'web' }), entries: [{ tsNs: sec(2), line: 'c' }] },
      ],
      { maxStreams: 1 },
    );
    expect(r.rejected).toEqual([{ index: 1, reason: 'stream_limit', message: 'per-tenant limit of 1 streams exceeded' }]);
    expect(logs.labelValues('t', 'app')).toEqual(['api']);
    expect(logs.labelValues('other', 'app')).toEqual([]);
  });

  it('reads and counts the selected streams whatever the shape of their ids (a range, a short list, a long list)', async () => {
    // Two tenants create streams alternately, so each tenant's ids are every other id.
    const n = 600;
    for (let i = 0; i < n; i++) {
      for (const tenant of ['a', 'b']) {
        await logs.append(tenant, [{ labels: objectToLabels({ app: `app${i}`, even: String(i % 2 === 0) }), entries: [{ tsNs: sec(1), line: `${tenant} ${i}` }] }]);
      }
    }
    const lines = async (tenant: string, matchers: Parameters<LogStore['read']>[1]['matchers']) =>
      (await logs.read(tenant, { matchers, startNs: sec(0), endNs: sec(2), direction: 'forward', limit: 0 })).entries.map((e) => e.line).sort();
    const expected = (tenant: string, keep: (i: number) => boolean) => Array.from({ length: n }, (_, i) => i).filter(keep).map((i) => `${tenant} ${i}`).sort();
    // 600 ids, none adjacent: `IN`.
    expect(await lines('a', [{ name: 'app', op: '=~', value: '.+' }])).toEqual(expected('a', () => true));
    // 300 ids: `list_contains`.
    expect(await lines('b', [{ name: 'even', op: '=', value: 'true' }])).toEqual(expected('b', (i) => i % 2 === 0));
    // One id: a range.
    expect(await lines('b', [{ name: 'app', op: '=', value: 'app7' }])).toEqual(['b 7']);
    const counts = await logs.countWindows('a', { matchers: [{ name: 'app', op: '=~', value: '.+' }], startNs: sec(1), endNs: sec(1), stepNs: sec(1) - sec(0), rangeNs: sec(1) - sec(0), withBytes: false });
    expect(counts.reduce((sum, c) => sum + c.points[0]!.count, 0)).toBe(n);
  });

  it('scans the entries read returns, in the same order, a chunk at a time, and stops when asked', async () => {
    const batch = ['api', 'web', 'db'].map((app, k) => ({
      labels: objectToLabels({ app }),
      entries: Array.from({ length: 2500 }, (_, i) => ({ tsNs: sec(1) + BigInt(i * 3 + (k % 2)) * 1000n, line: `${app} ${i}` })),
    }));
    await logs.append('t', batch);
    await logs.compact();
    await logs.append('t', [batch[0]!]); // a retried push, in the head: still read once
    for (const direction of ['forward', 'backward'] as const) {
      const p = { matchers: [{ name: 'app', op: '=~' as const, value: '.+' }], startNs: sec(0), endNs: sec(100), direction, limit: 0 };
      const { entries } = await logs.read('t', p);
      const scanned: typeof entries = [];
      let chunks = 0;
      await logs.scan('t', p, (_streams, chunk) => {
        chunks++;
        scanned.push(...chunk);
        return true;
      });
      expect(scanned).toEqual(entries);
      expect(entries).toHaveLength(7500);
      expect(chunks).toBeGreaterThan(1);
      // Stopping after the first chunk: no second call, and the store keeps answering.
      let calls = 0;
      await logs.scan('t', p, () => {
        calls++;
        return false;
      });
      expect(calls).toBe(1);
    }
    expect((await read()).entries.length).toBeGreaterThan(0);
  });

  it('applies retention per stream selector', async () => {
    await logs.append('t', [
      { labels: objectToLabels({ app: 'api', level: 'debug' }), entries: [{ tsNs: sec(1), line: 'd' }] },
      { labels: objectToLabels({ app: 'api', level: 'info' }), entries: [{ tsNs: sec(1), line: 'i' }] },
    ]);
    await logs.applyRetention('t', Number(sec(2) / 1_000_000n), [{ name: 'level', op: '=', value: 'debug' }]);
    expect((await read()).entries.map((e) => e.line)).toEqual(['i']);
    expect(logs.labelValues('t', 'level')).toEqual(['info']);
  });

  it('stores a push that lists the same new stream several times (as pino-loki does)', async () => {
    const labels = objectToLabels({ app: 'api' });
    await logs.append('t', [
      { labels, entries: [{ tsNs: sec(1), line: 'one' }] },
      { labels, entries: [{ tsNs: sec(2), line: 'two' }] },
    ]);
    expect((await read({ direction: 'forward' })).entries.map((e) => e.line)).toEqual(['one', 'two']);
  });

  it('writes the row of a stream whose first commit failed with the next commit that uses it', async () => {
    db.writes.failNextCommit(new Error('disk full'));
    const failing = logs.append('t', [{ labels: objectToLabels({ app: 'api' }), entries: [{ tsNs: sec(1), line: 'lost' }] }]);
    const next = logs.append('t', [{ labels: objectToLabels({ app: 'api' }), entries: [{ tsNs: sec(2), line: 'kept' }] }]);
    await expect(failing).rejects.toThrow(/disk full/);
    await next;
    await db.close();
    db = await Database.open({ dataDir: dir });
    logs = await LogStore.open(db);
    expect((await read()).entries.map((e) => e.line)).toEqual(['kept']);
  });

  it('keeps streams and entries across a reopen', async () => {
    await logs.append('t', [{ labels: objectToLabels({ app: 'api' }), entries: [{ tsNs: sec(3), line: 'kept' }] }]);
    await db.close();
    db = await Database.open({ dataDir: dir });
    logs = await LogStore.open(db);
    expect((await read()).entries.map((e) => e.line)).toEqual(['kept']);
  });
});
