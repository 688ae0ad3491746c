import type { Expr } from '../ast/ast.js';
import { typeOf } from '../ast/type-of.js';
import { QueryError } from '../errors.js';
import { parseQueryOrThrow } from '../parse.js';
import type { Labels, SeriesSource } from '../types.js';
import { Evaluator } from './evaluator.js';
import { compareLabels } from './labels.js';
import { upperBound } from './values.js';

/** Engine settings. Defaults are applied in `createEngine` only. */
export interface EngineOptions {
  /**
   * How far back an instant selector looks for the latest sample, in milliseconds.
   * @default 300000 (5 minutes)
   */
  lookbackDeltaMs?: number;
  /**
   * The most samples one query may hold; beyond it the query fails with `too_many_samples`.
   * @default 50000000
   */
  maxSamples?: number;
  /**
   * The step of a subquery written without one (`x[1h:]`), in milliseconds.
   * @default 60000 (Prometheus' default evaluation interval)
   */
  defaultSubqueryStepMs?: number;
  /**
   * The range functions that compare consecutive samples (`rate`, `increase`, `irate`, `idelta`,
   * `resets`, `changes`) are pushed down to `selectBuckets` only when windows overlap at least
   * this much (range / step). The source must order the samples for them (a DuckDB window
   * function), and on the bench workload that cost more than the engine's own pass over raw
   * samples even for `rate(x[1h])` at 1-minute steps (docs/benchmarks.md), so by default they
   * are not pushed down. Tests set 0 to exercise the pushdown everywhere.
   * @default Infinity
   */
  pairPushdownMinOverlap?: number;
}

/** Per-query options. */
export interface QueryOptions {
  /** Cancels the query: it rejects with a `canceled` QueryError and stops reading from the source. */
  signal?: AbortSignal;
}

/** A range query's time grid; all epoch milliseconds, `stepMs` > 0. */
export interface RangeParams {
  startMs: number;
  endMs: number;
  stepMs: number;
}

/** One sample of an instant vector result. */
export interface ResultSample {
  labels: Labels;
  timestampMs: number;
  value: number;
}

/** One series of a matrix result, samples in time order. */
export interface ResultSeries {
  labels: Labels;
  timestampsMs: number[];
  values: number[];
}

/**
 * The result of a query, shaped like Prometheus' `data` (`resultType` + `result`). Vectors keep
 * the engine's order (meaningful after `sort`, `topk`, ...); matrices are sorted by labels.
 */
export type QueryResult = (
  | { resultType: 'vector'; result: ResultSample[] }
  | { resultType: 'matrix'; result: ResultSeries[] }
  | { resultType: 'scalar'; result: { timestampMs: number; value: number } }
  | { resultType: 'string'; result: { timestampMs: number; value: string } }
) & {
  /** Non-fatal findings, as Prometheus' `warnings` (`PromQL warning: ... (1:10)`). */
  warnings: string[];
  /** Informational findings, as Prometheus' `infos` (`PromQL info: ...`). */
  infos: string[];
};

/** Evaluates PromQL over a `SeriesSource`. Stateless between queries; safe to share. */
export interface QueryEngine {
  /** Evaluates `query` (text or a parsed, error-free `Expr`) at one instant, epoch ms. */
  instantQuery(query: string | Expr, timeMs: number, options?: QueryOptions): Promise<QueryResult>;
  /** Evaluates `query` at every step of a range; the expression must be a scalar or instant vector. */
  rangeQuery(query: string | Expr, range: RangeParams, options?: QueryOptions): Promise<QueryResult>;
}

/**
 * Creates a PromQL engine reading through `source`. Errors are `QueryError`s: `bad_query` for text
 * that does not parse, `execution` for runtime conditions (duplicate series in a match, invalid
 * function arguments), `too_many_samples`, and `canceled` when the signal fires.
 */
