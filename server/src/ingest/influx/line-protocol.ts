/**
 * InfluxDB line protocol parser (1.x and 2.x; protocols.md §1.5):
 * `measurement[,tag=v…] field=value[,field2=v2…] [timestamp]`. Parses what it can and reports each
 * line it cannot, so a request with one bad line still stores the good ones.
 */

/** A field value: numbers (floats, `12i` integers, `12u` unsigned), booleans, strings. */
export type InfluxField =
  | { key: string; kind: 'float' | 'int' | 'uint'; value: number }
  | { key: string; kind: 'bool'; value: boolean }
  | { key: string; kind: 'string'; value: string };

/** One parsed line. */
export interface InfluxPoint {
  measurement: string;
  /** Tags in the order written; keys and values unescaped. */
  tags: Array<[string, string]>;
  fields: InfluxField[];
  /** Timestamp in the request's precision, or undefined when the line has none. */
  timestamp: bigint | undefined;
  /** 1-based line number. */
  line: number;
}

/** A line that could not be parsed. */
export interface InfluxLineError {
  /** 1-based line number. */
  line: number;
  /** The line as sent (cut to 200 characters). */
  text: string;
  message: string;
}

/** Timestamp precisions accepted by `/write` (1.x) and `/api/v2/write` (2.x). */
export type InfluxPrecision = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h';

const PRECISIONS: Record<string, InfluxPrecision> = { n: 'ns', ns: 'ns', u: 'us', us: 'us', 'µ': 'us', ms: 'ms', s: 's', m: 'm', h: 'h' };

/** Parses a `precision` parameter (1.x: `n u ms s m h`; 2.x: `ns us ms s`); undefined for others. */
export function parsePrecision(p: string | undefined): InfluxPrecision | undefined {
  return p === undefined || p === '' ? 'ns' : PRECISIONS[p];
}

/** A timestamp in `precision` as epoch milliseconds (rounded down). */
export function timestampToMs(ts: bigint, precision: InfluxPrecision): number {
  switch (precision) {
    case 'ns':
      return Number(ts / 1_000_000n) - (ts < 0n && ts % 1_000_000n !== 0n ? 1 : 0);
    case 'us':
      return Number(ts / 1000n) - (ts < 0n && ts % 1000n !== 0n ? 1 : 0);
    case 'ms':
      return Number(ts);
    case 's':
      return Number(ts) * 1000;
    case 'm':
      return Number(ts) * 60_000;
    case 'h':
      return Number(ts) * 3_600_000;
  }
}

class LineError extends Error {}

const FLOAT_RE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const INT_RE = /^[-+]?\d+i$/;
const UINT_RE = /^\d+u$/;
const TIMESTAMP_RE = /^-?\d{1,19}$/;
const TRUE = new Set(['t', 'T', 'true', 'True', 'TRUE']);
const FALSE = new Set(['f', 'F', 'false', 'False', 'FALSE']);

/**
 * Parses a whole request body. Blank lines and `#` comments are skipped. Never throws.
 *
 * @example
 * parseLineProtocol('cpu,host=a usage=1.5,procs=12i 1465839830100400200')
 * // { points: [{ measurement: 'cpu', tags: [['host','a']], fields: [...], timestamp: 1465839830100400200n, line: 1 }], errors: [] }
 */
export function parseLineProtocol(text: string): { points: InfluxPoint[]; errors: InfluxLineError[] } {
  const points: InfluxPoint[] = [];
  const errors: InfluxLineError[] = [];
  let pos = 0;
  let lineNo = 0;
  const n = text.length;
  while (pos < n) {
    lineNo++;
    const start = pos;
    const p = new Parser(text, pos, lineNo);
    try {
      const point = p.line();
      if (point) points.push(point);
      pos = p.pos;
      // Lines may span several physical lines inside string fields; count them (only a quoted
      // string can hold a newline).
      if (p.sawString) for (let i = start; i < pos - 1; i++) if (text.charCodeAt(i) === 10) lineNo++;
    } catch (err) {
      if (!(err instanceof LineError)) throw err;
      // Resume at the next physical line, even when the error was found further on (an
      // unterminated string): the rest of the body is still worth parsing.
      let lineEnd = text.indexOf('\n', start);
      if (lineEnd < 0) lineEnd = n;
      const raw = text.slice(start, lineEnd).replace(/\r$/, '');
      errors.push({ line: lineNo, text: raw.length > 200 ? `${raw.slice(0, 200)}…` : raw, message: err.message });
      pos = lineEnd + 1;
    }
  }
  return { points, errors };
}

/**
 * Measurement and tags by the raw text they were parsed from (up to the first unescaped space),
 * so the series key a client repeats on every line is parsed once. The tag lists are frozen and
 * shared between points and requests (never mutate a point's `tags`); bounded, cleared when full.
 */
const seriesKeys = new Map<string, SeriesKeyEntry>();

