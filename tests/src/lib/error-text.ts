/**
 * The message of an error followed by its cause's message: `fetch` reports the useful part
 * (`ECONNREFUSED`, `other side closed`) only in `cause`.
 *
 * @example
 * errorText(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') }));
 * // 'fetch failed: connect ECONNREFUSED'
 */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}
