import { statSync } from 'node:fs';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The server's own metrics, served at `/metrics`. One registry per server instance (tests create
 * many). Label values are closed sets (protocol, reason, route pattern), never user data, so the
 * metrics can neither leak a tenant's data nor explode in cardinality.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly ingestRequests = new Counter({
    name: 'vigil_ingest_requests_total',
    help: 'Ingest requests by protocol and HTTP status code.',
    labelNames: ['protocol', 'code'] as const,
    registers: [this.registry],
  });
  readonly ingestedSamples = new Counter({
    name: 'vigil_ingest_samples_total',
    help: 'Samples acknowledged (durably stored), by protocol.',
    labelNames: ['protocol'] as const,
    registers: [this.registry],
  });
  readonly discardedSamples = new Counter({
    name: 'vigil_ingest_discarded_samples_total',
    help: 'Samples rejected at ingest, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly refusedUnreadRequests = new Counter({
    name: 'vigil_ingest_refused_unread_requests_total',
    help: "Ingest requests answered 429 before their body was read, because the tenant's rate-limit bucket (samples or log bytes) held less than its recent requests; their samples and lines are not in the discarded totals.",
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly ingestedLogLines = new Counter({
    name: 'vigil_ingest_log_lines_total',
    help: 'Log lines acknowledged (durably stored), by protocol.',
    labelNames: ['protocol'] as const,
    registers: [this.registry],
  });
  readonly ingestedLogBytes = new Counter({
    name: 'vigil_ingest_log_bytes_total',
    help: 'Bytes of log lines acknowledged, by protocol.',
    labelNames: ['protocol'] as const,
    registers: [this.registry],
  });
  readonly discardedLogLines = new Counter({
    name: 'vigil_ingest_discarded_log_lines_total',
    help: 'Log lines rejected at ingest, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly ingestedMetadata = new Counter({
    name: 'vigil_ingest_metadata_total',
    help: 'Metric metadata entries received.',
    registers: [this.registry],
  });
  readonly commitDuration = new Histogram({
    name: 'vigil_storage_commit_duration_seconds',
    help: 'Time of one group commit to DuckDB (fsync included).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly commitRows = new Counter({
    name: 'vigil_storage_committed_rows_total',
    help: 'Sample rows committed to DuckDB.',
    registers: [this.registry],
  });
  readonly commitFailures = new Counter({
    name: 'vigil_storage_commit_failures_total',
    help: 'Group commits that failed (nothing of them stored, every request in them answered 503), by kind: disk_full, io, other.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly walCorruptions = new Counter({
    name: 'vigil_storage_wal_corruptions_total',
    help: 'WALs DuckDB could not replay at start, by repair: truncated (cut at the first bad entry, everything before it kept) or discarded (set aside whole). The damaged WAL is kept as vigil.duckdb.wal.corrupt-<ms>.',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });
  readonly walDiscardedBytes = new Counter({
    name: 'vigil_storage_wal_discarded_bytes_total',
    help: 'WAL bytes not replayed because they followed a damaged entry.',
    registers: [this.registry],
  });
  readonly corruptionDetected = new Gauge({
    name: 'vigil_storage_corruption_detected',
    help: '1 once a block of the database file failed its checksum (reads of that block fail; restore it from a backup), else 0.',
    registers: [this.registry],
  });
  readonly compactionDuration = new Histogram({
    name: 'vigil_storage_compaction_duration_seconds',
    help: 'Time of one head compaction (flush into the sorted samples table).',
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'vigil_http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status code.',
    labelNames: ['method', 'route', 'code'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly authFailures = new Counter({
    name: 'vigil_auth_failures_total',
    help: 'Requests refused by authentication or authorisation, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly alarmEvaluations = new Counter({
    name: 'vigil_alarm_evaluations_total',
    help: 'Alarm evaluations, by result (ok, error).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly alarmEvaluationDuration = new Histogram({
    name: 'vigil_alarm_evaluation_duration_seconds',
    help: 'Wall time of one alarm evaluation (query, state machine, commit).',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });
  readonly alarmEvaluationSeries = new Counter({
    name: 'vigil_alarm_evaluated_series_total',
    help: 'Alarm instances (series) evaluated.',
    registers: [this.registry],
  });
  readonly alarmTransitions = new Counter({
    name: 'vigil_alarm_transitions_total',
    help: 'Alarm instance state transitions, by new state.',
    labelNames: ['to'] as const,
    registers: [this.registry],
  });
  readonly notifications = new Counter({
    name: 'vigil_notifications_total',
    help: 'Notification delivery attempts, by channel type and outcome (delivered, retry, dead).',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor(
    probe: {
      dbPath?: () => string | undefined;
      headRows?: () => number | undefined;
      series?: () => number | undefined;
      duckdbMemory?: () => Promise<Array<{ tag: string; bytes: number }>> | undefined;
    } = {},
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'vigil_' });
    new Gauge({
      name: 'vigil_storage_database_bytes',
      help: 'Size of the DuckDB database file plus its WAL.',
      registers: [this.registry],
      collect() {
        const path = probe.dbPath?.();
        if (!path) return;
        let total = 0;
        for (const p of [path, `${path}.wal`]) {
          try {
            total += statSync(p).size;
          } catch {
            // The WAL is absent right after a checkpoint.
          }
        }
        this.set(total);
      },
    });
    new Gauge({
      name: 'vigil_storage_duckdb_memory_bytes',
      help: "Memory DuckDB's buffer manager accounts for, by component (duckdb_memory()); allocations outside it are not included.",
      labelNames: ['tag'] as const,
      registers: [this.registry],
      async collect() {
        const usage = await probe.duckdbMemory?.()?.catch(() => undefined);
        if (!usage) return;
        this.reset();
        for (const u of usage) if (u.bytes > 0) this.set({ tag: u.tag.toLowerCase() }, u.bytes);
      },
    });
    new Gauge({
      name: 'vigil_storage_head_rows',
      help: 'Sample rows committed but not yet compacted into the sorted table.',
      registers: [this.registry],
      collect() {
        const n = probe.headRows?.();
        if (n !== undefined) this.set(n);
      },
    });
    new Gauge({
      name: 'vigil_storage_series',
      help: 'Series known to the index, all tenants.',
      registers: [this.registry],
      collect() {
        const n = probe.series?.();
        if (n !== undefined) this.set(n);
      },
    });
  }
}
