/*
 * One function per server API the UI calls, named for what it does. Each goes through `api()`
 * (client.ts): the session cookie, the CSRF header and the tenant ride along, the answer's `data`
 * is returned, and an error answer throws an ApiError with the server's message. Times in are
 * epoch ms; each function converts to the wire's unit (Prometheus seconds, Loki nanoseconds).
 */
import type { VocabularyItem } from '../lib/completion';
import type { Dashboard, DashboardContent, DashboardSummary } from '../lib/dashboard';
import type { LokiStream } from '../lib/logs';
import type { QueryLanguage } from '../lib/query-tokenizer';
import type { MatrixSeries, VectorSample } from '../lib/series';
import { api, currentTenant } from './client';

/** `GET /api/v1/session`. */
export interface Session {
  tenant: string;
  keyTenant: string;
  keyId: string;
  keyName: string;
  scopes: string[];
  root: boolean;
  via: 'session' | 'key';
  expiresAt: string | null;
}

export const getSession = () => api<Session>('/api/v1/session');
export const signIn = (key: string) => api<Session>('/api/v1/session', { method: 'POST', body: { key } });
export const signOut = () => api<void>('/api/v1/session', { method: 'DELETE' });
export const listTenants = () => api<Array<{ id: string }>>('/api/v1/tenants');

/** The editor's vocabulary (`GET /api/v1/web/language`). */
export interface Vocabulary {
  promql: { functions: VocabularyItem[]; aggregations: VocabularyItem[]; keywords: string[] };
  logql: { rangeAggregations: VocabularyItem[]; vectorAggregations: VocabularyItem[]; stages: VocabularyItem[]; keywords: string[] };
}
let vocabulary: Promise<Vocabulary> | undefined;
/** Loaded once per page load (it only changes with the server's version). */
export function getVocabulary(): Promise<Vocabulary> {
  vocabulary ??= api<Vocabulary>('/api/v1/web/language').catch((err) => {
    vocabulary = undefined;
    throw err;
  });
  return vocabulary;
}

/** A problem of a query, from the server's parser: offsets to underline and the message. */
export interface QueryProblem {
  start: number;
  end: number;
  line: number;
  column: number;
  message: string;
}
export const parseQuery = (lang: QueryLanguage, query: string, signal?: AbortSignal) =>
  api<{ errors: QueryProblem[] }>('/api/v1/web/parse', { method: 'POST', body: new URLSearchParams({ lang, query }), signal });

export type PromResult =
  | { resultType: 'matrix'; result: MatrixSeries[] }
  | { resultType: 'vector'; result: VectorSample[] }
  | { resultType: 'scalar' | 'string'; result: [number, string] };

/** `POST /api/v1/query_range` (times in ms, step in ms). */
export const promRange = (query: string, startMs: number, endMs: number, stepMs: number, signal?: AbortSignal) =>
  api<PromResult>('/api/v1/query_range', {
    method: 'POST',
    body: new URLSearchParams({ query, start: String(startMs / 1000), end: String(endMs / 1000), step: String(stepMs / 1000) }),
    signal,
  });

/** `POST /api/v1/query` at `timeMs`. */
export const promInstant = (query: string, timeMs: number, signal?: AbortSignal) =>
  api<PromResult>('/api/v1/query', { method: 'POST', body: new URLSearchParams({ query, time: String(timeMs / 1000) }), signal });

const rangeParams = (startMs?: number, endMs?: number) => ({
  start: startMs === undefined ? undefined : String(Math.floor(startMs / 1000)),
  end: endMs === undefined ? undefined : String(Math.ceil(endMs / 1000)),
});

export const metricNames = (startMs?: number, endMs?: number) =>
  api<string[]>('/api/v1/label/__name__/values', { params: rangeParams(startMs, endMs) });
export const promLabels = (match: string | undefined, startMs?: number, endMs?: number) =>
  api<string[]>('/api/v1/labels', { params: { 'match[]': match ? [match] : undefined, ...rangeParams(startMs, endMs) } });
export const promLabelValues = (label: string, match: string | undefined, startMs?: number, endMs?: number) =>
  api<string[]>(`/api/v1/label/${encodeURIComponent(label)}/values`, {
    params: { 'match[]': match ? [match] : undefined, ...rangeParams(startMs, endMs) },
  });

/** Loki times are nanoseconds. */
const ns = (ms: number) => `${Math.floor(ms)}000000`;

export type LokiResult = { resultType: 'streams'; result: LokiStream[] } | { resultType: 'matrix'; result: MatrixSeries[] } | { resultType: 'vector'; result: VectorSample[] };

/** `GET /loki/api/v1/query_range`; `endMs` is exclusive, as in Loki. */
export const lokiRange = (
  query: string,
  startMs: number,
  endMs: number,
  opts: { limit?: number; direction?: 'backward' | 'forward'; stepMs?: number; startNs?: string; endNs?: string },
  signal?: AbortSignal,
) =>
  api<LokiResult>('/loki/api/v1/query_range', {
    params: {
      query,
      start: opts.startNs ?? ns(startMs),
      end: opts.endNs ?? ns(endMs),
      limit: opts.limit,
      direction: opts.direction,
      step: opts.stepMs === undefined ? undefined : `${opts.stepMs / 1000}`,
    },
    signal,
  });

