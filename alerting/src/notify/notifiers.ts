import { createHmac } from 'node:crypto';
import { ErrorCode, type FetchFunction, IncomingWebhook, type IncomingWebhookSendArguments } from '@slack/webhook';
import nodemailer, { type Transporter } from 'nodemailer';
import { type ChannelConfig, type ChannelType, type EmailChannelConfig, type ScalingChannelConfig, type SlackChannelConfig, type WebhookChannelConfig, channelSecrets } from './channels.js';
import { TransportError, classifyStatus, guardedPost, scrub } from './http-transport.js';
import { emailBodies, emailSubject, slackMessage, webhookPayload } from './render.js';
import { type SsrfGuard, type SsrfGuardOptions, createSsrfGuard } from './ssrf.js';
import type { OutboxMessage, SendResult } from './types.js';

/** What a notifier is told besides the message: the channel's current config and the time. */
export interface NotifyContext {
  channel: ChannelConfig;
  /** Epoch ms, used to turn an HTTP-date `Retry-After` into a delay. */
  nowMs: number;
}

/**
 * Delivers one message to one channel. Never throws for a delivery problem: it reports whether
 * a retry can help. Error strings never carry the URL path, headers or secrets.
 */
export interface Notifier {
  send(message: OutboxMessage, ctx: NotifyContext): Promise<SendResult>;
}

/** SMTP settings of the server (operator config, never tenant input); never logged. */
export interface EmailTransportOptions {
  host: string;
  /** @default 587, or 465 when `secure` */
  port?: number;
  /** Implicit TLS. @default false */
  secure?: boolean;
  /** Fail unless STARTTLS succeeds. @default false */
  requireTLS?: boolean;
  /** Never try STARTTLS (only for local test sinks). @default false */
  ignoreTLS?: boolean;
  user?: string;
  password?: string;
  /** The From address. */
  from: string;
  /** Verify the server certificate. @default true */
  tlsRejectUnauthorized?: boolean;
  /** Connection, greeting and socket timeouts, in milliseconds. @default 10000 */
  timeoutMs?: number;
}

/** Options of {@link createNotifiers}. */
export interface NotifierOptions {
  /** The SSRF guard for HTTP channels, or options to build one. @default createSsrfGuard() */
  ssrf?: SsrfGuard | SsrfGuardOptions;
  /** SMTP settings; without them, email channels fail permanently with a message. */
  email?: EmailTransportOptions;
  /** HTTP timeout per attempt, in milliseconds. @default 10000 */
  timeoutMs?: number;
  /** Sent as User-Agent. @default 'Vigil-Alerting/1' */
  userAgent?: string;
}

/**
 * One notifier per channel type, sharing one SSRF guard.
 *
 * @example
 * const notifiers = createNotifiers({ ssrf: { allowCidrs: [] }, email: { host: 'smtp', from: 'vigil@example.com' } });
 */
export function createNotifiers(options: NotifierOptions = {}): Record<ChannelType, Notifier> {
  const guard = isGuard(options.ssrf) ? options.ssrf : createSsrfGuard(options.ssrf);
  const http = { guard, timeoutMs: options.timeoutMs ?? 10_000, userAgent: options.userAgent ?? 'Vigil-Alerting/1' };
  return {
    slack: createSlackNotifier(http),
    webhook: createWebhookNotifier(http),
    scaling: createScalingNotifier(http),
    email: createEmailNotifier(options.email),
  };
}

function isGuard(x: unknown): x is SsrfGuard {
  return typeof x === 'object' && x !== null && typeof (x as SsrfGuard).check === 'function' && typeof (x as SsrfGuard).lookup === 'function';
}

/** Settings shared by the HTTP notifiers. */
export interface HttpNotifierOptions {
  guard: SsrfGuard;
  /** @default 10000 */
  timeoutMs?: number;
  userAgent?: string;
}

/**
 * Slack incoming webhooks through `@slack/webhook`, with a `fetch` that goes through the SSRF
 * guard and records `Retry-After`. 429 → retry after it; 5xx, timeouts, connection errors →
 * retry; other 4xx → permanent.
 */
export function createSlackNotifier(options: HttpNotifierOptions): Notifier {
  return {
    async send(message, ctx) {
      const channel = ctx.channel as SlackChannelConfig;
      const secrets = channelSecrets(channel);
      let retryAfter: string | null = null;
      const fetchFn: FetchFunction = async (url, init) => {
        const res = await guardedPost(String(url), String(init?.body ?? ''), { ...(init?.headers ?? {}), 'User-Agent': options.userAgent ?? 'Vigil-Alerting/1' }, {
          guard: options.guard,
          timeoutMs: options.timeoutMs ?? 10_000,
          ...(init?.signal ? { signal: init.signal } : {}),
        });
        retryAfter = res.headers['retry-after'] ?? null;
        return fetchResponse(String(url), res.status, res.statusText, res.headers, res.body);
      };
      const hook = new IncomingWebhook(channel.url, {
        fetch: fetchFn,
        timeout: options.timeoutMs ?? 10_000,
        ...(channel.channel ? { channel: channel.channel } : {}),
        ...(channel.username ? { username: channel.username } : {}),
      });
      try {
        await hook.send({ ...slackMessage(message), unfurl_links: false, unfurl_media: false } as unknown as IncomingWebhookSendArguments);
        return { ok: true };
      } catch (err) {
        const e = err as { code?: string; statusCode?: number; body?: string; original?: unknown };
        if (e.code === ErrorCode.HTTPError && typeof e.statusCode === 'number') {
          return classifyStatus(e.statusCode, retryAfter, ctx.nowMs, scrub(String(e.body ?? ''), secrets, 100));
        }
        const original = e.code === ErrorCode.RequestError ? e.original : err;
        if (original instanceof TransportError) return { ok: false, permanent: original.permanent, error: original.message };
        return { ok: false, permanent: false, error: `slack request failed: ${scrub(String((original as Error)?.name ?? 'error'), secrets)}` };
      }
    },
  };
}

