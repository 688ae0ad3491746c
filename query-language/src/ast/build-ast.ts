import { type CstNode, type IToken, tokenMatcher } from 'chevrotain';
import { RE2JS } from 're2js';
import { getFunction } from '../functions.js';
import * as T from '../lexer/tokens.js';
import type {
  AdditiveExprCstNode,
  AggregateExprCstNode,
  AndExprCstNode,
  AtModifierCstNode,
  BinModifiersCstNode,
  CallArgumentsCstNode,
  ComparisonExprCstNode,
  DurationValueCstNode,
  ExpressionCstNode,
  FunctionCallCstNode,
  LabelListCstNode,
  LabelMatcherCstNode,
  LabelNameCstNode,
  MultiplicativeExprCstNode,
  OffsetModifierCstNode,
  OrExprCstNode,
  PostfixExprCstNode,
  PowerExprCstNode,
  PrimaryExprCstNode,
  QueryCstNode,
  RangeSuffixCstNode,
  UnaryExprCstNode,
  VectorSelectorCstNode,
} from '../parser/cst.generated.js';
import {
  type AggregateOperator,
  type AtModifier,
  type BinaryOperator,
  type Expr,
  isSetOperator,
  type LabelMatcher,
  type MatchOperator,
  type Pos,
  type VectorMatching,
  type VectorSelector,
} from './ast.js';
import { isNumberOutOfRange, parseDurationMs, parseNumberLiteral, unquoteString } from './literals.js';
import { typeOf } from './type-of.js';

/** A problem found while building the AST: where, and the message without position prefix. */
export interface BuildProblem {
  pos: Pos;
  detail: string;
}

const AGGREGATORS_WITH_PARAM = new Set<AggregateOperator>([
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'limitk',
  'limit_ratio',
]);

function tokenPos(token: IToken): Pos {
  return { start: token.startOffset, end: token.startOffset + token.image.length };
}

/** The span of a CST node, computed from its tokens (Chevrotain's own end offsets are not used). */
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

/**
 * Builds the AST from a CST of the `query` rule: a typed walk over the generated CST node types.
 * Semantic problems that Prometheus reports while parsing (bad durations, offset on a function
 * call, unknown functions, bad regular expressions, ...) are collected in `problems`; the builder
 * always returns a tree, with placeholders where a part was unusable.
 */
export class AstBuilder {
  readonly problems: BuildProblem[] = [];

  /** Builds the expression of a `query` CST node. */
  build(cst: QueryCstNode): Expr {
    return this.expression(cst.children.expression[0]!);
  }

  private fail(pos: Pos, detail: string): void {
    this.problems.push({ pos, detail });
  }

  private expression(node: ExpressionCstNode): Expr {
    return this.orExpr(node.children.orExpr[0]!);
  }

  private binaryChain<N>(
    operands: N[],
    operators: IToken[] | undefined,
    modifiers: BinModifiersCstNode[] | undefined,
    build: (node: N) => Expr,
  ): Expr {
    let lhs = build(operands[0]!);
    (operators ?? []).forEach((opToken, i) => {
      const rhs = build(operands[i + 1]!);
      lhs = this.binary(lhs, opToken, modifiers?.[i], rhs);
    });
    return lhs;
  }

  private orExpr(node: OrExprCstNode): Expr {
    const c = node.children;
    return this.binaryChain(c.operands, c.operators, c.binModifiers, (n) => this.andExpr(n));
  }

  private andExpr(node: AndExprCstNode): Expr {
    const c = node.children;
    return this.binaryChain(c.operands, c.operators, c.binModifiers, (n) => this.comparisonExpr(n));
  }

  private comparisonExpr(node: ComparisonExprCstNode): Expr {
    const c = node.children;
    return this.binaryChain(c.operands, c.operators, c.binModifiers, (n) => this.additiveExpr(n));
  }

  private additiveExpr(node: AdditiveExprCstNode): Expr {
    const c = node.children;
    return this.binaryChain(c.operands, c.operators, c.binModifiers, (n) => this.multiplicativeExpr(n));
  }

  private multiplicativeExpr(node: MultiplicativeExprCstNode): Expr {
    const c = node.children;
    return this.binaryChain(c.operands, c.operators, c.binModifiers, (n) => this.unaryExpr(n));
  }

  private unaryExpr(node: UnaryExprCstNode): Expr {
    const c = node.children;
    if (c.powerExpr) return this.powerExpr(c.powerExpr[0]!);
    const sign = c.sign![0]!;
    const inner = this.unaryExpr(c.unaryExpr![0]!);
    const pos = span(tokenPos(sign), inner.pos);
    const op = sign.image === '-' ? '-' : '+';
    // Prometheus folds a sign into a number literal directly behind it: `-1` is a literal.
    if (inner.type === 'NumberLiteral') {
      return { ...inner, value: op === '-' ? -inner.value : inner.value, pos };
    }
    return { type: 'UnaryExpr', op, expr: inner, pos };
  }

