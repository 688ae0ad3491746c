/**
 * TS-2, tenant isolation on every read path (the metric series/labels/export basics are also in
 * `../tenant-isolation.test.ts`). Tenant `a` writes metrics, logs, an alarm that fires and
 * notifies, a channel, a silence, a metric filter, a dashboard, a scaling group and policy and a
 * key, every one marked with {@link MARK}; tenant `b` writes look-alike data under the same
 * `job`. Each read path must show the mark to `a` (so the path would find it) and never to `b`,
 * whether `b` is reached with the root key and `X-Scope-OrgID: b` or with `b`'s own key; `b`'s key
 * naming tenant `a` is refused; and the live tail of `b` never carries a line of `a`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { useProcessManager } from '../lib/process-manager.js';
import { REMOTE_WRITE_HEADERS, remoteWriteBody } from '../lib/remote-write.js';
import { type VigilServer, startVigil } from '../lib/vigil-server.js';
import { pollUntil } from '../lib/wait.js';
import { type CreatedKey, type LocalReceiver, bearer, createKey, localReceiver, openWebSocket } from './helpers.js';

/** The mark every object of tenant `a` carries; `b` must never see it. */
const MARK = 'zqx';
const NOW_S = Math.floor(Date.now() / 1000);

const processes = useProcessManager();
let vigil: VigilServer;
let receiver: LocalReceiver;
let keyA: CreatedKey;
let keyB: CreatedKey;
let silenceId = '';
let dashboardId = '';

/** A request as tenant `a` (root key), expected to succeed. */
async function asA(path: string, method = 'GET', body?: unknown): Promise<unknown> {
  const res = await vigil.request(path, {
    method,
    tenant: 'a',
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  expect(res.status, `${method} ${path} as a: ${text}`).toBeLessThan(300);
  return text ? JSON.parse(text) : undefined;
}

async function writeMetrics(tenant: string, labels: Record<string, string>, value: number): Promise<void> {
  const res = await vigil.request('/api/v1/write', {
    method: 'POST',
    tenant,
    headers: REMOTE_WRITE_HEADERS,
    body: remoteWriteBody([{ labels, samples: [{ timestampMs: Date.now() - 2000, value }] }]),
  });
  expect(res.status, await res.text()).toBe(204);
}

async function pushLine(tenant: string, stream: Record<string, string>, line: string): Promise<void> {
  const res = await vigil.request('/loki/api/v1/push', {
    method: 'POST',
    tenant,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ streams: [{ stream, values: [[`${BigInt(Date.now()) * 1_000_000n}`, line]] }] }),
  });
  expect(res.status, await res.text()).toBe(204);
}

beforeAll(async () => {
  receiver = await localReceiver();
  vigil = await startVigil(processes, { config: "alerting:\n  allowDestinations: ['127.0.0.0/8']\n" });
  keyA = await createKey(vigil, 'a', ['ingest', 'query', 'admin'], `${MARK}-key-of-a`);
  keyB = await createKey(vigil, 'b', ['ingest', 'query', 'admin'], 'key-of-b');

  await writeMetrics('a', { __name__: `${MARK}_secret_total`, job: 'iso', owner: `${MARK}-a`, [`${MARK}_label`]: 'x' }, 42);
  await writeMetrics('b', { __name__: 'b_visible_total', job: 'iso', owner: 'b' }, 7);
  await pushLine('a', { job: 'iso', owner: `${MARK}-a`, [`${MARK}_label`]: 'x' }, `${MARK} secret line of a`);
  await pushLine('b', { job: 'iso', owner: 'b' }, 'ordinary line of b');

  const fast = { groupWaitSeconds: 0, groupIntervalSeconds: 1, groupBy: ['...'] };
  await asA('/api/v1/channels', 'POST', { name: `${MARK}-chan`, type: 'webhook', url: `${receiver.url}/${MARK}`, ...fast });
  await asA('/api/v1/alarms', 'POST', {
    name: `${MARK}-alarm`,
    query: `${MARK}_secret_total`,
    periodSeconds: 2,
    threshold: 0,
    channels: [`${MARK}-chan`],
    annotations: { summary: `${MARK} summary` },
  });
  const silence = (await asA('/api/v1/silences', 'POST', {
    matchers: [{ name: 'owner', value: 'nobody', isRegex: false }],
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    createdBy: `${MARK}-author`,
    comment: `${MARK} silence`,
  })) as { data: { id: string } };
  silenceId = silence.data.id;
  await asA('/api/v1/metric-filters', 'POST', { name: `${MARK}-mf`, query: `{job="iso"} |= "${MARK}"`, metricName: `${MARK}_mf_lines` });
  const dash = (await asA('/api/v1/dashboards', 'POST', {
    title: `${MARK} dashboard`,
    panels: [{ id: 'p', title: `${MARK} panel`, type: 'timeseries', language: 'promql', query: `${MARK}_secret_total`, unit: '', grid: { x: 0, y: 0, w: 12, h: 8 } }],
  })) as { data: { id: string } };
  dashboardId = dash.data.id;
  await asA('/api/v1/scaling-groups', 'POST', { name: `${MARK}-sg`, min: 1, max: 5, desired: 2, webhook: { url: `${receiver.url}/scale-${MARK}`, secret: `${MARK}-signing-secret-0123456789` } });
  await asA('/api/v1/scaling-policies', 'POST', { name: `${MARK}-policy`, group: `${MARK}-sg`, type: 'targetTracking', query: `avg(${MARK}_secret_total)`, targetValue: 50 });
  // The alarm fires and its notification is delivered, so history and the outbox hold a's data.
  await pollUntil({ what: 'a notification of tenant a', timeoutMs: 30_000, intervalMs: 200 }, async () => {
    const res = await vigil.request('/api/v1/notifications?status=delivered', { tenant: 'a' });
    const text = await res.text();
    return text.includes(`${MARK}-alarm`) ? true : undefined;
  });
}, 120_000);

