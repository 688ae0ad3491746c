/**
 * `@vigil/query-language`: PromQL and LogQL for Vigil — lexers, parsers, ASTs, checkers,
 * formatters, function tables and evaluation engines. LogQL extends the PromQL grammar and
 * evaluates its metric operators with the PromQL evaluator.
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
export { formatPromScalar, formatPromValue } from './engine/format-value.js';
export { isQueryError, type ParseProblem, QueryError, type QueryErrorCode } from './errors.js';
export { formatExpr, formatLabelName, formatMatcher } from './format/format.js';
export { MAX_CHARACTERS_PER_LINE, prettyFormatExpr } from './format/pretty.js';
export { argCountRange, FUNCTIONS, type FunctionKind, type FunctionSignature, getFunction } from './functions.js';
export { PROMQL_LEXER_DEFINITION, promqlLexer } from './lexer/lexer.js';
export { MAX_NESTING_DEPTH, MAX_QUERY_BYTES, type ParseResult, parseQuery, parseQueryOrThrow } from './parse.js';
export type {
  BucketAggregate,
  BucketedSeries,
  Labels,
  RawSeries,
  SelectBucketsParams,
  SelectParams,
  SeriesSource,
} from './types.js';
