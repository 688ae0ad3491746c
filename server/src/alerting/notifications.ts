import { randomUUID } from 'node:crypto';
import {
  type ChannelConfig,
  type ChannelType,
  type DeliveryOutcome,
  Dispatcher,
  type EmailTransportOptions,
  type OutboxMessage,
  type SendResult,
  Sender,
  type Silence,
  createNotifiers,
  isAlertingError,
  parseChannelConfig,
  parseSilence,
  redactChannel,
  silenceStatus,
} from '@vigil/alerting';
import type { AlertingStore, DocumentStore } from '@vigil/storage';
import { type Context, Hono } from 'hono';
import { type AppVariables, requireScope } from '../auth/middleware.js';
import type { AlertingConfig } from '../config/config.js';
import { HttpError, badData } from '../errors.js';
import { jsonBody } from '../json-body.js';
import type { Logger } from '../log.js';
import type { AlertingService } from './service.js';

/** Document kinds of channels and silences in the document store. */
export const CHANNEL_KIND = 'channel';
export const SILENCE_KIND = 'silence';
/** Most channels and (unexpired) silences one tenant may have. */
export const MAX_CHANNELS_PER_TENANT = 200;
export const MAX_SILENCES_PER_TENANT = 1000;

/**
 * The notification side of alerting for the server: channels and silences (per tenant, in the
 * document store), the dispatcher (after every evaluation round it turns the evaluator's alerts
 * into outbox rows) and the sender (delivers the outbox every second, with retries and dead
 * letters), all over the DuckDB alerting store.
 */
export class NotificationService {
  readonly dispatcher: Dispatcher;
  readonly sender: Sender;

  constructor(
    private readonly deps: {
      docs: DocumentStore;
      store: AlertingStore;
      alarms: AlertingService;
      config: AlertingConfig;
      log: Logger;
      now: () => number;
      onResult?: (type: ChannelType, outcome: DeliveryOutcome) => void;
      /** Channels that are not stored as channels (a scaling group's webhook). */
      extraChannel?: (tenant: string, name: string) => ChannelConfig | undefined;
    },
  ) {
    const externalURL = deps.config.externalURL.replace(/\/+$/, '');
    this.dispatcher = new Dispatcher({
      store: deps.store,
      channels: (tenant) => this.channels(tenant),
      silences: (tenant) => this.silences(tenant),
      now: deps.now,
      externalURL,
    });
    const smtp = deps.config.smtp;
    const email: EmailTransportOptions | undefined = smtp.host
      ? {
          host: smtp.host,
          port: smtp.port,
          secure: smtp.secure,
          requireTLS: smtp.requireTLS,
          ignoreTLS: !smtp.secure && !smtp.requireTLS && isLoopbackHost(smtp.host),
          ...(smtp.user ? { user: smtp.user, password: smtp.password } : {}),
          from: smtp.from,
        }
      : undefined;
    this.sender = new Sender({
      store: deps.store,
      channel: (tenant, name) => this.channel(tenant, name) ?? deps.extraChannel?.(tenant, name),
      notifiers: createNotifiers({ ssrf: { allowCidrs: deps.config.allowDestinations }, ...(email ? { email } : {}) }),
      now: deps.now,
      deadLetterAfterMs: deps.config.deadLetterAfterMs,
      externalURL,
      onResult: deps.onResult,
      onError: (err) => deps.log.warn('notification delivery error', { err: (err as Error)?.message ?? String(err) }),
    });
  }

  /** A tenant's channels. */
  channels(tenant: string): ChannelConfig[] {
    return this.deps.docs.list<ChannelConfig>(CHANNEL_KIND, tenant).map((d) => d.body);
  }

  channel(tenant: string, name: string): ChannelConfig | undefined {
    return this.deps.docs.get<ChannelConfig>(tenant, CHANNEL_KIND, name)?.body;
  }

  /** A tenant's silences, newest first. */
  silences(tenant: string): Silence[] {
    return this.deps.docs
      .list<Silence>(SILENCE_KIND, tenant)
      .map((d) => d.body)
      .sort((a, b) => b.createdAtMs - a.createdAtMs);
  }

  async saveChannel(tenant: string, body: unknown, name: string | undefined, create: boolean): Promise<ChannelConfig> {
    const previous = name === undefined ? undefined : this.channel(tenant, name);
    let config: ChannelConfig;
    try {
      config = parseChannelConfig(body, name, previous);
    } catch (err) {
      if (isAlertingError(err)) throw badData(err.message);
      throw err;
    }
    const existing = this.channel(tenant, config.name);
    if (create && existing) throw new HttpError('conflict', `channel ${JSON.stringify(config.name)} already exists; PUT /api/v1/channels/${config.name} replaces it`);
    if (!existing && this.channels(tenant).length >= MAX_CHANNELS_PER_TENANT) throw badData(`a tenant may have at most ${MAX_CHANNELS_PER_TENANT} channels`);
    await this.deps.docs.put(tenant, CHANNEL_KIND, config.name, config, this.deps.now());
    return config;
  }

