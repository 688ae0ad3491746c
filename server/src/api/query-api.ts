import {
  createEngine,
  formatPromScalar,
  formatPromValue,
  parseQuery,
  prettyFormatExpr,
  type QueryResult,
} from '@vigil/query-language';
import { type Context, Hono } from 'hono';
import { type AppVariables, requireScope } from '../auth/middleware.js';
import type { VigilConfig } from '../config/config.js';
import { badData, HttpError } from '../errors.js';
import type { StorageHandle } from '../storage-handle.js';
import { parseDurationMs } from '../util/duration.js';
import { parseTimeParam } from '../util/time-param.js';
import { type Params, readParams } from './params.js';
import { sharedQueryLimiter } from './query-limiter.js';

type Ctx = Context<{ Variables: AppVariables }>;

/** Prometheus refuses range queries with more points than this per series. */
const MAX_POINTS_PER_SERIES = 11_000;

/** A duration parameter: Prometheus accepts a duration (`15s`) or float seconds (`15`, `0.5`). */
function parseDurationParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value)) {
    const s = Number(value);
    if (Number.isFinite(s)) return Math.round(s * 1000);
  }
  const ms = parseDurationMs(value);
  if (ms === undefined) throw badData(`invalid parameter ${JSON.stringify(name)}: cannot parse ${JSON.stringify(value)} to a valid duration`);
  return ms;
}

/** Seconds as Prometheus prints timestamps: a JSON number with millisecond precision. */
function seconds(ms: number): number {
  return ms / 1000;
}

/** Turns an engine result into Prometheus' `data` object. */
export function toPrometheusData(r: QueryResult): { resultType: string; result: unknown } {
  switch (r.resultType) {
    case 'vector':
      return {
        resultType: 'vector',
        result: r.result.map((s) => ({ metric: s.labels, value: [seconds(s.timestampMs), formatPromValue(s.value)] })),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: r.result.map((s) => ({
          metric: s.labels,
          values: s.timestampsMs.map((t, i) => [seconds(t), formatPromValue(s.values[i]!)]),
        })),
      };
    case 'scalar':
      return { resultType: 'scalar', result: [seconds(r.result.timestampMs), formatPromScalar(r.result.value)] };
    case 'string':
      return { resultType: 'string', result: [seconds(r.result.timestampMs), r.result.value] };
  }
}

/**
 * `/api/v1/query`, `/api/v1/query_range` and `/api/v1/format_query` over the PromQL engine, with
 * Prometheus' parameters, envelopes and status codes. Each query runs under a timeout (config
 * `query.timeout`, lowered by a `timeout` parameter), concurrency limits per tenant and in total
 * (shared with LogQL, see {@link sharedQueryLimiter}), and is
 * cancelled (its DuckDB reads interrupted) when the client goes away.
 */
export function queryApi(storage: () => StorageHandle, config: VigilConfig, now: () => number) {
  const app = new Hono<{ Variables: AppVariables }>();
  const q = requireScope('query');
  const limiter = sharedQueryLimiter(config);

  const run = async (c: Ctx, p: Params, exec: (engine: ReturnType<typeof createEngine>, signal: AbortSignal) => Promise<QueryResult>) => {
    const requested = parseDurationParam('timeout', p.get('timeout'));
    const timeoutMs = Math.min(config.query.timeoutMs, requested ?? Number.POSITIVE_INFINITY);
    const tenant = c.get('auth').tenant;
    const result = await limiter.run(tenant, async () => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new HttpError('timeout', 'query timed out in query execution')), timeoutMs);
      const onClientGone = () => controller.abort(new HttpError('timeout', 'query canceled: the client closed the connection'));
      c.req.raw.signal.addEventListener('abort', onClientGone, { once: true });
      try {
        const engine = createEngine(storage().metrics.seriesSource(tenant), {
          maxSamples: config.query.maxSamples,
          lookbackDeltaMs: config.query.lookbackDeltaMs,
        });
        return await exec(engine, controller.signal);
      } catch (err) {
        if (controller.signal.aborted) throw controller.signal.reason;
        throw err;
      } finally {
        clearTimeout(timer);
        c.req.raw.signal.removeEventListener('abort', onClientGone);
      }
    });
    const body: Record<string, unknown> = { status: 'success', data: toPrometheusData(result) };
    if (result.warnings.length > 0) body.warnings = result.warnings;
    if (result.infos.length > 0) body.infos = result.infos;
    return c.json(body);
  };

  const requireQuery = (p: Params): string => {
    const query = p.get('query');
    if (query === undefined || query === '') throw badData('invalid parameter "query": query must not be empty');
    return query;
  };

  const instant = async (c: Ctx) => {
    const p = await readParams(c);
    const query = requireQuery(p);
    const timeMs = parseTimeParam('time', p.get('time'), now());
    return run(c, p, (engine, signal) => engine.instantQuery(query, timeMs, { signal }));
  };
  app.on(['GET', 'POST'], '/query', q, instant);

  const range = async (c: Ctx) => {
    const p = await readParams(c);
    const query = requireQuery(p);
    const startMs = parseTimeParam('start', p.get('start') ?? '', Number.NaN);
    const endMs = parseTimeParam('end', p.get('end') ?? '', Number.NaN);
    if (Number.isNaN(startMs)) throw badData('invalid parameter "start": cannot parse "" to a valid timestamp');
    if (Number.isNaN(endMs)) throw badData('invalid parameter "end": cannot parse "" to a valid timestamp');
    if (endMs < startMs) throw badData('invalid parameter "end": end timestamp must not be before start time');
    const stepMs = parseDurationParam('step', p.get('step'));
    if (stepMs === undefined) throw badData('invalid parameter "step": cannot parse "" to a valid duration');
    if (stepMs <= 0) {
      throw badData('invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
    }
    if ((endMs - startMs) / stepMs > MAX_POINTS_PER_SERIES) {
      throw badData('exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
    }
    return run(c, p, (engine, signal) => engine.rangeQuery(query, { startMs, endMs, stepMs }, { signal }));
  };
  app.on(['GET', 'POST'], '/query_range', q, range);

  app.on(['GET', 'POST'], '/format_query', q, async (c: Ctx) => {
    const p = await readParams(c);
    const { expr, errors } = parseQuery(requireQuery(p));
    if (!expr || errors.length > 0) throw badData(`invalid parameter "query": ${errors.map((e) => e.message).join('; ')}`);
    return c.json({ status: 'success', data: prettyFormatExpr(expr) });
  });

  app.on(['GET', 'POST'], '/query_exemplars', q, (c: Ctx) => c.json({ status: 'success', data: [] }));
  return app;
}
