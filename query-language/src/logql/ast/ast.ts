/**
 * The LogQL abstract syntax tree: plain, serialisable data, a discriminated union on `type`,
 * every node with `pos` (character offsets, `end` exclusive). Metric expressions reuse PromQL's
 * operator vocabulary (`BinaryOperator`, `VectorMatching`, `LabelMatcher`); log pipelines have
 * their own nodes. Templates and regular expressions are kept as text; the engine compiles them.
 */
import type { BinaryOperator, LabelMatcher, Pos, VectorMatching } from '../../ast/ast.js';

/** A line filter operator: contains, does not contain, regex match, no match, pattern match, no pattern match. */
export type LineFilterOperator = '|=' | '!=' | '|~' | '!~' | '|>' | '!>';

/**
 * A line filter. `values` holds one or more alternatives (`|= "a" or "b"`): a positive filter
 * keeps lines matching any of them, a negative one keeps lines matching none.
 */
export interface LineFilterStage {
  type: 'LineFilter';
  op: LineFilterOperator;
  values: string[];
  pos: Pos;
}

/** One parameter of `json` / `logfmt`: the label to set and the path (`b.c`, `a[0]`, `["x.y"]`). */
export interface ExtractionParam {
  label: string;
  /** The expression as written; equal to `label` when only a name was given. */
  path: string;
}

/** `json` with optional parameters (only those paths are extracted). */
export interface JsonParserStage {
  type: 'JsonParser';
  params: ExtractionParam[];
  pos: Pos;
}

/** `logfmt` with optional flags and parameters. */
export interface LogfmtParserStage {
  type: 'LogfmtParser';
  /** `--strict`: a malformed line sets `__error__` instead of being parsed as far as possible. */
  strict: boolean;
  /** `--keep-empty`: standalone keys (`key` without `=`) become labels with an empty value. */
  keepEmpty: boolean;
  params: ExtractionParam[];
  pos: Pos;
}

/** `regexp "(?P<name>...)"`: named groups become labels. */
export interface RegexpParserStage {
  type: 'RegexpParser';
  regex: string;
  pos: Pos;
}

/** `pattern "<ip> - <_> ..."`: named captures become labels. */
export interface PatternParserStage {
  type: 'PatternParser';
  pattern: string;
  pos: Pos;
}

/** `unpack`: a JSON object's string properties become labels, `_entry` becomes the line. */
export interface UnpackParserStage {
  type: 'UnpackParser';
  pos: Pos;
}

/** The comparison operators of numeric, duration and byte-size label filters (`=` is read as `==`). */
export type LabelComparisonOperator = '==' | '!=' | '>' | '>=' | '<' | '<=';

/** A label filter expression. */
export type LabelFilterExpr =
  | { type: 'LabelMatch'; matcher: LabelMatcher; pos: Pos }
  | { type: 'NumberFilter'; label: string; op: LabelComparisonOperator; value: number; pos: Pos }
  | { type: 'DurationFilter'; label: string; op: LabelComparisonOperator; seconds: number; text: string; pos: Pos }
  | { type: 'BytesFilter'; label: string; op: LabelComparisonOperator; bytes: number; text: string; pos: Pos }
  | { type: 'LabelFilterBinary'; op: 'and' | 'or'; lhs: LabelFilterExpr; rhs: LabelFilterExpr; pos: Pos };

/** `| <label filter expression>` */
export interface LabelFilterStage {
  type: 'LabelFilter';
  filter: LabelFilterExpr;
  pos: Pos;
}

/** `line_format "template"` */
export interface LineFormatStage {
  type: 'LineFormat';
  template: string;
  pos: Pos;
}

/** One `label_format` operation: `dst="{{template}}"` or `dst=src` (rename). */
export type LabelFormatOp = { kind: 'template'; dst: string; template: string } | { kind: 'rename'; dst: string; src: string };

