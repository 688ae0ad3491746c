import { createPrng, type Prng } from './prng.js';

/**
 * The logs workload of issue 4: realistic mixed lines — nginx access logs in the "combined" format
 * and JSON application logs (`ts, level, msg, method, path, status, duration_ms, user,
 * request_id`) — spread over `hosts` hosts, with the stream labels `{host, app, level}`.
 *
 * Every host runs nginx and one or two of the backend apps. Lines are generated in global time
 * order (one per slot of `durationMs / lines`, at a random nanosecond inside its slot), so the raw
 * file is a merged, time-ordered log and every stream is in time order. Everything comes from one
 * seeded PRNG: the same options give byte-identical lines.
 *
 * Lines are kept as one buffer (`text`, lines separated by `\n`, exactly what the ripgrep baseline
 * reads) plus typed arrays per line, so 2M lines (~380 MB) cost little more than their bytes.
 */

/** One stream: a label set `{host, app, level}`. */
export interface LogStream {
  host: string;
  app: string;
  level: string;
  /** `{app="api", host="host-07", level="info"}` (Loki's protobuf `labels` string). */
  selector: string;
}

/** Options of {@link createLogWorkload}. */
export interface LogWorkloadOptions {
  /** Number of lines. @default 2 000 000 */
  lines: number;
  /** Number of hosts. @default 50 */
  hosts: number;
  /** Data span, ms. @default 6 h */
  durationMs: number;
  /** End of the data, epoch ms (rounded down to a whole second); every line is before it. */
  endMs: number;
  seed: number;
}

/** The generated lines. */
export interface LogWorkload {
  options: LogWorkloadOptions;
  /** Every line followed by `\n`, in time order (the raw file of the ripgrep baseline). */
  text: Buffer;
  /** Byte offset of line i in `text`; `offsets[lines]` is `text.length`. */
  offsets: Uint32Array;
  /** Nanoseconds of line i after `startNs` (exact in a double: < 2^53). */
  relNs: Float64Array;
  /** Stream index of line i into `streams`. */
  streamOf: Uint16Array;
  streams: LogStream[];
  hosts: string[];
  apps: string[];
  /** First nanosecond of the data (a whole second), epoch ns. */
  startNs: bigint;
  /** `startNs` in whole seconds. */
  startSec: number;
  /** End of the data in whole seconds (exclusive): every line is before it. */
  endSec: number;
  /** Bytes of the lines without their newlines. */
  lineBytes: number;
}

export const NGINX_APP = 'nginx';
/** The backend apps (JSON logs). */
export const JSON_APPS = ['api', 'auth', 'billing', 'worker', 'search'] as const;
export const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Rare messages the searches look for; their rates are per JSON line. */
export const NEEDLE_FIXED = 'payment declined';
/** The case-insensitive pattern (RE2/Rust regex syntax without flags). */
export const NEEDLE_REGEX_I = 'connection (reset|refused)';
export const NEEDLE_REGEX_I_JS = /connection (reset|refused)/i;

