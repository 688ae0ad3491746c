import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyWriteFailure, storageFailure } from './errors.js';
import { type WalRecovery, isDatabaseCorruption, openWithWalRecovery } from './recovery.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * A database whose table `t` holds 10 checkpointed rows, then 20 commits of 100 rows each in the
 * WAL only; the files are copied while the instance is open, as a kill -9 leaves them.
 */
async function crashedDatabase(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-recovery-'));
  dirs.push(dir);
  const live = join(dir, 'live.duckdb');
  const instance = await DuckDBInstance.create(live, { checkpoint_threshold: '1GB' });
  const conn = await instance.connect();
  await conn.run('CREATE TABLE t (commit_no INTEGER, i INTEGER)');
  await conn.run('INSERT INTO t SELECT -1, i FROM range(10) r(i)');
  await conn.run('CHECKPOINT');
  for (let c = 0; c < 20; c++) await conn.run(`INSERT INTO t SELECT ${c}, i FROM range(100) r(i)`);
  const path = join(dir, 'vigil.duckdb');
  copyFileSync(live, path);
  copyFileSync(`${live}.wal`, `${path}.wal`);
  conn.closeSync();
  instance.closeSync();
  return path;
}

async function commitsKept(instance: DuckDBInstance): Promise<number[]> {
  const conn = await instance.connect();
  const rows = (await conn.runAndReadAll('SELECT commit_no, count(*) FROM t GROUP BY 1 ORDER BY 1')).getRows();
  conn.closeSync();
  for (const [, n] of rows) expect([10n, 100n]).toContain(n);
  return rows.map(([c]) => Number(c));
}

describe('openWithWalRecovery', () => {
  it('opens a WAL with a torn tail without repairing it: DuckDB drops the incomplete last commit', async () => {
    const path = await crashedDatabase();
    const wal = `${path}.wal`;
    writeFileSync(wal, readFileSync(wal).subarray(0, statSync(wal).size - 50));
    const repairs: WalRecovery[] = [];
    const instance = await openWithWalRecovery(path, {}, (r) => repairs.push(r));
    expect(await commitsKept(instance)).toEqual([-1, ...Array.from({ length: 19 }, (_, i) => i)]);
    expect(repairs).toEqual([]);
    instance.closeSync();
  });

  it('cuts a WAL with a flipped byte at the damaged entry, keeps every commit before it and a copy of the damaged WAL', async () => {
    const path = await crashedDatabase();
    const wal = `${path}.wal`;
    const bytes = readFileSync(wal);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(wal, bytes);
    const repairs: WalRecovery[] = [];
    const instance = await openWithWalRecovery(path, {}, (r) => repairs.push(r));
    const kept = await commitsKept(instance);
    instance.closeSync();
    expect(repairs).toHaveLength(1);
    expect(repairs[0]).toMatchObject({ action: 'truncated', keptBytes: expect.any(Number) });
    expect(repairs[0]!.keptBytes).toBeLessThanOrEqual(at);
    expect(repairs[0]!.reason).toMatch(/Corrupt WAL file/);
    // A prefix of the commits: the checkpointed rows and commits 0..n-1, with n about half.
    expect(kept).toEqual([-1, ...Array.from({ length: kept.length - 1 }, (_, i) => i)]);
    expect(kept.length - 1).toBeGreaterThanOrEqual(8);
    expect(kept.length - 1).toBeLessThan(20);
    expect(readFileSync(repairs[0]!.preservedAs)).toEqual(bytes);
    expect(readdirSync(join(path, '..')).filter((f) => f.includes('.corrupt-'))).toHaveLength(1);
  });

  it('throws a damaged database file as it is, and isDatabaseCorruption recognises it', async () => {
    const path = await crashedDatabase();
    const instance = await DuckDBInstance.create(path);
    instance.closeSync(); // replays and checkpoints the WAL into the file
    expect(existsSync(`${path}.wal`)).toBe(false);
    const bytes = readFileSync(path);
    bytes[4096 + 64] = bytes[4096 + 64]! ^ 0xff; // a database header
    writeFileSync(path, bytes);
    const err = await openWithWalRecovery(path, {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isDatabaseCorruption(err)).toBe(true);
    expect(isDatabaseCorruption(new Error('wrapped', { cause: err }))).toBe(true);
    expect(isDatabaseCorruption(new Error('Constraint Error: duplicate key'))).toBe(false);
  });
});

describe('classifyWriteFailure', () => {
  it.each([
    ['TransactionContext Error: Failed to commit: Could not write file "x.wal": No space left on device', 'disk_full'],
    ['ENOSPC: no space left on device, write', 'disk_full'],
    ['IO Error: Could not fsync file "x"', 'io'],
    ['EROFS: read-only file system', 'io'],
    ['Constraint Error: duplicate key', 'other'],
  ])('classifies %j as %s', (message, kind) => {
    expect(classifyWriteFailure(new Error(message))).toBe(kind);
  });

  it('wraps disk failures of background work as storage_unavailable and bugs as internal', () => {
    expect(storageFailure(new Error('Could not write file "x": No space left on device'), 'compaction of h').code).toBe('storage_unavailable');
    expect(storageFailure(new Error('Binder Error: no column x'), 'compaction of h')).toMatchObject({ code: 'internal', message: 'compaction of h failed: Binder Error: no column x' });
  });
});
