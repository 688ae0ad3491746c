/**
 * `npm run bench -- --workload logs`: the logs benchmark of issue 4. Generates 2M realistic mixed
 * lines (nginx access + JSON app logs, labels `{host, app, level}`, 6 h ending now), times Debian's
 * ripgrep on the same lines as a raw file (the "physical limit for a full scan"), starts Vigil
 * fresh on loopback, pushes the lines as Loki push requests over 4 connections (lines/s and MB/s to
 * acknowledgement, peak RSS, time until visible, bytes/line on disk), then times LogQL
 * `query_range` queries and checks their answers against the generator. Prints Markdown, writes JSON.
 *
 * @example
 * npm run bench -- --workload logs --lines 200000
 * npm run bench -- --workload logs --phases ripgrep
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildUrl, requestJson } from './http-client.js';
import { LOKI_PUSH_HEADERS, type LogPushFormat, encodeLogWorkload } from './logs-encoder.js';
import { buildLogQueries, LOG_QUERY_NAMES, type LogBenchQuery, type LogQueryName, predicateOf } from './logs-queries.js';
import { createLogWorkload, type LogWorkload } from './logs-workload.js';
import { createMemorySampler, measureSettledDirectory, processCpuSeconds } from './measure.js';
import type { EncodedWorkload } from './payloads.js';
import { cleanUpNow, keepTempDir, makeTempDir, removeTempDir, sleep } from './peers/process.js';
import type { RunningPeer } from './peers/types.js';
import { createVigilPeer, DEFAULT_VIGIL_BIN } from './peers/vigil.js';
import { DEFAULT_RG, median, p90, type RipgrepResult, ripgrepUnavailable, ripgrepVersion, runRipgrep } from './ripgrep.js';
import { type SendResult, sendWorkload } from './sender.js';

/** Issue 4's targets. */
export const LOG_TARGETS = { linesPerSecond: 200_000, searchVsRipgrep: 2, selectiveSpeedup: 10 } as const;

export const LOG_PHASE_NAMES = ['ripgrep', 'ingest', 'query'] as const;
type LogPhase = (typeof LOG_PHASE_NAMES)[number];

/** Log ingestion limits given to Vigil unless `--vigil-default-limits` (its default is 16 MiB/s). */
const RAISED_LIMITS_YAML = 'limits:\n  logIngestionRate: 4GB\n  logIngestionBurst: 8GB\n';

export interface LogBenchOptions {
  lines: number;
  hosts: number;
  hours: number;
  seed: number;
  connections: number;
  linesPerRequest: number;
  format: LogPushFormat;
  phases: LogPhase[];
  queries: LogQueryName[];
  queryRuns: number;
  rgRuns: number;
  limit: number;
  stepSeconds: number;
  queryTimeoutSeconds: number;
  requestTimeoutSeconds: number;
  queryableTimeoutSeconds: number;
  maxSkewMinutes: number;
  vigilBin: string;
  vigilDefaultLimits: boolean;
  rgBin: string;
  keepData: boolean;
  out: string;
}

const DEFAULT_OUT = resolve(dirname(fileURLToPath(import.meta.url)), 'results/logs-latest.json');

export const LOGS_USAGE = `Usage: npm run bench -- --workload logs [options]   (from tests/, or the repository root)

  --lines N                 log lines                                      (default 2000000)
  --hosts N                 hosts (label host)                             (default 50)
  --hours H                 hours of data, ending now                      (default 6)
  --seed N                  workload seed                                  (default 1)
  --connections N           concurrent keep-alive connections              (default 4)
  --lines-per-request N     lines per Loki push request                    (default 5000)
  --format F                protobuf (snappy) or json                      (default protobuf)
  --phases LIST             comma-separated: ripgrep,ingest,query          (default all; query implies ingest)
  --queries LIST            subset of: ${LOG_QUERY_NAMES.join(',')}
  --query-runs N            timed runs per query after one warm-up         (default 5)
  --rg-runs N               timed ripgrep runs per search after a warm-up  (default 5)
  --limit N                 limit of log queries                           (default 5000)
  --step-seconds S          step of the metric queries                     (default 60)
  --query-timeout-seconds S                                                (default 300)
  --request-timeout-seconds S                                              (default 120)
  --queryable-timeout-seconds S                                            (default 300)
  --max-skew-minutes M      how far a connection may lead in data time     (default 20)
  --vigil-bin FILE          built Vigil CLI                                (default server/dist/bin/vigil.js)
  --vigil-default-limits    keep Vigil's default log ingestion limit (16 MiB/s) instead of 4 GB/s
  --rg-bin FILE             ripgrep                                        (default /usr/bin/rg)
  --keep-data               keep Vigil's data directory and the raw log file
  --out FILE                JSON results                                   (default bench/results/logs-latest.json)
  --help
`;

/**
 * Parses the logs benchmark's command line (without `--workload`). Undefined for `--help`.
 *
 * @throws on unknown options and bad values.
 */
