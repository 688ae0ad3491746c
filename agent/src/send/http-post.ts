import { request as httpRequest } from 'node:http';

/** The answer of {@link httpPost}: status, `Retry-After` header (raw) and up to 1 KiB of body for messages. */
export interface HttpPostResult {
  status: number;
  retryAfter: string | undefined;
  bodySnippet: string;
}

/**
 * POSTs `body` with `headers`; rejects on network errors and after `timeoutMs`. `node:https` (and
 * with it TLS and crypto, ~1 MiB resident) is loaded only for an https URL.
 *
 * @example
 * const r = await httpPost('http://127.0.0.1:9400/api/v1/write', body, { 'Content-Encoding': 'snappy' }, 10_000);
 */
export async function httpPost(
  url: string,
  body: Buffer,
  headers: Record<string, string>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<HttpPostResult> {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      { method: 'POST', headers: { ...headers, 'Content-Length': String(body.length) }, timeout: timeoutMs, signal },
      (res) => {
        let snippet = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (snippet.length < 1024) snippet += c.slice(0, 1024 - snippet.length);
        });
        res.on('error', reject);
        res.on('end', () => {
          const ra = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter: Array.isArray(ra) ? ra[0] : ra, bodySnippet: snippet });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs}ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
