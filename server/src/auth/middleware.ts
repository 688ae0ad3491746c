import { timingSafeEqual } from 'node:crypto';
import type { KeyScope, ResourceStore } from '@vigil/storage';
import type { MiddlewareHandler } from 'hono';
import { isValidTenantId } from '../config/config.js';
import { HttpError } from '../errors.js';
import type { ServerMetrics } from '../metrics.js';
import { hashKey } from './keys.js';

/** Who is calling: set on the context by {@link authenticate}. */
export interface AuthInfo {
  /** The tenant every read and write of this request is scoped to. */
  tenant: string;
  keyId: string;
  scopes: ReadonlySet<KeyScope>;
  isRoot: boolean;
}

/** Hono variables the server's middleware sets. */
export interface AppVariables {
  auth: AuthInfo;
}

/** Extracts the key secret from `Authorization: Bearer <key>` or Basic auth (key as password). */
export function extractKeySecret(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const rest = header.slice(space + 1).trim();
  if (scheme === 'bearer' || scheme === 'token') return rest || undefined;
  if (scheme === 'basic') {
    const decoded = Buffer.from(rest, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const password = colon >= 0 ? decoded.slice(colon + 1) : '';
    return password || undefined;
  }
  return undefined;
}

/**
 * Resolves an API key and the tenant it acts for from a request's `Authorization` and
 * `X-Scope-OrgID` headers. A root key acts for the tenant named in `X-Scope-OrgID` (default
 * `default`); any other key is bound to its own tenant, and naming a different one is refused with
 * 403 rather than silently ignored. Used by the HTTP middleware and by the WebSocket upgrade.
 *
 * @throws HttpError 401 (missing, unknown or revoked key), 403 (other tenant), 400 (bad tenant id).
 */
export function resolveAuth(
  store: ResourceStore,
  metrics: ServerMetrics,
  authorization: string | undefined,
  orgId: string | undefined,
): AuthInfo {
  const secret = extractKeySecret(authorization);
  if (!secret) {
    metrics.authFailures.inc({ reason: 'missing' });
    throw new HttpError('unauthorized', 'missing API key: send "Authorization: Bearer <key>" or Basic auth with the key as password');
  }
  const hash = hashKey(secret);
  const key = store.findKeyByHash(hash);
  // The lookup is by hash, so timing reveals nothing about the secret; the compare below keeps
  // the check constant-time even if the map lookup ever changes to a prefix structure.
  if (!key || !timingSafeEqual(Buffer.from(key.keyHash, 'hex'), Buffer.from(hash, 'hex'))) {
    metrics.authFailures.inc({ reason: 'invalid' });
    throw new HttpError('unauthorized', 'invalid API key');
  }
  if (key.revokedMs !== undefined) {
    metrics.authFailures.inc({ reason: 'revoked' });
    throw new HttpError('unauthorized', 'API key has been revoked');
  }
  let tenant = key.tenant;
  if (orgId !== undefined && orgId !== '') {
    if (!isValidTenantId(orgId)) {
      throw new HttpError('bad_data', 'invalid X-Scope-OrgID: tenant ids match [A-Za-z0-9_.-]{1,64} and are not "." or ".."');
    }
    if (key.isRoot) tenant = orgId;
    else if (orgId !== key.tenant) {
      metrics.authFailures.inc({ reason: 'tenant' });
      throw new HttpError('forbidden', `this API key belongs to tenant ${JSON.stringify(key.tenant)} and cannot act for ${JSON.stringify(orgId)}`);
    }
  }
  return { tenant, keyId: key.id, scopes: new Set(key.scopes), isRoot: key.isRoot };
}

/** Authenticates every request with {@link resolveAuth} and puts the result on the context. */
export function authenticate(
  resources: () => ResourceStore | undefined,
  metrics: ServerMetrics,
): MiddlewareHandler<{ Variables: AppVariables }> {
  return async (c, next) => {
    const store = resources();
    if (!store) throw new HttpError('unavailable', 'storage is starting', { retryAfterSeconds: 5 });
    c.set('auth', resolveAuth(store, metrics, c.req.header('authorization'), c.req.header('x-scope-orgid')));
    await next();
  };
}

/** Refuses the request with 403 unless its key carries `scope`. */
export function requireScope(scope: KeyScope): MiddlewareHandler<{ Variables: AppVariables }> {
  return async (c, next) => {
    const auth = c.get('auth');
    if (!auth.scopes.has(scope)) {
      throw new HttpError('forbidden', `this API key lacks the "${scope}" scope`);
    }
    await next();
  };
}

/** Refuses the request with 403 unless it uses a root key. */
export function requireRoot(): MiddlewareHandler<{ Variables: AppVariables }> {
  return async (c, next) => {
    if (!c.get('auth').isRoot) throw new HttpError('forbidden', 'this operation needs the root key');
    await next();
  };
}