export function parseLogBenchOptions(argv: readonly string[]): LogBenchOptions | undefined {
  const stringOptions = [
    'lines',
    'hosts',
    'hours',
    'seed',
    'connections',
    'lines-per-request',
    'format',
    'phases',
    'queries',
    'query-runs',
    'rg-runs',
    'limit',
    'step-seconds',
    'query-timeout-seconds',
    'request-timeout-seconds',
    'queryable-timeout-seconds',
    'max-skew-minutes',
    'vigil-bin',
    'rg-bin',
    'out',
  ] as const;
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      lines: { type: 'string' },
      hosts: { type: 'string' },
      hours: { type: 'string' },
      seed: { type: 'string' },
      connections: { type: 'string' },
      'lines-per-request': { type: 'string' },
      format: { type: 'string' },
      phases: { type: 'string' },
      queries: { type: 'string' },
      'query-runs': { type: 'string' },
      'rg-runs': { type: 'string' },
      limit: { type: 'string' },
      'step-seconds': { type: 'string' },
      'query-timeout-seconds': { type: 'string' },
      'request-timeout-seconds': { type: 'string' },
      'queryable-timeout-seconds': { type: 'string' },
      'max-skew-minutes': { type: 'string' },
      'vigil-bin': { type: 'string' },
      'rg-bin': { type: 'string' },
      out: { type: 'string' },
      'vigil-default-limits': { type: 'boolean' },
      'keep-data': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return undefined;
  const text = (name: (typeof stringOptions)[number]): string | undefined => {
    const raw = values[name];
    return typeof raw === 'string' ? raw : undefined;
  };
  const number = (name: (typeof stringOptions)[number], fallback: number, { integer = true, min = 1 } = {}): number => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const parsed = Number(raw);
    if (!Number.isFinite(parsed) || (integer && !Number.isInteger(parsed)) || parsed < min) {
      throw new Error(`--${name}: expected ${integer ? 'an integer' : 'a number'} ≥ ${min}, got ${raw}`);
    }
    return parsed;
  };
  const list = <T extends string>(name: (typeof stringOptions)[number], known: readonly T[]): T[] => {
    const raw = text(name);
    if (raw === undefined) return [...known];
    const names = raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    for (const n of names) if (!(known as readonly string[]).includes(n)) throw new Error(`--${name}: unknown name "${n}" (known: ${known.join(', ')})`);
    if (names.length === 0) throw new Error(`--${name}: name at least one`);
    return known.filter((k) => names.includes(k));
  };
  const format = text('format') ?? 'protobuf';
  if (format !== 'protobuf' && format !== 'json') throw new Error(`--format: expected protobuf or json, got ${format}`);
  const cwd = process.env.INIT_CWD ?? process.cwd();
  let phases = list('phases', LOG_PHASE_NAMES);
  if (phases.includes('query') && !phases.includes('ingest')) phases = LOG_PHASE_NAMES.filter((p) => p === 'ingest' || phases.includes(p));
  const lines = number('lines', 2_000_000);
  if (lines > 4_000_000) throw new Error('--lines: at most 4000000 (offsets are 32-bit)');
  const hosts = number('hosts', 50);
  if (hosts > 1000) throw new Error('--hosts: at most 1000');
  return Object.freeze({
    lines,
    hosts,
    hours: number('hours', 6, { integer: false, min: 0.1 }),
    seed: number('seed', 1, { min: 0 }),
    connections: number('connections', 4),
    linesPerRequest: number('lines-per-request', 5000),
    format,
    phases,
    queries: list('queries', LOG_QUERY_NAMES),
    queryRuns: number('query-runs', 5),
    rgRuns: number('rg-runs', 5),
    limit: number('limit', 5000),
    stepSeconds: number('step-seconds', 60),
    queryTimeoutSeconds: number('query-timeout-seconds', 300, { integer: false }),
    requestTimeoutSeconds: number('request-timeout-seconds', 120, { integer: false }),
    queryableTimeoutSeconds: number('queryable-timeout-seconds', 300, { integer: false }),
    maxSkewMinutes: number('max-skew-minutes', 20, { integer: false, min: 0 }),
    vigilBin: text('vigil-bin') === undefined ? DEFAULT_VIGIL_BIN : resolve(cwd, text('vigil-bin')!),
    vigilDefaultLimits: values['vigil-default-limits'] === true,
    rgBin: text('rg-bin') ?? DEFAULT_RG,
    keepData: values['keep-data'] === true,
    out: text('out') === undefined ? DEFAULT_OUT : resolve(cwd, text('out')!),
  });
}

