import { type Label, type LogEntry, canonicalLabels } from '@vigil/storage';
import type { OtlpAttribute, OtlpResourceLogs } from './model.js';

/**
 * Resource attributes that become stream labels, as Loki's OTLP endpoint promotes them by default
 * (`default_resource_attributes_as_index_labels`); every other attribute is structured metadata.
 * Dots become underscores (`service.name` → `service_name`).
 */
export const INDEXED_RESOURCE_ATTRIBUTES: readonly string[] = [
  'service.name',
  'service.namespace',
  'service.instance.id',
  'deployment.environment',
  'deployment.environment.name',
  'cloud.region',
  'cloud.availability_zone',
  'k8s.cluster.name',
  'k8s.namespace.name',
  'k8s.pod.name',
  'k8s.container.name',
  'container.name',
  'k8s.replicaset.name',
  'k8s.deployment.name',
  'k8s.statefulset.name',
  'k8s.daemonset.name',
  'k8s.cronjob.name',
  'k8s.job.name',
];
const INDEXED = new Set(INDEXED_RESOURCE_ATTRIBUTES);

/** One stream's entries, labels canonical. */
export interface OtlpStream {
  labels: Label[];
  entries: LogEntry[];
}

/** OTLP `severity_number` ranges (1–4 trace … 21–24 fatal) as Loki/Grafana level names. */
export function severityLevel(severityNumber: number, severityText: string): string | undefined {
  if (severityNumber >= 1 && severityNumber <= 24) {
    return (['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const)[Math.floor((severityNumber - 1) / 4)];
  }
  const t = severityText.trim().toLowerCase();
  return t === '' ? undefined : t;
}

/** Attribute key as a Loki label or metadata name: characters outside `[a-zA-Z0-9_]` → `_`. */
export function lokiName(key: string): string {
  const s = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s || '_';
}

function putAll(attrs: readonly OtlpAttribute[], into: Record<string, string>): void {
  for (const a of attrs) if (a.value !== '') into[lokiName(a.key)] = a.value;
}

/**
 * Maps decoded OTLP logs to streams the way Loki's `/otlp/v1/logs` does: promoted resource
 * attributes (and `service_name`, `unknown_service` when absent) plus `level` from the severity
 * are the stream labels; other resource attributes, scope name and version, log attributes,
 * trace and span ids and the severity text are structured metadata; the body is the line. A record's time
 * is `time_unix_nano`, else `observed_time_unix_nano`, else `nowNs`.
 */
export function otlpLogsToStreams(resources: readonly OtlpResourceLogs[], nowNs: bigint): OtlpStream[] {
  const streams = new Map<string, OtlpStream>();
  for (const rl of resources) {
    const indexed = new Map<string, string>();
    const resourceMeta: Record<string, string> = {};
    for (const a of rl.resource) {
      if (INDEXED.has(a.key)) indexed.set(lokiName(a.key), a.value);
      else if (a.value !== '') resourceMeta[lokiName(a.key)] = a.value;
    }
    if (!indexed.get('service_name')) indexed.set('service_name', 'unknown_service');
    const base: Label[] = [...indexed].map(([name, value]) => ({ name, value }));
    for (const { scope, records } of rl.scopes) {
      const scopeMeta: Record<string, string> = { ...resourceMeta };
      if (scope.name) scopeMeta.scope_name = scope.name;
      if (scope.version) scopeMeta.scope_version = scope.version;
      putAll(scope.attributes, scopeMeta);
      for (const r of records) {
        const level = severityLevel(r.severityNumber, r.severityText);
        const labels = canonicalLabels(level ? [...base, { name: 'level', value: level }] : base);
        let key = '';
        for (const l of labels) key += `${l.name}\u0000${l.value}\u0001`;
        let s = streams.get(key);
        if (!s) {
          s = { labels, entries: [] };
          streams.set(key, s);
        }
        const metadata: Record<string, string> = { ...scopeMeta };
        putAll(r.attributes, metadata);
        if (r.traceId) metadata.trace_id = r.traceId;
        if (r.spanId) metadata.span_id = r.spanId;
        if (r.severityText) metadata.severity_text = r.severityText;
        if (r.severityNumber) metadata.severity_number = String(r.severityNumber);
        if (r.eventName) metadata.event_name = r.eventName;
        const tsNs = r.timeNs > 0n ? r.timeNs : r.observedTimeNs > 0n ? r.observedTimeNs : nowNs;
        s.entries.push({ tsNs, line: r.body ?? '', ...(Object.keys(metadata).length > 0 ? { metadata } : {}) });
      }
    }
  }
  return [...streams.values()];
}
