import { HttpError } from '../errors.js';
import type { VigilConfig } from '../config/config.js';

/** Options of a {@link QueryLimiter}. */
export interface QueryLimiterOptions {
  /** Queries of one tenant running at once. */
  maxConcurrentPerTenant: number;
  /**
   * Queries of all tenants running at once. While more than one slot exists, one tenant may hold
   * at most all but one of them, so another tenant's query never waits for a slot.
   */
  maxConcurrentTotal: number;
  /** How long a query may wait for a slot before it is refused with 503, ms. */
  maxQueueMs: number;
}

interface Waiter {
  grant: () => void;
}

/**
 * Bounds the queries that run at once, per tenant and in total. Past either bound a query waits
 * in its tenant's line; freed slots go to the tenants' lines in turn (round robin), so one
 * tenant's burst of heavy queries queues behind itself instead of in front of everyone else. A
 * query that gets no slot within `maxQueueMs` is refused with 503 and `Retry-After`.
 *
 * Why a total bound, on top of the per-tenant one: queries are evaluated on the one JavaScript
 * thread, which hands the loop back between slices of work. Every query running adds a slice to
 * each turn of the loop that every other request waits through, and holds its data in memory;
 * running more queries than there are cores adds latency and memory, not throughput.
 */
export class QueryLimiter {
  private total = 0;
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, Waiter[]>();
  /** Tenants with waiters, in the order they get the next free slot. */
  private turn: string[] = [];

  constructor(private readonly opts: QueryLimiterOptions) {}

  /** Queries running now (all tenants). */
  get runningTotal(): number {
    return this.total;
  }

  /** Queries waiting for a slot now (all tenants). */
  get queued(): number {
    let n = 0;
    for (const q of this.waiting.values()) n += q.length;
    return n;
  }

  /** Runs `fn` once the tenant has a slot; refuses with 503 when none frees within the queue time. */
  async run<T>(tenant: string, fn: () => Promise<T>): Promise<T> {
    await this.acquire(tenant);
    try {
      return await fn();
    } finally {
      this.release(tenant);
    }
  }

  /** The most slots one tenant may hold: its own limit, and never the last free slot of all. */
  private tenantCap(): number {
    const { maxConcurrentPerTenant, maxConcurrentTotal } = this.opts;
    return Math.max(1, Math.min(maxConcurrentPerTenant, maxConcurrentTotal > 1 ? maxConcurrentTotal - 1 : 1));
  }

  private canStart(tenant: string): boolean {
    return this.total < this.opts.maxConcurrentTotal && (this.running.get(tenant) ?? 0) < this.tenantCap();
  }

  private start(tenant: string): void {
    this.total++;
    this.running.set(tenant, (this.running.get(tenant) ?? 0) + 1);
  }

  private acquire(tenant: string): Promise<void> {
    // A tenant with a line keeps its order: a newcomer does not overtake its own waiters.
    if (!this.waiting.has(tenant) && this.canStart(tenant)) {
      this.start(tenant);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      let queue = this.waiting.get(tenant);
      if (!queue) {
        queue = [];
        this.waiting.set(tenant, queue);
        this.turn.push(tenant);
      }
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        const q = this.waiting.get(tenant);
        const i = q?.indexOf(waiter) ?? -1;
        if (q && i >= 0) {
          q.splice(i, 1);
          if (q.length === 0) this.forget(tenant);
        }
        reject(
          new HttpError(
            'unavailable',
            `too many concurrent queries (limits: ${this.tenantCap()} per tenant, ${this.opts.maxConcurrentTotal} in total); no slot freed within ${this.opts.maxQueueMs} ms, retry later`,
            { retryAfterSeconds: Math.max(1, Math.ceil(this.opts.maxQueueMs / 1000)) },
          ),
        );
      }, this.opts.maxQueueMs);
      queue.push(waiter);
    });
  }

  private release(tenant: string): void {
    this.total--;
    const n = (this.running.get(tenant) ?? 1) - 1;
    if (n <= 0) this.running.delete(tenant);
    else this.running.set(tenant, n);
    this.dispatch();
  }

  /** Hands free slots to the waiting tenants in turn. */
  private dispatch(): void {
    let progressed = true;
    while (progressed && this.total < this.opts.maxConcurrentTotal && this.turn.length > 0) {
      progressed = false;
      for (const tenant of [...this.turn]) {
        if (!this.canStart(tenant)) continue;
        const queue = this.waiting.get(tenant)!;
        const next = queue.shift()!;
        // The served tenant goes to the back of the turn.
        this.turn = this.turn.filter((t) => t !== tenant);
        if (queue.length === 0) this.waiting.delete(tenant);
        else this.turn.push(tenant);
        this.start(tenant);
        next.grant();
        progressed = true;
        break;
      }
    }
  }

  private forget(tenant: string): void {
    this.waiting.delete(tenant);
    this.turn = this.turn.filter((t) => t !== tenant);
  }
}

const shared = new WeakMap<VigilConfig, QueryLimiter>();

/**
 * The one limiter that the PromQL and LogQL query APIs of a server share (one per configuration
 * object), so that a tenant's limit counts both kinds of query together.
 */
export function sharedQueryLimiter(config: VigilConfig): QueryLimiter {
  let limiter = shared.get(config);
  if (!limiter) {
    limiter = new QueryLimiter({
      maxConcurrentPerTenant: config.query.maxConcurrent,
      maxConcurrentTotal: config.query.maxConcurrentTotal,
      maxQueueMs: config.query.maxQueueMs,
    });
    shared.set(config, limiter);
  }
  return limiter;
}