export const lokiLabels = (startMs?: number, endMs?: number) =>
  api<string[]>('/loki/api/v1/labels', { params: { start: startMs && ns(startMs), end: endMs && ns(endMs) } });
/** Values of a log stream label; `query` (a stream selector) narrows them to matching streams. */
export const lokiLabelValues = (label: string, startMs?: number, endMs?: number, query?: string) =>
  api<string[]>(`/loki/api/v1/label/${encodeURIComponent(label)}/values`, { params: { start: startMs && ns(startMs), end: endMs && ns(endMs), query } });
export const lokiSeries = (match: string, startMs: number, endMs: number) =>
  api<Array<Record<string, string>>>('/loki/api/v1/series', { params: { 'match[]': [match], start: ns(startMs), end: ns(endMs) } });

/** The WebSocket URL of Loki's live tail for `query` (the session cookie authenticates it). */
export function tailUrl(query: string, startMs?: number): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const p = new URLSearchParams({ query, limit: '200' });
  if (startMs !== undefined) p.set('start', ns(startMs));
  const t = currentTenant();
  if (t) p.set('orgId', t);
  return `${scheme}://${location.host}/loki/api/v1/tail?${p.toString()}`;
}

export const listDashboards = () => api<DashboardSummary[]>('/api/v1/dashboards');
export const getDashboard = (id: string) => api<Dashboard>(`/api/v1/dashboards/${encodeURIComponent(id)}`);
export const createDashboard = (d: DashboardContent) => api<Dashboard>('/api/v1/dashboards', { method: 'POST', body: d });
export const saveDashboard = (id: string, d: DashboardContent & { version?: number }) =>
  api<Dashboard>(`/api/v1/dashboards/${encodeURIComponent(id)}`, { method: 'PUT', body: d });
export const deleteDashboard = (id: string) => api<void>(`/api/v1/dashboards/${encodeURIComponent(id)}`, { method: 'DELETE' });

/** `GET /api/v1/agents`. */
export interface Agent {
  host: string;
  lastSeen: string;
  ageSeconds: number;
  version: string | null;
  labels: Record<string, string>;
  facts: Record<string, string>;
}
export const listAgents = () => api<Agent[]>('/api/v1/agents');

/** An alarm's aggregate state (the worst of its instances). */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** An alarm as `/api/v1/alarms` lists it: its definition, state and instance counts. */
export interface AlarmSummary {
  name: string;
  description: string;
  type: 'threshold' | 'anomaly' | 'composite';
  query: string;
  language: 'promql' | 'logql' | 'auto';
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  comparison: '>' | '>=' | '<' | '<=';
  levels: Array<{ severity: string; threshold: number }>;
  treatMissingData: string;
  keepFiringForSeconds: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  channels: string[];
  anomaly: { bandWidth: number; direction: 'above' | 'below' | 'outside'; trainingDays: number } | null;
  rule: string;
  enabled: boolean;
  source: { kind: 'api' } | { kind: 'file'; file: string; group: string };
  state: AlarmState;
  instanceCounts: Record<AlarmState, number>;
  lastEvaluation: string | null;
}

/** One series of an alarm and where it stands. */
export interface AlarmInstance {
  labels: Record<string, string>;
  state: AlarmState;
  severity: string | null;
  since: string | null;
  pendingSince: string | null;
  lastEvaluation: string | null;
  value: number | null;
}

/** A state change of an alarm instance, with the datapoints that caused it. */
export interface AlarmTransition {
  timestamp: string | null;
  labels: Record<string, string>;
  from: string;
  to: string;
  fromSeverity: string | null;
  toSeverity: string | null;
  reason: string;
  value: number | null;
  datapoints: Array<{ timestamp: string | null; value: number | null }>;
}

/** What a backtest of an alarm over a range found. */
export interface BacktestResult {
  alarm: string;
  from: string | null;
  to: string | null;
  periodSeconds: number;
  evaluations: number;
  transitions: AlarmTransition[];
  instances: Array<{ labels: Record<string, string>; segments: Array<{ from: string | null; to: string | null; state: AlarmState; severity: string | null }> }>;
}

const alarmPath = (name: string) => `/api/v1/alarms/${encodeURIComponent(name)}`;
export const listAlarms = () => api<AlarmSummary[]>('/api/v1/alarms');
export const getAlarm = (name: string) => api<AlarmSummary & { instances: AlarmInstance[] }>(alarmPath(name));
export const alarmHistory = (name: string, limit = 200) => api<AlarmTransition[]>(`${alarmPath(name)}/history`, { params: { limit } });
export const backtestAlarm = (name: string, fromMs: number, toMs: number) =>
  api<BacktestResult>(`${alarmPath(name)}/backtest`, { params: { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() } });