/** `label_format a="{{.b}}", c=d` */
export interface LabelFormatStage {
  type: 'LabelFormat';
  ops: LabelFormatOp[];
  pos: Pos;
}

/** One item of `drop` / `keep`: a label name, optionally only when its value matches. */
export interface LabelItem {
  name: string;
  matcher: LabelMatcher | null;
}

/** `drop a, b="v"` */
export interface DropStage {
  type: 'Drop';
  items: LabelItem[];
  pos: Pos;
}

/** `keep a, b="v"` */
export interface KeepStage {
  type: 'Keep';
  items: LabelItem[];
  pos: Pos;
}

/** `decolorize`: removes ANSI colour escape sequences from the line. */
export interface DecolorizeStage {
  type: 'Decolorize';
  pos: Pos;
}

/** One stage of a log pipeline. */
export type PipelineStage =
  | LineFilterStage
  | JsonParserStage
  | LogfmtParserStage
  | RegexpParserStage
  | PatternParserStage
  | UnpackParserStage
  | LabelFilterStage
  | LineFormatStage
  | LabelFormatStage
  | DropStage
  | KeepStage
  | DecolorizeStage;

/** How `unwrap` turns a label value into a number. */
export type UnwrapConversion = 'none' | 'duration' | 'duration_seconds' | 'bytes';

/** `| unwrap [conversion(]label[)]` with the label filters written after it. */
export interface Unwrap {
  label: string;
  conversion: UnwrapConversion;
  postFilters: LabelFilterExpr[];
  pos: Pos;
}

/** A log query: a stream selector and a pipeline. */
export interface LogQueryExpr {
  type: 'LogQuery';
  matchers: LabelMatcher[];
  pipeline: PipelineStage[];
  pos: Pos;
}

/** A log range: the entries of a log query within `[range]` before each evaluation time, shifted by `offset`. */
export interface LogRangeExpr {
  type: 'LogRange';
  matchers: LabelMatcher[];
  pipeline: PipelineStage[];
  unwrap: Unwrap | null;
  rangeMs: number;
  offsetMs: number;
  pos: Pos;
}

/** Range aggregation operators. */
export type RangeAggregationOperator =
  | 'count_over_time'
  | 'rate'
  | 'bytes_over_time'
  | 'bytes_rate'
  | 'absent_over_time'
  | 'sum_over_time'
  | 'avg_over_time'
  | 'min_over_time'
  | 'max_over_time'
  | 'stddev_over_time'
  | 'stdvar_over_time'
  | 'quantile_over_time'
  | 'first_over_time'
  | 'last_over_time'
  | 'rate_counter';

/** Label grouping of an aggregation: `by (a, b)` or `without (a)`. */
export interface Grouping {
  without: boolean;
  labels: string[];
}

/** `op([param,] logRange) [by|without (...)]` */
export interface RangeAggregationExpr {
  type: 'RangeAggregation';
  op: RangeAggregationOperator;
  /** The parameter of `quantile_over_time`. */
  param: number | null;
  range: LogRangeExpr;
  grouping: Grouping | null;
  pos: Pos;
}

/** Vector aggregation operators (`sort`, `sort_desc` are written as functions). */
export type VectorAggregationOperator = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'stddev' | 'stdvar' | 'topk' | 'bottomk' | 'sort' | 'sort_desc';

/** `op [by|without (...)] ([param,] expr)` */
export interface VectorAggregationExpr {
  type: 'VectorAggregation';
  op: VectorAggregationOperator;
  /** The `k` of `topk` / `bottomk`. */
  param: number | null;
  expr: MetricExpr;
  grouping: Grouping | null;
  pos: Pos;
}

/** A binary operation between metric expressions, as in PromQL. */
export interface BinaryOpExpr {
  type: 'BinaryExpr';
  op: BinaryOperator;
  lhs: MetricExpr;
  rhs: MetricExpr;
  returnBool: boolean;
  /** Null when either side is a scalar. */
  matching: VectorMatching | null;
  pos: Pos;
}

