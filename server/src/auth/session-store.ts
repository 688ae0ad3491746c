import { randomBytes } from 'node:crypto';
import type { ApiKeyRecord, DocumentStore } from '@vigil/storage';
import { hashKey } from './keys.js';

/** The DocumentStore kind under which web sessions are kept (tenant = the key's own tenant). */
export const SESSION_KIND = 'web-session';

/** A signed-in browser session as stored: never the token, only the key it acts as. */
export interface SessionRecord {
  /** The API key the session was opened with; revoking the key ends the session. */
  keyId: string;
  createdMs: number;
  /** Epoch ms after which the session is refused. */
  expiresMs: number;
}

/** Options of {@link SessionStore}. */
export interface SessionOptions {
  /** How long a session lives without being used, in milliseconds; use renews it. @default 86_400_000 (24 h) */
  ttlMs: number;
  /** Most sessions one key may hold at once; the oldest is dropped past it. @default 50 */
  maxPerKey: number;
}

/** Defaults of {@link SessionOptions}, applied only here. */
export const DEFAULT_SESSION_OPTIONS: SessionOptions = { ttlMs: 86_400_000, maxPerKey: 50 };

/** A session found by its token. */
export interface FoundSession {
  /** SHA-256 of the token: the session's id in storage. */
  hash: string;
  tenant: string;
  record: SessionRecord;
}

const stores = new WeakMap<DocumentStore, SessionStore>();

/**
 * Browser sessions opened by `POST /api/v1/session`. The cookie holds a random 256-bit token;
 * only its SHA-256 is stored (in the {@link DocumentStore}, so sessions survive a restart), with
 * the key it acts as and an expiry. Lookups are by hash in memory, like API keys.
 *
 * One instance exists per DocumentStore ({@link SessionStore.for}), so the HTTP middleware and the
 * WebSocket upgrade of the live tail see the same sessions. All writes go through it, which keeps
 * its index equal to what is stored.
 */
export class SessionStore {
  private readonly byHash = new Map<string, { tenant: string; record: SessionRecord }>();

  private constructor(
    private readonly docs: DocumentStore,
    readonly options: SessionOptions,
  ) {
    for (const d of docs.list<SessionRecord>(SESSION_KIND)) this.byHash.set(d.id, { tenant: d.tenant, record: d.body });
  }

  /**
   * The session store over `docs` (created on first use, then shared). `options` only count on
   * the first call for a given `docs`.
   */
  static for(docs: DocumentStore, options: Partial<SessionOptions> = {}): SessionStore {
    let s = stores.get(docs);
    if (!s) {
      s = new SessionStore(docs, { ...DEFAULT_SESSION_OPTIONS, ...options });
      stores.set(docs, s);
    }
    return s;
  }

  /**
   * Opens a session for `key`; returns the token for the cookie (shown nowhere else). Expired
   * sessions are swept on the way, and the key's oldest sessions dropped past `maxPerKey`.
   */
  async create(key: ApiKeyRecord, nowMs: number): Promise<{ token: string; hash: string; record: SessionRecord }> {
    await this.sweep(nowMs);
    const mine = [...this.byHash.entries()]
      .filter(([, s]) => s.record.keyId === key.id)
      .sort((a, b) => a[1].record.createdMs - b[1].record.createdMs);
    for (const [hash] of mine.slice(0, Math.max(0, mine.length - this.options.maxPerKey + 1))) await this.remove(hash);
    const token = randomBytes(32).toString('base64url');
    const hash = hashKey(token);
    const record: SessionRecord = { keyId: key.id, createdMs: nowMs, expiresMs: nowMs + this.options.ttlMs };
    await this.docs.put(key.tenant, SESSION_KIND, hash, record, nowMs);
    this.byHash.set(hash, { tenant: key.tenant, record });
    return { token, hash, record };
  }

  /** The live session of `token`, or undefined when unknown or expired. */
  find(token: string, nowMs: number): FoundSession | undefined {
    const hash = hashKey(token);
    const s = this.byHash.get(hash);
    if (!s || s.record.expiresMs <= nowMs) return undefined;
    return { hash, tenant: s.tenant, record: s.record };
  }

  /** True when less than half the lifetime is left, so a use should push the expiry out. */
  dueForRenewal(session: FoundSession, nowMs: number): boolean {
    return session.record.expiresMs - nowMs < this.options.ttlMs / 2;
  }

  /** Moves a session's expiry to `nowMs + ttlMs`; returns the new record. */
  async renew(session: FoundSession, nowMs: number): Promise<SessionRecord> {
    const record = { ...session.record, expiresMs: nowMs + this.options.ttlMs };
    await this.docs.put(session.tenant, SESSION_KIND, session.hash, record, nowMs);
    this.byHash.set(session.hash, { tenant: session.tenant, record });
    return record;
  }

  /** Ends a session (sign-out). Unknown hashes are ignored. */
  async remove(hash: string): Promise<void> {
    const s = this.byHash.get(hash);
    if (!s) return;
    this.byHash.delete(hash);
    await this.docs.delete(s.tenant, SESSION_KIND, hash).catch(() => undefined);
  }

  /** Deletes expired sessions. */
  async sweep(nowMs: number): Promise<void> {
    for (const [hash, s] of [...this.byHash]) if (s.record.expiresMs <= nowMs) await this.remove(hash);
  }

  /** How many sessions are held (expired ones included until swept). */
  get size(): number {
    return this.byHash.size;
  }
}
