import { type IncomingMessage, STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { labelsToObject } from '@vigil/storage';
import { type WebSocket, WebSocketServer } from 'ws';
import { type AuthFailureLimiter, limitAuthFailuresSync } from '../auth/failure-limiter.js';
import { resolveRequestAuth } from '../auth/middleware.js';
import { SESSION_COOKIE } from '../auth/session-cookie.js';
import { HttpError, isHttpError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ServerMetrics } from '../metrics.js';
import { compileLogQueryPipeline } from '../logql-pipeline.js';
import type { StorageHandle } from '../storage-handle.js';
import { msToNs, parseLokiTime } from '../util/loki-time.js';

/** Options of the live tail. */
export interface TailOptions {
  /** Concurrent tails per tenant (Loki's default is 10). */
  maxTailsPerTenant: number;
  /** Buffered bytes on a socket past which new entries are dropped (and reported as dropped). */
  maxBufferedBytes: number;
  /** How often pending entries are flushed to a subscriber, ms. */
  flushIntervalMs: number;
}

const DEFAULT_TAIL_OPTIONS: TailOptions = { maxTailsPerTenant: 10, maxBufferedBytes: 4 * 1024 * 1024, flushIntervalMs: 100 };

/** A LogQL log query compiled for the tail; bad syntax becomes a 400 naming the position. */
function compileTailQuery(query: string): ReturnType<typeof compileLogQueryPipeline> {
  try {
    return compileLogQueryPipeline(query);
  } catch (err) {
    throw new HttpError('bad_data', `invalid parameter "query": ${(err as Error).message}`);
  }
}

/**
 * Serves `GET /loki/api/v1/tail` (WebSocket), Loki's live tail: authenticated like every other
 * route (the `Authorization` header of the upgrade request, or the web UI's session cookie from
 * the same origin; `X-Scope-OrgID` or the `orgId` parameter for the root key),
 * scope `query`. Each frame is Loki's `{"streams":[{"stream":{...},"values":[["<ns>","line"]]}],
 * "dropped_entries":[...]}`. Entries are sent once durable; `delay_for` (≤ 5 s) holds them back,
 * `start` replays stored entries first (at most `limit`). A slow reader loses entries (reported in
 * `dropped_entries`) rather than growing the server's memory.
 */
export function attachLokiTail(
  server: Server,
  deps: {
    storage: () => StorageHandle | undefined;
    metrics: ServerMetrics;
    log: Logger;
    now?: () => number;
    /** Failed authentications per client address, shared with the HTTP routes (429 while blocked). */
    authFailures?: AuthFailureLimiter;
  },
  options: Partial<TailOptions> = {},
): void {
  const opts = { ...DEFAULT_TAIL_OPTIONS, ...options };
  const now = deps.now ?? Date.now;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const perTenant = new Map<string, number>();

  const refuse = (socket: Duplex, err: unknown) => {
    const status = isHttpError(err) ? err.status : 500;
    const message = isHttpError(err) ? err.message : 'internal error';
    const retryAfter = isHttpError(err) && err.retryAfterSeconds !== undefined ? `Retry-After: ${err.retryAfterSeconds}\r\n` : '';
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\n` +
        `Content-Type: application/json\r\n${retryAfter}Connection: close\r\n\r\n${JSON.stringify({ status: 'error', errorType: isHttpError(err) ? err.code : 'internal', error: message })}`,
    );
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/loki/api/v1/tail') {
      socket.destroy();
      return;
    }
    try {
      const storage = deps.storage();
      if (!storage) throw new HttpError('unavailable', 'storage is starting', { retryAfterSeconds: 5 });
      const header = (name: string) => {
        const v = req.headers[name];
        return Array.isArray(v) ? v[0] : v;
      };
      // Browsers cannot set headers on a WebSocket: the web UI authenticates with its session
      // cookie (same-origin checked) and names the tenant in `orgId`, read like X-Scope-OrgID.
      const resolve = () =>
        resolveRequestAuth(
          storage,
          deps.metrics,
          { method: 'GET', header: (name) => (name === 'x-scope-orgid' ? (header(name) ?? url.searchParams.get('orgId') ?? undefined) : header(name)) },
          now(),
          { websocket: true },
        );
      // Counted and refused like the HTTP routes' failures (only requests that present credentials).
      const presentsCredentials = header('authorization') !== undefined || (header('cookie') ?? '').includes(SESSION_COOKIE);
      const auth =
        deps.authFailures && presentsCredentials ? limitAuthFailuresSync(deps.authFailures, req.socket.remoteAddress, now(), resolve) : resolve();
      if (!auth.scopes.has('query')) throw new HttpError('forbidden', 'this API key lacks the "query" scope');
      const query = url.searchParams.get('query');
      if (!query) throw new HttpError('bad_data', 'invalid parameter "query": query must not be empty');
      const tailQuery = compileTailQuery(query);
      const delayMs = Math.min(5, Math.max(0, Number(url.searchParams.get('delay_for') ?? '0') || 0)) * 1000;
      const limit = Math.min(5000, Math.max(1, Number(url.searchParams.get('limit') ?? '100') || 100));
      const startParam = url.searchParams.get('start');
      const startNs = startParam ? parseLokiTime('start', startParam, 0n) : undefined;
      const running = perTenant.get(auth.tenant) ?? 0;
      if (running >= opts.maxTailsPerTenant) {
        throw new HttpError('rate_limited', `too many live tails for this tenant (limit ${opts.maxTailsPerTenant})`);
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        perTenant.set(auth.tenant, (perTenant.get(auth.tenant) ?? 0) + 1);
        const stop = runTail(ws, storage, auth.tenant, tailQuery, { delayMs, limit, startNs }, opts, now, deps.log);
        ws.on('close', () => {
          stop();
          const n = (perTenant.get(auth.tenant) ?? 1) - 1;
          if (n <= 0) perTenant.delete(auth.tenant);
          else perTenant.set(auth.tenant, n);
        });
      });
    } catch (err) {
      refuse(socket, err);
    }
  });
}

interface PendingEntry {
  labels: Record<string, string>;
  tsNs: bigint;
  line: string;
  dueMs: number;
}

function runTail(
  ws: WebSocket,
  storage: StorageHandle,
  tenant: string,
  tailQuery: ReturnType<typeof compileLogQueryPipeline>,
  p: { delayMs: number; limit: number; startNs: bigint | undefined },
  opts: TailOptions,
  now: () => number,
  log: Logger,
): () => void {
  let pending: PendingEntry[] = [];
  let dropped: Array<{ labels: Record<string, string>; timestamp: string }> = [];
  const send = (entries: PendingEntry[]) => {
    if (entries.length === 0 && dropped.length === 0) return;
    const byStream = new Map<string, { stream: Record<string, string>; values: Array<[string, string]> }>();
    for (const e of entries) {
      const key = JSON.stringify(e.labels);
      let s = byStream.get(key);
      if (!s) {
        s = { stream: e.labels, values: [] };
        byStream.set(key, s);
      }
      s.values.push([e.tsNs.toString(), e.line]);
    }
    ws.send(JSON.stringify({ streams: [...byStream.values()], dropped_entries: dropped.length > 0 ? dropped : null }));
    dropped = [];
  };
  const unsubscribe = storage.logs.subscribe(tenant, (streams) => {
    const dueMs = now() + p.delayMs;
    for (const s of streams) {
      const streamLabels = labelsToObject(s.labels);
      if (!tailQuery.matchesStream(streamLabels)) continue;
      for (const e of s.entries) {
        // The pipeline decides which lines pass and with which labels, exactly as a query would.
        const labels = tailQuery.process(streamLabels, e.line, e.metadata);
        if (!labels) continue;
        if (ws.bufferedAmount > opts.maxBufferedBytes) dropped.push({ labels, timestamp: e.tsNs.toString() });
        else pending.push({ labels, tsNs: e.tsNs, line: e.line, dueMs });
      }
    }
  });
  const timer = setInterval(() => {
    const t = now();
    const due = pending.filter((e) => e.dueMs <= t);
    if (due.length === 0 && dropped.length === 0) return;
    pending = pending.filter((e) => e.dueMs > t);
    send(due);
  }, opts.flushIntervalMs);
  if (p.startNs !== undefined) {
    // Replay stored entries from `start` before live ones (both may overlap by a few entries).
    void storage.logs
      .read(tenant, {
        matchers: tailQuery.streamMatchers,
        startNs: p.startNs,
        endNs: msToNs(now()) + 1n,
        direction: 'forward',
        limit: p.limit,
      })
      .then(({ streams, entries }) => {
        const replay: PendingEntry[] = [];
        for (const e of entries) {
          const labels = tailQuery.process(labelsToObject(streams.get(e.streamId)?.labels ?? []), e.line, e.metadata);
          if (labels) replay.push({ labels, tsNs: e.tsNs, line: e.line, dueMs: 0 });
        }
        send(replay);
      })
      .catch((err) => log.warn('tail replay failed', { err }));
  }
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}
