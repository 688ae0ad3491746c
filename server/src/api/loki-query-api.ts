import { type LogQLResult, createLogQLEngine } from '@vigil/query-language';
import { type Context, Hono } from 'hono';
import { type AppVariables, requireScope } from '../auth/middleware.js';
import type { VigilConfig } from '../config/config.js';
import { HttpError, badData } from '../errors.js';
import type { StorageHandle } from '../storage-handle.js';
import { parseDurationMs } from '../util/duration.js';
import { msToNs, parseLokiTime } from '../util/loki-time.js';
import { type Params, readParams } from './params.js';
import { sharedQueryLimiter } from './query-limiter.js';
import { toPrometheusData } from './query-api.js';

type Ctx = Context<{ Variables: AppVariables }>;
const HOUR_NS = 3_600_000_000_000n;

/** Loki's `step`: a duration (`60000ms`, `1m`) or a number of seconds (`15`, `0.5`). */
function parseStepMs(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const ms = parseDurationMs(value);
  if (ms === undefined) throw badData(`invalid parameter "step": cannot parse ${JSON.stringify(value)} to a valid duration`);
  return ms;
}

function parseLimit(p: Params): number {
  const v = p.get('limit');
  if (v === undefined || v === '') return 100;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw badData('invalid parameter "limit": must be a non-negative integer');
  return n;
}

function parseDirection(p: Params): 'forward' | 'backward' {
  const d = (p.get('direction') ?? 'backward').toLowerCase();
  if (d !== 'forward' && d !== 'backward') throw badData('invalid parameter "direction": must be forward or backward');
  return d;
}

/**
 * Loki's `data` for a result: streams with ns-string timestamps, or Prometheus-shaped vectors and
 * matrices. A range query always answers a matrix for metric queries, also when start equals end
 * (the engine evaluates that as an instant).
 */
function toLokiData(r: LogQLResult, range: boolean): Record<string, unknown> {
  if (range && r.resultType === 'vector') {
    return {
      ...toPrometheusData({
        resultType: 'matrix',
        result: r.result.map((s) => ({ labels: s.labels, timestampsMs: [s.timestampMs], values: [s.value] })),
        warnings: r.warnings,
        infos: r.infos,
      }),
      stats: {},
    };
  }
  if (r.resultType === 'streams') {
    return {
      resultType: 'streams',
      result: r.result.map((s) => ({ stream: s.labels, values: s.entries.map((e) => [e.tsNs.toString(), e.line]) })),
      stats: {},
    };
  }
  return { ...toPrometheusData(r), stats: {} };
}

/**
 * `/loki/api/v1/query` and `/loki/api/v1/query_range` over the LogQL engine and the tenant's log
 * store, with Loki's parameters (ns, float-second or RFC 3339 times; `direction`; `limit`; `step`)
 * and answers (`streams` with ns string timestamps for log queries, `vector`/`matrix` for metric
 * queries). Queries share one limiter (per tenant and in total) and the timeout with PromQL queries.
 */
export function lokiQueryApi(storage: () => StorageHandle, config: VigilConfig, now: () => number) {
  const app = new Hono<{ Variables: AppVariables }>();
  const q = requireScope('query');
  const limiter = sharedQueryLimiter(config);

  const run = async (c: Ctx, p: Params, params: { startNs: bigint; endNs: bigint; stepMs?: number }, range: boolean) => {
    const query = p.get('query');
    if (!query) throw badData('invalid parameter "query": query must not be empty');
    const direction = parseDirection(p);
    const limit = parseLimit(p);
    const tenant = c.get('auth').tenant;
    const result = await limiter.run(tenant, async () => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new HttpError('timeout', 'query timed out in query execution')), config.query.timeoutMs);
      const onGone = () => controller.abort(new HttpError('timeout', 'query canceled: the client closed the connection'));
      c.req.raw.signal.addEventListener('abort', onGone, { once: true });
      try {
        const engine = createLogQLEngine(storage().logs.logSource(tenant), { maxSamples: config.query.maxSamples });
        return await engine.query(query, { ...params, direction, limit, signal: controller.signal });
      } catch (err) {
        if (controller.signal.aborted) throw controller.signal.reason;
        throw err;
      } finally {
        clearTimeout(timer);
        c.req.raw.signal.removeEventListener('abort', onGone);
      }
    });
    const body: Record<string, unknown> = { status: 'success', data: toLokiData(result, range) };
    if (result.warnings.length > 0) body.warnings = result.warnings;
    return c.json(body);
  };

  app.on(['GET', 'POST'], '/query', q, async (c: Ctx) => {
    const p = await readParams(c);
    const t = parseLokiTime('time', p.get('time'), msToNs(now()));
    return run(c, p, { startNs: t, endNs: t }, false);
  });
  app.on(['GET', 'POST'], '/query_range', q, async (c: Ctx) => {
    const p = await readParams(c);
    const endNs = parseLokiTime('end', p.get('end'), msToNs(now()));
    let startNs = parseLokiTime('start', p.get('start'), endNs - HOUR_NS);
    const since = p.get('since');
    if (since && p.get('start') === undefined) {
      const ms = parseDurationMs(since);
      if (ms === undefined) throw badData('invalid parameter "since": expected a duration such as 1h');
      startNs = endNs - msToNs(ms);
    }
    if (endNs < startNs) throw badData('invalid parameter "end": end must not be before start');
    const stepMs = parseStepMs(p.get('step') ?? p.get('interval'));
    if (stepMs !== undefined && stepMs <= 0) throw badData('invalid parameter "step": zero or negative query resolution step widths are not accepted');
    return run(c, p, { startNs, endNs, stepMs }, true);
  });
  return app;
}
