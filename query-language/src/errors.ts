import type { Pos } from './ast/ast.js';

/** Stable error codes of `@vigil/query-language`; the server maps them to HTTP statuses. */
export type QueryErrorCode =
  /** The query text does not parse or does not type-check. */
  | 'bad_query'
  /** The query text is longer than the limit. */
  | 'query_too_long'
  /** Evaluation failed (a runtime condition such as duplicate series on one side of a match). */
  | 'execution'
  /** Evaluation would hold more samples in memory than allowed. */
  | 'too_many_samples'
  /** The caller's `AbortSignal` fired. */
  | 'canceled';

/**
 * One problem found in a query: where it is (character offsets, 1-based line and column) and the
 * Prometheus-style message, e.g. `1:5: parse error: unclosed left parenthesis`.
 */
export interface ParseProblem {
  pos: Pos;
  line: number;
  column: number;
  /** The message without the position prefix (`unclosed left parenthesis`). */
  detail: string;
  /** The full message as Prometheus prints it. */
  message: string;
}

/**
 * The one error class of this package. `code` is stable; `problems` lists every problem of a
 * `bad_query`. Check errors with `isQueryError(err, code)`, not `instanceof`.
 */
export class QueryError extends Error {
  override readonly name = 'QueryError';
  readonly code: QueryErrorCode;
  readonly problems: readonly ParseProblem[];

  constructor(code: QueryErrorCode, message: string, options: { problems?: ParseProblem[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.problems = options.problems ?? [];
  }
}

/** True when `err` is a `QueryError` (optionally with the given `code`); works across realms. */
export function isQueryError(err: unknown, code?: QueryErrorCode): err is QueryError {
  if (typeof err !== 'object' || err === null) return false;
  const candidate = err as { name?: unknown; code?: unknown };
  if (candidate.name !== 'QueryError' || typeof candidate.code !== 'string') return false;
  return code === undefined || candidate.code === code;
}

/** The 1-based line and column of a character offset in `text`, as Prometheus counts them. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lastBreak = -1;
  const at = Math.min(offset, text.length);
  for (let i = 0; i < at; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lastBreak = i;
    }
  }
  return { line, column: at - lastBreak };
}

/** Builds a `ParseProblem` for `pos` in `text` with Prometheus' `line:col: parse error: ` prefix. */
export function makeProblem(text: string, pos: Pos, detail: string): ParseProblem {
  const { line, column } = lineAndColumn(text, pos.start);
  return { pos, line, column, detail, message: `${line}:${column}: parse error: ${detail}` };
}
