/**
 * TS-7, secret redaction with canaries: the server runs with a known root key and an SMTP
 * password in its configuration; channels carry a Slack URL with a token, a webhook URL with a
 * secret path, a secret header and a scaling signing secret. The test makes things go wrong —
 * bad requests, wrong and revoked keys, deliveries that fail (500, 400 echoing the request, SMTP
 * authentication refused, SSRF-blocked), an invalid configuration at start — and then looks for
 * every canary in everything the server said: its stdout/stderr, `/metrics`, and every API
 * answer and error body (except the one answer that shows a new key's secret, by design).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useProcessManager } from '../lib/process-manager.js';
import { REMOTE_WRITE_HEADERS, remoteWriteBody } from '../lib/remote-write.js';
import { VIGIL_BIN, type VigilServer, startVigil } from '../lib/vigil-server.js';
import { pollUntil } from '../lib/wait.js';
import { type LocalReceiver, bearer, createKey, localReceiver, revokeKey } from './helpers.js';

/** Every canary; none may appear in anything the server says. */
const CANARY = {
  rootKey: 'CANARYroot0b8f2a9c4d1e7f3a6b5c8d9e0f1a2b3c',
  smtpPassword: 'CANARYsmtp7d3e9f1a2b4c6d8e0f2a4b6c8d0e2f4a',
  slackToken: 'CANARYslack5e1f3a7b9c2d4e6f8a0b2c4d6e8f0a1b',
  webhookPath: 'CANARYpath3c5e7f9a1b3d5e7f9a1c3e5f7a9b1d3e',
  blockedPath: 'CANARYblocked9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c',
  headerSecret: 'CANARYheader1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c',
  scalingSecret: 'CANARYscale2a4c6e8f0b2d4f6a8c0e2b4d6f8a0c2e',
  wrongKey: 'CANARYwrong8e6c4a2f0d8b6e4c2a0f8d6b4e2c0a8f',
  newKey: '', // the secret of a key created during the test, filled in then
};
const canaries = () => Object.entries(CANARY).filter(([, v]) => v !== '');

const processes = useProcessManager();
let vigil: VigilServer;
let receiver: LocalReceiver;
let smtp: { port: number; passwords: string[]; close(): Promise<void> };
/** Everything the server wrote on stdout and stderr. */
let output = '';
/** Every API answer body, as `METHOD path -> status body`. */
const answers: string[] = [];

