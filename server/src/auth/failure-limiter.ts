import type { Context } from 'hono';
import { HttpError } from '../errors.js';

interface Bucket {
  tokens: number;
  lastMs: number;
}

/**
 * Limits failed authentications per client address (reference TS-9): each address has a bucket of
 * `burst` failures refilled at `perMinute`. While an address's bucket is empty, every request from
 * it that presents credentials is answered 429 with `Retry-After` *before* its key is checked, so a
 * brute-force run learns nothing more until it slows down; requests without credentials are not
 * affected (they answer 401 as usual). A valid key from a blocked address waits too: sharing an
 * address with an attacker costs the wait, which is the price of not giving the attacker an oracle.
 *
 * At most `maxAddresses` buckets are kept (the oldest dropped first), so a flood of addresses costs
 * bounded memory; full buckets are dropped when they refill.
 */
export class AuthFailureLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly burst: number,
    private readonly perMinute: number,
    private readonly maxAddresses = 10_000,
  ) {}

  /** Whether the limiter is on (`burst` 0 turns it off). */
  get enabled(): boolean {
    return this.burst > 0 && this.perMinute > 0;
  }

  /** Seconds `address` must wait before presenting credentials again; 0 when it may now. */
  retryAfterSeconds(address: string, nowMs: number): number {
    const b = this.refill(address, nowMs);
    if (!b || b.tokens >= 1) return 0;
    return Math.max(1, Math.ceil(((1 - b.tokens) * 60) / this.perMinute));
  }

  /** Records one failed authentication from `address`. */
  fail(address: string, nowMs: number): void {
    if (!this.enabled) return;
    let b = this.refill(address, nowMs);
    if (!b) {
      if (this.buckets.size >= this.maxAddresses) this.buckets.delete(this.buckets.keys().next().value!);
      b = { tokens: this.burst, lastMs: nowMs };
    }
    b.tokens = Math.max(0, b.tokens - 1);
    // Re-insert: the Map's order is then by last failure, so the eviction above drops the stalest.
    this.buckets.delete(address);
    this.buckets.set(address, b);
  }

  /** Addresses being tracked (for tests and self-metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private refill(address: string, nowMs: number): Bucket | undefined {
    const b = this.buckets.get(address);
    if (!b) return undefined;
    const elapsedMin = (nowMs - b.lastMs) / 60_000;
    if (elapsedMin > 0) {
      b.tokens = Math.min(this.burst, b.tokens + elapsedMin * this.perMinute);
      b.lastMs = nowMs;
    }
    if (b.tokens >= this.burst) {
      this.buckets.delete(address);
      return undefined;
    }
    return b;
  }
}

/** The client's address as the listening socket saw it (undefined under `app.request()` in tests). */
export function clientAddress(c: Context): string | undefined {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress;
}

/** Throws 429 with `Retry-After` while `address` is blocked. */
function refuseWhileBlocked(limiter: AuthFailureLimiter, address: string, nowMs: number): void {
  const wait = limiter.retryAfterSeconds(address, nowMs);
  if (wait > 0) {
    throw new HttpError('rate_limited', `too many failed authentications from this address; retry after ${wait}s`, {
      retryAfterSeconds: wait,
    });
  }
}

function countIfUnauthorized(limiter: AuthFailureLimiter, address: string, nowMs: number, err: unknown): void {
  if (err instanceof HttpError && err.status === 401) limiter.fail(address, nowMs);
}

/**
 * Runs `check` (an authentication step that throws 401 on bad credentials) under the limiter:
 * refuses at once with 429 while the address is blocked, and counts a 401 as a failure.
 */
export async function limitAuthFailures<T>(
  limiter: AuthFailureLimiter,
  address: string | undefined,
  nowMs: number,
  check: () => Promise<T>,
): Promise<T> {
  if (address === undefined || !limiter.enabled) return check();
  refuseWhileBlocked(limiter, address, nowMs);
  try {
    return await check();
  } catch (err) {
    countIfUnauthorized(limiter, address, nowMs, err);
    throw err;
  }
}

/** {@link limitAuthFailures} for a synchronous `check` (the live tail's WebSocket upgrade). */
export function limitAuthFailuresSync<T>(limiter: AuthFailureLimiter, address: string | undefined, nowMs: number, check: () => T): T {
  if (address === undefined || !limiter.enabled) return check();
  refuseWhileBlocked(limiter, address, nowMs);
  try {
    return check();
  } catch (err) {
    countIfUnauthorized(limiter, address, nowMs, err);
    throw err;
  }
}
