import { RE2JS } from 're2js';
import { assertNever, type LabelMatcher } from '../../ast/ast.js';
import type { LabelComparisonOperator, LabelFilterExpr } from '../ast/ast.js';
import { parseBytes, parseGoDurationSeconds, parseGoFloat } from '../ast/units.js';
import { type LabelsBuilder, PipelineErrors } from './labels-builder.js';

/** A compiled label filter: true keeps the line. It may mark the line with `__error__`. */
export type LabelTest = (lbs: LabelsBuilder) => boolean;

/**
 * Compiles a label matcher into a predicate over a value ("" when absent). Regular expressions are
 * fully anchored and run on RE2JS; plain alternations of literals (`a|b|c`) use a set lookup.
 */
export function compileValueMatcher(m: LabelMatcher): (value: string) => boolean {
  switch (m.op) {
    case '=':
      return (v) => v === m.value;
    case '!=':
      return (v) => v !== m.value;
    case '=~':
    case '!~': {
      let test: (v: string) => boolean;
      if (/^[a-zA-Z0-9_ -]+(?:\|[a-zA-Z0-9_ -]+)*$/.test(m.value)) {
        const set = new Set(m.value.split('|'));
        test = (v) => set.has(v);
      } else {
        const re = RE2JS.compile(`^(?s:${m.value})$`);
        test = (v) => re.matches(v);
      }
      return m.op === '=~' ? test : (v) => !test(v);
    }
    default:
      return assertNever(m.op);
  }
}

function compare(op: LabelComparisonOperator, a: number, b: number): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    default:
      return assertNever(op);
  }
}

/**
 * A numeric-style filter as Loki runs it: a line already marked with an error passes (only string
 * matchers such as `__error__=""` can remove it); a missing label removes the line; a value that
 * does not convert marks the line with `LabelFilterErr` and keeps it.
 */
function convertingFilter(label: string, op: LabelComparisonOperator, want: number, convert: (v: string) => number | undefined, kind: string): LabelTest {
  return (lbs) => {
    if (lbs.hasError()) return true;
    const text = lbs.get(label);
    if (text === undefined) return false;
    const v = convert(text);
    if (v === undefined) {
      lbs.setError(PipelineErrors.labelFilter, `cannot convert ${JSON.stringify(text)} of label ${label} to a ${kind}`);
      return true;
    }
    return compare(op, v, want);
  };
}

/** Compiles a label filter expression (`and` evaluates both sides, as Loki does, so errors are recorded). */
export function compileLabelFilter(expr: LabelFilterExpr): LabelTest {
  switch (expr.type) {
    case 'LabelMatch': {
      const test = compileValueMatcher(expr.matcher);
      const name = expr.matcher.name;
      return (lbs) => test(lbs.get(name) ?? '');
    }
    case 'NumberFilter':
      return convertingFilter(expr.label, expr.op, expr.value, parseGoFloat, 'number');
    case 'DurationFilter':
      return convertingFilter(expr.label, expr.op, expr.seconds, parseGoDurationSeconds, 'duration');
    case 'BytesFilter':
      return convertingFilter(expr.label, expr.op, expr.bytes, parseBytes, 'byte size');
    case 'LabelFilterBinary': {
      const lhs = compileLabelFilter(expr.lhs);
      const rhs = compileLabelFilter(expr.rhs);
      if (expr.op === 'or') return (lbs) => lhs(lbs) || rhs(lbs);
      return (lbs) => {
        const l = lhs(lbs);
        const r = rhs(lbs);
        return l && r;
      };
    }
    default:
      return assertNever(expr);
  }
}
