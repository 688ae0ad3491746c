/**
 * Alarms end to end, against the real `vigil` binary: samples pushed over remote_write cross a
 * threshold; the alarm notifies a real SMTP server (`smtp-server`), a local "Slack" (Vigil sends
 * with `@slack/webhook`) and a local Alertmanager-style webhook receiver; back under the
 * threshold, resolved notifications follow. The webhook receiver answers 500, then 429 with
 * Retry-After, then 200: exactly one delivery is accepted. Then Vigil is killed with SIGKILL while
 * a delivery is in flight, and the notification still arrives after the restart.
 */
import { type IncomingHttpHeaders, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, describe, expect, it } from 'vitest';
import { useProcessManager } from './lib/process-manager.js';
import { REMOTE_WRITE_HEADERS, remoteWriteBody } from './lib/remote-write.js';
import { type VigilServer, startVigil } from './lib/vigil-server.js';
import { pollUntil } from './lib/wait.js';

/** Waits until `cond` holds. */
const until = (what: string, timeoutMs: number, cond: () => boolean | Promise<boolean>) =>
  pollUntil({ what, timeoutMs, intervalMs: 50 }, async () => ((await cond()) ? true : undefined));

const processes = useProcessManager();

interface Hit {
  atMs: number;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The answer's status; 0 while held (never answered). */
  status: number;
}

