/**
 * Loki's pattern syntax (`<ip> - <_> [<ts>] "<method> <path> <_>"`): literals and captures
 * `<name>`, `<_>` captures nothing. Used by the `pattern` parser and the `|>` / `!>` filters.
 */

/** A compiled pattern: alternating parts, literal text or a capture (null name = `<_>`). */
export interface CompiledPattern {
  readonly parts: ReadonlyArray<{ literal: string } | { capture: string | null }>;
  /** The named captures, in order. */
  readonly names: readonly string[];
}

/**
 * Compiles a pattern. With `requireCapture` (the parser), at least one named capture is needed.
 * Throws an Error with Loki's wording for consecutive or duplicate captures.
 */
export function compilePattern(text: string, requireCapture: boolean): CompiledPattern {
  const parts: Array<{ literal: string } | { capture: string | null }> = [];
  const names: string[] = [];
  const re = /<(_|[a-zA-Z_][a-zA-Z0-9_]*)>/g;
  let last = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index > last) parts.push({ literal: text.slice(last, m.index) });
    const name = m[1] === '_' ? null : m[1]!;
    const prev = parts.at(-1);
    if (prev && 'capture' in prev) throw new Error('found consecutive capture: invalid pattern');
    if (name !== null) {
      if (names.includes(name)) throw new Error(`duplicate capture name (${name}): invalid pattern`);
      names.push(name);
    }
    parts.push({ capture: name });
    last = re.lastIndex;
  }
  if (last < text.length) parts.push({ literal: text.slice(last) });
  if (parts.length === 0) throw new Error('syntax error: empty pattern');
  if (requireCapture && names.length === 0) throw new Error('at least one capture is required');
  return { parts, names };
}

/**
 * Matches `line` as Loki's pattern matcher does: a leading literal must start the line; each
 * capture runs to the next literal; a capture whose literal is missing takes the rest of the
 * line and ends matching. Calls `sink` for named captures; returns true when every literal was
 * found (the whole pattern matched).
 */
export function matchPattern(p: CompiledPattern, line: string, sink: ((name: string, value: string) => void) | null): boolean {
  const parts = p.parts;
  let rest = 0;
  let k = 0;
  const first = parts[0]!;
  if ('literal' in first) {
    if (!line.startsWith(first.literal)) return false;
    rest = first.literal.length;
    k = 1;
  }
  while (k < parts.length) {
    const capture = (parts[k] as { capture: string | null }).capture;
    const next = parts[k + 1] as { literal: string } | undefined;
    if (!next) {
      if (capture !== null && sink) sink(capture, line.slice(rest));
      return true;
    }
    const at = line.indexOf(next.literal, rest);
    if (at < 0) {
      if (capture !== null && sink) sink(capture, line.slice(rest));
      return false;
    }
    if (capture !== null && sink) sink(capture, line.slice(rest, at));
    rest = at + next.literal.length;
    k += 2;
  }
  // The pattern ended on a literal: it matches when the literal ends the line.
  return rest === line.length;
}
