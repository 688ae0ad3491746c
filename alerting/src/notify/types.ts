/**
 * Contracts of the notification pipeline: what the evaluator hands over ({@link AlertSnapshot}),
 * what the pipeline keeps durably ({@link NotificationStore}) and the rows it keeps there.
 */

/** One alert as the evaluator sees it at one evaluation; the pipeline never mutates it. */
export interface AlertSnapshot {
  tenant: string;
  alarm: string;
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: 'firing' | 'resolved';
  startsAtMs: number;
  endsAtMs: number | null;
  value: number | null;
  generatorURL: string;
  channels: string[]; // channel names the alarm routes to
}

/** Identity columns of a notification-log row (Alertmanager's nflog). */
export interface NotificationLogRow {
  tenant: string;
  channel: string;
  groupKey: string;
}

/**
 * What was last sent for one group of one channel. `firing`/`resolved` are fingerprints (sorted);
 * `sentAtMs` is when the last notification was enqueued (epoch ms).
 */
export interface NotificationLogEntry extends NotificationLogRow {
  firing: string[];
  resolved: string[];
  sentAtMs: number;
}

/** Delivery columns of an outbox row, as the store keeps them. */
export interface OutboxRow {
  id: string;
  tenant: string;
  channel: string;
  status: 'pending' | 'delivered' | 'dead';
  createdMs: number;
  nextAttemptMs: number;
  attempts: number;
  lastError: string | null;
  deliveredMs: number | null;
}

/** The delivery columns of a row enqueued at `nowMs`: pending, due at once, never attempted. */
export function freshDelivery(nowMs: number): Pick<OutboxRow, 'status' | 'createdMs' | 'nextAttemptMs' | 'attempts' | 'lastError' | 'deliveredMs'> {
  return { status: 'pending', createdMs: nowMs, nextAttemptMs: nowMs, attempts: 0, lastError: null, deliveredMs: null };
}

/** One alert inside a notification: the snapshot's content, frozen at enqueue time. */
export interface NotifiedAlert {
  alarm: string;
  fingerprint: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAtMs: number;
  endsAtMs: number | null;
  value: number | null;
  generatorURL: string;
}

/**
 * An outbox row with everything a notifier needs to render it. `id` is deterministic and unique
 * per notification; notifiers send it as the idempotency key. `payload`, when present, is sent
 * as-is by the scaling notifier (a caller-built body) instead of the Alertmanager v4 payload.
 */
export interface OutboxMessage extends OutboxRow {
  groupKey: string;
  groupLabels: Record<string, string>;
  /** 'firing' when any alert fires, 'resolved' when all have resolved. */
  groupStatus: 'firing' | 'resolved';
  alerts: NotifiedAlert[];
  externalURL: string;
  payload?: Record<string, unknown>;
}

/**
 * The durable side the pipeline needs; `AlertingStore` from `@vigil/storage` satisfies it
 * structurally. `commitDispatch` must be atomic (log upserts/deletes and outbox inserts together
 * or not at all). `due`/`listOutbox` return the stored body with the live delivery columns
 * (`status`, `attempts`, `nextAttemptMs`, `lastError`, `deliveredMs`) laid over it.
 */
export interface NotificationStore {
  loadLog<T>(): Promise<T[]>;
  commitDispatch<L extends NotificationLogRow, O extends OutboxRow>(upserts: L[], deletes: NotificationLogRow[], enqueue: O[]): Promise<void>;
  due<T>(nowMs: number, limit: number): Promise<T[]>;
  markDelivered(id: string, nowMs: number): Promise<void>;
  markRetry(id: string, attempts: number, nextAttemptMs: number, error: string): Promise<void>;
  markDead(id: string, error: string, nowMs: number): Promise<void>;
  listOutbox<T>(tenant: string, options?: { status?: OutboxRow['status']; limit?: number }): Promise<T[]>;
  redrive(tenant: string, id: string, nowMs: number): Promise<boolean>;
}

/**
 * The outcome of one delivery attempt. `permanent` failures go to the dead letters; others are
 * retried, after `retryAfterMs` when the receiver said so. `error` never contains secrets.
 */
export type SendResult = { ok: true } | { ok: false; permanent: boolean; retryAfterMs?: number; error: string };
