/**
 * A logfmt scanner (`key=value key2="quoted \"value\"" flag`), as go-logfmt and Loki read it:
 * keys run to `=` or whitespace, values are bare (to whitespace) or double-quoted with Go
 * escapes. Standalone keys have no value. Malformed pairs are reported to the caller, which
 * skips them (default) or fails the line (`--strict`).
 */

/** Receives one pair; `value` is null for a standalone key (`key` without `=`). */
export type LogfmtSink = (key: string, value: string | null) => void;

/**
 * Scans `line`, calling `sink` for each well-formed pair. Returns undefined, or the first
 * problem (`unexpected '"'`, `unterminated quoted value`) when `strict`; when not strict, bad
 * pairs are skipped and scanning continues.
 */
export function scanLogfmt(line: string, strict: boolean, sink: LogfmtSink): string | undefined {
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && line.charCodeAt(i) <= 32) i++;
    if (i >= n) break;
    const keyStart = i;
    while (i < n) {
      const c = line.charCodeAt(i);
      if (c <= 32 || c === 61 || c === 34) break;
      i++;
    }
    if (i === keyStart) {
      // A pair without a key (`=x`, `"x"`): malformed.
      if (strict) return `logfmt syntax error at pos ${i + 1} : unexpected '${line[i]}'`;
      i = skipToSpace(line, i + 1);
      continue;
    }
    const key = line.slice(keyStart, i);
    if (i >= n || line.charCodeAt(i) !== 61) {
      if (i < n && line.charCodeAt(i) === 34) {
        if (strict) return `logfmt syntax error at pos ${i + 1} : unexpected '"'`;
        i = skipToSpace(line, i);
        continue;
      }
      sink(key, null);
      continue;
    }
    i++;
    if (i < n && line.charCodeAt(i) === 34) {
      let escaped = false;
      let j = i + 1;
      for (; j < n; j++) {
        const c = line.charCodeAt(j);
        if (c === 92) {
          escaped = true;
          j++;
        } else if (c === 34) break;
      }
      if (j >= n) {
        if (strict) return `logfmt syntax error at pos ${n + 1} : unterminated quoted value`;
        break;
      }
      const raw = line.slice(i, j + 1);
      let value: string | undefined = raw.slice(1, -1);
      if (escaped) {
        try {
          value = JSON.parse(raw) as string;
        } catch {
          value = undefined;
        }
      }
      i = j + 1;
      if (value === undefined) {
        if (strict) return `logfmt syntax error at pos ${i} : invalid quoted value`;
        continue;
      }
      sink(key, value);
      continue;
    }
    const valueStart = i;
    let bad = false;
    while (i < n) {
      const c = line.charCodeAt(i);
      if (c <= 32) break;
      if (c === 34 || c === 61) bad = true;
      i++;
    }
    if (bad) {
      if (strict) return `logfmt syntax error at pos ${valueStart + 1} : unexpected character in value`;
      continue;
    }
    sink(key, line.slice(valueStart, i));
  }
  return undefined;
}

function skipToSpace(line: string, i: number): number {
  while (i < line.length && line.charCodeAt(i) > 32) i++;
  return i;
}
