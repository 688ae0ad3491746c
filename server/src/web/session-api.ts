import type { ApiKeyRecord } from '@vigil/storage';
import { type Context, Hono } from 'hono';
import { type AppVariables, type AuthInfo, type AuthStorage, resolveAuth } from '../auth/middleware.js';
import { CSRF_HEADER, isHttpsRequest, sessionCookie } from '../auth/session-cookie.js';
import { SessionStore } from '../auth/session-store.js';
import { HttpError, badData } from '../errors.js';
import type { ServerMetrics } from '../metrics.js';

type Ctx = Context<{ Variables: AppVariables }>;

/** Longest sign-in body accepted, in bytes (a key is ~50 characters). */
const MAX_SIGN_IN_BYTES = 4096;

/** What `GET /api/v1/session` (and a successful sign-in) answers. */
export interface SessionInfo {
  /** The tenant requests act for (root: as switched with `X-Scope-OrgID`). */
  tenant: string;
  /** The key's own tenant. */
  keyTenant: string;
  keyId: string;
  keyName: string;
  scopes: string[];
  /** True for a root key, which may switch tenant. */
  root: boolean;
  /** How the request was authenticated. */
  via: 'session' | 'key';
  /** RFC 3339; null when authenticated by a key header. */
  expiresAt: string | null;
}

/** Dependencies of the session endpoints. */
export interface SessionApiDeps {
  storage: () => AuthStorage;
  metrics: ServerMetrics;
  now: () => number;
}

function describe(auth: AuthInfo, key: ApiKeyRecord | undefined, expiresMs: number | undefined): SessionInfo {
  return {
    tenant: auth.tenant,
    keyTenant: key?.tenant ?? auth.tenant,
    keyId: auth.keyId,
    keyName: key?.name ?? '',
    scopes: [...auth.scopes],
    root: auth.isRoot,
    via: auth.session ? 'session' : 'key',
    expiresAt: expiresMs === undefined ? null : new Date(expiresMs).toISOString(),
  };
}

const secure = (c: Context) => isHttpsRequest(c.req.url, c.req.header('x-forwarded-proto'));

/**
 * `POST /api/v1/session` `{"key": "<API key>"}`: signs the browser in. The key is checked exactly
 * as the `Authorization` header would be; the answer sets an HttpOnly, SameSite=Strict cookie
 * holding a random session token (only its hash is stored) and describes the session. The key
 * itself is kept nowhere. Needs no prior authentication, but the request must carry
 * `X-Vigil-Request` and not come from another site (a forged sign-in would put the victim in the
 * attacker's account).
 *
 * @example
 * app.post('/api/v1/session', signInHandler({ storage, metrics, now }));
 */
export function signInHandler(deps: SessionApiDeps) {
  return async (c: Context) => {
    const site = c.req.header('sec-fetch-site');
    if (c.req.header(CSRF_HEADER) === undefined || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
      deps.metrics.authFailures.inc({ reason: 'csrf' });
      throw new HttpError('forbidden', `cross-site request refused: sign in from the web UI (the request must carry the ${CSRF_HEADER} header)`);
    }
    const text = await c.req.text();
    if (text.length > MAX_SIGN_IN_BYTES) throw new HttpError('too_large', `sign-in body is larger than ${MAX_SIGN_IN_BYTES} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw badData('request body must be JSON: {"key": "<API key>"}');
    }
    const key = (body as { key?: unknown } | null)?.key;
    if (typeof key !== 'string' || key.trim() === '') throw badData('key: an API key is required');
    const storage = deps.storage();
    const auth = resolveAuth(storage.resources, deps.metrics, `Bearer ${key.trim()}`, undefined);
    const record = storage.resources.getKey(auth.keyId)!;
    const nowMs = deps.now();
    const session = await SessionStore.for(storage.docs).create(record, nowMs);
    c.header('Set-Cookie', sessionCookie(session.token, (session.record.expiresMs - nowMs) / 1000, secure(c)));
    c.header('Cache-Control', 'no-store');
    // The answer describes the new session, as `GET /api/v1/session` will with its cookie.
    const opened: AuthInfo = { ...auth, session: { hash: session.hash, tenant: record.tenant, record: session.record } };
    return c.json({ status: 'success', data: describe(opened, record, session.record.expiresMs) });
  };
}

/**
 * `GET /api/v1/session` (who am I: tenant, scopes, root, expiry) and `DELETE /api/v1/session`
 * (sign out: the session is deleted and the cookie cleared). Both run behind the normal
 * authentication, so `GET` also answers for a key sent in `Authorization`.
 */
export function sessionApi(deps: SessionApiDeps) {
  const app = new Hono<{ Variables: AppVariables }>();
  app.get('/', (c: Ctx) => {
    const auth = c.get('auth');
    const key = deps.storage().resources.getKey(auth.keyId);
    c.header('Cache-Control', 'no-store');
    return c.json({ status: 'success', data: describe(auth, key, auth.session?.record.expiresMs) });
  });
  app.delete('/', async (c: Ctx) => {
    const auth = c.get('auth');
    if (auth.session) await SessionStore.for(deps.storage().docs).remove(auth.session.hash);
    c.header('Set-Cookie', sessionCookie('', 0, secure(c)));
    return c.body(null, 204);
  });
  return app;
}
