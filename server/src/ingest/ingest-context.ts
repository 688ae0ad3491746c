import type { AppendResult, LogAppendResult, SeriesSamples, StreamEntries } from '@vigil/storage';
import type { Context } from 'hono';
import { type TenantLimits, type VigilConfig, limitsFor } from '../config/config.js';
import type { AppVariables } from '../auth/middleware.js';
import { HttpError } from '../errors.js';
import type { ServerMetrics } from '../metrics.js';
import type { StorageHandle } from '../storage-handle.js';
import { TokenBucket } from './token-bucket.js';

/** The 429 for a tenant over its sample or log-byte rate, naming the limit and the wait. */
function rateLimited(kind: 'samples' | 'logs', limits: TenantLimits, waitSeconds: number): HttpError {
  const what =
    kind === 'samples'
      ? `ingestion rate limit of ${limits.ingestionRate} samples/s (burst ${limits.ingestionBurst})`
      : `log ingestion rate limit of ${limits.logIngestionRateBytes} bytes/s (burst ${limits.logIngestionBurstBytes})`;
  return new HttpError('rate_limited', `${what} exceeded for this tenant; retry after ${waitSeconds}s`, { retryAfterSeconds: waitSeconds });
}

/** How many recent request sizes per tenant {@link IngestContext.refuseWhileExhausted} looks at. */
const RECENT_SIZES = 8;

/**
 * What every ingest decoder shares: the tenant of the request, the rate limiter, the append into
 * storage (creating the tenant on its first write), and the self-metrics. Decoders only decode,
 * validate and build {@link SeriesSamples}.
 */
export class IngestContext {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly logBuckets = new Map<string, TokenBucket>();
  /** Sizes (samples, log bytes) of each tenant's last decoded requests, for {@link refuseWhileExhausted}. */
  private readonly recentSamples = new Map<string, number[]>();
  private readonly recentLogBytes = new Map<string, number[]>();
  private readonly knownTenants = new Set<string>();
  private readonly logObservers: Array<(tenant: string, batch: readonly StreamEntries[]) => void> = [];

  constructor(
    readonly config: VigilConfig,
    readonly metrics: ServerMetrics,
    private readonly storage: () => StorageHandle | undefined,
    readonly now: () => number = Date.now,
  ) {}

  /** The request's tenant and the open storage (503 while storage is starting). */
  begin(c: Context): { tenant: string; storage: StorageHandle } {
    const storage = this.storage();
    if (!storage) throw new HttpError('unavailable', 'storage is starting', { retryAfterSeconds: 5 });
    const auth = (c as Context<{ Variables: AppVariables }>).get('auth');
    return { tenant: auth.tenant, storage };
  }

  /**
   * Refuses a request of `tenant` at once, before its body is read or decoded, while the tenant's
   * bucket (`kind`: samples, or log bytes) cannot admit a request as small as the smallest of the
   * tenant's last {@link RECENT_SIZES} decoded requests (one sample or byte before any): a tenant
   * sending at several times its rate keeps its bucket below one request's worth, so its requests
   * would be refused after decoding anyway, and decoding is the only work it can still cost the
   * others. A request smaller than all recent ones may be refused though it would have fit; only a
   * tenant already at its limit sees that, with the same `Retry-After`. Its samples or lines are not
   * counted in the discarded totals (they were never read); the request is, in
   * `vigil_ingest_refused_unread_requests_total`.
   */
  refuseWhileExhausted(tenant: string, kind: 'samples' | 'logs'): void {
    const b = (kind === 'samples' ? this.buckets : this.logBuckets).get(tenant);
    if (!b) return;
    const recent = (kind === 'samples' ? this.recentSamples : this.recentLogBytes).get(tenant);
    const wait = b.waitFor(recent && recent.length > 0 ? Math.min(...recent) : 1, this.now());
    if (wait === 0) return;
    this.metrics.refusedUnreadRequests.inc({ kind });
    throw rateLimited(kind, limitsFor(this.config, tenant), wait);
  }

  /** Remembers the size of a decoded request of `tenant` (the last {@link RECENT_SIZES}). */
  private remember(sizes: Map<string, number[]>, tenant: string, n: number): void {
    if (n <= 0) return;
    let ring = sizes.get(tenant);
    if (!ring) {
      ring = [];
      sizes.set(tenant, ring);
    }
    ring.push(n);
    if (ring.length > RECENT_SIZES) ring.shift();
  }

  /**
   * Takes `samples` tokens from the tenant's bucket or throws 429 with `Retry-After`.
   * The rejection is counted under reason `rate_limited`.
   */
  admit(tenant: string, samples: number, limits: TenantLimits): void {
    let b = this.buckets.get(tenant);
    if (!b) {
      b = new TokenBucket(limits.ingestionRate, limits.ingestionBurst, this.now());
      this.buckets.set(tenant, b);
    }
    this.remember(this.recentSamples, tenant, samples);
    const wait = b.take(samples, this.now());
    if (wait > 0) {
      this.metrics.discardedSamples.inc({ reason: 'rate_limited' }, samples);
      throw rateLimited('samples', limits, wait);
    }
  }

  /**
   * Takes `bytes` of log volume from the tenant's log bucket or throws 429 with `Retry-After`.
   */
  admitLogBytes(tenant: string, bytes: number, lines: number, limits: TenantLimits): void {
    let b = this.logBuckets.get(tenant);
    if (!b) {
      b = new TokenBucket(limits.logIngestionRateBytes, limits.logIngestionBurstBytes, this.now());
      this.logBuckets.set(tenant, b);
    }
    this.remember(this.recentLogBytes, tenant, bytes);
    const wait = b.take(bytes, this.now());
    if (wait > 0) {
      this.metrics.discardedLogLines.inc({ reason: 'rate_limited' }, lines);
      throw rateLimited('logs', limits, wait);
    }
  }

  /** Creates the tenant on its first write, then appends samples durably. */
  async append(tenant: string, batch: SeriesSamples[], limits: TenantLimits): Promise<AppendResult> {
    const storage = await this.ready(tenant);
    return storage.metrics.append(tenant, batch, { maxActiveSeries: limits.maxActiveSeries });
  }

  /**
   * Creates the tenant on its first write, then appends log entries durably, then shows the stored
   * streams to the log observers (metric filters).
   */
  async appendLogs(tenant: string, batch: StreamEntries[], limits: TenantLimits): Promise<LogAppendResult> {
    const storage = await this.ready(tenant);
    const result = await storage.logs.append(tenant, batch, { maxStreams: limits.maxStreams });
    if (this.logObservers.length > 0) {
      const rejected = new Set(result.rejected.map((r) => r.index));
      const stored = rejected.size > 0 ? batch.filter((_, i) => !rejected.has(i)) : batch;
      for (const observe of this.logObservers) observe(tenant, stored);
    }
    return result;
  }

  /** Calls `observer` with every batch of log streams once it is durable; the observer must not throw. */
  observeLogs(observer: (tenant: string, batch: readonly StreamEntries[]) => void): void {
    this.logObservers.push(observer);
  }

  private async ready(tenant: string): Promise<StorageHandle> {
    const storage = this.storage();
    if (!storage) throw new HttpError('unavailable', 'storage is starting', { retryAfterSeconds: 5 });
    if (!this.knownTenants.has(tenant)) {
      await storage.resources.ensureTenant(tenant, this.now());
      this.knownTenants.add(tenant);
    }
    return storage;
  }
}
