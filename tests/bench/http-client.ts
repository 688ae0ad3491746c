/**
 * Small HTTP helpers for talking to peers on loopback: JSON GETs with a timeout and readable
 * errors. The ingest path has its own sender (`sender.ts`) with pinned keep-alive connections.
 */

/** An HTTP answer that was not 2xx. */
export class HttpStatusError extends Error {
  readonly code = 'HTTP_STATUS';
  constructor(
    readonly url: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status} from ${url}: ${body.slice(0, 300)}`);
  }
}

/** Checks whether `error` is an {@link HttpStatusError}. */
export function isHttpStatusError(error: unknown): error is HttpStatusError {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'HTTP_STATUS';
}

/** Builds `baseUrl + path` with query parameters (arrays give repeated keys such as `match[]`). */
export function buildUrl(baseUrl: string, path: string, params: Record<string, string | readonly string[]> = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const v of typeof value === 'string' ? [value] : value) search.append(key, v);
  }
  const query = search.toString();
  return `${baseUrl}${path}${query === '' ? '' : `?${query}`}`;
}

/**
 * Sends a request and returns the parsed JSON answer.
 *
 * @throws {HttpStatusError} on a non-2xx answer.
 */
export async function requestJson<T>(
  url: string,
  init: { method?: string; headers?: Readonly<Record<string, string>>; timeoutMs?: number } = {},
): Promise<T> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: init.headers,
    signal: AbortSignal.timeout(init.timeoutMs ?? 60_000),
  });
  const text = await response.text();
  if (!response.ok) throw new HttpStatusError(url, response.status, text);
  return JSON.parse(text) as T;
}

/**
 * Sends a request and discards the body.
 *
 * @throws {HttpStatusError} on a non-2xx answer.
 */
export async function requestOk(
  url: string,
  init: { method?: string; headers?: Readonly<Record<string, string>>; timeoutMs?: number } = {},
): Promise<number> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: init.headers,
    signal: AbortSignal.timeout(init.timeoutMs ?? 120_000),
  });
  const text = await response.text();
  if (!response.ok) throw new HttpStatusError(url, response.status, text);
  return response.status;
}
