import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { addCommonLabels, collectMetrics, commonLabels } from './collect-metrics.js';
import type { AgentConfig } from './config/agent-config.js';
import type { Logger } from './log.js';
import { CheckpointStore } from './logs/checkpoint-store.js';
import { LogBatcher } from './logs/log-batcher.js';
import { LogCollector } from './logs/log-collector.js';
import { SampleSet } from './metrics/sample-set.js';
import { DiskQueue } from './queue/disk-queue.js';
import { encodeQueuePayload } from './send/queue-record.js';
import { QueueSender, sleep } from './send/queue-sender.js';
import { encodeRemoteWrite } from './send/remote-write-encoder.js';
import { AGENT_VERSION } from './version.js';

/** Options of {@link runAgent}. */
export interface RunAgentOptions {
  /** Receives the agent's diagnostics. @default a silent logger */
  logger?: Logger;
  /** How long a rotated-away log file is still read after its last data, ms. @default 5000 */
  drainGraceMs?: number;
}

const SILENT: Logger = { info: () => {}, error: () => {} };

/**
 * Runs the agent until `signal` aborts: collects host metrics and scrapes targets every
 * `metrics.interval`, tails log files, puts everything into two disk queues
 * (`<stateDir>/queue/metrics`, `<stateDir>/queue/logs`) and sends them to the server
 * (`/api/v1/write`, `/loki/api/v1/push`) with retries. The agent's own counters (queue bytes,
 * sent, dropped, retries) are shipped with every collection.
 *
 * On abort it queues the lines read so far, saves log positions and closes the queues; what is
 * queued but unsent is sent by the next start. The returned promise never rejects for runtime
 * failures (they go to the logger); it rejects only when the state directory cannot be used.
 *
 * @example
 * const ac = new AbortController();
 * const done = runAgent(loadConfigFile('/etc/vigil-agent/config.yml'), ac.signal, { logger: createLogger() });
 * process.on('SIGTERM', () => ac.abort());
 * await done;
 */
