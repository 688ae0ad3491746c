import { AlertingError } from '../errors.js';
import type { TreatMissingData } from './state.js';

/** The comparison an alarm level applies: `value <op> threshold` breaches. */
export type Comparison = '>' | '>=' | '<' | '<=';

/** One level of a threshold alarm, e.g. `warning > 80`, `critical > 95`. */
export interface AlarmLevel {
  /** Becomes the `severity` label of the alert. */
  severity: string;
  threshold: number;
}

/** Anomaly alarm settings: a band of `bandWidth` standard deviations around the expected value. */
export interface AnomalySettings {
  /** k: half-width of the band in standard deviations. */
  bandWidth: number;
  /** Which side of the band breaches. */
  direction: 'above' | 'below' | 'outside';
  /** Training window (at most 14 days). */
  trainingDays: number;
  /** Time ranges left out of training (incidents, migrations), epoch ms. */
  excluded: Array<{ startMs: number; endMs: number }>;
}

/**
 * An alarm as users define it (`/api/v1/alarms`, and Prometheus rule files converted to it).
 * Three types share the evaluator: `threshold` (a query, levels, M of N), `anomaly` (a query, a
 * learned band, M of N) and `composite` (a rule over other alarms' states).
 */
export interface AlarmDefinition {
  /** Unique per tenant: `[A-Za-z0-9_.:-]{1,128}`; also the `alertname` label. */
  name: string;
  description: string;
  type: 'threshold' | 'anomaly' | 'composite';
  /** PromQL, or a LogQL metric query; yields one alarm instance per series. Empty for composite. */
  query: string;
  /** The query's language; `auto` tries PromQL, then LogQL. */
  language: 'promql' | 'logql' | 'auto';
  /** Evaluation period: datapoints are the query's values at multiples of it. */
  periodSeconds: number;
  /** N: datapoints considered per evaluation. */
  evaluationPeriods: number;
  /** M: breaching datapoints (of N) that set ALARM. */
  datapointsToAlarm: number;
  comparison: Comparison;
  /**
   * Threshold levels, least to most severe. Empty means Prometheus style: every series the query
   * returns breaches (the query carries its own comparison, `up == 0`).
   */
  levels: AlarmLevel[];
  treatMissingData: TreatMissingData;
  /** Prometheus `keep_firing_for`, seconds (0 = off). */
  keepFiringForSeconds: number;
  /**
   * Datapoints looked at to find N present ones (CloudWatch's evaluation range). N + 2 by default;
   * exactly N for alarms written with Prometheus' `for`.
   */
  evaluationRange: number;
  /** Evaluate this long after a period ends, so late samples are in (CloudWatch-style delay). */
  evaluationDelaySeconds: number;
  /** Extra alert labels (templates allowed). */
  labels: Record<string, string>;
  /** Alert annotations (templates allowed): `summary`, `description`, `runbook_url`, ... */
  annotations: Record<string, string>;
  /** Channel names notified on transitions. */
  channels: string[];
  anomaly: AnomalySettings | null;
  /** Composite rule text, e.g. `ALARM("db-high") AND NOT OK("deploying")`. */
  rule: string;
  enabled: boolean;
  /** Where the definition came from: the API, or a rule file (read-only through the API). */
  source: { kind: 'api' } | { kind: 'file'; file: string; group: string };
}

// `.` and `..` are refused: the name is a URL path segment, and clients normalise those away.
const NAME_RE = /^(?!\.\.?$)[A-Za-z0-9_.:-]{1,128}$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const CHANNEL_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const COMPARISONS: Record<string, Comparison> = {
  '>': '>',
  '>=': '>=',
  '<': '<',
  '<=': '<=',
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '>=',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
};
const TREATMENTS: TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];
const KNOWN = [
  'name',
  'description',
  'type',
  'query',
  'language',
  'periodSeconds',
  'evaluationPeriods',
  'datapointsToAlarm',
  'comparison',
  'threshold',
  'severity',
  'levels',
  'treatMissingData',
  'for',
  'keepFiringFor',
  'keepFiringForSeconds',
  'evaluationRange',
  'evaluationDelaySeconds',
  'labels',
  'annotations',
  'channels',
  'anomaly',
  'rule',
  'enabled',
];
/** Most datapoints one evaluation may consider. */
export const MAX_EVALUATION_PERIODS = 100;
/** Most levels one alarm may have. */
export const MAX_LEVELS = 5;
/** Shortest evaluation period. */
export const MIN_PERIOD_SECONDS = 1;
/** Longest evaluation period (a day, as CloudWatch). */
export const MAX_PERIOD_SECONDS = 86_400;

