import type { IRecognitionException, IToken } from 'chevrotain';
import type { Expr, Pos } from './ast/ast.js';
import { AstBuilder } from './ast/build-ast.js';
import { checkExpr } from './check/check.js';
import { makeProblem, type ParseProblem, QueryError } from './errors.js';
import { promqlLexer } from './lexer/lexer.js';
import { promqlParser } from './parser/parser.js';
import type { QueryCstNode } from './parser/cst.generated.js';
import { describeParserError } from './parser/error-messages.js';

/** The longest query text accepted, in UTF-8 bytes (16 KiB). */
export const MAX_QUERY_BYTES = 16 * 1024;

/**
 * The deepest parenthesis nesting accepted. Prometheus has no such limit, but a recursive-descent
 * parser spends stack per level; 64 levels is far beyond hand-written and generated queries.
 */
export const MAX_NESTING_DEPTH = 64;

/** The result of `parseQuery`: the AST (null when the text does not parse) and every problem. */
export interface ParseResult {
  /** The expression; present when the text parsed, even if the checker then found problems. */
  expr: Expr | null;
  /** Every problem, in order of discovery; empty means the query is valid. */
  errors: ParseProblem[];
}

const encoder = new TextEncoder();

/**
 * Parses and type-checks a PromQL query. Never throws: lexical and syntax errors, semantic errors
 * found while building the AST and type errors all come back in `errors` with Prometheus-style
 * messages (`1:5: parse error: unclosed left parenthesis`). As in Prometheus, the type checker
 * only runs when the text is syntactically valid, and only the first syntax error is reported.
 * Callers must not evaluate `expr` unless `errors` is empty.
 */
export function parseQuery(text: string): ParseResult {
  return guardedParse(text, () => {
    const front = lexAndParse<QueryCstNode>(text, promqlLexer, promqlParser);
    if ('problem' in front) return { expr: null, errors: [front.problem] };
    return buildPromql(text, front.cst);
  });
}

/**
 * Runs a parse so that it never throws: a stack overflow on pathological input (say, thousands of
 * chained unary minus signs) or any other exception comes back as one problem. Shared by the
 * PromQL and LogQL facades.
 */
export function guardedParse<E>(text: string, run: () => { expr: E | null; errors: ParseProblem[] }): {
  expr: E | null;
  errors: ParseProblem[];
} {
  try {
    return run();
  } catch (err) {
    const detail = err instanceof RangeError ? 'query too complex' : `unexpected error: ${String(err)}`;
    return { expr: null, errors: [makeProblem(text, { start: 0, end: 0 }, detail)] };
  }
}

/**
 * The front half both grammars share: the length limit, lexing, and the first lexical or syntax
 * problem (whichever comes first in the text, as Prometheus' lazy lexer reports it), else the CST.
 */
export function lexAndParse<C>(
  text: string,
  lexer: { tokenize(text: string): { tokens: IToken[]; errors: Array<{ offset: number }> } },
  parser: { input: IToken[]; errors: IRecognitionException[]; query(): unknown },
): { cst: C } | { problem: ParseProblem } {
  const bytes = encoder.encode(text).length;
  if (bytes > MAX_QUERY_BYTES) {
    const detail = `query too long: ${bytes} bytes exceeds the limit of ${MAX_QUERY_BYTES} bytes`;
    return { problem: makeProblem(text, { start: 0, end: 0 }, detail) };
  }
  const lexed = lexer.tokenize(text);
  if (lexed.tokens.length === 0 && lexed.errors.length === 0) {
    return { problem: makeProblem(text, { start: 0, end: 0 }, 'no expression found in input') };
  }
  const lexProblem = findLexicalProblem(text, lexed.tokens, lexed.errors.map((e) => e.offset));
  if (lexProblem?.detail.startsWith('expression nested too deeply')) {
    return { problem: makeProblem(text, lexProblem.pos, lexProblem.detail) };
  }
  parser.input = lexed.tokens;
  const cst = parser.query() as C | undefined;
  const syntaxError = parser.errors[0];
  const found = syntaxError ? describeParserError(syntaxError, text) : undefined;
  if (lexProblem && (!found || found.pos.start >= lexProblem.pos.start)) {
    return { problem: makeProblem(text, lexProblem.pos, lexProblem.detail) };
  }
  if (found || !cst) {
    const problem = found ?? { pos: { start: 0, end: 0 }, detail: 'unexpected error' };
    return { problem: makeProblem(text, problem.pos, problem.detail) };
  }
  return { cst };
}

function buildPromql(text: string, cst: QueryCstNode): ParseResult {
  const builder = new AstBuilder();
  const expr = builder.build(cst);
  if (builder.problems.length > 0) {
    return { expr, errors: builder.problems.map((p) => makeProblem(text, p.pos, p.detail)) };
  }
  const problems = [...builder.typeProblems, ...checkExpr(expr, text)];
  problems.sort((a, b) => a.pos.start - b.pos.start);
  return { expr, errors: problems.map((p) => makeProblem(text, p.pos, p.detail)) };
}

/**
 * Parses a query and throws when it has any problem: a `QueryError` with code `bad_query` (or
 * `query_too_long`) whose message is the first problem's and whose `problems` lists all of them.
 */
