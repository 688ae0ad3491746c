import { setTimeout as sleep } from 'node:timers/promises';

/** Options for {@link pollUntil}. */
export interface PollOptions {
  /** Give up after this long, in milliseconds. @default 30000 */
  timeoutMs?: number;
  /** Pause between attempts, in milliseconds. @default 200 */
  intervalMs?: number;
  /** Says what was awaited; used in the timeout error. */
  what: string;
}

/**
 * Calls `probe` until it returns a value other than `undefined` and returns that value. A probe
 * that throws counts as "not yet"; the last error (or the last description the probe gave through
 * `note`) is part of the timeout error, so a failing test says what it saw last.
 *
 * @example
 * const series = await pollUntil({ what: 'series up{job="node"}' }, async () => {
 *   const found = await listSeries('up{job="node"}');
 *   return found.length > 0 ? found : undefined;
 * });
 */
export async function pollUntil<T>(
  options: PollOptions,
  probe: (note: (lastSeen: string) => void) => Promise<T | undefined>,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  let lastSeen = 'nothing yet';
  const note = (seen: string) => {
    lastSeen = seen;
  };
  for (;;) {
    try {
      const value = await probe(note);
      if (value !== undefined) return value;
    } catch (err) {
      lastSeen = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what}; last seen: ${lastSeen}`);
    }
    await sleep(intervalMs);
  }
}

/**
 * A small seeded pseudo-random generator (mulberry32), so that a failing run's random choices
 * (kill moments) can be repeated with the seed printed in its failure message.
 *
 * @example
 * const random = seededRandom(42);
 * const delayMs = 300 + random() * 1000;
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