/**
 * Parses a duration as Prometheus writes them (`90s`, `5m`, `1h30m`, `1d`, `500ms`) or a number of
 * seconds. Returns seconds, or undefined when the text is not a duration.
 */
export function parseDurationSeconds(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string' || v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const re = /(\d+)(ms|y|w|d|h|m|s)/g;
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(v); m !== null; m = re.exec(v)) {
    if (m.index !== consumed) return undefined;
    total += Number(m[1]) * unit[m[2]!]!;
    consumed = re.lastIndex;
  }
  return consumed === v.length ? total : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function stringMap(v: unknown, what: string, problems: string[], checkKeys: boolean): Record<string, string> {
  if (v === undefined) return {};
  if (!isObject(v)) {
    problems.push(`${what} must be an object of strings`);
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (checkKeys && (!LABEL_RE.test(k) || k.startsWith('__'))) problems.push(`${what}: invalid label name ${JSON.stringify(k)}`);
    if (typeof val !== 'string') problems.push(`${what}.${k} must be a string`);
    else out[k] = val;
  }
  return out;
}

const positiveInt = (v: unknown, what: string, max: number, problems: string[]): number | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    problems.push(`${what} must be an integer from 1 to ${max}`);
    return undefined;
  }
  return v;
};

/**
 * Validates an alarm body from the API or a converted rule: unknown fields are rejected, every
 * problem is named, defaults are applied. Queries and composite rules are checked by the caller
 * (which owns the parsers); templates too.
 *
 * Accepted shorthands: `threshold` (+ optional `severity`) for a single level; CloudWatch
 * comparison names (`GreaterThanThreshold`); `for` / `keepFiringFor` as Prometheus durations.
 * With `for`, N = M = for / period + 1 and missing datapoints do not breach, which is what
 * Prometheus' pending → firing does.
 *
 * @throws AlertingError bad_data listing every problem.
 */
