import type { CstNode, IToken } from 'chevrotain';
import { RE2JS } from 're2js';
import type { BinaryOperator, LabelMatcher, MatchOperator, Pos, VectorMatching } from '../../ast/ast.js';
import { isSetOperator } from '../../ast/ast.js';
import { parseNumberLiteral, unquoteString } from '../../ast/literals.js';
import { matchesEmpty } from '../../check/check.js';
import type {
  AggregateExprCstNode,
  BinModifiersCstNode,
  DurationValueCstNode,
  ExpressionCstNode,
  ExtractionParamsCstNode,
  FunctionCallCstNode,
  GroupingCstNode,
  LabelFilterAndCstNode,
  LabelFilterAtomCstNode,
  LabelFilterOrCstNode,
  LabelFilterPrimaryCstNode,
  LabelItemsCstNode,
  LabelListCstNode,
  LabelMatcherCstNode,
  LabelMatchersCstNode,
  LabelNameCstNode,
  LineFilterCstNode,
  LogExprCstNode,
  PipelineStageCstNode,
  PipeStageCstNode,
  PostfixExprCstNode,
  PowerExprCstNode,
  PrimaryExprCstNode,
  QueryCstNode,
  UnaryExprCstNode,
} from '../parser/cst.generated.js';
import { compileJsonPath } from '../pipeline/json-path.js';
import { compilePattern } from '../pipeline/pattern.js';
import { compileTemplate, TemplateError } from '../template/template.js';
import {
  type Grouping,
  type LabelComparisonOperator,
  type LabelFilterExpr,
  type LabelFormatOp,
  type LabelItem,
  type LineFilterOperator,
  type LogqlExpr,
  type LogQueryExpr,
  type LogRangeExpr,
  type MetricExpr,
  type PipelineStage,
  RANGE_AGGREGATIONS,
  type RangeAggregationOperator,
  type Unwrap,
  type UnwrapConversion,
  VECTOR_AGGREGATIONS,
  type VectorAggregationOperator,
} from './ast.js';
import { parseBytes, parseGoDurationSeconds, parseGoFloat } from './units.js';

/** A problem found while building the AST: where, and the message without position prefix. */
export interface LogqlBuildProblem {
  pos: Pos;
  detail: string;
}

/** What a sub-expression builds to: a query node, or a log range (only valid inside a range aggregation). */
type Built = LogqlExpr | LogRangeExpr | StringArg;

/** A string literal: only meaningful as an argument of `label_replace`. */
type StringArg = { type: 'String'; value: string; pos: Pos };

type UnwrapStage = { type: 'Unwrap'; label: string; conversion: UnwrapConversion; pos: Pos };

const SELECTOR_EMPTY_MESSAGE =
  'queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will';

function tokenPos(token: IToken): Pos {
  return { start: token.startOffset, end: token.startOffset + token.image.length };
}

function nodePos(node: CstNode): Pos {
  let start = Number.POSITIVE_INFINITY;
  let end = 0;
  const walk = (n: CstNode): void => {
    for (const children of Object.values(n.children)) {
      for (const child of children) {
        if ('image' in child) {
          if (Number.isNaN(child.startOffset)) continue;
          start = Math.min(start, child.startOffset);
          end = Math.max(end, child.startOffset + child.image.length);
        } else walk(child);
      }
    }
  };
  walk(node);
  return { start: Number.isFinite(start) ? start : 0, end };
}

