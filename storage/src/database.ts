import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { StorageError, storageFailure } from './errors.js';
import { type WalRecovery, openWithWalRecovery } from './recovery.js';
import { migrate } from './schema.js';
import { SerialQueue } from './serial.js';
import { WriteQueue } from './write-queue.js';

/** Options for {@link openDatabase}. */
export interface DatabaseOptions {
  /** Folder holding `vigil.duckdb` and its WAL; created when missing. */
  dataDir: string;
  /** DuckDB buffer pool limit, e.g. `"512MB"`. @default "512MB" */
  memoryLimit?: string;
  /** DuckDB worker threads. @default 2 */
  threads?: number;
  /** Connections kept for concurrent reads. @default 4 */
  readConnections?: number;
  /**
   * WAL size that triggers DuckDB's automatic checkpoint, e.g. `"256MB"`. Large enough that
   * short-lived head rows are compacted before they are ever checkpointed into the file (whose
   * freed blocks DuckDB reuses but never returns). @default "256MB"
   */
  checkpointThreshold?: string;
  /** Called after each group commit with the rows written and its duration in seconds. */
  onCommit?: (rows: number, seconds: number) => void;
  /** Called when the WAL could not be replayed and was repaired (see `openWithWalRecovery`). */
  onWalRecovery?: (recovery: WalRecovery) => void;
  /** Called when a group commit failed (nothing of it was stored), e.g. on a full disk. */
  onCommitFailure?: (err: unknown) => void;
}

/**
 * One embedded DuckDB database with the connections Vigil uses: one writer (all ingest commits
 * go through it, serialised), one for background maintenance (compaction, retention), and a small
 * pool for reads. After the schema is migrated the database is locked down: no external file or
 * network access, no extension installs, configuration frozen (user input never reaches SQL, but a
 * mistake must still not become file access).
 */
export class Database {
  private readonly readers: DuckDBConnection[];
  private nextReader = 0;
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    /** The connection every ingest commit runs on. */
    readonly writer: DuckDBConnection,
    /** The connection background maintenance (compaction, retention) runs on. */
    readonly maintenance: DuckDBConnection,
    /** The connection small relational writes (tenants, keys, metadata) run on. */
    readonly resources: DuckDBConnection,
    readers: DuckDBConnection[],
    /** Path of the database file. */
    readonly path: string,
    onCommit?: (rows: number, seconds: number) => void,
    onCommitFailure?: (err: unknown) => void,
  ) {
    this.readers = readers;
    this.writes = new WriteQueue(writer, onCommit, onCommitFailure);
  }

  /** Group commit on {@link writer}: every ingest write goes through it. */
  readonly writes: WriteQueue;

  /** Opens (creating if needed) the database in `options.dataDir`, migrates and locks it down. */
  static async open(options: DatabaseOptions): Promise<Database> {
    mkdirSync(options.dataDir, { recursive: true });
    const path = join(options.dataDir, 'vigil.duckdb');
    let instance: DuckDBInstance;
    try {
      instance = await openWithWalRecovery(path, {
        memory_limit: options.memoryLimit ?? '512MB',
        threads: String(options.threads ?? 2),
        temp_directory: join(options.dataDir, 'tmp'),
        checkpoint_threshold: options.checkpointThreshold ?? '256MB',
        autoinstall_known_extensions: 'false',
        autoload_known_extensions: 'false',
        allow_community_extensions: 'false',
      }, options.onWalRecovery);
    } catch (err) {
      throw new StorageError('storage_unavailable', `cannot open database ${path}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const writer = await instance.connect();
    await migrate(writer);
    await writer.run('SET enable_external_access = false');
    await writer.run('SET lock_configuration = true');
    const maintenance = await instance.connect();
    const resources = await instance.connect();
    const readers: DuckDBConnection[] = [];
    for (let i = 0; i < (options.readConnections ?? 4); i++) readers.push(await instance.connect());
    return new Database(instance, writer, maintenance, resources, readers, path, options.onCommit, options.onCommitFailure);
  }

  /** A connection for a short read-only query (round-robin over the pool, shared). */
  reader(): DuckDBConnection {
    if (this.closed) throw new StorageError('storage_closed', 'storage is closed');
    const c = this.readers[this.nextReader % this.readers.length]!;
    this.nextReader++;
    return c;
  }

  private readonly idleExclusive: DuckDBConnection[] = [];

  /**
   * Runs `fn` on a connection no other query uses, so that an abort of `signal` can interrupt
   * exactly this query's DuckDB work (`interrupt()` stops whatever runs on a connection).
   * Connections are pooled; rejects with the abort reason when `signal` fires.
   */
  async withExclusiveReader<T>(fn: (conn: DuckDBConnection) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.closed) throw new StorageError('storage_closed', 'storage is closed');
    signal?.throwIfAborted();
    const conn = this.idleExclusive.pop() ?? (await this.instance.connect());
    const onAbort = () => conn.interrupt();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await fn(conn);
      signal?.throwIfAborted();
      return result;
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (this.closed) conn.closeSync();
      else if (this.idleExclusive.length < 8) this.idleExclusive.push(conn);
      else conn.closeSync();
    }
  }

  /** Serialises work on {@link maintenance}: compaction, retention and checkpoints never interleave. */
  readonly maintenanceQueue = new SerialQueue();
  /** Serialises work on {@link resources}. */
  readonly resourcesQueue = new SerialQueue();

  /** Whether {@link close} has been called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * DuckDB's own account of its memory (`duckdb_memory()`): bytes in use and spilled to temporary
   * storage per component (buffer pool tags such as BASE_TABLE, HASH_TABLE, METADATA). Memory that
   * DuckDB allocates outside its buffer manager is not in it.
   */
  async memoryUsage(): Promise<Array<{ tag: string; bytes: number; temporaryBytes: number }>> {
    const r = await this.reader().runAndReadAll('SELECT tag, memory_usage_bytes, temporary_storage_bytes FROM duckdb_memory()');
    return r.getRows().map(([tag, bytes, tmp]) => ({ tag: String(tag), bytes: Number(bytes), temporaryBytes: Number(tmp) }));
  }

  /** Checkpoints the WAL into the database file. */
  async checkpoint(): Promise<void> {
    await this.maintenanceQueue.run(async () => {
      try {
        await this.maintenance.run('CHECKPOINT');
      } catch (err) {
        throw storageFailure(err, 'checkpoint');
      }
    });
  }

  /** Checkpoints and closes every connection and the instance. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.writer.run('CHECKPOINT');
    } catch {
      // A failed checkpoint leaves the WAL in place; it is replayed on the next open.
    }
    for (const c of [this.writer, this.maintenance, this.resources, ...this.readers, ...this.idleExclusive]) c.closeSync();
    this.idleExclusive.length = 0;
    this.instance.closeSync();
  }
}
