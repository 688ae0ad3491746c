import { RE2JS } from 're2js';
import {
  AGGREGATE_PARAM_TYPES,
  assertNever,
  type Expr,
  isComparisonOperator,
  isSetOperator,
  type LabelMatcher,
  type Pos,
  type ValueType,
} from '../ast/ast.js';
import { documentedType, typeOf } from '../ast/type-of.js';
import { argCountRange, getFunction } from '../functions.js';

/** A type or arity problem: where it is and the message without position prefix. */
export interface CheckProblem {
  pos: Pos;
  detail: string;
}

/**
 * Type-checks an expression as Prometheus' `checkAST` does and returns every problem found (it
 * never stops at the first). Rules: operand types of binary and unary operators, `bool` only on
 * comparisons, comparisons between scalars need `bool`, set operators only between vectors,
 * argument counts and types of functions and aggregations, subqueries only over instant vectors,
 * selectors need a non-empty matcher and at most one metric name. Pure; does not mutate `expr`.
 */
export function checkExpr(expr: Expr, text?: string): CheckProblem[] {
  const problems: CheckProblem[] = [];
  visit(expr, problems, text);
  return problems;
}

/** The position of a binary operator (with its modifiers): the text between the operands, trimmed. */
function operatorPos(lhs: Pos, rhs: Pos, text: string | undefined): Pos {
  if (text === undefined) return { start: lhs.start, end: rhs.end };
  let start = lhs.end;
  let end = rhs.start;
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return { start, end };
}

function expectType(node: Expr, want: ValueType, context: string, problems: CheckProblem[]): void {
  const got = typeOf(node);
  if (got !== want) {
    problems.push({
      pos: node.pos,
      detail: `expected type ${documentedType(want)} in ${context}, got ${documentedType(got)}`,
    });
  }
}

/** True when the matcher accepts the empty string (so it selects series without the label). */
export function matchesEmpty(m: LabelMatcher): boolean {
  switch (m.op) {
    case '=':
      return m.value === '';
    case '!=':
      return m.value !== '';
    case '=~':
    case '!~': {
      let matches: boolean;
      try {
        matches = RE2JS.compile(`^(?:${m.value})$`).matches('');
      } catch {
        return true;
      }
      return m.op === '=~' ? matches : !matches;
    }
    default:
      return assertNever(m.op);
  }
}

function visit(node: Expr, problems: CheckProblem[], text: string | undefined): void {
  switch (node.type) {
    case 'NumberLiteral':
    case 'StringLiteral':
      return;
    case 'ParenExpr':
      visit(node.expr, problems, text);
      return;
    case 'VectorSelector': {
      if (node.name !== '') {
        for (const m of node.matchers.slice(0, -1)) {
          if (m.name === '__name__') {
            problems.push({ pos: node.pos, detail: `metric name must not be set twice: "${node.name}" or "${m.value}"` });
          }
        }
        return;
      }
      if (!node.matchers.some((m) => !matchesEmpty(m))) {
        problems.push({ pos: node.pos, detail: 'vector selector must contain at least one non-empty matcher' });
      }
      return;
    }
    case 'MatrixSelector':
      visit(node.vector, problems, text);
      return;
    case 'SubqueryExpr': {
      visit(node.expr, problems, text);
      const inner = typeOf(node.expr);
      if (inner !== 'vector') {
        problems.push({ pos: node.pos, detail: `subquery is only allowed on instant vector, got ${inner} instead` });
      }
      return;
    }
    case 'UnaryExpr': {
      visit(node.expr, problems, text);
      const t = typeOf(node.expr);
      if (t !== 'scalar' && t !== 'vector') {
        problems.push({
          pos: node.pos,
          detail: `unary expression only allowed on expressions of type scalar or instant vector, got "${documentedType(t)}"`,
        });
      }
      return;
    }
    case 'AggregateExpr': {
      if (node.param) visit(node.param, problems, text);
      visit(node.expr, problems, text);
      expectType(node.expr, 'vector', 'aggregation expression', problems);
      const paramType = AGGREGATE_PARAM_TYPES[node.op];
      if (paramType && node.param) expectType(node.param, paramType, 'aggregation parameter', problems);
      return;
    }
    case 'Call': {
      for (const arg of node.args) visit(arg, problems, text);
      const fn = getFunction(node.func);
      if (!fn) return;
      const { min, max } = argCountRange(fn);
      const n = node.args.length;
      if (fn.variadic === 0 && n !== min) {
        problems.push({ pos: node.pos, detail: `expected ${min} argument(s) in call to "${fn.name}", got ${n}` });
      } else if (n < min) {
        problems.push({ pos: node.pos, detail: `expected at least ${min} argument(s) in call to "${fn.name}", got ${n}` });
      } else if (n > max) {
        problems.push({ pos: node.pos, detail: `expected at most ${max} argument(s) in call to "${fn.name}", got ${n}` });
      }
      node.args.forEach((arg, i) => {
        if (i >= fn.argTypes.length && fn.variadic === 0) return;
        const want = fn.argTypes[Math.min(i, fn.argTypes.length - 1)];
        if (want !== undefined) expectType(arg, want, `call to function "${fn.name}"`, problems);
      });
      return;
    }
    case 'BinaryExpr': {
      visit(node.lhs, problems, text);
      visit(node.rhs, problems, text);
      const lt = typeOf(node.lhs);
      const rt = typeOf(node.rhs);
      const comparison = isComparisonOperator(node.op);
      if (node.returnBool && !comparison) {
        problems.push({ pos: operatorPos(node.lhs.pos, node.rhs.pos, text), detail: 'bool modifier can only be used on comparison operators' });
      }
      if (comparison && !node.returnBool && lt === 'scalar' && rt === 'scalar') {
        problems.push({ pos: operatorPos(node.lhs.pos, node.rhs.pos, text), detail: 'comparisons between scalars must use BOOL modifier' });
      }
      const matching = node.matching;
      if (matching?.on) {
        for (const label of matching.include) {
          if (matching.labels.includes(label)) {
            problems.push({
              pos: operatorPos(node.lhs.pos, node.rhs.pos, text),
              detail: `label "${label}" must not occur in ON and GROUP clause at once`,
            });
          }
        }
      }
      if (lt !== 'scalar' && lt !== 'vector') {
        problems.push({ pos: node.lhs.pos, detail: 'binary expression must contain only scalar and instant vector types' });
      }
      if (rt !== 'scalar' && rt !== 'vector') {
        problems.push({ pos: node.rhs.pos, detail: 'binary expression must contain only scalar and instant vector types' });
      }
      if ((lt === 'scalar' || rt === 'scalar') && isSetOperator(node.op)) {
        problems.push({ pos: node.pos, detail: `set operator "${node.op}" not allowed in binary scalar expression` });
      }
      return;
    }
    default:
      assertNever(node);
  }
}
