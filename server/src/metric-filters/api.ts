import { type DocumentStore, isStorageError } from '@vigil/storage';
import { type Context, Hono } from 'hono';
import { type AppVariables, requireScope } from '../auth/middleware.js';
import { HttpError, badData } from '../errors.js';
import { jsonBody } from '../json-body.js';
import { parseTimeParam } from '../util/time-param.js';
import { type MetricFilterDefinition, parseMetricFilterDefinition } from './definition.js';
import { METRIC_FILTER_KIND, type MetricFilterService, type PipelineCompiler } from './service.js';

type Ctx = Context<{ Variables: AppVariables }>;

/**
 * `/api/v1/metric-filters`: list, create, read, replace, delete, and `POST /:name/backfill`
 * (`{"from": <time>, "to": <time>}`, RFC 3339 or Unix seconds). Reading needs `query`, changing
 * needs `admin`. Queries are compiled at save time, so a filter that is stored always runs.
 */
export function metricFiltersApi(deps: {
  docs: () => DocumentStore;
  service: () => MetricFilterService;
  compile: PipelineCompiler;
  now: () => number;
}) {
  const app = new Hono<{ Variables: AppVariables }>();
  const read = requireScope('query');
  const write = requireScope('admin');
  const show = (d: { body: MetricFilterDefinition; createdMs: number; updatedMs: number }) => ({
    ...d.body,
    createdAt: new Date(d.createdMs).toISOString(),
    updatedAt: new Date(d.updatedMs).toISOString(),
  });
  const validate = (raw: unknown, name?: string): MetricFilterDefinition => {
    const def = parseMetricFilterDefinition(raw, name);
    try {
      deps.compile(def.query);
    } catch (err) {
      throw badData(`invalid metric filter: query: ${(err as Error).message}`);
    }
    return def;
  };
  const save = async (c: Ctx, def: MetricFilterDefinition, status: 200 | 201) => {
    const tenant = c.get('auth').tenant;
    const doc = await deps.docs().put(tenant, METRIC_FILTER_KIND, def.name, def, deps.now());
    deps.service().activate(tenant, def);
    return c.json({ status: 'success', data: show(doc) }, status);
  };

  app.get('/', read, (c: Ctx) =>
    c.json({ status: 'success', data: deps.docs().list<MetricFilterDefinition>(METRIC_FILTER_KIND, c.get('auth').tenant).map(show) }),
  );
  app.post('/', write, async (c: Ctx) => {
    const def = validate(await jsonBody(c));
    if (deps.docs().get(c.get('auth').tenant, METRIC_FILTER_KIND, def.name)) {
      throw new HttpError('conflict', `metric filter ${JSON.stringify(def.name)} already exists; PUT /api/v1/metric-filters/${def.name} replaces it`);
    }
    return save(c, def, 201);
  });
  app.get('/:name', read, (c: Ctx) => {
    const d = deps.docs().get<MetricFilterDefinition>(c.get('auth').tenant, METRIC_FILTER_KIND, c.req.param('name') ?? '');
    if (!d) throw new HttpError('not_found', 'no such metric filter');
    return c.json({ status: 'success', data: show(d) });
  });
  app.put('/:name', write, async (c: Ctx) => save(c, validate(await jsonBody(c), c.req.param('name')), 200));
  app.delete('/:name', write, async (c: Ctx) => {
    const tenant = c.get('auth').tenant;
    const name = c.req.param('name') ?? '';
    try {
      await deps.docs().delete(tenant, METRIC_FILTER_KIND, name);
    } catch (err) {
      if (isStorageError(err) && err.code === 'not_found') throw new HttpError('not_found', 'no such metric filter');
      throw err;
    }
    deps.service().deactivate(tenant, name);
    return c.body(null, 204);
  });
  app.post('/:name/backfill', write, async (c: Ctx) => {
    const tenant = c.get('auth').tenant;
    const d = deps.docs().get<MetricFilterDefinition>(tenant, METRIC_FILTER_KIND, c.req.param('name') ?? '');
    if (!d) throw new HttpError('not_found', 'no such metric filter');
    const b = (await jsonBody(c)) as { from?: unknown; to?: unknown } | null;
    const fromMs = parseTimeParam('from', b?.from === undefined ? undefined : String(b.from), Number.NaN);
    const toMs = parseTimeParam('to', b?.to === undefined ? undefined : String(b.to), deps.now());
    if (Number.isNaN(fromMs)) throw badData('backfill needs "from" (RFC 3339 or Unix seconds)');
    if (toMs <= fromMs) throw badData('"to" must be after "from"');
    if (toMs - fromMs > 31 * 86_400_000) throw badData('a backfill covers at most 31 days; split the range');
    const result = await deps.service().backfill(tenant, d.body, fromMs, toMs, c.req.raw.signal);
    return c.json({ status: 'success', data: result });
  });
  return app;
}