function log(line: string): void {
  process.stderr.write(`[bench logs ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The ingest half of a Vigil run. */
interface LogIngestResult {
  status: 'ok' | 'failed' | 'skipped';
  reason?: string;
  version?: string;
  limitsNote: string;
  send?: Omit<SendResult, 'lastAckAt' | 'samplesPerSecond' | 'ackedSamples' | 'errorSamples'> & {
    ackedLines: number;
    errorLines: number;
    linesPerSecond: number;
    /** Line bytes (without newlines) acknowledged per second, MB/s (10^6). */
    lineMegabytesPerSecond: number;
    /** Request bodies as sent (snappy or JSON) per second, MB/s. */
    wireMegabytesPerSecond: number;
    /**
     * CPU seconds (user + system, all threads) the server spent from the first request to the last
     * ack, from `/proc/<pid>/stat`; less sensitive than wall time to other work on a shared machine.
     */
    serverCpuSeconds?: number;
    /** Acknowledged lines per server CPU second. */
    linesPerServerCpuSecond?: number;
    /** CPU seconds of this harness (the client) over the same time. */
    clientCpuSeconds: number;
  };
  /** Seconds from the last ack until `index/stats` counted every acknowledged line. */
  queryableSeconds?: number;
  queryableNote?: string;
  peakRssBytes?: number;
  peakRssBytesAtLastAck?: number;
  disk?: { allocatedBytes: number; apparentBytes: number; bytesPerLine: number; flushNote: string; settled: boolean };
}

/** One query's outcome. */
interface LogQueryResult {
  name: LogQueryName;
  status: 'ok' | 'failed' | 'not-available';
  error?: string;
  warmupMs?: number;
  timingsMs: number[];
  medianMs?: number;
  p90Ms?: number;
  /** Log queries: lines returned; metric queries: series and points. */
  lines?: number;
  series?: number;
  points?: number;
  bytes?: number;
  /** Problems with the answer (empty: it matches the generator). */
  check?: string[];
}

async function main(argv: readonly string[]): Promise<number> {
  let options: LogBenchOptions | undefined;
  try {
    options = parseLogBenchOptions(argv);
  } catch (error) {
    process.stderr.write(`${errorMessage(error)}\n\n${LOGS_USAGE}`);
    return 2;
  }
  if (options === undefined) {
    process.stdout.write(LOGS_USAGE);
    return 0;
  }

  const loadAtStart = loadavg();
  const generateStart = performance.now();
  const workload = createLogWorkload({ lines: options.lines, hosts: options.hosts, durationMs: options.hours * 3_600_000, endMs: Date.now(), seed: options.seed });
  const fileBytes = workload.text.length;
  log(
    `workload: ${options.lines.toLocaleString('en-US')} lines, ${(fileBytes / 1e6).toFixed(1)} MB raw, ${workload.streams.length} streams on ${options.hosts} hosts` +
      ` (${new Date(workload.startSec * 1000).toISOString()} … ${new Date(workload.endSec * 1000).toISOString()}) in ${((performance.now() - generateStart) / 1000).toFixed(1)} s`,
  );
  const { queries: allQueries, host, fullCounts } = buildLogQueries(workload, { seed: options.seed, limit: options.limit, stepSec: options.stepSeconds });
  const queries = allQueries.filter((q) => options.queries.includes(q.name));
  log(`expected full-scan matches: fixed ${fullCounts.fixed}, regex ${fullCounts.regex}, case-insensitive ${fullCounts['ignore-case']}; selective host ${host}`);

  // 1. ripgrep, before Vigil starts, on an otherwise idle machine.
  let ripgrep: { version: string; file: string; results: RipgrepResult[] } | { skipped: string } | undefined;
  if (options.phases.includes('ripgrep')) {
    const unavailable = ripgrepUnavailable(options.rgBin);
    if (unavailable !== undefined) {
      ripgrep = { skipped: unavailable };
      log(`ripgrep: skipped: ${unavailable}`);
    } else {
      const dir = makeTempDir('logs-raw');
      const file = join(dir, 'logs.txt');
      writeFileSync(file, workload.text);
      const results = runRipgrep(options.rgBin, file, fileBytes, options.rgRuns);
      for (const r of results) {
        const mismatch = r.matches !== fullCounts[r.name] ? ` (MISMATCH: the generator has ${fullCounts[r.name]})` : '';
        log(`ripgrep ${r.name}: ${r.matches} matches${mismatch}, median ${r.medianMs.toFixed(1)} ms (${(r.megabytesPerSecond / 1000).toFixed(2)} GB/s)`);
      }
      ripgrep = { version: ripgrepVersion(options.rgBin), file, results };
      if (options.keepData) {
        keepTempDir(dir);
        log(`raw file kept: ${file}`);
      } else removeTempDir(dir);
    }
  }

  // 2. Vigil: ingest, then queries.
  let ingest: LogIngestResult | undefined;
  let queryResults: LogQueryResult[] | undefined;
  let encoded: EncodedWorkload | undefined;
  if (options.phases.includes('ingest')) {
    encoded = encodeLogWorkload(workload, { connections: options.connections, linesPerRequest: options.linesPerRequest, format: options.format });
    log(
      `encoded ${encoded.requestCount} push requests (${options.format}: ${(encoded.compressedBytes / 1e6).toFixed(1)} MB sent, ${(encoded.rawBytes / 1e6).toFixed(1)} MB before compression)` +
        ` over ${encoded.queues.length} connections in ${(encoded.encodeMs / 1000).toFixed(1)} s (not measured)`,
    );
    const outcome = await runVigil(workload, encoded, queries, options);
    ingest = outcome.ingest;
    queryResults = outcome.queries;
  }

  const ripgrepResults = ripgrep !== undefined && 'results' in ripgrep ? ripgrep.results : undefined;
  const targets = evaluateTargets(ingest, queries, queryResults, ripgrepResults);
  const machineLine = `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, load average ${loadAtStart[0]!.toFixed(2)} at start and ${loadavg()[0]!.toFixed(2)} at the end (the machine is shared: a high load means other work ran too).`;
  process.stdout.write(`\n${formatLogsMarkdown(workload, options, host, encoded, ripgrep, ingest, queries, queryResults, targets)}\n\n${machineLine}\n`);

  const report = {
    generatedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, totalMemoryBytes: totalmem(), loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg(), node: process.version },
    options,
    workload: {
      lines: options.lines,
      rawFileBytes: fileBytes,
      lineBytes: workload.lineBytes,
      streams: workload.streams.length,
      hosts: workload.hosts.length,
      apps: workload.apps,
      startSec: workload.startSec,
      endSec: workload.endSec,
      selectiveHost: host,
      fullCounts,
      requests: encoded?.requestCount ?? null,
      sentBytes: encoded?.compressedBytes ?? null,
      encodedBytes: encoded?.rawBytes ?? null,
    },
    ripgrep: ripgrep ?? null,
    ingest: ingest ?? null,
    queries: queryResults === undefined ? null : queries.map((q) => ({ ...q, result: queryResults.find((r) => r.name === q.name) })),
    targets,
  };
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  log(`results written to ${options.out}`);
  return ingest?.status === 'failed' ? 1 : 0;
}

/** Starts Vigil, pushes the workload, waits until visible, flushes, measures, queries, stops. */
async function runVigil(
  workload: LogWorkload,
  encoded: EncodedWorkload,
  queries: readonly LogBenchQuery[],
  options: LogBenchOptions,
): Promise<{ ingest: LogIngestResult; queries?: LogQueryResult[] }> {
  const limitsNote = options.vigilDefaultLimits ? "Vigil's default log ingestion limits" : 'log ingestion limit raised to 4 GB/s (burst 8 GB) by --config';
  const peer = createVigilPeer({ bin: options.vigilBin, keepData: options.keepData, configYaml: options.vigilDefaultLimits ? undefined : RAISED_LIMITS_YAML });
  const unavailable = peer.unavailableReason();
  if (unavailable !== undefined) {
    log(`Vigil: skipped: ${unavailable}`);
    return { ingest: { status: 'skipped', reason: unavailable, limitsNote } };
  }
  let running: RunningPeer;
  try {
    running = await peer.start();
  } catch (error) {
    return { ingest: { status: 'failed', reason: `start: ${errorMessage(error)}`, limitsNote } };
  }
  const result: LogIngestResult = { status: 'failed', version: running.version, limitsNote };
  const memory = createMemorySampler(running.process.pid);
  let cpuBefore: number | undefined;
  let clientBefore: NodeJS.CpuUsage | undefined;
  let queryResults: LogQueryResult[] | undefined;
  let stage = 'ingest';
  try {
    log(`Vigil ${running.version} at ${running.baseUrl} (${limitsNote}); sending ${encoded.requestCount} requests`);
    cpuBefore = processCpuSeconds(running.process.pid);
    clientBefore = process.cpuUsage();
    const { lastAckAt, ackedSamples, errorSamples, samplesPerSecond: _, ...send } = await sendWorkload({
      url: `${running.baseUrl}/loki/api/v1/push`,
      headers: running.authHeaders,
      baseHeaders: LOKI_PUSH_HEADERS[options.format],
      queues: encoded.queues,
      maxSkewMs: options.maxSkewMinutes * 60_000,
      requestTimeoutMs: options.requestTimeoutSeconds * 1000,
    });
    result.peakRssBytesAtLastAck = memory.peakRssBytes();
    const cpuAfter = processCpuSeconds(running.process.pid);
    const clientCpu = process.cpuUsage(clientBefore);
    const serverCpuSeconds = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
    // Bytes of the acknowledged requests' lines and bodies.
    const ackedFraction = encoded.sampleCount > 0 ? ackedSamples / encoded.sampleCount : 0;
    const seconds = send.durationMs / 1000;
    result.send = {
      ...send,
      ackedLines: ackedSamples,
      errorLines: errorSamples,
      linesPerSecond: seconds > 0 ? ackedSamples / seconds : 0,
      lineMegabytesPerSecond: seconds > 0 ? (workload.lineBytes * ackedFraction) / 1e6 / seconds : 0,
      wireMegabytesPerSecond: seconds > 0 ? (encoded.compressedBytes * ackedFraction) / 1e6 / seconds : 0,
      serverCpuSeconds,
      linesPerServerCpuSecond: serverCpuSeconds !== undefined && serverCpuSeconds > 0 ? ackedSamples / serverCpuSeconds : undefined,
      clientCpuSeconds: (clientCpu.user + clientCpu.system) / 1e6,
    };
    log(
      `Vigil: ${ackedSamples} lines acknowledged in ${seconds.toFixed(2)} s (${Math.round(result.send.linesPerSecond)} lines/s, ${result.send.lineMegabytesPerSecond.toFixed(1)} MB/s of lines),` +
        ` ${send.errorRequests} failed requests${send.errorExamples.length > 0 ? `: ${send.errorExamples[0]}` : ''}`,
    );
    if (!running.process.isRunning()) throw new Error(`the server exited during ingest:\n${running.process.outputTail()}`);

    stage = 'queryable';
    const visible = await waitUntilLinesVisible(running, workload, ackedSamples, lastAckAt, options.queryableTimeoutSeconds * 1000);
    result.queryableSeconds = visible.seconds;
    result.queryableNote = visible.note;
    log(`Vigil: ${visible.note}`);

    stage = 'flush';
    let flushNote: string;
    try {
      flushNote = await running.flush({ ackedSamples });
    } catch (error) {
      flushNote = `flush failed, measured as is: ${errorMessage(error)}`;
    }
    const size = await measureSettledDirectory(running.dataDir);
    result.disk = {
      allocatedBytes: size.allocatedBytes,
      apparentBytes: size.apparentBytes,
      bytesPerLine: ackedSamples > 0 ? size.allocatedBytes / ackedSamples : 0,
      flushNote,
      settled: size.settled,
    };
    log(`Vigil: ${(size.allocatedBytes / 1e6).toFixed(1)} MB on disk, ${result.disk.bytesPerLine.toFixed(1)} bytes/line (${flushNote})`);
    result.status = 'ok';

    if (options.phases.includes('query')) {
      stage = 'query';
      queryResults = await runLogQueries(running, queries, options);
    }
  } catch (error) {
    result.reason = `${stage}: ${errorMessage(error)}`;
    log(`Vigil: failed during ${result.reason}`);
  } finally {
    result.peakRssBytes = memory.stop();
    await running.close();
    if (options.keepData) log(`Vigil data kept: ${running.dataDir}`);
  }
  return { ingest: result, queries: queryResults };
}

/** Polls `index/stats` until it counts every acknowledged line. */
async function waitUntilLinesVisible(
  peer: RunningPeer,
  w: LogWorkload,
  expected: number,
  lastAckAt: number,
  timeoutMs: number,
): Promise<{ seconds?: number; note: string }> {
  const url = buildUrl(peer.baseUrl, '/loki/api/v1/index/stats', { query: '{app=~".+"}', start: `${w.startSec}000000000`, end: `${w.endSec + 1}000000000` });
  let last = 'no answer yet';
  while (performance.now() - lastAckAt < timeoutMs) {
    const probeStart = performance.now();
    try {
      const stats = await requestJson<{ entries?: number }>(url, { headers: peer.authHeaders, timeoutMs: 60_000 });
      const entries = stats.entries ?? 0;
      if (entries >= expected) {
        const seconds = (probeStart - lastAckAt) / 1000;
        return { seconds, note: `all ${expected} lines counted by index/stats ${seconds.toFixed(2)} s after the last ack (probe took ${((performance.now() - probeStart) / 1000).toFixed(2)} s)` };
      }
      last = `${entries} of ${expected} lines`;
    } catch (error) {
      last = errorMessage(error).slice(0, 300);
      if (/HTTP 404/.test(last)) return { note: `index/stats not available (${last}); visibility not measured` };
      if (!peer.process.isRunning()) break;
    }
    await sleep(100);
  }
  return { note: `NOT all lines visible after ${timeoutMs / 1000} s (${last})` };
}

/** Runs every query: a warm-up (checked against the generator), then the timed runs. */
async function runLogQueries(peer: RunningPeer, queries: readonly LogBenchQuery[], options: LogBenchOptions): Promise<LogQueryResult[]> {
  const results: LogQueryResult[] = [];
  for (const q of queries) {
    const r: LogQueryResult = { name: q.name, status: 'failed', timingsMs: [] };
    results.push(r);
    try {
      const warmup = await sendLogQuery(peer, q, options.queryTimeoutSeconds * 1000);
      r.warmupMs = warmup.ms;
      if (warmup.status === 404) {
        r.status = 'not-available';
        r.error = `HTTP 404: ${warmup.body.slice(0, 200)}`;
        log(`Vigil: ${q.name}: not available (HTTP 404 from /loki/api/v1/query_range)`);
        continue;
      }
      if (warmup.status < 200 || warmup.status >= 300) throw new Error(`HTTP ${warmup.status}: ${warmup.body.slice(0, 300)}`);
      r.bytes = Buffer.byteLength(warmup.body);
      Object.assign(r, checkAnswer(q, warmup.body));
      for (let i = 0; i < options.queryRuns; i++) {
        const run = await sendLogQuery(peer, q, options.queryTimeoutSeconds * 1000);
        if (run.status < 200 || run.status >= 300) throw new Error(`HTTP ${run.status} on timed run ${i + 1}: ${run.body.slice(0, 300)}`);
        r.timingsMs.push(run.ms);
      }
      r.medianMs = median(r.timingsMs);
      r.p90Ms = p90(r.timingsMs);
      r.status = 'ok';
      const shape = q.kind === 'log' ? `${r.lines} lines` : `${r.series} series, ${r.points} points`;
      log(`Vigil: ${q.name}: ${shape}${r.check!.length > 0 ? ` (CHECK: ${r.check![0]})` : ''}; median ${r.medianMs.toFixed(1)} ms (warm-up ${warmup.ms.toFixed(1)} ms)`);
    } catch (error) {
      r.status = 'failed';
      r.timingsMs = [];
      r.error = errorMessage(error);
      log(`Vigil: ${q.name}: FAILED: ${r.error.slice(0, 300)}`);
    }
  }
  return results;
}

/** One GET `query_range` as Grafana's Loki datasource sends it, timed to the last byte. */
async function sendLogQuery(peer: RunningPeer, q: LogBenchQuery, timeoutMs: number): Promise<{ ms: number; status: number; body: string }> {
  const params: Record<string, string> = { query: q.logql, start: `${q.startSec}000000000`, end: `${q.endSec}000000000` };
  if (q.kind === 'log') {
    params.limit = String(q.limit);
    params.direction = 'backward';
  } else {
    params.step = `${q.stepSec! * 1000}ms`;
  }
  const started = performance.now();
  const response = await fetch(buildUrl(peer.baseUrl, '/loki/api/v1/query_range', params), { headers: peer.authHeaders, signal: AbortSignal.timeout(timeoutMs) });
  const body = await response.text();
  return { ms: performance.now() - started, status: response.status, body };
}

interface LokiEnvelope {
  status?: string;
  data?: { resultType?: string; result?: unknown };
}

/** Compares an answer with what the generator says it must be. */
function checkAnswer(q: LogBenchQuery, text: string): Pick<LogQueryResult, 'lines' | 'series' | 'points' | 'check'> {
  const problems: string[] = [];
  const body = JSON.parse(text) as LokiEnvelope;
  if (body.status !== 'success' || body.data === undefined) return { check: [`status ${String(body.status)}: ${text.slice(0, 200)}`] };
  const result = Array.isArray(body.data.result) ? body.data.result : [];
  const hostOnly = q.host !== undefined;
  if (q.kind === 'log') {
    if (body.data.resultType !== 'streams') problems.push(`resultType ${String(body.data.resultType)}, expected streams`);
    const predicate = predicateOf(q.name)!;
    const from = BigInt(q.startSec) * 1_000_000_000n;
    const to = BigInt(q.endSec) * 1_000_000_000n;
    let lines = 0;
    let previous: bigint | undefined;
    const all: bigint[] = [];
    for (const item of result as Array<{ stream?: Record<string, string>; values?: Array<[string, string]> }>) {
      if (hostOnly && item.stream?.host !== q.host) problems.push(`stream ${JSON.stringify(item.stream)} is not on ${q.host}`);
      for (const [ns, line] of item.values ?? []) {
        lines++;
        const t = BigInt(ns);
        all.push(t);
        if (t < from || t >= to) problems.push(`timestamp ${ns} outside [start, end)`);
        if (!predicate(line)) problems.push(`line does not match: ${line.slice(0, 120)}`);
        if (previous !== undefined && t > previous) problems.push(`stream ${JSON.stringify(item.stream)} not newest first`);
        previous = t;
      }
      previous = undefined;
    }
    const expected = Math.min(q.expectedLines!, q.limit!);
    if (lines !== expected) problems.push(`${lines} lines, expected ${expected}${q.expectedLines! > q.limit! ? ` (${q.expectedLines} match, limit ${q.limit})` : ''}`);
    return { lines, series: result.length, check: [...new Set(problems)].slice(0, 5) };
  }
  if (body.data.resultType !== 'matrix') problems.push(`resultType ${String(body.data.resultType)}, expected matrix`);
  let points = 0;
  const seen = new Set<string>();
  for (const item of result as Array<{ metric?: Record<string, string>; values?: Array<[number, string]> }>) {
    const level = item.metric?.level ?? '';
    seen.add(level);
    const values = item.values ?? [];
    points += values.length;
    const sum = values.reduce((s, [, v]) => s + Number(v), 0);
    const expected = q.expectedByLevel![level];
    if (expected === undefined) problems.push(`unexpected series ${JSON.stringify(item.metric)}`);
    else if (sum !== expected.sum || values.length !== expected.points) {
      problems.push(`level ${level}: ${values.length} points summing to ${sum}, expected ${expected.points} points summing to ${expected.sum}`);
    }
  }
  for (const level of Object.keys(q.expectedByLevel!)) if (!seen.has(level)) problems.push(`series for level ${level} missing`);
  return { series: result.length, points, check: problems.slice(0, 5) };
}

interface TargetCheck {
  name: string;
  value: number | null;
  target: string;
  pass: boolean | null;
  note?: string;
}

/** Issue 4's targets, one line each. */
function evaluateTargets(
  ingest: LogIngestResult | undefined,
  queries: readonly LogBenchQuery[],
  results: readonly LogQueryResult[] | undefined,
  ripgrep: readonly RipgrepResult[] | undefined,
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  if (ingest?.send !== undefined) {
    const v = ingest.send.linesPerSecond;
    checks.push({ name: 'ingest lines/s', value: v, target: `≥ ${LOG_TARGETS.linesPerSecond.toLocaleString('en-US')}`, pass: v >= LOG_TARGETS.linesPerSecond });
  }
  for (const q of queries) {
    const r = results?.find((x) => x.name === q.name);
    const rg = ripgrep?.find((x) => x.name === q.baseline);
    const target = q.scope === 'full' ? `Vigil/rg ≤ ${LOG_TARGETS.searchVsRipgrep}` : `rg/Vigil ≥ ${LOG_TARGETS.selectiveSpeedup}`;
    if (r?.medianMs === undefined || rg === undefined) {
      const note = r === undefined ? 'query phase not run' : r.status === 'not-available' ? 'query API not available' : r.status === 'failed' ? 'failed' : 'no ripgrep baseline';
      checks.push({ name: q.name, value: null, target, pass: null, note });
      continue;
    }
    const value = q.scope === 'full' ? r.medianMs / rg.medianMs : rg.medianMs / r.medianMs;
    const pass = (q.scope === 'full' ? value <= LOG_TARGETS.searchVsRipgrep : value >= LOG_TARGETS.selectiveSpeedup) && (r.check?.length ?? 0) === 0;
    checks.push({ name: q.name, value, target, pass, note: (r.check?.length ?? 0) > 0 ? 'answer differs from the generator' : undefined });
  }
  return checks;
}

function fmt(value: number | undefined, digits = 1): string {
  return value === undefined ? '–' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function formatLogsMarkdown(
  w: LogWorkload,
  options: LogBenchOptions,
  host: string,
  encoded: EncodedWorkload | undefined,
  ripgrep: { version: string; results: RipgrepResult[] } | { skipped: string } | undefined,
  ingest: LogIngestResult | undefined,
  queries: readonly LogBenchQuery[],
  results: readonly LogQueryResult[] | undefined,
  targets: readonly TargetCheck[],
): string {
  const out: string[] = [];
  out.push('## Logs benchmark (issue 4)', '');
  out.push(
    `Workload: ${options.lines.toLocaleString('en-US')} lines (${fmt(w.text.length / 1e6)} MB as a raw file; ~60 % JSON app logs, ~40 % nginx combined) from ${w.hosts.length} hosts over ${options.hours} h ending now,` +
      ` ${w.streams.length} streams \`{host, app, level}\`, seed ${options.seed}` +
      (encoded === undefined
        ? '.'
        : `; ${encoded.requestCount} Loki push requests of ${options.linesPerRequest} lines (${options.format}${options.format === 'protobuf' ? ', snappy' : ''}: ${fmt(encoded.compressedBytes / 1e6)} MB sent) over ${encoded.queues.length} connections.`),
    '',
  );
  if (ingest !== undefined) {
    out.push('### Ingest (Vigil)', '');
    if (ingest.send === undefined) out.push(`${ingest.status}: ${ingest.reason ?? ''}`, '');
    else {
      const s = ingest.send;
      out.push('| lines acked | errors | seconds | lines/s | MB/s (lines) | MB/s (sent) | Vigil CPU s | lines/CPU s | visible after last ack | peak RSS | disk | bytes/line |');
      out.push('|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|');
      out.push(
        `| ${s.ackedLines.toLocaleString('en-US')} | ${s.errorRequests === 0 ? '0' : `${s.errorRequests} req (${Object.entries(s.errorsByStatus).map(([k, v]) => `${k}×${v}`).join(', ')})`} | ${fmt(s.durationMs / 1000, 2)}` +
          ` | ${Math.round(s.linesPerSecond).toLocaleString('en-US')} | ${fmt(s.lineMegabytesPerSecond)} | ${fmt(s.wireMegabytesPerSecond)}` +
          ` | ${fmt(s.serverCpuSeconds)} | ${s.linesPerServerCpuSecond === undefined ? '–' : Math.round(s.linesPerServerCpuSecond).toLocaleString('en-US')}` +
          ` | ${ingest.queryableSeconds === undefined ? '–' : `${fmt(ingest.queryableSeconds, 2)} s`} | ${fmt((ingest.peakRssBytes ?? 0) / 1e6, 0)} MB (${fmt((ingest.peakRssBytesAtLastAck ?? 0) / 1e6, 0)} MB at last ack)` +
          ` | ${ingest.disk === undefined ? '–' : `${fmt(ingest.disk.allocatedBytes / 1e6)} MB`} | ${ingest.disk === undefined ? '–' : fmt(ingest.disk.bytesPerLine)} |`,
      );
      out.push('', `Vigil ${ingest.version ?? ''}, ${ingest.limitsNote}. Vigil CPU s: user + system of the server process from the first request to the last ack (the harness itself used ${fmt(s.clientCpuSeconds, 2)} CPU s): lines/CPU s is less sensitive than lines/s to other work on a shared machine, and CPU s close to the wall seconds means the server was bound to about one core. ${ingest.queryableNote ?? ''}${s.errorExamples.length > 0 ? ` First error: ${s.errorExamples[0]}` : ''}`, '');
    }
  }
  if (ripgrep !== undefined) {
    out.push('### Baseline: ripgrep full scan of the raw file', '');
    if ('skipped' in ripgrep) out.push(`skipped: ${ripgrep.skipped}`, '');
    else {
      out.push(`${ripgrep.version}, \`rg --no-config -c …\` on the ${fmt(w.text.length / 1e6)} MB file (page cache warm), ${options.rgRuns} runs after a warm-up.`, '');
      out.push('| baseline | search | matches | median ms | p90 ms | min ms | GB/s (median) |', '|---|---|---:|---:|---:|---:|---:|');
      for (const r of ripgrep.results) {
        out.push(`| ${r.name} | \`${r.description.split(': ')[1]}\` | ${r.matches} | ${fmt(r.medianMs)} | ${fmt(r.p90Ms)} | ${fmt(r.minMs)} | ${fmt(r.megabytesPerSecond / 1000, 2)} |`);
      }
      out.push('');
    }
  }
  if (results !== undefined) {
    out.push('### Queries (Vigil, `GET /loki/api/v1/query_range`)', '');
    if (results.length > 0 && results.every((r) => r.status === 'not-available')) {
      out.push("**Not available**: Vigil's `/loki/api/v1/query_range` answered 404 (the LogQL engine is not in this build). Ingest and the ripgrep baseline above stand.", '');
    }
    out.push(
      `Selective host \`${host}\`; the hour is the middle hour of the data; log queries with \`limit=${options.limit}&direction=backward\`, metric queries with \`step=${options.stepSeconds * 1000}ms\`. 1 warm-up + ${options.queryRuns} timed runs; answers checked against the generator.`,
      '',
    );
    out.push('| query | LogQL | covers | median ms | p90 ms | answer | check | vs rg | ratio | target |', '|---|---|---|---:|---:|---|---|---|---:|---|');
    for (const q of queries) {
      const r = results.find((x) => x.name === q.name);
      const t = targets.find((x) => x.name === q.name);
      const answer =
        r?.status !== 'ok' ? (r?.status === 'not-available' ? 'not available' : `FAILED: ${(r?.error ?? '').slice(0, 80).replaceAll('|', '\\|')}`) : q.kind === 'log' ? `${r.lines} lines (${q.expectedLines} match)` : `${r.series} series, ${r.points} points`;
      const check = r?.status !== 'ok' ? '–' : (r.check?.length ?? 0) === 0 ? 'ok' : `**${r.check![0]!.replaceAll('|', '\\|')}**`;
      const ratio = t?.value === null || t === undefined ? '–' : `${fmt(t.value, 2)} ${t.pass ? '✅' : '❌'}`;
      out.push(
        `| ${q.name} | \`${q.logql.replaceAll('|', '\\|')}\` | ${q.covers} | ${fmt(r?.medianMs)} | ${fmt(r?.p90Ms)} | ${answer} | ${check} | ${q.baseline} | ${ratio} | ${t?.target ?? ''} |`,
      );
    }
    out.push('');
  }
  out.push('### Targets (issue 4)', '');
  for (const t of targets) {
    const value = t.value === null ? 'n/a' : t.name === 'ingest lines/s' ? Math.round(t.value).toLocaleString('en-US') : fmt(t.value, 2);
    out.push(`- ${t.name}: ${value} (target ${t.target}) → ${t.pass === null ? `not measured${t.note ? ` (${t.note})` : ''}` : t.pass ? 'PASS' : `FAIL${t.note ? ` (${t.note})` : ''}`}`);
  }
  return out.join('\n');
}

/** Entry point from `run.ts` (`--workload logs`); resolves with the exit code. */
export async function runLogsBenchmark(argv: readonly string[]): Promise<number> {
  try {
    return await main(argv);
  } finally {
    cleanUpNow();
  }
}
