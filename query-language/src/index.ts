/**
 * `@vigil/query-language`: PromQL for Vigil — lexer, parser, AST, checker, formatter, function
 * table and evaluation engine. LogQL joins later through the same token and parser modules.
 */
export type {
  AggregateExpr,
  AggregateOperator,
  ArithmeticOperator,
  AtModifier,
  BinaryExpr,
  BinaryOperator,
  Call,
  ComparisonOperator,
  Expr,
  LabelMatcher,
  MatchOperator,
  MatrixSelector,
  NumberLiteral,
  ParenExpr,
  Pos,
  SetOperator,
  StringLiteral,
  SubqueryExpr,
  UnaryExpr,
  ValueType,
  VectorMatching,
  VectorSelector,
} from './ast/ast.js';
export { childrenOf, isComparisonOperator, isSetOperator, walkExpr } from './ast/ast.js';
export { formatDurationMs, parseDurationMs } from './ast/literals.js';
export { documentedType, typeOf } from './ast/type-of.js';
export { type CheckProblem, checkExpr } from './check/check.js';
export { isQueryError, type ParseProblem, QueryError, type QueryErrorCode } from './errors.js';
export { formatExpr, formatLabelName, formatMatcher } from './format/format.js';
export { MAX_CHARACTERS_PER_LINE, prettyFormatExpr } from './format/pretty.js';
export { argCountRange, FUNCTIONS, type FunctionKind, type FunctionSignature, getFunction } from './functions.js';
export { promqlLexer, PROMQL_LEXER_DEFINITION } from './lexer/lexer.js';
export { MAX_NESTING_DEPTH, MAX_QUERY_BYTES, type ParseResult, parseQuery, parseQueryOrThrow } from './parse.js';
export { formatPromValue } from './engine/format-value.js';
export {
  createEngine,
  type EngineOptions,
  type QueryEngine,
  type QueryOptions,
  type QueryResult,
  type RangeParams,
  type ResultSample,
  type ResultSeries,
} from './engine/engine.js';
export type { Labels, RawSeries, SelectParams, SeriesSource } from './types.js';
