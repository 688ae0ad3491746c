/**
 * A small JSON scanner for log lines: flattens an object into `a_b_c` fields, finds one path,
 * lists top-level string fields. It reads the line in place (no `JSON.parse` of the whole line,
 * no intermediate objects), keeps numbers as written (`1.50` stays `1.50`, as Loki does) and
 * reports malformed input by returning an error message. Values are decoded lazily: strings
 * without escapes are sliced, others go through `JSON.parse` of the string token only.
 */
import type { JsonPath } from './json-path.js';

/** Receives one flattened field; `value` is decoded text (numbers as written, `null` as ""). */
export type JsonFieldSink = (key: string, value: string) => void;

let lastStringHasEscape = false;

function skipWs(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) i++;
    else return i;
  }
}

/** End (exclusive) of the string token starting at `i` (a `"`), or -1. */
function scanString(s: string, i: number): number {
  lastStringHasEscape = false;
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 34) return j + 1;
    if (c === 92) {
      lastStringHasEscape = true;
      j++;
    }
  }
  return -1;
}

function decodeString(s: string, start: number, end: number, escaped: boolean): string | undefined {
  if (!escaped) return s.slice(start + 1, end - 1);
  try {
    return JSON.parse(s.slice(start, end)) as string;
  } catch {
    return undefined;
  }
}

/** End (exclusive) of the value starting at `i`, or -1 when malformed. */
function scanValue(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 34) return scanString(s, i);
  if (c === 123 || c === 91) {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const d = s.charCodeAt(j);
      if (d === 34) {
        j = scanString(s, j);
        if (j < 0) return -1;
        j--;
      } else if (d === 123 || d === 91) depth++;
      else if (d === 125 || d === 93) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return -1;
  }
  let j = i;
  for (; j < s.length; j++) {
    const d = s.charCodeAt(j);
    // Numbers and the literals true, false, null: letters, digits, sign, point.
    if (!((d >= 48 && d <= 57) || (d >= 97 && d <= 122) || d === 45 || d === 43 || d === 46 || d === 69)) break;
  }
  if (j === i) return -1;
  const word = s.slice(i, j);
  if (word === 'true' || word === 'false' || word === 'null' || /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(word)) return j;
  return -1;
}

/** Loki's `sanitizeLabelKey`: characters outside `[a-zA-Z0-9_]` become `_`; a leading digit gets `_` when `first`. */
export function sanitizeLabelKey(key: string, first: boolean): string {
  let ok = key.length > 0;
  for (let i = 0; i < key.length && ok; i++) {
    const c = key.charCodeAt(i);
    ok = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
  }
  if (ok && !(first && key.charCodeAt(0) >= 48 && key.charCodeAt(0) <= 57)) return key;
  const trimmed = key.trim();
  if (trimmed === '') return trimmed;
  let out = first && trimmed.charCodeAt(0) >= 48 && trimmed.charCodeAt(0) <= 57 ? '_' : '';
  for (const ch of trimmed) out += /^[a-zA-Z0-9_]$/.test(ch) ? ch : '_';
  return out;
}

/**
 * Flattens the JSON object in `line` into `sink` (`{"a":{"b":1}}` → `a_b=1`); arrays are
 * skipped, as Loki's json parser does. Returns an error message for input that is not a JSON
 * object, or undefined.
 */
export function flattenJson(line: string, sink: JsonFieldSink): string | undefined {
  const i = skipWs(line, 0);
  if (line.charCodeAt(i) !== 123) return 'expecting a JSON object';
  const end = flattenObject(line, i, '', sink);
  if (end < 0) return 'malformed JSON object';
  return skipWs(line, end) === line.length ? undefined : 'unexpected data after the JSON object';
}