export async function runAgent(config: AgentConfig, signal: AbortSignal, options: RunAgentOptions = {}): Promise<void> {
  const logger = options.logger ?? SILENT;
  const server = config.server;
  if (!server) throw new Error('the configuration has no "server" section; nowhere to send to');
  const onError = (err: unknown): void => logger.error(err instanceof Error ? err.message : String(err));
  mkdirSync(config.stateDir, { recursive: true });

  const queueOptions = { maxBytes: config.queue.maxBytes, fsync: config.queue.fsync };
  const metricsQueue = new DiskQueue({ dir: join(config.stateDir, 'queue', 'metrics'), ...queueOptions });
  const logsQueue = new DiskQueue({ dir: join(config.stateDir, 'queue', 'logs'), ...queueOptions });
  for (const [name, q] of [['metrics', metricsQueue], ['logs', logsQueue]] as const) {
    if (q.stats.repairedBytes > 0) logger.error('repaired a torn queue tail after an unclean shutdown', { queue: name, bytes: q.stats.repairedBytes });
  }

  const baseHeaders: Record<string, string> = { 'User-Agent': `vigil-agent/${AGENT_VERSION}` };
  if (server.apiKey) baseHeaders.Authorization = `Bearer ${server.apiKey.reveal()}`;
  if (server.tenant) baseHeaders['X-Scope-OrgID'] = server.tenant;
  const senderBase = { timeoutMs: server.timeoutMs, ...config.send, onError };
  const metricsSender = new QueueSender({
    ...senderBase,
    queue: metricsQueue,
    url: `${server.url}/api/v1/write`,
    headers: {
      ...baseHeaders,
      'Content-Type': 'application/x-protobuf',
      'Content-Encoding': 'snappy',
      'X-Prometheus-Remote-Write-Version': '0.1.0',
    },
  });
  const logsSender = new QueueSender({
    ...senderBase,
    queue: logsQueue,
    url: `${server.url}/loki/api/v1/push`,
    headers: { ...baseHeaders, 'Content-Type': 'application/x-protobuf' },
  });

  const checkpoints = CheckpointStore.load(join(config.stateDir, 'positions.json'));
  LogBatcher.recover(logsQueue, checkpoints);
  const batcher = new LogBatcher({
    queue: logsQueue,
    checkpoints,
    maxBatchBytes: config.logs.batchBytes,
    maxWaitMs: config.logs.batchWaitMs,
    onError,
  });
  const collector = new LogCollector({
    sources: [...config.logs.sources],
    commonLabels: commonLabels(config),
    checkpoints,
    sink: batcher.sink,
    drainGraceMs: options.drainGraceMs ?? 5000,
    onError,
  });

  const selfMetrics = (set: SampleSet): void => {
    for (const [queue, q, s] of [
      ['metrics', metricsQueue, metricsSender],
      ['logs', logsQueue, logsSender],
    ] as const) {
      const l = { queue };
      set.add('vigil_agent_queue_bytes', 'gauge', 'Bytes waiting in the disk queue.', l, q.pendingBytes);
      set.add('vigil_agent_sent_requests_total', 'counter', 'Requests the server accepted.', l, s.stats.sentRequests);
      set.add('vigil_agent_sent_bytes_total', 'counter', 'Compressed bytes the server accepted.', l, s.stats.sentBytes);
      set.add('vigil_agent_retries_total', 'counter', 'Send attempts that will be retried.', l, s.stats.retries);
      const help = 'Batches given up: queue over its size bound, rejected by the server, or corrupt on disk.';
      set.add('vigil_agent_dropped_batches_total', 'counter', help, { queue, reason: 'queue_full' }, q.stats.droppedRecords);
      set.add('vigil_agent_dropped_batches_total', 'counter', help, { queue, reason: 'rejected' }, s.stats.rejectedRecords);
      set.add('vigil_agent_dropped_batches_total', 'counter', help, { queue, reason: 'corrupt' }, q.stats.corruptRecords);
    }
    set.add('vigil_agent_log_lines_total', 'counter', 'Log lines queued for sending.', {}, batcher.linesQueued);
    set.add('vigil_agent_log_files_open', 'gauge', 'Log files being tailed.', {}, collector.openFiles);
  };

  const metricsLoop = async (): Promise<void> => {
    while (!signal.aborted) {
      const started = Date.now();
      try {
        const set = await collectMetrics(config, started, onError);
        const own = new SampleSet(started);
        selfMetrics(own);
        addCommonLabels(own, commonLabels(config));
        set.merge(own);
        const max = config.send.maxSamplesPerRequest;
        for (let i = 0; i < set.samples.length; i += max) {
          metricsQueue.append(encodeQueuePayload({ body: encodeRemoteWrite(set.samples.slice(i, i + max)), cursors: [] }));
        }
      } catch (err) {
        onError(err);
      }
      await sleep(Math.max(0, started + config.metrics.intervalMs - Date.now()), signal);
    }
  };

  const logsLoop = async (): Promise<void> => {
    if (config.logs.sources.length === 0) return;
    await collector.start().catch(onError);
    while (!signal.aborted) {
      await collector.poll();
      batcher.tick();
      await sleep(config.logs.pollIntervalMs, signal);
    }
  };

  logger.info('vigil-agent started', {
    version: AGENT_VERSION,
    server: server.url,
    host: config.host,
    logSources: config.logs.sources.length,
    scrapeJobs: config.metrics.scrape.length,
  });
  await Promise.all([metricsLoop(), logsLoop(), metricsSender.run(signal), logsSender.run(signal)]);
  batcher.flush();
  await collector.stop();
  metricsQueue.close();
  logsQueue.close();
  logger.info('vigil-agent stopped', { queuedBytes: metricsQueue.pendingBytes + logsQueue.pendingBytes });
}
