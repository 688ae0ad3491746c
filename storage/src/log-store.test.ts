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

  it('applies retention per stream selector', async () => {
    await logs.append('t', [
      { labels: objectToLabels({ app: 'api', level: 'debug' }), entries: [{ tsNs: sec(1), line: 'd' }] },
      { labels: objectToLabels({ app: 'api', level: 'info' }), entries: [{ tsNs: sec(1), line: 'i' }] },
    ]);
    await logs.applyRetention('t', Number(sec(2) / 1_000_000n), [{ name: 'level', op: '=', value: 'debug' }]);
    expect((await read()).entries.map((e) => e.line)).toEqual(['i']);
    expect(logs.labelValues('t', 'level')).toEqual(['info']);
  });

  it('keeps streams and entries across a reopen', async () => {
    await logs.append('t', [{ labels: objectToLabels({ app: 'api' }), entries: [{ tsNs: sec(3), line: 'kept' }] }]);
    await db.close();
    db = await Database.open({ dataDir: dir });
    logs = await LogStore.open(db);
    expect((await read()).entries.map((e) => e.line)).toEqual(['kept']);
  });
});
