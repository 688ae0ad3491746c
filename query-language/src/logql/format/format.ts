import { assertNever } from '../../ast/ast.js';
import { formatDurationMs, formatNumberLiteral, goQuote } from '../../ast/literals.js';
import { formatLabelName, formatMatcher } from '../../format/format.js';
import type {
  ExtractionParam,
  Grouping,
  LabelFilterExpr,
  LabelItem,
  LogqlExpr,
  LogRangeExpr,
  PipelineStage,
} from '../ast/ast.js';

/**
 * Formats a LogQL expression on one line, in the canonical form Loki's `String()` uses where it is
 * unambiguous: matchers as written, one space between pipeline stages, label filters compact
 * (`status>=400`), `and`/`or` between label filters with parentheses only where precedence needs
 * them, the range after the pipeline (`{app="x"} | json | unwrap d [5m] offset 1h`), metric
 * operators as in PromQL. `parseLogQL(formatLogQL(e))` yields an expression equal to `e`
 * (positions aside).
 *
 * @example formatLogQL(parseLogQLOrThrow('{app="x"}|="a"|json')) // '{app="x"} |= "a" | json'
 */
export function formatLogQL(expr: LogqlExpr): string {
  switch (expr.type) {
    case 'LogQuery':
      return formatSelector(expr.matchers) + formatStages(expr.pipeline);
    case 'RangeAggregation': {
      const param = expr.param === null ? '' : `${formatNumberLiteral(expr.param)}, `;
      return `${expr.op}(${param}${formatLogRange(expr.range)})${formatGrouping(expr.grouping, ' ')}`;
    }
    case 'VectorAggregation': {
      if (expr.op === 'sort' || expr.op === 'sort_desc') return `${expr.op}(${formatLogQL(expr.expr)})`;
      const grouping = formatGrouping(expr.grouping, '');
      const param = expr.param === null ? '' : `${formatNumberLiteral(expr.param)}, `;
      return `${expr.op}${grouping === '' ? '' : ` ${grouping} `}(${param}${formatLogQL(expr.expr)})`;
    }
    case 'BinaryExpr': {
      let modifiers = expr.returnBool ? ' bool' : '';
      const m = expr.matching;
      if (m) {
        const grouped = m.card === 'many-to-one' || m.card === 'one-to-many';
        if (m.labels.length > 0 || m.on || grouped) modifiers += ` ${m.on ? 'on' : 'ignoring'} (${m.labels.map(formatLabelName).join(', ')})`;
        if (grouped) modifiers += ` group_${m.card === 'many-to-one' ? 'left' : 'right'} (${m.include.map(formatLabelName).join(', ')})`;
      }
      return `${formatLogQL(expr.lhs)} ${expr.op}${modifiers} ${formatLogQL(expr.rhs)}`;
    }
    case 'Literal':
      return formatNumberLiteral(expr.value);
    case 'Vector':
      return `vector(${formatNumberLiteral(expr.value)})`;
    case 'LabelReplace':
      return `label_replace(${formatLogQL(expr.expr)}, ${[expr.dst, expr.replacement, expr.src, expr.regex].map(goQuote).join(', ')})`;
    case 'Paren':
      return `(${formatLogQL(expr.expr)})`;
    case 'Unary':
      return `${expr.op}${formatLogQL(expr.expr)}`;
    default:
      return assertNever(expr);
  }
}

function formatSelector(matchers: LogRangeExpr['matchers']): string {
  return `{${matchers.map(formatMatcher).join(', ')}}`;
}

function formatGrouping(g: Grouping | null, lead: string): string {
  if (!g) return '';
  return `${lead}${g.without ? 'without' : 'by'} (${g.labels.map(formatLabelName).join(', ')})`;
}

function formatLogRange(r: LogRangeExpr): string {
  let out = formatSelector(r.matchers) + formatStages(r.pipeline);
  if (r.unwrap) {
    const u = r.unwrap;
    out += ` | unwrap ${u.conversion === 'none' ? u.label : `${u.conversion}(${u.label})`}`;
    for (const f of u.postFilters) out += ` | ${formatLabelFilter(f)}`;
  }
  out += ` [${formatDurationMs(r.rangeMs)}]`;
  if (r.offsetMs > 0) out += ` offset ${formatDurationMs(r.offsetMs)}`;
  if (r.offsetMs < 0) out += ` offset -${formatDurationMs(-r.offsetMs)}`;
  return out;
}

function formatStages(stages: readonly PipelineStage[]): string {
  let out = '';
  for (const s of stages) out += ` ${formatStage(s)}`;
  return out;
}

function formatParams(params: readonly ExtractionParam[]): string {
  if (params.length === 0) return '';
  return ` ${params.map((p) => (p.label === p.path ? p.label : `${p.label}=${goQuote(p.path)}`)).join(', ')}`;
}

function formatItems(items: readonly LabelItem[]): string {
  return items.map((i) => (i.matcher ? formatMatcher(i.matcher) : i.name)).join(', ');
}

/** Formats one pipeline stage (`|= "x"`, `| json`, `| level="error"`, ...). */
export function formatStage(s: PipelineStage): string {
  switch (s.type) {
    case 'LineFilter':
      return `${s.op} ${s.values.map(goQuote).join(' or ')}`;
    case 'JsonParser':
      return `| json${formatParams(s.params)}`;
    case 'LogfmtParser':
      return `| logfmt${s.strict ? ' --strict' : ''}${s.keepEmpty ? ' --keep-empty' : ''}${formatParams(s.params)}`;
    case 'RegexpParser':
      return `| regexp ${goQuote(s.regex)}`;
    case 'PatternParser':
      return `| pattern ${goQuote(s.pattern)}`;
    case 'UnpackParser':
      return '| unpack';
    case 'LabelFilter':
      return `| ${formatLabelFilter(s.filter)}`;
    case 'LineFormat':
      return `| line_format ${goQuote(s.template)}`;
    case 'LabelFormat':
      return `| label_format ${s.ops.map((op) => (op.kind === 'rename' ? `${op.dst}=${op.src}` : `${op.dst}=${goQuote(op.template)}`)).join(', ')}`;
    case 'Drop':
      return `| drop ${formatItems(s.items)}`;
    case 'Keep':
      return `| keep ${formatItems(s.items)}`;
    case 'Decolorize':
      return '| decolorize';
    default:
      return assertNever(s);
  }
}

const PRECEDENCE = { or: 1, and: 2 } as const;

/** Formats a label filter expression (`a="b" and (c>1 or d<=1KB)`). */
export function formatLabelFilter(f: LabelFilterExpr): string {
  switch (f.type) {
    case 'LabelMatch':
      return formatMatcher(f.matcher);
    case 'NumberFilter':
      return `${formatLabelName(f.label)}${f.op}${formatNumberLiteral(f.value)}`;
    case 'DurationFilter':
      return `${formatLabelName(f.label)}${f.op}${f.text}`;
    case 'BytesFilter':
      return `${formatLabelName(f.label)}${f.op}${f.text}`;
    case 'LabelFilterBinary': {
      const p = PRECEDENCE[f.op];
      const side = (e: LabelFilterExpr, right: boolean): string => {
        const text = formatLabelFilter(e);
        if (e.type !== 'LabelFilterBinary') return text;
        const q = PRECEDENCE[e.op];
        return q < p || (right && q === p) ? `(${text})` : text;
      };
      return `${side(f.lhs, false)} ${f.op} ${side(f.rhs, true)}`;
    }
    default:
      return assertNever(f);
  }
}
