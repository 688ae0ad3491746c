import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { superviseAgent } from './agent-supervisor.js';
import { type AgentConfig, parseConfig } from './config/agent-config.js';
import type { Logger } from './log.js';
import { runAgent } from './run-agent.js';
import { TestReceiver, waitFor } from './testing/test-receiver.js';

const dirs: string[] = [];
let receiver: TestReceiver;
afterEach(async () => {
  await receiver?.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'vigil-agent-'));
  dirs.push(d);
  return d;
}

function config(url: string, stateDir: string, logGlob: string, extra = ''): AgentConfig {
  return parseConfig(`
server: { url: "${url}", apiKey: test-key, timeout: 2s }
host: test-host
labels: { group: web }
stateDir: ${stateDir}
metrics:
  interval: 1s
  host: { collectors: [loadavg, meminfo] }
logs:
  pollInterval: 20ms
  batchWait: 50ms
  sources:
    - paths: ["${logGlob}"]
      labels: { job: app }
      startAt: beginning
queue: { fsync: false }
send: { minBackoff: 20ms, maxBackoff: 100ms }
${extra}`);
}

const lines = (from: number, to: number): string => Array.from({ length: to - from }, (_, i) => `line ${from + i}\n`).join('');
const expected = (from: number, to: number): string[] => lines(from, to).trim().split('\n');

/** Every `vigil_agent_up` sample timestamp received. */
function heartbeatTimes(r: TestReceiver): number[] {
  return r
    .series()
    .filter((s) => s.labels.some(([k, v]) => k === '__name__' && v === 'vigil_agent_up'))
    .flatMap((s) => s.samples.map((x) => x.timestampMs));
}

describe('runAgent', () => {
  it('ships host metrics and log lines with host and static labels, auth, sorted labels and its own metrics', async () => {
    receiver = await new TestReceiver().start();
    const logs = tempDir();
    writeFileSync(join(logs, 'app.log'), '{"level":"error","msg":"boom"}\n');
    const ac = new AbortController();
    const done = runAgent(config(receiver.url, tempDir(), join(logs, '*.log')), ac.signal);
    await waitFor(() => receiver.lines().length === 1 && receiver.series().length > 0);
    ac.abort();
    await done;

    const write = receiver.requests.find((r) => r.path === '/api/v1/write')!;
    expect(write.headers).toMatchObject({
      authorization: 'Bearer test-key',
      'content-encoding': 'snappy',
      'content-type': 'application/x-protobuf',
      'x-prometheus-remote-write-version': '0.1.0',
    });
    const series = receiver.series();
    for (const s of series) {
      const names = s.labels.map(([k]) => k);
      expect(names).toEqual([...names].sort());
      expect(s.labels).toContainEqual(['host', 'test-host']);
      expect(s.labels).toContainEqual(['group', 'web']);
    }
    const names = new Set(series.map((s) => s.labels.find(([k]) => k === '__name__')![1]));
    for (const n of ['node_load1', 'node_memory_MemTotal_bytes', 'vigil_agent_up', 'vigil_agent_build_info', 'vigil_agent_queue_bytes', 'vigil_agent_dropped_batches_total', 'vigil_agent_retries_total']) {
      expect(names, n).toContain(n);
    }
    const push = receiver.requests.find((r) => r.path === '/loki/api/v1/push')!;
    expect(push.headers).toMatchObject({ authorization: 'Bearer test-key', 'content-type': 'application/x-protobuf' });
    expect(push.headers['content-encoding']).toBeUndefined();
    expect(receiver.streams()[0]!.labels).toBe(`{filename="${join(logs, 'app.log')}", group="web", host="test-host", job="app", level="error"}`);
  });

  it('delivers every line and sample exactly once after a server outage, across an agent restart during it', async () => {
    receiver = await new TestReceiver().start();
    let down = true;
    receiver.respond = () => (down ? { status: 503, headers: { 'Retry-After': '0' } } : { status: 204 });
    const logs = tempDir();
    const state = tempDir();
    const log = join(logs, 'app.log');
    writeFileSync(log, lines(0, 100));
    const cfg = config(receiver.url, state, join(logs, '*.log'));

    const ac1 = new AbortController();
    const first = runAgent(cfg, ac1.signal);
    await waitFor(() => receiver.requests.filter((r) => r.status === 503).length >= 5);
    appendFileSync(log, lines(100, 200));
    await new Promise((r) => setTimeout(r, 1200));
    ac1.abort(); // restart while the server is still down
    await first;
    appendFileSync(log, lines(200, 300)); // written while the agent is stopped
    const ac2 = new AbortController();
    const second = runAgent(cfg, ac2.signal);
    appendFileSync(log, lines(300, 400));
    await new Promise((r) => setTimeout(r, 1200));
    expect(receiver.lines()).toEqual([]);
    down = false;
    await waitFor(() => receiver.lines().length >= 400, 15_000, 'all lines');
    await new Promise((r) => setTimeout(r, 300));
    ac2.abort();
    await second;

    expect(receiver.lines()).toEqual(expected(0, 400));
    const times = heartbeatTimes(receiver);
    expect(new Set(times).size).toBe(times.length); // no collection sent twice
    expect(times.length).toBeGreaterThanOrEqual(4); // collections made during the outage in both runs arrived
    const sorted = [...times].sort((a, b) => a - b);
    const retries = receiver.requests.filter((r) => r.status === 503).length;
    expect(retries).toBeGreaterThan(10);
    expect(sorted[0]).toBeLessThan(sorted.at(-1)! - 2000);
  });

  it('reloads its configuration and keeps running when the new file is invalid', async () => {
    const runs: AgentConfig[] = [];
    const errors: string[] = [];
    const logger: Logger = { info: () => {}, error: (m) => errors.push(m) };
    const files = ['host: a', 'host: b', 'host: [not valid'];
    const ac = new AbortController();
    const agent = superviseAgent(ac.signal, {
      load: () => parseConfig(files.shift()!),
      logger,
      run: async (c, signal) => {
        runs.push(c);
        await new Promise<void>((r) => signal.addEventListener('abort', () => r()));
      },
    });
    expect(await agent.reload()).toBe(true);
    expect(await agent.reload()).toBe(false);
    expect(runs.map((c) => c.host)).toEqual(['a', 'b']);
    expect(errors[0]).toMatch(/reload failed, keeping the running configuration/);
    ac.abort();
    await agent.done;
  });

  it('ends with the error when the agent cannot run, so the service manager restarts it', async () => {
    const agent = superviseAgent(new AbortController().signal, {
      load: () => parseConfig('host: a'),
      logger: { info: () => {}, error: () => {} },
      run: async () => {
        throw new Error('state directory not writable');
      },
    });
    await expect(agent.done).rejects.toThrow('state directory not writable');
  });
});
