import type { Database } from './database.js';
import { StorageError } from './errors.js';

/** A tenant: every stored row and resource belongs to one. */
export interface Tenant {
  id: string;
  createdMs: number;
  /** Retention override in ms; `undefined` = server default, 0 = keep forever. */
  retentionMs: number | undefined;
}

/** Scopes an API key can carry. */
export type KeyScope = 'ingest' | 'query' | 'admin';

/** An API key as stored: only the hash of the secret is kept. */
export interface ApiKeyRecord {
  id: string;
  tenant: string;
  name: string;
  keyHash: string;
  scopes: KeyScope[];
  /** A root key may act for any tenant through `X-Scope-OrgID`. */
  isRoot: boolean;
  createdMs: number;
  revokedMs: number | undefined;
}

/**
 * Tenants and API keys in DuckDB, with an in-memory copy for the auth hot path (every request
 * looks its key up by hash). Writes go to DuckDB first and update the copy after the commit.
 */
export class ResourceStore {
  private readonly tenantsById = new Map<string, Tenant>();
  private readonly keysByHash = new Map<string, ApiKeyRecord>();
  private readonly keysById = new Map<string, ApiKeyRecord>();

  private constructor(private readonly db: Database) {}

  private exec(sql: string, params: Parameters<Database['resources']['run']>[1]): Promise<unknown> {
    return this.db.resourcesQueue.run(() => this.db.resources.run(sql, params));
  }

  /** Loads tenants and keys from `db`. */
  static async open(db: Database): Promise<ResourceStore> {
    const store = new ResourceStore(db);
    const conn = db.writer;
    for (const [id, created, retention] of (
      await conn.runAndReadAll('SELECT id, created_ms, retention_ms FROM tenants')
    ).getRows()) {
      store.tenantsById.set(String(id), {
        id: String(id),
        createdMs: Number(created),
        retentionMs: retention === null ? undefined : Number(retention),
      });
    }
    const keys = await conn.runAndReadAll(
      'SELECT id, tenant, name, key_hash, scopes, is_root, created_ms, revoked_ms FROM api_keys',
    );
    for (const [id, tenant, name, hash, scopes, isRoot, created, revoked] of keys.getRows()) {
      const k: ApiKeyRecord = {
        id: String(id),
        tenant: String(tenant),
        name: String(name),
        keyHash: String(hash),
        scopes: String(scopes).split(',').filter(Boolean) as KeyScope[],
        isRoot: Boolean(isRoot),
        createdMs: Number(created),
        revokedMs: revoked === null ? undefined : Number(revoked),
      };
      store.keysById.set(k.id, k);
      store.keysByHash.set(k.keyHash, k);
    }
    return store;
  }

  /** The tenant with this id, if it exists. */
  getTenant(id: string): Tenant | undefined {
    return this.tenantsById.get(id);
  }

  /** All tenants, sorted by id. */
  listTenants(): Tenant[] {
    return [...this.tenantsById.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** Creates the tenant unless it exists; returns it either way. */
  async ensureTenant(id: string, nowMs = Date.now()): Promise<Tenant> {
    const existing = this.tenantsById.get(id);
    if (existing) return existing;
    await this.exec('INSERT OR IGNORE INTO tenants VALUES ($1, $2, NULL)', [id, BigInt(nowMs)]);
    const t: Tenant = { id, createdMs: nowMs, retentionMs: undefined };
    this.tenantsById.set(id, t);
    return t;
  }

  /** Sets a tenant's retention override (`undefined` = default). */
  async setTenantRetention(id: string, retentionMs: number | undefined): Promise<Tenant> {
    const t = this.tenantsById.get(id);
    if (!t) throw new StorageError('not_found', `tenant ${JSON.stringify(id)} does not exist`);
    await this.exec('UPDATE tenants SET retention_ms = $1 WHERE id = $2', [
      retentionMs === undefined ? null : BigInt(retentionMs),
      id,
    ]);
    t.retentionMs = retentionMs;
    return t;
  }

  /** Deletes a tenant record and revokes its keys (its data ages out with retention). */
  async deleteTenant(id: string, nowMs = Date.now()): Promise<void> {
    if (!this.tenantsById.has(id)) throw new StorageError('not_found', `tenant ${JSON.stringify(id)} does not exist`);
    await this.exec('DELETE FROM tenants WHERE id = $1', [id]);
    await this.exec('UPDATE api_keys SET revoked_ms = $1 WHERE tenant = $2 AND revoked_ms IS NULL', [
      BigInt(nowMs),
      id,
    ]);
    this.tenantsById.delete(id);
    for (const k of this.keysById.values()) if (k.tenant === id && k.revokedMs === undefined) k.revokedMs = nowMs;
  }

  /** Stores a new key record (the caller hashes the secret). */
  async createKey(k: ApiKeyRecord): Promise<void> {
    if (this.keysByHash.has(k.keyHash)) throw new StorageError('conflict', 'an API key with this secret already exists');
    await this.exec('INSERT INTO api_keys VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)', [
      k.id,
      k.tenant,
      k.name,
      k.keyHash,
      k.scopes.join(','),
      k.isRoot,
      BigInt(k.createdMs),
    ]);
    this.keysById.set(k.id, { ...k });
    this.keysByHash.set(k.keyHash, this.keysById.get(k.id)!);
  }

  /** The key whose secret hashes to `hash`, revoked or not. */
  findKeyByHash(hash: string): ApiKeyRecord | undefined {
    return this.keysByHash.get(hash);
  }

  /** Keys, optionally of one tenant. */
  listKeys(tenant?: string): ApiKeyRecord[] {
    return [...this.keysById.values()]
      .filter((k) => tenant === undefined || k.tenant === tenant)
      .sort((a, b) => a.createdMs - b.createdMs || (a.id < b.id ? -1 : 1));
  }

  /** The key with this id, if any. */
  getKey(id: string): ApiKeyRecord | undefined {
    return this.keysById.get(id);
  }

  /** Marks a key revoked; later requests with it get 401. */
  async revokeKey(id: string, nowMs = Date.now()): Promise<void> {
    const k = this.keysById.get(id);
    if (!k) throw new StorageError('not_found', `API key ${JSON.stringify(id)} does not exist`);
    await this.exec('UPDATE api_keys SET revoked_ms = $1 WHERE id = $2', [BigInt(nowMs), id]);
    k.revokedMs = nowMs;
  }
}
