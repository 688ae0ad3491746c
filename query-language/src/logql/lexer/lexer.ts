import { type IMultiModeLexerDefinition, Lexer, type TokenType } from 'chevrotain';
import * as T from '../../lexer/tokens.js';
import * as L from './tokens.js';

/**
 * Tokens of LogQL's expression mode: PromQL's, without `@` and `:` (LogQL has neither `@` nor
 * subqueries), plus the pipeline operators and keywords. Order matters: byte sizes before
 * durations before numbers, `|=` before `|`, `--strict` before `-`.
 */
export const LOGQL_EXPRESSION_MODE_TOKENS: TokenType[] = [
  T.WhiteSpace,
  T.Comment,
  L.Bytes,
  L.LogDuration,
  T.NumberLiteral,
  T.StringLiteral,
  T.UnterminatedString,
  L.ParserFlag,
  ...L.LOGQL_KEYWORD_TOKENS,
  ...T.KEYWORD_TOKENS,
  T.Identifier,
  L.PipeExact,
  L.PipeMatch,
  L.PipePattern,
  L.Pipe,
  T.LParen,
  T.RParen,
  T.LBrace,
  T.LBracket,
  T.Comma,
  T.Plus,
  T.Minus,
  T.Mul,
  T.Div,
  T.Mod,
  T.Pow,
  T.EqlC,
  T.EqlRegex,
  T.Neq,
  T.NeqRegex,
  L.NotPipePattern,
  T.Lte,
  T.Lss,
  T.Gte,
  T.Gtr,
  T.Eql,
];

/** Tokens inside `[...]`: a log range is a duration (or a number of seconds). */
export const LOGQL_BRACKETS_MODE_TOKENS: TokenType[] = [T.WhiteSpace, L.LogDuration, T.NumberLiteral, T.RBracket];

/** The LogQL multi-mode lexer definition; the `braces` mode (stream selectors) is PromQL's. */
export const LOGQL_LEXER_DEFINITION: IMultiModeLexerDefinition = {
  modes: {
    expression: LOGQL_EXPRESSION_MODE_TOKENS,
    braces: [
      T.WhiteSpace,
      T.Comment,
      T.StringLiteral,
      T.UnterminatedString,
      T.Identifier,
      T.Comma,
      T.EqlRegex,
      T.NeqRegex,
      T.Neq,
      T.Eql,
      T.RBrace,
    ],
    brackets: LOGQL_BRACKETS_MODE_TOKENS,
  },
  defaultMode: 'expression',
};

/** Every token type the LogQL parser knows, categories included. */
export const ALL_LOGQL_TOKENS: TokenType[] = [
  ...T.CATEGORY_TOKENS,
  L.LogqlKeyword,
  T.Duration,
  ...LOGQL_EXPRESSION_MODE_TOKENS,
  T.RBrace,
  T.RBracket,
  T.Colon,
  T.At,
];

/** The one LogQL lexer instance (Chevrotain lexers are stateless between calls). */
export const logqlLexer = new Lexer(LOGQL_LEXER_DEFINITION, {
  positionTracking: 'onlyOffset',
  ensureOptimizations: false,
});
