import { createHash } from 'node:crypto';
import type { ChannelConfig } from './channels.js';
import { type Silence, isSilenced } from './silences.js';
import {
  type AlertSnapshot,
  type NotificationLogEntry,
  type NotificationLogRow,
  type NotificationStore,
  type NotifiedAlert,
  type OutboxMessage,
  freshDelivery,
} from './types.js';

/** Options of {@link Dispatcher}. */
export interface DispatcherOptions {
  store: NotificationStore;
  /** A tenant's channels; alerts name them in `channels`. */
  channels: (tenant: string) => readonly ChannelConfig[];
  /** A tenant's silences (all of them; the dispatcher filters by time). */
  silences: (tenant: string) => readonly Silence[];
  /** The clock, epoch ms. @default Date.now */
  now?: () => number;
  /** Vigil's external URL, sent as `externalURL` in webhook payloads. */
  externalURL: string;
  /**
   * A firing alert not seen in any `dispatch` input for this long counts as resolved (it ends at
   * its last sighting), like Alertmanager's `resolve_timeout`; this also retires alerts of a
   * deleted alarm or of an alarm no longer routed to the channel. In ms. @default 300000 (5 min)
   */
  resolveTimeoutMs?: number;
}

interface Group {
  tenant: string;
  channel: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  firstSeenMs: number;
  /** Whether the group has had its first flush (group_wait is over). */
  flushed: boolean;
  alerts: Map<string, NotifiedAlert>;
  /** When each alert was last in a `dispatch` input, epoch ms. */
  lastSeenMs: Map<string, number>;
}

/** The labels that identify an alert's group: its values of `groupBy` (all labels for `['...']`). */
function groupLabelsOf(labels: Record<string, string>, groupBy: readonly string[]): Record<string, string> {
  if (groupBy.length === 1 && groupBy[0] === '...') return { ...labels };
  const out: Record<string, string> = {};
  for (const l of groupBy) if (labels[l] !== undefined && labels[l] !== '') out[l] = labels[l]!;
  return out;
}

