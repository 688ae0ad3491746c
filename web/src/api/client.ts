/** An error answer of the server, with Prometheus' `errorType` when it sent one. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errorType: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Request options of {@link api}. */
export interface ApiInit {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Query string parameters; arrays repeat the name (`match[]`). */
  params?: Record<string, string | number | undefined | readonly string[]>;
  /** A JSON body (objects) or a form body (`URLSearchParams`). */
  body?: unknown;
  signal?: AbortSignal;
}

let tenant: string | undefined;
const unauthorizedListeners = new Set<() => void>();

/** The tenant requests act for (`X-Scope-OrgID`); undefined for the key's own. Root keys only. */
export function setTenant(t: string | undefined): void {
  tenant = t;
}
/** The tenant set with {@link setTenant} (undefined: the key's own). */
export function currentTenant(): string | undefined {
  return tenant;
}

/** Calls `listener` whenever the server answers 401 (the session ended): the app shows sign-in. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** Builds `path?params`. */
export function withParams(path: string, params: ApiInit['params']): string {
  if (!params) return path;
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) p.append(k, x);
    else p.set(k, String(v));
  }
  const q = p.toString();
  return q ? `${path}?${q}` : path;
}

/**
 * Calls the server's API with the session cookie. Every request carries `X-Vigil-Request` (the
 * server refuses cookie-authenticated changes without it: cross-site request forgery) and, for a
 * root session that switched tenant, `X-Scope-OrgID`. Answers in Prometheus' envelope give their
 * `data`; other JSON is returned as it is; 204 gives undefined.
 *
 * @throws ApiError with the server's message (and 401 also notifies {@link onUnauthorized})
 */
export async function api<T>(path: string, init: ApiInit = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', 'X-Vigil-Request': '1' };
  if (tenant) headers['X-Scope-OrgID'] = tenant;
  let body: BodyInit | undefined;
  if (init.body instanceof URLSearchParams) {
    body = init.body;
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  } else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(withParams(path, init.params), {
    method: init.method ?? 'GET',
    headers,
    body,
    credentials: 'same-origin',
    signal: init.signal,
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = json as { error?: string; message?: string; errorType?: string } | undefined;
    const message = e?.error ?? e?.message ?? (text.trim() || `${res.status} ${res.statusText}`);
    if (res.status === 401) for (const l of unauthorizedListeners) l();
    throw new ApiError(message, res.status, e?.errorType ?? 'http');
  }
  const env = json as { status?: string; data?: unknown } | undefined;
  if (env && typeof env === 'object' && env.status === 'success' && 'data' in env) return env.data as T;
  return json as T;
}

/** A short message for any error (aborted requests give ''). */
export function errorMessage(err: unknown): string {
  if (err instanceof DOMException && err.name === 'AbortError') return '';
  return err instanceof Error ? err.message : String(err);
}
