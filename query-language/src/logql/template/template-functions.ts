/**
 * The functions available in `line_format` / `label_format` templates: Loki's own (`ToUpper`,
 * `Replace`, `__line__`, `__timestamp__`, `alignLeft`, `unixEpoch`, ...) and the Sprig functions
 * Loki ships that queries use in practice (`lower`, `trunc`, `substr`, `default`, `replace`,
 * `regexReplaceAll`, `printf`, comparisons, ...). One table: the compiler checks names against
 * it, the editor can list it. As in Go templates, a piped value is passed as the last argument.
 */
import { RE2JS } from 're2js';
import { parseGoFloat } from '../ast/units.js';

/** A timestamp value (`__timestamp__`), nanoseconds since the epoch. */
export class TimeValue {
  constructor(readonly ns: bigint) {}
  /** Go's default `time.Time` format in UTC: `2006-01-02 15:04:05.999999999 +0000 UTC`. */
  toString(): string {
    return `${formatGoTime(this.ns, '2006-01-02 15:04:05.999999999')} +0000 UTC`;
  }
}

/** A value inside a template: label values are strings; literals are numbers, booleans or nil. */
export type TemplateValue = string | number | boolean | null | TimeValue;

/** One template function: its arity (maxArgs -1 = variadic) and implementation. */
export interface TemplateFunction {
  minArgs: number;
  maxArgs: number;
  fn(args: TemplateValue[]): TemplateValue;
}

/** Prints a value as Go's `fmt.Print` would for these types. */
export function toText(v: TemplateValue): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatGoNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return v.toString();
}

/** Go template truthiness: false, 0, nil and "" are false. */
export function truthy(v: TemplateValue): boolean {
  return !(v === null || v === false || v === 0 || v === '');
}

function formatGoNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return String(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    const [m = '', e = '0'] = v.toExponential().split('e');
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(v);
}

const str = (v: TemplateValue | undefined): string => (v === undefined ? '' : toText(v));

const int = (v: TemplateValue | undefined): number => {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  const n = parseGoFloat(str(v).trim());
  return n === undefined || Number.isNaN(n) ? 0 : Math.trunc(n);
};

const num = (v: TemplateValue | undefined): number => {
  if (typeof v === 'number') return v;
  const n = parseGoFloat(str(v).trim());
  return n ?? 0;
};