const range = `start=${NOW_S - 3600}&end=${NOW_S + 60}&step=15`;
const lokiRange = `start=${(NOW_S - 3600) * 1e9}&end=${(NOW_S + 600) * 1e9}`;
const q = (s: string) => encodeURIComponent(s);

/** Every read path that lists or searches; `a` must see {@link MARK} in the answer, `b` never. */
const LIST_PATHS = [
  `/api/v1/query?query=${q('{job="iso"}')}`,
  `/api/v1/query_range?query=${q('{job="iso"}')}&${range}`,
  `/api/v1/series?match[]=${q('{job="iso"}')}`,
  '/api/v1/labels',
  '/api/v1/label/__name__/values',
  '/api/v1/label/owner/values',
  '/api/v1/status/tsdb',
  `/api/v1/export?match[]=${q('{job="iso"}')}`,
  `/loki/api/v1/query_range?query=${q('{job="iso"}')}&${lokiRange}`,
  `/loki/api/v1/query?query=${q('sum by (owner) (count_over_time({job="iso"}[1h]))')}`,
  `/loki/api/v1/labels?${lokiRange}`,
  `/loki/api/v1/label/owner/values?${lokiRange}`,
  `/loki/api/v1/series?match[]=${q('{job="iso"}')}&${lokiRange}`,
  '/api/v1/alarms',
  '/api/v1/rules',
  '/api/v1/alerts',
  '/api/v1/channels',
  '/api/v1/silences',
  '/api/v1/notifications',
  '/api/v1/scaling-groups',
  '/api/v1/scaling-policies',
  '/api/v1/metric-filters',
  '/api/v1/dashboards',
  '/api/v1/keys',
];

/** Paths naming one of `a`'s objects: `b` gets 404 (the name may be echoed in the message). */
const NAMED_PATHS = () => [
  `/api/v1/alarms/${MARK}-alarm`,
  `/api/v1/alarms/${MARK}-alarm/history`,
  `/api/v1/alarms/${MARK}-alarm/backtest?from=${NOW_S - 60}`,
  `/api/v1/channels/${MARK}-chan`,
  `/api/v1/silences/${silenceId}`,
  `/api/v1/metric-filters/${MARK}-mf`,
  `/api/v1/dashboards/${dashboardId}`,
  `/api/v1/scaling-groups/${MARK}-sg`,
  `/api/v1/scaling-groups/${MARK}-sg/activities`,
  `/api/v1/scaling-groups/${MARK}-sg/backtest`,
  `/api/v1/scaling-policies/${MARK}-policy`,
];

type Caller = 'root as b' | "b's key";
const CALLERS: Caller[] = ['root as b', "b's key"];
const asB = (caller: Caller, path: string, init: RequestInit = {}) =>
  caller === 'root as b' ? vigil.request(path, { ...init, tenant: 'b' }) : vigil.request(path, { ...init, headers: { ...bearer(keyB.secret), ...init.headers } });

