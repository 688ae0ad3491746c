import { randomBytes } from 'node:crypto';
import { type DocumentStore, type StoredDocument, isStorageError } from '@vigil/storage';
import { type Context, Hono } from 'hono';
import { type AppVariables, requireScope } from '../auth/middleware.js';
import { HttpError, badData } from '../errors.js';
import {
  DASHBOARD_LIMITS,
  type DashboardBody,
  parseDashboard,
} from '../web/dashboard-model.js';
import { HOST_OVERVIEW, HOST_OVERVIEW_ID } from '../web/host-overview-dashboard.js';

type Ctx = Context<{ Variables: AppVariables }>;

/** DocumentStore kind of dashboards. */
export const DASHBOARD_KIND = 'dashboard';

/** What is stored: the dashboard and its revision number (for lost-update detection). */
interface StoredDashboard {
  version: number;
  dashboard: DashboardBody;
}

/** Built-in dashboards: listed for every tenant, read-only. */
const BUILT_INS: ReadonlyMap<string, DashboardBody> = new Map([[HOST_OVERVIEW_ID, HOST_OVERVIEW]]);
const BUILT_IN_CREATED = '1970-01-01T00:00:00.000Z';

function show(id: string, d: StoredDashboard, createdMs: number, updatedMs: number) {
  return {
    id,
    version: d.version,
    builtIn: false,
    readOnly: false,
    createdAt: new Date(createdMs).toISOString(),
    updatedAt: new Date(updatedMs).toISOString(),
    ...d.dashboard,
  };
}

function showBuiltIn(id: string, d: DashboardBody) {
  return { id, version: 1, builtIn: true, readOnly: true, createdAt: BUILT_IN_CREATED, updatedAt: BUILT_IN_CREATED, ...d };
}

async function readBody(c: Ctx): Promise<unknown> {
  const text = await c.req.text();
  if (Buffer.byteLength(text) > DASHBOARD_LIMITS.maxBodyBytes) {
    throw new HttpError('too_large', `a dashboard is at most ${DASHBOARD_LIMITS.maxBodyBytes} bytes of JSON (this one has ${Buffer.byteLength(text)})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badData(`request body must be JSON: ${(err as Error).message}`);
  }
}

function validate(raw: unknown): DashboardBody {
  try {
    return parseDashboard(raw);
  } catch (err) {
    throw badData((err as Error).message);
  }
}

/**
 * `/api/v1/dashboards`, stored per tenant in the DocumentStore:
 * - `GET /` lists summaries (built-in ones first), `POST /` creates (an exported dashboard
 *   imports as it is: its `id`, `version` and timestamps are ignored) and answers 201 with the
 *   new `id`.
 * - `GET /:id`, `PUT /:id` (replace; a `version` in the body must match the stored one, else 409,
 *   so two editors do not overwrite each other), `DELETE /:id`.
 * Built-in dashboards (`host-overview`) are always listed and read-only (405 on change; duplicate
 * them with `POST`). Dashboards are views over data the caller may read anyway, so both reading
 * and writing need the `query` scope; validation names every bad field (`panels[2].grid.w: ...`).
 */
export function dashboardsApi(deps: { docs: () => DocumentStore; now: () => number }) {
  const app = new Hono<{ Variables: AppVariables }>();
  const q = requireScope('query');
  const get = (tenant: string, id: string) => deps.docs().get<StoredDashboard>(tenant, DASHBOARD_KIND, id);
  const readOnly = (id: string) =>
    new HttpError('method_not_allowed', `dashboard ${JSON.stringify(id)} is built in and read-only; duplicate it (POST /api/v1/dashboards) to change it`);

  app.get('/', q, (c: Ctx) => {
    const tenant = c.get('auth').tenant;
    const summary = (d: ReturnType<typeof show> | ReturnType<typeof showBuiltIn>) => ({
      id: d.id,
      title: d.title,
      description: d.description,
      tags: d.tags,
      builtIn: d.builtIn,
      readOnly: d.readOnly,
      panels: d.panels.length,
      version: d.version,
      updatedAt: d.updatedAt,
    });
    const builtIns = [...BUILT_INS].map(([id, d]) => summary(showBuiltIn(id, d)));
    const own = deps
      .docs()
      .list<StoredDashboard>(DASHBOARD_KIND, tenant)
      .map((d: StoredDocument<StoredDashboard>) => summary(show(d.id, d.body, d.createdMs, d.updatedMs)))
      .sort((a, b) => a.title.localeCompare(b.title) || a.id.localeCompare(b.id));
    return c.json({ status: 'success', data: [...builtIns, ...own] });
  });

  app.post('/', q, async (c: Ctx) => {
    const tenant = c.get('auth').tenant;
    const dashboard = validate(await readBody(c));
    if (deps.docs().list(DASHBOARD_KIND, tenant).length >= DASHBOARD_LIMITS.maxPerTenant) {
      throw badData(`a tenant holds at most ${DASHBOARD_LIMITS.maxPerTenant} dashboards; delete some first`);
    }
    let id: string;
    do id = randomBytes(6).toString('base64url');
    while (BUILT_INS.has(id) || get(tenant, id));
    const doc = await deps.docs().put<StoredDashboard>(tenant, DASHBOARD_KIND, id, { version: 1, dashboard }, deps.now());
    c.header('Location', `/api/v1/dashboards/${id}`);
    return c.json({ status: 'success', data: show(id, doc.body, doc.createdMs, doc.updatedMs) }, 201);
  });

  app.get('/:id', q, (c: Ctx) => {
    const id = c.req.param('id') ?? '';
    const builtIn = BUILT_INS.get(id);
    if (builtIn) return c.json({ status: 'success', data: showBuiltIn(id, builtIn) });
    const d = get(c.get('auth').tenant, id);
    if (!d) throw new HttpError('not_found', `no dashboard ${JSON.stringify(id)}`);
    return c.json({ status: 'success', data: show(id, d.body, d.createdMs, d.updatedMs) });
  });

  app.put('/:id', q, async (c: Ctx) => {
    const tenant = c.get('auth').tenant;
    const id = c.req.param('id') ?? '';
    if (BUILT_INS.has(id)) throw readOnly(id);
    const raw = await readBody(c);
    const old = get(tenant, id);
    if (!old) throw new HttpError('not_found', `no dashboard ${JSON.stringify(id)}; create it with POST /api/v1/dashboards`);
    const dashboard = validate(raw);
    const sentVersion = (raw as { version?: unknown }).version;
    if (sentVersion !== undefined && sentVersion !== old.body.version) {
      throw new HttpError(
        'conflict',
        `dashboard ${JSON.stringify(id)} was changed since you loaded it (now version ${old.body.version}, yours ${JSON.stringify(sentVersion)}); reload it and apply your change again`,
      );
    }
    const doc = await deps.docs().put<StoredDashboard>(tenant, DASHBOARD_KIND, id, { version: old.body.version + 1, dashboard }, deps.now());
    return c.json({ status: 'success', data: show(id, doc.body, doc.createdMs, doc.updatedMs) });
  });

  app.delete('/:id', q, async (c: Ctx) => {
    const id = c.req.param('id') ?? '';
    if (BUILT_INS.has(id)) throw readOnly(id);
    try {
      await deps.docs().delete(c.get('auth').tenant, DASHBOARD_KIND, id);
    } catch (err) {
      if (isStorageError(err) && err.code === 'not_found') throw new HttpError('not_found', `no dashboard ${JSON.stringify(id)}`);
      throw err;
    }
    return c.body(null, 204);
  });
  return app;
}
