/**
 * `@vigil/agent`: the `vigil-agent` host agent as a library — run it embedded with
 * {@link runAgent}, or use its parts (collectors, tailer, disk queue, encoders) on their own.
 */
export { type SupervisedAgent, type SuperviseOptions, superviseAgent } from './agent-supervisor.js';
export { addCommonLabels, collectMetrics, commonLabels } from './collect-metrics.js';
export {
  type AgentConfig,
  ConfigError,
  loadConfigFile,
  parseConfig,
  type ScrapeJobConfig,
  type ServerConfig,
} from './config/agent-config.js';
export type { ConfigProblem } from './config/config-reader.js';
export { Secret } from './config/secret.js';
export { parseDurationMs, parseSizeBytes } from './config/units.js';
export {
  collectHost,
  DEFAULT_HOST_COLLECTOR_OPTIONS,
  HOST_COLLECTOR_NAMES,
  HOST_COLLECTORS,
  type HostCollectorName,
  type HostMetricsOptions,
} from './host/host-collector.js';
export type { HostCollector, HostCollectorOptions, HostContext, StatfsResult } from './host/host-context.js';
export { createLogger, type Logger } from './log.js';
export { CheckpointStore, type CheckpointEntry } from './logs/checkpoint-store.js';
export { FileTailer, type TailerOptions, type TailSink } from './logs/file-tailer.js';
export { expandGlob } from './logs/glob.js';
export { detectLevel, type LogLevel } from './logs/level-detector.js';
export { LogBatcher, type LogBatcherOptions } from './logs/log-batcher.js';
export { LogCollector, type LogCollectorOptions, type LogSource } from './logs/log-collector.js';
export { type MultilineOptions, MultilineJoiner } from './logs/multiline-joiner.js';
export { SampleSet } from './metrics/sample-set.js';
export { formatLabels, formatPrometheusText, formatValue } from './metrics/text-format.js';
export { DiskQueue, type DiskQueueOptions, type DiskQueueStats, type QueueRecord } from './queue/disk-queue.js';
export { type RunAgentOptions, runAgent } from './run-agent.js';
export { ExpositionParseError, type ExpositionFormat, parseExposition } from './scrape/exposition-parser.js';
export { SCRAPE_ACCEPT_HEADER, type ScrapeTarget, scrapeTarget } from './scrape/scraper.js';
export { backoffDelayMs, parseRetryAfterMs } from './send/backoff.js';
export { classifyStatus, type SendOutcome } from './send/classify-status.js';
export { encodeLokiPush, formatLokiLabels, LokiPushBuilder } from './send/loki-push-encoder.js';
export { QueueSender, type QueueSenderOptions, type QueueSenderStats } from './send/queue-sender.js';
export { decodeQueuePayload, encodeQueuePayload, type FileCursor, type QueuePayload } from './send/queue-record.js';
export { encodeRemoteWrite } from './send/remote-write-encoder.js';
export type { Labels, LogEntry, MetricMeta, MetricType, Sample } from './types.js';
export { AGENT_VERSION } from './version.js';
