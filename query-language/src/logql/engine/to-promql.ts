import type { Expr, VectorSelector } from '../../ast/ast.js';
import { assertNever } from '../../ast/ast.js';
import type { MetricExpr, RangeAggregationExpr, RangeAggregationOperator } from '../ast/ast.js';

/** The label of the synthetic selectors that stand for range aggregations in the translated tree. */
export const RANGE_SELECTOR_LABEL = '__vigil_logql_range__';

/**
 * Range aggregations whose results can be grouped before a `sum` (or `min`/`max`) over them without
 * changing the answer: summing counts per stream then per group equals counting per group.
 */
const MERGEABLE: Readonly<Partial<Record<'sum' | 'min' | 'max', ReadonlySet<RangeAggregationOperator>>>> = {
  sum: new Set<RangeAggregationOperator>(['count_over_time', 'rate', 'bytes_over_time', 'bytes_rate', 'sum_over_time']),
  min: new Set<RangeAggregationOperator>(['min_over_time']),
  max: new Set<RangeAggregationOperator>(['max_over_time']),
};

/**
 * Translates a LogQL metric expression into a PromQL expression for the PromQL evaluator, which
 * then does all vector work (aggregations, binary operators and matching, `vector()`, `sort`,
 * `topk`, `label_replace`) with PromQL's semantics, which LogQL shares. Each range aggregation
 * becomes a selector `{__vigil_logql_range__="<i>"}` whose samples `evalRangeAggregation`
 * computes at exactly the step times; `ranges[i]` is the aggregation to compute.
 *
 * `sum by (x) (count_over_time(...))` (and the other mergeable pairs) pushes the grouping into
 * the range aggregation, as Loki does, so that per-line label sets never materialise.
 */
export function toPromql(expr: MetricExpr, ranges: RangeAggregationExpr[]): Expr {
  const pos = expr.pos;
  switch (expr.type) {
    case 'RangeAggregation': {
      ranges.push(expr);
      const selector: VectorSelector = {
        type: 'VectorSelector',
        name: '',
        matchers: [{ name: RANGE_SELECTOR_LABEL, op: '=', value: String(ranges.length - 1) }],
        offsetMs: 0,
        at: null,
        pos,
      };
      return selector;
    }
    case 'VectorAggregation': {
      if (expr.op === 'sort' || expr.op === 'sort_desc') return { type: 'Call', func: expr.op, args: [toPromql(expr.expr, ranges)], pos };
      let inner = expr.expr;
      const mergeable = (expr.op === 'sum' || expr.op === 'min' || expr.op === 'max') && MERGEABLE[expr.op];
      if (mergeable && expr.grouping && inner.type === 'RangeAggregation' && inner.grouping === null && mergeable.has(inner.op)) {
        inner = { ...inner, grouping: expr.grouping };
      }
      return {
        type: 'AggregateExpr',
        op: expr.op,
        expr: toPromql(inner, ranges),
        param: expr.param === null ? null : { type: 'NumberLiteral', value: expr.param, pos },
        grouping: expr.grouping?.labels ?? [],
        without: expr.grouping?.without ?? false,
        pos,
      };
    }
    case 'BinaryExpr':
      return {
        type: 'BinaryExpr',
        op: expr.op,
        lhs: toPromql(expr.lhs, ranges),
        rhs: toPromql(expr.rhs, ranges),
        returnBool: expr.returnBool,
        matching: expr.matching,
        pos,
      };
    case 'Literal':
      return { type: 'NumberLiteral', value: expr.value, pos };
    case 'Vector':
      return { type: 'Call', func: 'vector', args: [{ type: 'NumberLiteral', value: expr.value, pos }], pos };
    case 'LabelReplace':
      return {
        type: 'Call',
        func: 'label_replace',
        args: [
          toPromql(expr.expr, ranges),
          ...[expr.dst, expr.replacement, expr.src, expr.regex].map((value) => ({ type: 'StringLiteral' as const, value, pos })),
        ],
        pos,
      };
    case 'Paren':
      return { type: 'ParenExpr', expr: toPromql(expr.expr, ranges), pos };
    case 'Unary':
      return { type: 'UnaryExpr', op: expr.op, expr: toPromql(expr.expr, ranges), pos };
    default:
      return assertNever(expr);
  }
}
