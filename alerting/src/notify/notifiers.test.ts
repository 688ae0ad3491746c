import { createHmac } from 'node:crypto';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ChannelConfig, parseChannelConfig } from './channels.js';
import { createDirectMessage } from './dispatcher.js';
import { MemoryNotificationStore } from './memory-store.js';
import { createNotifiers } from './notifiers.js';
import { ZERO_TIME } from './render.js';
import { Sender } from './sender.js';
import { TestReceiver } from './test-receiver.js';
import type { NotifiedAlert, OutboxMessage } from './types.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const ALLOW_LOOPBACK = { ssrf: { allowCidrs: ['127.0.0.0/8'] } };

function alert(over: Partial<NotifiedAlert> = {}): NotifiedAlert {
  return {
    alarm: 'HighCPU',
    fingerprint: 'fp1',
    status: 'firing',
    labels: { alertname: 'HighCPU', instance: 'web-1' },
    annotations: { summary: 'CPU > 90%' },
    startsAtMs: T0,
    endsAtMs: null,
    value: 97.5,
    generatorURL: 'http://vigil.example/#/alarms/HighCPU',
    ...over,
  };
}

function message(channel: string, over: Partial<OutboxMessage> = {}): OutboxMessage {
  return {
    id: `ntf_${channel}_1`,
    tenant: 't1',
    channel,
    status: 'pending',
    createdMs: T0,
    nextAttemptMs: T0,
    attempts: 0,
    lastError: null,
    deliveredMs: null,
    groupKey: '{}:{alertname="HighCPU"}',
    groupLabels: { alertname: 'HighCPU' },
    groupStatus: 'firing',
    alerts: [alert()],
    externalURL: 'http://vigil.example',
    ...over,
  };
}

/** A store with `msgs` enqueued, a clock, and a Sender over the given channels. */
async function rig(channels: ChannelConfig[], msgs: OutboxMessage[], opts: { notifiers?: ReturnType<typeof createNotifiers> } = {}) {
  const store = new MemoryNotificationStore();
  await store.commitDispatch([], [], msgs);
  const clock = { now: T0 };
  const outcomes: string[] = [];
  const sender = new Sender({
    store,
    channel: (_t, name) => channels.find((c) => c.name === name),
    notifiers: opts.notifiers ?? createNotifiers(ALLOW_LOOPBACK),
    now: () => clock.now,
    random: () => 0.999,
    onResult: (type, outcome) => outcomes.push(`${type}:${outcome}`),
  });
  return { store, clock, sender, outcomes };
}