export function parseQueryOrThrow(text: string): Expr {
  const { expr, errors } = parseQuery(text);
  const first = errors[0];
  if (first || !expr) {
    const code = first?.detail.startsWith('query too long') ? 'query_too_long' : 'bad_query';
    throw new QueryError(code, first?.message ?? 'parse error', { problems: errors });
  }
  return expr;
}

/**
 * Finds the first lexical problem the way Prometheus' lexer reports it: characters no token
 * matches, unterminated strings, unbalanced parentheses, brackets and braces.
 */
function findLexicalProblem(text: string, tokens: IToken[], errorOffsets: number[]): { pos: Pos; detail: string } | undefined {
  const firstErrorOffset = errorOffsets.length > 0 ? Math.min(...errorOffsets) : Number.POSITIVE_INFINITY;
  let parenDepth = 0;
  let braceOpen = false;
  let bracketOpen = false;
  let previous: IToken | undefined;
  for (const token of tokens) {
    if (token.startOffset > firstErrorOffset) break;
    const pos = { start: token.startOffset, end: token.startOffset + token.image.length };
    // A number glued to letters (`0deadbeef`, `5mm`) is one bad literal, as Prometheus lexes it.
    if (
      previous &&
      (previous.tokenType.name === 'NumberLiteral' || previous.tokenType.name === 'Duration') &&
      previous.startOffset + previous.image.length === token.startOffset &&
      /^[a-zA-Z_]/.test(token.image)
    ) {
      const run = /^[a-zA-Z0-9_.]*/.exec(text.slice(previous.startOffset + previous.image.length))?.[0] ?? '';
      return {
        pos: { start: previous.startOffset, end: previous.startOffset + previous.image.length + run.length },
        detail: `bad number or duration syntax: ${JSON.stringify(previous.image + run)}`,
      };
    }
    previous = token;
    switch (token.tokenType.name) {
      case 'UnterminatedString':
        return { pos, detail: token.image.startsWith('`') ? 'unterminated raw string' : 'unterminated quoted string' };
      case 'LParen':
        parenDepth++;
        if (parenDepth > MAX_NESTING_DEPTH) {
          return { pos, detail: `expression nested too deeply: more than ${MAX_NESTING_DEPTH} levels of parentheses` };
        }
        break;
      case 'RParen':
        parenDepth--;
        if (parenDepth < 0) return { pos, detail: "unexpected right parenthesis ')'" };
        break;
      case 'LBrace':
        braceOpen = true;
        break;
      case 'RBrace':
        braceOpen = false;
        break;
      case 'LBracket':
        bracketOpen = true;
        break;
      case 'RBracket':
        bracketOpen = false;
        break;
    }
  }
  if (Number.isFinite(firstErrorOffset)) {
    const ch = text[firstErrorOffset] ?? '';
    const glued = tokens.find((t) => t.startOffset + t.image.length === firstErrorOffset);
    if (glued && (glued.tokenType.name === 'NumberLiteral' || glued.tokenType.name === 'Duration') && /[a-zA-Z0-9_]/.test(ch)) {
      const run = /^[a-zA-Z0-9_.]*/.exec(text.slice(firstErrorOffset))?.[0] ?? '';
      return {
        pos: { start: glued.startOffset, end: firstErrorOffset + run.length },
        detail: `bad number or duration syntax: ${JSON.stringify(glued.image + run)}`,
      };
    }
    const pos = { start: firstErrorOffset, end: firstErrorOffset + 1 };
    const quoted = goRune(ch);
    if (braceOpen) {
      if (ch === '{') return { pos, detail: `unexpected left brace ${quoted}` };
      if (ch === '!') return { pos, detail: `unexpected character after '!' inside braces: ${goRune(text[firstErrorOffset + 1] ?? '')}` };
      return { pos, detail: `unexpected character inside braces: ${quoted}` };
    }
    if (bracketOpen) {
      if (ch === '[') return { pos, detail: `unexpected left bracket ${quoted}` };
      return { pos, detail: `unexpected character in duration expression: ${quoted}` };
    }
    if (ch === ']') return { pos, detail: `unexpected right bracket ${quoted}` };
    if ((ch === '~' || ch === '=') && text[firstErrorOffset - 1] === '=') {
      return { pos: { start: firstErrorOffset - 1, end: firstErrorOffset + 1 }, detail: `unexpected character after '=': ${quoted}` };
    }
    if (ch === '!') return { pos, detail: `unexpected character after '!': ${goRune(text[firstErrorOffset + 1] ?? '')}` };
    return { pos, detail: `unexpected character: ${quoted}` };
  }
  const end = { start: text.length, end: text.length };
  if (braceOpen) return { pos: end, detail: 'unexpected end of input inside braces' };
  if (parenDepth > 0) return { pos: end, detail: 'unclosed left parenthesis' };
  if (bracketOpen) return { pos: end, detail: 'unclosed left bracket' };
  return undefined;
}

/** Go's `%q` of a rune: `'x'`, with `\n`-style escapes. */
function goRune(ch: string): string {
  if (ch === '') return 'EOF';
  if (ch === "'") return "'\\''";
  if (ch === '\n') return "'\\n'";
  if (ch === '\t') return "'\\t'";
  return `'${ch}'`;
}

