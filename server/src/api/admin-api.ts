import type { KeyScope } from '@vigil/storage';
import { Hono } from 'hono';
import { ALL_SCOPES, generateKeySecret, hashKey, newKeyId, parseScopes, publicKey } from '../auth/keys.js';
import { type AppVariables, requireRoot, requireScope } from '../auth/middleware.js';
import { isValidTenantId } from '../config/config.js';
import { HttpError, badData } from '../errors.js';
import type { StorageHandle } from '../storage-handle.js';
import { parseDurationMs } from '../util/duration.js';

async function jsonBody(c: { req: { json(): Promise<unknown> } }): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw badData('request body must be a JSON object');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badData('request body must be a JSON object');
  return body as Record<string, unknown>;
}

function rejectUnknown(body: Record<string, unknown>, known: string[], what: string): void {
  for (const k of Object.keys(body)) {
    if (!known.includes(k)) throw badData(`unknown field in ${what}: ${JSON.stringify(k)}; known fields: ${known.join(', ')}`);
  }
}

/**
 * `/api/v1/keys`: an admin key manages the keys of its own tenant; the root key manages any
 * tenant's (the one named by `X-Scope-OrgID` or the body's `tenant`). Secrets are shown once, in
 * the creation answer, and never stored in clear.
 */
export function keysApi(storage: () => StorageHandle, now: () => number) {
  const app = new Hono<{ Variables: AppVariables }>();
  app.use('*', requireScope('admin'));

  app.post('/', async (c) => {
    const body = await jsonBody(c);
    rejectUnknown(body, ['name', 'scopes', 'tenant'], 'key');
    const auth = c.get('auth');
    const name = body.name ?? 'unnamed';
    if (typeof name !== 'string' || name.length > 200) throw badData('name must be a string of at most 200 characters');
    const { scopes, error } = parseScopes(body.scopes ?? ['ingest', 'query']);
    if (!scopes) throw badData(error ?? 'invalid scopes');
    let tenant = auth.tenant;
    if (body.tenant !== undefined) {
      if (typeof body.tenant !== 'string' || !isValidTenantId(body.tenant)) {
        throw badData('tenant must match [A-Za-z0-9_.-]{1,64} and not be "." or ".."');
      }
      if (!auth.isRoot && body.tenant !== auth.tenant) throw new HttpError('forbidden', 'only the root key can create keys for another tenant');
      tenant = body.tenant;
    }
    const st = storage();
    await st.resources.ensureTenant(tenant, now());
    const secret = generateKeySecret();
    const record = {
      id: newKeyId(),
      tenant,
      name,
      keyHash: hashKey(secret),
      scopes: scopes as KeyScope[],
      isRoot: false,
      createdMs: now(),
      revokedMs: undefined,
    };
    await st.resources.createKey(record);
    return c.json({ status: 'success', data: { ...publicKey(record), key: secret } }, 201);
  });

  app.get('/', (c) => {
    const auth = c.get('auth');
    const all = c.req.query('all') === 'true' && auth.isRoot;
    const keys = storage().resources.listKeys(all ? undefined : auth.tenant);
    return c.json({ status: 'success', data: keys.map(publicKey) });
  });

  app.delete('/:id', async (c) => {
    const auth = c.get('auth');
    const st = storage();
    const key = st.resources.getKey(c.req.param('id'));
    if (!key || (!auth.isRoot && key.tenant !== auth.tenant)) throw new HttpError('not_found', 'no such API key');
    if (key.isRoot && key.id === auth.keyId) throw badData('a root key cannot revoke itself');
    await st.resources.revokeKey(key.id, now());
    return c.body(null, 204);
  });
  return app;
}

/** `/api/v1/tenants`: root only. Tenants are also created implicitly on their first write. */
export function tenantsApi(storage: () => StorageHandle, now: () => number, defaultRetentionMs: number) {
  const app = new Hono<{ Variables: AppVariables }>();
  app.use('*', requireScope('admin'), requireRoot());
  const show = (t: { id: string; createdMs: number; retentionMs: number | undefined }) => ({
    id: t.id,
    createdAt: new Date(t.createdMs).toISOString(),
    retention: t.retentionMs === undefined ? null : formatDuration(t.retentionMs),
    effectiveRetention: formatDuration(t.retentionMs ?? defaultRetentionMs),
  });
  const retentionOf = (v: unknown): number | undefined => {
    if (v === undefined || v === null) return undefined;
    const ms = typeof v === 'string' ? parseDurationMs(v) : undefined;
    if (ms === undefined) throw badData('retention must be a duration such as "30d", or "0" to keep forever');
    return ms;
  };

  app.post('/', async (c) => {
    const body = await jsonBody(c);
    rejectUnknown(body, ['id', 'retention'], 'tenant');
    if (typeof body.id !== 'string' || !isValidTenantId(body.id)) {
      throw badData('id must match [A-Za-z0-9_.-]{1,64} and not be "." or ".."');
    }
    const st = storage();
    if (st.resources.getTenant(body.id)) throw new HttpError('conflict', `tenant ${JSON.stringify(body.id)} already exists`);
    const retention = retentionOf(body.retention);
    let t = await st.resources.ensureTenant(body.id, now());
    if (retention !== undefined) t = await st.resources.setTenantRetention(body.id, retention);
    return c.json({ status: 'success', data: show(t) }, 201);
  });
  app.get('/', (c) => c.json({ status: 'success', data: storage().resources.listTenants().map(show) }));
  app.get('/:id', (c) => {
    const t = storage().resources.getTenant(c.req.param('id'));
    if (!t) throw new HttpError('not_found', 'no such tenant');
    return c.json({ status: 'success', data: show(t) });
  });
  app.patch('/:id', async (c) => {
    const body = await jsonBody(c);
    rejectUnknown(body, ['retention'], 'tenant');
    const st = storage();
    if (!st.resources.getTenant(c.req.param('id'))) throw new HttpError('not_found', 'no such tenant');
    const t = await st.resources.setTenantRetention(c.req.param('id'), retentionOf(body.retention));
    return c.json({ status: 'success', data: show(t) });
  });
  app.delete('/:id', async (c) => {
    const id = c.req.param('id');
    if (id === 'default') throw badData('the default tenant cannot be deleted');
    const st = storage();
    if (!st.resources.getTenant(id)) throw new HttpError('not_found', 'no such tenant');
    await st.resources.deleteTenant(id, now());
    return c.body(null, 204);
  });
  return app;
}

function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

export { ALL_SCOPES };
