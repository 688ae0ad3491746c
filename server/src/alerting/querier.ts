import type { Querier, QuerySeries } from '@vigil/alerting';
import { type QueryResult, createEngine, createLogQLEngine, parseLogQL, parseQuery } from '@vigil/query-language';
import type { VigilConfig } from '../config/config.js';
import type { StorageHandle } from '../storage-handle.js';

/** Which engine runs a query: PromQL when it parses as PromQL, else LogQL (`auto`). */
export function queryLanguage(query: string, language: 'promql' | 'logql' | 'auto' = 'auto'): 'promql' | 'logql' {
  if (language !== 'auto') return language;
  if (parseQuery(query).errors.length === 0) return 'promql';
  return parseLogQL(query).errors.length === 0 ? 'logql' : 'promql';
}

/**
 * Problems of an alarm query in its language, Prometheus-style (`1:5: parse error: ...`). A LogQL
 * query must be a metric query: a log query yields lines, not values to compare.
 */
export function checkAlarmQuery(query: string, language: 'promql' | 'logql' | 'auto' = 'auto'): string[] {
  const lang = queryLanguage(query, language);
  if (lang === 'promql') return parseQuery(query).errors.map((e) => e.message);
  const r = parseLogQL(query);
  if (r.errors.length > 0) return r.errors.map((e) => e.message);
  if (r.expr?.type === 'LogQuery') return ['a LogQL alarm query must be a metric query, e.g. sum(count_over_time({app="api"} |= "error" [5m]))'];
  return [];
}

function toSeries(r: QueryResult | { resultType: 'streams' }): QuerySeries[] {
  switch (r.resultType) {
    case 'matrix':
      return r.result.map((s) => ({ labels: s.labels, timestampsMs: s.timestampsMs, values: s.values }));
    case 'vector':
      return r.result.map((s) => ({ labels: s.labels, timestampsMs: [s.timestampMs], values: [s.value] }));
    case 'scalar':
      return [{ labels: {}, timestampsMs: [r.result.timestampMs], values: [r.result.value] }];
    default:
      return [];
  }
}

/**
 * The alerting library's window on data: range queries through the same PromQL and LogQL engines
 * as the query APIs, with the same limits, for one tenant at a time.
 */
export function createQuerier(storage: () => StorageHandle, config: VigilConfig): Querier {
  return {
    async range(tenant, query, range, options = {}) {
      const lang = queryLanguage(query, options.language);
      const signal = options.signal ?? AbortSignal.timeout(config.query.timeoutMs);
      if (lang === 'logql') {
        const engine = createLogQLEngine(storage().logs.logSource(tenant), { maxSamples: config.query.maxSamples });
        const r = await engine.query(query, {
          startNs: BigInt(range.startMs) * 1_000_000n,
          endNs: BigInt(range.endMs) * 1_000_000n,
          stepMs: range.stepMs,
          signal,
        });
        return toSeries(r);
      }
      const engine = createEngine(storage().metrics.seriesSource(tenant), {
        maxSamples: config.query.maxSamples,
        lookbackDeltaMs: config.query.lookbackDeltaMs,
      });
      return toSeries(await engine.rangeQuery(query, range, { signal }));
    },
  };
}
