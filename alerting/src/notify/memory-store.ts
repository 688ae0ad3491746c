import type { NotificationLogRow, NotificationStore, OutboxRow } from './types.js';

/**
 * An in-memory {@link NotificationStore} for tests and embedding: the same contract as the DuckDB
 * `AlertingStore` (JSON bodies, atomic `commitDispatch`, live delivery columns over the body).
 * Set `failNextCommit` to make the next `commitDispatch` reject without changing anything.
 */
export class MemoryNotificationStore implements NotificationStore {
  readonly log = new Map<string, string>();
  readonly outbox = new Map<string, { body: string; row: OutboxRow }>();
  failNextCommit = false;

  async loadLog<T>(): Promise<T[]> {
    return [...this.log.values()].map((b) => JSON.parse(b) as T);
  }

  async commitDispatch<L extends NotificationLogRow, O extends OutboxRow>(upserts: L[], deletes: NotificationLogRow[], enqueue: O[]): Promise<void> {
    if (this.failNextCommit) {
      this.failNextCommit = false;
      throw new Error('commit failed (injected)');
    }
    for (const o of enqueue) if (this.outbox.has(o.id)) throw new Error(`duplicate outbox id ${o.id}`);
    for (const d of deletes) this.log.delete(logKey(d));
    for (const u of upserts) this.log.set(logKey(u), JSON.stringify(u));
    for (const o of enqueue) {
      const { id, tenant, channel, status, createdMs, nextAttemptMs, attempts, lastError, deliveredMs } = o;
      this.outbox.set(o.id, { body: JSON.stringify(o), row: { id, tenant, channel, status, createdMs, nextAttemptMs, attempts, lastError, deliveredMs } });
    }
  }

  async due<T>(nowMs: number, limit: number): Promise<T[]> {
    return [...this.outbox.values()]
      .filter((o) => o.row.status === 'pending' && o.row.nextAttemptMs <= nowMs)
      .sort((a, b) => a.row.nextAttemptMs - b.row.nextAttemptMs || a.row.createdMs - b.row.createdMs)
      .slice(0, limit)
      .map((o) => merge<T>(o));
  }

  async markDelivered(id: string, nowMs: number): Promise<void> {
    this.update(id, { status: 'delivered', deliveredMs: nowMs });
  }

  async markRetry(id: string, attempts: number, nextAttemptMs: number, error: string): Promise<void> {
    this.update(id, { attempts, nextAttemptMs, lastError: error });
  }

  async markDead(id: string, error: string, nowMs: number): Promise<void> {
    this.update(id, { status: 'dead', lastError: error, nextAttemptMs: nowMs });
  }

  async listOutbox<T>(tenant: string, options: { status?: OutboxRow['status']; limit?: number } = {}): Promise<T[]> {
    return [...this.outbox.values()]
      .filter((o) => o.row.tenant === tenant && (!options.status || o.row.status === options.status))
      .sort((a, b) => b.row.createdMs - a.row.createdMs)
      .slice(0, options.limit ?? 100)
      .map((o) => merge<T>(o));
  }

  async redrive(tenant: string, id: string, nowMs: number): Promise<boolean> {
    const o = this.outbox.get(id);
    if (!o || o.row.tenant !== tenant) return false;
    Object.assign(o.row, { status: 'pending', nextAttemptMs: nowMs, attempts: 0, deliveredMs: null });
    return true;
  }

  private update(id: string, patch: Partial<OutboxRow>): void {
    const o = this.outbox.get(id);
    if (o) Object.assign(o.row, patch);
  }
}

function logKey(r: NotificationLogRow): string {
  return `${r.tenant}\u0000${r.channel}\u0000${r.groupKey}`;
}

function merge<T>(o: { body: string; row: OutboxRow }): T {
  const body = JSON.parse(o.body) as Record<string, unknown>;
  const { status, nextAttemptMs, attempts, lastError, deliveredMs } = o.row;
  return { ...body, status, nextAttemptMs, attempts, lastError, deliveredMs } as T;
}
