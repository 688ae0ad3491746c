import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a {@link WebhookReceiver} got. */
export interface WebhookHit {
  /** The `Idempotency-Key` header ('' when absent). */
  key: string;
  /** When the request body was complete, epoch ms. */
  receivedMs: number;
  /** When the 200 was written, epoch ms; undefined while held or when the sender went away first. */
  answeredMs: number | undefined;
  body: string;
}

/** A local webhook endpoint that answers 200 after a delay and records every request. */
export interface WebhookReceiver {
  url: string;
  hits: WebhookHit[];
  close(): Promise<void>;
}

/**
 * Starts a receiver on 127.0.0.1 that holds each request for `delayMs()` before answering 200,
 * so that a sender killed meanwhile leaves a delivery in flight.
 */
export async function startWebhookReceiver(delayMs: () => number): Promise<WebhookReceiver> {
  const hits: WebhookHit[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const header = req.headers['idempotency-key'];
      const hit: WebhookHit = { key: Array.isArray(header) ? header[0]! : (header ?? ''), receivedMs: Date.now(), answeredMs: undefined, body: Buffer.concat(chunks).toString('utf8') };
      hits.push(hit);
      setTimeout(() => {
        if (res.destroyed) return;
        res.statusCode = 200;
        res.end('ok', () => {
          hit.answeredMs = Date.now();
        });
      }, delayMs());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