export function parseAlarmDefinition(body: unknown, nameFromPath?: string): AlarmDefinition {
  if (!isObject(body)) throw new AlertingError('bad_data', 'alarm must be a JSON object');
  const b = body;
  const problems: string[] = [];
  for (const k of Object.keys(b)) if (!KNOWN.includes(k)) problems.push(`unknown field ${JSON.stringify(k)}`);
  const name = nameFromPath ?? b.name;
  if (typeof name !== 'string' || !NAME_RE.test(name)) problems.push('name must match [A-Za-z0-9_.:-]{1,128} and not be "." or ".."');
  if (nameFromPath !== undefined && b.name !== undefined && b.name !== nameFromPath) problems.push('name in the body differs from the name in the path');
  const description = b.description ?? '';
  if (typeof description !== 'string') problems.push('description must be a string');

  const type = b.type ?? (b.rule !== undefined ? 'composite' : b.anomaly !== undefined ? 'anomaly' : 'threshold');
  if (type !== 'threshold' && type !== 'anomaly' && type !== 'composite') problems.push('type must be "threshold", "anomaly" or "composite"');

  const query = b.query ?? '';
  const rule = b.rule ?? '';
  if (type === 'composite') {
    if (typeof rule !== 'string' || rule.trim() === '') problems.push('rule must be a composite rule such as ALARM("db-high") AND NOT OK("deploying")');
    if (b.query !== undefined) problems.push('query is not used by a composite alarm');
  } else {
    if (typeof query !== 'string' || query.trim() === '') problems.push('query must be a PromQL expression or a LogQL metric query');
    if (b.rule !== undefined) problems.push('rule is only used by a composite alarm');
  }

  const language = b.language ?? 'auto';
  if (language !== 'promql' && language !== 'logql' && language !== 'auto') problems.push('language must be "promql", "logql" or "auto"');

  let periodSeconds = 60;
  if (b.periodSeconds !== undefined) {
    if (typeof b.periodSeconds !== 'number' || !Number.isInteger(b.periodSeconds) || b.periodSeconds < MIN_PERIOD_SECONDS || b.periodSeconds > MAX_PERIOD_SECONDS) {
      problems.push(`periodSeconds must be an integer from ${MIN_PERIOD_SECONDS} to ${MAX_PERIOD_SECONDS}`);
    } else periodSeconds = b.periodSeconds;
  }

  const forSeconds = b.for === undefined ? undefined : parseDurationSeconds(b.for);
  if (b.for !== undefined && forSeconds === undefined) problems.push('for must be a duration such as 5m');
  let n = positiveInt(b.evaluationPeriods, 'evaluationPeriods', MAX_EVALUATION_PERIODS, problems);
  let m = positiveInt(b.datapointsToAlarm, 'datapointsToAlarm', MAX_EVALUATION_PERIODS, problems);
  if (forSeconds !== undefined) {
    if (n !== undefined || m !== undefined) problems.push('for cannot be combined with evaluationPeriods or datapointsToAlarm');
    n = Math.floor(forSeconds / periodSeconds) + 1;
    m = n;
    if (n > MAX_EVALUATION_PERIODS) problems.push(`for spans more than ${MAX_EVALUATION_PERIODS} periods; raise periodSeconds`);
  }
  n ??= m ?? 1;
  m ??= n;
  if (m > n) problems.push('datapointsToAlarm must not exceed evaluationPeriods');

  const keepRaw = b.keepFiringFor ?? b.keepFiringForSeconds;
  const keepFiringForSeconds = keepRaw === undefined ? 0 : parseDurationSeconds(keepRaw);
  if (keepFiringForSeconds === undefined) problems.push('keepFiringFor must be a duration such as 10m');

  let comparison: Comparison = '>';
  if (b.comparison !== undefined) {
    const c = typeof b.comparison === 'string' ? COMPARISONS[b.comparison] : undefined;
    if (c === undefined) problems.push('comparison must be one of >, >=, <, <= (or GreaterThanThreshold, GreaterThanOrEqualToThreshold, LessThanThreshold, LessThanOrEqualToThreshold)');
    else comparison = c;
  }

  const levels: AlarmLevel[] = [];
  if (b.levels !== undefined && b.threshold !== undefined) problems.push('give either threshold or levels, not both');
  if (b.threshold !== undefined) {
    if (typeof b.threshold !== 'number' || !Number.isFinite(b.threshold)) problems.push('threshold must be a finite number');
    else levels.push({ severity: typeof b.severity === 'string' ? b.severity : 'critical', threshold: b.threshold });
    if (b.severity !== undefined && (typeof b.severity !== 'string' || b.severity === '')) problems.push('severity must be a non-empty string');
  } else if (b.levels !== undefined) {
    if (!Array.isArray(b.levels) || b.levels.length === 0 || b.levels.length > MAX_LEVELS) problems.push(`levels must be a list of 1 to ${MAX_LEVELS} {severity, threshold}`);
    else {
      b.levels.forEach((l: unknown, i) => {
        if (!isObject(l) || typeof l.severity !== 'string' || l.severity === '' || typeof l.threshold !== 'number' || !Number.isFinite(l.threshold)) {
          problems.push(`levels[${i}] must be {"severity": "<name>", "threshold": <number>}`);
        } else levels.push({ severity: l.severity, threshold: l.threshold });
      });
      // Least to most severe: ascending thresholds for > and >=, descending for < and <=.
      const up = comparison === '>' || comparison === '>=';
      levels.sort((x, y) => (up ? x.threshold - y.threshold : y.threshold - x.threshold));
      if (new Set(levels.map((l) => l.severity)).size !== levels.length) problems.push('levels must have distinct severities');
    }
  } else if (b.severity !== undefined) problems.push('severity needs a threshold');
  if (type === 'anomaly' && levels.length > 0) problems.push('an anomaly alarm has a band, not thresholds');

  let treatMissingData: TreatMissingData = forSeconds !== undefined || (type === 'threshold' && levels.length === 0) ? 'notBreaching' : 'missing';
  if (b.treatMissingData !== undefined) {
    if (!TREATMENTS.includes(b.treatMissingData as TreatMissingData)) problems.push(`treatMissingData must be one of ${TREATMENTS.join(', ')}`);
    else treatMissingData = b.treatMissingData as TreatMissingData;
  }

  let evaluationRange = forSeconds !== undefined ? n : n + 2;
  if (b.evaluationRange !== undefined) {
    const r = positiveInt(b.evaluationRange, 'evaluationRange', MAX_EVALUATION_PERIODS * 2, problems);
    if (r !== undefined && r < n) problems.push('evaluationRange must be at least evaluationPeriods');
    else if (r !== undefined) evaluationRange = r;
  }

  let evaluationDelaySeconds = 0;
  if (b.evaluationDelaySeconds !== undefined) {
    if (typeof b.evaluationDelaySeconds !== 'number' || !Number.isFinite(b.evaluationDelaySeconds) || b.evaluationDelaySeconds < 0 || b.evaluationDelaySeconds > 3600) {
      problems.push('evaluationDelaySeconds must be a number from 0 to 3600');
    } else evaluationDelaySeconds = b.evaluationDelaySeconds;
  }

  const labels = stringMap(b.labels, 'labels', problems, true);
  if ('alertname' in labels) problems.push('labels: alertname is set from the alarm name');
  const annotations = stringMap(b.annotations, 'annotations', problems, true);

  const channels: string[] = [];
  if (b.channels !== undefined) {
    if (!Array.isArray(b.channels)) problems.push('channels must be a list of channel names');
    else
      for (const ch of b.channels) {
        if (typeof ch !== 'string' || !CHANNEL_RE.test(ch)) problems.push(`channels: invalid channel name ${JSON.stringify(ch)}`);
        else if (!channels.includes(ch)) channels.push(ch);
      }
  }

  let anomaly: AnomalySettings | null = null;
  if (type === 'anomaly') {
    const a = b.anomaly ?? {};
    if (!isObject(a)) problems.push('anomaly must be an object');
    else {
      const known = ['bandWidth', 'direction', 'trainingDays', 'excluded'];
      for (const k of Object.keys(a)) if (!known.includes(k)) problems.push(`anomaly: unknown field ${JSON.stringify(k)}`);
      const bandWidth = a.bandWidth ?? 3;
      if (typeof bandWidth !== 'number' || !(bandWidth > 0) || bandWidth > 20) problems.push('anomaly.bandWidth must be a number above 0 and at most 20');
      const direction = a.direction ?? 'outside';
      if (direction !== 'above' && direction !== 'below' && direction !== 'outside') problems.push('anomaly.direction must be above, below or outside');
      const trainingDays = a.trainingDays ?? 14;
      if (typeof trainingDays !== 'number' || !(trainingDays >= 1) || trainingDays > 14) problems.push('anomaly.trainingDays must be from 1 to 14');
      const excluded: AnomalySettings['excluded'] = [];
      if (a.excluded !== undefined) {
        if (!Array.isArray(a.excluded)) problems.push('anomaly.excluded must be a list of {start, end}');
        else
          a.excluded.forEach((r: unknown, i) => {
            const start = isObject(r) ? toMs(r.start) : undefined;
            const end = isObject(r) ? toMs(r.end) : undefined;
            if (start === undefined || end === undefined || end <= start) problems.push(`anomaly.excluded[${i}] must be {"start": <time>, "end": <later time>} (RFC 3339 or Unix seconds)`);
            else excluded.push({ startMs: start, endMs: end });
          });
      }
      anomaly = { bandWidth: bandWidth as number, direction: direction as AnomalySettings['direction'], trainingDays: trainingDays as number, excluded };
    }
  } else if (b.anomaly !== undefined) problems.push('anomaly is only used by an anomaly alarm');

  const enabled = b.enabled ?? true;
  if (typeof enabled !== 'boolean') problems.push('enabled must be true or false');

  if (problems.length > 0) throw new AlertingError('bad_data', `invalid alarm: ${problems.join('; ')}`);
  return {
    name: name as string,
    description: description as string,
    type: type as AlarmDefinition['type'],
    query: type === 'composite' ? '' : (query as string),
    language: language as AlarmDefinition['language'],
    periodSeconds,
    evaluationPeriods: n,
    datapointsToAlarm: m,
    comparison,
    levels,
    treatMissingData,
    keepFiringForSeconds: keepFiringForSeconds ?? 0,
    evaluationRange,
    evaluationDelaySeconds,
    labels,
    annotations,
    channels,
    anomaly,
    rule: type === 'composite' ? (rule as string) : '',
    enabled: enabled as boolean,
    source: { kind: 'api' },
  };
}

/** RFC 3339 text or Unix seconds → epoch ms. */
function toMs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.round(v * 1000);
  if (typeof v === 'string') {
    if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return t;
  }
  return undefined;
}

/** Whether `value` breaches `threshold` under `comparison`. NaN never breaches. */
export function breaches(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}