  async deleteChannel(tenant: string, name: string): Promise<void> {
    if (!this.channel(tenant, name)) throw new HttpError('not_found', `channel ${JSON.stringify(name)} does not exist`);
    const users = this.deps.alarms.list(tenant).filter((a) => a.channels.includes(name));
    if (users.length > 0) throw new HttpError('conflict', `channel ${JSON.stringify(name)} is used by alarm(s) ${users.map((a) => a.name).join(', ')}`);
    await this.deps.docs.delete(tenant, CHANNEL_KIND, name);
  }

  async createSilence(tenant: string, body: unknown): Promise<Silence> {
    const nowMs = this.deps.now();
    let silence: Silence;
    try {
      silence = parseSilence(body, { id: randomUUID(), tenant, nowMs });
    } catch (err) {
      if (isAlertingError(err)) throw badData(err.message);
      throw err;
    }
    const live = this.silences(tenant).filter((s) => silenceStatus(s, nowMs) !== 'expired');
    if (live.length >= MAX_SILENCES_PER_TENANT) throw badData(`a tenant may have at most ${MAX_SILENCES_PER_TENANT} active or pending silences`);
    await this.deps.docs.put(tenant, SILENCE_KIND, silence.id, silence, nowMs);
    return silence;
  }

  /** Expires a silence now; it is kept (for audit) until alarm history retention removes it. */
  async expireSilence(tenant: string, id: string): Promise<Silence> {
    const s = this.deps.docs.get<Silence>(tenant, SILENCE_KIND, id)?.body;
    if (!s) throw new HttpError('not_found', `silence ${JSON.stringify(id)} does not exist`);
    const nowMs = this.deps.now();
    if (silenceStatus(s, nowMs) === 'expired') return s;
    const expired: Silence = { ...s, endsAtMs: nowMs, startsAtMs: Math.min(s.startsAtMs, nowMs) };
    await this.deps.docs.put(tenant, SILENCE_KIND, id, expired, nowMs);
    return expired;
  }

  /** Drops silences that expired before `cutoffMs`. */
  async pruneSilences(cutoffMs: number): Promise<number> {
    let n = 0;
    for (const d of this.deps.docs.list<Silence>(SILENCE_KIND)) {
      if (d.body.endsAtMs < cutoffMs) {
        await this.deps.docs.delete(d.tenant, SILENCE_KIND, d.body.id);
        n++;
      }
    }
    return n;
  }

  /** After an evaluation round: the evaluator's alerts into the outbox, then one delivery pass. */
  async afterEvaluation(nowMs: number): Promise<void> {
    await this.dispatcher.dispatch(this.deps.alarms.evaluator.alerts(undefined, nowMs), nowMs);
  }

  async load(): Promise<void> {
    await this.dispatcher.load();
  }

  start(): void {
    this.sender.start(1000);
  }

