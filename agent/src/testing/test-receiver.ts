import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeLokiPush, decodeRemoteWrite, type DecodedSeries, type DecodedStream } from './decoders.js';

/** One request the receiver got. */
export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The status it was answered with. */
  status: number;
  /** When it arrived, epoch milliseconds. */
  receivedAtMs: number;
}

/** How the receiver answers: a status and optional headers. */
export type Responder = (req: { path: string; headers: IncomingHttpHeaders; body: Buffer }) => {
  status: number;
  headers?: Record<string, string>;
};

/**
 * A local stand-in for the Vigil server's ingest endpoints: records every request and answers as
 * `respond` says (204 by default). `series()`/`streams()` decode what was accepted (2xx).
 */
export class TestReceiver {
  readonly requests: ReceivedRequest[] = [];
  respond: Responder = () => ({ status: 204 });
  private server: Server | undefined;
  url = '';

  /** Starts listening on 127.0.0.1 (on `port`, or a free one). */
  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const path = req.url ?? '/';
        const answer = this.respond({ path, headers: req.headers, body });
        this.requests.push({ path, headers: req.headers, body, status: answer.status, receivedAtMs: Date.now() });
        res.writeHead(answer.status, answer.headers);
        res.end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The port it listens on. */
  get port(): number {
    return Number(new URL(this.url).port);
  }

  /** Stops listening and drops open connections. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  /** Every remote_write series accepted so far. */
  series(): DecodedSeries[] {
    return this.requests
      .filter((r) => r.path === '/api/v1/write' && r.status < 300)
      .flatMap((r) => decodeRemoteWrite(r.body));
  }

  /** Every Loki stream accepted so far. */
  streams(): DecodedStream[] {
    return this.requests
      .filter((r) => r.path === '/loki/api/v1/push' && r.status < 300)
      .flatMap((r) => decodeLokiPush(r.body));
  }

  /** Every accepted log line, in arrival order. */
  lines(): string[] {
    return this.streams().flatMap((s) => s.entries.map((e) => e.line));
  }
}

/** Polls `check` every 20 ms until it returns true; throws after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
