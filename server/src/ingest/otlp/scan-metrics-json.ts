import { type AnyJs, renderAnyValue } from './decode-protobuf.js';
import {
  MAX_ANY_VALUE_DEPTH,
  type OtlpAttribute,
  type OtlpHistogramPoint,
  type OtlpMetric,
  type OtlpMetricData,
  type OtlpNumberPoint,
  type OtlpPointBase,
  type OtlpResourceMetrics,
  type OtlpScope,
  type OtlpSummaryPoint,
  type Temporality,
} from './model.js';

// A scanner for OTLP/JSON `ExportMetricsServiceRequest` bodies that reads the request bytes
// straight into the decoded model, without `JSON.parse` and the object tree it builds. It is the
// fast path of `decodeMetricsJson` (decode-json.ts), whose general decoder defines the semantics:
// for every body the scanner accepts it returns exactly what that decoder returns. It checks the
// full JSON grammar (strings and their escapes, numbers, literals, nesting, whitespace; unknown
// fields are checked and skipped) and gives up — returns `undefined` — on anything it does not
// handle: invalid JSON, a value of the wrong type (an error the general decoder names), a
// `__proto__` key in a kvlist, very deep nesting. The caller then runs the general decoder, so
// errors and their messages come from one place.
//
// What makes it fast on real traffic:
// - a data point's `attributes` array is looked up by its raw bytes (the list predicted from the
//   previous point, else a hash of the bytes), confirmed byte for byte against the text it was
//   decoded from, and shared as one frozen list (the converter then caches label sets by it);
// - 64-bit integers written as strings (times) are compared with the few recently seen ones and
//   share their bigint;
// - numbers of up to 19 significant digits are converted without making a string (exact up to
//   15; 16–19 checked against the exact remainder, else `Number` decides);
// - a point's field names are compared with the ones expected from the previous point's order
//   before they are hashed and looked up.
//
// Strings are decoded from the bytes (`latin1`/`utf8` slices), never sliced from a larger string,
// so nothing the caches keep holds on to a request body. UTF-8 decoding of a string's bytes
// equals decoding the whole body and slicing: a string is delimited by ASCII quotes, at which the
// decoder is always in its initial state.

/** Thrown to give up; the caller falls back to the general decoder. */
class NotHandled extends Error {}
const NOT_HANDLED = new NotHandled('not handled by the OTLP/JSON scanner');

function giveUp(): never {
  throw NOT_HANDLED;
}

/** Nesting depth past which unknown values are not skipped but left to the general decoder. */
const MAX_SKIP_DEPTH = 512;

/**
 * `Buffer` with the slice-to-string methods `toString` dispatches to (present since Node 0.x,
 * not in the typings); they skip `toString`'s argument handling, which shows on short strings.
 */
type Bytes = Buffer & { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string };
const hasSliceMethods = typeof (Buffer.prototype as Partial<Bytes>).latin1Slice === 'function' && typeof (Buffer.prototype as Partial<Bytes>).utf8Slice === 'function';

function asBytes(b: Uint8Array): Bytes {
  const out = (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)) as Bytes;
  if (!hasSliceMethods) {
    out.latin1Slice = (s, e) => out.toString('latin1', s, e);
    out.utf8Slice = (s, e) => out.toString('utf8', s, e);
  }
  return out;
}

const EMPTY_BUFFER = asBytes(Buffer.alloc(0));
let buf: Bytes = EMPTY_BUFFER;
let pos = 0;
let end = 0;

// --- field names -----------------------------------------------------------------------------

const KEY_NAMES = [
  'resourceMetrics',
  'resource',
  'attributes',
  'scopeMetrics',
  'scope',
  'name',
  'version',
  'metrics',
  'description',
  'unit',
  'gauge',
  'sum',
  'histogram',
  'exponentialHistogram',
  'summary',
  'dataPoints',
  'aggregationTemporality',
  'isMonotonic',
  'startTimeUnixNano',
  'timeUnixNano',
  'flags',
  'asDouble',
  'asInt',
  'count',
  'bucketCounts',
  'explicitBounds',
  'quantileValues',
  'quantile',
  'value',
  'key',
  'stringValue',
  'boolValue',
  'intValue',
  'doubleValue',
  'bytesValue',
  'arrayValue',
  'kvlistValue',
  'values',
] as const;
const K = Object.fromEntries(KEY_NAMES.map((n, i) => [n, i])) as { readonly [N in (typeof KEY_NAMES)[number]]: number };
/** Not a field the scanner reads. */
const UNKNOWN = -1;

function keyHash(bytes: ArrayLike<number>, start: number, stop: number): number {
  let h = 0;
  for (let i = start; i < stop; i++) h = (Math.imul(h, 31) + bytes[i]!) | 0;
  return h;
}
const KEY_BYTES = KEY_NAMES.map((n) => Buffer.from(n, 'latin1'));
const KEY_BY_HASH = new Map<number, number>();
const KEY_BY_NAME = new Map<string, number>(KEY_NAMES.map((n, i) => [n, i]));
for (let i = 0; i < KEY_BYTES.length; i++) {
  const h = keyHash(KEY_BYTES[i]!, 0, KEY_BYTES[i]!.length);
  if (KEY_BY_HASH.has(h)) throw new Error(`scan-metrics-json: field names ${KEY_NAMES[i]} and ${KEY_NAMES[KEY_BY_HASH.get(h)!]} hash alike`);
  KEY_BY_HASH.set(h, i);
}

