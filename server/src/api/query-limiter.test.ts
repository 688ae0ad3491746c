import { describe, expect, it, vi } from 'vitest';
import { QueryLimiter } from './query-limiter.js';

/** A query that runs until `finish()` is called. */
function held() {
  let finish!: () => void;
  const done = new Promise<void>((r) => {
    finish = r;
  });
  return { fn: () => done, finish };
}

describe('QueryLimiter', () => {
  it('runs at most the per-tenant limit of one tenant and queues the rest in order', async () => {
    const limiter = new QueryLimiter({ maxConcurrentPerTenant: 2, maxConcurrentTotal: 10, maxQueueMs: 1000 });
    const order: number[] = [];
    const queries = [0, 1, 2, 3].map(() => held());
    const runs = queries.map((q, i) =>
      limiter.run('a', async () => {
        order.push(i);
        return q.fn();
      }),
    );
    await Promise.resolve();
    expect(limiter.runningTotal).toBe(2);
    expect(limiter.queued).toBe(2);
    queries[0]!.finish();
    await runs[0];
    await Promise.resolve();
    expect(order).toEqual([0, 1, 2]);
    for (const q of queries) q.finish();
    await Promise.all(runs);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(limiter.runningTotal).toBe(0);
  });

  it('keeps one slot of the total free for other tenants', async () => {
    const limiter = new QueryLimiter({ maxConcurrentPerTenant: 20, maxConcurrentTotal: 3, maxQueueMs: 1000 });
    const heavy = Array.from({ length: 5 }, () => held());
    const runs = heavy.map((q) => limiter.run('a', q.fn));
    await Promise.resolve();
    expect(limiter.runningTotal).toBe(2);
    // Tenant b starts at once although a has three waiting.
    await expect(limiter.run('b', async () => 'light')).resolves.toBe('light');
    for (const q of heavy) q.finish();
    await Promise.all(runs);
  });

  it('hands freed slots to the waiting tenants in turn', async () => {
    const limiter = new QueryLimiter({ maxConcurrentPerTenant: 1, maxConcurrentTotal: 2, maxQueueMs: 1000 });
    const first = held();
    const blocker = limiter.run('x', first.fn);
    const order: string[] = [];
    const runs = ['a', 'a', 'b', 'a', 'b'].map((t) => limiter.run(t, async () => void order.push(t)));
    first.finish();
    await blocker;
    await Promise.all(runs);
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a']);
  });

  it('refuses with 503 and Retry-After when no slot frees within the queue time', async () => {
    vi.useFakeTimers();
    try {
      const limiter = new QueryLimiter({ maxConcurrentPerTenant: 1, maxConcurrentTotal: 4, maxQueueMs: 2500 });
      const q = held();
      const running = limiter.run('a', q.fn);
      const waiting = limiter.run('a', async () => 'never');
      const caught = waiting.catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(2500);
      expect(await caught).toMatchObject({ status: 503, code: 'unavailable', retryAfterSeconds: 3 });
      expect(limiter.queued).toBe(0);
      q.finish();
      await running;
      expect(limiter.runningTotal).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