describe('webhook notifier', () => {
  let rx: TestReceiver;
  beforeEach(async () => {
    rx = await new TestReceiver().start();
  });
  afterEach(() => rx.close());

  it('posts an Alertmanager v4 payload with Idempotency-Key and the channel headers', async () => {
    const ch = parseChannelConfig({ type: 'webhook', url: rx.url('/hook'), headers: { Authorization: 'Bearer s3cret' } }, 'backend');
    const resolved = alert({ fingerprint: 'fp2', status: 'resolved', endsAtMs: T0 + 60_000, labels: { alertname: 'HighCPU', instance: 'web-2' } });
    const { sender, store } = await rig([ch], [message('backend', { alerts: [alert(), resolved] })]);
    expect(await sender.runOnce(T0)).toMatchObject({ delivered: 1 });
    const req = rx.requests[0]!;
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['idempotency-key']).toBe('ntf_backend_1');
    expect(req.headers.authorization).toBe('Bearer s3cret');
    expect(req.json).toEqual({
      version: '4',
      groupKey: '{}:{alertname="HighCPU"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'backend',
      groupLabels: { alertname: 'HighCPU' },
      commonLabels: { alertname: 'HighCPU' },
      commonAnnotations: { summary: 'CPU > 90%' },
      externalURL: 'http://vigil.example',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'HighCPU', instance: 'web-1' },
          annotations: { summary: 'CPU > 90%' },
          startsAt: '2026-12-01T00:00:00Z',
          endsAt: ZERO_TIME,
          generatorURL: 'http://vigil.example/#/alarms/HighCPU',
          fingerprint: 'fp1',
        },
        expect.objectContaining({ status: 'resolved', endsAt: '2026-12-01T00:01:00Z', fingerprint: 'fp2' }),
      ],
    });
    expect((await store.listOutbox<OutboxMessage>('t1'))[0]!.status).toBe('delivered');
  });

  it('truncates to maxAlerts and counts the rest', async () => {
    const ch = parseChannelConfig({ type: 'webhook', url: rx.url('/hook'), maxAlerts: 1 }, 'backend');
    const { sender } = await rig([ch], [message('backend', { alerts: [alert(), alert({ fingerprint: 'fp2' })] })]);
    await sender.runOnce(T0);
    expect(rx.requests[0]!.json).toMatchObject({ truncatedAlerts: 1, alerts: [expect.objectContaining({ fingerprint: 'fp1' })] });
  });

  it('retries 500, waits the Retry-After of a 429, then delivers exactly once', async () => {
    rx.script.push({ status: 500, body: 'boom' }, { status: 429, headers: { 'Retry-After': '1' } });
    const ch = parseChannelConfig({ type: 'webhook', url: rx.url('/hook') }, 'backend');
    const { sender, store, clock, outcomes } = await rig([ch], [message('backend')]);

    expect(await sender.runOnce(clock.now)).toMatchObject({ retried: 1 });
    let [row] = await store.listOutbox<OutboxMessage>('t1');
    expect(row).toMatchObject({ status: 'pending', attempts: 1, lastError: 'HTTP 500: boom' });
    expect(row!.nextAttemptMs).toBeGreaterThan(T0);

    clock.now = row!.nextAttemptMs;
    expect(await sender.runOnce(clock.now)).toMatchObject({ retried: 1 });
    const after429 = clock.now;
    [row] = await store.listOutbox<OutboxMessage>('t1');
    expect(row!.nextAttemptMs - after429).toBe(1000);

    // Not due before Retry-After has passed.
    expect(await sender.runOnce(after429 + 999)).toMatchObject({ delivered: 0, retried: 0 });
    expect(rx.requests).toHaveLength(2);

    clock.now = after429 + 1000;
    expect(await sender.runOnce(clock.now)).toMatchObject({ delivered: 1 });
    expect(await sender.runOnce(clock.now + 60_000)).toMatchObject({ delivered: 0, retried: 0, dead: 0 });
    expect(rx.requests).toHaveLength(3);
    expect(new Set(rx.requests.map((r) => r.headers['idempotency-key']))).toEqual(new Set(['ntf_backend_1']));
    expect(outcomes).toEqual(['webhook:retry', 'webhook:retry', 'webhook:delivered']);
  });

  it('sends a permanent 4xx to the dead letters, and redrive makes it pending again', async () => {
    rx.script.push({ status: 404, body: 'no such hook' });
    const ch = parseChannelConfig({ type: 'webhook', url: rx.url('/hook'), headers: { 'X-Token': 'tok-123456' } }, 'backend');
    const { sender, store } = await rig([ch], [message('backend')]);
    expect(await sender.runOnce(T0)).toMatchObject({ dead: 1 });
    const [dead] = await store.listOutbox<OutboxMessage>('t1', { status: 'dead' });
    expect(dead!.lastError).toBe('HTTP 404: no such hook');
    expect(await store.redrive('t1', dead!.id, T0 + 5000)).toBe(true);
    expect((await store.listOutbox<OutboxMessage>('t1'))[0]).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await sender.runOnce(T0 + 5000)).toMatchObject({ delivered: 1 });
  });

  it('treats a redirect as permanent and does not follow it', async () => {
    rx.script.push({ status: 301, headers: { Location: rx.url('/other') } });
    const ch = parseChannelConfig({ type: 'webhook', url: rx.url('/hook') }, 'backend');
    const { sender, store } = await rig([ch], [message('backend')]);
    expect(await sender.runOnce(T0)).toMatchObject({ dead: 1 });
    expect(rx.requests.map((r) => r.url)).toEqual(['/hook']);
    expect((await store.listOutbox<OutboxMessage>('t1'))[0]!.lastError).toContain('redirects are not followed');
  });

  it('dead-letters a blocked destination with the reason and without the URL secret', async () => {
    const ch = parseChannelConfig({ type: 'webhook', url: `http://127.0.0.1:${rx.port}/token-abc` }, 'backend');
    const { sender, store } = await rig([ch], [message('backend')], { notifiers: createNotifiers() });
    expect(await sender.runOnce(T0)).toMatchObject({ dead: 1 });
    const err = (await store.listOutbox<OutboxMessage>('t1'))[0]!.lastError!;
    expect(err).toContain('loopback');
    expect(err).not.toContain('token-abc');
    expect(rx.requests).toHaveLength(0);
  });

  it('retries a refused connection and gives up at the dead-letter deadline', async () => {
    const port = rx.port;
    await rx.close();
    const ch = parseChannelConfig({ type: 'webhook', url: `http://127.0.0.1:${port}/h` }, 'backend');
    const store = new MemoryNotificationStore();
    await store.commitDispatch([], [], [message('backend')]);
    const sender = new Sender({ store, channel: () => ch, notifiers: createNotifiers(ALLOW_LOOPBACK), deadLetterAfterMs: 10_000, random: () => 0.999 });
    let now = T0;
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await sender.runOnce(now);
      if (r.retried) seen.push('retry');
      if (r.dead) {
        seen.push('dead');
        break;
      }
      now = (await store.listOutbox<OutboxMessage>('t1'))[0]!.nextAttemptMs;
    }
    expect(seen.at(-1)).toBe('dead');
    expect(seen.filter((s) => s === 'retry').length).toBeGreaterThan(1);
    expect((await store.listOutbox<OutboxMessage>('t1'))[0]!.lastError).toMatch(/gave up after \d+ attempts: connection failed \(ECONNREFUSED\)/);
    rx = await new TestReceiver().start();
  });

  it('dead-letters rows of a channel that no longer exists', async () => {
    const { sender, store } = await rig([], [message('gone')]);
    expect(await sender.runOnce(T0)).toMatchObject({ dead: 1 });
    expect((await store.listOutbox<OutboxMessage>('t1'))[0]!.lastError).toBe('channel "gone" no longer exists');
  });
});