// --- lexical ---------------------------------------------------------------------------------

/** Skips JSON whitespace; returns the byte there, or -1 at the end. */
function ws(): number {
  const b = buf;
  let p = pos;
  while (p < end) {
    const c = b[p]!;
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
    else {
      pos = p;
      return c;
    }
  }
  pos = p;
  return -1;
}

/** At `{`: consumes it; true when a member follows (then at its key's quote), false after `}`. */
function enterObject(): boolean {
  pos++;
  const c = ws();
  if (c === 0x7d) {
    pos++;
    return false;
  }
  if (c !== 0x22) giveUp();
  return true;
}

/** After a member's value: true when another member follows (at its key's quote), false after `}`. */
function nextMember(): boolean {
  const c = ws();
  if (c === 0x2c) {
    pos++;
    if (ws() !== 0x22) giveUp();
    return true;
  }
  if (c === 0x7d) {
    pos++;
    return false;
  }
  return giveUp();
}

/** At `[`: consumes it; true when an element follows (then at its first byte), false after `]`. */
function enterArray(): boolean {
  pos++;
  const c = ws();
  if (c === 0x5d) {
    pos++;
    return false;
  }
  if (c === -1) giveUp();
  return true;
}

/** After an element: true when another follows (then at its first byte), false after `]`. */
function nextElement(): boolean {
  const c = ws();
  if (c === 0x2c) {
    pos++;
    if (ws() === -1) giveUp();
    return true;
  }
  if (c === 0x5d) {
    pos++;
    return false;
  }
  return giveUp();
}

/** At a byte that starts a value: true (and consumed) when it is `null`. */
function isNull(): boolean {
  const b = buf;
  const p = pos;
  if (b[p] !== 0x6e) return false;
  if (p + 4 > end || b[p + 1] !== 0x75 || b[p + 2] !== 0x6c || b[p + 3] !== 0x6c) giveUp();
  pos = p + 4;
  return true;
}

/** At a `true`, `false` or `null` literal: consumes it. */
function literal(): boolean | null {
  const b = buf;
  const p = pos;
  const c = b[p];
  if (c === 0x74 && p + 4 <= end && b[p + 1] === 0x72 && b[p + 2] === 0x75 && b[p + 3] === 0x65) {
    pos = p + 4;
    return true;
  }
  if (c === 0x66 && p + 5 <= end && b[p + 1] === 0x61 && b[p + 2] === 0x6c && b[p + 3] === 0x73 && b[p + 4] === 0x65) {
    pos = p + 5;
    return false;
  }
  if (isNull()) return null;
  return giveUp();
}

/**
 * At a member's key (its opening quote): reads it, the colon and the whitespace after, and returns
 * the field's index in {@link KEY_NAMES}, or {@link UNKNOWN}. Ends at the first byte of the value.
 */
function readKey(guess = UNKNOWN): number {
  if (guess !== UNKNOWN) {
    // The field the caller expects: compared directly, without hashing.
    const b = buf;
    const p = pos + 1;
    const name = KEY_BYTES[guess]!;
    const n = name.length;
    if (b[p + n] === 0x22) {
      let i = 0;
      while (i < n && b[p + i] === name[i]) i++;
      if (i === n) {
        // `"name":` without whitespace is the common case.
        if (b[p + n + 1] === 0x3a) pos = p + n + 2;
        else {
          pos = p + n + 1;
          if (ws() !== 0x3a) giveUp();
          pos++;
        }
        if (ws() === -1) giveUp();
        return guess;
      }
    }
  }
  return readAnyKey();
}

/** {@link readKey} without a guess. */
function readAnyKey(): number {
  const b = buf;
  let p = pos + 1;
  let id: number;
  let h = 0;
  for (;;) {
    if (p >= end) giveUp();
    const c = b[p]!;
    if (c === 0x22) break;
    if (c === 0x5c || c < 0x20) break;
    h = (Math.imul(h, 31) + c) | 0;
    p++;
  }
  if (b[p] === 0x22) {
    const start = pos + 1;
    pos = p + 1;
    id = KEY_BY_HASH.get(h) ?? UNKNOWN;
    if (id !== UNKNOWN) {
      const name = KEY_BYTES[id]!;
      const n = p - start;
      if (name.length !== n) id = UNKNOWN;
      else {
        for (let i = 0; i < n; i++) {
          if (b[start + i] !== name[i]) {
            id = UNKNOWN;
            break;
          }
        }
      }
    }
  } else id = KEY_BY_NAME.get(readString()) ?? UNKNOWN;
  if (ws() !== 0x3a) giveUp();
  pos++;
  if (ws() === -1) giveUp();
  return id;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return giveUp();
}

