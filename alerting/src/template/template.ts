/**
 * Alert label and annotation templates, Prometheus' dialect of Go templates:
 * `{{ $labels.instance }}`, `{{ $value | humanize }}`, `{{ $externalLabels.cluster }}`,
 * `{{ $externalURL }}`, `{{ .Labels.job }}`, `{{ .Value }}`, `{{ if gt $value 90.0 }}...{{ end }}`,
 * with Prometheus' functions (`humanize`, `humanize1024`, `humanizePercentage`,
 * `humanizeDuration`, `humanizeTimestamp`, `toUpper`, `toLower`, `title`, `match`,
 * `reReplaceAll`, `stripPort`, `stripDomain`, `label`-free `index`) on top of the LogQL
 * template engine's functions (`printf`, comparisons, `and`/`or`/`not`, ...).
 */
import {
  type CompiledTemplate,
  compileTemplate,
  goSprintf,
  type TemplateFunction,
  type TemplateValue,
  TimeValue,
  toText,
} from '@vigil/query-language';
import { RE2JS } from 're2js';

/** What an alert template can read. */
export interface AlertTemplateData {
  labels: Record<string, string>;
  value: number;
  externalLabels: Record<string, string>;
  externalURL: string;
}

const num = (v: TemplateValue | undefined): number => {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === null || v === undefined) return 0;
  const text = toText(v).trim();
  const n = Number(text);
  if (text === '' || Number.isNaN(n)) {
    if (/^[+-]?nan$/i.test(text)) return Number.NaN;
    if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax`);
  }
  return n;
};

const g4 = (v: number, suffix = ''): string => goSprintf(`%.4g${suffix.replaceAll('%', '%%')}`, [v]);

/** Prometheus' `humanize`: SI prefixes, 4 significant digits. */
export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return g4(v);
  let x = v;
  let prefix = '';
  if (Math.abs(x) >= 1) {
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(x) < 1000) break;
      prefix = p;
      x /= 1000;
    }
    return g4(x, prefix);
  }
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(x) >= 1) break;
    prefix = p;
    x *= 1000;
  }
  return g4(x, prefix);
}

/** Prometheus' `humanize1024`: binary prefixes. */
export function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return g4(v);
  let x = v;
  let prefix = '';
  for (const p of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
    if (Math.abs(x) < 1024) break;
    prefix = p;
    x /= 1024;
  }
  return g4(x, prefix);
}

/** Prometheus' `humanizeDuration`: seconds as `1d 2h 3m 4s`, or `1.5s`, `250ms`. */
export function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return g4(v);
  if (v === 0) return g4(v, 's');
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    const abs = Math.abs(v);
    const d = Math.trunc(abs);
    const seconds = d % 60;
    const minutes = Math.trunc(d / 60) % 60;
    const hours = Math.trunc(d / 3600) % 24;
    const days = Math.trunc(d / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${g4(abs, 's')}`;
  }
  let x = v;
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(x) >= 1) break;
    prefix = p;
    x *= 1000;
  }
  return g4(x, `${prefix}s`);
}

const fn = (minArgs: number, maxArgs: number, f: (args: TemplateValue[]) => TemplateValue): TemplateFunction => ({ minArgs, maxArgs, fn: f });

