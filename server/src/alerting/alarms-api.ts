import { type AlarmDefinition, MAX_BACKTEST_EVALUATIONS, type StoredInstance } from '@vigil/alerting';
import type { AlertingStore } from '@vigil/storage';
import { type Context, Hono } from 'hono';
import { type AppVariables, requireScope } from '../auth/middleware.js';
import { HttpError, badData } from '../errors.js';
import { parseTimeParam } from '../util/time-param.js';
import { jsonBody } from '../json-body.js';
import type { AlertingService } from './service.js';

type Ctx = Context<{ Variables: AppVariables }>;

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined || ms <= 0 ? null : new Date(ms).toISOString());

/** An instance as the API shows it. */
export function showInstance(def: AlarmDefinition, i: StoredInstance) {
  return {
    labels: i.labels,
    state: i.state.state,
    severity: i.state.level === null ? null : (def.levels[i.state.level]?.severity ?? null),
    since: iso(i.state.sinceMs),
    pendingSince: iso(i.state.pendingSinceMs),
    lastEvaluation: iso(i.state.lastEvaluationMs),
    value: i.state.value,
  };
}

/**
 * `/api/v1/alarms`: list (with each alarm's aggregate state), create, read (with its instances),
 * replace, delete; `/:name/history` (transitions with their datapoints, newest first);
 * `/:name/backtest?from=&to=` and `POST /backtest` (an unsaved definition) run the evaluator's
 * state machine over stored data. Reading needs `query`, changing needs `admin`.
 */
export function alarmsApi(deps: { service: () => AlertingService; store: () => AlertingStore; now: () => number }) {
  const app = new Hono<{ Variables: AppVariables }>();
  const read = requireScope('query');
  const write = requireScope('admin');

  const summary = (tenant: string, def: AlarmDefinition) => {
    const ev = deps.service().evaluator;
    const instances = ev.instancesOf(tenant, def.name);
    const counts = { OK: 0, ALARM: 0, INSUFFICIENT_DATA: 0 };
    for (const i of instances) counts[i.state.state]++;
    return {
      ...def,
      state: ev.alarmState(tenant, def.name) ?? 'INSUFFICIENT_DATA',
      instanceCounts: counts,
      lastEvaluation: iso(ev.lastEvaluation(tenant, def.name)),
    };
  };
  const find = (c: Ctx): AlarmDefinition => {
    const def = deps.service().get(c.get('auth').tenant, c.req.param('name') ?? '');
    if (!def) throw new HttpError('not_found', `alarm ${JSON.stringify(c.req.param('name'))} does not exist`);
    return def;
  };
  const range = (from: string | undefined, to: string | undefined, def: AlarmDefinition) => {
    const now = deps.now();
    const toMs = parseTimeParam('to', to, now);
    const fromMs = parseTimeParam('from', from, toMs - 86_400_000);
    if (fromMs > toMs) throw badData('invalid parameter "from": must not be after "to"');
    const evaluations = Math.floor((toMs - fromMs) / (def.periodSeconds * 1000)) + 1;
    if (evaluations > MAX_BACKTEST_EVALUATIONS) {
      throw badData(`backtest range too long: ${evaluations} evaluations of a ${def.periodSeconds}s period; at most ${MAX_BACKTEST_EVALUATIONS}`);
    }
    return { fromMs, toMs };
  };
  const backtest = async (c: Ctx, def: AlarmDefinition, from?: string, to?: string) => {
    const r = range(from, to, def);
    const result = await deps.service().backtest(c.get('auth').tenant, def, r.fromMs, r.toMs);
    return c.json({
      status: 'success',
      data: {
        alarm: def.name,
        from: iso(result.fromMs),
        to: iso(result.toMs),
        periodSeconds: result.periodMs / 1000,
        evaluations: result.evaluations,
        transitions: result.transitions.map(showHistory),
        instances: result.instances.map((i) => ({
          labels: i.labels,
          segments: i.segments.map((s) => ({ from: iso(s.fromMs), to: iso(s.toMs), state: s.state, severity: s.severity })),
        })),
      },
    });
  };

  app.get('/', read, (c: Ctx) => {
    const tenant = c.get('auth').tenant;
    return c.json({ status: 'success', data: deps.service().list(tenant).map((d) => summary(tenant, d)) });
  });
  app.post('/', write, async (c: Ctx) => {
    const tenant = c.get('auth').tenant;
    const def = deps.service().validate(tenant, await jsonBody(c));
    await deps.service().save(tenant, def, true);
    return c.json({ status: 'success', data: summary(tenant, def) }, 201);
  });
  app.post('/backtest', read, async (c: Ctx) => {
    const body = await jsonBody(c);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badData('body must be {"alarm": {...}, "from": <time>, "to": <time>}');
    const b = body as Record<string, unknown>;
    const def = deps.service().validate(c.get('auth').tenant, b.alarm);
    const t = (v: unknown) => (v === undefined ? undefined : String(v));
    return backtest(c, def, t(b.from), t(b.to));
  });
  app.get('/:name', read, (c: Ctx) => {
    const tenant = c.get('auth').tenant;
    const def = find(c);
    const instances = deps.service().evaluator.instancesOf(tenant, def.name).map((i) => showInstance(def, i));
    return c.json({ status: 'success', data: { ...summary(tenant, def), instances } });
  });
  app.put('/:name', write, async (c: Ctx) => {
    const tenant = c.get('auth').tenant;
    const def = deps.service().validate(tenant, await jsonBody(c), c.req.param('name'));
    await deps.service().save(tenant, def, false);
    return c.json({ status: 'success', data: summary(tenant, def) });
  });
  app.delete('/:name', write, async (c: Ctx) => {
    await deps.service().delete(c.get('auth').tenant, c.req.param('name') ?? '');
    return c.body(null, 204);
  });
  app.get('/:name/history', read, async (c: Ctx) => {
    const def = find(c);
    const fromMs = parseTimeParam('from', c.req.query('from'), 0);
    const toMs = parseTimeParam('to', c.req.query('to'), Number.MAX_SAFE_INTEGER);
    const limitText = c.req.query('limit');
    const limit = limitText === undefined ? 100 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw badData('invalid parameter "limit": must be an integer from 1 to 10000');
    const records = await deps.store().history<Parameters<typeof showHistory>[0]>(c.get('auth').tenant, def.name, { fromMs, toMs, limit });
    return c.json({ status: 'success', data: records.map(showHistory) });
  });
  app.on(['GET', 'POST'], '/:name/backtest', read, async (c: Ctx) => {
    const def = find(c);
    return backtest(c, def, c.req.query('from'), c.req.query('to'));
  });
  return app;
}

function showHistory(h: {
  timestampMs: number;
  labels: Record<string, string>;
  from: string;
  to: string;
  fromSeverity: string | null;
  toSeverity: string | null;
  reason: string;
  value: number | null;
  datapoints: Array<[number, number | null]>;
}) {
  return {
    timestamp: iso(h.timestampMs),
    labels: h.labels,
    from: h.from,
    to: h.to,
    fromSeverity: h.fromSeverity,
    toSeverity: h.toSeverity,
    reason: h.reason,
    value: h.value,
    datapoints: h.datapoints.map(([t, v]) => ({ timestamp: iso(t), value: v })),
  };
}
