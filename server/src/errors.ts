/**
 * Error catalogue of the server. Handlers throw these; the one `onError` in `app.ts` turns them
 * into HTTP answers. Codes follow Prometheus' `errorType` names where one exists.
 */
export type HttpErrorCode =
  | 'bad_data'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable'
  | 'execution'
  | 'timeout'
  | 'internal';

const STATUS: Record<HttpErrorCode, number> = {
  bad_data: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
  execution: 422,
  timeout: 503,
  internal: 500,
};

/** An error that maps to an HTTP status; `retryAfterSeconds` becomes a `Retry-After` header. */
export class HttpError extends Error {
  readonly code: HttpErrorCode;
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: HttpErrorCode, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    this.name = 'HttpError';
    this.code = code;
    this.status = STATUS[code];
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** Tells whether `err` is an {@link HttpError}, by shape rather than `instanceof`. */
export function isHttpError(err: unknown): err is HttpError {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { name?: unknown }).name === 'HttpError' &&
    typeof (err as { status?: unknown }).status === 'number'
  );
}

/** Shorthand for a 400 naming what was wrong. */
export function badData(message: string): HttpError {
  return new HttpError('bad_data', message);
}
