import { makeProblem, type ParseProblem, QueryError } from '../errors.js';
import { guardedParse, lexAndParse } from '../parse.js';
import type { LogqlExpr } from './ast/ast.js';
import { LogqlAstBuilder } from './ast/build-ast.js';
import { logqlLexer } from './lexer/lexer.js';
import type { QueryCstNode } from './parser/cst.generated.js';
import { logqlParser } from './parser/parser.js';

/** The result of `parseLogQL`: the AST (null when the text does not parse) and every problem. */
export interface LogqlParseResult {
  expr: LogqlExpr | null;
  /** Every problem in text order; empty means the query is valid. */
  errors: ParseProblem[];
}

/**
 * Parses and checks a LogQL query. Never throws: lexical and syntax errors (the first one, as
 * Prometheus and Loki report) and every semantic problem (bad regular expressions, templates,
 * patterns, misplaced `unwrap`, wrong range aggregation arguments, ...) come back in `errors`
 * with positions (`1:12: parse error: ...`). Callers must not evaluate `expr` unless `errors` is
 * empty.
 *
 * @example parseLogQL('sum by (level) (count_over_time({app="web"} | json [5m]))')
 */
export function parseLogQL(text: string): LogqlParseResult {
  return guardedParse(text, () => {
    const front = lexAndParse<QueryCstNode>(text, logqlLexer, logqlParser);
    if ('problem' in front) return { expr: null, errors: [front.problem] };
    return buildLogql(text, front.cst);
  });
}

function buildLogql(text: string, cst: QueryCstNode): LogqlParseResult {
  const builder = new LogqlAstBuilder();
  const expr = builder.build(cst);
  const problems = [...builder.problems].sort((a, b) => a.pos.start - b.pos.start);
  return { expr, errors: problems.map((p) => makeProblem(text, p.pos, p.detail)) };
}

/**
 * Parses a LogQL query and throws a `QueryError` (`bad_query`, or `query_too_long`) with every
 * problem when it is not valid.
 */
export function parseLogQLOrThrow(text: string): LogqlExpr {
  const { expr, errors } = parseLogQL(text);
  const first = errors[0];
  if (first || !expr) {
    const code = first?.detail.startsWith('query too long') ? 'query_too_long' : 'bad_query';
    throw new QueryError(code, first?.message ?? 'parse error', { problems: errors });
  }
  return expr;
}