async function call(path: string, init: RequestInit & { tenant?: string; keep?: boolean } = {}): Promise<{ status: number; text: string }> {
  const { keep = true, ...rest } = init;
  const res = await vigil.request(path, rest);
  const text = await res.text();
  const headers = [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
  if (keep) answers.push(`${rest.method ?? 'GET'} ${path} -> ${res.status}\n${headers}\n${text}`);
  return { status: res.status, text };
}
const post = (path: string, body: unknown, init: RequestInit = {}) =>
  call(path, { ...init, method: 'POST', headers: { 'content-type': 'application/json', ...init.headers }, body: JSON.stringify(body) });

beforeAll(async () => {
  receiver = await localReceiver((req) => {
    // The secret-path webhook fails in a way that echoes the request back (a careless receiver).
    if (req.path.includes(CANARY.webhookPath)) return { status: 400, body: `bad request to ${req.path} with ${JSON.stringify(req.headers)}` };
    if (req.path.includes(CANARY.slackToken)) return { status: 500, body: `server error for ${req.path}` };
    return { status: 403, body: `denied ${req.path} ${JSON.stringify(req.headers)}` };
  });
  const passwords: string[] = [];
  const server = new SMTPServer({
    authOptional: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      passwords.push(auth.password ?? '');
      callback(new Error(`535 authentication failed for ${auth.username}/${auth.password}`));
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  smtp = { port: (server.server.address() as AddressInfo).port, passwords, close: () => new Promise<void>((r) => server.close(() => r())) };

  vigil = await startVigil(processes, {
    rootKey: CANARY.rootKey,
    config: [
      'alerting:',
      "  allowDestinations: ['127.0.0.0/8']",
      '  smtp:',
      '    host: 127.0.0.1',
      `    port: ${smtp.port}`,
      '    user: alerts',
      `    password: ${CANARY.smtpPassword}`,
      '',
    ].join('\n'),
  });
  output = vigil.process.output();
  vigil.process.child.stdout?.on('data', (d: Buffer) => {
    output += d.toString('utf8');
  });
  vigil.process.child.stderr?.on('data', (d: Buffer) => {
    output += d.toString('utf8');
  });
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await smtp?.close();
});

describe('canary secrets', () => {
  it('the deliveries that use them really send them (so their absence below means something)', async () => {
    const fast = { groupWaitSeconds: 0, groupIntervalSeconds: 1, groupBy: ['...'] };
    expect((await post('/api/v1/channels', { name: 'slack', type: 'slack', url: `${receiver.url}/services/T0/B0/${CANARY.slackToken}`, ...fast })).status).toBe(201);
    expect(
      (await post('/api/v1/channels', { name: 'hook', type: 'webhook', url: `${receiver.url}/hooks/${CANARY.webhookPath}`, headers: { Authorization: `Bearer ${CANARY.headerSecret}` }, ...fast })).status,
    ).toBe(201);
    expect((await post('/api/v1/channels', { name: 'blocked', type: 'webhook', url: `http://169.254.169.254/${CANARY.blockedPath}`, ...fast })).status).toBe(201);
    expect((await post('/api/v1/channels', { name: 'scale', type: 'scaling', url: `${receiver.url}/scale`, secret: CANARY.scalingSecret, ...fast })).status).toBe(201);
    expect((await post('/api/v1/channels', { name: 'mail', type: 'email', to: ['oncall@example.com'], ...fast })).status).toBe(201);
    for (const name of ['slack', 'hook', 'blocked', 'scale', 'mail']) {
      const { status, text } = await call(`/api/v1/channels/${name}/test`, { method: 'POST' });
      expect(status).toBe(200);
      expect(JSON.parse(text).data.delivered, `${name}: ${text}`).toBe(false);
    }
    const hits = receiver.hits.map((h) => `${h.path} ${JSON.stringify(h.headers)}`).join('\n');
    expect(hits).toContain(CANARY.slackToken);
    expect(hits).toContain(CANARY.webhookPath);
    expect(hits).toContain(CANARY.headerSecret);
    expect(smtp.passwords).toContain(CANARY.smtpPassword);
  });

  it('an alarm notifies every channel, and the failures are recorded and retried', async () => {
    const write = await call('/api/v1/write', {
      method: 'POST',
      headers: REMOTE_WRITE_HEADERS,
      body: remoteWriteBody([{ labels: { __name__: 'canary_metric', instance: 'i1' }, samples: [{ timestampMs: Date.now() - 1000, value: 5 }] }]),
    });
    expect(write.status).toBe(204);
    expect((await post('/api/v1/alarms', { name: 'canary-alarm', query: 'canary_metric', periodSeconds: 2, threshold: 1, channels: ['slack', 'hook', 'blocked', 'scale', 'mail'] })).status).toBe(201);
    await pollUntil({ what: 'failed notifications with their errors', timeoutMs: 30_000, intervalMs: 250 }, async () => {
      const list = JSON.parse((await call('/api/v1/notifications?limit=100', { keep: false })).text).data as Array<{ channel: string; lastError: string | null }>;
      const failed = new Set(list.filter((n) => n.lastError !== null).map((n) => n.channel));
      return ['slack', 'hook', 'blocked', 'scale', 'mail'].every((c) => failed.has(c)) ? true : undefined;
    });
  });

  it('bad requests, wrong keys and other errors', async () => {
    const key = await createKey(vigil, 'default', ['query'], 'canary-user-key');
    CANARY.newKey = key.secret;
    await revokeKey(vigil, key.id);
    await call('/api/v1/labels', { headers: bearer(CANARY.wrongKey) });
    await call('/api/v1/labels', { headers: bearer(key.secret) });
    await call('/api/v1/labels', { headers: { authorization: `Basic ${Buffer.from(`${CANARY.wrongKey}:${CANARY.wrongKey}`).toString('base64')}` } });
    await call('/api/v1/labels', { headers: { authorization: `Token ${CANARY.wrongKey}` } });
    await call('/api/v1/labels', { headers: { 'x-scope-orgid': CANARY.wrongKey.slice(0, 20).concat('/..') } });
    await call(`/api/v1/query?query=${encodeURIComponent('sum(')}`);
    await call(`/loki/api/v1/query_range?query=${encodeURIComponent('{job=')}`);
    await call('/api/v1/write', { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: 'not snappy' });
    await call('/loki/api/v1/push', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"streams":' });
    await post('/api/v1/channels', { name: 'bad', type: 'webhook', url: `not a url ${CANARY.webhookPath}` });
    await post('/api/v1/channels', { name: 'hook', type: 'webhook', url: `${receiver.url}/hooks/${CANARY.webhookPath}` });
    await post('/api/v1/channels', { name: 'bad2', type: 'slack', url: `ftp://x/${CANARY.slackToken}` });
    await post('/api/v1/scaling-groups', { name: 'sg', min: 1, max: 2, desired: 1, webhook: { url: `http://127.0.0.1:1/${CANARY.webhookPath}`, secret: CANARY.scalingSecret } });
    await post('/api/v1/scaling-groups', { name: 'sg-bad', min: 5, max: 2, desired: 1, webhook: { url: `${receiver.url}/x`, secret: CANARY.scalingSecret } });
    await call('/api/v1/channels/hook', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'webhook', url: '<secret>', headers: { Authorization: '<secret>' }, unknownField: CANARY.headerSecret }),
    });
    await call('/api/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scopes: ['nope'], name: 'x' }) });
    await call('/api/v1/nothing');
  });

  it('every resource and status read', async () => {
    for (const path of [
      '/api/v1/channels',
      '/api/v1/channels/slack',
      '/api/v1/channels/hook',
      '/api/v1/channels/blocked',
      '/api/v1/channels/scale',
      '/api/v1/channels/mail',
      '/api/v1/scaling-groups',
      '/api/v1/scaling-groups/sg',
      '/api/v1/notifications?limit=1000',
      '/api/v1/notifications?status=dead',
      '/api/v1/alarms',
      '/api/v1/alarms/canary-alarm/history',
      '/api/v1/keys',
      '/api/v1/keys?all=true',
      '/api/v1/tenants',
      '/api/v1/session',
      '/api/v1/status/buildinfo',
      '/metrics',
    ]) {
      const { status, text } = await call(path);
      expect(status, `${path}: ${text}`).toBe(200);
    }
  });

  it('appear nowhere in the logs, /metrics, API answers or error bodies', async () => {
    expect(output).toContain('listening');
    expect(answers.length).toBeGreaterThan(40);
    const haystacks: Array<[string, string]> = [['server output', output], ...answers.map((a, i): [string, string] => [`answer ${i}`, a])];
    const found: string[] = [];
    for (const [name, secret] of canaries()) {
      for (const [where, text] of haystacks) {
        // A secret could also leak in part, or URL-encoded.
        for (const form of [secret, secret.slice(6, 26), encodeURIComponent(secret)]) {
          if (text.includes(form)) found.push(`${name} in ${where}: …${text.slice(Math.max(0, text.indexOf(form) - 150), text.indexOf(form) + 60)}…`);
        }
      }
    }
    expect(found).toEqual([]);
  });
});

describe('an invalid configuration', () => {
  it('names the problem without printing the secret values of the file', async () => {
    const dir = processes.tempDir('bad-config');
    const file = join(dir, 'vigil.yml');
    writeFileSync(
      file,
      ['alerting:', '  smtp:', '    host: 127.0.0.1', `    password: [${CANARY.smtpPassword}]`, `    user: {nested: ${CANARY.headerSecret}}`, `  unknownKey: ${CANARY.webhookPath}`, ''].join('\n'),
    );
    const proc = processes.spawn('vigil-bad-config', process.execPath, [VIGIL_BIN, 'server', '--data', join(dir, 'data'), '--listen', '127.0.0.1:0', '--config', file], {
      env: { VIGIL_ROOT_KEY: CANARY.rootKey },
    });
    const status = await proc.exited;
    expect(status.code, proc.describe()).not.toBe(0);
    const out = proc.output();
    expect(out).toMatch(/password|smtp/);
    for (const [name, secret] of canaries()) expect(out.includes(secret), `${name} in: ${out}`).toBe(false);
  });
});