export function createEngine(source: SeriesSource, options: EngineOptions = {}): QueryEngine {
  const settings = {
    source,
    lookbackDeltaMs: options.lookbackDeltaMs ?? 300_000,
    maxSamples: options.maxSamples ?? 50_000_000,
    defaultSubqueryStepMs: options.defaultSubqueryStepMs ?? 60_000,
    pairPushdownMinOverlap: options.pairPushdownMinOverlap ?? Number.POSITIVE_INFINITY,
  };
  const toExpr = (query: string | Expr): Expr => (typeof query === 'string' ? parseQueryOrThrow(query) : query);

  return {
    async instantQuery(query, timeMs, queryOptions = {}) {
      const expr = toExpr(query);
      const evaluator = new Evaluator({
        ...settings,
        queryStartMs: timeMs,
        queryEndMs: timeMs,
        ...(typeof query === 'string' ? { queryText: query } : {}),
        ...(queryOptions.signal ? { signal: queryOptions.signal } : {}),
      });
      const value = await evaluator.eval(expr, Float64Array.of(timeMs));
      const annotations = { warnings: [...evaluator.warnings], infos: [...evaluator.infos] };
      switch (value.kind) {
        case 'scalar':
          return { resultType: 'scalar', result: { timestampMs: timeMs, value: value.values[0]! }, ...annotations };
        case 'string':
          return { resultType: 'string', result: { timestampMs: timeMs, value: value.value }, ...annotations };
        case 'vector': {
          const result: ResultSample[] = [];
          for (const s of value.series) {
            if (s.present[0]) result.push({ labels: s.labels, timestampMs: timeMs, value: s.values[0]! });
          }
          return { resultType: 'vector', result, ...annotations };
        }
        case 'matrix': {
          const end = value.endsMs[0]!;
          const result: ResultSeries[] = [];
          for (const s of value.series) {
            const lo = upperBound(s.timestampsMs, end - value.rangeMs);
            const hi = upperBound(s.timestampsMs, end);
            if (hi > lo) {
              result.push({
                labels: s.labels,
                timestampsMs: Array.from(s.timestampsMs.subarray(lo, hi)),
                values: Array.from(s.values.subarray(lo, hi)),
              });
            }
          }
          result.sort((a, b) => compareLabels(a.labels, b.labels));
          return { resultType: 'matrix', result, ...annotations };
        }
      }
    },

    async rangeQuery(query, range, queryOptions = {}) {
      const expr = toExpr(query);
      const type = typeOf(expr);
      if (type !== 'scalar' && type !== 'vector') {
        const documented = type === 'matrix' ? 'range vector' : type;
        throw new QueryError('bad_query', `invalid expression type "${documented}" for range query, must be Scalar or instant Vector`);
      }
      if (!(range.stepMs > 0)) {
        throw new QueryError('bad_query', 'zero or negative query resolution step widths are not accepted. Try a positive integer');
      }
      if (range.endMs < range.startMs) throw new QueryError('bad_query', 'end timestamp must not be before start time');
      const steps = Math.floor((range.endMs - range.startMs) / range.stepMs) + 1;
      const times = new Float64Array(steps);
      for (let i = 0; i < steps; i++) times[i] = range.startMs + i * range.stepMs;
      const evaluator = new Evaluator({
        ...settings,
        queryStartMs: range.startMs,
        queryEndMs: range.endMs,
        ...(typeof query === 'string' ? { queryText: query } : {}),
        ...(queryOptions.signal ? { signal: queryOptions.signal } : {}),
      });
      const value = await evaluator.eval(expr, times);
      const result: ResultSeries[] = [];
      if (value.kind === 'scalar') {
        result.push({ labels: {}, timestampsMs: Array.from(times), values: Array.from(value.values) });
      } else if (value.kind === 'vector') {
        for (const s of value.series) {
          const series: ResultSeries = { labels: s.labels, timestampsMs: [], values: [] };
          for (let i = 0; i < steps; i++) {
            if (s.present[i]) {
              series.timestampsMs.push(times[i]!);
              series.values.push(s.values[i]!);
            }
          }
          if (series.values.length > 0) result.push(series);
          evaluator.account(series.values.length);
        }
        result.sort((a, b) => compareLabels(a.labels, b.labels));
      }
      return { resultType: 'matrix', result, warnings: [...evaluator.warnings], infos: [...evaluator.infos] };
    },
  };
}
