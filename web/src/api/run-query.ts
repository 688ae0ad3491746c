import { type LogRow, streamsToRows } from '../lib/logs';
import type { QueryLanguage } from '../lib/query-tokenizer';
import { type AlignedData, alignMatrix } from '../lib/series';
import { type PromResult, lokiRange, promInstant, promRange } from './endpoints';

/** How a result is wanted: over time (graph), at the range's end (table, stat), or as log lines. */
export type QueryShape = 'graph' | 'instant';

/** What one query gave, ready to draw. */
export type QueryOutcome =
  | { kind: 'graph'; data: AlignedData; result: PromResult; receivedAt: number }
  | { kind: 'instant'; result: PromResult }
  | { kind: 'logs'; rows: LogRow[] };

/** A query to run: language, text (variables already substituted), range and step in epoch ms. */
export interface QueryRequest {
  lang: QueryLanguage;
  query: string;
  startMs: number;
  endMs: number;
  stepMs: number;
  shape: QueryShape;
  /** Most log lines. @default 1000 */
  limit?: number;
}

/**
 * Runs a PromQL query (`query_range` for a graph, `query` at the end of the range for a table or
 * stat) or a LogQL query (`/loki/api/v1/query_range`: log queries give lines, metric queries a
 * matrix, drawn like PromQL's). The graph's x axis is the query's own step grid.
 */
export async function runQuery(req: QueryRequest, signal?: AbortSignal): Promise<QueryOutcome> {
  const grid = { startS: req.startMs / 1000, endS: req.endMs / 1000, stepS: req.stepMs / 1000 };
  if (req.lang === 'promql') {
    if (req.shape === 'instant') return { kind: 'instant', result: await promInstant(req.query, req.endMs, signal) };
    const result = await promRange(req.query, req.startMs, req.endMs, req.stepMs, signal);
    const receivedAt = performance.now();
    if (result.resultType !== 'matrix') return { kind: 'instant', result };
    return { kind: 'graph', data: alignMatrix(result.result, grid), result, receivedAt };
  }
  const r = await lokiRange(req.query, req.startMs, req.endMs, { limit: req.limit ?? 1000, direction: 'backward', stepMs: req.stepMs }, signal);
  const receivedAt = performance.now();
  if (r.resultType === 'streams') return { kind: 'logs', rows: streamsToRows(r.result) };
  const result = r as PromResult;
  if (req.shape === 'instant' || r.resultType !== 'matrix') return { kind: 'instant', result };
  return { kind: 'graph', data: alignMatrix(r.result, grid), result, receivedAt };
}
