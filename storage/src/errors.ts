/**
 * Stable error codes raised by `@vigil/storage`. The server maps them to HTTP status codes in its
 * one `onError`; callers test `err.code`, never `instanceof`.
 */
export type StorageErrorCode =
  | 'storage_closed'
  | 'storage_unavailable'
  | 'series_limit'
  | 'not_found'
  | 'conflict'
  | 'bad_request'
  | 'internal';

/** An error with a stable `code`, a message naming the offender, and an optional `cause`. */
export class StorageError extends Error {
  readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
    this.code = code;
  }
}

/**
 * Tells whether `err` is a {@link StorageError}, by its `code` field.
 *
 * @example
 * if (isStorageError(err) && err.code === 'series_limit') return c.text(err.message, 400);
 */
export function isStorageError(err: unknown): err is StorageError {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { name?: unknown }).name === 'StorageError' &&
    typeof (err as { code?: unknown }).code === 'string'
  );
}