describe('scaling notifier', () => {
  let rx: TestReceiver;
  beforeAll(async () => {
    rx = await new TestReceiver().start();
  });
  afterAll(() => rx.close());

  it('signs the exact body bytes with HMAC-SHA256 and sends the caller payload', async () => {
    const secret = 'scaling-secret-0123456789';
    const ch = parseChannelConfig({ type: 'scaling', url: rx.url('/scale'), secret }, 'asg');
    const msg = createDirectMessage({ tenant: 't1', channel: 'asg', idempotencyKey: 'policy-1@T0', payload: { policy: 'web', delta: 2, note: 'ünïcode' }, nowMs: T0 });
    const { sender } = await rig([ch], [msg]);
    expect(await sender.runOnce(T0)).toMatchObject({ delivered: 1 });
    const req = rx.requests[0]!;
    expect(req.json).toEqual({ policy: 'web', delta: 2, note: 'ünïcode' });
    const expected = `sha256=${createHmac('sha256', secret).update(req.raw).digest('hex')}`;
    expect(req.headers['x-vigil-signature']).toBe(expected);
    expect(req.headers['idempotency-key']).toBe(msg.id);
    expect(createHmac('sha256', 'wrong-secret-0123456').update(req.raw).digest('hex')).not.toBe(expected.slice(7));
  });
});

describe('slack notifier', () => {
  let rx: TestReceiver;
  beforeEach(async () => {
    rx = await new TestReceiver().start();
  });
  afterEach(() => rx.close());

  it('posts Block Kit blocks with a text fallback through @slack/webhook', async () => {
    const ch = parseChannelConfig({ type: 'slack', url: rx.url('/services/T0/B0/XYZ'), username: 'vigil' }, 'chat');
    const { sender } = await rig([ch], [message('chat', { alerts: [alert({ labels: { alertname: 'HighCPU', instance: '<web-1>' } })] })]);
    expect(await sender.runOnce(T0)).toMatchObject({ delivered: 1 });
    const body = rx.requests[0]!.json as { text: string; blocks: Array<{ type: string }>; username: string };
    expect(rx.requests[0]!.url).toBe('/services/T0/B0/XYZ');
    expect(body.text).toContain('[FIRING:1] HighCPU');
    expect(body.text).toContain('97.5');
    expect(body.text).toContain('http://vigil.example/#/alarms/HighCPU');
    expect(body.blocks[0]!.type).toBe('header');
    const dump = JSON.stringify(body.blocks);
    expect(dump).toContain('&lt;web-1&gt;');
    expect(dump).toContain('FIRING');
    expect(body.username).toBe('vigil');
  });

  it('paces sends to one webhook URL and reschedules instead of failing', async () => {
    const ch = parseChannelConfig({ type: 'slack', url: rx.url('/services/T0/B0/XYZ') }, 'chat');
    const msgs = [1, 2, 3].map((i) => message('chat', { id: `ntf_${i}` }));
    const { sender, store } = await rig([ch], msgs);
    expect(await sender.runOnce(T0)).toMatchObject({ delivered: 1, paced: 2 });
    expect(await sender.runOnce(T0 + 999)).toMatchObject({ delivered: 0 });
    expect(await sender.runOnce(T0 + 1000)).toMatchObject({ delivered: 1, paced: 1 });
    expect(await sender.runOnce(T0 + 2000)).toMatchObject({ delivered: 1, paced: 0 });
    expect(rx.requests).toHaveLength(3);
    const rows = await store.listOutbox<OutboxMessage>('t1');
    expect(rows.every((r) => r.status === 'delivered' && r.attempts === 0)).toBe(true);
  });

  it('maps 429 to a retry after Retry-After and holds the whole webhook; 404 is permanent', async () => {
    rx.script.push({ status: 429, headers: { 'Retry-After': '5' }, body: 'rate_limited' }, { status: 404, body: 'no_service' });
    const ch = parseChannelConfig({ type: 'slack', url: rx.url('/services/T0/B0/XYZ') }, 'chat');
    const { sender, store } = await rig([ch], [message('chat', { id: 'ntf_a' })]);
    expect(await sender.runOnce(T0)).toMatchObject({ retried: 1 });
    const [row] = await store.listOutbox<OutboxMessage>('t1');
    expect(row).toMatchObject({ nextAttemptMs: T0 + 5000, lastError: 'HTTP 429: rate_limited' });
    expect(await sender.runOnce(T0 + 5000)).toMatchObject({ dead: 1 });
    const [dead] = await store.listOutbox<OutboxMessage>('t1');
    expect(dead!.lastError).toBe('HTTP 404: no_service');
    expect(dead!.lastError).not.toContain('XYZ');
  });

  it('sendTest delivers immediately without the outbox', async () => {
    const ch = parseChannelConfig({ type: 'slack', url: rx.url('/services/T0/B0/XYZ') }, 'chat');
    const { sender, store } = await rig([ch], []);
    expect(await sender.sendTest('t1', 'chat')).toEqual({ ok: true });
    expect(await sender.sendTest('t1', 'missing')).toMatchObject({ ok: false, permanent: true });
    expect(rx.requests).toHaveLength(1);
    expect(await store.listOutbox('t1')).toHaveLength(0);
  });
});

