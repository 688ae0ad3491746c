import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from './database.js';
import { objectToLabels } from './labels.js';
import { type LogEntry, LogStore } from './log-store.js';

const S = 1_700_000_000_000_000_000n;

describe('appending log rows (appendLogRows through LogStore.append)', () => {
  let dir: string;
  let db: Database;
  let logs: LogStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-log-rows-'));
    db = await Database.open({ dataDir: dir, memoryLimit: '256MB' });
    logs = await LogStore.open(db, { now: () => Number(S / 1_000_000n) });
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every row across several vectors: ids, timestamps, lines and metadata (NULL when absent or empty)', async () => {
    const lines = ['', 'plain ascii', 'ünïcödé and 日本語', 'emoji 🙂 astral', 'x'.repeat(5000), 'tab\tand\nnewline'];
    const streams = ['a', 'b', 'c'].map((app, k) => {
      const entries: LogEntry[] = [];
      for (let i = 0; i < 2100 + k * 7; i++) {
        const metadata: Record<string, string> | undefined = i % 7 === 0 ? { trace_id: `t${i}`, 'ü': 'ß' } : i % 11 === 0 ? {} : undefined;
        entries.push({ tsNs: S + BigInt(i) * 1_000_000n + BigInt(k), line: `${lines[i % lines.length]}#${i}`, metadata });
      }
      return { labels: objectToLabels({ app }), entries };
    });
    const result = await logs.append('t', streams);
    const total = streams.reduce((n, s) => n + s.entries.length, 0);
    expect(result.entriesWritten).toBe(total);
    expect(result.bytesWritten).toBe(streams.reduce((n, s) => n + s.entries.reduce((m, e) => m + e.line.length, 0), 0));
    const rows = await db.writer.runAndReadAll(
      `SELECT stream_id, ts, line, metadata FROM (SELECT * FROM log_entries_head_0 UNION ALL SELECT * FROM log_entries_head_1 UNION ALL SELECT * FROM log_entries) ORDER BY stream_id, ts`,
    );
    const got = rows.getRows();
    expect(got.length).toBe(total);
    const ids = [...new Set(got.map((r) => Number(r[0])))];
    expect(ids.length).toBe(3);
    let at = 0;
    for (const s of streams) {
      for (const e of s.entries) {
        const [, ts, line, meta] = got[at++]!;
        expect(ts).toBe(e.tsNs);
        expect(line).toBe(e.line);
        const want = e.metadata && Object.keys(e.metadata).length > 0 ? e.metadata : null;
        expect(meta === null ? null : JSON.parse(String(meta))).toEqual(want);
      }
    }
    const stats = logs.selectStreams('t', [{ name: 'app', op: '=', value: 'b' }]);
    expect(stats[0]!.minTs).toBe(Number(S / 1_000_000n));
    expect(stats[0]!.maxTs).toBe(Number(S / 1_000_000n) + 2106);
  });

  it('compacts identical entries to one row with the metadata of the last one appended (none counts)', async () => {
    const labels = objectToLabels({ app: 'a' });
    const push = (line: string, metadata?: Record<string, string>) => logs.append('t', [{ labels, entries: [{ tsNs: S, line, metadata }] }]);
    await push('x', { k: '1' });
    await push('x');
    await push('x', { k: '3' });
    await push('y', { k: '1' });
    await push('y', { k: '2' });
    await push('y');
    await push('z', { k: '1' });
    await logs.compact();
    await push('z', { k: '2' }); // already in log_entries: not stored again
    await logs.compact();
    const rows = await db.writer.runAndReadAll('SELECT line, metadata FROM log_entries ORDER BY line');
    expect(rows.getRows()).toEqual([
      ['x', '{"k":"3"}'],
      ['y', null],
      ['z', '{"k":"1"}'],
    ]);
  });
});
