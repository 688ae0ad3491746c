/**
 * Stable error codes raised by `@vigil/alerting`. The server maps them to HTTP status codes in its
 * one `onError`; callers test `err.code`, never `instanceof`.
 */
export type AlertingErrorCode = 'bad_data' | 'not_found' | 'conflict' | 'unavailable' | 'internal';

/** An error with a stable `code` and a message naming what was wrong. */
export class AlertingError extends Error {
  readonly code: AlertingErrorCode;

  constructor(code: AlertingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AlertingError';
    this.code = code;
  }
}

/** Tells whether `err` is an {@link AlertingError}, by its name and `code` field. */
export function isAlertingError(err: unknown): err is AlertingError {
  return err instanceof Error && err.name === 'AlertingError' && typeof (err as { code?: unknown }).code === 'string';
}