/** What a series key's text parses to, and the field keys its lines carried last (by position). */
interface SeriesKeyEntry {
  measurement: string;
  tags: Array<[string, string]>;
  /**
   * Field keys seen at each position on this series' lines, kept only when they need no escaping
   * (no space, comma, equals sign or backslash): the same text followed by `=` then parses to the
   * same key, so the string is reused instead of sliced (the converter's lookups by key find its
   * hash already computed).
   */
  fieldKeys: string[];
}

/** A field key {@link SeriesKeyEntry.fieldKeys} may hold. */
const PLAIN_FIELD_KEY = /^[^ ,=\\\r\n]+$/;
/** Field positions remembered per series key. */
const MAX_REMEMBERED_FIELDS = 64;
const MAX_SERIES_KEYS = 100_000;
/** Characters of the keys held; past {@link MAX_SERIES_KEY_TOTAL_CHARS} the cache starts over. */
let seriesKeyChars = 0;
const MAX_SERIES_KEY_TOTAL_CHARS = 8 * 1024 * 1024;
/** Keys longer than this are parsed every time rather than kept. */
const MAX_SERIES_KEY_CHARS = 4096;

/** Index of the first unescaped space or end of line at or after `pos`. */
function seriesKeyEnd(s: string, pos: number): number {
  const n = s.length;
  while (pos < n) {
    const c = s.charCodeAt(pos);
    if (c === 32 || c === 10) return pos;
    if (c === 13 && (pos + 1 >= n || s.charCodeAt(pos + 1) === 10)) return pos;
    if (c === 92 && pos + 1 < n) {
      const next = s.charCodeAt(pos + 1);
      pos += next === 32 || next === 92 ? 2 : 1;
      continue;
    }
    pos++;
  }
  return n;
}

/** The last timestamp text and its value: the lines of a batch share a few timestamps. */
let lastTimestampText = '';
let lastTimestamp = 0n;

class Parser {
  /** True once a quoted string value was read (only those can span physical lines). */
  sawString = false;

  constructor(
    private readonly s: string,
    public pos: number,
    private readonly lineNo: number,
  ) {}

  private peek(): number {
    return this.pos < this.s.length ? this.s.charCodeAt(this.pos) : -1;
  }

  private atEol(): boolean {
    const c = this.peek();
    return c === -1 || c === 10 || (c === 13 && (this.pos + 1 >= this.s.length || this.s.charCodeAt(this.pos + 1) === 10));
  }

  private skipEol(): void {
    if (this.peek() === 13) this.pos++;
    if (this.peek() === 10) this.pos++;
  }

