import type { Database } from './database.js';
import { storageFailure } from './errors.js';
import type { WriteQueue } from './write-queue.js';

/** Options for a {@link HeadTable}. */
export interface HeadTableOptions {
  /** The sorted main table. */
  main: string;
  /** The two head tables commits alternate between. */
  heads: readonly [string, string];
  /**
   * SQL statements that move every row of `head` into the main table, sorted and de-duplicated,
   * given the head's smallest and largest `ts` (so statements can restrict the main table to that
   * range and let zone maps skip the rest); they run in one transaction followed by
   * `DELETE FROM head`.
   */
  compactSql: (head: string, minTs: bigint, maxTs: bigint) => string[];
  /** Rows in the active head that trigger a compaction. */
  compactAfterRows: number;
  /** Age of the active head's first commit that triggers a compaction, ms. */
  compactAfterMs: number;
  now: () => number;
  onCompaction?: (seconds: number) => void;
  onError?: (err: unknown) => void;
}

/**
 * A table written through two small "head" tables. Commits append to the active head; a
 * compaction switches commits to the other head (between two commit groups, so no commit to the
 * old head is in flight), then moves the old head into the main table sorted, in one transaction
 * on the maintenance connection, so readers see each row in exactly one table.
 */
export class HeadTable {
  private active = 0;
  private readonly rows = [0, 0];
  private readonly since: Array<number | undefined> = [undefined, undefined];
  private compacting: Promise<void> | undefined;

  constructor(
    private readonly db: Database,
    private readonly writes: WriteQueue,
    private readonly opts: HeadTableOptions,
  ) {}

  /** Counts the rows already in both heads (after a restart). */
  async load(): Promise<void> {
    for (let h = 0; h < 2; h++) {
      const r = await this.db.writer.runAndReadAll(`SELECT count(*) FROM ${this.opts.heads[h]}`);
      this.rows[h] = Number(r.getRows()[0]?.[0] ?? 0);
      if (this.rows[h]! > 0) this.since[h] = this.opts.now();
    }
  }

  /** The head new commits go to, and its index for {@link committed}. */
  current(): { table: string; index: number } {
    return { table: this.opts.heads[this.active]!, index: this.active };
  }

  /** Records rows committed to head `index`. */
  committed(index: number, rows: number): void {
    this.rows[index]! += rows;
    this.since[index] ??= this.opts.now();
  }

  /** Rows waiting in both heads. */
  get headRows(): number {
    return this.rows[0]! + this.rows[1]!;
  }

  /** Every table that holds rows: main first, then the heads (for `UNION ALL` reads). */
  get tables(): readonly string[] {
    return [this.opts.main, ...this.opts.heads];
  }

  /** Starts a compaction if the active head is over its row or age threshold. */
  compactIfDue(): void {
    if (this.compacting) return;
    const since = this.since[this.active];
    const dueByRows = this.rows[this.active]! >= this.opts.compactAfterRows;
    const dueByAge = since !== undefined && this.opts.now() - since >= this.opts.compactAfterMs;
    if (dueByRows || dueByAge) void this.compact().catch((err) => this.opts.onError?.(err));
  }

  /** Compacts the inactive head if it has leftovers, then the active one. */
  compact(): Promise<void> {
    if (this.compacting) return this.compacting;
    const run = async () => {
      const other = 1 - this.active;
      if (this.rows[other]! > 0) await this.compactHead(other);
      const h = this.active;
      if (this.rows[h] === 0) return;
      await new Promise<void>((resolve) =>
        this.writes.betweenGroups(() => {
          this.active = other;
          resolve();
        }),
      );
      await this.compactHead(h);
    };
    this.compacting = run().finally(() => {
      this.compacting = undefined;
    });
    return this.compacting;
  }

  /** Resolves when no compaction is running. */
  async settled(): Promise<void> {
    if (this.compacting) await this.compacting.catch(() => undefined);
  }

  private compactHead(h: number): Promise<void> {
    return this.db.maintenanceQueue.run(async () => {
      const table = this.opts.heads[h]!;
      const conn = this.db.maintenance;
      const started = performance.now();
      await conn.run('BEGIN TRANSACTION');
      try {
        const range = (await conn.runAndReadAll(`SELECT min(ts), max(ts) FROM ${table}`)).getRows()[0];
        const minTs = BigInt((range?.[0] as bigint | null) ?? 0n);
        const maxTs = BigInt((range?.[1] as bigint | null) ?? 0n);
        for (const sql of this.opts.compactSql(table, minTs, maxTs)) await conn.run(sql);
        await conn.run(`DELETE FROM ${table}`);
        await conn.run('COMMIT');
      } catch (err) {
        await conn.run('ROLLBACK').catch(() => undefined);
        // The head keeps its rows (and its count), so the next compaction retries it.
        throw storageFailure(err, `compaction of ${table}`);
      }
      this.rows[h] = 0;
      this.since[h] = undefined;
      this.opts.onCompaction?.((performance.now() - started) / 1000);
    });
  }
}