describe('email notifier', () => {
  let smtp: SMTPServer;
  let port = 0;
  const inbox: Array<{ mail: ParsedMail; rcpt: string[] }> = [];
  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, cb) {
        simpleParser(stream).then(
          (mail) => {
            inbox.push({ mail, rcpt: session.envelope.rcptTo.map((r) => r.address) });
            cb();
          },
          (err: Error) => cb(err),
        );
      },
      onRcptTo(address, _session, cb) {
        const code = /^(?:reject|busy)(\d{3})@/.exec(address.address)?.[1];
        if (code) cb(Object.assign(new Error(`mailbox says ${code}`), { responseCode: Number(code) }));
        else cb();
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
    port = (smtp.server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => smtp.close(() => r())));

  it('sends HTML and text, escapes values, and takes recipients only from the channel', async () => {
    const ch = parseChannelConfig({ type: 'email', to: ['ops@example.com'], cc: ['lead@example.com'], subject: 'Vigil' }, 'mail');
    const evil = 'x\r\nBcc: evil@example.com';
    const a = alert({ alarm: `HighCPU\r\nBcc: evil@example.com`, labels: { alertname: 'HighCPU', instance: evil, html: '<script>alert(1)</script>' }, annotations: { to: 'evil@example.com' } });
    const notifiers = createNotifiers({ email: { host: '127.0.0.1', port, ignoreTLS: true, from: 'vigil@example.com' } });
    const { sender } = await rig([ch], [message('mail', { alerts: [a] })], { notifiers });
    expect(await sender.runOnce(T0)).toMatchObject({ delivered: 1 });
    expect(inbox).toHaveLength(1);
    const { mail, rcpt } = inbox[0]!;
    expect(rcpt.sort()).toEqual(['lead@example.com', 'ops@example.com']);
    expect(mail.headers.has('bcc')).toBe(false);
    expect(mail.subject).toBe('Vigil [FIRING:1] HighCPU Bcc: evil@example.com');
    expect(mail.text).toContain('instance = x');
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).not.toContain('<script>');
    expect(mail.messageId).toBe('<ntf_mail_1@vigil>');
    expect(mail.headers.get('x-vigil-idempotency-key')).toBe('ntf_mail_1');
  });

  it('fails permanently with a message when SMTP is not configured', async () => {
    const ch = parseChannelConfig({ type: 'email', to: ['ops@example.com'] }, 'mail');
    const { sender, store } = await rig([ch], [message('mail')], { notifiers: createNotifiers() });
    expect(await sender.runOnce(T0)).toMatchObject({ dead: 1 });
    expect((await store.listOutbox<OutboxMessage>('t1'))[0]!.lastError).toContain('not configured');
  });

  it.each([
    ['reject550@example.com', true],
    ['busy451@example.com', false],
  ])('classifies an SMTP refusal for %s (permanent: %s)', async (to, permanent) => {
    const ch = parseChannelConfig({ type: 'email', to: [to] }, 'mail');
    const notifiers = createNotifiers({ email: { host: '127.0.0.1', port, ignoreTLS: true, from: 'vigil@example.com', password: 'smtp-pass-123' } });
    const res = await notifiers.email.send(message('mail'), { channel: ch, nowMs: T0 });
    expect(res).toMatchObject({ ok: false, permanent });
    if (!res.ok) {
      expect(res.error).toMatch(/^SMTP E\w+ \d{3}/);
      expect(res.error).not.toContain('smtp-pass-123');
    }
  });
});
