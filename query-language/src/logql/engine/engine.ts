import { createEngine, type QueryResult } from '../../engine/engine.js';
import { QueryError } from '../../errors.js';
import type { LogDirection, LogSource, RawSeries, SelectParams, SeriesSource } from '../../types.js';
import type { LogqlExpr, RangeAggregationExpr } from '../ast/ast.js';
import { parseLogQLOrThrow } from '../parse.js';
import { checkLimit, evalLogQuery, type ResultStream } from './log-query.js';
import { Pacer } from './pacer.js';
import { evalRangeAggregation } from './range-aggregation.js';
import { RANGE_SELECTOR_LABEL, toPromql } from './to-promql.js';

/** LogQL engine settings. Defaults are applied in `createLogQLEngine` only. */
export interface LogQLEngineOptions {
  /**
   * The largest `limit` a log query may ask for (Loki's `max_entries_limit_per_query`); 0 = none.
   * @default 5000
   */
  maxEntriesLimit?: number;
  /**
   * The most samples a metric query may hold; beyond it the query fails with `too_many_samples`.
   * @default 50000000
   */
  maxSamples?: number;
}

/** One query: a time range (ns), and for range metric queries a step (ms). */
export interface LogQLQueryParams {
  /** Start, ns since the epoch. Equal to `endNs` for an instant query. */
  startNs: bigint;
  /**
   * End, ns since the epoch: exclusive for log queries (Loki's `end`), the last step for metric
   * range queries.
   */
  endNs: bigint;
  /**
   * Step of a metric range query, in milliseconds.
   * @default Loki's default: (end - start) / 250, at least 1 s
   */
  stepMs?: number;
  /**
   * Entry order of a log query (and which end `limit` keeps).
   * @default 'backward'
   */
  direction?: LogDirection;
  /**
   * The most entries a log query returns in total; 0 = no limit.
   * @default 100
   */
  limit?: number;
  /** Cancels the query: it rejects with a `canceled` QueryError and stops reading. */
  signal?: AbortSignal;
}

/**
 * The answer to a LogQL query, shaped like Loki's `data`: `streams` for log queries (entries with
 * ns timestamps in the query direction, streams ordered by labels), and the PromQL engine's
 * `vector` / `matrix` / `scalar` results (ms timestamps) for metric queries.
 */
export type LogQLResult = { resultType: 'streams'; result: ResultStream[]; warnings: string[]; infos: string[] } | QueryResult;

/** Evaluates LogQL over a `LogSource`. Stateless between queries; safe to share. */
export interface LogQLEngine {
  /**
   * Evaluates `query` (text, or a parsed error-free expression). Metric queries are evaluated at
   * `startNs` when `startNs === endNs` (instant), else at every `stepMs` from start to end; log
   * queries need a range. Rejects with `QueryError`: `bad_query`, `execution`, `too_many_samples`,
   * `canceled`.
   */
  query(query: string | LogqlExpr, params: LogQLQueryParams): Promise<LogQLResult>;
}

const NS_PER_MS = 1_000_000n;

/**
 * Creates a LogQL engine reading through `source`. Metric queries reuse the PromQL evaluator for
 * everything above the range aggregations, so operators, matching and aggregations behave
 * exactly as in PromQL; range aggregations are computed here, over log lines.
 *
 * @example
 * const engine = createLogQLEngine(source);
 * const r = await engine.query('vector(1)+vector(1)', { startNs: 4_000_000_000n, endNs: 4_000_000_000n });
 * // r: { resultType: 'vector', result: [{ labels: {}, timestampMs: 4000, value: 2 }], ... }
 */
export function createLogQLEngine(source: LogSource, options: LogQLEngineOptions = {}): LogQLEngine {
  const maxEntriesLimit = options.maxEntriesLimit ?? 5000;
  const maxSamples = options.maxSamples ?? 50_000_000;

  return {
    async query(query, params) {
      const expr = typeof query === 'string' ? parseLogQLOrThrow(query) : query;
      const pacer = new Pacer(params.signal);
      pacer.check();
      if (params.endNs < params.startNs) throw new QueryError('bad_query', 'end timestamp must not be before start time');
      const instant = params.startNs === params.endNs;
      if (expr.type === 'LogQuery') {
        if (instant) {
          throw new QueryError('bad_query', 'log queries are not supported as an instant query type, please change your query to a range query type');
        }
        const limit = params.limit ?? 100;
        checkLimit(limit, maxEntriesLimit);
        const result = await evalLogQuery(
          expr,
          source,
          {
            startNs: params.startNs,
            endNs: params.endNs,
            direction: params.direction ?? 'backward',
            limit,
            ...(params.signal ? { signal: params.signal } : {}),
          },
          pacer,
        );
        return { resultType: 'streams', result, warnings: [], infos: [] };
      }

      const ranges: RangeAggregationExpr[] = [];
      const promExpr = toPromql(expr, ranges);
      const startMs = Number(params.startNs / NS_PER_MS);
      const endMs = Number(params.endNs / NS_PER_MS);
      const stepMs = Math.round(params.stepMs ?? Math.max(1000, Math.floor((endMs - startMs) / 250 / 1000) * 1000));
      if (!instant && !(stepMs > 0)) {
        throw new QueryError('bad_query', 'zero or negative query resolution step widths are not accepted. Try a positive integer');
      }
      const count = instant ? 1 : Math.floor((endMs - startMs) / stepMs) + 1;
      if (count > 11_000) {
        throw new QueryError('bad_query', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
      }
      const steps = new Float64Array(count);
      for (let i = 0; i < count; i++) steps[i] = startMs + i * stepMs;

      const warnings = new Set<string>();
      const computed = new Map<number, Promise<RawSeries[]>>();
      const adapter: SeriesSource = {
        select(p: SelectParams): Promise<RawSeries[]> {
          const index = Number(p.matchers.find((m) => m.name === RANGE_SELECTOR_LABEL)?.value ?? -1);
          const node = ranges[index];
          if (!node) return Promise.resolve([]);
          let pending = computed.get(index);
          if (!pending) {
            pending = evalRangeAggregation(node, source, steps, params.signal, pacer).then((r) => {
              for (const e of r.errors) {
                warnings.add(`pipeline error: ${e}: some lines failed a stage; filter them with | __error__="" or | __error__!="${e}"`);
              }
              return r.series;
            });
            computed.set(index, pending);
          }
          return pending;
        },
      };
      // A lookback of 1 ms makes each synthetic selector read exactly the sample at each step time.
      const engine = createEngine(adapter, { lookbackDeltaMs: 1, maxSamples });
      const signal = params.signal ? { signal: params.signal } : {};
      const result = instant
        ? await engine.instantQuery(promExpr, startMs, signal)
        : await engine.rangeQuery(promExpr, { startMs, endMs: startMs + (count - 1) * stepMs, stepMs }, signal);
      return { ...result, warnings: [...result.warnings, ...warnings] };
    },
  };
}