function compareValues(a: TemplateValue, b: TemplateValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if ((typeof a === 'number' && typeof b === 'string') || (typeof a === 'string' && typeof b === 'number')) {
    throw new Error('incompatible types for comparison');
  }
  const x = toText(a);
  const y = toText(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function cutset(s: string, set: string, left: boolean, right: boolean): string {
  let start = 0;
  let end = s.length;
  if (left) while (start < end && set.includes(s[start]!)) start++;
  if (right) while (end > start && set.includes(s[end - 1]!)) end--;
  return s.slice(start, end);
}

const regexCache = new Map<string, RE2JS>();
function regex(source: string): RE2JS {
  let re = regexCache.get(source);
  if (!re) {
    re = RE2JS.compile(source);
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(source, re);
  }
  return re;
}

/** Go's `%.<p>g`: `p` significant digits, exponent form when the exponent is < -4 or ≥ p, no trailing zeros. */
function formatGoG(v: number, precision: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const p = Math.max(1, precision);
  const [mantissa = '', exp = '0'] = v.toExponential(p - 1).split('e');
  const x = Number(exp);
  const trim = (t: string) => (t.includes('.') ? t.replace(/0+$/, '').replace(/\.$/, '') : t);
  if (x < -4 || x >= p) return `${trim(mantissa)}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;
  return trim(v.toFixed(Math.max(0, p - 1 - x)));
}

/** Go's `fmt.Sprintf` for the verbs templates use: `%s %v %d %f %e %g %q %x %X %t %%`, widths, `-`, `0`, precision. */
export function goSprintf(format: string, args: TemplateValue[]): string {
  let out = '';
  let argIndex = 0;
  const spec = /%([-+ 0#]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/y;
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    spec.lastIndex = i;
    const m = spec.exec(format);
    if (!m) {
      out += '%!(NOVERB)';
      continue;
    }
    i = spec.lastIndex - 1;
    const [, flags = '', width, precision, verb] = m;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argIndex >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argIndex++]!;
    let text: string;
    switch (verb) {
      case 's':
      case 'v':
        text = toText(arg);
        if (precision !== undefined && verb === 's') text = text.slice(0, Number(precision));
        break;
      case 'q':
        text = JSON.stringify(toText(arg));
        break;
      case 'd':
        text = typeof arg === 'number' && Number.isInteger(arg) ? String(arg) : `%!d(${typeof arg === 'string' ? 'string' : typeof arg}=${toText(arg)})`;
        break;
      case 'f':
      case 'F':
        text = typeof arg === 'number' ? arg.toFixed(precision === undefined ? 6 : Number(precision)) : `%!f(string=${toText(arg)})`;
        break;
      case 'e':
        text = typeof arg === 'number' ? arg.toExponential(precision === undefined ? 6 : Number(precision)).replace(/e([+-])(\d)$/, 'e$10$2') : `%!e(string=${toText(arg)})`;
        break;
      case 'g':
        text = typeof arg === 'number' ? (precision === undefined ? formatGoNumber(arg) : formatGoG(arg, Number(precision))) : `%!g(string=${toText(arg)})`;
        break;
      case 'x':
      case 'X': {
        const t =
          typeof arg === 'number' ? Math.trunc(arg).toString(16) : Buffer.from(toText(arg), 'utf8').toString('hex');
        text = verb === 'X' ? t.toUpperCase() : t;
        break;
      }
      case 't':
        text = typeof arg === 'boolean' ? String(arg) : `%!t(${toText(arg)})`;
        break;
      default:
        text = `%!${verb}(${toText(arg)})`;
    }
    if (flags.includes('+') && typeof arg === 'number' && arg >= 0 && 'dfeg'.includes(verb!)) text = `+${text}`;
    const w = width === undefined ? 0 : Number(width);
    if (text.length < w) {
      if (flags.includes('-')) text = text.padEnd(w);
      else if (flags.includes('0') && typeof arg === 'number') {
        const negative = text.startsWith('-');
        text = (negative ? '-' : '') + text.slice(negative ? 1 : 0).padStart(w - (negative ? 1 : 0), '0');
      } else text = text.padStart(w);
    }
    out += text;
  }
  if (argIndex < args.length) out += `%!(EXTRA ${args.slice(argIndex).map((a) => `${typeof a}=${toText(a)}`).join(', ')})`;
  return out;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * Formats a UTC time with a Go layout (`2006-01-02T15:04:05.000Z07:00`): the common elements of
 * the reference time are supported (year, month, day, weekday, hour, minute, second, fractions,
 * zone, AM/PM).
 */
export function formatGoTime(ns: bigint, layout: string): string {
  const ms = Number(ns / 1_000_000n);
  const d = new Date(ms);
  const frac = ((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  const fracText = frac.toString().padStart(9, '0');
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const h = d.getUTCHours();
  const rules: Array<[string, () => string]> = [
    ['2006', () => String(d.getUTCFullYear())],
    ['January', () => MONTHS[d.getUTCMonth()]!],
    ['Monday', () => DAYS[d.getUTCDay()]!],
    ['Jan', () => MONTHS[d.getUTCMonth()]!.slice(0, 3)],
    ['Mon', () => DAYS[d.getUTCDay()]!.slice(0, 3)],
    ['MST', () => 'UTC'],
    ['Z07:00', () => 'Z'],
    ['-07:00', () => '+00:00'],
    ['-0700', () => '+0000'],
    ['Z0700', () => 'Z'],
    ['01', () => pad(d.getUTCMonth() + 1)],
    ['02', () => pad(d.getUTCDate())],
    ['_2', () => String(d.getUTCDate()).padStart(2, ' ')],
    ['06', () => pad(d.getUTCFullYear() % 100)],
    ['15', () => pad(h)],
    ['03', () => pad(h % 12 === 0 ? 12 : h % 12)],
    ['04', () => pad(d.getUTCMinutes())],
    ['05', () => pad(d.getUTCSeconds())],
    ['PM', () => (h >= 12 ? 'PM' : 'AM')],
    ['pm', () => (h >= 12 ? 'pm' : 'am')],
    ['1', () => String(d.getUTCMonth() + 1)],
    ['2', () => String(d.getUTCDate())],
    ['3', () => String(h % 12 === 0 ? 12 : h % 12)],
    ['4', () => String(d.getUTCMinutes())],
    ['5', () => String(d.getUTCSeconds())],
  ];
  let out = '';
  for (let i = 0; i < layout.length; ) {
    const fracMatch = /^[.,](0+|9+)/.exec(layout.slice(i));
    if (fracMatch) {
      const digits = fracMatch[1]!;
      let f = fracText.slice(0, digits.length);
      if (digits[0] === '9') f = f.replace(/0+$/, '');
      out += f === '' ? '' : `${fracMatch[0][0]}${f}`;
      i += fracMatch[0].length;
      continue;
    }
    const rule = rules.find(([token]) => layout.startsWith(token, i));
    if (rule) {
      out += rule[1]();
      i += rule[0].length;
    } else out += layout[i++];
  }
  return out;
}

function toTime(v: TemplateValue | undefined): bigint {
  if (v instanceof TimeValue) return v.ns;
  const n = num(v ?? null);
  return BigInt(Math.trunc(n)) * 1_000_000_000n;
}

const f = (minArgs: number, maxArgs: number, fn: (args: TemplateValue[]) => TemplateValue): TemplateFunction => ({ minArgs, maxArgs, fn });
const s1 = (fn: (s: string) => string): TemplateFunction => f(1, 1, (a) => fn(str(a[0])));

/** The template function table. `__line__` and `__timestamp__` read the entry and are listed for completeness. */
export const TEMPLATE_FUNCTIONS: ReadonlyMap<string, TemplateFunction> = new Map<string, TemplateFunction>([
  ['__line__', f(0, 0, () => '')],
  ['__timestamp__', f(0, 0, () => null)],
  // Loki's Go-style functions: the subject string comes first.
  ['ToLower', s1((s) => s.toLowerCase())],
  ['ToUpper', s1((s) => s.toUpperCase())],
  ['Title', s1((s) => s.replace(/\b\w/g, (c) => c.toUpperCase()))],
  ['TrimSpace', s1((s) => s.trim())],
  ['Trim', f(2, 2, (a) => cutset(str(a[0]), str(a[1]), true, true))],
  ['TrimLeft', f(2, 2, (a) => cutset(str(a[0]), str(a[1]), true, false))],
  ['TrimRight', f(2, 2, (a) => cutset(str(a[0]), str(a[1]), false, true))],
  ['TrimPrefix', f(2, 2, (a) => (str(a[0]).startsWith(str(a[1])) ? str(a[0]).slice(str(a[1]).length) : str(a[0])))],
  ['TrimSuffix', f(2, 2, (a) => (str(a[1]) !== '' && str(a[0]).endsWith(str(a[1])) ? str(a[0]).slice(0, -str(a[1]).length) : str(a[0])))],
  [
    'Replace',
    f(4, 4, (a) => {
      const [s, old, nu] = [str(a[0]), str(a[1]), str(a[2])];
      let n = int(a[3]);
      if (n < 0 || old === '') return old === '' ? s : s.split(old).join(nu);
      let out = '';
      let rest = s;
      while (n-- > 0) {
        const i = rest.indexOf(old);
        if (i < 0) break;
        out += rest.slice(0, i) + nu;
        rest = rest.slice(i + old.length);
      }
      return out + rest;
    }),
  ],
  // Sprig functions: the subject string comes last, so that it can be piped in.
  ['lower', s1((s) => s.toLowerCase())],
  ['upper', s1((s) => s.toUpperCase())],
  ['title', s1((s) => s.replace(/\b\w/g, (c) => c.toUpperCase()))],
  ['trim', s1((s) => s.trim())],
  ['nospace', s1((s) => s.replace(/\s+/g, ''))],
  ['trimAll', f(2, 2, (a) => cutset(str(a[1]), str(a[0]), true, true))],
  ['trimPrefix', f(2, 2, (a) => (str(a[1]).startsWith(str(a[0])) ? str(a[1]).slice(str(a[0]).length) : str(a[1])))],
  ['trimSuffix', f(2, 2, (a) => (str(a[0]) !== '' && str(a[1]).endsWith(str(a[0])) ? str(a[1]).slice(0, -str(a[0]).length) : str(a[1])))],
  ['replace', f(3, 3, (a) => (str(a[0]) === '' ? str(a[2]) : str(a[2]).split(str(a[0])).join(str(a[1]))))],
  ['repeat', f(2, 2, (a) => str(a[1]).repeat(Math.max(0, Math.min(int(a[0]), 10_000))))],
  [
    'trunc',
    f(2, 2, (a) => {
      const n = int(a[0]);
      const s = str(a[1]);
      if (n >= 0) return s.slice(0, n);
      return s.length + n > 0 ? s.slice(s.length + n) : s;
    }),
  ],
  [
    'substr',
    f(3, 3, (a) => {
      const s = str(a[2]);
      const start = int(a[0]);
      const end = int(a[1]);
      if (start < 0) return s.slice(0, end);
      if (end < 0 || end > s.length) return s.slice(start);
      return s.slice(start, end);
    }),
  ],
  ['abbrev', f(2, 2, (a) => (str(a[1]).length <= int(a[0]) ? str(a[1]) : `${str(a[1]).slice(0, Math.max(0, int(a[0]) - 3))}...`))],
  ['contains', f(2, 2, (a) => str(a[1]).includes(str(a[0])))],
  ['hasPrefix', f(2, 2, (a) => str(a[1]).startsWith(str(a[0])))],
  ['hasSuffix', f(2, 2, (a) => str(a[1]).endsWith(str(a[0])))],
  ['count', f(2, 2, (a) => (str(a[0]) === '' ? [...str(a[1])].length + 1 : str(a[1]).split(str(a[0])).length - 1))],
  ['indent', f(2, 2, (a) => str(a[1]).replace(/^/gm, ' '.repeat(Math.max(0, int(a[0])))))],
  ['nindent', f(2, 2, (a) => `\n${str(a[1]).replace(/^/gm, ' '.repeat(Math.max(0, int(a[0]))))}`)],
  ['alignLeft', f(2, 2, (a) => str(a[1]).slice(0, Math.max(0, int(a[0]))).padEnd(Math.max(0, int(a[0]))))],
  ['alignRight', f(2, 2, (a) => {
    const n = Math.max(0, int(a[0]));
    const s = str(a[1]);
    return s.length > n ? s.slice(s.length - n) : s.padStart(n);
  })],
  ['b64enc', s1((s) => Buffer.from(s, 'utf8').toString('base64'))],
  [
    'b64dec',
    s1((s) => {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) throw new Error(`illegal base64 data`);
      return Buffer.from(s, 'base64').toString('utf8');
    }),
  ],
  ['urlencode', s1((s) => encodeURIComponent(s).replace(/%20/g, '+'))],
  ['urldecode', s1((s) => decodeURIComponent(s.replace(/\+/g, ' ')))],
  [
    'default',
    f(1, 2, (a) => {
      const given = a.length > 1 ? a[1]! : null;
      return truthy(given) ? given : a[0]!;
    }),
  ],
  ['regexReplaceAll', f(3, 3, (a) => regex(str(a[0])).matcher(str(a[1])).replaceAll(str(a[2])))],
  ['regexReplaceAllLiteral', f(3, 3, (a) => regex(str(a[0])).matcher(str(a[1])).replaceAll(RE2JS.quoteReplacement(str(a[2]))))],
  ['printf', f(1, -1, (a) => goSprintf(str(a[0]), a.slice(1)))],
  ['int', f(1, 1, (a) => int(a[0]))],
  ['float64', f(1, 1, (a) => num(a[0]))],
  ['toString', f(1, 1, (a) => str(a[0]))],
  ['len', f(1, 1, (a) => Buffer.byteLength(str(a[0]), 'utf8'))],
  ['add', f(2, -1, (a) => a.reduce<number>((x, y) => x + int(y), 0))],
  ['sub', f(2, 2, (a) => int(a[0]) - int(a[1]))],
  ['mul', f(2, -1, (a) => a.reduce<number>((x, y) => x * int(y), 1))],
  ['div', f(2, 2, (a) => {
    if (int(a[1]) === 0) throw new Error('integer divide by zero');
    return Math.trunc(int(a[0]) / int(a[1]));
  })],
  ['addf', f(2, -1, (a) => a.reduce<number>((x, y) => x + num(y), 0))],
  ['subf', f(2, 2, (a) => num(a[0]) - num(a[1]))],
  ['mulf', f(2, -1, (a) => a.reduce<number>((x, y) => x * num(y), 1))],
  ['divf', f(2, 2, (a) => num(a[0]) / num(a[1]))],
  ['eq', f(2, -1, (a) => a.slice(1).some((b) => compareValues(a[0]!, b) === 0))],
  ['ne', f(2, 2, (a) => compareValues(a[0]!, a[1]!) !== 0)],
  ['lt', f(2, 2, (a) => compareValues(a[0]!, a[1]!) < 0)],
  ['le', f(2, 2, (a) => compareValues(a[0]!, a[1]!) <= 0)],
  ['gt', f(2, 2, (a) => compareValues(a[0]!, a[1]!) > 0)],
  ['ge', f(2, 2, (a) => compareValues(a[0]!, a[1]!) >= 0)],
  ['and', f(1, -1, (a) => a.find((v) => !truthy(v)) ?? a[a.length - 1]!)],
  ['or', f(1, -1, (a) => a.find((v) => truthy(v)) ?? a[a.length - 1]!)],
  ['not', f(1, 1, (a) => !truthy(a[0]!))],
  ['unixEpoch', f(1, 1, (a) => Number(toTime(a[0]) / 1_000_000_000n))],
  ['unixEpochMillis', f(1, 1, (a) => Number(toTime(a[0]) / 1_000_000n))],
  ['unixEpochNanos', f(1, 1, (a) => Number(toTime(a[0])))],
  ['unixToTime', f(1, 1, (a) => {
    const s = str(a[0]).trim();
    if (!/^\d+$/.test(s)) throw new Error(`invalid epoch ${JSON.stringify(s)}`);
    // Loki reads the epoch's unit from its length: seconds, milliseconds, microseconds, nanoseconds.
    const n = BigInt(s);
    const scale = s.length <= 10 ? 1_000_000_000n : s.length <= 13 ? 1_000_000n : s.length <= 16 ? 1_000n : 1n;
    return new TimeValue(n * scale);
  })],
  ['date', f(2, 2, (a) => formatGoTime(toTime(a[1]), str(a[0])))],
  ['toDate', f(2, 2, (a) => {
    const ms = Date.parse(str(a[1]));
    if (Number.isNaN(ms)) throw new Error(`cannot parse ${JSON.stringify(str(a[1]))} as a date`);
    return new TimeValue(BigInt(ms) * 1_000_000n);
  })],
]);
