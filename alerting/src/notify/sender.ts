import type { ChannelConfig, ChannelType } from './channels.js';
import { notificationId } from './dispatcher.js';
import type { Notifier } from './notifiers.js';
import { type NotificationStore, type OutboxMessage, type SendResult, freshDelivery } from './types.js';

/** What happened to one delivery attempt, for metrics. */
export type DeliveryOutcome = 'delivered' | 'retry' | 'dead';

/** Options of {@link Sender}. */
export interface SenderOptions {
  store: NotificationStore;
  /** The current config of a tenant's channel, or undefined when it no longer exists. */
  channel: (tenant: string, name: string) => ChannelConfig | undefined;
  /** A notifier per channel type (see `createNotifiers`), or a factory. */
  notifiers: Record<ChannelType, Notifier> | ((type: ChannelType) => Notifier);
  /** The clock, epoch ms. @default Date.now */
  now?: () => number;
  /** Give up after this many attempts. @default Infinity (the deadline decides) */
  maxAttempts?: number;
  /** Give up once a retry would fall this long after the first attempt, in ms. @default 86400000 (24 h) */
  deadLetterAfterMs?: number;
  /** First backoff ceiling, in ms (doubles per attempt, full jitter). @default 1000 */
  backoffBaseMs?: number;
  /** Largest backoff, in ms. @default 300000 (5 min) */
  backoffCapMs?: number;
  /** Largest `Retry-After` honoured, in ms; longer ones are cut to this. @default 300000 (5 min) */
  maxRetryAfterMs?: number;
  /** Minimum time between two sends to the same Slack webhook URL, in ms. @default 1000 */
  slackPaceMs?: number;
  /** Deliveries in flight at once. @default 4 */
  concurrency?: number;
  /** Rows taken from the outbox per `runOnce`. @default 100 */
  batchSize?: number;
  /** Random source in [0, 1) for the jitter. @default Math.random */
  random?: () => number;
  /** Sent as `externalURL`/link in test notifications. @default '' */
  externalURL?: string;
  /** Called once per attempt with the channel type and what became of the row; must not throw. */
  onResult?: (channelType: ChannelType, outcome: DeliveryOutcome) => void;
  /** Store or notifier failures that are not a delivery result; must not throw. */
  onError?: (err: unknown) => void;
}

/** Counts of one {@link Sender.runOnce}. `paced` rows were only rescheduled. */
export interface RunResult {
  delivered: number;
  retried: number;
  dead: number;
  paced: number;
}

/**
 * Delivers outbox rows: takes the due ones, sends each through its channel's notifier and
 * records the outcome: delivered; retried with exponential backoff and full jitter (or exactly
 * the receiver's `Retry-After`, capped); dead on a permanent failure, a deleted channel, or past
 * the dead-letter deadline. Slack sends are paced per webhook URL; a row that must wait is
 * rescheduled, not failed. Exceptions never escape `runOnce`'s per-row handling; they go to
 * `onError`.
 */
export class Sender {
  private readonly o: Required<Omit<SenderOptions, 'onResult' | 'onError' | 'notifiers' | 'channel' | 'store'>> & SenderOptions;
  private readonly paceUntil = new Map<string, number>();
  private readonly firstAttemptMs = new Map<string, number>();
  private readonly inFlight = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(options: SenderOptions) {
    this.o = {
      now: Date.now,
      maxAttempts: Number.POSITIVE_INFINITY,
      deadLetterAfterMs: 86_400_000,
      backoffBaseMs: 1000,
      backoffCapMs: 300_000,
      maxRetryAfterMs: 300_000,
      slackPaceMs: 1000,
      concurrency: 4,
      batchSize: 100,
      random: Math.random,
      externalURL: '',
      ...options,
    };
  }

  private notifier(type: ChannelType): Notifier {
    const n = this.o.notifiers;
    return typeof n === 'function' ? n(type) : n[type];
  }

