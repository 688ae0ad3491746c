import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request a {@link TestReceiver} got, with the exact body bytes. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
  json: unknown;
}

/** A scripted answer: status, headers and body. */
export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A loopback HTTP receiver for notifier tests: records every request and answers from a script
 * (then 200 "ok"). Test support only.
 */
export class TestReceiver {
  readonly requests: ReceivedRequest[] = [];
  readonly script: ScriptedResponse[] = [];
  private server: http.Server | undefined;
  port = 0;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        let json: unknown = null;
        try {
          json = JSON.parse(raw.toString('utf8'));
        } catch {
          json = null;
        }
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw, json });
        const r = this.script.shift() ?? { status: 200, body: 'ok' };
        res.writeHead(r.status, { 'Content-Type': 'text/plain', ...(r.headers ?? {}) }).end(r.body ?? '');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
