import { once } from 'node:events';
import pino from 'pino';
import pinoLoki from 'pino-loki';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import winston from 'winston';
import LokiTransport from 'winston-loki';
import { useProcessManager } from './lib/process-manager.js';
import { TEST_ROOT_KEY, type VigilServer, startVigil } from './lib/vigil-server.js';
import { pollUntil } from './lib/wait.js';

/*
 * Loki compatibility from the outside (issue 4): real npm Loki clients push to a real `vigil server`
 * process and LogQL finds their lines; then the requests Grafana's Loki datasource sends
 * (reference/protocols.md §2.3) are replayed against the API.
 */

const processes = useProcessManager();
let vigil: VigilServer;

beforeAll(async () => {
  vigil = await startVigil(processes);
});

interface LokiStream {
  stream: Record<string, string>;
  values: [string, string][];
}
interface LokiSeries {
  metric: Record<string, string>;
  values?: [number, string][];
  value?: [number, string];
}
interface LokiAnswer<T> {
  status: string;
  data: { resultType: string; result: T[]; stats?: unknown };
}

/** Basic auth as Grafana and the Loki clients send it: any user name, the API key as password. */
function basicAuth(user = 'grafana'): string {
  return `Basic ${Buffer.from(`${user}:${TEST_ROOT_KEY}`).toString('base64')}`;
}

/** GETs a Loki API path for `tenant` with Basic auth and returns status and parsed JSON (or text). */
async function lokiGet(tenant: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown; text: string }> {
  const res = await vigil.request(path, { tenant, headers: { authorization: basicAuth(), ...headers } });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // plain-text answer (errors may be plain text)
  }
  return { status: res.status, body, text };
}

/** Runs a LogQL log query over the last hour (forward) and returns its streams. */
async function queryStreams(tenant: string, logql: string): Promise<LokiStream[]> {
  const { status, body, text } = await lokiGet(tenant, `/loki/api/v1/query_range?query=${encodeURIComponent(logql)}&since=1h&limit=1000&direction=forward`);
  if (status !== 200) throw new Error(`query_range ${logql} answered ${status}: ${text}`);
  const answer = body as LokiAnswer<LokiStream>;
  expect(answer.data.resultType).toBe('streams');
  return answer.data.result;
}

/** Polls until `logql` finds at least `count` lines; returns the streams. */
function waitForLines(tenant: string, logql: string, count: number): Promise<LokiStream[]> {
  return pollUntil({ what: `${count} lines for ${logql} (tenant ${tenant})`, timeoutMs: 15_000, intervalMs: 100 }, async (note) => {
    const streams = await queryStreams(tenant, logql);
    note(JSON.stringify(streams));
    return streams.reduce((n, s) => n + s.values.length, 0) >= count ? streams : undefined;
  });
}

const lines = (streams: LokiStream[]) => streams.flatMap((s) => s.values.map((v) => v[1]));

/** The internals of winston-loki's transport that say which wire format it chose. */
interface WinstonLokiInternals {
  batcher: { contentType: string; options: { json?: boolean } };
}

