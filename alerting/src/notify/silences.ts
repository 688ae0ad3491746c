import { randomUUID } from 'node:crypto';
import { RE2JS } from 're2js';
import { AlertingError } from '../errors.js';

/** How a matcher compares a label value. */
export type MatcherType = '=' | '!=' | '=~' | '!~';

/** One label matcher; regexes are anchored like Prometheus (`^(?:re)$`). */
export interface SilenceMatcher {
  name: string;
  value: string;
  type: MatcherType;
}

/**
 * A silence: mutes firing alerts whose labels match every matcher while
 * `startsAtMs <= now < endsAtMs`. Its state is derived from time ({@link silenceStatus}), never
 * stored; expired silences are kept for audit.
 */
export interface Silence {
  id: string;
  tenant: string;
  matchers: SilenceMatcher[];
  startsAtMs: number;
  endsAtMs: number;
  createdBy: string;
  comment: string;
  createdAtMs: number;
}

/** The longest regex a matcher may hold, in characters. */
export const MAX_MATCHER_REGEX_LENGTH = 1000;

/** Options of {@link parseSilence}: values the server supplies rather than the body. */
export interface ParseSilenceOptions {
  /** Used when the body has no `id`. @default a random UUID */
  id?: string;
  /** Overrides any tenant in the body. */
  tenant?: string;
  /** Creation time and default start, epoch ms. @default Date.now() */
  nowMs?: number;
}

/**
 * Validates a silence body. Matchers may be Vigil's `{name, value, type}` or Alertmanager's
 * `{name, value, isRegex, isEqual}`; times are `startsAtMs`/`endsAtMs` numbers or Alertmanager's
 * RFC 3339 `startsAt`/`endsAt`. Every regex is compiled (anchored) and screened. Throws
 * `AlertingError('bad_data')` listing every problem.
 *
 * @example
 * parseSilence({ matchers: [{ name: 'alertname', value: 'HighCPU', isRegex: false }], endsAt: '2030-01-01T00:00:00Z', createdBy: 'ann', comment: 'maintenance' }, { tenant: 't1' });
 */
export function parseSilence(body: unknown, options: ParseSilenceOptions = {}): Silence {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AlertingError('bad_data', 'invalid silence: the body must be a JSON object');
  const b = body as Record<string, unknown>;
  const problems: string[] = [];
  const known = new Set(['id', 'tenant', 'matchers', 'startsAtMs', 'endsAtMs', 'startsAt', 'endsAt', 'createdBy', 'comment', 'createdAtMs', 'status', 'updatedAt']);
  for (const k of Object.keys(b)) if (!known.has(k)) problems.push(`unknown field: ${k}`);
  const nowMs = options.nowMs ?? Date.now();

  const matchers: SilenceMatcher[] = [];
  if (!Array.isArray(b.matchers) || b.matchers.length === 0 || b.matchers.length > 64) {
    problems.push('matchers: must be an array of 1 to 64 matchers');
  } else {
    b.matchers.forEach((m, i) => {
      const r = parseMatcher(m);
      if (typeof r === 'string') problems.push(`matchers[${i}]: ${r}`);
      else matchers.push(r);
    });
    if (matchers.length === b.matchers.length && matchers.every((m) => matches(m, ''))) {
      problems.push('matchers: at least one matcher must not match the empty string, or the silence would mute everything');
    }
  }
  const startsAtMs = time(b, 'startsAt', problems) ?? nowMs;
  const endsAtMs = time(b, 'endsAt', problems);
  if (endsAtMs === undefined) problems.push('endsAt: required (startsAt defaults to now)');
  else if (endsAtMs <= startsAtMs) problems.push('endsAt: must be after startsAt');
  const text = (k: 'createdBy' | 'comment', max: number): string => {
    const v = b[k];
    if (typeof v !== 'string' || v.trim() === '' || v.length > max) {
      problems.push(`${k}: required, a string of at most ${max} characters`);
      return '';
    }
    return v;
  };
  const createdBy = text('createdBy', 256);
  const comment = text('comment', 4096);
  const id = b.id === undefined ? (options.id ?? randomUUID()) : b.id;
  if (typeof id !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(id)) problems.push('id: must be 1-128 letters, digits, "_", "." or "-"');
  const tenant = options.tenant ?? b.tenant;
  if (typeof tenant !== 'string' || tenant === '') problems.push('tenant: required');
  if (problems.length > 0) throw new AlertingError('bad_data', `invalid silence: ${problems.join('; ')}`);
  return {
    id: id as string,
    tenant: tenant as string,
    matchers,
    startsAtMs,
    endsAtMs: endsAtMs!,
    createdBy,
    comment,
    createdAtMs: typeof b.createdAtMs === 'number' ? b.createdAtMs : nowMs,
  };
}

