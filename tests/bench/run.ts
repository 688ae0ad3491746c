/**
 * `npm run bench`: the ingest benchmark of issue 2 and the query benchmark of issue 3. Generates
 * the TSBS-like "devops cpu" workload, pre-encodes it as remote_write requests, then starts each
 * system fresh on loopback, sends the workload over 4 connections and measures samples/s to
 * acknowledgement, time until everything is queryable, peak RSS and bytes per sample on disk; then
 * times TSBS-like `query_range` queries and compares Vigil's answers with Prometheus'. Prints
 * Markdown and writes JSON.
 *
 * @example
 * npm run bench -- --hosts 100 --hours 1 --systems vm,prometheus
 * npm run bench -- --hosts 100 --hours 2 --phases query --query-runs 3
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { type IngestRunResult, runIngestBenchmark } from './ingest-benchmark.js';
import { type BenchOptions, parseBenchOptions, USAGE } from './options.js';
import { type EncodedWorkload, encodeWorkload } from './payloads.js';
import { cleanUpNow } from './peers/process.js';
import { createPrometheusPeer } from './peers/prometheus.js';
import type { Peer, SystemName } from './peers/types.js';
import { createVictoriaMetricsPeer } from './peers/victoria-metrics.js';
import { createVigilPeer } from './peers/vigil.js';
import { formatProtocolMarkdown, type ProtocolPayloadStats, summarizeProtocols } from './protocol-report.js';
import { encodeProtocolWorkload, protocolWire } from './protocols.js';
import { buildQueries } from './queries.js';
import { type AnswerComparison, compareAnswers, createQueryPhase, type QueryPhase } from './query-benchmark.js';
import { formatQueryMarkdown, queryTargets, summarizeQueries } from './query-report.js';
import { formatMarkdown, summarize, vigilRatios } from './report.js';
import { CPU_METRIC_NAMES, createWorkload, WORKLOAD_MATCHER } from './workload.js';

/** The workload ends this long before the run starts, so no system treats it as "too recent". */
const END_BEFORE_NOW_MS = 60_000;

