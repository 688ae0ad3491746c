/**
 * Syslog message parser for RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`) and
 * RFC 3164 (`<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG`, as `logger --rfc3164` and rsyslog's
 * traditional forward format write it). Never throws: text that matches neither becomes the
 * message of a `user.notice` entry stamped with the receive time.
 */

/** A parsed message. Missing (`-`) fields are empty strings. */
export interface SyslogMessage {
  /** 0–23 (kern … local7). */
  facility: number;
  /** 0–7 (emerg … debug). */
  severity: number;
  /** Epoch nanoseconds: the message's own time, or the receive time when it has none or it is unreadable. */
  tsNs: bigint;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  /** Structured data flattened to `<sd-id>_<param>` → value (names sanitised to `[a-zA-Z0-9_]`). */
  structuredData: Record<string, string>;
  message: string;
}

/** Facility names, by number (RFC 5424 table 1, with the names syslog daemons use). */
export const FACILITY_NAMES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'security', 'console', 'solaris-cron',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;

/** Severity names as promtail's syslog target writes them (Grafana recognises each as a log level). */
export const SEVERITY_NAMES = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'debug'] as const;

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
const RFC3164_TS_RE = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) /;
const RFC5424_TS_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;
const NS_PER_MS = 1_000_000n;

function sdName(s: string): string {
  return s.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** RFC 3339 timestamp (RFC 5424's subset) → epoch ns, or undefined. */
export function parseRfc5424Time(s: string): bigint | undefined {
  const m = RFC5424_TS_RE.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[8]}`);
  if (Number.isNaN(ms)) return undefined;
  const frac = (m[7] ?? '').padEnd(9, '0');
  return BigInt(ms) * NS_PER_MS + BigInt(frac);
}

/**
 * RFC 3164 `Mmm dd hh:mm:ss` (no year, no zone) → epoch ns in the server's local time zone,
 * choosing the year that puts it closest to `nowMs` (so December messages read in January land
 * in the past year).
 */
function parseRfc3164Time(m: RegExpExecArray, nowMs: number): bigint | undefined {
  const month = MONTHS[m[1]!];
  if (month === undefined) return undefined;
  const year = new Date(nowMs).getFullYear();
  let best: number | undefined;
  for (const y of [year - 1, year, year + 1]) {
    const t = new Date(y, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])).getTime();
    if (best === undefined || Math.abs(t - nowMs) < Math.abs(best - nowMs)) best = t;
  }
  return best === undefined || Number.isNaN(best) ? undefined : BigInt(best) * NS_PER_MS;
}

/**
 * Parses one syslog message (framing already removed). `nowMs` stamps messages without a usable
 * time and decides the year of RFC 3164 times.
 *
 * @example
 * parseSyslog('<132>1 2026-11-22T02:55:15.082887+00:00 vm myapp - - [timeQuality tzKnown="1"] hello', Date.now())
 * // { facility: 16, severity: 4, hostname: 'vm', appName: 'myapp', structuredData: { timeQuality_tzKnown: '1' }, message: 'hello', … }
 */
export function parseSyslog(raw: string, nowMs: number): SyslogMessage {
  const text = raw.replace(/[\r\n\0]+$/, '');
  const out: SyslogMessage = {
    facility: 1,
    severity: 5,
    tsNs: BigInt(nowMs) * NS_PER_MS,
    hostname: '',
    appName: '',
    procId: '',
    msgId: '',
    structuredData: {},
    message: text,
  };
  const pri = /^<(\d{1,3})>/.exec(text);
  if (!pri || Number(pri[1]) > 191) return out;
  out.facility = Math.floor(Number(pri[1]) / 8);
  out.severity = Number(pri[1]) % 8;
  const rest = text.slice(pri[0].length);
  if (/^1 /.test(rest)) parse5424(rest.slice(2), out);
  else parse3164(rest, out, nowMs);
  return out;
}

function parse5424(s: string, out: SyslogMessage): void {
  let pos = 0;
  const field = (): string => {
    const sp = s.indexOf(' ', pos);
    const end = sp < 0 ? s.length : sp;
    const v = s.slice(pos, end);
    pos = sp < 0 ? s.length : sp + 1;
    return v === '-' ? '' : v;
  };
  const ts = field();
  const hostname = field();
  const appName = field();
  const procId = field();
  const msgId = field();
  if (ts) {
    const ns = parseRfc5424Time(ts);
    if (ns !== undefined) out.tsNs = ns;
  }
  out.hostname = hostname;
  out.appName = appName;
  out.procId = procId;
  out.msgId = msgId;
  // STRUCTURED-DATA: "-" or one or more [id param="value" …] elements.
  if (s[pos] === '-') pos += 1;
  else {
    while (s[pos] === '[') {
      const end = parseSdElement(s, pos + 1, out.structuredData);
      if (end < 0) break;
      pos = end;
    }
  }
  if (s[pos] === ' ') pos++;
  let msg = s.slice(pos);
  if (msg.startsWith('\uFEFF')) msg = msg.slice(1);
  out.message = msg;
}

/** Parses one SD element starting after `[`; returns the index after `]`, or -1 when malformed. */
function parseSdElement(s: string, start: number, into: Record<string, string>): number {
  let pos = start;
  while (pos < s.length && s[pos] !== ' ' && s[pos] !== ']') pos++;
  const id = s.slice(start, pos);
  const found: Array<[string, string]> = [];
  while (pos < s.length) {
    if (s[pos] === ']') {
      for (const [k, v] of found) into[sdName(`${id}_${k}`)] = v;
      return pos + 1;
    }
    if (s[pos] === ' ') {
      pos++;
      continue;
    }
    const eq = s.indexOf('="', pos);
    if (eq < 0) return -1;
    const name = s.slice(pos, eq);
    pos = eq + 2;
    let value = '';
    while (pos < s.length && s[pos] !== '"') {
      if (s[pos] === '\\' && (s[pos + 1] === '"' || s[pos + 1] === '\\' || s[pos + 1] === ']')) {
        value += s[pos + 1];
        pos += 2;
      } else value += s[pos++];
    }
    if (pos >= s.length) return -1;
    pos++;
    found.push([name, value]);
  }
  return -1;
}

const TAG_RE = /^([^\s:[\]]{1,48})(?:\[([^\]]*)\])?:?(?: |$)/;

function parse3164(s: string, out: SyslogMessage, nowMs: number): void {
  let rest = s;
  const ts = RFC3164_TS_RE.exec(rest);
  if (ts) {
    const ns = parseRfc3164Time(ts, nowMs);
    if (ns !== undefined) out.tsNs = ns;
    rest = rest.slice(ts[0].length);
  }
  // HOSTNAME then TAG; a first word that already looks like a tag ("app:" or "app[12]:") means
  // the sender left the hostname out, as local senders do.
  const first = /^(\S+) /.exec(rest);
  if (ts && first && !/[:[\]]/.test(first[1]!)) {
    out.hostname = first[1]!;
    rest = rest.slice(first[0].length);
  }
  const tag = TAG_RE.exec(rest);
  if (tag) {
    out.appName = tag[1]!;
    out.procId = tag[2] ?? '';
    rest = rest.slice(tag[0].length);
  }
  out.message = rest;
}
