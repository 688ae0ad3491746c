import { RE2JS } from 're2js';
import { assertNever } from '../../ast/ast.js';
import type { LineFilterStage } from '../ast/ast.js';
import { compilePattern, matchPattern } from './pattern.js';

/** A compiled line test: true when the line satisfies one alternative of the filter. */
export type LineTest = (line: string) => boolean;

const REGEX_META = /[\\.+*?()|[\]{}^$]/;

/**
 * Compiles an unanchored regular expression search. Literal patterns (optionally `(?i)`) use
 * JavaScript's substring search or a literal RegExp, which are linear and much faster than RE2JS;
 * everything else runs on RE2JS (linear time, so a hostile pattern cannot stall the event loop).
 */
export function compileRegexTest(source: string): LineTest {
  const insensitive = source.startsWith('(?i)');
  const body = insensitive ? source.slice(4) : source;
  if (!REGEX_META.test(body)) {
    if (!insensitive) return (line) => line.includes(body);
    const re = new RegExp(body.replace(/[.*+?^${}()|[\]-]/g, '\\$&'), 'i');
    return (line) => re.test(line);
  }
  const re = RE2JS.compile(source);
  return (line) => re.matcher(line).find();
}

/**
 * Compiles a line filter stage into a predicate over the line: `|=` contains, `!=` does not
 * contain, `|~` / `!~` regex search, `|>` / `!>` pattern match. Alternatives (`or`) are tried in
 * order; a negative filter keeps lines that match none of them.
 */
export function compileLineFilter(stage: LineFilterStage): LineTest {
  const tests: LineTest[] = stage.values.map((v) => {
    switch (stage.op) {
      case '|=':
      case '!=':
        return v === '' ? () => true : (line: string) => line.includes(v);
      case '|~':
      case '!~':
        return compileRegexTest(v);
      case '|>':
      case '!>': {
        const p = compilePattern(v, false);
        return (line: string) => matchPattern(p, line, null);
      }
      default:
        return assertNever(stage.op);
    }
  });
  const any: LineTest = tests.length === 1 ? tests[0]! : (line) => tests.some((t) => t(line));
  const negative = stage.op === '!=' || stage.op === '!~' || stage.op === '!>';
  if (!negative) return any;
  // `!= ""` removes every line, as in Loki (every line contains the empty string).
  return (line) => !any(line);
}
