import type { DiskQueue } from '../queue/disk-queue.js';
import { type BackoffOptions, backoffDelayMs, parseRetryAfterMs } from './backoff.js';
import { classifyStatus } from './classify-status.js';
import { httpPost } from './http-post.js';
import { decodeQueuePayload } from './queue-record.js';

/** Options of {@link QueueSender}. */
export interface QueueSenderOptions extends BackoffOptions {
  queue: DiskQueue;
  /** Full URL to POST every record's body to. */
  url: string;
  /** Request headers (content type and encoding, `Authorization`, ...). */
  headers: Record<string, string>;
  /** Per-request timeout in milliseconds. */
  timeoutMs: number;
  /** Receives every failure; must not throw. */
  onError: (err: unknown) => void;
}

/** Counters of a sender since the process started, for the agent's own metrics. */
export interface QueueSenderStats {
  sentRequests: number;
  sentBytes: number;
  retries: number;
  /** Records dropped because the server rejected them (4xx other than 408/429). */
  rejectedRecords: number;
}

/**
 * Sends a {@link DiskQueue}'s records one at a time, oldest first, and removes each only once the
 * server answered 2xx (or rejected it for good). Retryable failures (network errors, 408, 429,
 * 5xx) wait `Retry-After` when the server sent one, otherwise an exponential backoff with jitter,
 * and retry the same record forever: the queue's byte bound, not a retry limit, decides what is
 * given up during a long outage.
 *
 * @example
 * const sender = new QueueSender({ queue, url, headers, timeoutMs: 10_000, minBackoffMs: 500, maxBackoffMs: 30_000, onError });
 * await sender.run(signal); // returns once signal aborts
 */
export class QueueSender {
  readonly stats: QueueSenderStats = { sentRequests: 0, sentBytes: 0, retries: 0, rejectedRecords: 0 };

  constructor(private readonly options: QueueSenderOptions) {}

  /** Sends until `signal` aborts; never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    const { queue } = this.options;
    let attempt = 0;
    while (!signal.aborted) {
      const record = queue.peek();
      if (!record) {
        await queue.waitForData(signal);
        continue;
      }
      const { body } = decodeQueuePayload(record.payload);
      let delayMs: number | undefined;
      try {
        const res = await httpPost(this.options.url, body, this.options.headers, this.options.timeoutMs, signal);
        switch (classifyStatus(res.status)) {
          case 'delivered':
            queue.ack(record);
            this.stats.sentRequests++;
            this.stats.sentBytes += body.length;
            attempt = 0;
            break;
          case 'reject':
            queue.ack(record);
            this.stats.rejectedRecords++;
            attempt = 0;
            this.options.onError(
              new Error(`${this.options.url} rejected a batch (dropped): HTTP ${res.status} ${res.bodySnippet.trim()}`),
            );
            break;
          case 'retry':
            delayMs = parseRetryAfterMs(res.retryAfter, Date.now());
            if (delayMs !== undefined) delayMs = Math.min(delayMs, this.options.maxBackoffMs);
            delayMs ??= backoffDelayMs(attempt, this.options);
            this.options.onError(new Error(`${this.options.url} answered HTTP ${res.status}; retrying in ${delayMs}ms`));
            break;
        }
      } catch (err) {
        if (signal.aborted) break;
        delayMs = backoffDelayMs(attempt, this.options);
        this.options.onError(new Error(`sending to ${this.options.url} failed: ${(err as Error).message}; retrying in ${delayMs}ms`));
      }
      if (delayMs !== undefined) {
        attempt++;
        this.stats.retries++;
        await sleep(delayMs, signal);
      }
    }
  }
}

/** Resolves after `ms`, or early when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
