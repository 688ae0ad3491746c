import { AlertingError } from '../errors.js';

/** The kinds of notification channel. */
export type ChannelType = 'slack' | 'email' | 'webhook' | 'scaling';

/** Every channel type, for validation and listings. */
export const CHANNEL_TYPES: readonly ChannelType[] = ['slack', 'email', 'webhook', 'scaling'];

/** What a secret prints as in API output; sent back unchanged on update, it keeps the stored value. */
export const SECRET_PLACEHOLDER = '<secret>';

/** Settings every channel has: identity and Alertmanager's grouping and timing. */
export interface ChannelBase {
  name: string;
  description?: string;
  /** Labels that form a group; `['...']` groups by all labels. @default ['alertname'] */
  groupBy: string[];
  /** Wait before the first notification of a new group, in seconds. @default 30 */
  groupWaitSeconds: number;
  /** Minimum time between notifications of a changed group, in seconds. @default 300 */
  groupIntervalSeconds: number;
  /** Re-notify a still-firing, unchanged group after this long, in seconds. @default 14400 */
  repeatIntervalSeconds: number;
  /** Notify when alerts resolve. @default true */
  sendResolved: boolean;
}

/** A Slack incoming webhook. `url` is a secret. */
export interface SlackChannelConfig extends ChannelBase {
  type: 'slack';
  url: string;
  channel?: string;
  username?: string;
}

/** Email to fixed recipients (never taken from alert labels). */
export interface EmailChannelConfig extends ChannelBase {
  type: 'email';
  to: string[];
  cc?: string[];
  /** A fixed subject prefix; no templating. */
  subject?: string;
}

/** An Alertmanager-compatible webhook (payload version 4). Header values are secrets. */
export interface WebhookChannelConfig extends ChannelBase {
  type: 'webhook';
  url: string;
  headers?: Record<string, string>;
  /** Send at most this many alerts per notification (0 = all); the rest count in `truncatedAlerts`. */
  maxAlerts?: number;
}

/** A scaling endpoint; bodies are signed with HMAC-SHA256 using `secret`. */
export interface ScalingChannelConfig extends ChannelBase {
  type: 'scaling';
  url: string;
  secret: string;
}

/** A validated, frozen channel configuration. */
export type ChannelConfig = SlackChannelConfig | EmailChannelConfig | WebhookChannelConfig | ScalingChannelConfig;

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const LABEL_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
// A deliberately plain address form: no display names, no quoting, no comments, no whitespace,
// no commas and no control characters, so one entry is always exactly one recipient.
const EMAIL_RE = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'host', 'idempotency-key', 'x-vigil-signature', 'transfer-encoding', 'connection']);
const MAX_SECONDS = 30 * 86_400;

const BASE_KEYS = ['name', 'type', 'description', 'groupBy', 'groupWaitSeconds', 'groupIntervalSeconds', 'repeatIntervalSeconds', 'sendResolved'];
const TYPE_KEYS: Record<ChannelType, string[]> = {
  slack: ['url', 'channel', 'username'],
  email: ['to', 'cc', 'subject'],
  webhook: ['url', 'headers', 'maxAlerts'],
  scaling: ['url', 'secret'],
};

/**
 * Validates a channel body (from the API or a config file) and returns a frozen config with
 * defaults applied. `nameFromPath` fills or must equal `name`. When `previous` is given (an
 * update), secret fields sent back as {@link SECRET_PLACEHOLDER} keep the previous value.
 * Throws `AlertingError('bad_data')` listing every problem with its field.
 *
 * @example
 * parseChannelConfig({ type: 'webhook', url: 'https://hooks.example.com/x' }, 'ops');
 */
