import type { Database } from './database.js';
import { StorageError } from './errors.js';

/** A stored resource document: a JSON body owned by a tenant, of one kind, under an id. */
export interface StoredDocument<T = unknown> {
  tenant: string;
  kind: string;
  id: string;
  body: T;
  createdMs: number;
  updatedMs: number;
}

/**
 * Small per-tenant resources (metric filters, alarms, channels, silences, dashboards, scaling
 * groups...) as JSON documents in one DuckDB table, with an in-memory copy for reads. Writes are
 * durable before they resolve and update the copy afterwards. Validation is the caller's job: the
 * store keeps whatever body it is given.
 */
export class DocumentStore {
  private readonly docs = new Map<string, StoredDocument>();

  private constructor(private readonly db: Database) {}

  /** Loads every document from `db`. */
  static async open(db: Database): Promise<DocumentStore> {
    const store = new DocumentStore(db);
    const rows = await db.writer.runAndReadAll('SELECT tenant, kind, id, body, created_ms, updated_ms FROM documents');
    for (const [tenant, kind, id, body, created, updated] of rows.getRows()) {
      const d: StoredDocument = {
        tenant: String(tenant),
        kind: String(kind),
        id: String(id),
        body: JSON.parse(String(body)) as unknown,
        createdMs: Number(created),
        updatedMs: Number(updated),
      };
      store.docs.set(key(d.tenant, d.kind, d.id), d);
    }
    return store;
  }

  /** The document, if it exists. Callers must not mutate the returned body. */
  get<T>(tenant: string, kind: string, id: string): StoredDocument<T> | undefined {
    return this.docs.get(key(tenant, kind, id)) as StoredDocument<T> | undefined;
  }

  /** Documents of one kind, of one tenant (or of every tenant when `tenant` is undefined), by id. */
  list<T>(kind: string, tenant?: string): Array<StoredDocument<T>> {
    const out: Array<StoredDocument<T>> = [];
    for (const d of this.docs.values()) {
      if (d.kind === kind && (tenant === undefined || d.tenant === tenant)) out.push(d as StoredDocument<T>);
    }
    return out.sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Creates or replaces a document; returns what was stored. */
  async put<T>(tenant: string, kind: string, id: string, body: T, nowMs = Date.now()): Promise<StoredDocument<T>> {
    const old = this.docs.get(key(tenant, kind, id));
    const doc: StoredDocument<T> = { tenant, kind, id, body, createdMs: old?.createdMs ?? nowMs, updatedMs: nowMs };
    await this.db.resourcesQueue.run(() =>
      this.db.resources.run('INSERT OR REPLACE INTO documents VALUES ($1, $2, $3, $4, $5, $6)', [
        tenant,
        kind,
        id,
        JSON.stringify(body),
        BigInt(doc.createdMs),
        BigInt(doc.updatedMs),
      ]),
    );
    this.docs.set(key(tenant, kind, id), doc as StoredDocument);
    return doc;
  }

  /** Deletes a document. @throws StorageError not_found when there is none. */
  async delete(tenant: string, kind: string, id: string): Promise<void> {
    if (!this.docs.has(key(tenant, kind, id))) {
      throw new StorageError('not_found', `${kind} ${JSON.stringify(id)} does not exist`);
    }
    await this.db.resourcesQueue.run(() =>
      this.db.resources.run('DELETE FROM documents WHERE tenant = $1 AND kind = $2 AND id = $3', [tenant, kind, id]),
    );
    this.docs.delete(key(tenant, kind, id));
  }
}

function key(tenant: string, kind: string, id: string): string {
  return `${tenant}\u0000${kind}\u0000${id}`;
}
