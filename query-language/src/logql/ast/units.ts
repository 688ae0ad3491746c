/**
 * Unit conversions shared by the AST builder (literals in label filters and ranges) and the
 * engine (`unwrap duration(...)` / `bytes(...)`, duration and byte-size label filters).
 */

const DURATION_UNIT_SECONDS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 7 * 86400,
  y: 365 * 86400,
};

const DURATION_PART = /(\d*\.?\d*)(ns|us|µs|μs|ms|s|m|h|d|w|y)/y;

/**
 * Parses a duration as Go's `time.ParseDuration` does (`1.5s`, `250ms`, `1h30m`, `-2m`, `0`),
 * also accepting Prometheus' `d`, `w` and `y` units. Returns seconds, or undefined when the text
 * is not a duration.
 *
 * @example parseGoDurationSeconds('1m30s') // 90
 */
export function parseGoDurationSeconds(text: string): number | undefined {
  let s = text.trim();
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  let at = 0;
  while (at < s.length) {
    DURATION_PART.lastIndex = at;
    const m = DURATION_PART.exec(s);
    if (!m || m[1] === '' || m[1] === '.') return undefined;
    total += Number(m[1]) * DURATION_UNIT_SECONDS[m[2]!]!;
    at = DURATION_PART.lastIndex;
  }
  return sign * total;
}

const BYTE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  ki: 1024,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1e12,
  tb: 1e12,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
  p: 1e15,
  pb: 1e15,
  pi: 1024 ** 5,
  pib: 1024 ** 5,
  e: 1e18,
  eb: 1e18,
  ei: 1024 ** 6,
  eib: 1024 ** 6,
};

/**
 * Parses a byte size as go-humanize's `ParseBytes` (used by Loki): `42`, `1.5KB` (1000),
 * `10 MiB` (1024²), `3k`; units are case-insensitive. Returns bytes, or undefined.
 *
 * @example parseBytes('1KiB') // 1024
 */
export function parseBytes(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return undefined;
  const unit = BYTE_UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return undefined;
  return Number(m[1]) * unit;
}

/**
 * Parses a number as Go's `strconv.ParseFloat` for unwrapped values and numeric label filters:
 * decimal with optional exponent, `Inf`/`+Inf`/`-Inf`/`NaN` in any case, hexadecimal integers,
 * `_` is not accepted. Returns undefined for anything else (including the empty string).
 */
export function parseGoFloat(text: string): number | undefined {
  if (text.length === 0) return undefined;
  const c = text.charCodeAt(0);
  // Fast path: plain decimals, the overwhelmingly common case.
  if ((c >= 48 && c <= 57) || c === 45 || c === 46 || c === 43) {
    if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) return Number(text);
    if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(text)) return Number.parseInt(text, 16);
  }
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Number.POSITIVE_INFINITY;
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  if (lower === 'nan') return Number.NaN;
  return undefined;
}

/** Formats seconds as a Go `time.Duration` string (`1m30s`, `1.5s`, `250ms`, `0s`) for the formatter. */
export function formatGoDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const negative = seconds < 0;
  let ns = Math.round(Math.abs(seconds) * 1e9);
  let out = '';
  if (ns < 1e9) {
    if (ns < 1e3) out = `${ns}ns`;
    else if (ns < 1e6) out = `${trimZeros(ns / 1e3)}µs`;
    else out = `${trimZeros(ns / 1e6)}ms`;
  } else {
    const h = Math.floor(ns / 3.6e12);
    ns -= h * 3.6e12;
    const m = Math.floor(ns / 6e10);
    ns -= m * 6e10;
    const s = ns / 1e9;
    if (h > 0) out += `${h}h`;
    if (h > 0 || m > 0) out += `${m}m`;
    out += `${trimZeros(s)}s`;
  }
  return negative ? `-${out}` : out;
}

function trimZeros(v: number): string {
  return String(Number(v.toFixed(9)));
}