  /** Reads a name up to an unescaped stop character; `\x` for a stop character or `\\` unescapes. */
  private name(stops: string, what: string): string {
    // Fast path: no backslash before the stop, so the name is one slice of the text.
    const s = this.s;
    const n = s.length;
    const start = this.pos;
    const equalsStops = stops.length === 3; // ',= ' (tags, fields) rather than ', ' (measurement)
    let i = start;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === 44 || c === 32 || c === 10 || (c === 61 && equalsStops)) break;
      if (c === 13 && (i + 1 >= n || s.charCodeAt(i + 1) === 10)) break;
      if (c === 92) {
        i = -1;
        break;
      }
    }
    if (i >= 0) {
      if (i === start) throw new LineError(`missing ${what}`);
      this.pos = i;
      return s.slice(start, i);
    }
    let out = '';
    while (!this.atEol()) {
      const ch = this.s[this.pos]!;
      if (ch === '\\' && this.pos + 1 < this.s.length) {
        const next = this.s[this.pos + 1]!;
        if (stops.includes(next) || next === '\\') {
          out += next;
          this.pos += 2;
          continue;
        }
      }
      if (stops.includes(ch)) break;
      out += ch;
      this.pos++;
    }
    if (out === '') throw new LineError(`missing ${what}`);
    return out;
  }

  line(): InfluxPoint | undefined {
    while (this.peek() === 32 || this.peek() === 9) this.pos++;
    if (this.atEol()) {
      this.skipEol();
      return undefined;
    }
    if (this.peek() === 35 /* # */) {
      while (!this.atEol()) this.pos++;
      this.skipEol();
      return undefined;
    }
    const keyStart = this.pos;
    const keyEnd = seriesKeyEnd(this.s, keyStart);
    const rawKey = keyEnd - keyStart <= MAX_SERIES_KEY_CHARS ? this.s.slice(keyStart, keyEnd) : undefined;
    let known = rawKey === undefined ? undefined : seriesKeys.get(rawKey);
    let measurement: string;
    let tags: Array<[string, string]>;
    if (known) {
      // The same text parses the same way: reuse it.
      measurement = known.measurement;
      tags = known.tags;
      this.pos = keyEnd;
    } else {
      measurement = this.name(', ', 'measurement');
      tags = [];
      while (this.peek() === 44 /* , */) {
        this.pos++;
        const key = this.name(',= ', 'tag key');
        if (this.peek() !== 61 /* = */) throw new LineError(`missing "=" after tag key ${JSON.stringify(key)}`);
        this.pos++;
        const value = this.name(',= ', `value of tag ${JSON.stringify(key)}`);
        tags.push([key, value]);
      }
      if (rawKey !== undefined && this.pos === keyEnd && this.peek() === 32) {
        for (const t of tags) Object.freeze(t);
        Object.freeze(tags);
        if (seriesKeys.size >= MAX_SERIES_KEYS || seriesKeyChars >= MAX_SERIES_KEY_TOTAL_CHARS) {
          seriesKeys.clear();
          seriesKeyChars = 0;
        }
        seriesKeyChars += rawKey.length;
        known = { measurement, tags, fieldKeys: [] };
        seriesKeys.set(rawKey, known);
      }
    }
    if (this.peek() !== 32) throw new LineError(this.atEol() ? 'missing fields' : `unexpected character ${JSON.stringify(this.s[this.pos])} after measurement and tags`);
    while (this.peek() === 32) this.pos++;
    if (this.atEol()) throw new LineError('missing fields');
    const fields: InfluxField[] = [];
    const remembered = known?.fieldKeys;
    for (;;) {
      let key: string;
      const expected = remembered?.[fields.length];
      if (expected !== undefined && this.s.startsWith(expected, this.pos) && this.s.charCodeAt(this.pos + expected.length) === 61) {
        key = expected;
        this.pos += expected.length;
      } else {
        key = this.name(',= ', 'field key');
        if (remembered && fields.length < MAX_REMEMBERED_FIELDS && PLAIN_FIELD_KEY.test(key)) remembered[fields.length] = key;
      }
      if (this.peek() !== 61) throw new LineError(`missing "=" after field key ${JSON.stringify(key)}`);
      this.pos++;
      fields.push(this.fieldValue(key));
      if (this.peek() === 44) {
        this.pos++;
        continue;
      }
      break;
    }
    let timestamp: bigint | undefined;
    if (this.peek() === 32) {
      while (this.peek() === 32) this.pos++;
      const start = this.pos;
      while (!this.atEol() && this.peek() !== 32) this.pos++;
      const raw = this.s.slice(start, this.pos);
      while (this.peek() === 32) this.pos++;
      if (raw !== '') {
        if (raw === lastTimestampText) timestamp = lastTimestamp;
        else {
          if (!TIMESTAMP_RE.test(raw)) throw new LineError(`invalid timestamp ${JSON.stringify(raw)}`);
          timestamp = BigInt(raw);
          lastTimestampText = raw;
          lastTimestamp = timestamp;
        }
      }
    }
    if (!this.atEol()) throw new LineError(`unexpected text ${JSON.stringify(this.s.slice(this.pos, this.pos + 20))} after the timestamp`);
    this.skipEol();
    return { measurement, tags, fields, timestamp, line: this.lineNo };
  }

  private fieldValue(key: string): InfluxField {
    if (this.peek() === 34 /* " */) {
      this.sawString = true;
      this.pos++;
      let out = '';
      for (;;) {
        if (this.pos >= this.s.length) throw new LineError(`unterminated string value of field ${JSON.stringify(key)}`);
        const ch = this.s[this.pos]!;
        if (ch === '\\' && (this.s[this.pos + 1] === '"' || this.s[this.pos + 1] === '\\')) {
          out += this.s[this.pos + 1];
          this.pos += 2;
          continue;
        }
        this.pos++;
        if (ch === '"') break;
        out += ch;
      }
      return { key, kind: 'string', value: out };
    }
    const s = this.s;
    const n = s.length;
    const start = this.pos;
    let i = start;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === 44 || c === 32 || c === 10) break;
      if (c === 13 && (i + 1 >= n || s.charCodeAt(i + 1) === 10)) break;
    }
    this.pos = i;
    const raw = s.slice(start, i);
    if (raw === '') throw new LineError(`missing value of field ${JSON.stringify(key)}`);
    // Ending in a digit or a dot, it can only be a float (integers end in i or u, booleans in letters).
    const last = raw.charCodeAt(raw.length - 1);
    if ((last >= 48 && last <= 57) || last === 46) {
      if (FLOAT_RE.test(raw)) return { key, kind: 'float', value: Number(raw) };
      throw new LineError(`invalid value ${JSON.stringify(raw)} of field ${JSON.stringify(key)}`);
    }
    if (INT_RE.test(raw)) return { key, kind: 'int', value: Number(raw.slice(0, -1)) };
    if (UINT_RE.test(raw)) return { key, kind: 'uint', value: Number(raw.slice(0, -1)) };
    if (TRUE.has(raw)) return { key, kind: 'bool', value: true };
    if (FALSE.has(raw)) return { key, kind: 'bool', value: false };
    if (FLOAT_RE.test(raw)) return { key, kind: 'float', value: Number(raw) };
    throw new LineError(`invalid value ${JSON.stringify(raw)} of field ${JSON.stringify(key)}`);
  }
}