const METHODS = ['GET', 'GET', 'GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH'];
const NGINX_PATHS = [
  '/',
  '/index.html',
  '/static/js/app.3f9c1e.js',
  '/static/css/main.a81b2c.css',
  '/favicon.ico',
  '/api/v1/orders',
  '/api/v1/orders/{id}',
  '/api/v1/users/{id}',
  '/api/v1/search?q=shoes&page={n}',
  '/api/v1/cart',
  '/api/v1/checkout',
  '/login',
  '/healthz',
  '/images/products/{id}.jpg',
];
const API_PATHS = ['/v1/orders', '/v1/orders/{id}', '/v1/users/{id}', '/v1/cart/items', '/v1/sessions', '/v1/invoices/{id}', '/v1/search', '/v1/jobs/{id}'];
const REFERERS = ['-', '-', 'https://shop.example.com/', 'https://shop.example.com/cart', 'https://www.google.com/', 'https://shop.example.com/products/{id}'];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'curl/7.88.1',
  'kube-probe/1.28',
  'Go-http-client/1.1',
];
const INFO_MESSAGES = ['request completed', 'request completed', 'request completed', 'user authenticated', 'order created', 'job finished', 'cache refreshed'];
const DEBUG_MESSAGES = ['cache miss', 'cache hit', 'db query executed', 'feature flag evaluated'];
const WARN_MESSAGES = ['invalid request payload', 'rate limit exceeded', 'token expired', 'slow query detected'];
const ERROR_MESSAGES = ['internal error: database timeout', 'upstream request failed', 'unhandled exception in handler'];
const CONNECTION_MESSAGES = ['Connection reset by peer', 'connection refused', 'upstream CONNECTION RESET while reading response', 'dial tcp 10.0.3.7:5432: connection refused'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Probabilities per JSON line. */
const P_PAYMENT_DECLINED = 0.0012;
const P_CONNECTION = 0.0015;
const P_JSON_5XX = 0.002;
/** Share of nginx lines among all lines. */
const P_NGINX = 0.4;

/**
 * Generates the workload.
 *
 * @example
 * const w = createLogWorkload({ lines: 200_000, hosts: 50, durationMs: 6 * 3_600_000, endMs: Date.now(), seed: 1 });
 */
export function createLogWorkload(options: LogWorkloadOptions): LogWorkload {
  const rng = createPrng(options.seed ^ 0x10c5);
  const endSec = Math.floor(options.endMs / 1000);
  const startSec = endSec - Math.ceil(options.durationMs / 1000);
  const spanNs = (endSec - startSec) * 1e9;

  const hosts = Array.from({ length: options.hosts }, (_, i) => `host-${String(i + 1).padStart(2, '0')}`);
  // Each host: nginx plus one or two backend apps; a mild skew in how busy hosts are.
  const hostApps = hosts.map(() => {
    const first = JSON_APPS[rng.nextInt(JSON_APPS.length)]!;
    const second = rng.next() < 0.5 ? JSON_APPS[rng.nextInt(JSON_APPS.length)]! : first;
    return [...new Set([first, second])];
  });
  const hostWeights = cumulative(hosts.map(() => 0.5 + rng.next()));
  const streams: LogStream[] = [];
  const streamIndex = new Map<string, number>();
  const streamId = (host: string, app: string, level: string): number => {
    const key = `${host}\u0000${app}\u0000${level}`;
    let id = streamIndex.get(key);
    if (id === undefined) {
      id = streams.length;
      streams.push({ host, app, level, selector: `{app="${app}", host="${host}", level="${level}"}` });
      streamIndex.set(key, id);
    }
    return id;
  };

  const n = options.lines;
  const relNs = new Float64Array(n);
  const streamOf = new Uint16Array(n);
  const offsets = new Uint32Array(n + 1);
  // Lines average ~190 bytes; grow when needed.
  let text = Buffer.allocUnsafe(Math.max(1024, n * 230));
  let pos = 0;
  const slotNs = spanNs / n;
  const clock = createClock();
  const addresses = Array.from({ length: 5000 }, () => `${10 + rng.nextInt(200)}.${rng.nextInt(256)}.${rng.nextInt(256)}.${1 + rng.nextInt(254)}`);

  for (let i = 0; i < n; i++) {
    // A random nanosecond inside slot i, never on a whole second (so no line sits on a step).
    let rel = Math.floor((i + rng.next()) * slotNs);
    if (rel % 1e9 === 0) rel += 1;
    relNs[i] = rel;
    const hostIdx = pickCumulative(hostWeights, rng.next());
    const host = hosts[hostIdx]!;
    const epochMs = startSec * 1000 + Math.floor(rel / 1e6);
    let line: string;
    let level: string;
    let app: string;
    if (rng.next() < P_NGINX) {
      app = NGINX_APP;
      const status = nginxStatus(rng);
      level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      line = nginxLine(rng, addresses[rng.nextInt(addresses.length)]!, clock.nginx(epochMs), status);
    } else {
      const apps = hostApps[hostIdx]!;
      app = apps[rng.nextInt(apps.length)]!;
      const json = jsonLine(rng, clock.iso(epochMs));
      level = json.level;
      line = json.line;
    }
    streamOf[i] = streamId(host, app, level);
    offsets[i] = pos;
    const needed = pos + Buffer.byteLength(line) + 1;
    if (needed > text.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, Math.floor(text.length * 1.5)));
      text.copy(grown, 0, 0, pos);
      text = grown;
    }
    pos += text.write(line, pos, 'utf8');
    text[pos++] = 0x0a;
  }
  offsets[n] = pos;
  return {
    options,
    text: text.subarray(0, pos),
    offsets,
    relNs,
    streamOf,
    streams,
    hosts,
    apps: [NGINX_APP, ...JSON_APPS],
    startNs: BigInt(startSec) * 1_000_000_000n,
    startSec,
    endSec,
    lineBytes: pos - n,
  };
}

/** Line i without its newline, as a string. */
export function lineAt(w: LogWorkload, i: number): string {
  return w.text.toString('utf8', w.offsets[i]!, w.offsets[i + 1]! - 1);
}

function nginxStatus(rng: Prng): number {
  const u = rng.next();
  if (u < 0.005) return [500, 502, 503, 504][rng.nextInt(4)]!;
  if (u < 0.06) return [400, 401, 403, 404, 404, 404, 429][rng.nextInt(7)]!;
  if (u < 0.1) return [301, 302, 304, 304][rng.nextInt(4)]!;
  return rng.next() < 0.97 ? 200 : 201;
}

