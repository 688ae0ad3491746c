/**
 * TQ-5, ReDoS: user regexes run in linear time everywhere they are accepted — PromQL `=~`/`!~`
 * (queries, series and label APIs), LogQL line filters `|~`/`!~`, label filters after a parser,
 * and silence matchers evaluated against alert labels. Each catastrophic pattern runs against
 * values that would take hours with backtracking (2000-character label values, 100 KB lines);
 * every answer comes in under {@link BOUND_MS}, and the server keeps answering its health check
 * meanwhile.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { useProcessManager } from '../lib/process-manager.js';
import { REMOTE_WRITE_HEADERS, remoteWriteBody } from '../lib/remote-write.js';
import { type VigilServer, startVigil } from '../lib/vigil-server.js';
import { pollUntil } from '../lib/wait.js';
import { localReceiver } from './helpers.js';

/**
 * Generous bound for one request: a backtracking engine needs hours on these inputs, a linear one
 * well under 1 s; the slack is for the shared 2-core machine under a full test run.
 */
const BOUND_MS = 5000;
/** Patterns that are exponential or high-polynomial for a backtracking engine on `aaaa…`. */
const PATTERNS = ['(a+)+b', '(a|a)*b', '(a|aa)+c', '(.*a){12}b', 'a*a*a*a*a*a*b'];
const LONG_VALUE = 'a'.repeat(2000);
const LONG_LINE = 'a'.repeat(100_000);

const processes = useProcessManager();
let vigil: VigilServer;
const q = encodeURIComponent;

beforeAll(async () => {
  vigil = await startVigil(processes, { config: "alerting:\n  allowDestinations: ['127.0.0.0/8']\n" });
  const write = await vigil.request('/api/v1/write', {
    method: 'POST',
    headers: REMOTE_WRITE_HEADERS,
    body: remoteWriteBody(
      Array.from({ length: 20 }, (_, i) => ({
        labels: { __name__: 'redos_metric', v: `${LONG_VALUE}${i}`, job: 'redos' },
        samples: [{ timestampMs: Date.now() - 1000, value: i }],
      })),
    ),
  });
  expect(write.status, await write.text()).toBe(204);
  const ns = BigInt(Date.now()) * 1_000_000n;
  const push = await vigil.request('/loki/api/v1/push', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      streams: [
        { stream: { job: 'redos' }, values: Array.from({ length: 10 }, (_, i) => [`${ns - BigInt(i) * 1000n}`, LONG_LINE]) },
        { stream: { job: 'redos-logfmt' }, values: [[`${ns}`, `key=${LONG_VALUE} other=x`]] },
      ],
    }),
  });
  expect(push.status, await push.text()).toBe(204);
}, 120_000);

/** GETs `path`, expecting an answer (any status but 5xx) within {@link BOUND_MS}. */
async function timed(path: string): Promise<{ ms: number; status: number; text: string }> {
  const started = performance.now();
  const res = await vigil.request(path, { timeoutMs: 30_000 });
  const text = await res.text();
  const ms = performance.now() - started;
  expect(res.status, `${path}: ${text.slice(0, 300)}`).toBeLessThan(500);
  expect(ms, path).toBeLessThan(BOUND_MS);
  return { ms, status: res.status, text };
}

const now = () => Math.floor(Date.now() / 1000);
const lokiRange = () => `start=${(now() - 600) * 1e9}&end=${(now() + 60) * 1e9}&limit=100`;

describe('regex matchers run in linear time', () => {
  it.each(PATTERNS)('PromQL =~ and !~ with %s over 2000-character label values', async (re) => {
    const eq = await timed(`/api/v1/query?query=${q(`count(redos_metric{v=~"${re}"})`)}`);
    expect(eq.status).toBe(200);
    expect(JSON.parse(eq.text).data.result).toEqual([]);
    const ne = await timed(`/api/v1/query?query=${q(`count(redos_metric{v!~"${re}"})`)}`);
    expect(JSON.parse(ne.text).data.result[0].value[1]).toBe('20');
    await timed(`/api/v1/series?match[]=${q(`{v=~"${re}"}`)}`);
    await timed(`/api/v1/label/v/values?match[]=${q(`{job="redos", v=~"${re}"}`)}`);
    await timed(`/api/v1/query?query=${q(`count(label_replace(redos_metric, "x", "$1", "v", "${re}"))`)}`);
  });

  it.each(PATTERNS)('LogQL |~, !~ and label filters with %s over 100 KB lines', async (re) => {
    const hit = await timed(`/loki/api/v1/query_range?query=${q(`{job="redos"} |~ \`${re}\``)}&${lokiRange()}`);
    expect(hit.status).toBe(200);
    expect(JSON.parse(hit.text).data.result).toEqual([]);
    const miss = await timed(`/loki/api/v1/query_range?query=${q(`{job="redos"} !~ \`${re}\``)}&${lokiRange()}`);
    expect(JSON.parse(miss.text).data.result[0].values).toHaveLength(10);
    await timed(`/loki/api/v1/query_range?query=${q(`{job="redos-logfmt"} | logfmt | key=~\`${re}\``)}&${lokiRange()}`);
    await timed(`/loki/api/v1/query_range?query=${q(`{job=~"redos.*"} | regexp \`(?P<x>${re})\``)}&${lokiRange()}`);
    await timed(`/loki/api/v1/query?query=${q(`sum(count_over_time({job="redos"} |~ \`${re}\` [10m]))`)}`);
  });
});

describe('silence matchers', () => {
  it('match alert labels in linear time: deliveries go on and the server stays responsive', async () => {
    const receiver = await localReceiver();
    try {
      const post = async (path: string, body: unknown) => {
        const res = await vigil.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: res.status, text: await res.text() };
      };
      // Patterns the silence parser refuses are fine too; those it accepts must run in linear time.
      const accepted: string[] = [];
      for (const re of PATTERNS) {
        const res = await post('/api/v1/silences', { matchers: [{ name: 'v', value: re, isRegex: true }], endsAt: new Date(Date.now() + 3_600_000).toISOString(), createdBy: 'redos', comment: re });
        expect([201, 400], res.text).toContain(res.status);
        if (res.status === 201) accepted.push(re);
      }
      expect(accepted.length, 'at least one catastrophic pattern reaches the matcher').toBeGreaterThan(0);
      expect((await post('/api/v1/channels', { name: 'hook', type: 'webhook', url: `${receiver.url}/hook`, groupWaitSeconds: 0, groupIntervalSeconds: 1, groupBy: ['...'] })).status).toBe(201);
      expect((await post('/api/v1/alarms', { name: 'redos-alarm', query: 'redos_metric', periodSeconds: 2, threshold: -1, channels: ['hook'] })).status).toBe(201);
      const worstMs = { value: 0 };
      const watch = (async () => {
        while (receiver.hits.length === 0) {
          const started = performance.now();
          await (await vigil.request('/-/healthy', { timeoutMs: 60_000 })).text();
          worstMs.value = Math.max(worstMs.value, performance.now() - started);
          await sleep(50);
        }
      })();
      await pollUntil({ what: 'the notification (no silence matches)', timeoutMs: 30_000, intervalMs: 100 }, async () => (receiver.hits.length > 0 ? true : undefined));
      await watch;
      expect(worstMs.value, 'the event loop was blocked').toBeLessThan(BOUND_MS);
      const alerts = JSON.parse(receiver.hits[0]!.body).alerts as unknown[];
      expect(alerts.length).toBeGreaterThan(0);
    } finally {
      await receiver.close();
    }
  });
});
