import { assertNever, type Expr } from '../ast/ast.js';
import { formatExpr, formatLabelName } from './format.js';

/** The line length above which `prettyFormatExpr` splits an expression, as Prometheus. */
export const MAX_CHARACTERS_PER_LINE = 100;

function indent(level: number): string {
  return '  '.repeat(level);
}

function needsSplit(expr: Expr): boolean {
  return formatExpr(expr).length > MAX_CHARACTERS_PER_LINE;
}

function matchingSuffix(expr: Extract<Expr, { type: 'BinaryExpr' }>): string {
  // The one-line form already knows how to print modifiers; take them from between the operands.
  const whole = formatExpr({ ...expr, lhs: { type: 'NumberLiteral', value: 0, pos: expr.pos }, rhs: { type: 'NumberLiteral', value: 0, pos: expr.pos } });
  return whole.slice(2, -2);
}

function pretty(expr: Expr, level: number): string {
  if (!needsSplit(expr)) return indent(level) + formatExpr(expr);
  switch (expr.type) {
    case 'NumberLiteral':
    case 'StringLiteral':
    case 'VectorSelector':
    case 'MatrixSelector':
      return indent(level) + formatExpr(expr);
    case 'AggregateExpr': {
      let head: string = expr.op;
      if (expr.without) head += ` without (${expr.grouping.map(formatLabelName).join(', ')}) `;
      else if (expr.grouping.length > 0) head += ` by (${expr.grouping.map(formatLabelName).join(', ')}) `;
      const param = expr.param ? `${pretty(expr.param, level + 1)},\n` : '';
      return `${indent(level)}${head}(\n${param}${pretty(expr.expr, level + 1)}\n${indent(level)})`;
    }
    case 'Call':
      return `${indent(level)}${expr.func}(\n${expr.args.map((a) => pretty(a, level + 1)).join(',\n')}\n${indent(level)})`;
    case 'BinaryExpr':
      return `${expr.op === '^' ? prettyTight(expr.lhs, level + 1) : pretty(expr.lhs, level + 1)}\n${indent(level)}${matchingSuffix(expr)}\n${pretty(expr.rhs, level + 1)}`;
    case 'ParenExpr':
      return `${indent(level)}(\n${pretty(expr.expr, level + 1)}\n${indent(level)})`;
    case 'UnaryExpr':
      return `${indent(level)}${expr.op}${pretty(expr.expr, level).trim()}`;
    case 'SubqueryExpr': {
      const oneLine = formatExpr(expr);
      const suffix = oneLine.slice(formatExpr(expr.expr).length);
      return prettyTight(expr.expr, level) + suffix;
    }
    default:
      return assertNever(expr);
  }
}

/** Like `pretty` for an operand that binds tighter than a sign; see `formatTight` in format.ts. */
function prettyTight(expr: Expr, level: number): string {
  if (expr.type === 'NumberLiteral' && expr.value === Number.POSITIVE_INFINITY) return `${indent(level)}Inf`;
  return pretty(expr, level);
}

/**
 * Formats an expression as Prometheus' `/api/v1/format_query` does (`parser.Prettify`): one line
 * when it fits in 100 characters, otherwise split with two-space indentation — aggregation and
 * call arguments on their own lines, binary operands above and below their operator.
 */
export function prettyFormatExpr(expr: Expr): string {
  return pretty(expr, 0);
}