  /** Delivers every row due at `nowMs` (one batch). */
  async runOnce(nowMs: number = this.o.now()): Promise<RunResult> {
    const result: RunResult = { delivered: 0, retried: 0, dead: 0, paced: 0 };
    let rows: OutboxMessage[];
    try {
      rows = await this.o.store.due<OutboxMessage>(nowMs, this.o.batchSize);
    } catch (err) {
      this.report(err);
      return result;
    }
    rows = rows.filter((r) => !this.inFlight.has(r.id));
    for (const r of rows) this.inFlight.add(r.id);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < rows.length) {
        const row = rows[next++]!;
        try {
          await this.deliver(row, nowMs, result);
        } catch (err) {
          this.report(err);
        } finally {
          this.inFlight.delete(row.id);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.o.concurrency, rows.length)) }, worker));
    return result;
  }

  private async deliver(row: OutboxMessage, nowMs: number, result: RunResult): Promise<void> {
    const { store } = this.o;
    const channel = this.o.channel(row.tenant, row.channel);
    if (!channel) {
      await store.markDead(row.id, `channel "${row.channel}" no longer exists`, nowMs);
      this.firstAttemptMs.delete(row.id);
      result.dead++;
      return;
    }
    // The deadline runs from the first attempt this process saw (a redriven row gets a fresh
    // window); after a restart it falls back to the row's creation time.
    if (row.attempts === 0 && !this.firstAttemptMs.has(row.id)) this.firstAttemptMs.set(row.id, Math.max(row.createdMs, nowMs));
    const deadline = (this.firstAttemptMs.get(row.id) ?? row.createdMs) + this.o.deadLetterAfterMs;

    if (channel.type === 'slack') {
      const until = this.paceUntil.get(channel.url) ?? 0;
      if (nowMs < until) {
        await store.markRetry(row.id, row.attempts, until, row.lastError ?? `waiting ${until - nowMs} ms for the Slack pace`);
        result.paced++;
        return;
      }
      // Reserve the slot before the await so concurrent workers see it.
      this.paceUntil.set(channel.url, nowMs + this.o.slackPaceMs);
    }

    let res: SendResult;
    try {
      res = await this.notifier(channel.type).send(row, { channel, nowMs });
    } catch (err) {
      this.report(err);
      res = { ok: false, permanent: false, error: `notifier failed: ${(err as Error)?.name ?? 'error'}` };
    }

    if (res.ok) {
      await store.markDelivered(row.id, this.o.now());
      this.firstAttemptMs.delete(row.id);
      result.delivered++;
      this.emit(channel.type, 'delivered');
      return;
    }
    const attempts = row.attempts + 1;
    if (res.permanent) {
      await store.markDead(row.id, res.error, nowMs);
      this.firstAttemptMs.delete(row.id);
      result.dead++;
      this.emit(channel.type, 'dead');
      return;
    }
    const delay = res.retryAfterMs !== undefined ? Math.min(res.retryAfterMs, this.o.maxRetryAfterMs) : this.backoff(attempts);
    const nextAttemptMs = nowMs + Math.max(1, delay);
    if (attempts >= this.o.maxAttempts || nextAttemptMs > deadline) {
      await store.markDead(row.id, `gave up after ${attempts} attempts: ${res.error}`, nowMs);
      this.firstAttemptMs.delete(row.id);
      result.dead++;
      this.emit(channel.type, 'dead');
      return;
    }
    if (channel.type === 'slack' && res.retryAfterMs !== undefined) {
      // Slack rate limits are per webhook: hold every message to it, not just this one.
      this.paceUntil.set(channel.url, Math.max(this.paceUntil.get(channel.url) ?? 0, nextAttemptMs));
    }
    await store.markRetry(row.id, attempts, nextAttemptMs, res.error);
    result.retried++;
    this.emit(channel.type, 'retry');
  }

  /** Full-jitter exponential backoff for the `attempts`-th failure, in ms. */
  private backoff(attempts: number): number {
    const ceiling = Math.min(this.o.backoffCapMs, this.o.backoffBaseMs * 2 ** Math.min(attempts - 1, 30));
    return Math.floor(this.o.random() * ceiling);
  }

  /**
   * Sends a test notification to a tenant's channel right away (not through the outbox) and
   * returns what the notifier said.
   */
  async sendTest(tenant: string, channelName: string): Promise<SendResult> {
    const channel = this.o.channel(tenant, channelName);
    if (!channel) return { ok: false, permanent: true, error: `channel "${channelName}" does not exist` };
    const nowMs = this.o.now();
    const labels = { alertname: 'VigilTestNotification', channel: channelName };
    const msg: OutboxMessage = {
      id: notificationId(['test', tenant, channelName, nowMs]),
      tenant,
      channel: channelName,
      ...freshDelivery(nowMs),
      groupKey: '{}:{alertname="VigilTestNotification"}',
      groupLabels: { alertname: 'VigilTestNotification' },
      groupStatus: 'firing',
      alerts: [
        {
          alarm: 'VigilTestNotification',
          fingerprint: 'test',
          status: 'firing',
          labels,
          annotations: { summary: `Test notification for channel ${channelName}` },
          startsAtMs: nowMs,
          endsAtMs: null,
          value: null,
          generatorURL: this.o.externalURL,
        },
      ],
      externalURL: this.o.externalURL,
      ...(channel.type === 'scaling' ? { payload: { test: true, tenant, channel: channelName, timestamp: new Date(nowMs).toISOString() } } : {}),
    };
    if (channel.type === 'slack') this.paceUntil.set(channel.url, Math.max(this.paceUntil.get(channel.url) ?? 0, nowMs + this.o.slackPaceMs));
    try {
      return await this.notifier(channel.type).send(msg, { channel, nowMs });
    } catch (err) {
      this.report(err);
      return { ok: false, permanent: false, error: `notifier failed: ${(err as Error)?.name ?? 'error'}` };
    }
  }

  /** Runs `runOnce` every `intervalMs` until {@link stop}; never throws. */
  start(intervalMs = 1000): void {
    if (this.timer) return;
    const tick = (): void => {
      this.running = this.runOnce()
        .catch((err) => this.report(err))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, intervalMs);
  }

  /** Stops the loop started by {@link start} and waits for the batch in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private emit(type: ChannelType, outcome: DeliveryOutcome): void {
    try {
      this.o.onResult?.(type, outcome);
    } catch (err) {
      this.report(err);
    }
  }

  private report(err: unknown): void {
    try {
      this.o.onError?.(err);
    } catch {
      // An error handler that throws must not take the sender down.
    }
  }
}
