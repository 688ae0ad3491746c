/** Options of {@link backoffDelayMs}. */
export interface BackoffOptions {
  /** Delay before the first retry, in milliseconds. */
  minBackoffMs: number;
  /** Upper bound of any delay, in milliseconds (also caps `Retry-After`). */
  maxBackoffMs: number;
}

/**
 * The delay before retry number `attempt` (0-based): exponential from `minBackoffMs`, capped at
 * `maxBackoffMs`, with "equal jitter" (a random point in the upper half) so that many agents
 * recovering from the same outage do not retry in lockstep.
 *
 * @example
 * backoffDelayMs(3, { minBackoffMs: 500, maxBackoffMs: 30_000 }); // between 2000 and 4000
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxBackoffMs, options.minBackoffMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Parses a `Retry-After` header (delay in seconds or an HTTP date) into milliseconds from `nowMs`;
 * undefined when absent or unparsable. Never negative.
 *
 * @example
 * parseRetryAfterMs('5', Date.now()); // 5000
 */
export function parseRetryAfterMs(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
