import { RE2JS } from 're2js';

/** The four PromQL label matcher kinds. */
export type MatchType = '=' | '!=' | '=~' | '!~';

/** A label matcher as written in a selector: `name op "value"` (the shape `@vigil/query-language` declares). */
export interface LabelMatcher {
  readonly name: string;
  readonly op: MatchType;
  readonly value: string;
}

/** A matcher compiled to a predicate over one label value ('' when the series lacks the label). */
export interface CompiledMatcher extends LabelMatcher {
  /** True when the value (empty string for an absent label) satisfies the matcher. */
  matches(value: string): boolean;
}

/** Upper bound on a regex's length; longer patterns are rejected before compiling. */
export const MAX_REGEX_LENGTH = 4096;

/**
 * Compiles a matcher. Regular expressions are fully anchored (as in Prometheus) and run on RE2JS,
 * whose matching time is linear in the input, so a hostile pattern such as `(a+)+b` cannot stall
 * the event loop.
 *
 * @throws Error naming the matcher when the regex is invalid or too long.
 */
export function compileMatcher(m: LabelMatcher): CompiledMatcher {
  switch (m.op) {
    case '=':
      return { ...m, matches: (v) => v === m.value };
    case '!=':
      return { ...m, matches: (v) => v !== m.value };
    case '=~':
    case '!~': {
      const re = compileAnchoredRegex(m.name, m.value);
      const literal = literalAlternatives(m.value);
      const test = literal ? (v: string) => literal.has(v) : (v: string) => re.matches(v);
      return m.op === '=~' ? { ...m, matches: test } : { ...m, matches: (v) => !test(v) };
    }
    default:
      return assertNever(m.op);
  }
}

function compileAnchoredRegex(name: string, pattern: string): RE2JS {
  if (pattern.length > MAX_REGEX_LENGTH) {
    throw new Error(
      `regex for label ${JSON.stringify(name)} is ${pattern.length} characters long, over the limit of ${MAX_REGEX_LENGTH}`,
    );
  }
  try {
    // RE2JS.matches() tests the whole input, which gives Prometheus' implicit ^(?:...)$ anchoring.
    return RE2JS.compile(pattern, RE2JS.DOTALL);
  } catch (err) {
    throw new Error(
      `invalid regular expression ${JSON.stringify(pattern)} for label ${JSON.stringify(name)}: ${(err as Error).message}`,
    );
  }
}

const REGEX_META = /[\\^$.|?*+()[\]{}]/;

/** `a|b|c` made only of literals: a set lookup is faster than the regex and means the same. */
function literalAlternatives(pattern: string): Set<string> | undefined {
  const parts = pattern.split('|');
  if (parts.some((p) => REGEX_META.test(p))) return undefined;
  return new Set(parts);
}

/** Exhaustiveness guard for closed unions. */
export function assertNever(x: never): never {
  throw new Error(`unexpected value ${String(x)}`);
}