export function parseChannelConfig(body: unknown, nameFromPath?: string, previous?: ChannelConfig): ChannelConfig {
  const problems: string[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AlertingError('bad_data', 'invalid channel: the body must be a JSON object');
  }
  const b = body as Record<string, unknown>;
  const type = b.type;
  if (typeof type !== 'string' || !(CHANNEL_TYPES as readonly string[]).includes(type)) {
    problems.push(`type: must be one of ${CHANNEL_TYPES.join(', ')}`);
  }
  const ctype = problems.length === 0 ? (type as ChannelType) : undefined;
  const allowed = new Set([...BASE_KEYS, ...(ctype ? TYPE_KEYS[ctype] : Object.values(TYPE_KEYS).flat())]);
  for (const k of Object.keys(b)) if (!allowed.has(k)) problems.push(`unknown field: ${k}`);

  let name = b.name;
  if (name === undefined) name = nameFromPath;
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    problems.push('name: must be 1-128 characters of letters, digits, "_", "." or "-", starting with a letter or digit');
  } else if (nameFromPath !== undefined && name !== nameFromPath) {
    problems.push(`name: "${name}" does not match the name in the path "${nameFromPath}"`);
  }
  const prev = previous && previous.type === ctype ? previous : undefined;

  const base: ChannelBase = {
    name: String(name),
    groupBy: ['alertname'],
    groupWaitSeconds: 30,
    groupIntervalSeconds: 300,
    repeatIntervalSeconds: 14_400,
    sendResolved: true,
  };
  if (b.description !== undefined) {
    if (typeof b.description !== 'string' || b.description.length > 1024) problems.push('description: must be a string of at most 1024 characters');
    else base.description = b.description;
  }
  if (b.groupBy !== undefined) {
    if (!Array.isArray(b.groupBy) || b.groupBy.some((l) => typeof l !== 'string')) {
      problems.push('groupBy: must be an array of label names');
    } else if (b.groupBy.includes('...')) {
      if (b.groupBy.length !== 1) problems.push('groupBy: "..." (all labels) cannot be combined with other labels');
      else base.groupBy = ['...'];
    } else {
      const bad = (b.groupBy as string[]).filter((l) => !LABEL_RE.test(l));
      if (bad.length > 0) problems.push(`groupBy: invalid label names: ${bad.map((l) => JSON.stringify(l)).join(', ')}`);
      else base.groupBy = [...new Set(b.groupBy as string[])];
    }
  }
  const seconds = (key: 'groupWaitSeconds' | 'groupIntervalSeconds' | 'repeatIntervalSeconds', min: number): void => {
    const v = b[key];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > MAX_SECONDS) problems.push(`${key}: must be a number of seconds between ${min} and ${MAX_SECONDS}`);
    else base[key] = v;
  };
  seconds('groupWaitSeconds', 0);
  seconds('groupIntervalSeconds', 1);
  seconds('repeatIntervalSeconds', 1);
  if (base.repeatIntervalSeconds < base.groupIntervalSeconds) {
    problems.push('repeatIntervalSeconds: must be at least groupIntervalSeconds (a repeat can only happen at a group interval)');
  }
  if (b.sendResolved !== undefined) {
    if (typeof b.sendResolved !== 'boolean') problems.push('sendResolved: must be true or false');
    else base.sendResolved = b.sendResolved;
  }

  const keepSecret = (v: unknown, old: string | undefined, field: string): unknown => {
    if (v !== SECRET_PLACEHOLDER) return v;
    if (old === undefined) problems.push(`${field}: "${SECRET_PLACEHOLDER}" can only be sent back to keep an existing value`);
    return old;
  };

  let out: ChannelConfig | undefined;
  switch (ctype) {
    case 'slack': {
      const url = keepSecret(b.url, prev?.type === 'slack' ? prev.url : undefined, 'url');
      checkUrl(url, 'url', problems);
      const c: SlackChannelConfig = { ...base, type: 'slack', url: String(url) };
      for (const k of ['channel', 'username'] as const) {
        const v = b[k];
        if (v === undefined) continue;
        if (typeof v !== 'string' || v.length === 0 || v.length > 256 || hasControl(v)) problems.push(`${k}: must be a non-empty string without control characters`);
        else c[k] = v;
      }
      out = c;
      break;
    }
    case 'email': {
      const to = checkAddresses(b.to, 'to', problems, true);
      const c: EmailChannelConfig = { ...base, type: 'email', to };
      if (b.cc !== undefined) c.cc = checkAddresses(b.cc, 'cc', problems, false);
      if (b.subject !== undefined) {
        if (typeof b.subject !== 'string' || b.subject.length > 200 || hasControl(b.subject)) problems.push('subject: must be a string of at most 200 characters without control characters');
        else c.subject = b.subject;
      }
      out = c;
      break;
    }
    case 'webhook': {
      const url = keepSecret(b.url, prev?.type === 'webhook' ? prev.url : undefined, 'url');
      checkUrl(url, 'url', problems);
      const c: WebhookChannelConfig = { ...base, type: 'webhook', url: String(url) };
      if (b.headers !== undefined) {
        const h = b.headers;
        if (typeof h !== 'object' || h === null || Array.isArray(h)) {
          problems.push('headers: must be an object of header names to values');
        } else {
          const oldHeaders = prev?.type === 'webhook' ? (prev.headers ?? {}) : {};
          const headers: Record<string, string> = {};
          for (const [k, raw] of Object.entries(h as Record<string, unknown>)) {
            const v = keepSecret(raw, oldHeaders[k], `headers.${k}`);
            if (!HEADER_NAME_RE.test(k)) problems.push(`headers: invalid header name ${JSON.stringify(k)}`);
            else if (RESERVED_HEADERS.has(k.toLowerCase())) problems.push(`headers.${k}: is set by Vigil and cannot be overridden`);
            else if (typeof v !== 'string' || v.length > 8192 || hasControl(v)) problems.push(`headers.${k}: must be a string without control characters`);
            else headers[k] = v;
          }
          c.headers = headers;
        }
      }
      if (b.maxAlerts !== undefined) {
        if (typeof b.maxAlerts !== 'number' || !Number.isInteger(b.maxAlerts) || b.maxAlerts < 0) problems.push('maxAlerts: must be a non-negative integer (0 = no limit)');
        else c.maxAlerts = b.maxAlerts;
      }
      out = c;
      break;
    }
    case 'scaling': {
      const url = keepSecret(b.url, prev?.type === 'scaling' ? prev.url : undefined, 'url');
      checkUrl(url, 'url', problems);
      const secret = keepSecret(b.secret, prev?.type === 'scaling' ? prev.secret : undefined, 'secret');
      if (typeof secret !== 'string' || secret.length < 16 || secret.length > 1024) problems.push('secret: must be a string of 16 to 1024 characters');
      out = { ...base, type: 'scaling', url: String(url), secret: String(secret) };
      break;
    }
    case undefined:
      break;
    default:
      assertNever(ctype);
  }
  if (problems.length > 0 || out === undefined) {
    const label = typeof name === 'string' ? `invalid channel "${name}"` : 'invalid channel';
    throw new AlertingError('bad_data', `${label}: ${problems.join('; ')}`);
  }
  return deepFreeze(out);
}