/** Alertmanager's group key form: `{}:{alertname="HighCPU",job="api"}` (sorted, escaped). */
export function groupKeyOf(groupLabels: Record<string, string>): string {
  const parts = Object.keys(groupLabels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(groupLabels[k])}`);
  return `{}:{${parts.join(',')}}`;
}

function mapKey(tenant: string, channel: string, groupKey: string): string {
  return `${tenant}\u0000${channel}\u0000${groupKey}`;
}

/**
 * A deterministic id for a notification, unique per (tenant, channel, group, time, alert sets);
 * notifiers send it as the idempotency key, so a redelivery can be recognised downstream.
 */
export function notificationId(parts: unknown[]): string {
  return `ntf_${createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 40)}`;
}

/**
 * Turns alert snapshots into notifications with Alertmanager's delivery model, per tenant and
 * channel: silence → group (by the channel's `groupBy`) → wait (`groupWaitSeconds` for a new
 * group) → dedup against the notification log (send when the firing/resolved sets changed and
 * `groupIntervalSeconds` passed since the last notification, or `repeatIntervalSeconds` passed
 * with alerts still firing) → enqueue. Log changes and outbox rows are written in one
 * `commitDispatch`, and the in-memory log follows only after that commit succeeded, so a crash
 * neither loses nor doubles a notification. Calls are serialised.
 *
 * Input contract: each call passes snapshots (typically the evaluator's `alerts()`, all firing
 * alerts plus recently resolved ones); an alert stays in its group until a resolved snapshot of
 * it has been handled. Call `dispatch` regularly (e.g. every evaluation), also with `[]`, so
 * waiting groups get flushed.
 */
export class Dispatcher {
  private readonly log = new Map<string, NotificationLogEntry>();
  private readonly groups = new Map<string, Group>();
  private chain: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly opts: DispatcherOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Reads the notification log from the store (call once before the first dispatch). */
  async load(): Promise<void> {
    const rows = await this.opts.store.loadLog<NotificationLogEntry>();
    this.log.clear();
    for (const r of rows) this.log.set(mapKey(r.tenant, r.channel, r.groupKey), r);
  }

  /** The number of aggregation groups held in memory (for metrics). */
  get groupCount(): number {
    return this.groups.size;
  }

  /**
   * Feeds `alerts` into their groups and flushes every group that is due at `nowMs`. Resolves
   * with how many notifications were enqueued; rejects (changing nothing in memory but the
   * alerts held) when the store commit fails, so the next call tries again.
   */
  dispatch(alerts: readonly AlertSnapshot[], nowMs: number = this.now()): Promise<{ enqueued: number }> {
    const run = this.chain.then(() => this.dispatchNow(alerts, nowMs));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async dispatchNow(alerts: readonly AlertSnapshot[], nowMs: number): Promise<{ enqueued: number }> {
    const channelCache = new Map<string, Map<string, ChannelConfig>>();
    const channelOf = (tenant: string, name: string): ChannelConfig | undefined => {
      let m = channelCache.get(tenant);
      if (!m) {
        m = new Map(this.opts.channels(tenant).map((c) => [c.name, c]));
        channelCache.set(tenant, m);
      }
      return m.get(name);
    };
    this.ingest(alerts, nowMs, channelOf);

    const silenceCache = new Map<string, readonly Silence[]>();
    const silencesOf = (tenant: string): readonly Silence[] => {
      let s = silenceCache.get(tenant);
      if (!s) {
        s = this.opts.silences(tenant);
        silenceCache.set(tenant, s);
      }
      return s;
    };

    const upserts: NotificationLogEntry[] = [];
    const deletes: NotificationLogRow[] = [];
    const enqueue: OutboxMessage[] = [];
    const apply: Array<() => void> = [];

    for (const [key, g] of this.groups) {
      const cfg = channelOf(g.tenant, g.channel);
      if (!cfg) {
        // The channel was deleted: nothing can be sent to it any more.
        apply.push(() => this.groups.delete(key));
        continue;
      }
      if (!g.flushed && nowMs < g.firstSeenMs + cfg.groupWaitSeconds * 1000) continue;
      apply.push(() => {
        g.flushed = true;
      });
      this.retire(g, cfg, nowMs);
      const entry = this.log.get(key);
      const notified = new Set(entry?.firing ?? []);
      const silences = silencesOf(g.tenant);
      const firing: NotifiedAlert[] = [];
      const resolvedRelevant: NotifiedAlert[] = [];
      const drop: string[] = [];
      for (const a of g.alerts.values()) {
        if (a.status === 'firing') {
          if (!isSilenced(a.labels, silences, nowMs)) firing.push(a);
        } else if (notified.has(a.fingerprint)) {
          resolvedRelevant.push(a);
        } else {
          // Resolved before anyone was told it fired: nothing to say about it.
          drop.push(a.fingerprint);
        }
      }
      // A stable order (by fingerprint) keeps messages comparable across flushes.
      const byFp = (x: NotifiedAlert, y: NotifiedAlert): number => (x.fingerprint < y.fingerprint ? -1 : x.fingerprint > y.fingerprint ? 1 : 0);
      firing.sort(byFp);
      resolvedRelevant.sort(byFp);
      const firingFps = firing.map((a) => a.fingerprint);

      let send: boolean;
      if (!entry) {
        send = firing.length > 0;
      } else {
        const newFiring = firing.some((a) => !notified.has(a.fingerprint));
        const newResolved = cfg.sendResolved && resolvedRelevant.length > 0;
        const since = nowMs - entry.sentAtMs;
        send = ((newFiring || newResolved) && since >= cfg.groupIntervalSeconds * 1000) || (firing.length > 0 && since >= cfg.repeatIntervalSeconds * 1000);
      }
      const sentResolved = send && cfg.sendResolved ? resolvedRelevant : [];
      if (send && firing.length === 0 && sentResolved.length === 0) send = false;
      // Without sendResolved, resolved alerts leave the group (and the log's firing set) quietly.
      if (!cfg.sendResolved) drop.push(...resolvedRelevant.map((a) => a.fingerprint));
      if (send) drop.push(...sentResolved.map((a) => a.fingerprint));

      const remaining = g.alerts.size - new Set(drop).size;
      const row: NotificationLogRow = { tenant: g.tenant, channel: g.channel, groupKey: g.groupKey };
      let next: NotificationLogEntry | null | undefined; // undefined: unchanged; null: delete
      if (send) {
        const resolvedFps = sentResolved.map((a) => a.fingerprint).sort();
        const id = notificationId([g.tenant, g.channel, g.groupKey, nowMs, firingFps, resolvedFps]);
        enqueue.push({
          id,
          tenant: g.tenant,
          channel: g.channel,
          ...freshDelivery(nowMs),
          groupKey: g.groupKey,
          groupLabels: { ...g.groupLabels },
          groupStatus: firing.length > 0 ? 'firing' : 'resolved',
          alerts: [...firing, ...sentResolved],
          externalURL: this.opts.externalURL,
        });
        next = firing.length === 0 && remaining === 0 ? null : { ...row, firing: firingFps, resolved: resolvedFps, sentAtMs: nowMs };
      } else if (entry && !cfg.sendResolved && resolvedRelevant.length > 0) {
        const gone = new Set(resolvedRelevant.map((a) => a.fingerprint));
        const kept = entry.firing.filter((f) => !gone.has(f));
        next = kept.length === 0 && remaining === 0 ? null : { ...entry, firing: kept };
      }
      if (next === null && entry) deletes.push(row);
      if (next) upserts.push(next);
      apply.push(() => {
        if (next === null) this.log.delete(key);
        else if (next) this.log.set(key, next);
        for (const fp of drop) {
          g.alerts.delete(fp);
          g.lastSeenMs.delete(fp);
        }
        if (g.alerts.size === 0) this.groups.delete(key);
      });
    }

    if (upserts.length > 0 || deletes.length > 0 || enqueue.length > 0) {
      await this.opts.store.commitDispatch(upserts, deletes, enqueue);
    }
    for (const f of apply) f();
    return { enqueued: enqueue.length };
  }

  /**
   * Input-derived changes that need no commit: alerts whose labels now belong to another group
   * (the channel's groupBy changed) leave this one, and firing alerts not seen for
   * `resolveTimeoutMs` become resolved.
   */
  private retire(g: Group, cfg: ChannelConfig, nowMs: number): void {
    const timeout = this.opts.resolveTimeoutMs ?? 300_000;
    for (const [fp, a] of g.alerts) {
      if (groupKeyOf(groupLabelsOf(a.labels, cfg.groupBy)) !== g.groupKey) {
        g.alerts.delete(fp);
        g.lastSeenMs.delete(fp);
        continue;
      }
      const seen = g.lastSeenMs.get(fp) ?? nowMs;
      if (a.status === 'firing' && nowMs - seen > timeout) g.alerts.set(fp, { ...a, status: 'resolved', endsAtMs: seen });
    }
  }

  private ingest(alerts: readonly AlertSnapshot[], nowMs: number, channelOf: (tenant: string, name: string) => ChannelConfig | undefined): void {
    // One fingerprint can appear twice (an old resolved episode and a new firing one): the
    // latest episode wins, and firing wins a tie.
    const latest = new Map<string, AlertSnapshot>();
    for (const a of alerts) {
      const k = `${a.tenant}\u0000${a.fingerprint}`;
      const prev = latest.get(k);
      if (!prev || a.startsAtMs > prev.startsAtMs || (a.startsAtMs === prev.startsAtMs && a.status === 'firing')) latest.set(k, a);
    }
    for (const a of latest.values()) {
      const labels = a.labels.alertname === undefined ? { ...a.labels, alertname: a.alarm } : a.labels;
      const notified: NotifiedAlert = {
        alarm: a.alarm,
        fingerprint: a.fingerprint,
        status: a.status,
        labels: { ...labels },
        annotations: { ...a.annotations },
        startsAtMs: a.startsAtMs,
        endsAtMs: a.endsAtMs,
        value: a.value,
        generatorURL: a.generatorURL,
      };
      for (const name of new Set(a.channels)) {
        const cfg = channelOf(a.tenant, name);
        if (!cfg) continue;
        const groupLabels = groupLabelsOf(labels, cfg.groupBy);
        const groupKey = groupKeyOf(groupLabels);
        const key = mapKey(a.tenant, name, groupKey);
        let g = this.groups.get(key);
        if (!g) {
          const entry = this.log.get(key);
          if (a.status === 'resolved' && !entry?.firing.includes(a.fingerprint)) continue;
          g = { tenant: a.tenant, channel: name, groupKey, groupLabels, firstSeenMs: nowMs, flushed: false, alerts: new Map(), lastSeenMs: new Map() };
          this.groups.set(key, g);
        }
        g.alerts.set(a.fingerprint, notified);
        g.lastSeenMs.set(a.fingerprint, nowMs);
      }
    }
  }
}

/** Input of {@link createDirectMessage}. */
export interface DirectMessageInput {
  tenant: string;
  channel: string;
  /** Caller-chosen key; the same key gives the same outbox id (idempotent enqueue). */
  idempotencyKey: string;
  /** The JSON body a scaling channel sends as-is. */
  payload: Record<string, unknown>;
  nowMs: number;
  externalURL?: string;
}

/**
 * An outbox row that bypasses grouping, for scaling actions: enqueue it with
 * `store.commitDispatch([], [], [msg])` and the Sender delivers it like any other.
 */
export function createDirectMessage(input: DirectMessageInput): OutboxMessage {
  return {
    id: notificationId([input.tenant, input.channel, 'direct', input.idempotencyKey]),
    tenant: input.tenant,
    channel: input.channel,
    ...freshDelivery(input.nowMs),
    groupKey: `direct:${input.idempotencyKey}`,
    groupLabels: {},
    groupStatus: 'firing',
    alerts: [],
    externalURL: input.externalURL ?? '',
    payload: input.payload,
  };
}