/** A number literal (a scalar). */
export interface LiteralExpr {
  type: 'Literal';
  value: number;
  pos: Pos;
}

/** `vector(n)`: a one-sample vector without labels. */
export interface VectorExpr {
  type: 'Vector';
  value: number;
  pos: Pos;
}

/** `label_replace(expr, "dst", "replacement", "src", "regex")` */
export interface LabelReplaceExpr {
  type: 'LabelReplace';
  expr: MetricExpr;
  dst: string;
  replacement: string;
  src: string;
  regex: string;
  pos: Pos;
}

/** Parentheses around a metric expression, kept for the formatter. */
export interface ParenMetricExpr {
  type: 'Paren';
  expr: MetricExpr;
  pos: Pos;
}

/** A unary minus or plus on a metric expression (a signed number is folded into its literal). */
export interface UnaryMetricExpr {
  type: 'Unary';
  op: '-' | '+';
  expr: MetricExpr;
  pos: Pos;
}

/** Any metric expression. */
export type MetricExpr =
  | RangeAggregationExpr
  | VectorAggregationExpr
  | BinaryOpExpr
  | LiteralExpr
  | VectorExpr
  | LabelReplaceExpr
  | ParenMetricExpr
  | UnaryMetricExpr;

/** A whole LogQL query: a log query or a metric query. */
export type LogqlExpr = LogQueryExpr | MetricExpr;

/** The signature of a range aggregation: what it needs and allows. */
export interface RangeAggregationSignature {
  /** True when the aggregation needs `| unwrap`; false when it works on lines; null when both are allowed. */
  unwrap: boolean | null;
  /** True when `by`/`without` may follow the call. */
  grouping: boolean;
  /** True for `quantile_over_time`, whose first argument is a number. */
  param: boolean;
}

/**
 * The range aggregation table, as Loki's `RangeAggregationExpr.validate`: used by the AST builder,
 * and available to editors and autocompletion.
 */
export const RANGE_AGGREGATIONS: Readonly<Record<RangeAggregationOperator, RangeAggregationSignature>> = {
  count_over_time: { unwrap: false, grouping: false, param: false },
  bytes_over_time: { unwrap: false, grouping: false, param: false },
  bytes_rate: { unwrap: false, grouping: false, param: false },
  rate: { unwrap: null, grouping: true, param: false },
  absent_over_time: { unwrap: null, grouping: true, param: false },
  sum_over_time: { unwrap: true, grouping: true, param: false },
  avg_over_time: { unwrap: true, grouping: true, param: false },
  min_over_time: { unwrap: true, grouping: true, param: false },
  max_over_time: { unwrap: true, grouping: true, param: false },
  stddev_over_time: { unwrap: true, grouping: true, param: false },
  stdvar_over_time: { unwrap: true, grouping: true, param: false },
  quantile_over_time: { unwrap: true, grouping: true, param: true },
  first_over_time: { unwrap: true, grouping: true, param: false },
  last_over_time: { unwrap: true, grouping: true, param: false },
  rate_counter: { unwrap: true, grouping: true, param: false },
};

/** The vector aggregations LogQL supports (a subset of PromQL's), with whether they take a parameter. */
export const VECTOR_AGGREGATIONS: Readonly<Record<VectorAggregationOperator, { param: boolean }>> = {
  sum: { param: false },
  avg: { param: false },
  min: { param: false },
  max: { param: false },
  count: { param: false },
  stddev: { param: false },
  stdvar: { param: false },
  topk: { param: true },
  bottomk: { param: true },
  sort: { param: false },
  sort_desc: { param: false },
};

/** True for a log query (as opposed to a metric query). */
export function isLogQuery(expr: LogqlExpr): expr is LogQueryExpr {
  return expr.type === 'LogQuery';
}