/**
 * A copy of `config` safe for API output and logs: every URL (they often carry tokens, as
 * Alertmanager treats them), webhook header values and the scaling secret print as
 * {@link SECRET_PLACEHOLDER}.
 *
 * @example
 * redactChannel(slack).url; // '<secret>'
 */
export function redactChannel(config: ChannelConfig): ChannelConfig {
  switch (config.type) {
    case 'slack':
      return { ...config, url: SECRET_PLACEHOLDER };
    case 'email':
      return { ...config, to: [...config.to], ...(config.cc ? { cc: [...config.cc] } : {}) };
    case 'webhook':
      return config.headers
        ? { ...config, url: SECRET_PLACEHOLDER, headers: Object.fromEntries(Object.keys(config.headers).map((k) => [k, SECRET_PLACEHOLDER])) }
        : { ...config, url: SECRET_PLACEHOLDER };
    case 'scaling':
      return { ...config, url: SECRET_PLACEHOLDER, secret: SECRET_PLACEHOLDER };
    default:
      return assertNever(config);
  }
}

/**
 * The strings of a channel to scrub from any error text before it is stored: the declared
 * secrets, plus the path, query and credentials of every URL (webhook URLs often carry tokens).
 */
export function channelSecrets(config: ChannelConfig): string[] {
  switch (config.type) {
    case 'slack':
      return [config.url, ...urlSecrets(config.url)];
    case 'email':
      return [];
    case 'webhook':
      return [...Object.values(config.headers ?? {}), ...urlSecrets(config.url)].filter((s) => s.length > 0);
    case 'scaling':
      return [config.secret, ...urlSecrets(config.url)];
    default:
      return assertNever(config);
  }
}

function urlSecrets(url: string): string[] {
  try {
    const u = new URL(url);
    return [u.pathname, u.search, u.username, u.password].filter((s) => s.length > 1);
  } catch {
    return [];
  }
}

/** Fails compilation when a closed union gains a member that a switch does not handle. */
export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${String(x)}`);
}

function hasControl(s: string): boolean {
  return /[\u0000-\u001f\u007f\u2028\u2029]/.test(s);
}

function checkUrl(v: unknown, field: string, problems: string[]): void {
  if (typeof v !== 'string' || v.length > 2048) {
    problems.push(`${field}: must be an http or https URL`);
    return;
  }
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    problems.push(`${field}: is not a valid URL`);
    return;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push(`${field}: must use http or https, not ${u.protocol.replace(':', '')}`);
  if (u.hostname === '') problems.push(`${field}: must name a host`);
}

function checkAddresses(v: unknown, field: string, problems: string[], required: boolean): string[] {
  if (!Array.isArray(v) || (required && v.length === 0) || v.length > 50) {
    problems.push(`${field}: must be an array of 1 to 50 email addresses`);
    return [];
  }
  const out: string[] = [];
  v.forEach((a, i) => {
    if (typeof a !== 'string' || a.length > 254 || !EMAIL_RE.test(a)) problems.push(`${field}[${i}]: not a single plain email address (no names, commas, spaces or line breaks)`);
    else out.push(a);
  });
  return out;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