/** At a string's opening quote: decodes it and moves past its closing quote. */
function readString(): string {
  const b = buf;
  let p = pos + 1;
  const start = p;
  let ascii = true;
  for (;;) {
    if (p >= end) giveUp();
    const c = b[p]!;
    if (c === 0x22) {
      pos = p + 1;
      return ascii ? b.latin1Slice(start, p) : b.utf8Slice(start, p);
    }
    if (c === 0x5c) break;
    if (c < 0x20) giveUp();
    if (c >= 0x80) ascii = false;
    p++;
  }
  // With escapes: decode the runs between them (each ends at an ASCII byte, so decoding them
  // apart gives what decoding the whole string would).
  let out = b.utf8Slice(start, p);
  let run = p;
  for (;;) {
    if (p >= end) giveUp();
    const c = b[p]!;
    if (c === 0x22) {
      out += b.utf8Slice(run, p);
      pos = p + 1;
      return out;
    }
    if (c < 0x20) giveUp();
    if (c !== 0x5c) {
      p++;
      continue;
    }
    out += b.utf8Slice(run, p);
    if (p + 1 >= end) giveUp();
    const e = b[p + 1]!;
    p += 2;
    switch (e) {
      case 0x22:
        out += '"';
        break;
      case 0x5c:
        out += '\\';
        break;
      case 0x2f:
        out += '/';
        break;
      case 0x62:
        out += '\b';
        break;
      case 0x66:
        out += '\f';
        break;
      case 0x6e:
        out += '\n';
        break;
      case 0x72:
        out += '\r';
        break;
      case 0x74:
        out += '\t';
        break;
      case 0x75: {
        if (p + 4 > end) giveUp();
        out += String.fromCharCode((hexDigit(b[p]!) << 12) | (hexDigit(b[p + 1]!) << 8) | (hexDigit(b[p + 2]!) << 4) | hexDigit(b[p + 3]!));
        p += 4;
        break;
      }
      default:
        giveUp();
    }
    run = p;
  }
}