describe('winston-loki pushing to Vigil', () => {
  for (const mode of ['protobuf', 'json'] as const) {
    it(`pushes lines with labels as ${mode} that LogQL finds`, async () => {
      const tenant = `winston-${mode}`;
      const errors: unknown[] = [];
      const transport = new LokiTransport({
        host: vigil.url,
        basicAuth: `winston:${TEST_ROOT_KEY}`,
        headers: { 'X-Scope-OrgID': tenant },
        labels: { job: 'winston-app', mode },
        json: mode === 'json',
        interval: 0.2,
        gracefulShutdown: false,
        format: winston.format.printf((info) => `${info.message}`),
        onConnectionError: (err) => errors.push(err),
      });
      // winston-loki falls back to JSON when its optional `snappy` dependency does not load:
      // make sure the protobuf case really sends snappy protobuf.
      const internals = transport as unknown as WinstonLokiInternals;
      expect(internals.batcher.contentType).toBe(mode === 'protobuf' ? 'application/x-protobuf' : 'application/json');
      const logger = winston.createLogger({ level: 'debug', transports: [transport] });
      // Several lines in the same millisecond (winston-loki stamps Date.now()): all must be kept.
      logger.info(`${mode} order 1 accepted`);
      logger.info(`${mode} order 2 accepted`);
      logger.warn(`${mode} order 3 slow`, { labels: { component: 'payments' } });
      logger.error(`${mode} order 4 failed`, { orderId: 4 });
      await transport.close();
      logger.close();
      expect(errors).toEqual([]);

      const all = await waitForLines(tenant, '{job="winston-app"}', 4);
      expect(lines(all).sort()).toEqual([`${mode} order 1 accepted`, `${mode} order 2 accepted`, `${mode} order 3 slow`, `${mode} order 4 failed`]);
      for (const s of all) for (const [ts] of s.values) expect(ts).toMatch(/^\d{19}$/);

      const info = await queryStreams(tenant, `{job="winston-app", mode="${mode}", level="info"}`);
      expect(info).toHaveLength(1);
      expect(info[0]!.stream).toMatchObject({ job: 'winston-app', mode, level: 'info' });
      expect(lines(info).sort()).toEqual([`${mode} order 1 accepted`, `${mode} order 2 accepted`]);

      const warn = await queryStreams(tenant, '{component="payments"}');
      expect(warn.map((s) => s.stream)).toEqual([expect.objectContaining({ job: 'winston-app', level: 'warn', component: 'payments' })]);
      expect(lines(warn)).toEqual([`${mode} order 3 slow`]);

      const failed = await queryStreams(tenant, '{job="winston-app"} |= "failed"');
      expect(lines(failed)).toEqual([`${mode} order 4 failed`]);
      expect(failed[0]!.stream).toMatchObject({ level: 'error' });
      if (mode === 'json') {
        // winston-loki's JSON body carries the winston meta as structured metadata (protobuf does not).
        const byMeta = await queryStreams(tenant, '{job="winston-app"} | orderId="4"');
        expect(lines(byMeta)).toEqual([`${mode} order 4 failed`]);
      }
    });
  }

  it('reports a wrong key as the server answer 401 to onConnectionError', async () => {
    const errors: Array<{ statusCode?: number }> = [];
    const transport = new LokiTransport({
      host: vigil.url,
      basicAuth: 'winston:not-a-key',
      labels: { job: 'winston-denied' },
      batching: false,
      gracefulShutdown: false,
      onConnectionError: (err) => errors.push(err as { statusCode?: number }),
    });
    const logger = winston.createLogger({ transports: [transport] });
    // winston-loki also prints the rejected push with console.error: keep the test output clean.
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    const logged = new Promise<void>((resolve) => transport.once('logged', () => resolve()));
    logger.info('should be refused');
    await logged;
    try {
      await pollUntil({ what: 'the 401 reported by winston-loki', timeoutMs: 5_000, intervalMs: 50 }, async () => (errors.length > 0 ? true : undefined));
      await transport.close();
      logger.close();
    } finally {
      consoleError.mockRestore();
    }
    expect(errors[0]!.statusCode).toBe(401);
  });
});

describe('pino-loki pushing to Vigil', () => {
  it('pushes a batch of JSON lines with labels and structured metadata that LogQL finds', async () => {
    const tenant = 'pino';
    const stream = pinoLoki({
      host: vigil.url,
      basicAuth: { username: 'pino', password: TEST_ROOT_KEY },
      headers: { 'X-Scope-OrgID': tenant },
      labels: { job: 'pino-app' },
      propsToLabels: ['component'],
      batching: { interval: 0.3 },
      silenceErrors: false,
    });
    const logger = pino({ base: { hostname: 'e2e-pino-host' }, level: 'debug' }, stream);
    logger.info({ component: 'checkout', orderId: 42 }, 'order placed');
    logger.info({ component: 'checkout', orderId: 43, meta: { traceId: 'trace-43' } }, 'order placed');
    logger.warn({ component: 'checkout', orderId: 44 }, 'payment slow');
    logger.error({ component: 'inventory', sku: 'A-1' }, 'out of stock');
    logger.debug('cache warmed');

    // pino-loki sends the whole batch in one request after its interval, each line as its own
    // stream object (same labels repeated).
    const all = await waitForLines(tenant, '{job="pino-app"}', 5);
    stream.end();
    await once(stream, 'close');

    const parsed = lines(all).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((l) => l.msg).sort()).toEqual(['cache warmed', 'order placed', 'order placed', 'out of stock', 'payment slow']);
    for (const s of all) for (const [ts] of s.values) expect(ts).toMatch(/^\d{19}$/);
    // Structured metadata (pino-loki's `meta` key) comes back as labels of the entry, as Loki
    // answers without `X-Loki-Response-Encoding-Flags: categorize-labels`.
    const byLabels = all.map((s) => ({ labels: s.stream, count: s.values.length }));
    const common = { job: 'pino-app', hostname: 'e2e-pino-host' };
    expect(byLabels).toHaveLength(5);
    expect(byLabels).toEqual(expect.arrayContaining([
      { labels: { ...common, component: 'checkout', level: 'info' }, count: 1 },
      { labels: { ...common, component: 'checkout', level: 'info', traceId: 'trace-43' }, count: 1 },
      { labels: { ...common, component: 'checkout', level: 'warning' }, count: 1 },
      { labels: { ...common, component: 'inventory', level: 'error' }, count: 1 },
      { labels: { ...common, level: 'debug' }, count: 1 },
    ]));
    const traced = await queryStreams(tenant, '{job="pino-app"} | traceId="trace-43"');
    expect(lines(traced).map((l) => (JSON.parse(l) as { orderId: number }).orderId)).toEqual([43]);

    // LogQL over pino's JSON lines: the json parser and a numeric label filter.
    const big = await queryStreams(tenant, '{job="pino-app", component="checkout"} | json | orderId >= 43');
    expect(lines(big).map((l) => (JSON.parse(l) as { orderId: number }).orderId).sort()).toEqual([43, 44]);
    const warning = await queryStreams(tenant, '{job="pino-app", level="warning"}');
    expect(lines(warning).map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['payment slow']);
  });
});