type FetchResponse = Awaited<ReturnType<FetchFunction>>;

function fetchResponse(url: string, status: number, statusText: string, headers: Record<string, string>, body: string): FetchResponse {
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText,
    url,
    headers: { get: (n: string) => headers[n.toLowerCase()] ?? null, entries: () => Object.entries(headers) },
    arrayBuffer: async () => new TextEncoder().encode(body).buffer as ArrayBuffer,
    json: async () => JSON.parse(body) as unknown,
    text: async () => body,
  };
}

async function postJson(url: string, body: string, headers: Record<string, string>, options: HttpNotifierOptions, nowMs: number, secrets: string[]): Promise<SendResult> {
  try {
    const res = await guardedPost(url, body, { 'User-Agent': options.userAgent ?? 'Vigil-Alerting/1', ...headers }, { guard: options.guard, timeoutMs: options.timeoutMs ?? 10_000 });
    return classifyStatus(res.status, res.headers['retry-after'], nowMs, scrub(res.body, secrets, 100));
  } catch (err) {
    if (err instanceof TransportError) return { ok: false, permanent: err.permanent, error: scrub(err.message, secrets) };
    return { ok: false, permanent: false, error: 'request failed' };
  }
}

/**
 * Alertmanager-compatible webhook (payload v4) with `Idempotency-Key: <message id>` and the
 * channel's extra headers. 2xx ok; 429/5xx/timeouts retried; 3xx and other 4xx permanent.
 */
export function createWebhookNotifier(options: HttpNotifierOptions): Notifier {
  return {
    send(message, ctx) {
      const channel = ctx.channel as WebhookChannelConfig;
      const body = JSON.stringify(webhookPayload(message, channel.maxAlerts ?? 0));
      const headers = { ...(channel.headers ?? {}), 'Content-Type': 'application/json', 'Idempotency-Key': message.id };
      return postJson(channel.url, body, headers, options, ctx.nowMs, channelSecrets(channel));
    },
  };
}

/** `sha256=<hex HMAC-SHA256 of body with secret>`, the `X-Vigil-Signature` value. */
export function signBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Scaling endpoints: POSTs the caller's `payload` (or the v4 payload when the message has none),
 * signed with `X-Vigil-Signature` over the exact body bytes, with `Idempotency-Key`.
 */
export function createScalingNotifier(options: HttpNotifierOptions): Notifier {
  return {
    send(message, ctx) {
      const channel = ctx.channel as ScalingChannelConfig;
      const body = Buffer.from(JSON.stringify(message.payload ?? webhookPayload(message)), 'utf8');
      const headers = { 'Content-Type': 'application/json', 'Idempotency-Key': message.id, 'X-Vigil-Signature': signBody(body, channel.secret) };
      return postJson(channel.url, body.toString('utf8'), headers, options, ctx.nowMs, channelSecrets(channel));
    },
  };
}

/**
 * Email over SMTP with nodemailer. Recipients come only from the channel config; the subject is
 * built from alarm names and state with control characters stripped; bodies escape every label
 * and annotation value. SMTP 5xx and authentication failures are permanent; 4xx and connection
 * problems are retried.
 */
export function createEmailNotifier(options: EmailTransportOptions | undefined): Notifier {
  let transport: Transporter | undefined;
  const secrets = options?.password ? [options.password] : [];
  return {
    async send(message, ctx) {
      if (!options) return { ok: false, permanent: true, error: 'email is not configured on this server (no SMTP settings)' };
      const channel = ctx.channel as EmailChannelConfig;
      const timeout = options.timeoutMs ?? 10_000;
      transport ??= nodemailer.createTransport({
        host: options.host,
        port: options.port ?? (options.secure ? 465 : 587),
        secure: options.secure ?? false,
        requireTLS: options.requireTLS ?? false,
        ignoreTLS: options.ignoreTLS ?? false,
        ...(options.user ? { auth: { user: options.user, pass: options.password ?? '' } } : {}),
        tls: { rejectUnauthorized: options.tlsRejectUnauthorized ?? true },
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
        logger: false,
        debug: false,
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      const { text, html } = emailBodies(message);
      try {
        await transport.sendMail({
          from: options.from,
          to: [...channel.to],
          ...(channel.cc && channel.cc.length > 0 ? { cc: [...channel.cc] } : {}),
          subject: emailSubject(message, channel.subject),
          text,
          html,
          messageId: `<${message.id}@vigil>`,
          headers: { 'X-Vigil-Idempotency-Key': message.id },
          disableFileAccess: true,
          disableUrlAccess: true,
        });
        return { ok: true };
      } catch (err) {
        return classifySmtpError(err, secrets);
      }
    },
  };
}

function classifySmtpError(err: unknown, secrets: string[]): SendResult {
  const e = err as { code?: string; responseCode?: number; response?: string };
  const code = typeof e.code === 'string' ? e.code : 'ERROR';
  const rc = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const detail = scrub(`${e.response ?? ''}`.split('\n')[0] ?? '', secrets, 120);
  const error = `SMTP ${code}${rc !== undefined ? ` ${rc}` : ''}${detail ? `: ${detail}` : ''}`;
  if (code === 'EAUTH' || code === 'EENVELOPE' || code === 'EMESSAGE') return { ok: false, permanent: rc === undefined || rc >= 500, error };
  if (rc !== undefined && rc >= 500) return { ok: false, permanent: true, error };
  return { ok: false, permanent: false, error };
}
