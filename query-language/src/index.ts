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
  CountLogsParams,
  Labels,
  LogCountStream,
  LogDirection,
  LogEntryData,
  LogRow,
  LogSource,
  LogStreamData,
  RawSeries,
  SelectBucketsParams,
  SelectLogsParams,
  JsonDropHint,
  SelectParams,
  SeriesSource,
} from './types.js';

// LogQL
export type {
  BinaryOpExpr,
  DecolorizeStage,
  DropStage,
  ExtractionParam,
  Grouping,
  JsonParserStage,
  KeepStage,
  LabelComparisonOperator,
  LabelFilterExpr,
  LabelFilterStage,
  LabelFormatOp,
  LabelFormatStage,
  LabelItem,
  LabelReplaceExpr,
  LineFilterOperator,
  LineFilterStage,
  LineFormatStage,
  LiteralExpr,
  LogfmtParserStage,
  LogQueryExpr,
  LogqlExpr,
  LogRangeExpr,
  MetricExpr,
  ParenMetricExpr,
  PatternParserStage,
  PipelineStage,
  RangeAggregationExpr,
  RangeAggregationOperator,
  RangeAggregationSignature,
  RegexpParserStage,
  UnaryMetricExpr,
  UnpackParserStage,
  Unwrap,
  UnwrapConversion,
  VectorAggregationExpr,
  VectorAggregationOperator,
  VectorExpr,
} from './logql/ast/ast.js';
export { isLogQuery, RANGE_AGGREGATIONS, VECTOR_AGGREGATIONS } from './logql/ast/ast.js';
export { formatGoDuration, parseBytes, parseGoDurationSeconds, parseGoFloat } from './logql/ast/units.js';
export {
  createLogQLEngine,
  type LogQLEngine,
  type LogQLEngineOptions,
  type LogQLQueryParams,
  type LogQLResult,
} from './logql/engine/engine.js';
export type { ResultEntry, ResultStream } from './logql/engine/log-query.js';
export { formatLabelFilter, formatLogQL, formatStage } from './logql/format/format.js';
export { LOGQL_LEXER_DEFINITION, logqlLexer } from './logql/lexer/lexer.js';
export { type LogqlParseResult, parseLogQL, parseLogQLOrThrow } from './logql/parse.js';
export { LogqlGrammar, LogqlParser, logqlParser } from './logql/parser/parser.js';
export { ERROR_DETAILS_LABEL, ERROR_LABEL, LabelsBuilder, PipelineErrors } from './logql/pipeline/labels-builder.js';
export { type CompiledPipeline, compilePipeline } from './logql/pipeline/pipeline.js';
export { compileStage, type Stage } from './logql/pipeline/stages.js';
export { type CompiledTemplate, compileTemplate, type TemplateContext, TemplateError, type TemplateOptions } from './logql/template/template.js';
export { goSprintf, TEMPLATE_FUNCTIONS, type TemplateFunction, type TemplateValue, TimeValue, toText } from './logql/template/template-functions.js';