/** A local HTTP receiver; `respond` decides each answer (status, headers) or holds it. */
async function httpReceiver(respond: (hit: Hit, res: ServerResponse) => boolean | undefined = () => undefined) {
  const hits: Hit[] = [];
  const held: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hit: Hit = { atMs: Date.now(), path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status: 0 };
      hits.push(hit);
      const handled = respond(hit, res);
      if (handled === false) {
        held.push(res);
        return;
      }
      if (!handled) {
        res.statusCode = 200;
        res.end('ok');
      }
      hit.status = res.statusCode;
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    held,
    close: () =>
      new Promise<void>((r) => {
        for (const h of held) h.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function smtpReceiver() {
  const mails: Array<{ atMs: number; rcptTo: string[]; mail: ParsedMail }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          mails.push({ atMs: Date.now(), rcptTo: session.envelope.rcptTo.map((r) => r.address), mail });
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.server.address() as AddressInfo).port,
    mails,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const PERIOD_S = 5;
const INSTANCE = 'web-1';

describe('alarms end to end', () => {
  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of closers.reverse()) await c();
  });

  it('notifies Slack, email and a webhook on ALARM and on OK, once, across 500/429 and kill -9', async () => {
    const smtp = await smtpReceiver();
    closers.push(smtp.close);
    const slack = await httpReceiver();
    closers.push(slack.close);
    // Webhook: the first notification gets 500, then 429 (Retry-After: 1), then 200. The second
    // (resolved) notification's first attempt is held until Vigil is killed.
    let webhookMode: 'flaky' | 'hold' | 'ok' = 'flaky';
    const flaky = [500, 429];
    const webhook = await httpReceiver((hit, res) => {
      if (webhookMode === 'hold') return false;
      const status = webhookMode === 'flaky' ? flaky.shift() : undefined;
      if (status === undefined) return undefined;
      res.statusCode = status;
      if (status === 429) res.setHeader('Retry-After', '1');
      res.end('try later');
      hit.status = status;
      return true;
    });
    closers.push(webhook.close);

    const vigil: VigilServer = await startVigil(processes, {
      config: [
        'alerting:',
        '  externalURL: http://vigil.example.com:9400',
        "  allowDestinations: ['127.0.0.0/8']",
        '  smtp:',
        '    host: 127.0.0.1',
        `    port: ${smtp.port}`,
        '    from: vigil@example.com',
        '',
      ].join('\n'),
    });
    const api = async (path: string, method: string, body?: unknown) => {
      const res = await vigil.request(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }) });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return text === '' ? undefined : JSON.parse(text);
    };
    const push = async (value: number, instance = INSTANCE) => {
      const res = await vigil.request('/api/v1/write', {
        method: 'POST',
        headers: REMOTE_WRITE_HEADERS,
        body: remoteWriteBody([{ labels: { __name__: 'e2e_cpu', instance, job: 'e2e' }, samples: [{ timestampMs: Date.now(), value }] }]),
      });
      expect(res.status).toBe(204);
    };

    const fast = { groupWaitSeconds: 0, groupIntervalSeconds: 1, repeatIntervalSeconds: 3600 };
    await api('/api/v1/channels', 'POST', { name: 'slack', type: 'slack', url: `${slack.url}/services/T000/B000/XXXX`, ...fast });
    await api('/api/v1/channels', 'POST', { name: 'mail', type: 'email', to: ['oncall@example.com'], ...fast });
    await api('/api/v1/channels', 'POST', { name: 'hook', type: 'webhook', url: `${webhook.url}/alerts`, ...fast });
    await api('/api/v1/alarms', 'POST', {
      name: 'e2e-cpu-high',
      query: 'max by (instance) (e2e_cpu)',
      periodSeconds: PERIOD_S,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      threshold: 90,
      channels: ['slack', 'mail', 'hook'],
      annotations: { summary: '{{ $labels.instance }} CPU at {{ $value }}%' },
    });

    // Under the threshold first, so the alarm starts from OK.
    await push(20);
    await until('alarm OK', 3 * PERIOD_S * 1000, async () => (await api('/api/v1/alarms/e2e-cpu-high', 'GET')).data.state === 'OK');

    // Cross the threshold: every channel hears about it within period + evaluation + 5 s.
    const crossedMs = Date.now();
    await push(97);
    const deadline = PERIOD_S * 1000 + 1000 + 5000;
    await until('ALARM notifications on all three channels', deadline + 5000, () => slack.hits.length >= 1 && smtp.mails.length >= 1 && webhook.hits.some((h) => h.status === 200));
    const firingLatency = {
      slack: slack.hits[0]!.atMs - crossedMs,
      email: smtp.mails[0]!.atMs - crossedMs,
      webhook: webhook.hits.find((h) => h.status === 200)!.atMs - crossedMs,
    };
    console.log(`ALARM notification latency after the breaching sample (ms): ${JSON.stringify(firingLatency)}; bound ${deadline}`);
    for (const [channel, ms] of Object.entries(firingLatency)) expect(ms, channel).toBeLessThanOrEqual(deadline);

    // Slack: Block Kit with a text fallback.
    const slackBody = JSON.parse(slack.hits[0]!.body);
    expect(slack.hits[0]!.path).toBe('/services/T000/B000/XXXX');
    expect(slackBody.text).toContain('e2e-cpu-high');
    expect(JSON.stringify(slackBody.blocks)).toContain(INSTANCE);
    expect(JSON.stringify(slackBody)).toContain('http://vigil.example.com:9400');
    // Email: to the configured recipient only, HTML and text.
    const mail = smtp.mails[0]!;
    expect(mail.rcptTo).toEqual(['oncall@example.com']);
    expect(mail.mail.subject).toMatch(/e2e-cpu-high/);
    expect(mail.mail.text).toContain('web-1 CPU at 97%');
    expect(mail.mail.html).toBeTruthy();
    // Webhook: 500, then 429 honoured (≥ 1 s later), then exactly one accepted delivery.
    expect(webhook.hits.map((h) => h.status)).toEqual([500, 429, 200]);
    expect(webhook.hits[2]!.atMs - webhook.hits[1]!.atMs).toBeGreaterThanOrEqual(950);
    const keys = new Set(webhook.hits.map((h) => h.headers['idempotency-key']));
    expect(keys.size).toBe(1);
    const payload = JSON.parse(webhook.hits[2]!.body);
    expect(payload).toMatchObject({ version: '4', status: 'firing', receiver: 'hook', alerts: [{ status: 'firing', labels: { alertname: 'e2e-cpu-high', instance: INSTANCE } }] });

    // Back under the threshold, with the webhook holding its answer: kill -9 while the resolved
    // notification is in flight, restart, and it still arrives (same idempotency key).
    webhookMode = 'hold';
    const before = webhook.hits.length;
    const okMs = Date.now();
    await push(15);
    await until('resolved webhook in flight', deadline + 5000, () => webhook.hits.length > before);
    const inFlightKey = webhook.hits[before]!.headers['idempotency-key'];
    const killed = await vigil.kill9();
    expect(killed.signal).toBe('SIGKILL');
    webhookMode = 'ok';
    await vigil.restart();
    await until('resolved webhook after restart', 30_000, () => webhook.hits.some((h, i) => i > before && h.status === 200));
    const redelivered = webhook.hits.filter((h, i) => i > before && h.status === 200);
    expect(redelivered.map((h) => h.headers['idempotency-key'])).toEqual([inFlightKey]);
    expect(JSON.parse(redelivered[0]!.body)).toMatchObject({ status: 'resolved' });
    await until('resolved on Slack and email', 30_000, () => slack.hits.length >= 2 && smtp.mails.length >= 2);
    expect(slack.hits[1]!.body).toMatch(/RESOLVED|resolved/);
    expect(smtp.mails[1]!.mail.subject).toMatch(/RESOLVED|resolved/i);
    console.log(`OK notifications after the recovering sample (ms): slack ${slack.hits[1]!.atMs - okMs}, email ${smtp.mails[1]!.atMs - okMs}`);

    // The restart re-sends nothing already delivered: after a few more rounds, counts are stable.
    await sleep(2 * PERIOD_S * 1000);
    expect(slack.hits).toHaveLength(2);
    expect(smtp.mails).toHaveLength(2);
    expect(webhook.hits.filter((h) => h.status === 200)).toHaveLength(2);
    const history = (await api('/api/v1/alarms/e2e-cpu-high/history', 'GET')).data;
    expect(history.map((h: { to: string }) => h.to).slice(0, 3)).toEqual(['OK', 'ALARM', 'OK']);
  }, 120_000);

  it('keeps CR/LF in label values out of email headers and recipients', async () => {
    const smtp = await smtpReceiver();
    closers.push(smtp.close);
    const vigil = await startVigil(processes, {
      config: ['alerting:', '  smtp:', '    host: 127.0.0.1', `    port: ${smtp.port}`, '    from: vigil@example.com', ''].join('\n'),
    });
    const post = async (path: string, body: unknown) => {
      const res = await vigil.request(path, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
      expect(res.status, await res.clone().text()).toBeLessThan(300);
    };
    await post('/api/v1/channels', { name: 'mail', type: 'email', to: ['oncall@example.com'], groupWaitSeconds: 0, groupBy: ['...'] });
    await post('/api/v1/alarms', { name: 'inject', query: 'e2e_inject', periodSeconds: 2, threshold: 0, channels: ['mail'] });
    const res = await vigil.request('/api/v1/write', {
      method: 'POST',
      headers: REMOTE_WRITE_HEADERS,
      body: remoteWriteBody([{ labels: { __name__: 'e2e_inject', instance: 'x\r\nBcc: evil@example.com\r\nSubject: pwned' }, samples: [{ timestampMs: Date.now(), value: 1 }] }]),
    });
    expect(res.status).toBe(204);
    await until('the email', 20_000, () => smtp.mails.length >= 1);
    const { rcptTo, mail } = smtp.mails[0]!;
    expect(rcptTo).toEqual(['oncall@example.com']);
    expect(mail.bcc).toBeUndefined();
    expect(mail.subject).not.toBe('pwned');
    expect([...mail.headers.keys()].filter((k) => k === 'bcc' || k === 'subject')).toEqual(['subject']);
    expect(mail.text).toContain('evil@example.com'); // shown as text in the body, harmlessly
  }, 60_000);
});