describe('tenant isolation on every read path', () => {
  it.each(LIST_PATHS)('%s shows tenant a its data and tenant b none of it', async (path) => {
    const resA = await vigil.request(path, { headers: bearer(keyA.secret) });
    const textA = await resA.text();
    expect(resA.status, textA).toBe(200);
    expect(textA, 'tenant a must see its own data here, or the check below proves nothing').toContain(MARK);
    for (const caller of CALLERS) {
      const res = await asB(caller, path);
      const text = await res.text();
      expect(res.status, `${caller}: ${text}`).toBe(200);
      expect(text, `${caller} sees tenant a's data`).not.toContain(MARK);
    }
  });

  it('shows tenant b its own data on the same paths (the answers are filtered, not empty)', async () => {
    const text = await (await asB("b's key", `/api/v1/series?match[]=${q('{job="iso"}')}`)).text();
    expect(text).toContain('b_visible_total');
    const logs = await (await asB("b's key", `/loki/api/v1/query_range?query=${q('{job="iso"}')}&${lokiRange}`)).text();
    expect(logs).toContain('ordinary line of b');
  });

  it('counts only the asking tenant in /loki/api/v1/index/stats', async () => {
    const stats = async (init: RequestInit) =>
      (await (await vigil.request(`/loki/api/v1/index/stats?query=${q(`{owner="${MARK}-a"}`)}&${lokiRange}`, init)).json()) as { streams: number; entries: number };
    expect((await stats({ headers: bearer(keyA.secret) })).streams).toBe(1);
    expect(await stats({ headers: bearer(keyB.secret) })).toMatchObject({ streams: 0, entries: 0 });
  });

  it('answers the query-based scaling endpoints from the asking tenant only', async () => {
    const keda = async (init: RequestInit) => (await (await vigil.request(`/api/v1/scaling/keda?query=${q(`sum(${MARK}_secret_total)`)}`, init)).text());
    expect(await keda({ headers: bearer(keyA.secret) })).toContain('42');
    expect(await keda({ headers: bearer(keyB.secret) })).not.toContain('42');
  });

  it.each(CALLERS)('answers 404 to %s for every object of tenant a named directly, and cannot change or delete it', async (caller) => {
    for (const path of NAMED_PATHS()) {
      const res = await asB(caller, path);
      const text = await res.text();
      expect(res.status, `${path}: ${text}`).toBe(404);
    }
    for (const [method, path] of [
      ['DELETE', `/api/v1/alarms/${MARK}-alarm`],
      ['DELETE', `/api/v1/channels/${MARK}-chan`],
      ['DELETE', `/api/v1/silences/${silenceId}`],
      ['DELETE', `/api/v1/metric-filters/${MARK}-mf`],
      ['DELETE', `/api/v1/dashboards/${dashboardId}`],
      ['DELETE', `/api/v1/scaling-policies/${MARK}-policy`],
      ['POST', `/api/v1/channels/${MARK}-chan/test`],
      // The root key may revoke any tenant's key by id (it lists them all with ?all=true); b's key may not.
      ...(caller === "b's key" ? ([['DELETE', `/api/v1/keys/${keyA.id}`]] as const) : []),
    ] as const) {
      const res = await asB(caller, path, { method });
      expect(res.status, `${method} ${path}: ${await res.text()}`).toBe(404);
    }
    // Everything of a is still there.
    for (const path of NAMED_PATHS()) expect((await vigil.request(path, { tenant: 'a' })).status, path).toBe(200);
    expect(((await asA('/api/v1/keys')) as { data: Array<{ id: string; revokedAt: string | null }> }).data.find((k) => k.id === keyA.id)?.revokedAt).toBeNull();
  });

  it("refuses b's key when it names tenant a in X-Scope-OrgID (403), on reads and writes", async () => {
    for (const path of [...LIST_PATHS, '/api/v1/write', '/loki/api/v1/push']) {
      const method = path.endsWith('/write') || path.endsWith('/push') ? 'POST' : 'GET';
      const res = await vigil.request(path, { method, headers: { ...bearer(keyB.secret), 'x-scope-orgid': 'a' }, ...(method === 'POST' ? { body: '' } : {}) });
      const text = await res.text();
      expect(res.status, `${path}: ${text}`).toBe(403);
      expect(text).not.toContain(MARK);
    }
  });
});

describe('live tail isolation', () => {
  it("never sends tenant a's lines to tenant b's tail, while a's tail gets them", async () => {
    const path = `/loki/api/v1/tail?query=${q('{job="iso"}')}`;
    const tailA = await openWebSocket(vigil, path, bearer(keyA.secret));
    const tailB = await openWebSocket(vigil, path, bearer(keyB.secret));
    const tailRootB = await openWebSocket(vigil, path, { ...bearer(vigil.rootKey), 'x-scope-orgid': 'b' });
    try {
      expect([tailA.status, tailB.status, tailRootB.status]).toEqual([101, 101, 101]);
      // Give the tails a moment to register before writing.
      await sleep(300);
      for (let i = 0; i < 3; i++) {
        await pushLine('a', { job: 'iso', owner: `${MARK}-a` }, `${MARK} live line ${i}`);
        await pushLine('b', { job: 'iso', owner: 'b' }, `b live line ${i}`);
      }
      await pollUntil({ what: 'the live lines in the tails of a and b', timeoutMs: 15_000, intervalMs: 100 }, async () =>
        tailA.frames.join('').includes(`${MARK} live line 2`) && tailB.frames.join('').includes('b live line 2') && tailRootB.frames.join('').includes('b live line 2')
          ? true
          : undefined,
      );
      expect(tailB.frames.join('\n')).not.toContain(MARK);
      expect(tailRootB.frames.join('\n')).not.toContain(MARK);
    } finally {
      tailA.close();
      tailB.close();
      tailRootB.close();
    }
  });

  it("refuses b's key tailing tenant a (orgId parameter or header)", async () => {
    const path = `/loki/api/v1/tail?query=${q('{job="iso"}')}`;
    const viaHeader = await openWebSocket(vigil, path, { ...bearer(keyB.secret), 'x-scope-orgid': 'a' });
    const viaParam = await openWebSocket(vigil, `${path}&orgId=a`, bearer(keyB.secret));
    viaHeader.close();
    viaParam.close();
    expect([viaHeader.status, viaParam.status]).toEqual([403, 403]);
  });
});