function flattenObject(s: string, i: number, prefix: string, sink: JsonFieldSink): number {
  i = skipWs(s, i + 1);
  if (s.charCodeAt(i) === 125) return i + 1;
  for (;;) {
    if (s.charCodeAt(i) !== 34) return -1;
    const keyEnd = scanString(s, i);
    if (keyEnd < 0) return -1;
    const rawKey = decodeString(s, i, keyEnd, lastStringHasEscape);
    if (rawKey === undefined) return -1;
    const key = prefix === '' ? sanitizeLabelKey(rawKey, true) : prefix + sanitizeLabelKey(rawKey, false);
    i = skipWs(s, keyEnd);
    if (s.charCodeAt(i) !== 58) return -1;
    i = skipWs(s, i + 1);
    const c = s.charCodeAt(i);
    if (c === 123) {
      i = flattenObject(s, i, `${key}_`, sink);
      if (i < 0) return -1;
    } else {
      const end = scanValue(s, i);
      if (end < 0) return -1;
      if (c === 34) {
        const v = decodeString(s, i, end, lastStringHasEscape);
        if (v === undefined) return -1;
        sink(key, v);
      } else if (c !== 91) {
        const raw = s.slice(i, end);
        sink(key, raw === 'null' ? '' : raw);
      }
      i = end;
    }
    i = skipWs(s, i);
    const sep = s.charCodeAt(i);
    if (sep === 125) return i + 1;
    if (sep !== 44) return -1;
    i = skipWs(s, i + 1);
  }
}

/**
 * The value at `path` in the JSON document `line`: decoded text for strings, the JSON text for
 * objects, arrays and numbers, "" for null; undefined when the path does not exist; an object with
 * `error` when the line is not JSON.
 */
export function jsonAtPath(line: string, path: JsonPath): string | undefined | { error: string } {
  let i = skipWs(line, 0);
  const first = line.charCodeAt(i);
  if (first !== 123 && first !== 91) return { error: 'expecting a JSON object' };
  for (const seg of path) {
    const c = line.charCodeAt(i);
    if (typeof seg === 'string') {
      if (c !== 123) return undefined;
      i = skipWs(line, i + 1);
      let found = -1;
      while (line.charCodeAt(i) === 34) {
        const keyEnd = scanString(line, i);
        if (keyEnd < 0) return { error: 'malformed JSON object' };
        const key = decodeString(line, i, keyEnd, lastStringHasEscape);
        i = skipWs(line, keyEnd);
        if (line.charCodeAt(i) !== 58) return { error: 'malformed JSON object' };
        i = skipWs(line, i + 1);
        if (key === seg) {
          found = i;
          break;
        }
        const end = scanValue(line, i);
        if (end < 0) return { error: 'malformed JSON object' };
        i = skipWs(line, end);
        if (line.charCodeAt(i) !== 44) break;
        i = skipWs(line, i + 1);
      }
      if (found < 0) return undefined;
      i = found;
    } else {
      if (c !== 91) return undefined;
      i = skipWs(line, i + 1);
      for (let n = 0; n < seg; n++) {
        const end = scanValue(line, i);
        if (end < 0) return undefined;
        i = skipWs(line, end);
        if (line.charCodeAt(i) !== 44) return undefined;
        i = skipWs(line, i + 1);
      }
      if (line.charCodeAt(i) === 93) return undefined;
    }
  }
  const end = scanValue(line, i);
  if (end < 0) return { error: 'malformed JSON value' };
  if (line.charCodeAt(i) === 34) return decodeString(line, i, end, lastStringHasEscape) ?? '';
  const raw = line.slice(i, end);
  return raw === 'null' ? '' : raw;
}

/**
 * Lists the top-level fields of a JSON object whose values are strings (what `unpack` reads).
 * Returns an error message for input that is not a JSON object.
 */
export function topLevelStrings(line: string, sink: JsonFieldSink): string | undefined {
  let i = skipWs(line, 0);
  if (line.charCodeAt(i) !== 123) return 'expecting a JSON object';
  i = skipWs(line, i + 1);
  if (line.charCodeAt(i) === 125) return undefined;
  for (;;) {
    if (line.charCodeAt(i) !== 34) return 'malformed JSON object';
    const keyEnd = scanString(line, i);
    if (keyEnd < 0) return 'malformed JSON object';
    const key = decodeString(line, i, keyEnd, lastStringHasEscape);
    i = skipWs(line, keyEnd);
    if (key === undefined || line.charCodeAt(i) !== 58) return 'malformed JSON object';
    i = skipWs(line, i + 1);
    const end = scanValue(line, i);
    if (end < 0) return 'malformed JSON object';
    if (line.charCodeAt(i) === 34) {
      const v = decodeString(line, i, end, lastStringHasEscape);
      if (v === undefined) return 'malformed JSON string';
      sink(key, v);
    }
    i = skipWs(line, end);
    const sep = line.charCodeAt(i);
    if (sep === 125) return undefined;
    if (sep !== 44) return 'malformed JSON object';
    i = skipWs(line, i + 1);
  }
}