function time(b: Record<string, unknown>, base: 'startsAt' | 'endsAt', problems: string[]): number | undefined {
  const ms = b[`${base}Ms`];
  if (ms !== undefined) {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) problems.push(`${base}Ms: must be epoch milliseconds`);
    else return ms;
    return undefined;
  }
  const s = b[base];
  if (s === undefined) return undefined;
  const t = typeof s === 'string' ? Date.parse(s) : Number.NaN;
  if (Number.isNaN(t)) problems.push(`${base}: must be an RFC 3339 time`);
  return Number.isNaN(t) ? undefined : t;
}

function parseMatcher(m: unknown): SilenceMatcher | string {
  if (typeof m !== 'object' || m === null) return 'must be an object';
  const o = m as Record<string, unknown>;
  if (typeof o.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.name)) return 'name: must be a label name';
  if (typeof o.value !== 'string') return 'value: must be a string';
  let type: MatcherType;
  if (o.type !== undefined) {
    if (o.type !== '=' && o.type !== '!=' && o.type !== '=~' && o.type !== '!~') return 'type: must be one of =, !=, =~, !~';
    type = o.type;
  } else {
    if (o.isRegex !== undefined && typeof o.isRegex !== 'boolean') return 'isRegex: must be true or false';
    if (o.isEqual !== undefined && typeof o.isEqual !== 'boolean') return 'isEqual: must be true or false';
    const eq = o.isEqual !== false;
    type = o.isRegex === true ? (eq ? '=~' : '!~') : eq ? '=' : '!=';
  }
  const matcher: SilenceMatcher = { name: o.name, value: o.value, type };
  if (type === '=~' || type === '!~') {
    const err = regexProblem(o.value);
    if (err) return `value: ${err}`;
  }
  return matcher;
}

// Patterns whose matching time can explode in a backtracking engine: a quantified group that
// itself contains a quantifier (`(a+)+`, `(.*)*`, `(x|y+){2,}`), and backreferences.
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)[+*{]/;
const BACKREFERENCE = /\\[1-9]|\\k</;

function regexProblem(re: string): string | null {
  if (re.length > MAX_MATCHER_REGEX_LENGTH) return `regex longer than ${MAX_MATCHER_REGEX_LENGTH} characters`;
  if (NESTED_QUANTIFIER.test(re)) return 'regex has a nested quantifier (like (a+)+), which can take exponential time';
  if (BACKREFERENCE.test(re)) return 'regex backreferences are not supported';
  try {
    compile(re);
  } catch (err) {
    return `invalid regex: ${(err as Error).message}`;
  }
  return null;
}

const cache = new Map<string, RE2JS>();

function compile(re: string): RE2JS {
  let c = cache.get(re);
  if (c === undefined) {
    // Anchored like Prometheus (`^(?s:re)$`): the whole value must match, `.` matches newlines.
    // RE2 semantics (linear time), as Prometheus and Alertmanager: the screen above is only a
    // first line, and patterns such as `(a|a)*b` pass it yet take exponential time in a
    // backtracking engine (V8's RegExp), which would stall every delivery of every tenant.
    c = RE2JS.compile(`^(?s:${re})$`);
    if (cache.size >= 10_000) cache.clear();
    cache.set(re, c);
  }
  return c;
}

/** Whether one matcher accepts `value` (a missing label is the empty string). */
export function matches(m: SilenceMatcher, value: string): boolean {
  switch (m.type) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    case '=~':
      return safeTest(m.value, value);
    case '!~':
      return !safeTest(m.value, value);
  }
}

const verdicts = new Map<string, RE2JS | null>();

function safeTest(re: string, value: string): boolean {
  // A pattern that slipped past the screen (e.g. a stored silence from an older version) fails
  // closed: it matches nothing rather than throwing inside the pipeline.
  let compiled = verdicts.get(re);
  if (compiled === undefined) {
    compiled = regexProblem(re) === null ? compile(re) : null;
    if (verdicts.size >= 10_000) verdicts.clear();
    verdicts.set(re, compiled);
  }
  return compiled?.matcher(value).matches() ?? false;
}

/** 'pending' before `startsAtMs`, 'active' until `endsAtMs`, then 'expired'. */
export function silenceStatus(s: Silence, nowMs: number): 'pending' | 'active' | 'expired' {
  if (nowMs < s.startsAtMs) return 'pending';
  return nowMs < s.endsAtMs ? 'active' : 'expired';
}

/** Whether an active silence among `silences` matches every one of its matchers on `labels`. */
export function isSilenced(labels: Record<string, string>, silences: readonly Silence[], nowMs: number): boolean {
  return silences.some((s) => silenceStatus(s, nowMs) === 'active' && s.matchers.every((m) => matches(m, labels[m.name] ?? '')));
}
