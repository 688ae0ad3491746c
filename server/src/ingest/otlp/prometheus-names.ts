/**
 * OTLP metric and attribute names turned into Prometheus names, following the OpenTelemetry
 * specification's "Prometheus and OpenMetrics compatibility" (and Prometheus' own otlptranslator):
 * invalid characters become `_` and runs of `_` collapse; the unit is spelled out and appended
 * unless the name already carries it; counters end in `_total`; gauges with unit `1` end in `_ratio`.
 */

/** Abbreviated UCUM units spelled out as Prometheus names spell them. */
const UNIT_WORDS: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tebibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
};

/** Units after `/`, singular ("per second"). */
const PER_UNIT_WORDS: Record<string, string> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

/** What the series counts as, for the suffix rules. */
export type MetricKind = 'counter' | 'gauge' | 'histogram' | 'summary';

function tokens(s: string): string[] {
  return s.split(/[^a-zA-Z0-9:]+/).filter((t) => t !== '');
}

/** The unit as name tokens: `ms` → [milliseconds], `By/s` → [bytes, per, second], `{req}` → []. */
export function unitTokens(unit: string, kind: MetricKind): string[] {
  const bare = unit.replace(/\{[^}]*\}/g, '').trim();
  if (bare === '') return [];
  if (bare === '1') return kind === 'gauge' ? ['ratio'] : [];
  const slash = bare.indexOf('/');
  const main = slash < 0 ? bare : bare.slice(0, slash);
  const per = slash < 0 ? '' : bare.slice(slash + 1);
  const out = tokens(UNIT_WORDS[main] ?? main);
  if (per !== '') {
    const perTokens = tokens(PER_UNIT_WORDS[per] ?? per);
    if (perTokens.length > 0) out.push('per', ...perTokens);
  }
  return out;
}

/**
 * The Prometheus metric name for an OTLP metric, before `_bucket`/`_sum`/`_count`.
 *
 * @example
 * promMetricName('http.server.duration', 'ms', 'histogram') // 'http_server_duration_milliseconds'
 * promMetricName('http.server.requests', '{request}', 'counter') // 'http_server_requests_total'
 */
export function promMetricName(name: string, unit: string, kind: MetricKind): string {
  const parts = tokens(name);
  const unitParts = unitTokens(unit, kind);
  // The unit goes in unless the name already holds it as consecutive tokens.
  const joinedUnit = unitParts.join('_');
  if (unitParts.length > 0 && !`_${parts.join('_')}_`.includes(`_${joinedUnit}_`)) {
    const totalAt = parts.lastIndexOf('total');
    if (kind === 'counter' && totalAt === parts.length - 1) parts.splice(totalAt, 0, ...unitParts);
    else parts.push(...unitParts);
  }
  if (kind === 'counter' && parts[parts.length - 1] !== 'total') parts.push('total');
  let out = parts.join('_');
  if (out === '') out = '_';
  if (/^[0-9]/.test(out)) out = `_${out}`;
  return out;
}

/**
 * An attribute key as a Prometheus label name: invalid characters → `_`, a leading digit gets
 * `key_` in front, and a name made only of underscores becomes `key` plus them (the spec's rule,
 * which also keeps users out of the reserved `__…` space).
 */
export function promLabelName(key: string): string {
  let out = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (out === '') return 'key_empty';
  if (/^[0-9]/.test(out)) out = `key_${out}`;
  else if (out.startsWith('__')) out = `key${out}`;
  return out;
}

/**
 * A float as Prometheus writes `le` and `quantile` values: plain decimal (Go's `FormatFloat(f, 'f', -1)`),
 * `+Inf`, `-Inf`, `NaN`.
 */
export function formatPromFloat(v: number): string {
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  const s = String(v);
  if (!s.includes('e')) return s;
  return v.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20, maximumSignificantDigits: 17 });
}