  private powerExpr(node: PowerExprCstNode): Expr {
    const c = node.children;
    const base = this.postfixExpr(c.postfixExpr[0]!);
    if (!c.Pow) return base;
    const exponent = this.unaryExpr(c.unaryExpr![0]!);
    return this.binary(base, c.Pow[0]!, c.binModifiers?.[0], exponent);
  }

  private binary(lhs: Expr, opToken: IToken, mods: BinModifiersCstNode | undefined, rhs: Expr): Expr {
    const op = opToken.image.toLowerCase() as BinaryOperator;
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
    const lt = typeOf(lhs);
    const rt = typeOf(rhs);
    if (lt !== 'vector' || rt !== 'vector') {
      // Matching clauses only make sense between two vectors; the checker reports misuse.
      if (matching.labels.length > 0) {
        this.typeProblems.push({ pos: span(lhs.pos, rhs.pos), detail: 'vector matching only allowed between instant vectors' });
      }
      matching = null;
    } else if (isSetOperator(op) && matching.card === 'one-to-one') {
      matching.card = 'many-to-many';
    } else if (isSetOperator(op)) {
      this.typeProblems.push({ pos: span(lhs.pos, rhs.pos), detail: `no grouping allowed for "${op}" operation` });
    }
    return {
      type: 'BinaryExpr',
      op,
      lhs,
      rhs,
      returnBool: Boolean(m?.Bool),
      matching,
      pos: span(lhs.pos, rhs.pos),
    };
  }

  /**
   * Problems Prometheus finds while type checking (misplaced matching clauses): reported with the
   * checker's problems, and only when the text has no syntax errors.
   */
  readonly typeProblems: BuildProblem[] = [];

  private postfixExpr(node: PostfixExprCstNode): Expr {
    const c = node.children;
    let expr = this.primaryExpr(c.primaryExpr[0]!);
    const suffixes: CstNode[] = [...(c.rangeSuffix ?? []), ...(c.offsetModifier ?? []), ...(c.atModifier ?? [])];
    suffixes.sort((a, b) => (a.location?.startOffset ?? 0) - (b.location?.startOffset ?? 0));
    for (const suffix of suffixes) {
      if (suffix.name === 'rangeSuffix') expr = this.applyRange(expr, suffix as RangeSuffixCstNode);
      else if (suffix.name === 'offsetModifier') expr = this.applyOffset(expr, suffix as OffsetModifierCstNode);
      else expr = this.applyAt(expr, suffix as AtModifierCstNode);
    }
    return expr;
  }

  private applyRange(expr: Expr, node: RangeSuffixCstNode): Expr {
    const c = node.children;
    const pos = span(expr.pos, nodePos(node));
    const problemsBefore = this.problems.length;
    const rangeMs = this.durationValue(c.range[0]!, false);
    if (c.Colon) {
      const stepMs = c.step ? this.durationValue(c.step[0]!, false) : 0;
      return { type: 'SubqueryExpr', expr, rangeMs, stepMs, offsetMs: 0, at: null, pos };
    }
    const bracketPos = nodePos(node);
    if (expr.type !== 'VectorSelector') {
      this.fail(bracketPos, 'ranges only allowed for vector selectors');
      return expr;
    }
    if (expr.offsetMs !== 0) this.fail(bracketPos, 'no offset modifiers allowed before range');
    if (expr.at) this.fail(bracketPos, 'no @ modifiers allowed before range');
    if (rangeMs === 0 && this.problems.length === problemsBefore) {
      this.fail(nodePos(c.range[0]!), 'duration must be greater than 0');
    }
    return { type: 'MatrixSelector', vector: expr, rangeMs, pos };
  }

