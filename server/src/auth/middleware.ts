import { timingSafeEqual } from 'node:crypto';
import type { ApiKeyRecord, DocumentStore, KeyScope, ResourceStore } from '@vigil/storage';
import type { MiddlewareHandler } from 'hono';
import { isValidTenantId } from '../config/config.js';
import { HttpError } from '../errors.js';
import type { ServerMetrics } from '../metrics.js';
import { hashKey } from './keys.js';
import { CSRF_HEADER, SESSION_COOKIE, isHttpsRequest, readCookie, sessionCookie } from './session-cookie.js';
import { type FoundSession, SessionStore } from './session-store.js';

/** Who is calling: set on the context by {@link authenticate}. */
export interface AuthInfo {
  /** The tenant every read and write of this request is scoped to. */
  tenant: string;
  keyId: string;
  scopes: ReadonlySet<KeyScope>;
  isRoot: boolean;
  /** Set when the request was authenticated by the web UI's session cookie rather than a key. */
  session?: FoundSession;
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
  return authForKey(key, metrics, orgId);
}

/**
 * The {@link AuthInfo} of a valid (found, not revoked) key acting for `orgId`: a root key acts for
 * the tenant named (default: its own); any other key only for its own tenant (403 otherwise).
 *
 * @throws HttpError 403 (other tenant), 400 (bad tenant id).
 */
export function authForKey(key: ApiKeyRecord, metrics: ServerMetrics, orgId: string | undefined): AuthInfo {
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

/** What authentication reads from storage: keys, and the documents that hold web sessions. */
export interface AuthStorage {
  resources: ResourceStore;
  docs: DocumentStore;
}

/** The parts of a request authentication looks at (an HTTP request or a WebSocket upgrade). */
export interface AuthRequest {
  method: string;
  /** A request header by lower-case name. */
  header(name: string): string | undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves who is calling from a request: the `Authorization` header when present (see
 * {@link resolveAuth}), otherwise the web UI's session cookie. A session acts as the key it was
 * opened with, so revoking the key ends it, and it honours `X-Scope-OrgID` like that key would.
 *
 * Cookie-authenticated requests must also come from the web UI itself (cross-site request
 * forgery): `Sec-Fetch-Site`, when the browser sends it, must say `same-origin` (or `none`, a
 * typed URL); state-changing methods must carry {@link CSRF_HEADER}; and a WebSocket upgrade
 * (`websocket: true`, which browsers send without CORS) must name this host in `Origin`.
 *
 * @throws HttpError 401 (no credentials, unknown key, expired session), 403 (revoked tenant
 *   access, cross-site), 400 (bad tenant id).
 */
export function resolveRequestAuth(
  storage: AuthStorage,
  metrics: ServerMetrics,
  req: AuthRequest,
  nowMs: number,
  options: { websocket?: boolean } = {},
): AuthInfo {
  const authorization = req.header('authorization');
  const token = authorization ? undefined : readCookie(req.header('cookie'), SESSION_COOKIE);
  if (token === undefined) return resolveAuth(storage.resources, metrics, authorization, req.header('x-scope-orgid'));
  const session = SessionStore.for(storage.docs).find(token, nowMs);
  if (!session) {
    metrics.authFailures.inc({ reason: 'session' });
    throw new HttpError('unauthorized', 'the session has expired or was signed out: sign in again');
  }
  const key = storage.resources.getKey(session.record.keyId);
  if (!key || key.revokedMs !== undefined) {
    metrics.authFailures.inc({ reason: 'revoked' });
    throw new HttpError('unauthorized', 'the API key of this session has been revoked: sign in again');
  }
  checkSameOrigin(req, options.websocket === true, metrics);
  return { ...authForKey(key, metrics, req.header('x-scope-orgid')), session };
}

/** Refuses a cookie-authenticated request that may come from another site (see {@link resolveRequestAuth}). */
function checkSameOrigin(req: AuthRequest, websocket: boolean, metrics: ServerMetrics): void {
  const refuse = (why: string) => {
    metrics.authFailures.inc({ reason: 'csrf' });
    throw new HttpError('forbidden', `cross-site request refused: ${why}`);
  };
  const site = req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') refuse(`Sec-Fetch-Site is ${JSON.stringify(site)}`);
  if (websocket) {
    const origin = req.header('origin');
    let originHost: string | undefined;
    try {
      originHost = origin ? new URL(origin).host : undefined;
    } catch {
      originHost = undefined;
    }
    if (!originHost || originHost !== req.header('host')) refuse('a WebSocket opened with the session cookie must come from this origin');
  } else if (!SAFE_METHODS.has(req.method.toUpperCase()) && req.header(CSRF_HEADER) === undefined) {
    refuse(`a ${req.method} authenticated by the session cookie must carry the ${CSRF_HEADER} header`);
  }
}

/**
 * Authenticates every request with {@link resolveRequestAuth} and puts the result on the context.
 * A session used with less than half its lifetime left is renewed, and the cookie re-sent.
 */
export function authenticate(
  storage: () => AuthStorage | undefined,
  metrics: ServerMetrics,
  now: () => number = Date.now,
): MiddlewareHandler<{ Variables: AppVariables }> {
  return async (c, next) => {
    const s = storage();
    if (!s) throw new HttpError('unavailable', 'storage is starting', { retryAfterSeconds: 5 });
    const nowMs = now();
    const auth = resolveRequestAuth(s, metrics, { method: c.req.method, header: (name) => c.req.header(name) }, nowMs);
    c.set('auth', auth);
    const sessions = SessionStore.for(s.docs);
    if (auth.session && sessions.dueForRenewal(auth.session, nowMs)) {
      const record = await sessions.renew(auth.session, nowMs);
      const token = readCookie(c.req.header('cookie'), SESSION_COOKIE)!;
      await next();
      c.res.headers.append(
        'Set-Cookie',
        sessionCookie(token, (record.expiresMs - nowMs) / 1000, isHttpsRequest(c.req.url, c.req.header('x-forwarded-proto'))),
      );
      return;
    }
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
