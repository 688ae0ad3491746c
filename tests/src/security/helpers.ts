/**
 * Helpers of the security suites (issue 10, point 6): API keys with chosen scopes, a local HTTP
 * receiver that records every request, and a minimal WebSocket client for Loki's live tail.
 */
import { randomBytes } from 'node:crypto';
import { type IncomingHttpHeaders, type Server, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import type { VigilServer } from '../lib/vigil-server.js';

/** A key created through `POST /api/v1/keys`. */
export interface CreatedKey {
  id: string;
  secret: string;
  tenant: string;
  scopes: string[];
}

/**
 * Creates a (non-root) key for `tenant` with `scopes`, using the root key.
 *
 * @throws when the server refuses, with its answer
 */
export async function createKey(vigil: VigilServer, tenant: string, scopes: string[], name = 'security-suite'): Promise<CreatedKey> {
  const res = await vigil.request('/api/v1/keys', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, scopes, tenant }),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`creating a key for ${tenant} answered ${res.status}: ${text}`);
  const data = (JSON.parse(text) as { data: { id: string; key: string } }).data;
  return { id: data.id, secret: data.key, tenant, scopes };
}

/** Revokes a key with the root key. */
export async function revokeKey(vigil: VigilServer, id: string): Promise<void> {
  const res = await vigil.request(`/api/v1/keys/${id}`, { method: 'DELETE' });
  if (res.status !== 204) throw new Error(`revoking key ${id} answered ${res.status}: ${await res.text()}`);
}

/** `Authorization` header of a key secret. */
export const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

/** A request a local receiver got. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local HTTP server that records every request and answers with `respond` (default 200 "ok"). */
export interface LocalReceiver {
  url: string;
  port: number;
  hits: ReceivedRequest[];
  close(): Promise<void>;
}

/** Starts a {@link LocalReceiver} on `host` (default 127.0.0.1). */
export async function localReceiver(
  respond: (req: ReceivedRequest) => { status: number; headers?: Record<string, string>; body?: string } = () => ({ status: 200 }),
  host = '127.0.0.1',
): Promise<LocalReceiver> {
  const hits: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hit = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      hits.push(hit);
      const answer = respond(hit);
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body ?? 'ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The outcome of a WebSocket handshake: the HTTP status, and the text frames received after it. */
export interface TailSession {
  status: number;
  /** Text frames received so far (Loki tail frames are JSON). */
  frames: string[];
  close(): void;
}

/**
 * Opens a WebSocket to `path` on `vigil` with raw HTTP (the suites do not depend on a WebSocket
 * package): resolves once the server answered the upgrade (101) or refused it (its status).
 * Only unmasked server text frames shorter than 2^32 bytes are decoded; that is all Loki's tail sends.
 */
export function openWebSocket(vigil: VigilServer, path: string, headers: Record<string, string>): Promise<TailSession> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${vigil.url}${path}`, {
      headers: {
        ...headers,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
      },
    });
    req.on('upgrade', (_res, socket: Socket, head: Buffer) => {
      const frames: string[] = [];
      let buf = head;
      const drain = () => {
        for (;;) {
          if (buf.length < 2) return;
          const opcode = buf[0]! & 0x0f;
          let len = buf[1]! & 0x7f;
          let offset = 2;
          if (len === 126) {
            if (buf.length < 4) return;
            len = buf.readUInt16BE(2);
            offset = 4;
          } else if (len === 127) {
            if (buf.length < 10) return;
            len = Number(buf.readBigUInt64BE(2));
            offset = 10;
          }
          if (buf.length < offset + len) return;
          if (opcode === 1) frames.push(buf.subarray(offset, offset + len).toString('utf8'));
          buf = buf.subarray(offset + len);
        }
      };
      drain();
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        drain();
      });
      socket.on('error', () => {});
      resolve({ status: 101, frames, close: () => socket.destroy() });
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, frames: [], close: () => {} });
    });
    req.on('error', reject);
    req.end();
  });
}