  private applyOffset(expr: Expr, node: OffsetModifierCstNode): Expr {
    const c = node.children;
    const pos = span(expr.pos, nodePos(node));
    let offsetMs = this.durationValue(c.durationValue[0]!, true);
    if (c.sign?.[0]?.image === '-') offsetMs = -offsetMs;
    const target = expr.type === 'MatrixSelector' ? expr.vector : expr;
    if (target.type !== 'VectorSelector' && target.type !== 'SubqueryExpr') {
      this.fail(pos, 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery');
      return expr;
    }
    if (target.offsetMs !== 0) this.fail(pos, 'offset may not be set multiple times');
    else target.offsetMs = offsetMs;
    target.pos = target === expr ? pos : target.pos;
    return { ...expr, pos } as Expr;
  }

  private applyAt(expr: Expr, node: AtModifierCstNode): Expr {
    const c = node.children;
    const pos = span(expr.pos, nodePos(node));
    let at: AtModifier;
    if (c.Start) at = { type: 'start' };
    else if (c.End) at = { type: 'end' };
    else {
      let seconds = this.number(c.NumberLike![0]!);
      if (c.sign?.[0]?.image === '-') seconds = -seconds;
      if (!Number.isFinite(seconds) || Math.abs(seconds * 1000) >= 2 ** 63 / 1000) {
        this.fail(pos, `timestamp out of bounds for @ modifier: ${goFloatF(seconds)}`);
        return expr;
      }
      at = { type: 'timestamp', timestampMs: Math.round(seconds * 1000) };
    }
    const target = expr.type === 'MatrixSelector' ? expr.vector : expr;
    if (target.type !== 'VectorSelector' && target.type !== 'SubqueryExpr') {
      this.fail(pos, '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery');
      return expr;
    }
    if (target.at) {
      this.fail(pos, '@ <timestamp> may not be set multiple times');
      return expr;
    }
    target.at = at;
    target.pos = target === expr ? pos : target.pos;
    return { ...expr, pos } as Expr;
  }

  /** Milliseconds of a `[range]`, `[:step]` or `offset` value; numbers are seconds. */
  private durationValue(node: DurationValueCstNode, allowZero: boolean): number {
    const c = node.children;
    if (c.Duration) {
      const token = c.Duration[0]!;
      const parsed = parseDurationMs(token.image);
      if ('error' in parsed) {
        this.fail(tokenPos(token), parsed.error);
        return 0;
      }
      return parsed.ms;
    }
    const token = c.NumberLiteral![0]!;
    const seconds = this.number(token);
    if (!Number.isFinite(seconds) || Math.abs(seconds) > 2 ** 63 / 1e9) {
      this.fail(tokenPos(token), `duration out of range: ${token.image}`);
      return 0;
    }
    const ms = Math.round(seconds * 1000);
    if (!allowZero && ms === 0 && seconds !== 0) this.fail(tokenPos(token), 'duration must be greater than 0');
    return ms;
  }

  private primaryExpr(node: PrimaryExprCstNode): Expr {
    const c = node.children;
    if (c.NumberLike) {
      const token = c.NumberLike[0]!;
      return { type: 'NumberLiteral', value: this.number(token), pos: tokenPos(token) };
    }
    if (c.Duration) {
      const token = c.Duration[0]!;
      const parsed = parseDurationMs(token.image);
      if ('error' in parsed) this.fail(tokenPos(token), parsed.error);
      const ms = 'ms' in parsed ? parsed.ms : 0;
      return { type: 'NumberLiteral', value: ms / 1000, durationLiteral: true, pos: tokenPos(token) };
    }
    if (c.StringLiteral) {
      const token = c.StringLiteral[0]!;
      return { type: 'StringLiteral', value: this.unquote(token), pos: tokenPos(token) };
    }
    if (c.parenExpr) {
      const paren = c.parenExpr[0]!;
      return { type: 'ParenExpr', expr: this.expression(paren.children.expression[0]!), pos: nodePos(paren) };
    }
    if (c.aggregateExpr) return this.aggregateExpr(c.aggregateExpr[0]!);
    if (c.functionCall) return this.functionCall(c.functionCall[0]!);
    return this.vectorSelector(c.vectorSelector![0]!);
  }

  /** The value of a number token; reports literals beyond float64 range as Go's ParseFloat does. */
  private number(token: IToken): number {
    const value = parseNumberLiteral(token.image);
    if (isNumberOutOfRange(token.image, value)) {
      this.fail(tokenPos(token), `error parsing number: strconv.ParseFloat: parsing ${JSON.stringify(token.image)}: value out of range`);
    }
    return value;
  }

  private unquote(token: IToken): string {
    const result = unquoteString(token.image);
    if ('error' in result) {
      this.fail(tokenPos(token), `error unquoting string ${goQuoteRaw(token.image)}: ${result.error}`);
      return '';
    }
    return result.value;
  }

  private aggregateExpr(node: AggregateExprCstNode): Expr {
    const c = node.children;
    const opToken = c.AggregateOp[0]!;
    const op = opToken.image.toLowerCase() as AggregateOperator;
    const pos = nodePos(node);
    const groupingNode = c.groupingBefore?.[0] ?? c.groupingAfter?.[0];
    if (c.groupingBefore && c.groupingAfter) {
      const second = c.groupingAfter[0]!;
      const kw = second.children.By?.[0] ?? second.children.Without![0]!;
      this.fail(tokenPos(kw), `unexpected <${kw.image}>`);
    }
    const grouping = groupingNode ? this.labelList(groupingNode.children.labelList[0]!) : [];
    const without = Boolean(groupingNode?.children.Without);
    const args = this.callArguments(c.callArguments[0]!);
    const placeholder: Expr = { type: 'NumberLiteral', value: 0, pos };
    if (args.length === 0) {
      this.fail(pos, 'no arguments for aggregate expression provided');
      return { type: 'AggregateExpr', op, expr: placeholder, param: null, grouping, without, pos };
    }
    const wanted = AGGREGATORS_WITH_PARAM.has(op) ? 2 : 1;
    if (args.length !== wanted) {
      this.fail(pos, `wrong number of arguments for aggregate expression provided, expected ${wanted}, got ${args.length}`);
    }
    const param = wanted === 2 ? args[0]! : null;
    const expr = args[wanted - 1] ?? placeholder;
    return { type: 'AggregateExpr', op, expr, param, grouping, without, pos };
  }

  private functionCall(node: FunctionCallCstNode): Expr {
    const c = node.children;
    const nameToken = c.Identifier[0]!;
    const args = this.callArguments(c.callArguments[0]!);
    if (!getFunction(nameToken.image)) {
      this.fail(tokenPos(nameToken), `unknown function with name "${nameToken.image}"`);
    }
    return { type: 'Call', func: nameToken.image, args, pos: nodePos(node) };
  }

  private callArguments(node: CallArgumentsCstNode): Expr[] {
    return (node.children.args ?? []).map((arg) => this.expression(arg));
  }

  private labelList(node: LabelListCstNode): string[] {
    return (node.children.labels ?? []).map((label) => this.labelName(label));
  }

  private labelName(node: LabelNameCstNode): string {
    const c = node.children;
    if (c.StringLiteral) return this.unquote(c.StringLiteral[0]!);
    const token = c.LabelNameLike![0]!;
    if (token.image.includes(':')) this.fail(tokenPos(token), `invalid label name ${goQuoteRaw(token.image)}`);
    return token.image;
  }

  private vectorSelector(node: VectorSelectorCstNode): VectorSelector {
    const c = node.children;
    const matchers: LabelMatcher[] = [];
    let name = '';
    let bareName: string | undefined;
    for (const matcherNode of c.labelMatchers?.[0]?.children.matchers ?? []) {
      const built = this.labelMatcher(matcherNode);
      if ('bareName' in built) {
        if (bareName !== undefined) {
          this.fail(nodePos(matcherNode), `metric name must not be set twice: "${bareName}" or "${built.bareName}"`);
        }
        bareName = built.bareName;
      } else matchers.push(built);
    }
    const nameToken = c.MetricNameLike?.[0];
    if (nameToken) name = nameToken.image;
    if (bareName !== undefined) {
      if (nameToken) {
        this.fail(nodePos(node), `metric name must not be set twice: "${name}" or "${bareName}"`);
      } else name = bareName;
    }
    if (name !== '') matchers.push({ name: '__name__', op: '=', value: name });
    return { type: 'VectorSelector', name, matchers, offsetMs: 0, at: null, pos: nodePos(node) };
  }

  private labelMatcher(node: LabelMatcherCstNode): LabelMatcher | { bareName: string } {
    const c = node.children;
    let labelName: string;
    if (c.Identifier) {
      const token = c.Identifier[0]!;
      labelName = token.image;
      const colon = labelName.indexOf(':');
      if (colon >= 0) {
        this.fail({ start: token.startOffset + colon, end: token.startOffset + colon + 1 }, `unexpected character inside braces: ':'`);
      }
    } else {
      labelName = this.unquote(c.quotedName![0]!);
      if (!c.MatchOp) return { bareName: labelName };
    }
    const opToken = c.MatchOp![0]!;
    const op = opToken.image as MatchOperator;
    const value = this.unquote(c.value![0]!);
    if (op === '=~' || op === '!~') {
      try {
        RE2JS.compile(value);
      } catch (err) {
        this.fail(nodePos(node), err instanceof Error ? err.message : String(err));
      }
    }
    if (!tokenMatcher(opToken, T.MatchOp)) this.fail(tokenPos(opToken), `unexpected ${opToken.image}`);
    return { name: labelName, op, value };
  }
}

/** Go's `%f` for the out-of-range @ message (`+Inf`, `NaN`, six decimals otherwise). */
function goFloatF(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return value.toFixed(6);
}

function goQuoteRaw(text: string): string {
  return JSON.stringify(text);
}