const regexCache = new Map<string, RE2JS>();
/** Linear-time (RE2) regexes, compiled once; patterns are user input and treated as hostile. */
function re2(pattern: string): RE2JS {
  let re = regexCache.get(pattern);
  if (!re) {
    if (pattern.length > 1000) throw new Error('regular expression is longer than 1000 characters');
    re = RE2JS.compile(pattern);
    if (regexCache.size > 500) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

/** Prometheus' template functions (those that do not query). */
export const ALERT_TEMPLATE_FUNCTIONS: ReadonlyMap<string, TemplateFunction> = new Map<string, TemplateFunction>([
  ['humanize', fn(1, 1, ([v]) => humanize(num(v)))],
  ['humanize1024', fn(1, 1, ([v]) => humanize1024(num(v)))],
  ['humanizePercentage', fn(1, 1, ([v]) => g4(num(v) * 100, '%'))],
  ['humanizeDuration', fn(1, 1, ([v]) => humanizeDuration(num(v)))],
  [
    'humanizeTimestamp',
    fn(1, 1, ([v]) => {
      const s = num(v);
      if (!Number.isFinite(s)) return g4(s);
      return new TimeValue(BigInt(Math.round(s * 1e9))).toString();
    }),
  ],
  ['toUpper', fn(1, 1, ([v]) => toText(v ?? null).toUpperCase())],
  ['toLower', fn(1, 1, ([v]) => toText(v ?? null).toLowerCase())],
  ['title', fn(1, 1, ([v]) => toText(v ?? null).replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase()))],
  ['match', fn(2, 2, ([re, s]) => re2(toText(re ?? null)).matcher(toText(s ?? null)).find())],
  ['reReplaceAll', fn(3, 3, ([re, repl, s]) => re2(toText(re ?? null)).matcher(toText(s ?? null)).replaceAll(toText(repl ?? null)))],
  ['stripPort', fn(1, 1, ([v]) => stripPort(toText(v ?? null)))],
  ['stripDomain', fn(1, 1, ([v]) => stripDomain(toText(v ?? null)))],
  ['toTime', fn(1, 1, ([v]) => new TimeValue(BigInt(Math.round(num(v) * 1e9))))],
  ['parseDuration', fn(1, 1, ([v]) => parseGoDuration(toText(v ?? null)))],
]);

function stripPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end > 0 ? host.slice(1, end) : host;
  }
  const colon = host.lastIndexOf(':');
  if (colon < 0 || host.indexOf(':') !== colon) return host;
  return host.slice(0, colon);
}

function stripDomain(host: string): string {
  if (host.startsWith('[')) return host;
  const colon = host.lastIndexOf(':');
  const port = colon >= 0 && host.indexOf(':') === colon ? host.slice(colon) : '';
  const name = port ? host.slice(0, colon) : host;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return host;
  const dot = name.indexOf('.');
  return (dot < 0 ? name : name.slice(0, dot)) + port;
}

function parseGoDuration(text: string): number {
  const units: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w|y)/y;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw new Error(`not a valid duration string: ${JSON.stringify(text)}`);
    total += Number(m[1]) * units[m[2]!]!;
    at = re.lastIndex;
  }
  if (text === '') throw new Error('empty duration string');
  return total;
}

/** A compiled alert template. */
export interface CompiledAlertTemplate {
  readonly source: string;
  readonly template: CompiledTemplate;
}

/**
 * Compiles an alert template; throws an Error naming the problem (`template: annotation:1: function
 * "humanise" not defined`). The alarm API calls this at save time so that bad templates are
 * rejected there, not at notification time.
 */
export function compileAlertTemplate(source: string, name = 'annotation'): CompiledAlertTemplate {
  return { source, template: compileTemplate(source, name, { functions: ALERT_TEMPLATE_FUNCTIONS, variables: true }) };
}

/**
 * Expands a compiled template. Never throws: a runtime failure yields the error text in place of
 * the expansion (Prometheus does the same), so a bad value cannot stop a notification.
 */
export function expandAlertTemplate(compiled: CompiledAlertTemplate, data: AlertTemplateData): string {
  const variable = (path: string): TemplateValue | undefined => {
    const dot = path.indexOf('.');
    const head = dot < 0 ? path : path.slice(0, dot);
    const rest = dot < 0 ? '' : path.slice(dot + 1);
    switch (head) {
      case 'labels':
      case 'Labels':
        return rest === '' ? formatMap(data.labels) : data.labels[rest];
      case 'externalLabels':
      case 'ExternalLabels':
        return rest === '' ? formatMap(data.externalLabels) : data.externalLabels[rest];
      case 'value':
      case 'Value':
        return rest === '' ? data.value : undefined;
      case 'externalURL':
      case 'ExternalURL':
        return rest === '' ? data.externalURL : undefined;
      case '':
        return '';
      default:
        return undefined;
    }
  };
  try {
    return compiled.template.execute({
      line: '',
      tsNs: 0n,
      // `.Labels.job` arrives as a field path; `.job` alone is not Prometheus' syntax but reads
      // the label, which is what anyone writing it means.
      label: (name) => {
        const v = variable(name);
        if (v !== undefined) return toText(v);
        return data.labels[name];
      },
      variable,
    });
  } catch (err) {
    return `<error expanding template: ${err instanceof Error ? err.message : String(err)}>`;
  }
}

function formatMap(m: Record<string, string>): string {
  return `map[${Object.keys(m)
    .sort()
    .map((k) => `${k}:${m[k]}`)
    .join(' ')}]`;
}
