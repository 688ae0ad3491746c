import type { DuckDBConnection } from '@duckdb/node-api';
import type { Database } from './database.js';

/** An alarm instance row: identity columns plus the JSON the alerting library keeps. */
export interface AlarmInstanceRow {
  tenant: string;
  alarm: string;
  fingerprint: string;
}

/** A transition row: identity and time columns plus the JSON record. */
export interface AlarmHistoryRow {
  tenant: string;
  alarm: string;
  fingerprint: string;
  timestampMs: number;
}

/** A notification-log row (Alertmanager's nflog): what was last sent for one group of one channel. */
export interface NotificationLogRow {
  tenant: string;
  channel: string;
  groupKey: string;
}

/** An outbox row: a notification to deliver, with its delivery state. */
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

/**
 * The durable side of alerting in DuckDB: alarm instance states, transition history, the
 * notification log and the notification outbox. Bodies are JSON owned by `@vigil/alerting`; the
 * columns are what is filtered or ordered on. Every method that changes several tables does it
 * in one transaction, so an evaluation's transitions and states, or a dispatch's log and outbox
 * rows, are written together or not at all (the at-least-once contract rests on that).
 */
export class AlertingStore {
  constructor(private readonly db: Database) {}

  private async tx<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.db.resourcesQueue.run(async () => {
      const c = this.db.resources;
      await c.run('BEGIN TRANSACTION');
      try {
        const out = await fn(c);
        await c.run('COMMIT');
        return out;
      } catch (err) {
        await c.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  private async read(sql: string, params: unknown[] = []): Promise<unknown[][]> {
    return this.db.resourcesQueue.run(async () => (await this.db.resources.runAndReadAll(sql, params as never)).getRows() as unknown[][]);
  }

  /** Every stored alarm instance body. */
  async loadInstances<T>(): Promise<T[]> {
    return (await this.read('SELECT body FROM alarm_instances')).map((r) => JSON.parse(String(r[0])) as T);
  }

  /**
   * Upserts and deletes instances and appends transitions, atomically. Rows go in multi-row
   * statements (an evaluation round may change thousands of instances; one statement per row
   * would cost a DuckDB query each).
   */
  async commitEvaluation<I extends AlarmInstanceRow, H extends AlarmHistoryRow>(upserts: I[], deletes: AlarmInstanceRow[], history: H[]): Promise<void> {
    await this.tx(async (c) => {
      if (deletes.length > 0) {
        await batched(c, 'DELETE FROM alarm_instances WHERE (tenant, alarm, fingerprint) IN (', ')', 3, deletes.map((d) => [d.tenant, d.alarm, d.fingerprint]));
      }
      if (upserts.length > 0) {
        await batched(c, 'INSERT OR REPLACE INTO alarm_instances VALUES ', '', 4, upserts.map((u) => [u.tenant, u.alarm, u.fingerprint, JSON.stringify(u)]));
      }
      if (history.length > 0) {
        await batched(c, 'INSERT INTO alarm_history VALUES ', '', 5, history.map((h) => [h.tenant, h.alarm, h.fingerprint, BigInt(h.timestampMs), JSON.stringify(h)]));
      }
    });
  }

  /** Transitions of one alarm (optionally one instance), newest first. */
  async history<T>(tenant: string, alarm: string, options: { fromMs?: number; toMs?: number; limit?: number; fingerprint?: string } = {}): Promise<T[]> {
    const rows = await this.read(
      `SELECT body FROM alarm_history WHERE tenant = $1 AND alarm = $2 AND ts >= $3 AND ts <= $4 ${options.fingerprint ? 'AND fingerprint = $6' : ''}
       ORDER BY ts DESC LIMIT $5`,
      [
        tenant,
        alarm,
        BigInt(options.fromMs ?? 0),
        BigInt(options.toMs ?? Number.MAX_SAFE_INTEGER),
        BigInt(options.limit ?? 1000),
        ...(options.fingerprint ? [options.fingerprint] : []),
      ],
    );
    return rows.map((r) => JSON.parse(String(r[0])) as T);
  }

  /** Deletes every instance of an alarm. */
  async deleteInstances(tenant: string, alarm: string): Promise<void> {
    await this.tx((c) => c.run('DELETE FROM alarm_instances WHERE tenant = $1 AND alarm = $2', [tenant, alarm]).then(() => undefined));
  }

  /** Deletes a tenant's transitions older than `cutoffMs` (history is kept as long as metrics). */
  async pruneHistory(tenant: string, cutoffMs: number): Promise<number> {
    const rows = await this.read('DELETE FROM alarm_history WHERE tenant = $1 AND ts < $2 RETURNING 1', [tenant, BigInt(cutoffMs)]);
    return rows.length;
  }

  /** Every scaling group's runtime state body. */
  async loadScalingStates<T>(): Promise<T[]> {
    return (await this.read('SELECT body FROM scaling_state')).map((r) => JSON.parse(String(r[0])) as T);
  }

  /**
   * One scaling decision, atomically: the group's new runtime state, its activity records and the
   * scaling webhook notifications to deliver (outbox rows).
   */
  async commitScaling<S extends { tenant: string; group: string }, A extends { tenant: string; group: string; atMs: number }, O extends OutboxRow>(
    state: S | null,
    activities: A[],
    enqueue: O[],
  ): Promise<void> {
    await this.tx(async (c) => {
      if (state) await c.run('INSERT OR REPLACE INTO scaling_state VALUES ($1, $2, $3)', [state.tenant, state.group, JSON.stringify(state)]);
      if (activities.length > 0) {
        await batched(c, 'INSERT INTO scaling_activities VALUES ', '', 4, activities.map((a) => [a.tenant, a.group, BigInt(a.atMs), JSON.stringify(a)]));
      }
      for (const o of enqueue) await c.run('INSERT INTO notification_outbox VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', outboxParams(o));
    });
  }

  /** A group's activities, newest first. */
  async scalingActivities<T>(tenant: string, group: string, options: { fromMs?: number; toMs?: number; limit?: number } = {}): Promise<T[]> {
    const rows = await this.read(
      'SELECT body FROM scaling_activities WHERE tenant = $1 AND grp = $2 AND ts >= $3 AND ts <= $4 ORDER BY ts DESC LIMIT $5',
      [tenant, group, BigInt(options.fromMs ?? 0), BigInt(options.toMs ?? Number.MAX_SAFE_INTEGER), BigInt(options.limit ?? 1000)],
    );
    return rows.map((r) => JSON.parse(String(r[0])) as T);
  }

  /** Forgets a deleted group's runtime state (its activities stay until retention). */
  async deleteScalingState(tenant: string, group: string): Promise<void> {
    await this.update('DELETE FROM scaling_state WHERE tenant = $1 AND grp = $2', [tenant, group]);
  }

  /** Deletes a tenant's scaling activities older than `cutoffMs`. */
  async pruneScalingActivities(tenant: string, cutoffMs: number): Promise<number> {
    return (await this.read('DELETE FROM scaling_activities WHERE tenant = $1 AND ts < $2 RETURNING 1', [tenant, BigInt(cutoffMs)])).length;
  }

  /** Every notification-log body. */
  async loadLog<T>(): Promise<T[]> {
    return (await this.read('SELECT body FROM notification_log')).map((r) => JSON.parse(String(r[0])) as T);
  }

  /** Upserts and deletes log entries and enqueues outbox rows, atomically. */
  async commitDispatch<L extends NotificationLogRow, O extends OutboxRow>(upserts: L[], deletes: NotificationLogRow[], enqueue: O[]): Promise<void> {
    await this.tx(async (c) => {
      if (deletes.length > 0) {
        const del = await c.prepare('DELETE FROM notification_log WHERE tenant = $1 AND channel = $2 AND group_key = $3');
        for (const d of deletes) {
          del.bind([d.tenant, d.channel, d.groupKey]);
          await del.run();
        }
      }
      if (upserts.length > 0) {
        const up = await c.prepare('INSERT OR REPLACE INTO notification_log VALUES ($1, $2, $3, $4)');
        for (const u of upserts) {
          up.bind([u.tenant, u.channel, u.groupKey, JSON.stringify(u)]);
          await up.run();
        }
      }
      if (enqueue.length > 0) {
        const ins = await c.prepare('INSERT INTO notification_outbox VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)');
        for (const o of enqueue) {
          ins.bind(outboxParams(o));
          await ins.run();
        }
      }
    });
  }

  /** Pending outbox rows whose next attempt is due, oldest first. */
  async due<T>(nowMs: number, limit: number): Promise<T[]> {
    const rows = await this.read(
      `SELECT body, attempts, next_attempt_ms, status, last_error, delivered_ms FROM notification_outbox
       WHERE status = 'pending' AND next_attempt_ms <= $1 ORDER BY next_attempt_ms, created_ms LIMIT $2`,
      [BigInt(nowMs), BigInt(limit)],
    );
    return rows.map(rowToOutbox<T>);
  }

  /** Marks an outbox row delivered (counting the successful attempt). */
  async markDelivered(id: string, nowMs: number): Promise<void> {
    await this.update("UPDATE notification_outbox SET status = 'delivered', delivered_ms = $2, attempts = attempts + 1 WHERE id = $1", [id, BigInt(nowMs)]);
  }

  /** Records a failed attempt and when to try again. */
  async markRetry(id: string, attempts: number, nextAttemptMs: number, error: string): Promise<void> {
    await this.update('UPDATE notification_outbox SET attempts = $2, next_attempt_ms = $3, last_error = $4 WHERE id = $1', [
      id,
      attempts,
      BigInt(nextAttemptMs),
      error,
    ]);
  }

  /** Moves an outbox row to the dead letters. */
  async markDead(id: string, error: string, nowMs: number): Promise<void> {
    await this.update("UPDATE notification_outbox SET status = 'dead', last_error = $2, next_attempt_ms = $3, attempts = attempts + 1 WHERE id = $1", [id, error, BigInt(nowMs)]);
  }

  /** A tenant's outbox rows, newest first, optionally of one status. */
  async listOutbox<T>(tenant: string, options: { status?: OutboxRow['status']; limit?: number } = {}): Promise<T[]> {
    const rows = await this.read(
      `SELECT body, attempts, next_attempt_ms, status, last_error, delivered_ms FROM notification_outbox
       WHERE tenant = $1 ${options.status ? 'AND status = $3' : ''} ORDER BY created_ms DESC LIMIT $2`,
      [tenant, BigInt(options.limit ?? 100), ...(options.status ? [options.status] : [])],
    );
    return rows.map(rowToOutbox<T>);
  }

  /** Puts a dead (or delivered) row back in the queue, due now. Returns whether the row exists. */
  async redrive(tenant: string, id: string, nowMs: number): Promise<boolean> {
    const rows = await this.read(
      "UPDATE notification_outbox SET status = 'pending', next_attempt_ms = $3, attempts = 0, delivered_ms = NULL WHERE tenant = $1 AND id = $2 RETURNING 1",
      [tenant, id, BigInt(nowMs)],
    );
    return rows.length > 0;
  }

  /** Deletes delivered and dead rows older than `cutoffMs`. */
  async pruneOutbox(cutoffMs: number): Promise<number> {
    const rows = await this.read("DELETE FROM notification_outbox WHERE status <> 'pending' AND created_ms < $1 RETURNING 1", [BigInt(cutoffMs)]);
    return rows.length;
  }

  private async update(sql: string, params: unknown[]): Promise<void> {
    await this.db.resourcesQueue.run(() => this.db.resources.run(sql, params as never));
  }
}

/** Rows per multi-row statement in {@link batched}. */
const BATCH_ROWS = 500;

/**
 * Runs `head (…),(…) tail` with bound parameters for `rows` (each of `width` values), at most
 * {@link BATCH_ROWS} rows per statement.
 */
async function batched(c: DuckDBConnection, head: string, tail: string, width: number, rows: unknown[][]): Promise<void> {
  for (let lo = 0; lo < rows.length; lo += BATCH_ROWS) {
    const chunk = rows.slice(lo, lo + BATCH_ROWS);
    const tuples = chunk.map((_, i) => `(${Array.from({ length: width }, (_, j) => `$${i * width + j + 1}`).join(', ')})`);
    await c.run(`${head}${tuples.join(', ')}${tail}`, chunk.flat() as never);
  }
}

function outboxParams(o: OutboxRow): never {
  return [
    o.id,
    o.tenant,
    o.channel,
    o.status,
    BigInt(o.createdMs),
    BigInt(o.nextAttemptMs),
    o.attempts,
    o.lastError,
    o.deliveredMs === null ? null : BigInt(o.deliveredMs),
    JSON.stringify(o),
  ] as never;
}

/** The stored body with the live delivery columns laid over it. */
function rowToOutbox<T>(r: unknown[]): T {
  const body = JSON.parse(String(r[0])) as Record<string, unknown>;
  body.attempts = Number(r[1]);
  body.nextAttemptMs = Number(r[2]);
  body.status = String(r[3]);
  body.lastError = r[4] === null ? null : String(r[4]);
  body.deliveredMs = r[5] === null ? null : Number(r[5]);
  return body as T;
}
