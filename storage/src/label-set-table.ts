import type { DuckDBConnection } from '@duckdb/node-api';
import { type Label, seriesKey } from './labels.js';
import { type IndexedSeries, TenantSeriesIndex } from './series-index.js';

/**
 * The label sets of one kind (metric series or log streams): the durable table
 * (`id, tenant, labels, created_ms`) and, per tenant, the in-memory index built from it. Ids are
 * allocated in memory and never reused; a label set becomes durable in the same transaction as the
 * first rows that reference it ({@link persist} runs inside the write queue's transaction).
 */
export class LabelSetTable {
  private readonly indexes = new Map<string, TenantSeriesIndex>();
  private nextId = 1;

  constructor(
    /** `series` or `log_streams`. */
    private readonly table: 'series' | 'log_streams',
  ) {}

  /** Loads every stored label set; returns them by id (to attach time ranges). */
  async load(conn: DuckDBConnection): Promise<Map<number, IndexedSeries>> {
    const rows = await conn.runAndReadAll(`SELECT id, tenant, labels FROM ${this.table} ORDER BY id`);
    const byId = new Map<number, IndexedSeries>();
    for (const [id, tenant, labelsJson] of rows.getRows()) {
      const labels = (JSON.parse(String(labelsJson)) as Array<[string, string]>).map(([name, value]) => ({ name, value }));
      const nid = Number(id);
      const set = this.index(String(tenant)).add(seriesKey(labels), nid, labels);
      set.persisted = true;
      byId.set(nid, set);
      if (nid >= this.nextId) this.nextId = nid + 1;
    }
    return byId;
  }

  /** The tenant's index, created empty when the tenant has none yet. */
  index(tenant: string): TenantSeriesIndex {
    let idx = this.indexes.get(tenant);
    if (!idx) {
      idx = new TenantSeriesIndex();
      this.indexes.set(tenant, idx);
    }
    return idx;
  }

  /** The tenant's index if it has one. */
  get(tenant: string): TenantSeriesIndex | undefined {
    return this.indexes.get(tenant);
  }

  /** Adds a new label set to the tenant's index with a fresh id (durable only once {@link persist}ed and committed). */
  create(tenant: string, key: string, labels: readonly Label[]): IndexedSeries {
    return this.index(tenant).add(key, this.nextId++, labels.slice());
  }

  /**
   * Appends the rows of those `sets` that are not durable yet and not already being written by
   * this write group, inside the caller's transaction. A set whose earlier commit failed is
   * written again by the next commit that uses it, so samples are never committed for an id
   * without its row. Call {@link markPersisted} once the transaction committed.
   */
  async persist(conn: DuckDBConnection, tenant: string, sets: readonly IndexedSeries[], nowMs: number, groupId: number): Promise<void> {
    // A set can be listed more than once (a request may carry the same stream or series twice):
    // marking it while collecting writes each row once.
    const pending: IndexedSeries[] = [];
    for (const s of sets) {
      if (s.persisted || s.persistingGroup === groupId) continue;
      s.persistingGroup = groupId;
      pending.push(s);
    }
    if (pending.length === 0) return;
    const app = await conn.createAppender(this.table);
    for (const s of pending) {
      app.appendUInteger(s.id);
      app.appendVarchar(tenant);
      app.appendVarchar(JSON.stringify(s.labels.map((l) => [l.name, l.value])));
      app.appendBigInt(BigInt(nowMs));
      app.endRow();
    }
    app.flushSync();
    app.closeSync();
  }

  /** Records that the rows written by {@link persist} for `sets` are committed. */
  markPersisted(sets: readonly IndexedSeries[]): void {
    for (const s of sets) s.persisted = true;
  }

  /** Removes label sets from the index (when retention emptied them). */
  forget(tenant: string, sets: readonly IndexedSeries[]): void {
    const idx = this.indexes.get(tenant);
    if (!idx) return;
    for (const s of sets) idx.remove(seriesKey(s.labels));
  }

  /** Tenants with label sets. */
  tenants(): string[] {
    return [...this.indexes.keys()];
  }

  /** Label sets of every tenant. */
  get total(): number {
    let n = 0;
    for (const idx of this.indexes.values()) n += idx.size;
    return n;
  }
}
