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

/** Why a write to disk failed, as far as the error text tells: a closed set for metrics labels. */
export type WriteFailureKind = 'disk_full' | 'io' | 'other';

/**
 * Classifies an error from DuckDB (or the file system) by its message: `disk_full` for ENOSPC
 * ("No space left on device", DuckDB's "Could not write file ... No space"), `io` for other I/O
 * failures (DuckDB's `IO Error`, EIO, a read-only file system), `other` for the rest.
 *
 * @example
 * classifyWriteFailure(new Error('Could not write file "x.wal": No space left on device')); // 'disk_full'
 */
export function classifyWriteFailure(err: unknown): WriteFailureKind {
  const text = err instanceof Error ? `${err.message} ${String((err as { code?: unknown }).code ?? '')}` : String(err);
  if (/no space left on device|ENOSPC|disk is full|disk quota exceeded|EDQUOT/i.test(text)) return 'disk_full';
  if (/IO Error|could not (write|read|open|fsync|truncate) file|input\/output error|EIO\b|read-only file system|EROFS/i.test(text)) return 'io';
  return 'other';
}

/**
 * Wraps a failure of background storage work (`doing`, e.g. "compaction of samples_head_0") in a
 * {@link StorageError}: `storage_unavailable` when the disk is full or failing (a retry later can
 * succeed, so the server answers 503 with Retry-After), `internal` otherwise. A StorageError is
 * returned as it is.
 */
export function storageFailure(err: unknown, doing: string): StorageError {
  if (isStorageError(err)) return err;
  const kind = classifyWriteFailure(err);
  const message = `${doing} failed: ${err instanceof Error ? err.message : String(err)}`;
  return new StorageError(kind === 'other' ? 'internal' : 'storage_unavailable', message, { cause: err });
}
