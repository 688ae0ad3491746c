import { Lexer, type IMultiModeLexerDefinition, type TokenType } from 'chevrotain';
import * as T from './tokens.js';

/** Tokens of the top-level (expression) lexer mode, in matching order. */
export const EXPRESSION_MODE_TOKENS: TokenType[] = [
  T.WhiteSpace,
  T.Comment,
  T.Duration,
  T.NumberLiteral,
  T.StringLiteral,
  T.UnterminatedString,
  ...T.KEYWORD_TOKENS,
  T.Identifier,
  T.LParen,
  T.RParen,
  T.LBrace,
  T.LBracket,
  T.Comma,
  T.At,
  T.Colon,
  T.Plus,
  T.Minus,
  T.Mul,
  T.Div,
  T.Mod,
  T.Pow,
  T.EqlC,
  T.Neq,
  T.Lte,
  T.Lss,
  T.Gte,
  T.Gtr,
  T.Eql,
];

/** Tokens inside `{...}`: keywords are plain identifiers there, as in Prometheus. */
export const BRACES_MODE_TOKENS: TokenType[] = [
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
];

/** Tokens inside `[...]`: durations, numbers (seconds) and the subquery colon. */
export const BRACKETS_MODE_TOKENS: TokenType[] = [T.WhiteSpace, T.Duration, T.NumberLiteral, T.Colon, T.RBracket];

/** The PromQL multi-mode lexer definition; a LogQL lexer can copy and extend its modes. */
export const PROMQL_LEXER_DEFINITION: IMultiModeLexerDefinition = {
  modes: {
    expression: EXPRESSION_MODE_TOKENS,
    braces: BRACES_MODE_TOKENS,
    brackets: BRACKETS_MODE_TOKENS,
  },
  defaultMode: 'expression',
};

/** Every token type the PromQL parser knows, categories included. */
export const ALL_PROMQL_TOKENS: TokenType[] = [
  ...T.CATEGORY_TOKENS,
  ...EXPRESSION_MODE_TOKENS,
  T.EqlRegex,
  T.NeqRegex,
  T.RBrace,
  T.RBracket,
];

/**
 * The one PromQL lexer instance. Chevrotain lexers are stateless between calls, so it is shared.
 * Tokens carry character offsets (`startOffset`, `endOffset` inclusive).
 */
export const promqlLexer = new Lexer(PROMQL_LEXER_DEFINITION, {
  positionTracking: 'onlyOffset',
  ensureOptimizations: false,
});