function fill(template: string, rng: Prng): string {
  return template.replace('{id}', String(1000 + rng.nextInt(900_000))).replace('{n}', String(1 + rng.nextInt(20)));
}

function nginxLine(rng: Prng, address: string, timeLocal: string, status: number): string {
  const method = METHODS[rng.nextInt(METHODS.length)]!;
  const path = fill(NGINX_PATHS[rng.nextInt(NGINX_PATHS.length)]!, rng);
  const bytes = status === 304 ? 0 : 200 + rng.nextInt(60_000);
  const referer = fill(REFERERS[rng.nextInt(REFERERS.length)]!, rng);
  const agent = USER_AGENTS[rng.nextInt(USER_AGENTS.length)]!;
  const user = rng.next() < 0.05 ? `u${String(rng.nextInt(100_000)).padStart(5, '0')}` : '-';
  return `${address} - ${user} [${timeLocal}] "${method} ${path} HTTP/1.1" ${status} ${bytes} "${referer}" "${agent}"`;
}

function jsonLine(rng: Prng, iso: string): { line: string; level: string } {
  const u = rng.next();
  let status: number;
  let level: string;
  let msg: string;
  if (u < P_JSON_5XX) {
    status = [500, 502, 503, 504][rng.nextInt(4)]!;
    level = 'error';
    msg = ERROR_MESSAGES[rng.nextInt(ERROR_MESSAGES.length)]!;
  } else if (u < P_JSON_5XX + P_CONNECTION) {
    status = 0;
    level = rng.next() < 0.5 ? 'warn' : 'error';
    msg = CONNECTION_MESSAGES[rng.nextInt(CONNECTION_MESSAGES.length)]!;
  } else if (u < P_JSON_5XX + P_CONNECTION + P_PAYMENT_DECLINED) {
    status = 402;
    level = 'warn';
    msg = `${NEEDLE_FIXED}: ${['card expired', 'insufficient funds', 'do not honor'][rng.nextInt(3)]}`;
  } else if (u < 0.06) {
    status = [400, 401, 403, 404, 409, 422, 429][rng.nextInt(7)]!;
    level = 'warn';
    msg = WARN_MESSAGES[rng.nextInt(WARN_MESSAGES.length)]!;
  } else if (u < 0.2) {
    status = 200;
    level = 'debug';
    msg = DEBUG_MESSAGES[rng.nextInt(DEBUG_MESSAGES.length)]!;
  } else {
    status = rng.next() < 0.9 ? 200 : 201;
    level = 'info';
    msg = INFO_MESSAGES[rng.nextInt(INFO_MESSAGES.length)]!;
  }
  const method = METHODS[rng.nextInt(METHODS.length)]!;
  const path = fill(API_PATHS[rng.nextInt(API_PATHS.length)]!, rng);
  const duration = (Math.exp(rng.normal() * 0.9 + 2.5) + (status >= 500 ? 1000 : 0)).toFixed(1);
  const user = `u${String(rng.nextInt(100_000)).padStart(5, '0')}`;
  const requestId = (rng.nextInt(0x10000000) * 0x10000000 + rng.nextInt(0x10000000)).toString(16).padStart(14, '0');
  const statusField = status === 0 ? '' : `,"status":${status}`;
  return {
    level,
    line: `{"ts":"${iso}","level":"${level}","msg":"${msg}","method":"${method}","path":"${path}"${statusField},"duration_ms":${duration},"user":"${user}","request_id":"${requestId}"}`,
  };
}

/** Date formatting with a per-second cache (lines come in time order). */
function createClock() {
  let nginxSec = -1;
  let nginxText = '';
  let isoSec = -1;
  let isoPrefix = '';
  const pad = (v: number, width = 2): string => String(v).padStart(width, '0');
  return {
    /** `22/Nov/2026:05:25:49 +0000` */
    nginx(epochMs: number): string {
      const sec = Math.floor(epochMs / 1000);
      if (sec !== nginxSec) {
        const d = new Date(sec * 1000);
        nginxSec = sec;
        nginxText = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
      }
      return nginxText;
    },
    /** `2026-11-22T05:25:49.123Z` */
    iso(epochMs: number): string {
      const sec = Math.floor(epochMs / 1000);
      if (sec !== isoSec) {
        isoSec = sec;
        isoPrefix = new Date(sec * 1000).toISOString().slice(0, 19);
      }
      return `${isoPrefix}.${pad(epochMs - sec * 1000, 3)}Z`;
    },
  };
}

function cumulative(weights: number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += weights[i]!;
    out[i] = sum;
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / sum;
  return out;
}

function pickCumulative(cum: Float64Array, u: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
