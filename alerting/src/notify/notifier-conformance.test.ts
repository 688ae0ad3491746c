import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChannelConfig, parseChannelConfig } from './channels.js';
import { parseRetryAfter } from './http-transport.js';
import { type Notifier, createNotifiers } from './notifiers.js';
import { TestReceiver } from './test-receiver.js';
import type { OutboxMessage, SendResult } from './types.js';

const NOW = Date.parse('2026-12-01T00:00:00Z');
const SECRET_PATH = '/services/T0/B0/topsecret';
const SECRET = 'hdr-or-hmac-secret-value';

const msg: OutboxMessage = {
  id: 'ntf_conf',
  tenant: 't1',
  channel: 'c',
  status: 'pending',
  createdMs: NOW,
  nextAttemptMs: NOW,
  attempts: 0,
  lastError: null,
  deliveredMs: null,
  groupKey: '{}:{alertname="A"}',
  groupLabels: { alertname: 'A' },
  groupStatus: 'firing',
  alerts: [{ alarm: 'A', fingerprint: 'f', status: 'firing', labels: { alertname: 'A' }, annotations: {}, startsAtMs: NOW, endsAtMs: null, value: 1, generatorURL: '' }],
  externalURL: '',
};

/** Every HTTP notifier must classify answers the same way and never leak its secrets. */
const cases: Array<[string, { status: number; headers?: Record<string, string>; body?: string }, Partial<Extract<SendResult, { ok: false }>> | { ok: true }]> = [
  ['200 is delivered', { status: 200, body: 'ok' }, { ok: true }],
  ['204 is delivered', { status: 204 }, { ok: true }],
  ['429 retries after Retry-After seconds', { status: 429, headers: { 'Retry-After': '7' } }, { ok: false, permanent: false, retryAfterMs: 7000 }],
  ['429 retries after a Retry-After date', { status: 429, headers: { 'Retry-After': new Date(NOW + 30_000).toUTCString() } }, { ok: false, permanent: false, retryAfterMs: 30_000 }],
  ['500 retries', { status: 500, body: 'rollup_error' }, { ok: false, permanent: false }],
  ['503 retries', { status: 503 }, { ok: false, permanent: false }],
  ['400 is permanent', { status: 400, body: 'invalid_payload' }, { ok: false, permanent: true }],
  ['404 is permanent', { status: 404, body: `no_service ${SECRET_PATH} ${SECRET}` }, { ok: false, permanent: true }],
  ['302 is permanent (no redirects)', { status: 302, headers: { Location: 'http://169.254.169.254/' } }, { ok: false, permanent: true }],
];

function channels(rx: TestReceiver): Array<[string, ChannelConfig]> {
  return [
    ['slack', parseChannelConfig({ type: 'slack', url: rx.url(SECRET_PATH) }, 'c')],
    ['webhook', parseChannelConfig({ type: 'webhook', url: rx.url(SECRET_PATH), headers: { Authorization: SECRET } }, 'c')],
    ['scaling', parseChannelConfig({ type: 'scaling', url: rx.url(SECRET_PATH), secret: SECRET }, 'c')],
  ];
}

describe('HTTP notifier conformance', () => {
  let rx: TestReceiver;
  let notifiers: Record<string, Notifier>;
  beforeAll(async () => {
    rx = await new TestReceiver().start();
    notifiers = createNotifiers({ ssrf: { allowCidrs: ['127.0.0.0/8'] }, timeoutMs: 300 });
  });
  afterAll(() => rx.close());

  for (const type of ['slack', 'webhook', 'scaling']) {
    describe(type, () => {
      it.each(cases)('%s', async (_n, answer, expected) => {
        rx.script.push(answer);
        const channel = channels(rx).find(([t]) => t === type)![1];
        const res = await notifiers[type]!.send(msg, { channel, nowMs: NOW });
        expect(res).toMatchObject(expected);
        if (!res.ok) {
          expect(res.error).toMatch(/HTTP \d{3}/);
          expect(res.error).not.toContain('topsecret');
          if (type !== 'slack') expect(res.error).not.toContain(SECRET);
        }
      });
    });
  }

  it('times out a receiver that never answers, as a retryable failure', async () => {
    const hang = http.createServer(() => undefined);
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const port = (hang.address() as AddressInfo).port;
    try {
      for (const [type, ch] of [
        ['webhook', parseChannelConfig({ type: 'webhook', url: `http://127.0.0.1:${port}/h` }, 'c')],
        ['slack', parseChannelConfig({ type: 'slack', url: `http://127.0.0.1:${port}${SECRET_PATH}` }, 'c')],
      ] as const) {
        const started = Date.now();
        const res = await notifiers[type]!.send(msg, { channel: ch, nowMs: NOW });
        expect(res, type).toMatchObject({ ok: false, permanent: false });
        expect(Date.now() - started).toBeLessThan(5000);
        if (!res.ok) expect(res.error).not.toContain('topsecret');
      }
    } finally {
      hang.closeAllConnections();
      await new Promise<void>((r) => hang.close(() => r()));
    }
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['1', 1000],
    ['0', 0],
    ['2.5', 2500],
    [new Date(NOW + 5000).toUTCString(), 5000],
    [new Date(NOW - 5000).toUTCString(), 0],
    ['soon', undefined],
    ['', undefined],
  ])('%j → %j ms', (v, ms) => {
    expect(parseRetryAfter(v, NOW)).toBe(ms);
  });
});