/** At a string's opening quote: checks it and moves past it. */
function skipString(): void {
  const b = buf;
  let p = pos + 1;
  for (;;) {
    if (p >= end) giveUp();
    const c = b[p++]!;
    if (c === 0x22) break;
    if (c < 0x20) giveUp();
    if (c === 0x5c) {
      if (p >= end) giveUp();
      const e = b[p++]!;
      if (e === 0x75) {
        if (p + 4 > end) giveUp();
        for (let i = 0; i < 4; i++) hexDigit(b[p + i]!);
        p += 4;
      } else if (e !== 0x22 && e !== 0x5c && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) giveUp();
    }
  }
  pos = p;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** At a number: checks the JSON number grammar and returns where it ends (without moving). */
function numberEnd(): number {
  const b = buf;
  let p = pos;
  if (b[p] === 0x2d) p++;
  const first = b[p];
  if (first === 0x30) p++;
  else if (first !== undefined && first >= 0x31 && first <= 0x39 && p < end) {
    p++;
    while (p < end && isDigit(b[p])) p++;
  } else giveUp();
  if (p < end && b[p] === 0x2e) {
    p++;
    if (p >= end || !isDigit(b[p])) giveUp();
    while (p < end && isDigit(b[p])) p++;
  }
  if (p < end && (b[p] === 0x65 || b[p] === 0x45)) {
    p++;
    if (p < end && (b[p] === 0x2b || b[p] === 0x2d)) p++;
    if (p >= end || !isDigit(b[p])) giveUp();
    while (p < end && isDigit(b[p])) p++;
  }
  return p;
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** `POW2[i]` = 2^(i + POW2_MIN), exact. */
const POW2_MIN = -1100;
const POW2 = Array.from({ length: 2200 }, (_, i) => 2 ** (i + POW2_MIN));
const f64 = new Float64Array(1);
const f64Words = new Uint32Array(f64.buffer);
/** Index of the high word of a double in {@link f64Words}. */
const HIGH = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f ? 1 : 0;

/** The exact product of two doubles as `p + e` (Dekker, with Veltkamp splitting); `e` in {@link productError}. */
let productError = 0;
function twoProduct(a: number, b: number): number {
  const p = a * b;
  const ca = 134217729 * a;
  const ah = ca - (ca - a);
  const al = a - ah;
  const cb = 134217729 * b;
  const bh = cb - (cb - b);
  const bl = b - bh;
  productError = ah * bh - p + ah * bl + al * bh + al * bl;
  return p;
}

/**
 * `(high · 10^lowDigits + low) / 10^fraction` correctly rounded, for `high` < 10^15 of 15 digits
 * and `lowDigits` ≤ 4: the plain double computation, kept only when the exact remainder shows it
 * is the correctly rounded quotient with a wide margin; NaN otherwise (then `Number` decides).
 */
function roundedQuotient(high: number, low: number, lowDigits: number, fraction: number): number {
  const k = POW10[lowDigits]!;
  const d = POW10[fraction]!;
  const x = (high * k + low) / d;
  f64[0] = x;
  const hi = f64Words[HIGH]!;
  // A power of two has a narrower gap below it: left to `Number`.
  if ((hi & 0xfffff) === 0 && f64Words[1 - HIGH] === 0) return Number.NaN;
  const exponent = ((hi >>> 20) & 0x7ff) - 1023;
  // m = a + b + low exactly, and x·d = p + e exactly; r = m − x·d, with a − p exact (Sterbenz).
  const a = twoProduct(high, k);
  const b = productError;
  const p = twoProduct(x, d);
  const e = productError;
  const r = a - p + (b - e) + low;
  // Half the gap between x and its neighbours, scaled by d (exact: a power of two times d).
  const half = POW2[exponent - 53 - POW2_MIN]! * d;
  return Math.abs(r) < half * 0.999999 ? x : Number.NaN;
}

/**
 * At a number: reads it as `JSON.parse` does. Up to 15 significant digits without an exponent are
 * exact as an integer, and dividing by an exact power of ten rounds correctly, as the general
 * conversion does; 16 to 19 digits go through {@link roundedQuotient}; anything else (and what
 * that leaves open) through `Number`.
 */
function readNumber(): number {
  const b = buf;
  const start = pos;
  let p = start;
  const negative = b[p] === 0x2d;
  if (negative) p++;
  // The digits: the first 15 significant ones in `high`, the next ones in `low` (exact while
  // `significant` ≤ 19, the only case in which `low` is used).
  let high = 0;
  let low = 0;
  let significant = 0;
  let fraction = 0;
  let c = b[p];
  if (c === 0x30) c = b[++p];
  else if (c !== undefined && c >= 0x31 && c <= 0x39) {
    do {
      if (significant < 15) {
        high = high * 10 + (c - 0x30);
        significant++;
      } else {
        low = low * 10 + (c - 0x30);
        significant++;
      }
      c = b[++p];
    } while (c !== undefined && c >= 0x30 && c <= 0x39);
  } else giveUp();
  if (c === 0x2e) {
    c = b[++p];
    if (c === undefined || c < 0x30 || c > 0x39) giveUp();
    do {
      if (significant < 15) {
        high = high * 10 + (c - 0x30);
        if (high !== 0) significant++;
      } else {
        low = low * 10 + (c - 0x30);
        significant++;
      }
      fraction++;
      c = b[++p];
    } while (c !== undefined && c >= 0x30 && c <= 0x39);
  }
  let exponent = false;
  if (c === 0x65 || c === 0x45) {
    exponent = true;
    c = b[++p];
    if (c === 0x2b || c === 0x2d) c = b[++p];
    if (c === undefined || c < 0x30 || c > 0x39) giveUp();
    do c = b[++p];
    while (c !== undefined && c >= 0x30 && c <= 0x39);
  }
  pos = p;
  if (!exponent && fraction <= 22) {
    if (significant <= 15) {
      const v = high / POW10[fraction]!;
      return negative ? -v : v;
    }
    if (significant <= 19) {
      const v = roundedQuotient(high, low, significant - 15, fraction);
      if (!Number.isNaN(v)) return negative ? -v : v;
    }
  }
  return Number(b.latin1Slice(start, p));
}

/** At any value: checks it and moves past it. */
function skipValue(depth: number): void {
  const c = buf[pos];
  if (c === 0x22) skipString();
  else if (c === 0x7b) {
    if (depth > MAX_SKIP_DEPTH) giveUp();
    if (enterObject()) {
      do {
        skipString();
        if (ws() !== 0x3a) giveUp();
        pos++;
        if (ws() === -1) giveUp();
        skipValue(depth + 1);
      } while (nextMember());
    }
  } else if (c === 0x5b) {
    if (depth > MAX_SKIP_DEPTH) giveUp();
    if (enterArray()) {
      do skipValue(depth + 1);
      while (nextElement());
    }
  } else if (c === 0x2d || isDigit(c)) pos = numberEnd();
  else literal();
}

/**
 * At an object or `null` (read as `{}`): calls `onMember` with each member's field (as
 * {@link readKey} returns it) at the member's value, which `onMember` reads or skips.
 */
function forEachMember(onMember: (id: number) => void): void {
  if (isNull()) return;
  if (buf[pos] !== 0x7b) giveUp();
  if (enterObject()) {
    do onMember(readKey());
    while (nextMember());
  }
}

/** At an array or `null` (read as `[]`): calls `onElement` at each element, which it reads or skips. */
function forEachElement(onElement: () => void): void {
  if (isNull()) return;
  if (buf[pos] !== 0x5b) giveUp();
  if (enterArray()) {
    do onElement();
    while (nextElement());
  }
}

/** At an array or `null` (→ []): its elements, each read by `element`. */
function arrayOf<T>(element: () => T): T[] {
  const out: T[] = [];
  forEachElement(() => {
    out.push(element());
  });
  return out;
}

// --- typed values, with the general decoder's rules (decode-json.ts) --------------------------

/** `string()`: a string, null → ''. */
function stringValue(): string {
  if (buf[pos] === 0x22) return readString();
  if (isNull()) return '';
  return giveUp();
}

/** `bool()`: a boolean, null → false. */
function boolValue(): boolean {
  const v = literal();
  return v === null ? false : v;
}

/** `enumInt()`: an integral number, null → 0. */
function enumValue(): number {
  if (isNull()) return 0;
  const c = buf[pos];
  if (c !== 0x2d && !isDigit(c)) giveUp();
  const v = readNumber();
  if (!Number.isInteger(v)) giveUp();
  return v;
}

/** `num()`: a number, a numeric string, null → 0. */
function numValue(): number {
  const c = buf[pos];
  if (c === 0x2d || isDigit(c)) return readNumber();
  if (c === 0x22) {
    const s = readString();
    if (s === 'NaN') return Number.NaN;
    if (s === 'Infinity') return Number.POSITIVE_INFINITY;
    if (s === '-Infinity') return Number.NEGATIVE_INFINITY;
    if (s.trim() !== '' && Number.isFinite(Number(s))) return Number(s);
    return giveUp();
  }
  if (isNull()) return 0;
  return giveUp();
}

const INT_RE = /^-?\d{1,20}$/;

// 64-bit integers read from strings, by a hash of their digits: the points of a request share a
// few times, and a hit shares the bigint instead of parsing and allocating one. The value read
// last and the one that followed it last time are tried first (points repeat their times in
// the same order), then the slot of the hash.
interface RecentInt {
  /** The string's bytes between the quotes (always an optional `-` and 1–20 digits). */
  text: Uint8Array;
  value: bigint;
  successor: RecentInt | undefined;
}
const RECENT_SLOTS = 16;
const recent: Array<RecentInt | undefined> = new Array<RecentInt | undefined>(RECENT_SLOTS).fill(undefined);
let lastInt: RecentInt | undefined;

/** True when the string starting at `start` (after its quote) is `e`'s text; then moved past it. */
function sameInt(e: RecentInt, start: number): boolean {
  const b = buf;
  const text = e.text;
  const n = text.length;
  if (b[start + n] !== 0x22) return false;
  for (let i = 0; i < n; i++) if (b[start + i] !== text[i]) return false;
  pos = start + n + 1;
  return true;
}

/** Makes `e` the value read last. */
function readInt(e: RecentInt): bigint {
  const last = lastInt;
  if (last !== undefined && last !== e) last.successor = e;
  lastInt = e;
  return e.value;
}

/** `int64()`: an integral number, a string of 1–20 decimal digits with an optional `-`, null → 0. */
function int64Value(): bigint {
  const b = buf;
  const c = b[pos];
  if (c === 0x22) {
    const start = pos + 1;
    const last = lastInt;
    if (last !== undefined) {
      if (sameInt(last, start)) return last.value;
      const next = last.successor;
      if (next !== undefined && sameInt(next, start)) {
        lastInt = next;
        return next.value;
      }
    }
    let p = start;
    let h = 0;
    if (b[p] === 0x2d) p++;
    while (p < end && isDigit(b[p]) && p - start < 21) {
      h = (Math.imul(h, 31) + b[p]!) | 0;
      p++;
    }
    const n = p - start;
    const digits = b[start] === 0x2d ? n - 1 : n;
    if (p < end && b[p] === 0x22 && digits >= 1 && digits <= 20) {
      const slot = (h ^ (h >>> 7)) & (RECENT_SLOTS - 1);
      const known = recent[slot];
      if (known !== undefined && sameInt(known, start)) return readInt(known);
      pos = p + 1;
      const e: RecentInt = { text: Uint8Array.prototype.slice.call(b, start, p), value: BigInt(b.latin1Slice(start, p)), successor: undefined };
      recent[slot] = e;
      return readInt(e);
    }
    const s = readString();
    if (!INT_RE.test(s)) giveUp();
    return BigInt(s);
  }
  if (c === 0x2d || isDigit(c)) {
    const v = readNumber();
    if (!Number.isInteger(v)) giveUp();
    return BigInt(v);
  }
  if (isNull()) return 0n;
  return giveUp();
}

// --- attributes ------------------------------------------------------------------------------

/** An `AnyValue` field by its rank in the general decoder's order (`stringValue` … `kvlistValue`, consecutive in KEY_NAMES). */
function anyValueField(rank: number, depth: number): AnyJs {
  switch (rank) {
    case 0:
      return stringValue();
    case 1:
      return boolValue();
    case 2:
      return int64Value();
    case 3:
      return numValue();
    case 4:
      // `bytesValue`: decoded below when it is the one taken.
      return stringValue();
    case 5:
      return arrayValue(depth);
    default:
      return kvlistValue(depth);
  }
}

/** `anyValue()`: an `AnyValue` object (null → undefined), the first present field by the general decoder's order. */
function anyValue(depth: number): AnyJs {
  if (depth > MAX_ANY_VALUE_DEPTH) giveUp();
  // By rank: the last value read of each field, and which fields are present (a bit each).
  const values: AnyJs[] = [];
  let present = 0;
  forEachMember((id) => {
    const rank = id - K.stringValue;
    if (rank < 0 || rank > K.kvlistValue - K.stringValue) skipValue(0);
    else {
      values[rank] = anyValueField(rank, depth);
      present |= 1 << rank;
    }
  });
  if (present === 0) return undefined;
  const first = 31 - Math.clz32(present & -present);
  return first === 4 ? new Uint8Array(Buffer.from(values[4] as string, 'base64')) : values[first];
}

/** An `ArrayValue` (null → []): its `values`, each an AnyValue one level deeper. */
function arrayValue(depth: number): AnyJs[] {
  let out: AnyJs[] = [];
  forEachMember((id) => {
    if (id === K.values) out = arrayOf(() => anyValue(depth + 1));
    else skipValue(0);
  });
  return out;
}

/**
 * At a `KeyValue` object: calls `onValue` at its `value` (when present), which it reads, and
 * returns its `key` (null or absent → '').
 */
function keyValue(onValue: () => void): string {
  let key = '';
  forEachMember((id) => {
    if (id === K.key) key = stringValue();
    else if (id === K.value) onValue();
    else skipValue(0);
  });
  return key;
}

/** A `KeyValueList` (null → {}): its `values` as an object, values one level deeper. */
function kvlistValue(depth: number): Record<string, AnyJs> {
  let out: Record<string, AnyJs> = {};
  forEachMember((id) => {
    if (id !== K.values) {
      skipValue(0);
      return;
    }
    const values: Record<string, AnyJs> = {};
    out = values;
    forEachElement(() => {
      if (isNull()) return;
      let value: AnyJs;
      let hasValue = false;
      const key = keyValue(() => {
        value = anyValue(depth + 1);
        hasValue = true;
      });
      if (!hasValue && depth + 1 > MAX_ANY_VALUE_DEPTH) giveUp();
      // Assigning `__proto__` would set the object's prototype: left to the general decoder.
      if (key === '__proto__') giveUp();
      values[key] = value;
    });
  });
  return out;
}

/** At an attributes array or `null`: appends its `KeyValue`s whose values render to a string. */
function readAttributes(out: OtlpAttribute[]): void {
  forEachElement(() => {
    let value: string | undefined;
    const key = keyValue(() => {
      value = renderAnyValue(anyValue(0));
    });
    if (value !== undefined) out.push({ key, value });
  });
}

/** Resource and scope `attributes` (null → []), as a list of their own. */
function attributesValue(): OtlpAttribute[] {
  const out: OtlpAttribute[] = [];
  readAttributes(out);
  return out;
}

/**
 * Data point attribute lists interned by their text, as the protobuf decoder interns their bytes:
 * one frozen list per distinct text, shared between points and requests (never mutate a point's
 * `attributes`). An entry is used only when the body holds exactly its text at the position of
 * the array, and that text is a whole JSON array (it was decoded from it), so a hit returns what
 * decoding would. Bounded; cleared when full.
 */
interface InternedAttributes {
  text: Buffer;
  attrs: readonly OtlpAttribute[];
  /** The list that followed this one last time (when another): the next point's likely list. */
  successor: InternedAttributes | undefined;
  /** The next entry with the same hash. */
  next: InternedAttributes | undefined;
}
const INTERNED_MAX = 50_000;
const INTERNED_CHAIN = 8;
/** Arrays longer than this are decoded every time. */
const INTERNED_MAX_BYTES = 4096;
const INTERNED_MAX_TOTAL_BYTES = 16 * 1024 * 1024;
let internedBytes = 0;
const interned = new Map<number, InternedAttributes>();
/** The list of the previous point, the first guess for the next one. */
let previous: InternedAttributes | undefined;
const EMPTY_ATTRIBUTES: readonly OtlpAttribute[] = Object.freeze([]);

/** True when the body holds `e.text` at `pos` (then moved past it). */
function holds(e: InternedAttributes): boolean {
  const n = e.text.length;
  if (pos + n > end || buf[pos + n - 1] !== 0x5d || buf[pos + 1] !== e.text[1]) return false;
  if (buf.compare(e.text, 0, n, pos, pos + n) !== 0) return false;
  pos += n;
  return true;
}

/** The hash of the array text found by {@link arrayEnd}. */
let scannedHash = 0;

/**
 * At `[`: where the array ends by its brackets and quotes (not checking anything else), with the
 * hash of its text in {@link scannedHash}; -1 when it runs past {@link INTERNED_MAX_BYTES}.
 */
function arrayEnd(): number {
  const b = buf;
  const limit = Math.min(end, pos + INTERNED_MAX_BYTES);
  let p = pos + 1;
  let h = 0x5b;
  let depth = 1;
  while (p < limit) {
    const c = b[p++]!;
    h = (Math.imul(h, 31) + c) | 0;
    if (c === 0x22) {
      for (;;) {
        if (p >= limit) return -1;
        const d = b[p++]!;
        h = (Math.imul(h, 31) + d) | 0;
        if (d === 0x22) break;
        if (d === 0x5c && p < limit) h = (Math.imul(h, 31) + b[p++]!) | 0;
      }
    } else if (c === 0x5b || c === 0x7b) depth++;
    else if (c === 0x5d || c === 0x7d) {
      if (--depth === 0) {
        scannedHash = h;
        return p;
      }
    }
  }
  return -1;
}

/** A data point's `attributes` value (null → the empty list), interned. */
function pointAttributes(): OtlpAttribute[] {
  if (isNull()) return EMPTY_ATTRIBUTES as OtlpAttribute[];
  if (buf[pos] !== 0x5b) giveUp();
  const prev = previous;
  if (prev) {
    if (holds(prev)) return prev.attrs as OtlpAttribute[];
    const guess = prev.successor;
    if (guess && holds(guess)) {
      previous = guess;
      return guess.attrs as OtlpAttribute[];
    }
  }
  const start = pos;
  const stop = arrayEnd();
  if (stop < 0) {
    const attrs: OtlpAttribute[] = [];
    readAttributes(attrs);
    return attrs;
  }
  const h = scannedHash;
  let chain = 0;
  for (let e = interned.get(h); e; e = e.next) {
    if (holds(e)) {
      if (prev) prev.successor = e;
      previous = e;
      return e.attrs as OtlpAttribute[];
    }
    chain++;
  }
  const attrs: OtlpAttribute[] = [];
  readAttributes(attrs);
  for (const a of attrs) Object.freeze(a);
  Object.freeze(attrs);
  // The text really decoded ends at `pos`; only when it is the scanned one is the hash its own.
  if (pos === stop && chain < INTERNED_CHAIN) {
    if (interned.size >= INTERNED_MAX || internedBytes >= INTERNED_MAX_TOTAL_BYTES) {
      interned.clear();
      internedBytes = 0;
      previous = undefined;
    }
    internedBytes += stop - start;
    const e: InternedAttributes = { text: Buffer.from(buf.subarray(start, stop)), attrs, successor: undefined, next: interned.get(h) };
    interned.set(h, e);
    if (previous) previous.successor = e;
    previous = e;
  }
  return attrs;
}

// --- points ----------------------------------------------------------------------------------

/** A table of the field that followed each field last time (at {@link FIRST_KEY}: the first one). */
const FIRST_KEY = KEY_NAMES.length;
const keyOrder = (): Int32Array => new Int32Array(KEY_NAMES.length + 1).fill(UNKNOWN);

/**
 * At a data point object or `null`: reads the fields every point kind has into `p` and leaves the
 * others to `field` (which reads or skips the value). Field names are compared first with the
 * ones that followed in the previous point of the kind (`order`, one table per kind).
 */
function pointMembers<P extends OtlpPointBase>(p: P, order: Int32Array, field: (p: P, id: number) => void): P {
  if (isNull()) return p;
  if (buf[pos] !== 0x7b) giveUp();
  if (enterObject()) {
    let previousKey: number = FIRST_KEY;
    do {
      const id = readKey(order[previousKey]);
      if (id !== UNKNOWN) {
        order[previousKey] = id;
        previousKey = id;
      }
      switch (id) {
        case K.attributes:
          p.attributes = pointAttributes();
          break;
        case K.timeUnixNano:
          p.timeNs = int64Value();
          break;
        case K.startTimeUnixNano:
          p.startTimeNs = int64Value();
          break;
        case K.flags:
          p.flags = enumValue();
          break;
        default:
          field(p, id);
      }
    } while (nextMember());
  }
  return p;
}

const numberOrder = keyOrder();

/**
 * A number point: {@link pointMembers}' loop written out, with the value fields in the same switch
 * and the fields in locals. It is the hot path (nearly every point); reading it through
 * `pointMembers` (a callback for `asDouble`/`asInt`, the point object filled in place or the
 * fields in module variables) measured some 10–20 % slower per sample.
 */
function numberPoint(): OtlpNumberPoint {
  if (isNull()) return { attributes: [], startTimeNs: 0n, timeNs: 0n, flags: 0, value: 0 };
  if (buf[pos] !== 0x7b) giveUp();
  let attributes = EMPTY_ATTRIBUTES as OtlpAttribute[];
  let startTimeNs = 0n;
  let timeNs = 0n;
  let flags = 0;
  let asDouble = 0;
  let hasDouble = false;
  let asInt = 0n;
  if (enterObject()) {
    let previousKey: number = FIRST_KEY;
    do {
      const id = readKey(numberOrder[previousKey]);
      if (id !== UNKNOWN) {
        numberOrder[previousKey] = id;
        previousKey = id;
      }
      switch (id) {
        case K.attributes:
          attributes = pointAttributes();
          break;
        case K.timeUnixNano:
          timeNs = int64Value();
          break;
        case K.asDouble:
          asDouble = numValue();
          hasDouble = true;
          break;
        case K.startTimeUnixNano:
          startTimeNs = int64Value();
          break;
        case K.asInt:
          asInt = int64Value();
          break;
        case K.flags:
          flags = enumValue();
          break;
        default:
          skipValue(0);
      }
    } while (nextMember());
  }
  return { attributes, startTimeNs, timeNs, flags, value: hasDouble ? asDouble : Number(asInt) };
}

/** A count (`int64()`, as a number). */
function countValue(): number {
  return Number(int64Value());
}

const histogramOrder = keyOrder();

function histogramField(p: OtlpHistogramPoint, id: number): void {
  switch (id) {
    case K.count:
      p.count = countValue();
      break;
    case K.sum:
      p.sum = isNull() ? undefined : numValue();
      break;
    case K.bucketCounts:
      p.bucketCounts = arrayOf(countValue);
      break;
    case K.explicitBounds:
      p.bounds = arrayOf(numValue);
      break;
    default:
      skipValue(0);
  }
}

function histogramPoint(): OtlpHistogramPoint {
  const p: OtlpHistogramPoint = { attributes: [], startTimeNs: 0n, timeNs: 0n, flags: 0, count: 0, sum: undefined, bucketCounts: [], bounds: [] };
  return pointMembers(p, histogramOrder, histogramField);
}

function quantileValue(): { quantile: number; value: number } {
  const q = { quantile: 0, value: 0 };
  forEachMember((id) => {
    if (id === K.quantile) q.quantile = numValue();
    else if (id === K.value) q.value = numValue();
    else skipValue(0);
  });
  return q;
}

const summaryOrder = keyOrder();

function summaryField(p: OtlpSummaryPoint, id: number): void {
  if (id === K.count) p.count = countValue();
  else if (id === K.sum) p.sum = numValue();
  else if (id === K.quantileValues) p.quantiles = arrayOf(quantileValue);
  else skipValue(0);
}

function summaryPoint(): OtlpSummaryPoint {
  const p: OtlpSummaryPoint = { attributes: [], startTimeNs: 0n, timeNs: 0n, flags: 0, count: 0, sum: 0, quantiles: [] };
  return pointMembers(p, summaryOrder, summaryField);
}

/** The elements of an exponential histogram's `dataPoints` (null → 0), skipped. */
function pointCountValue(): number {
  let n = 0;
  forEachElement(() => {
    skipValue(0);
    n++;
  });
  return n;
}

// --- metrics ---------------------------------------------------------------------------------

/** `enumInt()` then `temporality()`. */
function temporalityValue(): Temporality {
  const n = enumValue();
  return n === 1 || n === 2 ? n : 0;
}

/**
 * One of the `data` objects of a metric (null → undefined): `gauge`, `sum`, `histogram`,
 * `exponentialHistogram` or `summary`, by `kind` (its index in {@link KEY_NAMES}).
 */
function metricData(kind: number): OtlpMetricData | undefined {
  if (isNull()) return undefined;
  let numberPoints: OtlpNumberPoint[] = [];
  let histogramPoints: OtlpHistogramPoint[] = [];
  let summaryPoints: OtlpSummaryPoint[] = [];
  let pointCount = 0;
  let temporality: Temporality = 0;
  let monotonic = false;
  forEachMember((id) => {
    if (id === K.dataPoints) {
      if (kind === K.gauge || kind === K.sum) numberPoints = arrayOf(numberPoint);
      else if (kind === K.histogram) histogramPoints = arrayOf(histogramPoint);
      else if (kind === K.summary) summaryPoints = arrayOf(summaryPoint);
      else pointCount = pointCountValue();
    } else if (id === K.aggregationTemporality && (kind === K.sum || kind === K.histogram)) temporality = temporalityValue();
    else if (id === K.isMonotonic && kind === K.sum) monotonic = boolValue();
    else skipValue(0);
  });
  if (kind === K.gauge) return { type: 'gauge', points: numberPoints };
  if (kind === K.sum) return { type: 'sum', points: numberPoints, temporality, monotonic };
  if (kind === K.histogram) return { type: 'histogram', points: histogramPoints, temporality };
  if (kind === K.exponentialHistogram) return { type: 'exponential_histogram', pointCount };
  return { type: 'summary', points: summaryPoints };
}

function metric(): OtlpMetric {
  const m: OtlpMetric = { name: '', description: '', unit: '', data: { type: 'none' } };
  // By kind (`gauge` … `summary`, consecutive in KEY_NAMES): the first present, in this order, is
  // the metric's data (as in the general decoder).
  const data: Array<OtlpMetricData | undefined> = [];
  forEachMember((id) => {
    if (id === K.name) m.name = stringValue();
    else if (id === K.description) m.description = stringValue();
    else if (id === K.unit) m.unit = stringValue();
    else if (id >= K.gauge && id <= K.summary) data[id - K.gauge] = metricData(id);
    else skipValue(0);
  });
  for (const d of data) {
    if (d) {
      m.data = d;
      break;
    }
  }
  return m;
}

function scopeValue(): OtlpScope {
  const scope: OtlpScope = { name: '', version: '', attributes: [] };
  forEachMember((id) => {
    if (id === K.name) scope.name = stringValue();
    else if (id === K.version) scope.version = stringValue();
    else if (id === K.attributes) scope.attributes = attributesValue();
    else skipValue(0);
  });
  return scope;
}

function scopeMetrics(): { scope: OtlpScope; metrics: OtlpMetric[] } {
  let scope: OtlpScope | undefined;
  let metrics: OtlpMetric[] = [];
  forEachMember((id) => {
    if (id === K.scope) scope = scopeValue();
    else if (id === K.metrics) metrics = arrayOf(metric);
    else skipValue(0);
  });
  return { scope: scope ?? { name: '', version: '', attributes: [] }, metrics };
}

function resourceValue(): OtlpAttribute[] {
  let attrs: OtlpAttribute[] = [];
  forEachMember((id) => {
    if (id === K.attributes) attrs = attributesValue();
    else skipValue(0);
  });
  return attrs;
}

function resourceMetrics(): OtlpResourceMetrics {
  let resource: OtlpAttribute[] = [];
  let scopes: Array<{ scope: OtlpScope; metrics: OtlpMetric[] }> = [];
  forEachMember((id) => {
    if (id === K.resource) resource = resourceValue();
    else if (id === K.scopeMetrics) scopes = arrayOf(scopeMetrics);
    else skipValue(0);
  });
  return { resource, scopes };
}

/**
 * Reads an OTLP/JSON `ExportMetricsServiceRequest` body (UTF-8 bytes) into the decoded model;
 * `undefined` when the body is anything the scanner leaves to the general decoder (including
 * every body that decoder refuses), never a different result than that decoder's.
 */
export function scanMetricsJson(body: Uint8Array): OtlpResourceMetrics[] | undefined {
  buf = asBytes(body);
  pos = 0;
  end = buf.length;
  try {
    if (ws() !== 0x7b) return undefined;
    let out: OtlpResourceMetrics[] = [];
    forEachMember((id) => {
      if (id === K.resourceMetrics) out = arrayOf(resourceMetrics);
      else skipValue(0);
    });
    if (ws() !== -1) return undefined;
    return out;
  } catch {
    // Not handled (or a body too deep for the stack): the general decoder decides.
    return undefined;
  } finally {
    buf = EMPTY_BUFFER;
  }
}

/**
 * A JSON number token read as the scanner reads numbers in requests (exported for the tests that
 * hold it to `Number`); NaN when `text` is not one whole JSON number.
 */
export function scanJsonNumber(text: string): number {
  buf = asBytes(Buffer.from(text, 'latin1'));
  pos = 0;
  end = buf.length;
  try {
    const c = buf[0];
    if (c !== 0x2d && !isDigit(c)) return Number.NaN;
    const v = readNumber();
    return pos === end ? v : Number.NaN;
  } catch {
    return Number.NaN;
  } finally {
    buf = EMPTY_BUFFER;
  }
}
