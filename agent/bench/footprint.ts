/**
 * Footprint of vigil-agent beside Debian's prometheus-node-exporter (issue 5): RSS and CPU of the
 * built agent (`npm run build` first) at a 15 s metrics interval while 10 tailed files receive
 * 1,000 lines/s in total, and the end-to-end delay of those lines (written → received by a local
 * receiver) at p50/p99. node_exporter is scraped by the agent at the same interval, so both
 * processes do comparable metric work.
 *
 *   node --import tsx bench/footprint.ts [seconds=60]
 *
 * Environment: UNIT=1 runs the agent with the Node.js flags and the environment of
 * packaging/vigil-agent.service (what production runs); AGENT_NODE_ARGS adds Node.js flags;
 * AGENT_ENV="K=V ..." sets (or overrides) environment variables; AGENT_BIN runs another build of the bin.
 *
 * Prints one JSON object. The machine is shared, so run it more than once and compare medians.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeLokiPush } from '../src/testing/decoders.js';
import { TestReceiver } from '../src/testing/test-receiver.js';

const AGENT = process.env.AGENT_BIN ?? fileURLToPath(new URL('../dist/bin/vigil-agent.js', import.meta.url));
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const FILES = 10;
const LINES_PER_SECOND = 1000;
const TICK_MS = 100;
const seconds = Number(process.argv[2] ?? 60);

/** The node flags (ExecStart) and Environment= variables of the systemd unit. */
function unitSettings(): { nodeArgs: string[]; env: Record<string, string> } {
  const unit = readFileSync(new URL('../packaging/vigil-agent.service', import.meta.url), 'utf8');
  const nodeArgs = (/^ExecStart=@NODE@ (.*?)@APP@/m.exec(unit)?.[1] ?? '').split(' ').filter(Boolean);
  const env: Record<string, string> = {};
  for (const [, line] of unit.matchAll(/^Environment=(.*)$/gm)) {
    for (const [, k, v] of line!.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[k!] = v!.replace(/^"|"$/g, '');
  }
  return { nodeArgs, env };
}
const unit = process.env.UNIT === '1' ? unitSettings() : { nodeArgs: [], env: {} };
const nodeArgs = [...unit.nodeArgs, ...(process.env.AGENT_NODE_ARGS ?? '').split(' ').filter(Boolean)];
for (const kv of (process.env.AGENT_ENV ?? '').split(' ').filter(Boolean)) {
  const eq = kv.indexOf('=');
  unit.env[kv.slice(0, eq)] = kv.slice(eq + 1);
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** CPU seconds (user + system) and RSS in MiB of a process, from /proc. */
function usage(pid: number): { cpuS: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return { cpuS: (Number(stat[11]) + Number(stat[12])) / 100, rssMiB: rssKiB / 1024 };
}

/** Resident MiB at the end by mapping: the node binary, the C heap, anonymous memory, the rest. */
function residentBreakdown(pid: number): Record<string, number> {
  const out: Record<string, number> = { nodeBinary: 0, cHeap: 0, anonymous: 0, other: 0 };
  let key = 'other';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[1]!;
      key = name === '' ? 'anonymous' : name === '[heap]' ? 'cHeap' : name === process.execPath ? 'nodeBinary' : 'other';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[key]! += Number(rss[1]) / 1024;
  }
  for (const k of Object.keys(out)) out[k] = +out[k]!.toFixed(1);
  return out;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

if (!existsSync(AGENT)) throw new Error(`${AGENT} is missing: run npm run build first`);
const dir = mkdtempSync(join(tmpdir(), 'vigil-footprint-'));
const receiver = await new TestReceiver().start();
const children: ChildProcess[] = [];
try {
  let exporterUrl: string | undefined;
  if (existsSync(NODE_EXPORTER)) {
    const port = await freePort();
    children.push(spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' }));
    exporterUrl = `127.0.0.1:${port}`;
  }
  for (let i = 0; i < FILES; i++) writeFileSync(join(dir, `app-${i}.log`), '');
  writeFileSync(
    join(dir, 'config.yml'),
    `server: { url: "${receiver.url}", apiKey: bench }
stateDir: ${join(dir, 'state')}
metrics:
  interval: 15s
${exporterUrl ? `  scrape: [ { job: node, targets: ["${exporterUrl}"] } ]` : ''}
logs: { sources: [ { paths: ["${dir}/*.log"], startAt: beginning } ] }
${process.env.EXTRA ?? ""}
`,
  );
  const agent = spawn(process.execPath, [...nodeArgs, AGENT, '--config', join(dir, 'config.yml')], {
    stdio: 'ignore',
    env: { ...process.env, ...unit.env },
  });
  children.push(agent);
  await new Promise((r) => setTimeout(r, 2000));

  let seq = 0;
  const perTick = (LINES_PER_SECOND * TICK_MS) / 1000 / FILES;
  const writer = setInterval(() => {
    for (let f = 0; f < FILES; f++) {
      let chunk = '';
      for (let k = 0; k < perTick; k++) {
        chunk += `${Date.now()} level=info seq=${seq++} msg="request handled" path=/api/v1/items/${k} status=200 duration_ms=12\n`;
      }
      appendFileSync(join(dir, `app-${f}.log`), chunk);
    }
  }, TICK_MS);

  await new Promise((r) => setTimeout(r, 5000)); // warm-up
  const exporter = children[0] !== agent ? children[0] : undefined;
  const a0 = usage(agent.pid!);
  const e0 = exporter ? usage(exporter.pid!) : undefined;
  const t0 = Date.now();
  let agentRss = 0;
  let exporterRss = 0;
  while (Date.now() - t0 < seconds * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    agentRss = Math.max(agentRss, usage(agent.pid!).rssMiB);
    if (exporter) exporterRss = Math.max(exporterRss, usage(exporter.pid!).rssMiB);
  }
  const elapsedS = (Date.now() - t0) / 1000;
  const a1 = usage(agent.pid!);
  const resident = residentBreakdown(agent.pid!);
  const e1 = exporter ? usage(exporter.pid!) : undefined;
  clearInterval(writer);
  await new Promise((r) => setTimeout(r, 3000));

  const delays: number[] = [];
  let received = 0;
  for (const r of receiver.requests) {
    if (r.path !== '/loki/api/v1/push') continue;
    for (const s of decodeLokiPush(r.body)) {
      for (const e of s.entries) {
        received++;
        delays.push(r.receivedAtMs - Number(e.line.slice(0, e.line.indexOf(' '))));
      }
    }
  }
  delays.sort((x, y) => x - y);
  console.log(
    JSON.stringify({
      seconds: Math.round(elapsedS),
      agentSettings: { nodeArgs: nodeArgs.join(' '), env: unit.env },
      linesWritten: seq,
      linesReceived: received,
      agent: { maxRssMiB: +agentRss.toFixed(1), endRssMiB: +a1.rssMiB.toFixed(1), residentMiB: resident, cpuPercentOfOneCore: +((100 * (a1.cpuS - a0.cpuS)) / elapsedS).toFixed(2) },
      nodeExporter: e0 && e1 ? { maxRssMiB: +exporterRss.toFixed(1), cpuPercentOfOneCore: +((100 * (e1.cpuS - e0.cpuS)) / elapsedS).toFixed(2) } : null,
      lineDelayMs: { p50: percentile(delays, 50), p99: percentile(delays, 99), max: delays.at(-1) },
    }),
  );
} finally {
  for (const c of children) c.kill('SIGTERM');
  await receiver.stop();
  rmSync(dir, { recursive: true, force: true });
}
