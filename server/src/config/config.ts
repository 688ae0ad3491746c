import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { LineCounter, parseDocument } from 'yaml';
import type { LabelMatcher } from '@vigil/storage';
import { parseSeriesSelector } from '../api/selector.js';
import { DEFAULT_MAX_DECOMPRESSION_RATIO } from '../ingest/decompress.js';
import { parseBytes, parseDurationMs } from '../util/duration.js';

/** Per-tenant limits. Every field has a default; a tenant's entry overrides some of them. */
export interface TenantLimits {
  /** Samples per second admitted (token bucket refill rate). */
  ingestionRate: number;
  /** Token bucket size, samples. */
  ingestionBurst: number;
  /** Active series (samples in the last hour) a tenant may have; 0 = unlimited. */
  maxActiveSeries: number;
  /** Labels per series, including `__name__`. */
  maxLabelsPerSeries: number;
  /** Bytes in a label name. */
  maxLabelNameLength: number;
  /** Bytes in a label value. */
  maxLabelValueLength: number;
  /** Samples older than now minus this are rejected, ms; 0 = no limit. */
  maxSampleAgeMs: number;
  /** Samples and log entries newer than now plus this are rejected, ms. */
  creationGracePeriodMs: number;
  /** Log bytes per second admitted (token bucket refill rate). */
  logIngestionRateBytes: number;
  /** Log token bucket size, bytes. */
  logIngestionBurstBytes: number;
  /** Log streams a tenant may have; 0 = unlimited. */
  maxStreams: number;
  /** Bytes in one log line. */
  maxLineBytes: number;
  /** Labels per log stream. */
  maxStreamLabels: number;
  /** Log entries older than now minus this are rejected, ms; 0 = no limit. */
  maxLogAgeMs: number;
}

/** The server configuration after defaults, parsing and validation. Frozen. */
export interface VigilConfig {
  /** `host:port` to listen on. */
  listen: string;
  /** Data folder. */
  dataDir: string;
  storage: {
    /** DuckDB buffer pool limit, e.g. `512MB`. */
    memoryLimit: string;
    /** DuckDB threads. */
    threads: number;
    /** Head rows that trigger a compaction. */
    compactAfterRows: number;
    /** Head age that triggers a compaction, ms. */
    compactAfterMs: number;
  };
  /** Default retention for tenants without their own, ms; 0 = keep forever. */
  retentionMs: number;
  /** How often retention runs, ms. */
  retentionIntervalMs: number;
  /** The HTTP listener's limits against slow and idle clients (slowloris, connection floods). */
  http: {
    /** Time a client has to send a request's headers, ms (Node `server.headersTimeout`). */
    headersTimeoutMs: number;
    /** Time a client has to send a whole request, headers and body, ms (Node `server.requestTimeout`). */
    requestTimeoutMs: number;
    /** How long an idle keep-alive connection stays open, ms (Node `server.keepAliveTimeout`). */
    keepAliveTimeoutMs: number;
    /** Connections open at once; past it new connections are closed at once (Node `server.maxConnections`). */
    maxConnections: number;
  };
  /** Failed authentications per client address (reference TS-9); `failureBurst` 0 turns it off. */
  auth: {
    /** Failures an address may make at once before it must wait. */
    failureBurst: number;
    /** Failures per minute an address earns back. */
    failuresPerMinute: number;
  };
  /** Largest accepted request body as sent (compressed), bytes. */
  maxRequestBytes: number;
  /** Largest accepted request body after decompression, bytes. */
  maxDecompressedBytes: number;
  /**
   * Past 8 MiB of output, the most a gzip body may inflate per compressed byte read (0: no check);
   * stops decompression bombs after a few MiB instead of at `maxDecompressedBytes`.
   */
  maxDecompressionRatio: number;
  /** Default limits for every tenant. */
  limits: TenantLimits;
  /** Query limits (Prometheus' defaults). */
  query: {
    /** Longest a query may run, ms; a request's `timeout` may only lower it. */
    timeoutMs: number;
    /** Most samples one query may hold in memory. */
    maxSamples: number;
    /** Queries of one tenant running at once; more wait in line. */
    maxConcurrent: number;
    /**
     * Queries of all tenants running at once; more wait in line. One tenant never holds the last
     * free slot. @default the number of CPUs, at least 2
     */
    maxConcurrentTotal: number;
    /** How long a query may wait for a slot before 503, ms. */
    maxQueueMs: number;
    /** Instant-selector lookback, ms. */
    lookbackDeltaMs: number;
  };
  /** Log streams kept for a different time than the tenant's retention (first match wins). */
  logRetention: StreamRetention[];
  /** Syslog listeners (RFC 5424 / 3164); each is off unless its port is set. */
  syslog: {
    host: string;
    udpPort: number | undefined;
    tcpPort: number | undefined;
    /** Tenant the received lines are stored for. */
    tenant: string;
    maxMessageBytes: number;
  };
  /** Alarms and notifications. */
  alerting: AlertingConfig;
  /** Per-tenant overrides. */
  tenants: Record<string, { retentionMs?: number; logRetention?: StreamRetention[]; limits: Partial<TenantLimits> }>;
}

