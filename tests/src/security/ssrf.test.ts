/**
 * TS-4, SSRF through user-configured URLs: with no `alerting.allowDestinations`, a channel
 * (slack, webhook, scaling) whose URL points at loopback, private, link-local, the cloud metadata
 * address, IPv4-mapped IPv6, `localhost`, or decimal/octal spellings of 127.0.0.1 is refused when
 * Vigil connects (the resolved address is checked), permanently and with a message; a live local
 * receiver on that address never gets a request. A scaling group's webhook goes through the same
 * guard. A second server allows one address (127.0.0.2) whose receiver answers 302 to a private
 * address: the redirect is not followed and its target never requested.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useProcessManager } from '../lib/process-manager.js';
import { REMOTE_WRITE_HEADERS, remoteWriteBody } from '../lib/remote-write.js';
import { type VigilServer, startVigil } from '../lib/vigil-server.js';
import { pollUntil } from '../lib/wait.js';
import { type LocalReceiver, localReceiver } from './helpers.js';

const processes = useProcessManager();
let vigil: VigilServer;
let receiver: LocalReceiver;

beforeAll(async () => {
  receiver = await localReceiver();
  vigil = await startVigil(processes);
}, 120_000);
afterAll(async () => {
  await receiver?.close();
});

/** Destinations that must be blocked; `$P` is the live receiver's port on 127.0.0.1. */
const TARGETS = [
  'http://127.0.0.1:$P/hook',
  'http://localhost:$P/hook',
  'http://[::1]:$P/hook',
  'http://[::ffff:127.0.0.1]:$P/hook',
  'http://[::ffff:7f00:1]:$P/hook',
  'http://2130706433:$P/hook',
  'http://0x7f.0.0.1:$P/hook',
  'http://0177.0.0.1:$P/hook',
  'http://127.1:$P/hook',
  'http://0.0.0.0:$P/hook',
  'http://10.0.0.1/hook',
  'http://172.16.5.4/hook',
  'http://192.168.1.1/hook',
  'http://100.64.0.1/hook',
  'http://169.254.169.254/latest/meta-data/',
  'http://[fd00::1]/hook',
  'http://[fe80::1]/hook',
];

/** Body of a channel of `type` pointing at `url`. */
function channel(type: 'slack' | 'webhook' | 'scaling', name: string, url: string): Record<string, unknown> {
  if (type === 'scaling') return { name, type, url, secret: 'ssrf-test-signing-secret-0123456789' };
  return { name, type, url };
}

async function json(path: string, method: string, body?: unknown): Promise<{ status: number; body: { data?: Record<string, unknown>; error?: string } }> {
  const res = await vigil.request(path, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

describe('channel URLs to internal addresses', () => {
  const cases = (['slack', 'webhook', 'scaling'] as const).flatMap((type) => TARGETS.map((target) => ({ type, target })));
  it.each(cases)('$type channel to $target: the test send is blocked permanently, with a reason', async ({ type, target }) => {
    const url = target.replace('$P', String(receiver.port));
    const name = `${type}-${cases.findIndex((c) => c.type === type && c.target === target)}`;
    const created = await json('/api/v1/channels', 'POST', channel(type, name, url));
    // Saved: the guard works on the resolved address when connecting (DNS can change after saving).
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const sent = await json(`/api/v1/channels/${name}/test`, 'POST');
    expect(sent.status).toBe(200);
    expect(sent.body.data, url).toMatchObject({ delivered: false, permanent: true });
    expect(String(sent.body.data?.error)).toMatch(/blocked/);
    // The message names why, never the URL (it may carry a token).
    expect(String(sent.body.data?.error)).not.toContain('/hook');
    expect(receiver.hits, `the receiver got a request for ${url}`).toEqual([]);
  });

  it('refuses non-HTTP schemes when the channel is saved', async () => {
    for (const url of ['file:///etc/passwd', `gopher://127.0.0.1:${receiver.port}/_x`, 'ftp://10.0.0.1/x', 'javascript:alert(1)']) {
      const created = await json('/api/v1/channels', 'POST', channel('webhook', 'scheme', url));
      expect(created.status, `${url}: ${JSON.stringify(created.body)}`).toBe(400);
    }
    expect(receiver.hits).toEqual([]);
  });
});

describe('scaling group webhooks', () => {
  it('blocks a scaling webhook to the metadata address and loopback, and records why', async () => {
    const write = await vigil.request('/api/v1/write', {
      method: 'POST',
      headers: REMOTE_WRITE_HEADERS,
      body: remoteWriteBody([{ labels: { __name__: 'ssrf_load' }, samples: [{ timestampMs: Date.now() - 1000, value: 100 }] }]),
    });
    expect(write.status).toBe(204);
    expect((await json('/api/v1/alarms', 'POST', { name: 'ssrf-load-high', query: 'ssrf_load', periodSeconds: 2, threshold: 1 })).status).toBe(201);
    for (const [name, url] of [
      ['sg-loopback', `http://127.0.0.1:${receiver.port}/scale`],
      ['sg-metadata', 'http://169.254.169.254/latest/meta-data/iam'],
    ] as const) {
      const g = await json('/api/v1/scaling-groups', 'POST', { name, min: 1, max: 5, desired: 1, webhook: { url, secret: 'ssrf-test-signing-secret-0123456789' } });
      expect(g.status, JSON.stringify(g.body)).toBe(201);
      const p = await json('/api/v1/scaling-policies', 'POST', { name: `${name}-out`, group: name, type: 'simple', alarm: 'ssrf-load-high', adjustmentType: 'ChangeInCapacity', scalingAdjustment: 1, cooldownSeconds: 3600 });
      expect(p.status, JSON.stringify(p.body)).toBe(201);
    }
    const dead = await pollUntil({ what: 'both scaling webhooks to fail permanently', timeoutMs: 40_000, intervalMs: 250 }, async () => {
      const list = (await json('/api/v1/notifications?status=dead', 'GET')).body.data as unknown as Array<{ channel: string; lastError: string | null }>;
      const mine = list.filter((n) => n.channel.includes('sg-'));
      return mine.length >= 2 ? mine : undefined;
    });
    for (const n of dead) expect(n.lastError, JSON.stringify(n)).toMatch(/blocked/);
    expect(receiver.hits).toEqual([]);
  });
});

describe('redirects to internal addresses', () => {
  it('does not follow a 302 from an allowed destination to a private one; the target is never requested', async () => {
    const target = await localReceiver();
    const redirector = await localReceiver(() => ({ status: 302, headers: { location: `${target.url}/pwned` } }), '127.0.0.2');
    const other = await startVigil(processes, { config: "alerting:\n  allowDestinations: ['127.0.0.2/32']\n" });
    try {
      for (const type of ['slack', 'webhook', 'scaling'] as const) {
        const res = await other.request('/api/v1/channels', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(channel(type, `redirect-${type}`, `${redirector.url}/hook`)),
        });
        expect(res.status, await res.text()).toBe(201);
        const sent = (await (await other.request(`/api/v1/channels/redirect-${type}/test`, { method: 'POST' })).json()) as { data: Record<string, unknown> };
        expect(sent.data, type).toMatchObject({ delivered: false, permanent: true });
        expect(String(sent.data.error)).toMatch(/redirect/);
      }
      expect(redirector.hits.length, 'the allowed destination was asked').toBe(3);
      expect(target.hits, 'the redirect target was requested').toEqual([]);
      // Without the allowance the same URL is blocked before any request.
      expect(receiver.hits).toEqual([]);
    } finally {
      await other.stop();
      await redirector.close();
      await target.close();
    }
  });
});
