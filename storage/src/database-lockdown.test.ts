import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from './database.js';

/**
 * TS-8, DuckDB sandbox: once {@link Database.open} returns, no connection of the database may read
 * or write a file outside DuckDB's own database, attach another database, install or load an
 * extension, or undo the lockdown. Every statement is tried on a pooled reader, on a fresh
 * exclusive connection and on the writer (the connection the lockdown was set on).
 */
/** DuckDB's messages for a refused file access, extension load or configuration change. */
const LOCKDOWN_ERROR = /Permission Error|disabled by configuration|disabled through configuration|Cannot change configuration option/;

describe('Database lockdown', () => {
  // Made when the file is collected: the table of statements below names files in it.
  const outside = mkdtempSync(join(tmpdir(), 'vigil-lockdown-outside-'));
  let dir: string;
  let db: Database;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-lockdown-'));
    writeFileSync(join(outside, 'secret.csv'), 'a,b\n1,2\n');
    writeFileSync(join(outside, 'secret.json'), '{"a": 1}\n');
    db = await Database.open({ dataDir: join(dir, 'data'), memoryLimit: '128MB' });
  });
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  const refused = (file: (name: string) => string) => [
    ["read_csv of /etc/passwd", "SELECT * FROM read_csv('/etc/passwd')"],
    ['read_csv_auto of a file outside', `SELECT * FROM read_csv_auto('${join(outside, 'secret.csv')}')`],
    ['read_text', "SELECT * FROM read_text('/etc/passwd')"],
    ['read_blob', "SELECT * FROM read_blob('/etc/hostname')"],
    ['read_json', `SELECT * FROM read_json('${join(outside, 'secret.json')}')`],
    ['read_parquet', `SELECT * FROM read_parquet('${join(outside, 'x.parquet')}')`],
    ['a file path as a table', `SELECT * FROM '${join(outside, 'secret.csv')}'`],
    ['glob', "SELECT * FROM glob('/etc/*')"],
    ['COPY TO a csv', `COPY (SELECT 1 AS x) TO '${file('copy.csv')}'`],
    ['COPY TO parquet', `COPY (SELECT 1 AS x) TO '${file('copy.parquet')}' (FORMAT parquet)`],
    ['COPY FROM', `CREATE TEMP TABLE t_in (a INTEGER, b INTEGER); COPY t_in FROM '${join(outside, 'secret.csv')}'`],
    ['EXPORT DATABASE', `EXPORT DATABASE '${file('export')}'`],
    ['ATTACH a new file', `ATTACH '${file('attached.db')}' AS evil`],
    ['INSTALL httpfs', 'INSTALL httpfs'],
    ['LOAD httpfs', 'LOAD httpfs'],
    ['LOAD an extension file', `LOAD '${file('evil.duckdb_extension')}'`],
    ['SET enable_external_access=true', 'SET enable_external_access = true'],
    ['SET GLOBAL enable_external_access=true', 'SET GLOBAL enable_external_access = true'],
    ['RESET enable_external_access', 'RESET enable_external_access'],
    ['SET lock_configuration=false', 'SET lock_configuration = false'],
    ['SET allow_unsigned_extensions', 'SET allow_unsigned_extensions = true'],
    ['SET autoinstall_known_extensions', 'SET autoinstall_known_extensions = true'],
    ['SET temp_directory elsewhere', `SET temp_directory = '${outside}'`],
    ['PRAGMA memory_limit', "PRAGMA memory_limit = '64GB'"],
  ];

  const connections = () =>
    [
      ['a pooled reader', <T>(fn: (c: ReturnType<Database['reader']>) => Promise<T>) => fn(db.reader())],
      ['an exclusive connection', <T>(fn: (c: ReturnType<Database['reader']>) => Promise<T>) => db.withExclusiveReader(fn)],
      ['the writer', <T>(fn: (c: ReturnType<Database['reader']>) => Promise<T>) => fn(db.writer)],
    ] as const;

  it.each(refused((n) => join(outside, n)))('refuses %s on every connection', async (_what, sql) => {
    for (const [name, on] of connections()) {
      // The refusal must be the lockdown's, not an incidental error (a missing file, no network).
      await expect(on((c) => c.run(sql)), `${name}: ${sql}`).rejects.toThrow(LOCKDOWN_ERROR);
    }
  });

  it('wrote and attached nothing outside, and created no file beside the database', async () => {
    expect(readdirSync(outside).sort()).toEqual(['secret.csv', 'secret.json']);
    const data = readdirSync(join(dir, 'data'));
    expect(data.filter((f) => !/^vigil\.duckdb(\.wal)?$|^tmp$/.test(f))).toEqual([]);
    expect(existsSync(join(outside, 'attached.db'))).toBe(false);
  });

  it('keeps the settings locked down, as reported by DuckDB itself', async () => {
    const reader = await db.reader().runAndReadAll(
      "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', 'lock_configuration', 'autoinstall_known_extensions', 'autoload_known_extensions', 'allow_community_extensions', 'allow_unsigned_extensions') ORDER BY name",
    );
    expect(Object.fromEntries(reader.getRows().map(([k, v]) => [String(k), String(v)]))).toEqual({
      allow_community_extensions: 'false',
      allow_unsigned_extensions: 'false',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      enable_external_access: 'false',
      lock_configuration: 'true',
    });
  });

  it('still runs the built-in SQL Vigil uses (json, regexp)', async () => {
    const r = await db.reader().runAndReadAll(`SELECT json_extract('{"a": 1}', '$.a')::INTEGER AS a, regexp_matches('abc', 'b') AS m`);
    expect(r.getRows()).toEqual([[1, true]]);
  });
});
