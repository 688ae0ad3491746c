/**
 * JSON path expressions of `| json label="path"`: `a.b.c`, `a[0]`, `a["b.c"]`, `["x y"]`, as
 * Loki's `jsonexpr` accepts them. Compiled once per query into keys (strings) and indexes.
 */
export type JsonPath = ReadonlyArray<string | number>;

/**
 * Compiles a path. Throws an Error naming the problem for invalid syntax.
 *
 * @example compileJsonPath('a.b[0]["c.d"]') // ['a', 'b', 0, 'c.d']
 */
export function compileJsonPath(text: string): JsonPath {
  const out: Array<string | number> = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`invalid JSON path ${JSON.stringify(text)}: ${what} at offset ${i}`);
  };
  if (text.trim() === '') fail('empty path');
  let expectField = true;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '.') {
      if (out.length === 0 || expectField) fail('unexpected "."');
      i++;
      expectField = true;
      continue;
    }
    if (ch === '[') {
      const close = text.indexOf(']', i);
      if (close < 0) fail('unclosed "["');
      const inner = text.slice(i + 1, close).trim();
      if (/^\d+$/.test(inner)) out.push(Number(inner));
      else if (/^"(?:[^"\\]|\\.)*"$/.test(inner)) out.push(JSON.parse(inner) as string);
      else if (/^'[^']*'$/.test(inner)) out.push(inner.slice(1, -1));
      else fail(`invalid index ${JSON.stringify(inner)}`);
      i = close + 1;
      expectField = false;
      continue;
    }
    const m = /^[a-zA-Z0-9_$@-]+/.exec(text.slice(i));
    if (!m || !expectField) fail(`unexpected ${JSON.stringify(ch)}`);
    out.push(m![0]);
    i += m![0].length;
    expectField = false;
  }
  if (expectField) fail('path ends with "."');
  return out;
}
