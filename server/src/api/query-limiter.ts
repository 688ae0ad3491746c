import { HttpError } from '../errors.js';

/**
 * Bounds the queries each tenant runs at once. Past `maxConcurrent` a query waits in line; if no
 * slot frees within `maxQueueMs` it is refused with 503 and `Retry-After`, so one tenant's heavy
 * queries queue behind each other instead of starving everyone else.
 */
export class QueryLimiter {
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();

  constructor(
    private readonly maxConcurrent: number,
    private readonly maxQueueMs: number,
  ) {}

  /** Runs `fn` once the tenant has a free slot. */
  async run<T>(tenant: string, fn: () => Promise<T>): Promise<T> {
    await this.acquire(tenant);
    try {
      return await fn();
    } finally {
      this.release(tenant);
    }
  }

  private acquire(tenant: string): Promise<void> {
    const n = this.running.get(tenant) ?? 0;
    if (n < this.maxConcurrent) {
      this.running.set(tenant, n + 1);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const queue = this.waiting.get(tenant) ?? [];
      this.waiting.set(tenant, queue);
      const grant = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const i = queue.indexOf(grant);
        if (i >= 0) queue.splice(i, 1);
        reject(
          new HttpError('unavailable', `too many concurrent queries for this tenant (limit ${this.maxConcurrent}); retry later`, {
            retryAfterSeconds: Math.max(1, Math.ceil(this.maxQueueMs / 1000)),
          }),
        );
      }, this.maxQueueMs);
      queue.push(grant);
    });
  }

  private release(tenant: string): void {
    const next = this.waiting.get(tenant)?.shift();
    if (next) {
      next(); // The slot passes straight to the next waiter; the running count stays.
      return;
    }
    const n = (this.running.get(tenant) ?? 1) - 1;
    if (n <= 0) this.running.delete(tenant);
    else this.running.set(tenant, n);
  }
}
