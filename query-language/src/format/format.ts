import { assertNever, type AtModifier, type Expr, type LabelMatcher, type VectorSelector } from '../ast/ast.js';
import {
  formatDurationMs,
  formatNumberLiteral,
  goQuote,
  isLegacyLabelName,
  isLegacyMetricName,
} from '../ast/literals.js';

/**
 * Formats an expression on one line exactly as Prometheus' `Expr.String()`: normalised spacing,
 * lower-case keywords, matchers sorted, durations in canonical units (`90m` → `1h30m`), the
 * metric name outside the braces, parentheses kept as written. `parseQuery(formatExpr(e))`
 * yields an expression equal to `e` (positions aside).
 */
export function formatExpr(expr: Expr): string {
  switch (expr.type) {
    case 'NumberLiteral':
      if (expr.durationLiteral && Number.isFinite(expr.value)) {
        const ms = Math.round(expr.value * 1000);
        return ms < 0 ? `-${formatDurationMs(-ms)}` : formatDurationMs(ms);
      }
      return formatNumberLiteral(expr.value);
    case 'StringLiteral':
      return goQuote(expr.value);
    case 'VectorSelector':
      return formatVectorSelector(expr) + formatAt(expr.at) + formatOffset(expr.offsetMs);
    case 'MatrixSelector':
      return `${formatVectorSelector(expr.vector)}[${formatDurationMs(expr.rangeMs)}]${formatAt(expr.vector.at)}${formatOffset(expr.vector.offsetMs)}`;
    case 'SubqueryExpr': {
      const step = expr.stepMs === 0 ? '' : formatDurationMs(expr.stepMs);
      return `${formatTight(expr.expr)}[${formatDurationMs(expr.rangeMs)}:${step}]${formatAt(expr.at)}${formatOffset(expr.offsetMs)}`;
    }
    case 'AggregateExpr': {
      let out: string = expr.op;
      if (expr.without) out += ` without (${formatLabels(expr.grouping)}) `;
      else if (expr.grouping.length > 0) out += ` by (${formatLabels(expr.grouping)}) `;
      const param = expr.param ? `${formatExpr(expr.param)}, ` : '';
      return `${out}(${param}${formatExpr(expr.expr)})`;
    }
    case 'Call':
      return `${expr.func}(${expr.args.map(formatExpr).join(', ')})`;
    case 'BinaryExpr': {
      let modifiers = expr.returnBool ? ' bool' : '';
      const m = expr.matching;
      if (m) {
        const grouped = m.card === 'many-to-one' || m.card === 'one-to-many';
        if (m.labels.length > 0 || m.on || grouped) {
          modifiers += ` ${m.on ? 'on' : 'ignoring'} (${formatLabels(m.labels)})`;
        }
        if (grouped) {
          modifiers += ` group_${m.card === 'many-to-one' ? 'left' : 'right'} (${formatLabels(m.include)})`;
        }
      }
      const lhs = expr.op === '^' ? formatTight(expr.lhs) : formatExpr(expr.lhs);
      return `${lhs} ${expr.op}${modifiers} ${formatExpr(expr.rhs)}`;
    }
    case 'UnaryExpr':
      return `${expr.op}${formatExpr(expr.expr)}`;
    case 'ParenExpr':
      return `(${formatExpr(expr.expr)})`;
    default:
      return assertNever(expr);
  }
}

/**
 * Formats an operand that binds tighter than a unary sign (the base of `^` or of a subquery).
 * Positive infinity prints as `Inf` there: Prometheus' `+Inf` would re-parse as a unary plus
 * applied to the whole `Inf ^ x`, a different tree.
 */
function formatTight(expr: Expr): string {
  if (expr.type === 'NumberLiteral' && expr.value === Number.POSITIVE_INFINITY) return 'Inf';
  return formatExpr(expr);
}

/** Formats a label name, quoting it when it is not a legacy (unquoted) label name. */
export function formatLabelName(name: string): string {
  return isLegacyLabelName(name) ? name : goQuote(name);
}

function formatLabels(labels: string[]): string {
  return labels.map(formatLabelName).join(', ');
}

/** Formats one matcher as `name="value"` (operators `=`, `!=`, `=~`, `!~`). */
export function formatMatcher(m: LabelMatcher): string {
  return `${formatLabelName(m.name)}${m.op}${goQuote(m.value)}`;
}

/** Words that cannot stand as a metric name outside braces (they lex as keywords or numbers). */
const NOT_METRIC_NAMES = /^(on|ignoring|group_left|group_right|bool|atan2|inf|nan)$/i;

function formatVectorSelector(vs: VectorSelector): string {
  const parts: string[] = [];
  let skippedName = false;
  for (const m of vs.matchers) {
    if (!skippedName && vs.name !== '' && m.name === '__name__' && m.op === '=' && m.value === vs.name) {
      skippedName = true;
      continue;
    }
    parts.push(formatMatcher(m));
  }
  parts.sort();
  if (vs.name !== '' && (!isLegacyMetricName(vs.name) || NOT_METRIC_NAMES.test(vs.name))) {
    return `{${[goQuote(vs.name), ...parts].join(', ')}}`;
  }
  return parts.length > 0 ? `${vs.name}{${parts.join(', ')}}` : vs.name;
}

function formatAt(at: AtModifier | null): string {
  if (!at) return '';
  switch (at.type) {
    case 'start':
      return ' @ start()';
    case 'end':
      return ' @ end()';
    case 'timestamp':
      return ` @ ${(at.timestampMs / 1000).toFixed(3)}`;
    default:
      return assertNever(at);
  }
}

function formatOffset(offsetMs: number): string {
  if (offsetMs > 0) return ` offset ${formatDurationMs(offsetMs)}`;
  if (offsetMs < 0) return ` offset -${formatDurationMs(-offsetMs)}`;
  return '';
}