function span(a: Pos, b: Pos): Pos {
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

/** The static type of a metric expression: `scalar` for literals and arithmetic on them, else `vector`. */
export function metricTypeOf(expr: MetricExpr): 'scalar' | 'vector' {
  switch (expr.type) {
    case 'Literal':
      return 'scalar';
    case 'Paren':
    case 'Unary':
      return metricTypeOf(expr.expr);
    case 'BinaryExpr':
      return metricTypeOf(expr.lhs) === 'scalar' && metricTypeOf(expr.rhs) === 'scalar' ? 'scalar' : 'vector';
    default:
      return 'vector';
  }
}

/**
 * Builds the LogQL AST from a CST of the `query` rule and collects every semantic problem Loki
 * reports while parsing: bad regular expressions, templates, patterns and JSON paths; misplaced
 * log ranges, `unwrap` and log queries; wrong range aggregation arguments and groupings; vector
 * matching misuse; selectors that match everything.
 */
export class LogqlAstBuilder {
  readonly problems: LogqlBuildProblem[] = [];

  build(cst: QueryCstNode): LogqlExpr | null {
    const built = this.expression(cst.children.expression[0]! as unknown as ExpressionCstNode);
    if (built.type === 'LogRange' || built.type === 'String') return this.metric(built);
    if (built.type === 'LogQuery') {
      const unwrap = this.rawStages.get(built)?.find((s) => s.type === 'Unwrap');
      if (unwrap) this.fail(unwrap.pos, 'unwrap is only allowed in a log range inside a range aggregation');
    }
    return built;
  }

  private fail(pos: Pos, detail: string): void {
    this.problems.push({ pos, detail });
  }

  private expression(node: ExpressionCstNode): Built {
    return this.binaryLevel(node.children.orExpr[0]!, 0);
  }

  /** Walks the five binary precedence levels shared with PromQL (or, and/unless, comparison, +-, * / %). */
  private binaryLevel(node: CstNode, level: number): Built {
    const c = node.children as unknown as {
      operands: CstNode[];
      operators?: IToken[];
      binModifiers?: BinModifiersCstNode[];
    };
    const next = (n: CstNode): Built => (level < 4 ? this.binaryLevel(n, level + 1) : this.unaryExpr(n as UnaryExprCstNode));
    let lhs = next(c.operands[0]!);
    (c.operators ?? []).forEach((opToken, i) => {
      const rhs = next(c.operands[i + 1]!);
      lhs = this.binary(lhs, opToken, c.binModifiers?.[i], rhs);
    });
    return lhs;
  }

  private unaryExpr(node: UnaryExprCstNode): Built {
    const c = node.children;
    if (c.powerExpr) return this.powerExpr(c.powerExpr[0]! as unknown as PowerExprCstNode);
    const sign = c.sign![0]!;
    const inner = this.unaryExpr(c.unaryExpr![0]!);
    const pos = span(tokenPos(sign), inner.pos);
    const op = sign.image === '-' ? '-' : '+';
    if (inner.type === 'Literal') return { ...inner, value: op === '-' ? -inner.value : inner.value, pos };
    const metric = this.metric(inner);
    return metric ? { type: 'Unary', op, expr: metric, pos } : inner;
  }

  private powerExpr(node: PowerExprCstNode): Built {
    const c = node.children;
    const base = this.postfixExpr(c.postfixExpr[0]! as unknown as PostfixExprCstNode);
    if (!c.Pow) return base;
    const exponent = this.unaryExpr(c.unaryExpr![0]!);
    return this.binary(base, c.Pow[0]!, c.binModifiers?.[0], exponent);
  }

  /** Accepts `built` as an operand of a metric expression, reporting log queries and bare ranges. */
  private metric(built: Built): MetricExpr | null {
    if (built.type === 'LogQuery') {
      this.fail(built.pos, 'log queries cannot be used in metric expressions; wrap them in a range aggregation such as count_over_time({...}[5m])');
      return null;
    }
    if (built.type === 'LogRange') {
      this.fail(built.pos, 'a log range is only allowed inside a range aggregation such as count_over_time(...)');
      return null;
    }
    if (built.type === 'String') {
      this.fail(built.pos, 'unexpected string: strings are only allowed as arguments of label_replace');
      return null;
    }
    return built;
  }

  private placeholder(pos: Pos): MetricExpr {
    return { type: 'Literal', value: 0, pos };
  }

  private binary(lhsBuilt: Built, opToken: IToken, mods: BinModifiersCstNode | undefined, rhsBuilt: Built): MetricExpr {
    const lhs = this.metric(lhsBuilt) ?? this.placeholder(lhsBuilt.pos);
    const rhs = this.metric(rhsBuilt) ?? this.placeholder(rhsBuilt.pos);
    const op = opToken.image.toLowerCase() as BinaryOperator;
    const pos = span(lhs.pos, rhs.pos);
    if (op === 'atan2') this.fail(tokenPos(opToken), 'unsupported binary operator "atan2" in LogQL');
    const m = mods?.children;
    let matching: VectorMatching | null = { card: 'one-to-one', on: false, labels: [], include: [] };
    if (m?.On || m?.Ignoring) {
      matching.on = Boolean(m.On);
      matching.labels = this.labelList(m.matchingLabels![0]!);
      if (m.GroupLeft || m.GroupRight) {
        matching.card = m.GroupLeft ? 'many-to-one' : 'one-to-many';
        matching.include = m.includeLabels ? this.labelList(m.includeLabels[0]!) : [];
      }
    }
    const lt = metricTypeOf(lhs);
    const rt = metricTypeOf(rhs);
    const comparison = op === '==' || op === '!=' || op === '<' || op === '<=' || op === '>' || op === '>=';
    if (m?.Bool && !comparison) this.fail(tokenPos(opToken), 'bool modifier can only be used on comparison operators');
    if (comparison && !m?.Bool && lt === 'scalar' && rt === 'scalar') {
      this.fail(tokenPos(opToken), 'comparisons between scalars must use BOOL modifier');
    }
    if (lt !== 'vector' || rt !== 'vector') {
      if (matching.labels.length > 0 || matching.card !== 'one-to-one') {
        this.fail(pos, 'vector matching only allowed between instant vectors');
      }
      if (isSetOperator(op)) this.fail(pos, `set operator "${op}" not allowed in binary scalar expression`);
      matching = null;
    } else if (isSetOperator(op)) {
      if (matching.card !== 'one-to-one') this.fail(pos, `no grouping allowed for "${op}" operation`);
      matching.card = 'many-to-many';
    }
    return { type: 'BinaryExpr', op, lhs, rhs, returnBool: Boolean(m?.Bool), matching, pos };
  }

  private postfixExpr(node: PostfixExprCstNode): Built {
    const c = node.children;
    const primary = this.primaryExpr(c.primaryExpr[0]!);
    if (!c.logRange) return primary;
    const rangeNode = c.logRange[0]!;
    const pos = nodePos(node);
    if (primary.type !== 'LogQuery') {
      if (primary.type === 'String') return primary;
      this.fail(nodePos(rangeNode), 'ranges are only allowed on log queries: {selector} | pipeline [5m]');
      return primary;
    }
    const rangeMs = this.duration(rangeNode.children.durationValue[0]!);
    if (rangeMs <= 0) this.fail(nodePos(rangeNode), 'range must be greater than 0');
    let offsetMs = 0;
    const offset = c.offsetModifier?.[0];
    if (offset) {
      offsetMs = this.duration(offset.children.durationValue[0]!);
      if (offset.children.sign?.[0]?.image === '-') offsetMs = -offsetMs;
    }
    const after = (c.stagesAfterRange ?? []).map((s) => this.pipelineStage(s));
    const all = [...this.rawStages.get(primary) ?? primary.pipeline, ...after];
    const { pipeline, unwrap } = this.splitUnwrap(all);
    return { type: 'LogRange', matchers: primary.matchers, pipeline, unwrap, rangeMs, offsetMs, pos };
  }

  /** Stages (with unwrap pseudo-stages) of each built log query, until a range claims them. */
  private readonly rawStages = new WeakMap<LogQueryExpr, Array<PipelineStage | UnwrapStage>>();

  private splitUnwrap(stages: Array<PipelineStage | UnwrapStage>): { pipeline: PipelineStage[]; unwrap: Unwrap | null } {
    const index = stages.findIndex((s) => s.type === 'Unwrap');
    if (index < 0) return { pipeline: stages as PipelineStage[], unwrap: null };
    const u = stages[index] as UnwrapStage;
    const postFilters: LabelFilterExpr[] = [];
    for (const s of stages.slice(index + 1)) {
      if (s.type === 'LabelFilter') postFilters.push(s.filter);
      else if (s.type === 'Unwrap') this.fail(s.pos, 'unwrap may be used only once in a log range');
      else this.fail(s.pos, 'only label filters are allowed after unwrap');
    }
    return {
      pipeline: stages.slice(0, index) as PipelineStage[],
      unwrap: { label: u.label, conversion: u.conversion, postFilters, pos: u.pos },
    };
  }

  private primaryExpr(node: PrimaryExprCstNode): Built {
    const c = node.children;
    if (c.NumberLike) {
      const token = c.NumberLike[0]!;
      return { type: 'Literal', value: this.number(token), pos: tokenPos(token) };
    }
    if (c.StringLiteral) {
      const token = c.StringLiteral[0]!;
      return { type: 'String', value: this.unquote(token), pos: tokenPos(token) };
    }
    if (c.parenExpr) {
      const paren = c.parenExpr[0]!;
      const inner = this.expression(paren.children.expression[0]! as unknown as ExpressionCstNode);
      const pos = nodePos(paren);
      if (inner.type === 'LogQuery') {
        // `({...} | json)[5m]`: the parentheses only delimit the log query.
        const widened: LogQueryExpr = { ...inner, pos };
        this.rawStages.set(widened, this.rawStages.get(inner) ?? inner.pipeline);
        return widened;
      }
      if (inner.type === 'LogRange' || inner.type === 'String') return { ...inner, pos };
      return { type: 'Paren', expr: inner, pos };
    }
    if (c.aggregateExpr) return this.aggregateExpr(c.aggregateExpr[0]!);
    if (c.functionCall) return this.functionCall(c.functionCall[0]!);
    return this.logExpr(c.logExpr![0]!);
  }

  private logExpr(node: LogExprCstNode): LogQueryExpr {
    const c = node.children;
    const matchers = this.labelMatchers(c.labelMatchers[0]!);
    const stages = (c.stages ?? []).map((s) => this.pipelineStage(s));
    const pipeline: PipelineStage[] = [];
    for (const s of stages) if (s.type !== 'Unwrap') pipeline.push(s);
    const expr: LogQueryExpr = { type: 'LogQuery', matchers, pipeline, pos: nodePos(node) };
    this.rawStages.set(expr, stages);
    return expr;
  }

  private labelMatchers(node: LabelMatchersCstNode): LabelMatcher[] {
    const matchers = (node.children.matchers ?? []).map((m) => this.labelMatcher(m));
    if (!matchers.some((m) => !matchesEmpty(m))) this.fail(nodePos(node), SELECTOR_EMPTY_MESSAGE);
    return matchers;
  }

  private labelMatcher(node: LabelMatcherCstNode): LabelMatcher {
    const c = node.children;
    let name: string;
    if (c.Identifier) name = c.Identifier[0]!.image;
    else {
      name = this.unquote(c.quotedName![0]!);
      if (!c.MatchOp) {
        this.fail(nodePos(node), `unexpected string ${JSON.stringify(name)} in stream selector, expected label matcher`);
        return { name, op: '=', value: '' };
      }
    }
    const op = c.MatchOp![0]!.image as MatchOperator;
    const value = this.unquote(c.value![0]!);
    if (op === '=~' || op === '!~') this.checkRegex(value, nodePos(node));
    return { name, op, value };
  }

  private pipelineStage(node: PipelineStageCstNode): PipelineStage | UnwrapStage {
    const c = node.children;
    if (c.lineFilter) return this.lineFilter(c.lineFilter[0]!);
    return this.pipeStage(c.pipeStage![0]!, nodePos(node));
  }

  private lineFilter(node: LineFilterCstNode): PipelineStage {
    const c = node.children;
    const op = c.op![0]!.image as LineFilterOperator;
    const pos = nodePos(node);
    const values = c.values.map((t) => this.unquote(t));
    for (const [i, v] of values.entries()) {
      const at = tokenPos(c.values[i]!);
      if (op === '|~' || op === '!~') this.checkRegex(v, at);
      if (op === '|>' || op === '!>') {
        try {
          compilePattern(v, false);
        } catch (err) {
          this.fail(at, (err as Error).message);
        }
      }
    }
    return { type: 'LineFilter', op, values, pos };
  }

  private pipeStage(node: PipeStageCstNode, pos: Pos): PipelineStage | UnwrapStage {
    const c = node.children;
    if (c.Json) return { type: 'JsonParser', params: this.extractionParams(c.extractionParams?.[0], true), pos };
    if (c.Logfmt) {
      const flags = (c.ParserFlag ?? []).map((t) => t.image);
      return {
        type: 'LogfmtParser',
        strict: flags.includes('--strict'),
        keepEmpty: flags.includes('--keep-empty'),
        params: this.extractionParams(c.extractionParams?.[0], false),
        pos,
      };
    }
    if (c.Regexp) {
      const token = c.argument![0]!;
      const regex = this.unquote(token);
      this.checkParserRegex(regex, tokenPos(token));
      return { type: 'RegexpParser', regex, pos };
    }
    if (c.Pattern) {
      const token = c.argument![0]!;
      const pattern = this.unquote(token);
      try {
        compilePattern(pattern, true);
      } catch (err) {
        this.fail(tokenPos(token), (err as Error).message);
      }
      return { type: 'PatternParser', pattern, pos };
    }
    if (c.Unpack) return { type: 'UnpackParser', pos };
    if (c.LineFormat) {
      const token = c.argument![0]!;
      const template = this.unquote(token);
      this.checkTemplate(template, 'line', tokenPos(token), 'invalid line template');
      return { type: 'LineFormat', template, pos };
    }
    if (c.LabelFormat) {
      const ops: LabelFormatOp[] = [];
      const seen = new Set<string>();
      for (const item of c.formatItems ?? []) {
        const ic = item.children;
        const dst = ic.dst[0]!.image;
        if (seen.has(dst)) this.fail(nodePos(item), `multiple label name '${dst}' not allowed in a single format operation`);
        seen.add(dst);
        if (ic.src) ops.push({ kind: 'rename', dst, src: ic.src[0]!.image });
        else {
          const template = this.unquote(ic.template![0]!);
          this.checkTemplate(template, 'label', tokenPos(ic.template![0]!), 'invalid label template');
          ops.push({ kind: 'template', dst, template });
        }
      }
      return { type: 'LabelFormat', ops, pos };
    }
    if (c.Drop) return { type: 'Drop', items: this.labelItems(c.labelItems![0]!), pos };
    if (c.Keep) return { type: 'Keep', items: this.labelItems(c.labelItems![0]!), pos };
    if (c.Decolorize) return { type: 'Decolorize', pos };
    if (c.Unwrap) {
      const t = c.unwrapTarget![0]!.children;
      const label = t.label![0]!.image;
      let conversion: UnwrapConversion = 'none';
      if (t.conversion) {
        const name = t.conversion[0]!.image;
        if (name === 'duration' || name === 'duration_seconds' || name === 'bytes') conversion = name;
        else this.fail(tokenPos(t.conversion[0]!), `invalid conversion function "${name}": expected duration, duration_seconds or bytes`);
      }
      return { type: 'Unwrap', label, conversion, pos };
    }
    return { type: 'LabelFilter', filter: this.labelFilterOr(c.labelFilterOr![0]!), pos };
  }

  private extractionParams(node: ExtractionParamsCstNode | undefined, json: boolean): Array<{ label: string; path: string }> {
    if (!node) return [];
    return node.children.params.map((p) => {
      const label = p.children.name[0]!.image;
      const pathToken = p.children.path?.[0];
      const path = pathToken ? this.unquote(pathToken) : label;
      if (json && pathToken) {
        try {
          compileJsonPath(path);
        } catch (err) {
          this.fail(tokenPos(pathToken), (err as Error).message);
        }
      }
      return { label, path };
    });
  }

  private labelItems(node: LabelItemsCstNode): LabelItem[] {
    return node.children.items.map((item) => {
      const ic = item.children;
      const name = ic.name[0]!.image;
      if (!ic.MatchOp) return { name, matcher: null };
      const op = ic.MatchOp[0]!.image as MatchOperator;
      const value = this.unquote(ic.value![0]!);
      if (op === '=~' || op === '!~') this.checkRegex(value, nodePos(item));
      return { name, matcher: { name, op, value } };
    });
  }

  private labelFilterOr(node: LabelFilterOrCstNode): LabelFilterExpr {
    const operands = node.children.operands.map((n) => this.labelFilterAnd(n));
    return operands.reduce((lhs, rhs) => ({ type: 'LabelFilterBinary', op: 'or', lhs, rhs, pos: span(lhs.pos, rhs.pos) }));
  }

  private labelFilterAnd(node: LabelFilterAndCstNode): LabelFilterExpr {
    const operands = node.children.operands.map((n) => this.labelFilterPrimary(n));
    return operands.reduce((lhs, rhs) => ({ type: 'LabelFilterBinary', op: 'and', lhs, rhs, pos: span(lhs.pos, rhs.pos) }));
  }

  private labelFilterPrimary(node: LabelFilterPrimaryCstNode): LabelFilterExpr {
    const c = node.children;
    if (c.labelFilterOr) return { ...this.labelFilterOr(c.labelFilterOr[0]!), pos: nodePos(node) };
    return this.labelFilterAtom(c.labelFilterAtom![0]!);
  }

  private labelFilterAtom(node: LabelFilterAtomCstNode): LabelFilterExpr {
    const c = node.children;
    const label = c.name[0]!.image;
    const opToken = c.op![0]!;
    const opText = opToken.image;
    const pos = nodePos(node);
    if (c.string) {
      const value = this.unquote(c.string[0]!);
      const op = opText === '==' ? '=' : opText;
      if (op !== '=' && op !== '!=' && op !== '=~' && op !== '!~') {
        this.fail(tokenPos(opToken), `invalid label filter: operator ${opText} needs a number, a duration or a byte size, got a string`);
        return { type: 'LabelMatch', matcher: { name: label, op: '=', value }, pos };
      }
      if (op === '=~' || op === '!~') this.checkRegex(value, pos);
      return { type: 'LabelMatch', matcher: { name: label, op, value }, pos };
    }
    if (opText === '=~' || opText === '!~') {
      this.fail(tokenPos(opToken), `invalid label filter: operator ${opText} needs a string`);
    }
    const op = (opText === '=' ? '==' : opText === '=~' ? '==' : opText === '!~' ? '!=' : opText) as LabelComparisonOperator;
    const negative = c.sign?.[0]?.image === '-';
    if (c.bytes) {
      const text = c.bytes[0]!.image;
      const bytes = parseBytes(text);
      if (bytes === undefined) this.fail(tokenPos(c.bytes[0]!), `invalid byte size ${JSON.stringify(text)}`);
      return { type: 'BytesFilter', label, op, bytes: bytes ?? 0, text, pos };
    }
    if (c.duration) {
      const token = c.duration[0]!;
      const seconds = parseGoDurationSeconds(token.image);
      if (seconds === undefined) this.fail(tokenPos(token), `invalid duration ${JSON.stringify(token.image)}`);
      const text = (negative ? '-' : '') + token.image;
      return { type: 'DurationFilter', label, op, seconds: (negative ? -1 : 1) * (seconds ?? 0), text, pos };
    }
    const value = this.number(c.number![0]!);
    return { type: 'NumberFilter', label, op, value: negative ? -value : value, pos };
  }

  private aggregateExpr(node: AggregateExprCstNode): MetricExpr {
    const c = node.children;
    const opToken = c.AggregateOp[0]!;
    const op = opToken.image.toLowerCase();
    const pos = nodePos(node);
    if (c.groupingBefore && c.groupingAfter) {
      this.fail(nodePos(c.groupingAfter[0]!), 'grouping may be written before or after the arguments, not both');
    }
    const groupingNode = c.groupingBefore?.[0] ?? c.groupingAfter?.[0];
    const grouping = groupingNode ? this.grouping(groupingNode) : null;
    const args = (c.callArguments[0]!.children.args ?? []).map((a) => this.expression(a as unknown as ExpressionCstNode));
    if (!(op in VECTOR_AGGREGATIONS) || op === 'sort' || op === 'sort_desc') {
      this.fail(tokenPos(opToken), `unsupported vector aggregation "${op}" in LogQL`);
      return this.placeholder(pos);
    }
    const aggregation = op as VectorAggregationOperator;
    const wanted = VECTOR_AGGREGATIONS[aggregation].param ? 2 : 1;
    if (args.length !== wanted) {
      this.fail(pos, `wrong number of arguments for aggregation ${op}: expected ${wanted}, got ${args.length}`);
      return this.placeholder(pos);
    }
    let param: number | null = null;
    if (wanted === 2) {
      const p = args[0]!;
      if (p.type !== 'Literal' || !Number.isInteger(p.value) || p.value < 0) {
        this.fail(p.pos, `invalid parameter for ${op}: expected a non-negative integer literal`);
      } else param = p.value;
    }
    const metric = this.metric(args[wanted - 1]!);
    if (metric && metricTypeOf(metric) !== 'vector') this.fail(metric.pos, `expected an instant vector in aggregation ${op}, got a scalar`);
    return { type: 'VectorAggregation', op: aggregation, param, expr: metric ?? this.placeholder(pos), grouping, pos };
  }

  private grouping(node: GroupingCstNode): Grouping {
    return { without: Boolean(node.children.Without), labels: this.labelList(node.children.labelList[0]!) };
  }

  private functionCall(node: FunctionCallCstNode): MetricExpr {
    const c = node.children;
    const nameToken = c.Identifier[0]!;
    const name = nameToken.image;
    const pos = nodePos(node);
    const args = (c.callArguments[0]!.children.args ?? []).map((a) => this.expression(a as unknown as ExpressionCstNode));
    const grouping = c.grouping ? this.grouping(c.grouping[0]!) : null;
    if (name in RANGE_AGGREGATIONS) return this.rangeAggregation(name as RangeAggregationOperator, args, grouping, pos, c.grouping?.[0]);
    if (grouping) this.fail(nodePos(c.grouping![0]!), `grouping not allowed for ${name}`);
    switch (name) {
      case 'vector': {
        const arg = args[0];
        if (args.length !== 1 || arg?.type !== 'Literal') {
          this.fail(pos, 'vector() takes exactly one number literal');
          return this.placeholder(pos);
        }
        return { type: 'Vector', value: arg.value, pos };
      }
      case 'sort':
      case 'sort_desc': {
        if (args.length !== 1) {
          this.fail(pos, `${name}() takes exactly one argument`);
          return this.placeholder(pos);
        }
        const expr = this.metric(args[0]!) ?? this.placeholder(pos);
        return { type: 'VectorAggregation', op: name, param: null, expr, grouping: null, pos };
      }
      case 'label_replace': {
        if (args.length !== 5) {
          this.fail(pos, `label_replace() takes 5 arguments, got ${args.length}`);
          return this.placeholder(pos);
        }
        const strings = args.slice(1).map((a) => {
          if (a.type === 'String') return a.value;
          this.fail(a.pos, 'label_replace() expects string literals after the vector');
          return '';
        });
        const [dst = '', replacement = '', src = '', regex = ''] = strings;
        try {
          RE2JS.compile(`^(?:${regex})$`);
        } catch (err) {
          this.fail(pos, `invalid regular expression in label_replace(): ${(err as Error).message}`);
        }
        const expr = this.metric(args[0]!) ?? this.placeholder(pos);
        return { type: 'LabelReplace', expr, dst, replacement, src, regex, pos };
      }
      default:
        this.fail(tokenPos(nameToken), `unknown function with name "${name}"`);
        return this.placeholder(pos);
    }
  }

  private rangeAggregation(
    op: RangeAggregationOperator,
    args: Built[],
    grouping: Grouping | null,
    pos: Pos,
    groupingNode: GroupingCstNode | undefined,
  ): MetricExpr {
    const sig = RANGE_AGGREGATIONS[op];
    const wanted = sig.param ? 2 : 1;
    if (args.length !== wanted) {
      this.fail(pos, `wrong number of arguments for ${op}: expected ${wanted}, got ${args.length}`);
      return this.placeholder(pos);
    }
    let param: number | null = null;
    if (sig.param) {
      const p = args[0]!;
      if (p.type !== 'Literal') this.fail(p.pos, `invalid parameter for ${op}: expected a number literal`);
      else param = p.value;
    }
    const arg = args[wanted - 1]!;
    if (arg.type !== 'LogRange') {
      this.fail(arg.pos, `expected a log range such as {app="x"}[5m] in ${op}`);
      return this.placeholder(pos);
    }
    if (grouping && !sig.grouping) this.fail(groupingNode ? nodePos(groupingNode) : pos, `grouping not allowed for ${op} aggregation`);
    if (arg.unwrap && sig.unwrap === false) this.fail(arg.unwrap.pos, `invalid aggregation ${op} with unwrap`);
    if (!arg.unwrap && sig.unwrap === true) this.fail(pos, `invalid aggregation ${op} without unwrap`);
    return { type: 'RangeAggregation', op, param, range: arg, grouping, pos };
  }

  private labelList(node: LabelListCstNode): string[] {
    return (node.children.labels ?? []).map((l) => this.labelName(l));
  }

  private labelName(node: LabelNameCstNode): string {
    const c = node.children;
    if (c.StringLiteral) return this.unquote(c.StringLiteral[0]!);
    return c.LabelNameLike![0]!.image;
  }

  /** Milliseconds of a `[range]` or `offset` value; plain numbers are seconds. */
  private duration(node: DurationValueCstNode): number {
    const c = node.children;
    const token = c.Duration?.[0] ?? c.NumberLiteral![0]!;
    const seconds = c.Duration ? parseGoDurationSeconds(token.image) : parseGoFloat(token.image);
    if (seconds === undefined || !Number.isFinite(seconds)) {
      this.fail(tokenPos(token), `not a valid duration string: ${JSON.stringify(token.image)}`);
      return 0;
    }
    return Math.round(seconds * 1000);
  }

  private number(token: IToken): number {
    const v = parseGoFloat(token.image) ?? parseNumberLiteral(token.image);
    if (Number.isNaN(v) && !/^nan$/i.test(token.image)) this.fail(tokenPos(token), `invalid number ${JSON.stringify(token.image)}`);
    return v;
  }

  private unquote(token: IToken): string {
    const result = unquoteString(token.image);
    if ('error' in result) {
      this.fail(tokenPos(token), `error unquoting string ${JSON.stringify(token.image)}: ${result.error}`);
      return '';
    }
    return result.value;
  }

  private checkRegex(source: string, pos: Pos): void {
    try {
      RE2JS.compile(source);
    } catch (err) {
      this.fail(pos, `invalid regular expression ${JSON.stringify(source)}: ${(err as Error).message}`);
    }
  }

  private checkParserRegex(source: string, pos: Pos): void {
    let re: RE2JS;
    try {
      re = RE2JS.compile(source);
    } catch (err) {
      this.fail(pos, `invalid regular expression ${JSON.stringify(source)}: ${(err as Error).message}`);
      return;
    }
    const names = Object.keys(re.namedGroups());
    if (names.length === 0) this.fail(pos, 'at least one named capture must be supplied');
    for (const name of names) {
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) this.fail(pos, `invalid extracted label name '${name}'`);
    }
  }

  private checkTemplate(source: string, name: string, pos: Pos, prefix: string): void {
    try {
      compileTemplate(source, name);
    } catch (err) {
      if (err instanceof TemplateError) this.fail(pos, `${prefix}: ${err.message}`);
      else throw err;
    }
  }
}
