import { makeProblem, type ParseProblem, QueryError } from '../errors.js';
import { findLexicalProblem, MAX_QUERY_BYTES } from '../parse.js';
import { describeParserError } from '../parser/error-messages.js';
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

const encoder = new TextEncoder();

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
  try {
    return parseUnguarded(text);
  } catch (err) {
    const detail = err instanceof RangeError ? 'query too complex' : `unexpected error: ${String(err)}`;
    return { expr: null, errors: [makeProblem(text, { start: 0, end: 0 }, detail)] };
  }
}

function parseUnguarded(text: string): LogqlParseResult {
  const bytes = encoder.encode(text).length;
  if (bytes > MAX_QUERY_BYTES) {
    const detail = `query too long: ${bytes} bytes exceeds the limit of ${MAX_QUERY_BYTES} bytes`;
    return { expr: null, errors: [makeProblem(text, { start: 0, end: 0 }, detail)] };
  }
  const lexed = logqlLexer.tokenize(text);
  if (lexed.tokens.length === 0 && lexed.errors.length === 0) {
    return { expr: null, errors: [makeProblem(text, { start: 0, end: 0 }, 'no expression found in input')] };
  }
  const lexProblem = findLexicalProblem(text, lexed.tokens, lexed.errors.map((e) => e.offset));
  if (lexProblem?.detail.startsWith('expression nested too deeply')) {
    return { expr: null, errors: [makeProblem(text, lexProblem.pos, lexProblem.detail)] };
  }
  logqlParser.input = lexed.tokens;
  const cst = logqlParser.query() as unknown as QueryCstNode | undefined;
  const syntaxError = logqlParser.errors[0];
  const found = syntaxError ? describeParserError(syntaxError, text) : undefined;
  if (lexProblem && (!found || found.pos.start >= lexProblem.pos.start)) {
    return { expr: null, errors: [makeProblem(text, lexProblem.pos, lexProblem.detail)] };
  }
  if (found || !cst) {
    const problem = found ?? { pos: { start: 0, end: 0 }, detail: 'unexpected error' };
    return { expr: null, errors: [makeProblem(text, problem.pos, problem.detail)] };
  }
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