/** The `alerting` section. */
export interface AlertingConfig {
  /** Evaluate alarms and send notifications (off: alarms are stored but never evaluated). */
  enabled: boolean;
  /** Base URL of this server as users reach it, for links in notifications. */
  externalURL: string;
  /**
   * Destinations allowed although private, loopback or link-local (CIDRs or host names). Every
   * other such address is refused at connection time (SSRF guard).
   */
  allowDestinations: string[];
  /** Prometheus rule files (YAML) loaded at start, for tenant `ruleFilesTenant`. */
  ruleFiles: string[];
  ruleFilesTenant: string;
  /** Server-wide SMTP settings for email channels that do not set their own. */
  smtp: { host: string | undefined; port: number; secure: boolean; requireTLS: boolean; user: string | undefined; password: string | undefined; from: string };
  /** A notification still failing this long after it was queued goes to the dead letters. */
  deadLetterAfterMs: number;
  /** Delivered and dead notifications are kept this long. */
  notificationRetentionMs: number;
}

/** A retention period for the log streams matching a selector, e.g. `{level="debug"}` → 3 days. */
export interface StreamRetention {
  selector: string;
  matchers: LabelMatcher[];
  retentionMs: number;
}

/** Defaults, applied in exactly this one place. */
export const DEFAULT_LIMITS: TenantLimits = {
  ingestionRate: 2_000_000,
  ingestionBurst: 4_000_000,
  maxActiveSeries: 1_000_000,
  maxLabelsPerSeries: 30,
  maxLabelNameLength: 1024,
  maxLabelValueLength: 2048,
  maxSampleAgeMs: 0,
  creationGracePeriodMs: 10 * 60_000,
  logIngestionRateBytes: 64 * 1024 * 1024,
  logIngestionBurstBytes: 128 * 1024 * 1024,
  maxStreams: 10_000,
  maxLineBytes: 256 * 1024,
  maxStreamLabels: 15,
  maxLogAgeMs: 7 * 86_400_000,
};

function defaults(): VigilConfig {
  return {
    listen: '127.0.0.1:9400',
    dataDir: './data',
    storage: { memoryLimit: '128MB', threads: 2, compactAfterRows: 2_000_000, compactAfterMs: 300_000 },
    retentionMs: 30 * 86_400_000,
    retentionIntervalMs: 3_600_000,
    // Header and body timeouts as reference/reliability.md TL-7 asks (≤ 10 s, ≤ 60 s); keep-alive
    // longer than the 60 s idle timeout of common load balancers, so that they close first.
    http: { headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 65_000, maxConnections: 10_000 },
    auth: { failureBurst: 100, failuresPerMinute: 60 },
    maxRequestBytes: 32 * 1024 * 1024,
    maxDecompressedBytes: 128 * 1024 * 1024,
    maxDecompressionRatio: DEFAULT_MAX_DECOMPRESSION_RATIO,
    limits: { ...DEFAULT_LIMITS },
    query: {
      timeoutMs: 120_000,
      maxSamples: 50_000_000,
      maxConcurrent: 20,
      // Queries run on the one JavaScript thread: more at once than there are cores adds latency
      // for everyone and memory, not throughput (docs/reliability.md, Overload).
      maxConcurrentTotal: Math.max(2, availableParallelism()),
      maxQueueMs: 10_000,
      lookbackDeltaMs: 300_000,
    },
    logRetention: [],
    syslog: { host: '127.0.0.1', udpPort: undefined, tcpPort: undefined, tenant: 'default', maxMessageBytes: 64 * 1024 },
    alerting: {
      enabled: true,
      externalURL: 'http://127.0.0.1:9400',
      allowDestinations: [],
      ruleFiles: [],
      ruleFilesTenant: 'default',
      smtp: { host: undefined, port: 587, secure: false, requireTLS: false, user: undefined, password: undefined, from: 'vigil@localhost' },
      deadLetterAfterMs: 24 * 3_600_000,
      notificationRetentionMs: 7 * 86_400_000,
    },
    tenants: {},
  };
}

