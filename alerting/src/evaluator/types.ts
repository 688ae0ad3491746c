import type { AlarmState, InstanceState } from '../alarm/state.js';

/** A series of a range query: values at (some of) the grid's steps, in time order. */
export interface QuerySeries {
  labels: Record<string, string>;
  timestampsMs: number[];
  values: number[];
}

/**
 * How the alerting library reads data: the server implements it over the PromQL and LogQL engines
 * (so alarms see exactly what dashboards see). A scalar result is one series with no labels.
 */
export interface Querier {
  /** Evaluates `query` at every step from `startMs` to `endMs` inclusive. */
  range(
    tenant: string,
    query: string,
    range: { startMs: number; endMs: number; stepMs: number },
    options?: { language?: 'promql' | 'logql' | 'auto'; signal?: AbortSignal },
  ): Promise<QuerySeries[]>;
}

/** One alarm episode of an instance at one severity, kept to send its resolution. */
export interface Episode {
  /** Severity label of the alert ('' for alarms without levels). */
  severity: string;
  startsAtMs: number;
  /** When it ended; null while firing. */
  endsAtMs: number | null;
}

/** One alarm instance (one series of one alarm) as stored. */
export interface StoredInstance {
  tenant: string;
  alarm: string;
  /** Hash of `labels`; the instance's identity within the alarm. */
  fingerprint: string;
  /** The series' labels without `__name__`. */
  labels: Record<string, string>;
  state: InstanceState;
  /** The current and recent alarm episodes, newest last (bounded). */
  episodes: Episode[];
}

/** A stored state transition with the datapoints that caused it. */
export interface HistoryRecord {
  tenant: string;
  alarm: string;
  fingerprint: string;
  labels: Record<string, string>;
  timestampMs: number;
  from: AlarmState;
  to: AlarmState;
  fromSeverity: string | null;
  toSeverity: string | null;
  /** CloudWatch-style explanation ("Threshold Crossed: 3 out of the last 3 datapoints ..."). */
  reason: string;
  value: number | null;
  /** The evaluation range: [timestamp ms, value or null when missing], oldest first. */
  datapoints: Array<[number, number | null]>;
}

/** Durable alarm state: the server implements it over DuckDB. */
export interface AlarmStateStore {
  loadInstances(): Promise<StoredInstance[]>;
  /** Writes instance changes and transitions atomically: after it resolves both survive a crash. */
  commitEvaluation(
    upserts: StoredInstance[],
    deletes: Array<{ tenant: string; alarm: string; fingerprint: string }>,
    history: HistoryRecord[],
  ): Promise<void>;
  /** Transitions of one alarm, newest first. */
  history(tenant: string, alarm: string, options: { fromMs?: number; toMs?: number; limit?: number }): Promise<HistoryRecord[]>;
  /** Drops every instance of an alarm (history is kept until retention). */
  deleteInstances(tenant: string, alarm: string): Promise<void>;
}

/** A sample the evaluator writes (anomaly bands). */
export interface WrittenSample {
  labels: Record<string, string>;
  timestampMs: number;
  value: number;
}
