/**
 * Shared data shapes of the agent: samples and log entries as they travel from the collectors
 * through the batchers into the disk queue.
 */

/** A label set: label name → value. Never contains `__name__` (that is {@link Sample.name}). */
export type Labels = Record<string, string>;

/** The Prometheus metric types the agent reports in `# TYPE` lines. */
export type MetricType = 'counter' | 'gauge' | 'untyped';

/**
 * One sample of one series.
 *
 * `timestampMs` is epoch milliseconds; collectors stamp every sample of one collection with the
 * same time so a collection is one consistent snapshot.
 */
export interface Sample {
  name: string;
  labels: Labels;
  value: number;
  timestampMs: number;
}

/** `# HELP`/`# TYPE` metadata of one metric family, keyed by family name. */
export interface MetricMeta {
  type: MetricType;
  help: string;
}

/**
 * One log record as it leaves a tailer: the stream labels, the time it was read (nanoseconds since
 * the epoch, as Loki wants them) and the line without its trailing newline.
 */
export interface LogEntry {
  labels: Labels;
  timestampNs: bigint;
  line: string;
}