function createPeer(system: SystemName, options: BenchOptions): Peer {
  switch (system) {
    case 'vm':
      return createVictoriaMetricsPeer({ keepData: options.keepData });
    case 'prometheus':
      return createPrometheusPeer({ keepData: options.keepData });
    case 'vigil':
      return createVigilPeer({ bin: options.vigilBin, keepData: options.keepData });
    default:
      throw new Error(`unknown system ${String(system satisfies never)}`);
  }
}

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function main(): Promise<number> {
  const { workload: workloadName, rest } = splitWorkloadOption(process.argv.slice(2));
  if (workloadName === 'logs') {
    const { runLogsBenchmark } = await import('./logs-run.js');
    return runLogsBenchmark(rest);
  }
  if (workloadName === 'alarms') {
    const { runAlarmsBenchmark } = await import('./alarms-run.js');
    return runAlarmsBenchmark(rest);
  }
  if (workloadName === 'anomaly') {
    const { runAnomalyBenchmark } = await import('./anomaly-run.js');
    return runAnomalyBenchmark(rest);
  }
  if (workloadName !== 'metrics') {
    process.stderr.write(`--workload: expected metrics, logs, alarms or anomaly, got ${workloadName}\n\n${USAGE}`);
    return 2;
  }
  let options: BenchOptions | undefined;
  try {
    options = parseBenchOptions(rest);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (options === undefined) {
    process.stdout.write(USAGE);
    return 0;
  }

  const workload = createWorkload({
    hosts: options.hosts,
    durationMs: options.hours * 3_600_000,
    intervalMs: options.intervalSeconds * 1000,
    endMs: Date.now() - END_BEFORE_NOW_MS,
    seed: options.seed,
  });
  log(
    `workload: ${options.hosts} hosts × 10 metrics × ${workload.timestampCount} samples = ${workload.sampleCount.toLocaleString('en-US')} samples` +
      ` (${new Date(workload.startMs).toISOString()} … ${new Date(workload.lastMs).toISOString()})`,
  );
  const encoded = encodeWorkload(workload, { connections: options.connections, samplesPerRequest: options.samplesPerRequest });
  log(
    `encoded ${encoded.requestCount} requests (${(encoded.compressedBytes / 1e6).toFixed(1)} MB snappy, ${(encoded.rawBytes / 1e6).toFixed(1)} MB protobuf)` +
      ` over ${encoded.queues.length} connections in ${(encoded.encodeMs / 1000).toFixed(1)} s (not measured)`,
  );

  const measureIngest = options.phases.includes('ingest');
  const queries = buildQueries(workload, options.seed).filter((q) => (options.queries as readonly string[]).includes(q.name));
  const queryPhase: QueryPhase | undefined = options.phases.includes('query')
    ? createQueryPhase({ queries, runs: options.queryRuns, timeoutMs: options.queryTimeoutSeconds * 1000, log })
    : undefined;

  const peers = options.systems.map((system) => createPeer(system, options));
  const results: IngestRunResult[] = [];
  /** Vigil's runs with the protocols other than remote_write (issue 6); kept apart from `results`. */
  const protocolResults: IngestRunResult[] = [];
  const payloads = new Map<string, ProtocolPayloadStats>([['remote_write', payloadStats(encoded)]]);
  const scope = { matcher: WORKLOAD_MATCHER, metricNames: CPU_METRIC_NAMES, startMs: workload.startMs, lastMs: workload.lastMs };
  // Systems alternate within each repetition, so slow drifts of the shared machine spread evenly.
  for (let repetition = 1; repetition <= options.repeat; repetition++) {
    for (const peer of peers) {
      if (repetition > 1 && results.some((r) => r.system === peer.system && r.status === 'skipped')) continue;
      log(`--- ${peer.title}, run ${repetition}/${options.repeat}`);
      results.push(
        await runIngestBenchmark(peer, {
          encoded,
          scope,
          repetition,
          maxSkewMs: options.maxSkewMinutes * 60_000,
          requestTimeoutMs: options.requestTimeoutSeconds * 1000,
          queryableTimeoutMs: options.queryableTimeoutSeconds * 1000,
          phases: queryPhase === undefined ? [] : [queryPhase],
          measureDisk: measureIngest,
          log,
        }),
      );
      if (peer.system !== 'vigil') continue;
      for (const protocol of options.protocols) {
        if (protocol === 'remote_write') continue;
        // Encoded per run and dropped after it: the uncompressed OTLP encodings of a large
        // workload take gigabytes, so only one is held at a time.
        let protocolEncoded: ReturnType<typeof encodeProtocolWorkload> | undefined = encodeProtocolWorkload(workload, protocol, {
          connections: options.connections,
          samplesPerRequest: options.samplesPerRequest,
        });
        payloads.set(protocol, payloadStats(protocolEncoded));
        log(
          `--- ${peer.title} with ${protocol}, run ${repetition}/${options.repeat}: encoded ${protocolEncoded.requestCount} requests` +
            ` (${(protocolEncoded.compressedBytes / 1e6).toFixed(1)} MB sent, ${(protocolEncoded.rawBytes / 1e6).toFixed(1)} MB uncompressed)` +
            ` in ${(protocolEncoded.encodeMs / 1000).toFixed(1)} s (not measured)`,
        );
        protocolResults.push(
          await runIngestBenchmark(peer, {
            encoded: protocolEncoded,
            scope,
            repetition,
            maxSkewMs: options.maxSkewMinutes * 60_000,
            requestTimeoutMs: options.requestTimeoutSeconds * 1000,
            queryableTimeoutMs: options.queryableTimeoutSeconds * 1000,
            phases: [],
            measureDisk: false,
            wire: protocolWire(protocol),
            log,
          }),
        );
        protocolEncoded = undefined;
      }
    }
  }

  const summaries = measureIngest ? summarize(results) : undefined;
  const workloadLine =
    `Workload: ${options.hosts.toLocaleString('en-US')} hosts × 10 cpu_usage_* series, one sample per ${options.intervalSeconds} s over ${options.hours} h` +
    ` = ${workload.sampleCount.toLocaleString('en-US')} samples in ${encoded.requestCount} remote_write requests over ${encoded.queues.length} connections;` +
    ` ${options.repeat} run(s) per system, medians.`;
  if (summaries !== undefined) process.stdout.write(`\n${formatMarkdown(summaries, results, workloadLine)}\n`);

  let protocolReport: object | undefined;
  if (options.protocols.length > 1) {
    const protocolSummaries = summarizeProtocols([...results, ...protocolResults], payloads);
    const headline =
      `Vigil ingest by protocol (issue 6): the same workload (${workload.sampleCount.toLocaleString('en-US')} samples, ${options.hosts.toLocaleString('en-US')} hosts × ${options.hours} h,` +
      ` ~${options.samplesPerRequest.toLocaleString('en-US')} samples per request over ${encoded.queues.length} connections); ${options.repeat} run(s) per protocol, medians.`;
    process.stdout.write(`\n${formatProtocolMarkdown(protocolSummaries, workload.sampleCount, headline)}\n`);
    protocolReport = { summaries: protocolSummaries, payloads: Object.fromEntries(payloads) };
  }

  let queryReport: object | undefined;
  if (queryPhase !== undefined) {
    const querySummaries = summarizeQueries(queries, results);
    const reference = queryPhase.answers.get('prometheus');
    const candidate = queryPhase.answers.get('vigil');
    // Compared only when both ran; answers are the first successful warm-up of each system.
    const comparisons: AnswerComparison[] | undefined =
      reference === undefined || candidate === undefined ? undefined : queries.map((q) => compareAnswers(q.name, reference.get(q.name), candidate.get(q.name)));
    const headline =
      `Queries: ${queries.length} query_range queries, 1 warm-up + ${options.queryRuns} timed run(s) each per system and run, on ${options.hosts.toLocaleString('en-US')} hosts × ${options.hours} h` +
      ` (${workload.sampleCount.toLocaleString('en-US')} samples); milliseconds, median (p90) over ${options.queryRuns * options.repeat} timed runs.`;
    process.stdout.write(`\n${formatQueryMarkdown(queries, querySummaries, comparisons, headline)}\n`);
    queryReport = {
      queries,
      summaries: querySummaries,
      targets: queryTargets(querySummaries),
      vigilVsPrometheusAnswers: comparisons ?? null,
    };
  }

  const report = {
    generatedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      totalMemoryBytes: totalmem(),
      loadAverageAtEnd: loadavg(),
      node: process.version,
    },
    options,
    workload: {
      hosts: options.hosts,
      series: workload.series.length,
      samples: workload.sampleCount,
      startMs: workload.startMs,
      lastMs: workload.lastMs,
      intervalMs: workload.options.intervalMs,
      requests: encoded.requestCount,
      compressedBytes: encoded.compressedBytes,
      rawBytes: encoded.rawBytes,
      encodeMs: encoded.encodeMs,
    },
    summaries: summaries ?? null,
    vigilVsVictoriaMetrics: summaries === undefined ? null : (vigilRatios(summaries) ?? null),
    queries: queryReport ?? null,
    protocols: protocolReport ?? null,
    runs: results,
    protocolRuns: protocolResults,
  };
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  log(`results written to ${options.out}`);
  return [...results, ...protocolResults].some((r) => r.status === 'failed') ? 1 : 0;
}

function payloadStats(encoded: EncodedWorkload): ProtocolPayloadStats {
  return {
    requests: encoded.requestCount,
    bodyBytes: encoded.compressedBytes,
    rawBytes: encoded.rawBytes,
    samples: encoded.sampleCount,
    encodeSeconds: encoded.encodeMs / 1000,
  };
}

/** Takes `--workload NAME` (or `--workload=NAME`) out of the arguments; `metrics` when absent. */
function splitWorkloadOption(argv: readonly string[]): { workload: string; rest: string[] } {
  const rest: string[] = [];
  let workload = 'metrics';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--workload') workload = argv[++i] ?? '';
    else if (arg.startsWith('--workload=')) workload = arg.slice('--workload='.length);
    else rest.push(arg);
  }
  return { workload, rest };
}

main().then(
  (code) => {
    cleanUpNow();
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    cleanUpNow();
    process.exit(1);
  },
);
