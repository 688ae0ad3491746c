/**
 * The PromQL abstract syntax tree: plain, serialisable data. Every node has `type` (the
 * discriminant) and `pos` (character offsets into the query text, `end` exclusive). Nodes hold no
 * series, caches or handles; the engine keeps its own state keyed by node identity.
 *
 * Numbers are JavaScript numbers, so `NaN` and `±Inf` literals survive in memory but not through
 * `JSON.stringify` (which writes `null`); serialise with `formatExpr` when text is needed.
 */

/** Character offsets of a node in the query text: `start` inclusive, `end` exclusive. */
export interface Pos {
  start: number;
  end: number;
}

/** The four value types of PromQL, named as Prometheus documents them. */
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

/** The label matcher operators. */
export type MatchOperator = '=' | '!=' | '=~' | '!~';

/** One label matcher of a selector; `name` is `__name__` for the metric name. */
export interface LabelMatcher {
  name: string;
  op: MatchOperator;
  value: string;
}

/** The `@` modifier: a fixed timestamp in epoch milliseconds, or the query's `start()` / `end()`. */
export type AtModifier = { type: 'timestamp'; timestampMs: number } | { type: 'start' } | { type: 'end' };

/** Aggregation operators. */
export type AggregateOperator =
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'count'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'quantile'
  | 'count_values'
  | 'limitk'
  | 'limit_ratio';

/** Arithmetic binary operators. */
export type ArithmeticOperator = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
/** Comparison binary operators. */
export type ComparisonOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';
/** Set binary operators. */
export type SetOperator = 'and' | 'or' | 'unless';
/** Every binary operator. */
export type BinaryOperator = ArithmeticOperator | ComparisonOperator | SetOperator;

/** A number literal; `durationLiteral` is true when written as a duration (`5m` = 300). */
export interface NumberLiteral {
  type: 'NumberLiteral';
  value: number;
  durationLiteral?: boolean;
  pos: Pos;
}

/** A string literal, already unquoted. */
export interface StringLiteral {
  type: 'StringLiteral';
  value: string;
  pos: Pos;
}

/**
 * An instant vector selector. `name` is the metric name written outside the braces (or `""`);
 * `matchers` holds every matcher including a `__name__` matcher for `name`.
 */
export interface VectorSelector {
  type: 'VectorSelector';
  name: string;
  matchers: LabelMatcher[];
  /** Offset in milliseconds; negative looks into the future. */
  offsetMs: number;
  at: AtModifier | null;
  pos: Pos;
}

/** A range vector selector `selector[range]`; `offset` and `@` live on the inner selector. */
export interface MatrixSelector {
  type: 'MatrixSelector';
  vector: VectorSelector;
  rangeMs: number;
  pos: Pos;
}

/** A subquery `expr[range:step]`; `stepMs` is 0 when omitted (the engine uses its default). */
export interface SubqueryExpr {
  type: 'SubqueryExpr';
  expr: Expr;
  rangeMs: number;
  stepMs: number;
  offsetMs: number;
  at: AtModifier | null;
  pos: Pos;
}

/** An aggregation: `op [by|without (labels)] ([param,] expr)`. */
export interface AggregateExpr {
  type: 'AggregateExpr';
  op: AggregateOperator;
  expr: Expr;
  param: Expr | null;
  grouping: string[];
  without: boolean;
  pos: Pos;
}

/** A function call; `func` is the name as written. */
export interface Call {
  type: 'Call';
  func: string;
  args: Expr[];
  pos: Pos;
}

/** How two vectors are matched in a binary operation. */
export interface VectorMatching {
  card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
  /** True for `on(...)`, false for `ignoring(...)` or no clause. */
  on: boolean;
  labels: string[];
  /** The extra labels of `group_left(...)` / `group_right(...)`. */
  include: string[];
}

/** A binary operation. `matching` is null when either side is a scalar. */
export interface BinaryExpr {
  type: 'BinaryExpr';
  op: BinaryOperator;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  matching: VectorMatching | null;
  pos: Pos;
}

/** Unary minus or plus (a literal `-1` is folded into a NumberLiteral instead, as Prometheus). */
export interface UnaryExpr {
  type: 'UnaryExpr';
  op: '-' | '+';
  expr: Expr;
  pos: Pos;
}

/** Parentheses, kept so that the formatter reproduces them. */
export interface ParenExpr {
  type: 'ParenExpr';
  expr: Expr;
  pos: Pos;
}

/** Any PromQL expression. */
export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | AggregateExpr
  | Call
  | BinaryExpr
  | UnaryExpr
  | ParenExpr;

/** Aggregations that take a parameter before the vector, with the parameter's type. */
export const AGGREGATE_PARAM_TYPES: Readonly<Partial<Record<AggregateOperator, ValueType>>> = {
  topk: 'scalar',
  bottomk: 'scalar',
  quantile: 'scalar',
  limitk: 'scalar',
  limit_ratio: 'scalar',
  count_values: 'string',
};

/** True for `== != < <= > >=`. */
export function isComparisonOperator(op: BinaryOperator): op is ComparisonOperator {
  return op === '==' || op === '!=' || op === '<' || op === '<=' || op === '>' || op === '>=';
}

/** True for `and or unless`. */
export function isSetOperator(op: BinaryOperator): op is SetOperator {
  return op === 'and' || op === 'or' || op === 'unless';
}

/** Calls `fn` on `expr` and every descendant, parents first. */
export function walkExpr(expr: Expr, fn: (node: Expr) => void): void {
  fn(expr);
  for (const child of childrenOf(expr)) walkExpr(child, fn);
}

/** The direct sub-expressions of a node, in source order. */
export function childrenOf(expr: Expr): Expr[] {
  switch (expr.type) {
    case 'NumberLiteral':
    case 'StringLiteral':
    case 'VectorSelector':
      return [];
    case 'MatrixSelector':
      return [expr.vector];
    case 'SubqueryExpr':
    case 'UnaryExpr':
    case 'ParenExpr':
      return [expr.expr];
    case 'AggregateExpr':
      return expr.param ? [expr.param, expr.expr] : [expr.expr];
    case 'Call':
      return expr.args;
    case 'BinaryExpr':
      return [expr.lhs, expr.rhs];
    default:
      return assertNever(expr);
  }
}

/** Exhaustiveness helper for `switch` over closed unions. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
