import { request as httpRequest } from 'node:http';
import { gunzipSync } from 'node:zlib';

/** The answer of {@link httpGet}: status, headers (lower-case) and the body, already gunzipped. */
export interface HttpGetResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * A GET with a hard timeout that gunzips `Content-Encoding: gzip` bodies itself (so the caller
 * controls `Accept-Encoding`, as Prometheus does). Rejects on network errors and on timeout.
 * `node:https` (and with it TLS and crypto, ~1 MiB resident) is loaded only for an https URL.
 *
 * @example
 * const r = await httpGet('http://127.0.0.1:9100/metrics', { 'Accept-Encoding': 'gzip' }, 10_000);
 */
export async function httpGet(url: string, headers: Record<string, string>, timeoutMs: number): Promise<HttpGetResult> {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(u, { method: 'GET', headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        try {
          let body = Buffer.concat(chunks);
          if (String(res.headers['content-encoding'] ?? '').toLowerCase() === 'gzip') body = gunzipSync(body);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs}ms`)));
    req.on('error', reject);
    req.end();
  });
}