  async stop(): Promise<void> {
    await this.sender.stop();
  }
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

type Ctx = Context<{ Variables: AppVariables }>;

const channelView = (ch: ChannelConfig) => redactChannel(ch);

/**
 * `/api/v1/channels`: list, create (POST), read, create-or-replace (PUT; secrets sent back as
 * `<secret>` keep their stored value), delete (refused while an alarm uses the channel), and
 * `POST /:name/test` which sends a test notification at once and reports what the receiver said.
 * Secrets (webhook URLs, header values, signing secrets) are never returned.
 */
export function channelsApi(service: () => NotificationService) {
  const app = new Hono<{ Variables: AppVariables }>();
  const read = requireScope('query');
  const write = requireScope('admin');
  app.get('/', read, (c: Ctx) => c.json({ status: 'success', data: service().channels(c.get('auth').tenant).map(channelView) }));
  app.post('/', write, async (c: Ctx) => {
    const ch = await service().saveChannel(c.get('auth').tenant, await jsonBody(c), undefined, true);
    return c.json({ status: 'success', data: channelView(ch) }, 201);
  });
  app.get('/:name', read, (c: Ctx) => {
    const name = c.req.param('name') ?? '';
    const ch = service().channel(c.get('auth').tenant, name);
    if (!ch) throw new HttpError('not_found', `channel ${JSON.stringify(name)} does not exist`);
    return c.json({ status: 'success', data: channelView(ch) });
  });
  app.put('/:name', write, async (c: Ctx) => {
    const ch = await service().saveChannel(c.get('auth').tenant, await jsonBody(c), c.req.param('name'), false);
    return c.json({ status: 'success', data: channelView(ch) });
  });
  app.delete('/:name', write, async (c: Ctx) => {
    await service().deleteChannel(c.get('auth').tenant, c.req.param('name') ?? '');
    return c.body(null, 204);
  });
  app.post('/:name/test', write, async (c: Ctx) => {
    const name = c.req.param('name') ?? '';
    if (!service().channel(c.get('auth').tenant, name)) throw new HttpError('not_found', `channel ${JSON.stringify(name)} does not exist`);
    const result: SendResult = await service().sender.sendTest(c.get('auth').tenant, name);
    return c.json({ status: 'success', data: result.ok ? { delivered: true } : { delivered: false, permanent: result.permanent, error: result.error } });
  });
  return app;
}

const silenceView = (s: Silence, nowMs: number) => ({
  id: s.id,
  matchers: s.matchers,
  startsAt: new Date(s.startsAtMs).toISOString(),
  endsAt: new Date(s.endsAtMs).toISOString(),
  createdBy: s.createdBy,
  comment: s.comment,
  createdAt: new Date(s.createdAtMs).toISOString(),
  status: { state: silenceStatus(s, nowMs) },
});

/**
 * `/api/v1/silences`: list (all, expired ones too, for audit; `?state=active|pending|expired`),
 * create (Vigil's or Alertmanager's matcher form), read, and `DELETE /:id` which expires it.
 */
export function silencesApi(service: () => NotificationService, now: () => number) {
  const app = new Hono<{ Variables: AppVariables }>();
  const read = requireScope('query');
  const write = requireScope('admin');
  app.get('/', read, (c: Ctx) => {
    const state = c.req.query('state');
    if (state !== undefined && !['active', 'pending', 'expired'].includes(state)) throw badData('invalid parameter "state": must be active, pending or expired');
    const t = now();
    const all = service().silences(c.get('auth').tenant).map((s) => silenceView(s, t));
    return c.json({ status: 'success', data: state ? all.filter((s) => s.status.state === state) : all });
  });
  app.post('/', write, async (c: Ctx) => {
    const s = await service().createSilence(c.get('auth').tenant, await jsonBody(c));
    return c.json({ status: 'success', data: silenceView(s, now()) }, 201);
  });
  app.get('/:id', read, (c: Ctx) => {
    const id = c.req.param('id') ?? '';
    const s = service().silences(c.get('auth').tenant).find((x) => x.id === id);
    if (!s) throw new HttpError('not_found', `silence ${JSON.stringify(id)} does not exist`);
    return c.json({ status: 'success', data: silenceView(s, now()) });
  });
  app.delete('/:id', write, async (c: Ctx) => {
    const s = await service().expireSilence(c.get('auth').tenant, c.req.param('id') ?? '');
    return c.json({ status: 'success', data: silenceView(s, now()) });
  });
  return app;
}

const notificationView = (m: OutboxMessage) => ({
  id: m.id,
  channel: m.channel,
  status: m.status,
  groupKey: m.groupKey,
  groupStatus: m.groupStatus,
  alerts: m.alerts.map((a) => ({ alarm: a.alarm, status: a.status, labels: a.labels, startsAt: new Date(a.startsAtMs).toISOString() })),
  createdAt: new Date(m.createdMs).toISOString(),
  attempts: m.attempts,
  nextAttemptAt: m.status === 'pending' ? new Date(m.nextAttemptMs).toISOString() : null,
  lastError: m.lastError,
  deliveredAt: m.deliveredMs === null ? null : new Date(m.deliveredMs).toISOString(),
});

/**
 * `/api/v1/notifications`: the outbox, newest first (`?status=pending|delivered|dead`,
 * `?limit=`), and `POST /:id/redrive` to send a dead (or delivered) notification again.
 */
export function notificationsApi(store: () => AlertingStore, now: () => number) {
  const app = new Hono<{ Variables: AppVariables }>();
  app.get('/', requireScope('query'), async (c: Ctx) => {
    const status = c.req.query('status');
    if (status !== undefined && status !== 'pending' && status !== 'delivered' && status !== 'dead') {
      throw badData('invalid parameter "status": must be pending, delivered or dead');
    }
    const limitText = c.req.query('limit') ?? '100';
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badData('invalid parameter "limit": must be an integer from 1 to 1000');
    const rows = await store().listOutbox<OutboxMessage>(c.get('auth').tenant, { ...(status ? { status } : {}), limit });
    return c.json({ status: 'success', data: rows.map(notificationView) });
  });
  app.post('/:id/redrive', requireScope('admin'), async (c: Ctx) => {
    const id = c.req.param('id') ?? '';
    const ok = await store().redrive(c.get('auth').tenant, id, now());
    if (!ok) throw new HttpError('not_found', `notification ${JSON.stringify(id)} does not exist`);
    return c.json({ status: 'success', data: { id, status: 'pending' } });
  });
  return app;
}