export const deleteAlarm = (name: string) => api<void>(alarmPath(name), { method: 'DELETE' });
/** `POST /api/v1/alarms` (create) or `PUT /api/v1/alarms/:name` (replace). */
export const saveAlarm = (body: unknown, existing: string | undefined) =>
  existing === undefined
    ? api<AlarmSummary>('/api/v1/alarms', { method: 'POST', body })
    : api<AlarmSummary>(alarmPath(existing), { method: 'PUT', body });
/** `POST /api/v1/alarms/backtest`: an unsaved definition over stored data. */
export const backtestDefinition = (alarm: unknown, fromMs: number, toMs: number) =>
  api<BacktestResult>('/api/v1/alarms/backtest', { method: 'POST', body: { alarm, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() } });

/** A silence (`/api/v1/silences`): mutes alerts whose labels match every matcher while active. */
export interface Silence {
  id: string;
  matchers: Array<{ name: string; value: string; type: '=' | '!=' | '=~' | '!~' }>;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  createdAt: string;
  status: { state: 'active' | 'pending' | 'expired' };
}
export const listSilences = () => api<Silence[]>('/api/v1/silences');
export const createSilence = (body: { matchers: Silence['matchers']; startsAt?: string; endsAt: string; createdBy: string; comment: string }) =>
  api<Silence>('/api/v1/silences', { method: 'POST', body });
/** Expires a silence at once (`DELETE /api/v1/silences/:id`; it stays listed for audit). */
export const expireSilence = (id: string) => api<Silence>(`/api/v1/silences/${encodeURIComponent(id)}`, { method: 'DELETE' });

/** A notification channel as the API shows it (secrets replaced by `<secret>`). */
export interface Channel {
  name: string;
  type: 'slack' | 'email' | 'webhook' | 'scaling';
  description?: string;
  url?: string;
  channel?: string;
  to?: string[];
  [field: string]: unknown;
}
export const listChannels = () => api<Channel[]>('/api/v1/channels');
/** `POST /api/v1/channels`: creates a channel; the answer shows its secrets as `<secret>`. */
export const createChannel = (body: unknown) => api<Channel>('/api/v1/channels', { method: 'POST', body });
/** `DELETE /api/v1/channels/:name` (refused while an alarm uses it). */
export const deleteChannel = (name: string) => api<void>(`/api/v1/channels/${encodeURIComponent(name)}`, { method: 'DELETE' });
/** `POST /api/v1/channels/:name/test`: sends a test notification now and reports what the receiver said. */
export const testChannel = (name: string) =>
  api<{ delivered: boolean; permanent?: boolean; error?: string }>(`/api/v1/channels/${encodeURIComponent(name)}/test`, { method: 'POST' });

/** A message of the notification outbox (`/api/v1/notifications`). */
export interface Notification {
  id: string;
  channel: string;
  status: 'pending' | 'delivered' | 'dead';
  groupKey: string;
  groupStatus: string;
  alerts: Array<{ alarm: string; status: string; labels: Record<string, string>; startsAt: string }>;
  createdAt: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  deliveredAt: string | null;
}
export const listNotifications = (limit = 200) => api<Notification[]>('/api/v1/notifications', { params: { limit } });

/** A scaling group (`/api/v1/scaling-groups`) with its live state. */
export interface ScalingGroup {
  name: string;
  min: number;
  max: number;
  desired: number;
  capacitySource: { kind: string; [field: string]: unknown };
  state: {
    desiredCapacity: number;
    minCapacity: number;
    maxCapacity: number;
    currentCapacity: number | null;
    currentReportedAt: string | null;
    lastActivityAt: string | null;
  } | null;
  policies: string[];
}
/** A scaling policy: its `type` decides the other fields (shown as they come). */
export interface ScalingPolicy {
  name: string;
  group: string;
  type: 'simple' | 'step' | 'targetTracking' | 'scheduled';
  enabled: boolean;
  [field: string]: unknown;
}
/** One entry of a group's activity log. */
export interface ScalingActivity {
  group: string;
  atMs: number;
  time: string;
  policy: string;
  cause: { alarm?: string; state?: string; metricValue?: number; threshold?: number; query?: string; schedule?: string };
  from: number;
  to: number;
  status: 'scaled' | 'suppressed';
  reason: string;
  suppressedBy?: string;
}
const groupPath = (name: string) => `/api/v1/scaling-groups/${encodeURIComponent(name)}`;
export const listScalingGroups = () => api<ScalingGroup[]>('/api/v1/scaling-groups');
export const getScalingGroup = (name: string) => api<ScalingGroup>(groupPath(name));
export const scalingActivities = (name: string, fromMs: number, toMs: number, limit = 1000) =>
  api<ScalingActivity[]>(`${groupPath(name)}/activities`, { params: { from: String(fromMs / 1000), to: String(toMs / 1000), limit } });
export const scalingPolicies = (group: string) => api<ScalingPolicy[]>('/api/v1/scaling-policies', { params: { group } });
