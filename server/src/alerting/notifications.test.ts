import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture } from '../testing/app-fixture.js';
import { remoteWriteBody } from '../testing/remote-write-encode.js';

const P = 60_000;
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

interface Received {
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A local webhook receiver answering with the queued statuses (then 200). */
async function receiver(): Promise<{ url: string; received: Received[]; statuses: number[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const statuses: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.statusCode = statuses.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/secret-path`,
    received,
    statuses,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('channels, silences and notifications', () => {
  let f: AppFixture;
  let rx: Awaited<ReturnType<typeof receiver>>;
  beforeEach(async () => {
    f = await createAppFixture("alerting:\n  allowDestinations: ['127.0.0.0/8']\n");
    rx = await receiver();
  });
  afterEach(async () => {
    await f.close();
    await rx.close();
  });

  const json = (method: string, body: unknown) => ({ method, body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  const pushCpu = async () => {
    const samples: Array<[number, number]> = [];
    for (let t = T0 - 10 * P; t <= T0 + 20 * P; t += 15_000) samples.push([t, t >= T0 + 3 * P && t < T0 + 8 * P ? 97 : 50]);
    f.setNow(T0 + 20 * P);
    const res = await f.request('/api/v1/write', {
      method: 'POST',
      headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf' },
      body: remoteWriteBody([{ labels: [['__name__', 'cpu'], ['instance', 'web-1']], samples }]),
    });
    expect(res.status).toBe(204);
  };
  /** Evaluates and delivers minute by minute. */
  const run = async (fromMin: number, toMin: number) => {
    for (let m = fromMin; m <= toMin; m++) {
      const t = T0 + m * P + 1000;
      f.setNow(t);
      await f.alerting.tick(t);
      await f.alerting.notifications.sender.runOnce(t);
    }
  };
  const webhook = (extra: Record<string, unknown> = {}) => ({ name: 'ops', type: 'webhook', url: rx.url, groupWaitSeconds: 0, groupIntervalSeconds: 60, ...extra });
  const alarm = { name: 'cpu-high', query: 'cpu', threshold: 90, evaluationPeriods: 2, datapointsToAlarm: 2, channels: ['ops'], annotations: { summary: '{{ $labels.instance }} at {{ $value }}' } };

  it('creates channels with secrets redacted, refuses unknown channel names in alarms and deleting a used channel', async () => {
    expect((await f.request('/api/v1/alarms', json('POST', alarm))).status).toBe(400);
    const created = await f.request('/api/v1/channels', json('POST', webhook({ headers: { Authorization: 'Bearer s3cret' } })));
    expect(created.status).toBe(201);
    const body = JSON.stringify(await created.json());
    expect(body).not.toContain('secret-path');
    expect(body).not.toContain('s3cret');
    expect((await f.request('/api/v1/channels', json('POST', webhook()))).status).toBe(409);
    expect((await f.request('/api/v1/channels', json('POST', { name: 'bad', type: 'webhook', url: 'ftp://x' }))).status).toBe(400);
    expect((await f.request('/api/v1/alarms', json('POST', alarm))).status).toBe(201);
    const del = await f.request('/api/v1/channels/ops', { method: 'DELETE' });
    expect(del.status).toBe(409);
    expect((await del.json()).error).toContain('cpu-high');
    // Secrets sent back as <secret> keep the stored value.
    const listed = (await (await f.request('/api/v1/channels/ops')).json()).data;
    expect((await f.request('/api/v1/channels/ops', json('PUT', { ...listed, description: 'on call' }))).status).toBe(200);
    expect((await (await f.request('/api/v1/channels/ops/test', { method: 'POST' })).json()).data).toEqual({ delivered: true });
    expect(rx.received[0]!.headers.authorization).toBe('Bearer s3cret');
  });

  it('notifies firing then resolved through the outbox with an idempotency key, Alertmanager v4 payload', async () => {
    await f.request('/api/v1/channels', json('POST', webhook()));
    await f.request('/api/v1/alarms', json('POST', alarm));
    await pushCpu();
    await run(0, 12);
    expect(rx.received.map((r) => (r.body as { status: string }).status)).toEqual(['firing', 'resolved']);
    const first = rx.received[0]!;
    expect(first.headers['idempotency-key']).toMatch(/^ntf_/);
    expect(first.body).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'ops',
      groupLabels: { alertname: 'cpu-high' },
      commonLabels: { alertname: 'cpu-high', instance: 'web-1' },
      alerts: [{ status: 'firing', labels: { alertname: 'cpu-high', instance: 'web-1' }, annotations: { summary: 'web-1 at 97' }, endsAt: '0001-01-01T00:00:00Z' }],
    });
    const list = (await (await f.request('/api/v1/notifications?status=delivered')).json()).data;
    expect(list).toHaveLength(2);
    expect(list[0]).toMatchObject({ channel: 'ops', status: 'delivered', groupStatus: 'resolved', attempts: 1 });
  });

  it('retries 5xx and 429, dead-letters a 4xx, and re-drives it', async () => {
    await f.request('/api/v1/channels', json('POST', webhook()));
    await f.request('/api/v1/alarms', json('POST', alarm));
    await pushCpu();
    rx.statuses.push(400);
    await run(0, 6);
    const dead = (await (await f.request('/api/v1/notifications?status=dead')).json()).data;
    expect(dead).toHaveLength(1);
    expect(dead[0].lastError).toMatch(/400/);
    expect(dead[0].lastError).not.toContain('secret-path');
    const redrive = await f.request(`/api/v1/notifications/${dead[0].id}/redrive`, { method: 'POST' });
    expect(redrive.status).toBe(200);
    rx.statuses.push(503);
    await run(7, 7);
    await f.alerting.notifications.sender.runOnce(T0 + 9 * P);
    const delivered = (await (await f.request('/api/v1/notifications?status=delivered')).json()).data;
    expect(delivered.map((d: { id: string }) => d.id)).toContain(dead[0].id);
    expect((await f.request('/api/v1/notifications/nope/redrive', { method: 'POST' })).status).toBe(404);
  });

  it('does not notify silenced alerts; silences are listed and expired, never deleted', async () => {
    await f.request('/api/v1/channels', json('POST', webhook()));
    await f.request('/api/v1/alarms', json('POST', alarm));
    await pushCpu();
    f.setNow(T0);
    const s = await f.request(
      '/api/v1/silences',
      json('POST', { matchers: [{ name: 'instance', value: 'web-.*', isRegex: true }], endsAt: new Date(T0 + 60 * P).toISOString(), createdBy: 'ann', comment: 'maintenance' }),
    );
    expect(s.status).toBe(201);
    const silence = (await s.json()).data;
    expect(silence.status.state).toBe('active');
    await run(0, 6);
    expect(rx.received).toEqual([]);
    const expired = await f.request(`/api/v1/silences/${silence.id}`, { method: 'DELETE' });
    expect((await expired.json()).data.status.state).toBe('expired');
    expect((await (await f.request('/api/v1/silences?state=expired')).json()).data).toHaveLength(1);
    await run(7, 7);
    expect(rx.received.map((r) => (r.body as { status: string }).status)).toEqual(['firing']);
    expect((await f.request('/api/v1/silences', json('POST', { matchers: [{ name: 'a', value: '(', isRegex: true }], endsAt: new Date(T0 + P).toISOString() }))).status).toBe(400);
  });

  it('prunes silences that expired before the cutoff (retention), keeping later and live ones', async () => {
    f.setNow(T0);
    const make = async (endsAtMs: number) => {
      const res = await f.request('/api/v1/silences', json('POST', { matchers: [{ name: 'instance', value: 'web-1', isRegex: false }], endsAt: new Date(endsAtMs).toISOString(), createdBy: 'ann', comment: 'retention' }));
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(201);
      return body.data.id as string;
    };
    const early = await make(T0 + P);
    const later = await make(T0 + 10 * P);
    const live = await make(T0 + 100 * P);
    f.setNow(T0 + 20 * P);
    expect(await f.alerting.notifications.pruneSilences(T0 + 5 * P)).toBe(1);
    const left = (await (await f.request('/api/v1/silences')).json()).data.map((s: { id: string }) => s.id);
    expect(left.sort()).toEqual([later, live].sort());
    expect(left).not.toContain(early);
  });

  it('blocks loopback destinations unless allow-listed', async () => {
    const g = await createAppFixture();
    try {
      await g.request('/api/v1/channels', json('POST', webhook()));
      const res = (await (await g.request('/api/v1/channels/ops/test', { method: 'POST' })).json()).data;
      expect(res).toMatchObject({ delivered: false, permanent: true });
      expect(res.error).toMatch(/loopback/);
      expect(rx.received).toEqual([]);
    } finally {
      await g.close();
    }
  });
});
