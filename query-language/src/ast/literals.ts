/**
 * Conversions between PromQL literal text and values: durations, numbers and Go-quoted strings.
 * They are shared by the AST builder (text → value) and the formatter (value → text).
 */

const DURATION_UNITS_MS: ReadonlyArray<readonly [string, number]> = [
  ['y', 365 * 24 * 3600 * 1000],
  ['w', 7 * 24 * 3600 * 1000],
  ['d', 24 * 3600 * 1000],
  ['h', 3600 * 1000],
  ['m', 60 * 1000],
  ['s', 1000],
  ['ms', 1],
];

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/**
 * Parses a Prometheus duration (`1h30m`, `5m`, `100ms`; units in descending order, each at most
 * once) into milliseconds. Returns an error message instead of throwing.
 */
export function parseDurationMs(text: string): { ms: number } | { error: string } {
  const match = text === '0' ? ['0'] : DURATION_RE.exec(text);
  if (text === '' || !match) return { error: `not a valid duration string: ${goQuote(text)}` };
  let ms = 0;
  for (let i = 1; i < match.length; i++) {
    const part = match[i];
    if (part !== undefined) ms += Number(part) * DURATION_UNITS_MS[i - 1]![1];
  }
  if (!Number.isSafeInteger(ms)) return { error: `duration out of range: ${goQuote(text)}` };
  return { ms };
}

/**
 * Formats milliseconds as Prometheus prints durations (`model.Duration.String`): `0s`, `1h30m`,
 * `8d`; years and weeks only when the duration is an exact multiple of them. `ms` must be ≥ 0.
 */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of DURATION_UNITS_MS) {
    if ((unit === 'y' || unit === 'w') && rest % size !== 0) continue;
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}

/**
 * Parses a PromQL number literal: decimal, hex (`0x1F`), octal with a leading zero (`010` = 8,
 * as Go's ParseInt with base 0), `_` digit groups, `Inf`, `NaN`. Overflow yields ±Infinity; the
 * caller reports it (see `isNumberOutOfRange`).
 */
export function parseNumberLiteral(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === 'nan') return Number.NaN;
  const plain = text.replace(/_/g, '');
  if (/^0[xX]/.test(plain)) return Number.parseInt(plain.slice(2), 16);
  // Prometheus reads integers with Go's ParseInt(s, 0, 64) first, so a leading zero means octal.
  if (/^0[0-7]+$/.test(plain)) return Number.parseInt(plain.slice(1), 8);
  return Number(plain);
}

/** True when `text` is a finite literal too large for a float64 (Go's ParseFloat range error). */
export function isNumberOutOfRange(text: string, value: number): boolean {
  return !Number.isFinite(value) && !Number.isNaN(value) && !/^inf$/i.test(text);
}

/**
 * Formats a number literal as Prometheus does (`strconv.FormatFloat(v, 'f', -1, 64)`): no
 * exponent, shortest digits that round-trip; `+Inf`, `-Inf`, `NaN`.
 */
export function formatNumberLiteral(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Object.is(value, -0)) return '-0';
  return toPlainDecimal(value);
}

/** Shortest round-trip digits of a finite number written without an exponent. */
export function toPlainDecimal(value: number): string {
  const text = String(value);
  const e = text.indexOf('e');
  if (e < 0) return text;
  const negative = text.startsWith('-');
  const mantissa = text.slice(negative ? 1 : 0, e);
  const exponent = Number(text.slice(e + 1));
  const [intPart = '', fracPart = ''] = mantissa.split('.');
  const digits = intPart + fracPart;
  const pointAt = intPart.length + exponent;
  let out: string;
  if (pointAt <= 0) out = `0.${'0'.repeat(-pointAt)}${digits}`;
  else if (pointAt >= digits.length) out = digits + '0'.repeat(pointAt - digits.length);
  else out = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  return negative ? `-${out}` : out;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

/**
 * Unquotes a PromQL string literal token (with its quotes) using Go's escape rules: `\a \b \f \n
 * \r \t \v \\`, the enclosing quote, `\NNN` octal, `\xHH`, `\uHHHH`, `\UHHHHHHHH`. Backtick
 * strings are raw. Returns an error message instead of throwing.
 */
export function unquoteString(token: string): { value: string } | { error: string } {
  const quote = token[0];
  const body = token.slice(1, -1);
  if (quote === '`') return { value: body };
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[i + 1];
    if (next === undefined) return { error: 'escape sequence not terminated' };
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      i++;
      continue;
    }
    if (next === quote) {
      out += next;
      i++;
      continue;
    }
    let digits: number;
    let base: number;
    let start = i + 2;
    if (next >= '0' && next <= '7') {
      digits = 3;
      base = 8;
      start = i + 1;
    } else if (next === 'x') {
      digits = 2;
      base = 16;
    } else if (next === 'u') {
      digits = 4;
      base = 16;
    } else if (next === 'U') {
      digits = 8;
      base = 16;
    } else {
      return { error: `unknown escape sequence ${unicodeName(next)}` };
    }
    const chunk = body.slice(start, start + digits);
    const valid = base === 8 ? /^[0-7]+$/ : /^[0-9a-fA-F]+$/;
    if (chunk.length < digits) return { error: 'escape sequence not terminated' };
    if (!valid.test(chunk)) return { error: `illegal character in escape sequence: ${goQuote(chunk)}` };
    const code = Number.parseInt(chunk, base);
    if (base === 8 || next === 'x') {
      if (code > 255) return { error: 'escape sequence is an invalid Unicode code point' };
      // Go strings are bytes; a lone \xHH above 0x7f is not valid UTF-8 on its own. We keep the
      // code point, which is what a label value with that Latin-1 character would hold.
      out += String.fromCharCode(code);
    } else {
      if (code > 0x10ffff || (code >= 0xd800 && code < 0xe000)) {
        return { error: 'escape sequence is an invalid Unicode code point' };
      }
      out += String.fromCodePoint(code);
    }
    i = start + digits - 1;
  }
  return { value: out };
}

function unicodeName(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')} '${ch}'`;
}

/**
 * Quotes a string as Go's `strconv.Quote` does for printable text: double quotes, `\"` and `\\`,
 * `\a \b \f \n \r \t \v`, other control characters as `\xHH`.
 */
export function goQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '\x07':
        out += '\\a';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\v':
        out += '\\v';
        break;
      default:
        if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
        else if (code >= 0x80 && code < 0xa0) out += `\\u${code.toString(16).padStart(4, '0')}`;
        else out += ch;
    }
  }
  return `${out}"`;
}

/** True when `name` is a label name without quoting: `[a-zA-Z_][a-zA-Z0-9_]*`. */
export function isLegacyLabelName(name: string): boolean {
  return /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name);
}

/** True when `name` is a metric name without quoting: `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
export function isLegacyMetricName(name: string): boolean {
  return /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name);
}