describe("Grafana's Loki datasource requests (reference/protocols.md §2.3)", () => {
  const tenant = 'grafana';
  const nowMs = Date.now();
  // 12 lines 10 s apart, from 5 s past the minute 10-11 minutes ago; every third is an error.
  const baseMs = Math.floor((nowMs - 10 * 60_000) / 60_000) * 60_000 + 5_000;
  const entries = Array.from({ length: 12 }, (_, i) => ({
    ns: `${baseMs + i * 10_000}000000`,
    level: i % 3 === 0 ? 'error' : 'info',
    line: `level=${i % 3 === 0 ? 'error' : 'info'} msg="request ${i}" duration=${i * 10}ms`,
  }));
  const startNs = `${nowMs - 3_600_000}000000`;
  const endNs = `${nowMs}000000`;
  const selector = '{job="grafana-e2e"}';

  beforeAll(async () => {
    const streams = ['info', 'error'].map((level) => ({
      stream: { job: 'grafana-e2e', level },
      values: entries.filter((e) => e.level === level).map((e) => [e.ns, e.line]),
    }));
    const res = await vigil.request('/loki/api/v1/push', {
      method: 'POST',
      tenant,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streams }),
    });
    expect(res.status, await res.text()).toBe(204);
  });

  it('Save & test: vector(1)+vector(1) at time=4000000000 gives one sample 2', async () => {
    const { status, body } = await lokiGet(tenant, '/loki/api/v1/query?query=vector(1)%2Bvector(1)&time=4000000000&direction=backward');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [4, '2'] }] } });
    expect((body as LokiAnswer<LokiSeries>).data.result).toHaveLength(1);
  });

  it('range log query: streams newest first with ns string timestamps, limit across streams', async () => {
    const path = `/loki/api/v1/query_range?query=${encodeURIComponent(selector)}&direction=backward&limit=1000&start=${startNs}&end=${endNs}&step=60000ms`;
    const { status, body, text } = await lokiGet(tenant, path, { 'X-Query-Tags': 'Source=grafana-explore' });
    expect(status, text).toBe(200);
    const answer = body as LokiAnswer<LokiStream>;
    expect(answer.status).toBe('success');
    expect(answer.data.resultType).toBe('streams');
    expect(answer.data.result.map((s) => s.stream).sort((a, b) => a.level!.localeCompare(b.level!))).toEqual([
      { job: 'grafana-e2e', level: 'error' },
      { job: 'grafana-e2e', level: 'info' },
    ]);
    for (const s of answer.data.result) {
      const expected = entries.filter((e) => e.level === s.stream.level).reverse();
      expect(s.values).toEqual(expected.map((e) => [e.ns, e.line]));
    }

    // limit keeps the newest lines over all streams; forward gives the oldest, oldest first.
    const limited = (await lokiGet(tenant, path.replace('limit=1000', 'limit=5'))).body as LokiAnswer<LokiStream>;
    expect(limited.data.result.flatMap((s) => s.values.map((v) => v[0])).sort()).toEqual(entries.slice(-5).map((e) => e.ns));
    const forward = (await lokiGet(tenant, path.replace('limit=1000', 'limit=5').replace('backward', 'forward'))).body as LokiAnswer<LokiStream>;
    const forwardTs = forward.data.result.flatMap((s) => s.values.map((v) => v[0]));
    expect([...forwardTs].sort()).toEqual(entries.slice(0, 5).map((e) => e.ns));
    for (const s of forward.data.result) expect(s.values.map((v) => v[0])).toEqual([...s.values.map((v) => v[0])].sort());
  });

  it('logs volume histogram: sum by (level) (count_over_time(...[1m])) is a matrix counting every line', async () => {
    const query = `sum by (level) (count_over_time(${selector}[1m]))`;
    const path = `/loki/api/v1/query_range?query=${encodeURIComponent(query)}&direction=backward&limit=1000&start=${startNs}&end=${endNs}&step=60000ms`;
    const { status, body, text } = await lokiGet(tenant, path, { 'X-Query-Tags': 'Source=logvolhist' });
    expect(status, text).toBe(200);
    const answer = body as LokiAnswer<LokiSeries>;
    expect(answer.data.resultType).toBe('matrix');
    const totals: Record<string, number> = {};
    for (const series of answer.data.result) {
      expect(Object.keys(series.metric)).toEqual(['level']);
      const ts = series.values!.map((v) => v[0]);
      expect(ts).toEqual([...ts].sort((a, b) => a - b));
      for (const [t, v] of series.values!) {
        expect(typeof t).toBe('number');
        expect(typeof v).toBe('string');
        totals[series.metric.level!] = (totals[series.metric.level!] ?? 0) + Number(v);
      }
    }
    expect(totals).toEqual({ error: 4, info: 8 });
  });

  it('instant metric query at time=<ns> is a vector', async () => {
    const query = `sum by (level) (count_over_time(${selector}[1h]))`;
    const { status, body, text } = await lokiGet(tenant, `/loki/api/v1/query?query=${encodeURIComponent(query)}&time=${endNs}&direction=backward&limit=1000`, {
      'X-Query-Tags': 'Source=datasample',
    });
    expect(status, text).toBe(200);
    const answer = body as LokiAnswer<LokiSeries>;
    expect(answer.data.resultType).toBe('vector');
    const got = Object.fromEntries(answer.data.result.map((s) => [s.metric.level, s.value![1]]));
    expect(got).toEqual({ error: '4', info: '8' });
    expect(answer.data.result[0]!.value![0]).toBe(nowMs / 1000);
  });

  it('editor: labels, label values, series and index stats', async () => {
    const range = `start=${startNs}&end=${endNs}`;
    expect((await lokiGet(tenant, `/loki/api/v1/labels?${range}`)).body).toEqual({ status: 'success', data: ['job', 'level'] });
    expect((await lokiGet(tenant, `/loki/api/v1/labels?${range}&query=${encodeURIComponent(selector)}`)).body).toEqual({
      status: 'success',
      data: ['job', 'level'],
    });
    expect((await lokiGet(tenant, `/loki/api/v1/label/level/values?${range}`)).body).toEqual({ status: 'success', data: ['error', 'info'] });
    expect((await lokiGet(tenant, `/loki/api/v1/label/job/values?${range}&query=${encodeURIComponent('{level="error"}')}`)).body).toEqual({
      status: 'success',
      data: ['grafana-e2e'],
    });
    const series = (await lokiGet(tenant, `/loki/api/v1/series?match[]=${encodeURIComponent(selector)}&${range}`)).body as { status: string; data: Record<string, string>[] };
    expect(series.status).toBe('success');
    expect(series.data.sort((a, b) => a.level!.localeCompare(b.level!))).toEqual([
      { job: 'grafana-e2e', level: 'error' },
      { job: 'grafana-e2e', level: 'info' },
    ]);
    const stats = await lokiGet(tenant, `/loki/api/v1/index/stats?query=${encodeURIComponent(selector)}&${range}`);
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ streams: 2, entries: 12 });
    const bytes = entries.reduce((n, e) => n + Buffer.byteLength(e.line), 0);
    expect((stats.body as { bytes: number }).bytes).toBe(bytes);
    expect((stats.body as { chunks: number }).chunks).toBeGreaterThan(0);
  });

  it('optional endpoints Grafana probes answer without a server error (it falls back on 4xx)', async () => {
    const range = `start=${startNs}&end=${endNs}`;
    const answers: Record<string, number> = {};
    for (const path of [
      `/loki/api/v1/detected_labels?${range}&query=${encodeURIComponent(selector)}`,
      `/loki/api/v1/detected_fields?${range}&query=${encodeURIComponent(selector)}`,
      `/loki/api/v1/patterns?${range}&query=${encodeURIComponent(selector)}`,
    ]) {
      const { status } = await lokiGet(tenant, path);
      answers[path.split('?')[0]!] = status;
      expect(status, path).toBeLessThan(500);
    }
    // What Vigil answers today: not implemented, so 404 (Grafana falls back to /labels).
    expect(answers).toEqual({
      '/loki/api/v1/detected_labels': 404,
      '/loki/api/v1/detected_fields': 404,
      '/loki/api/v1/patterns': 404,
    });
    const build = await lokiGet(tenant, '/loki/api/v1/status/buildinfo');
    expect(build.status).toBe(200);
    expect(build.body).toMatchObject({ version: expect.any(String) });
  });
});