/** A configuration problem with its path and, for YAML, line and column. */
export interface ConfigProblem {
  path: string;
  message: string;
  line?: number;
  col?: number;
}

/** Raised when a configuration is invalid; lists every problem. */
export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(
    readonly source: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `invalid configuration in ${source}:\n${problems
        .map((p) => `  ${p.line !== undefined ? `${p.line}:${p.col} ` : ''}${p.path}: ${p.message}`)
        .join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

type FieldKind = 'string' | 'int' | 'bool' | 'stringList' | 'duration' | 'size' | 'tenantMap' | 'streamRetention' | { object: Schema };
type Schema = Record<string, { kind: FieldKind; target: string; min?: number }>;

const LIMITS_SCHEMA: Schema = {
  ingestionRate: { kind: 'int', target: 'ingestionRate', min: 1 },
  ingestionBurst: { kind: 'int', target: 'ingestionBurst', min: 1 },
  maxActiveSeries: { kind: 'int', target: 'maxActiveSeries', min: 0 },
  maxLabelsPerSeries: { kind: 'int', target: 'maxLabelsPerSeries', min: 1 },
  maxLabelNameLength: { kind: 'int', target: 'maxLabelNameLength', min: 1 },
  maxLabelValueLength: { kind: 'int', target: 'maxLabelValueLength', min: 1 },
  maxSampleAge: { kind: 'duration', target: 'maxSampleAgeMs' },
  creationGracePeriod: { kind: 'duration', target: 'creationGracePeriodMs' },
  logIngestionRate: { kind: 'size', target: 'logIngestionRateBytes', min: 1 },
  logIngestionBurst: { kind: 'size', target: 'logIngestionBurstBytes', min: 1 },
  maxStreams: { kind: 'int', target: 'maxStreams', min: 0 },
  maxLineSize: { kind: 'size', target: 'maxLineBytes', min: 1 },
  maxStreamLabels: { kind: 'int', target: 'maxStreamLabels', min: 1 },
  maxLogAge: { kind: 'duration', target: 'maxLogAgeMs' },
};

const TENANT_SCHEMA: Schema = {
  retention: { kind: 'duration', target: 'retentionMs' },
  logRetention: { kind: 'streamRetention', target: 'logRetention' },
  limits: { kind: { object: LIMITS_SCHEMA }, target: 'limits' },
};

const ROOT_SCHEMA: Schema = {
  listen: { kind: 'string', target: 'listen' },
  data: { kind: 'string', target: 'dataDir' },
  storage: {
    kind: {
      object: {
        memoryLimit: { kind: 'string', target: 'memoryLimit' },
        threads: { kind: 'int', target: 'threads', min: 1 },
        compactAfterRows: { kind: 'int', target: 'compactAfterRows', min: 1000 },
        compactAfter: { kind: 'duration', target: 'compactAfterMs' },
      },
    },
    target: 'storage',
  },
  retention: { kind: 'duration', target: 'retentionMs' },
  retentionInterval: { kind: 'duration', target: 'retentionIntervalMs', min: 1000 },
  http: {
    kind: {
      object: {
        headersTimeout: { kind: 'duration', target: 'headersTimeoutMs', min: 100 },
        requestTimeout: { kind: 'duration', target: 'requestTimeoutMs', min: 100 },
        keepAliveTimeout: { kind: 'duration', target: 'keepAliveTimeoutMs', min: 100 },
        maxConnections: { kind: 'int', target: 'maxConnections', min: 1 },
      },
    },
    target: 'http',
  },
  auth: {
    kind: {
      object: {
        failureBurst: { kind: 'int', target: 'failureBurst', min: 0 },
        failuresPerMinute: { kind: 'int', target: 'failuresPerMinute', min: 1 },
      },
    },
    target: 'auth',
  },
  maxRequestSize: { kind: 'size', target: 'maxRequestBytes', min: 1024 },
  maxDecompressedSize: { kind: 'size', target: 'maxDecompressedBytes', min: 1024 },
  maxDecompressionRatio: { kind: 'int', target: 'maxDecompressionRatio', min: 0 },
  limits: { kind: { object: LIMITS_SCHEMA }, target: 'limits' },
  query: {
    kind: {
      object: {
        timeout: { kind: 'duration', target: 'timeoutMs', min: 1 },
        maxSamples: { kind: 'int', target: 'maxSamples', min: 1 },
        maxConcurrent: { kind: 'int', target: 'maxConcurrent', min: 1 },
        maxConcurrentTotal: { kind: 'int', target: 'maxConcurrentTotal', min: 1 },
        maxQueueTime: { kind: 'duration', target: 'maxQueueMs' },
        lookbackDelta: { kind: 'duration', target: 'lookbackDeltaMs', min: 1 },
      },
    },
    target: 'query',
  },
  logRetention: { kind: 'streamRetention', target: 'logRetention' },
  syslog: {
    kind: {
      object: {
        host: { kind: 'string', target: 'host' },
        udpPort: { kind: 'int', target: 'udpPort', min: 0 },
        tcpPort: { kind: 'int', target: 'tcpPort', min: 0 },
        tenant: { kind: 'string', target: 'tenant' },
        maxMessageSize: { kind: 'size', target: 'maxMessageBytes', min: 480 },
      },
    },
    target: 'syslog',
  },
  alerting: {
    kind: {
      object: {
        enabled: { kind: 'bool', target: 'enabled' },
        externalURL: { kind: 'string', target: 'externalURL' },
        allowDestinations: { kind: 'stringList', target: 'allowDestinations' },
        ruleFiles: { kind: 'stringList', target: 'ruleFiles' },
        ruleFilesTenant: { kind: 'string', target: 'ruleFilesTenant' },
        smtp: {
          kind: {
            object: {
              host: { kind: 'string', target: 'host' },
              port: { kind: 'int', target: 'port', min: 1 },
              secure: { kind: 'bool', target: 'secure' },
              requireTLS: { kind: 'bool', target: 'requireTLS' },
              user: { kind: 'string', target: 'user' },
              password: { kind: 'string', target: 'password' },
              from: { kind: 'string', target: 'from' },
            },
          },
          target: 'smtp',
        },
        deadLetterAfter: { kind: 'duration', target: 'deadLetterAfterMs', min: 1000 },
        notificationRetention: { kind: 'duration', target: 'notificationRetentionMs', min: 60_000 },
      },
    },
    target: 'alerting',
  },
  tenants: { kind: 'tenantMap', target: 'tenants' },
};

const TENANT_ID_RE = /^[A-Za-z0-9_.-]{1,64}$/;

/** Whether `id` is a valid tenant id: `[A-Za-z0-9_.-]{1,64}` and not `.` or `..`. */
export function isValidTenantId(id: string): boolean {
  return TENANT_ID_RE.test(id) && id !== '.' && id !== '..';
}

/**
 * Builds the configuration: defaults, then the YAML `text` (if any), validated, then frozen.
 * Unknown keys and bad values are reported with their path and line.
 *
 * @throws ConfigError listing every problem.
 */
export function parseConfig(text: string | undefined, source = 'config'): VigilConfig {
  const cfg = defaults();
  if (text === undefined || text.trim() === '') return deepFreeze(cfg);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const problems: ConfigProblem[] = [];
  for (const e of doc.errors) {
    const pos = lineCounter.linePos(e.pos[0]);
    problems.push({ path: '', message: e.message.split('\n')[0]!, line: pos.line, col: pos.col });
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  const raw = doc.toJS() as unknown;
  const where = (path: Array<string | number>): { line?: number; col?: number } => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    const offset = node?.range?.[0];
    if (offset === undefined) {
      // For unknown keys the value node may be null: point at the parent.
      return path.length > 0 ? where(path.slice(0, -1)) : {};
    }
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  if (raw !== null && raw !== undefined) {
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push({ path: '(root)', message: 'must be a mapping' });
    } else {
      applyObject(raw as Record<string, unknown>, ROOT_SCHEMA, cfg as unknown as Record<string, unknown>, [], problems, where);
    }
  }
  if (cfg.limits.ingestionBurst < cfg.limits.ingestionRate) {
    problems.push({
      path: 'limits.ingestionBurst',
      message: `must be at least limits.ingestionRate (${cfg.limits.ingestionRate}), or no request could ever use a full second of rate`,
      ...where(['limits', 'ingestionBurst']),
    });
  }
  if (cfg.http.headersTimeoutMs > cfg.http.requestTimeoutMs) {
    problems.push({
      path: 'http.headersTimeout',
      message: `must not exceed http.requestTimeout (${cfg.http.requestTimeoutMs} ms): the headers are part of the request`,
      ...where(['http', 'headersTimeout']),
    });
  }
  if (!isValidTenantId(cfg.syslog.tenant)) {
    problems.push({ path: 'syslog.tenant', message: 'must match [A-Za-z0-9_.-]{1,64} and not be "." or ".."', ...where(['syslog', 'tenant']) });
  }
  for (const port of ['udpPort', 'tcpPort'] as const) {
    const v = cfg.syslog[port];
    if (v !== undefined && v > 65535) problems.push({ path: `syslog.${port}`, message: `must be a port number, got ${v}`, ...where(['syslog', port]) });
  }
  if (!/^[^:]*:\d{1,5}$/.test(cfg.listen) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(cfg.listen)) {
    problems.push({ path: 'listen', message: `${JSON.stringify(cfg.listen)} is not host:port`, ...where(['listen']) });
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  return deepFreeze(cfg);
}

/** `limits.ingestionRate`, `tenants["team a"].limits`: keys that are not identifiers are quoted. */
function formatPath(path: readonly string[]): string {
  return path
    .map((seg, i) => (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg) ? (i === 0 ? seg : `.${seg}`) : `[${JSON.stringify(seg)}]`))
    .join('');
}

function applyObject(
  raw: Record<string, unknown>,
  schema: Schema,
  target: Record<string, unknown>,
  path: string[],
  problems: ConfigProblem[],
  where: (p: Array<string | number>) => { line?: number; col?: number },
): void {
  for (const [key, value] of Object.entries(raw)) {
    const p = [...path, key];
    const field = schema[key];
    if (!field) {
      problems.push({
        path: path.length ? formatPath(path) : '(root)',
        message: `unknown field ${JSON.stringify(key)}; known fields: ${Object.keys(schema).join(', ')}`,
        ...where(p),
      });
      continue;
    }
    const bad = (message: string) => problems.push({ path: formatPath(p), message, ...where(p) });
    const kind = field.kind;
    if (typeof kind === 'object') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        bad('must be a mapping');
        continue;
      }
      const sub = (target[field.target] ?? {}) as Record<string, unknown>;
      target[field.target] = sub;
      applyObject(value as Record<string, unknown>, kind.object, sub, p, problems, where);
      continue;
    }
    switch (kind) {
      case 'string':
        if (typeof value !== 'string' || value === '') bad('must be a non-empty string');
        else target[field.target] = value;
        break;
      case 'bool':
        if (typeof value !== 'boolean') bad(`must be true or false, got ${JSON.stringify(value)}`);
        else target[field.target] = value;
        break;
      case 'stringList':
        if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) bad('must be a list of non-empty strings');
        else target[field.target] = [...value];
        break;
      case 'int':
        if (typeof value !== 'number' || !Number.isInteger(value)) bad(`must be an integer, got ${JSON.stringify(value)}`);
        else if (field.min !== undefined && value < field.min) bad(`must be at least ${field.min}, got ${value}`);
        else target[field.target] = value;
        break;
      case 'duration': {
        const ms = typeof value === 'string' ? parseDurationMs(value) : value === 0 ? 0 : undefined;
        if (ms === undefined) bad(`must be a duration such as "30s", "5m", "30d" (or 0), got ${JSON.stringify(value)}`);
        else if (field.min !== undefined && ms < field.min) bad(`must be at least ${field.min}ms`);
        else target[field.target] = ms;
        break;
      }
      case 'size': {
        const bytes = typeof value === 'number' ? value : typeof value === 'string' ? parseBytes(value) : undefined;
        if (bytes === undefined || !Number.isFinite(bytes)) bad(`must be a size such as "32MiB", got ${JSON.stringify(value)}`);
        else if (field.min !== undefined && bytes < field.min) bad(`must be at least ${field.min} bytes`);
        else target[field.target] = bytes;
        break;
      }
      case 'streamRetention': {
        if (!Array.isArray(value)) {
          bad('must be a list of {selector, retention}');
          break;
        }
        const out: StreamRetention[] = [];
        for (const [i, item] of (value as unknown[]).entries()) {
          const ip = [...p, String(i)];
          const at = (message: string) => {
            problems.push({ path: `${formatPath(p)}[${i}]`, message, ...where(ip) });
          };
          if (item === null || typeof item !== 'object' || Array.isArray(item)) {
            at('must be a mapping with selector and retention');
            continue;
          }
          const { selector, retention, ...rest } = item as Record<string, unknown>;
          for (const k of Object.keys(rest)) at(`unknown field ${JSON.stringify(k)}; known fields: selector, retention`);
          const ms = typeof retention === 'string' ? parseDurationMs(retention) : retention === 0 ? 0 : undefined;
          if (ms === undefined) {
            at(`retention must be a duration such as "3d", got ${JSON.stringify(retention)}`);
            continue;
          }
          if (typeof selector !== 'string') {
            at('selector must be a stream selector such as {level="debug"}');
            continue;
          }
          try {
            out.push({ selector, matchers: parseSeriesSelector(selector, 'selector'), retentionMs: ms });
          } catch (err) {
            at((err as Error).message);
          }
        }
        target[field.target] = out;
        break;
      }
      case 'tenantMap': {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          bad('must be a mapping of tenant id to settings');
          break;
        }
        const out: Record<string, unknown> = {};
        for (const [id, settings] of Object.entries(value as Record<string, unknown>)) {
          const tp = [...p, id];
          if (!isValidTenantId(id)) {
            problems.push({ path: formatPath(tp), message: 'tenant id must match [A-Za-z0-9_.-]{1,64} and not be "." or ".."', ...where(tp) });
            continue;
          }
          const entry: Record<string, unknown> = { limits: {} };
          if (settings !== null && (typeof settings !== 'object' || Array.isArray(settings))) {
            problems.push({ path: formatPath(tp), message: 'must be a mapping', ...where(tp) });
            continue;
          }
          applyObject((settings ?? {}) as Record<string, unknown>, TENANT_SCHEMA, entry, tp, problems, where);
          out[id] = entry;
        }
        target[field.target] = out;
        break;
      }
    }
  }
}

/** Reads and parses a YAML config file. */
export function loadConfigFile(path: string | undefined): VigilConfig {
  if (path === undefined) return parseConfig(undefined);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [{ path: '', message: `cannot read file: ${(err as Error).message}` }]);
  }
  return parseConfig(text, path);
}

/** Returns a copy of `cfg` with CLI/env overrides applied, frozen again. */
export function withOverrides(cfg: VigilConfig, o: { listen?: string; dataDir?: string }): VigilConfig {
  const copy = structuredClone(cfg) as VigilConfig;
  if (o.listen !== undefined) copy.listen = o.listen;
  if (o.dataDir !== undefined) copy.dataDir = o.dataDir;
  return deepFreeze(copy);
}

/** Limits for `tenant`: defaults overlaid with its entry in `tenants`. */
export function limitsFor(cfg: VigilConfig, tenant: string): TenantLimits {
  const o = cfg.tenants[tenant]?.limits;
  return o ? { ...cfg.limits, ...o } : cfg.limits;
}

/** Log retention rules for `tenant`: its own rules first, then the global ones. */
export function logRetentionFor(cfg: VigilConfig, tenant: string): readonly StreamRetention[] {
  const own = cfg.tenants[tenant]?.logRetention ?? [];
  return own.length > 0 ? [...own, ...cfg.logRetention] : cfg.logRetention;
}

/** Retention for `tenant`, ms (0 = forever). */
export function retentionFor(cfg: VigilConfig, tenant: string, stored?: number): number {
  return stored ?? cfg.tenants[tenant]?.retentionMs ?? cfg.retentionMs;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
