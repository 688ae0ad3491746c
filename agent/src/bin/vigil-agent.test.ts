import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TestReceiver, waitFor } from '../testing/test-receiver.js';

const BIN = fileURLToPath(new URL('./vigil-agent.ts', import.meta.url));
const FIXTURE_ROOT = fileURLToPath(new URL('../../testdata/host', import.meta.url));
const PKG = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string };

const dirs: string[] = [];
const children: ChildProcess[] = [];
let receiver: TestReceiver | undefined;
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await receiver?.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  dirs.push(d);
  return d;
}

function start(args: string[]): { child: ChildProcess; out: () => string; err: () => string; exit: Promise<number> } {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d;
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d;
  });
  const exit = new Promise<number>((r) => child.on('exit', (code, signal) => r(code ?? (signal ? 128 : 0))));
  return { child, out: () => out, err: () => err, exit };
}

function writeConfig(dir: string, body: string): string {
  const path = join(dir, 'config.yml');
  writeFileSync(path, body);
  return path;
}

describe('vigil-agent CLI', () => {
  it('--once prints one collection in Prometheus text format with host and static labels', async () => {
    const cfg = writeConfig(tempDir(), `host: web-1\nlabels: { group: web }\nmetrics: { host: { root: ${FIXTURE_ROOT}, collectors: [loadavg, stat, uname] } }\n`);
    const run = start(['--once', '--config', cfg]);
    expect(await run.exit).toBe(0);
    const out = run.out();
    expect(out).toContain('# TYPE node_load1 gauge\nnode_load1{group="web",host="web-1"} 0.42\n');
    expect(out).toContain('node_cpu_seconds_total{cpu="0",group="web",host="web-1",mode="user"} 1.5\n');
    expect(out).toContain('node_uname_info{domainname="(none)",group="web",host="web-1",machine="x86_64"');
    expect(out).toContain(`vigil_agent_build_info{group="web",host="web-1",nodejs="${process.version}",version="${PKG.version}"} 1`);
    expect(out).toContain('vigil_agent_up{group="web",host="web-1"} 1');
  });

  it('check-config exits 0 for a valid file and 1 with every problem for an invalid one', async () => {
    const dir = tempDir();
    const good = start(['check-config', '--config', writeConfig(dir, 'server: { url: "http://127.0.0.1:9400", apiKey: k }\n')]);
    expect(await good.exit).toBe(0);
    expect(good.out()).toMatch(/valid \(0 log sources, 0 scrape jobs, server http:\/\/127.0.0.1:9400\)/);
    const path = writeConfig(dir, 'server: { url: "http://x:1" }\nlogs:\n  sources:\n    - paths: [/var/log/*.log]\n      strtAt: end\n');
    const bad = start(['check-config', '--config', path]);
    expect(await bad.exit).toBe(1);
    expect(bad.err()).toContain(`${path}:5:7: logs.sources[0]: unknown field "strtAt"`);
  });

  it('survives kill -9 during a server outage: after restart and recovery every line arrives once', async () => {
    receiver = await new TestReceiver().start();
    let down = true;
    receiver.respond = () => (down ? { status: 503, headers: { 'Retry-After': '0' } } : { status: 204 });
    const dir = tempDir();
    const log = join(dir, 'app.log');
    writeFileSync(log, '');
    const cfg = writeConfig(
      dir,
      `server: { url: "${receiver.url}", apiKey: k }
stateDir: ${join(dir, 'state')}
metrics: { interval: 1s, host: { collectors: [loadavg] } }
logs: { pollInterval: 20ms, batchWait: 20ms, sources: [ { paths: ["${log}"], startAt: beginning } ] }
send: { minBackoff: 20ms, maxBackoff: 100ms }
`,
    );
    const first = start(['--config', cfg]);
    for (let i = 0; i < 50; i++) {
      appendFileSync(log, `line ${i}\n`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await waitFor(() => receiver!.requests.some((r) => r.path === '/loki/api/v1/push'));
    await new Promise((r) => setTimeout(r, 300));
    first.child.kill('SIGKILL');
    await first.exit;
    for (let i = 50; i < 80; i++) appendFileSync(log, `line ${i}\n`);
    const second = start(['--config', cfg]);
    await new Promise((r) => setTimeout(r, 500));
    down = false;
    await waitFor(() => receiver!.lines().length >= 80, 15_000, 'all lines');
    await new Promise((r) => setTimeout(r, 300));
    second.child.kill('SIGTERM');
    expect(await second.exit).toBe(0);
    expect(receiver.lines()).toEqual(Array.from({ length: 80 }, (_, i) => `line ${i}`));
  });

  it('reloads its configuration on SIGHUP', async () => {
    receiver = await new TestReceiver().start();
    const dir = tempDir();
    const body = (group: string): string =>
      `server: { url: "${receiver!.url}" }\nstateDir: ${join(dir, 'state')}\nlabels: { group: ${group} }\nmetrics: { interval: 1s, host: { collectors: [loadavg] } }\n`;
    const cfg = writeConfig(dir, body('blue'));
    const run = start(['--config', cfg]);
    const groups = (): Set<string> =>
      new Set(receiver!.series().flatMap((s) => s.labels.filter(([k]) => k === 'group').map(([, v]) => v)));
    await waitFor(() => groups().has('blue'));
    writeConfig(dir, body('green'));
    run.child.kill('SIGHUP');
    await waitFor(() => groups().has('green'), 10_000, 'the reloaded label');
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(run.err()).toContain('configuration reloaded');
  });
});
