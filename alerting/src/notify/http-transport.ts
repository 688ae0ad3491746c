import http from 'node:http';
import https from 'node:https';
import { SECRET_PLACEHOLDER } from './channels.js';
import type { SendResult } from './types.js';
import { BlockedDestinationError, type SsrfGuard } from './ssrf.js';

/** A response to a guarded POST: status, lower-cased headers and (capped) body text. */
export interface HttpResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
}

/** Options of {@link guardedPost}. */
export interface GuardedPostOptions {
  guard: SsrfGuard;
  /** Whole-request timeout in milliseconds. @default 10000 */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

/** A failure before any HTTP status arrived; `permanent` when retrying cannot help. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/**
 * POSTs `body` to `url` through the SSRF guard: host names are resolved with the guard's lookup,
 * IP literals are checked before connecting, and the peer address is checked again once the
 * socket connects. Redirects are never followed. Rejects with {@link TransportError} whose message
 * names no part of the URL beyond its scheme.
 */
export function guardedPost(url: string, body: string | Buffer, headers: Record<string, string>, options: GuardedPostOptions): Promise<HttpResponse> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise<HttpResponse>((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      reject(new TransportError('invalid URL', true));
      return;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      reject(new TransportError(`unsupported scheme ${u.protocol}`, true));
      return;
    }
    const host = u.hostname.replace(/^\[|\]$/g, '');
    // Node connects to IP literals without calling `lookup`, so check those here.
    const literalReason = /^[0-9.]+$|:/.test(host) ? options.guard.check(host) : null;
    if (literalReason !== null && literalReason !== 'not an IP address') {
      reject(new TransportError(`destination blocked: ${literalReason}`, true));
      return;
    }
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(
      u,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        lookup: options.guard.lookup as never,
        timeout: timeoutMs,
        signal: options.signal,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => {
          clearTimeout(timer);
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: h, body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_RESPONSE_BYTES) });
        });
        res.on('error', (err) => fail(err));
      },
    );
    const timer = setTimeout(() => req.destroy(new TransportError(`timed out after ${timeoutMs} ms`, false)), timeoutMs);
    const fail = (err: unknown): void => {
      clearTimeout(timer);
      reject(toTransportError(err, timeoutMs));
    };
    req.on('socket', (socket) => {
      socket.once('connect', () => {
        const reason = socket.remoteAddress ? options.guard.check(socket.remoteAddress) : 'no peer address';
        if (reason !== null) req.destroy(new BlockedDestinationError(reason));
      });
    });
    req.on('timeout', () => req.destroy(new TransportError(`timed out after ${timeoutMs} ms`, false)));
    req.on('error', fail);
    req.end(body);
  });
}

function toTransportError(err: unknown, timeoutMs: number): TransportError {
  if (err instanceof TransportError) return err;
  if (err instanceof BlockedDestinationError) return new TransportError(err.message, true);
  const e = err as NodeJS.ErrnoException;
  if (e?.name === 'AbortError') return new TransportError(`aborted (timeout ${timeoutMs} ms)`, false);
  // Only the error code is kept: node's messages can carry the host and port.
  const code = typeof e?.code === 'string' ? e.code : 'network error';
  if (code === 'ENOTFOUND') return new TransportError('host not found (ENOTFOUND)', false);
  return new TransportError(`connection failed (${code})`, false);
}

/**
 * Parses a `Retry-After` value (delay in seconds or an HTTP date) into milliseconds from
 * `nowMs`; undefined when absent or unparsable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000);
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - nowMs);
}

/**
 * The one status classifier: 2xx delivered; 429 retried after `Retry-After`; 5xx (and 408)
 * retried; 3xx permanent (redirects are not followed); other 4xx permanent. `detail` (a short,
 * already scrubbed response snippet) is appended to the error.
 */
export function classifyStatus(status: number, retryAfter: string | null | undefined, nowMs: number, detail = ''): SendResult {
  if (status >= 200 && status < 300) return { ok: true };
  const suffix = detail ? `: ${detail}` : '';
  const retryAfterMs = parseRetryAfter(retryAfter, nowMs);
  if (status === 429 || status === 408 || status >= 500) {
    return { ok: false, permanent: false, error: `HTTP ${status}${suffix}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  if (status >= 300 && status < 400) return { ok: false, permanent: true, error: `HTTP ${status}: redirects are not followed; configure the final URL` };
  return { ok: false, permanent: true, error: `HTTP ${status}${suffix}` };
}

/** Removes every `secret` from `text`, and control characters, and caps its length. */
export function scrub(text: string, secrets: readonly string[], max = 200): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join(SECRET_PLACEHOLDER);
  out = out.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return out.length > max ? `${out.slice(0, max)}…` : out;
}
