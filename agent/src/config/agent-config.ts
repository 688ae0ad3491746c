import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { DEFAULT_HOST_COLLECTOR_OPTIONS, HOST_COLLECTOR_NAMES, type HostCollectorName } from '../host/host-collector.js';
import type { HostCollectorOptions } from '../host/host-context.js';
import type { LogSource } from '../logs/log-collector.js';
import type { Labels } from '../types.js';
import { type ConfigProblem, ConfigReader } from './config-reader.js';
import { Secret } from './secret.js';
import { parseYamlTree, SourcePositions, type YamlNode, YamlSyntaxError } from './yaml-tree.js';

/** Where the agent sends, and how. */
export interface ServerConfig {
  /** Base URL of the Vigil server (or any remote_write + Loki receiver), without a path. */
  url: string;
  apiKey: Secret | undefined;
  /** Sent as `X-Scope-OrgID` when set. */
  tenant: string | undefined;
  /** Per-request timeout in milliseconds. @default 10000 */
  timeoutMs: number;
}

/** One scrape job. */
export interface ScrapeJobConfig {
  job: string;
  /** Full target URLs (`scheme://host:port/path`). */
  urls: string[];
  timeoutMs: number;
  labels: Labels;
}

/** The validated, frozen agent configuration. All durations in ms and sizes in bytes. */
export interface AgentConfig {
  server: ServerConfig | undefined;
  /** The `host` label. @default os.hostname() */
  host: string;
  /** Static labels on every series and stream (e.g. `group: web`). */
  labels: Labels;
  /** Directory for the queue and log positions. @default /var/lib/vigil-agent */
  stateDir: string;
  metrics: {
    /** How often host metrics are collected and targets scraped. @default 15000 */
    intervalMs: number;
    host: {
      enabled: boolean;
      root: string;
      collectors: HostCollectorName[];
      options: Omit<HostCollectorOptions, 'statfs'>;
    };
    scrape: ScrapeJobConfig[];
  };
  logs: {
    sources: LogSource[];
    /** How often files are checked for new data. @default 250 */
    pollIntervalMs: number;
    /** A batch is queued when its lines reach this size. @default 1 MiB */
    batchBytes: number;
    /** ...or this long after its first line. @default 1000 */
    batchWaitMs: number;
  };
  queue: {
    /** Bound of each of the two on-disk queues (metrics, logs). @default 256 MiB */
    maxBytes: number;
    /** fsync every append. @default true */
    fsync: boolean;
  };
  send: {
    /** @default 500 */
    minBackoffMs: number;
    /** Also the longest `Retry-After` honoured. @default 30000 */
    maxBackoffMs: number;
    /** Samples per remote_write request. @default 2000 */
    maxSamplesPerRequest: number;
  };
}

/** Thrown by {@link parseConfig} with every problem found. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly problems: ConfigProblem[],
    readonly file = 'config',
  ) {
    super(
      `invalid configuration in ${file}:\n` +
        problems.map((p) => `  ${file}:${p.line ?? '?'}:${p.column ?? '?'}: ${p.path}: ${p.message}`).join('\n'),
    );
  }
}

const LABEL_VALUE_OK = (v: string): boolean => v !== '';

/**
 * Reads and validates a YAML config file; see {@link parseConfig}.
 *
 * @example
 * const config = loadConfigFile('/etc/vigil-agent/config.yml');
 */
export function loadConfigFile(path: string): AgentConfig {
  return parseConfig(readFileSync(path, 'utf8'), path);
}

/**
 * Parses agent config YAML: defaults → parse → validate → freeze. Unknown fields and bad values are
 * all reported at once in a {@link ConfigError}, each with its path, line and column. Paths in the
 * file (api key file, state dir, log globs) are taken as they are; relative ones are resolved
 * against the working directory.
 *
 * @example
 * parseConfig('server: { url: "http://127.0.0.1:9400", apiKey: k }\nlabels: { group: web }');
 */
export function parseConfig(text: string | undefined, file = 'config'): AgentConfig {
  const source = text ?? '';
  const positions = new SourcePositions(source);
  const problems: ConfigProblem[] = [];
  let tree: YamlNode | undefined;
  try {
    tree = parseYamlTree(source);
  } catch (err) {
    if (!(err instanceof YamlSyntaxError)) throw err;
    const pos = err.offset === undefined ? undefined : positions.at(err.offset);
    throw new ConfigError([{ path: '(syntax)', line: pos?.line, column: pos?.column, message: err.message }], file);
  }
  const root = new ConfigReader(tree, '', problems, positions);
  const top = root.object(['server', 'host', 'labels', 'stateDir', 'metrics', 'logs', 'queue', 'send']) ?? new Map<string, ConfigReader>();

  const server = readServer(top.get('server'));
  const labels = top.get('labels')?.stringMap() ?? {};
  for (const [k, v] of Object.entries(labels)) {
    if (!LABEL_VALUE_OK(v)) top.get('labels')!.report(`label "${k}" must not be empty`);
    if (k === 'host' || k === '__name__') top.get('labels')!.report(`label "${k}" is set by the agent; use the top-level "host" field`);
  }

  const metricsR = top.get('metrics')?.object(['interval', 'host', 'scrape']) ?? new Map<string, ConfigReader>();
  const hostR = metricsR.get('host')?.object([
    'enabled',
    'root',
    'collectors',
    'mountPointsExclude',
    'fsTypesExclude',
    'diskDevicesExclude',
    'netDevicesExclude',
  ]);
  const collectors = (hostR?.get('collectors')?.list() ?? [])
    .map((r) => r.oneOf(HOST_COLLECTOR_NAMES))
    .filter((c): c is HostCollectorName => c !== undefined);
  const defaults = DEFAULT_HOST_COLLECTOR_OPTIONS;
  const scrape = (metricsR.get('scrape')?.list() ?? []).map(readScrapeJob);

  const logsR = top.get('logs')?.object(['sources', 'pollInterval', 'batchSize', 'batchWait']) ?? new Map<string, ConfigReader>();
  const sources = (logsR.get('sources')?.list() ?? []).map(readLogSource);
  const queueR = top.get('queue')?.object(['maxSize', 'fsync']) ?? new Map<string, ConfigReader>();
  const sendR = top.get('send')?.object(['minBackoff', 'maxBackoff', 'maxSamplesPerRequest']) ?? new Map<string, ConfigReader>();

  const config: AgentConfig = {
    server,
    host: top.get('host')?.string() ?? hostname(),
    labels,
    stateDir: resolve(top.get('stateDir')?.string() ?? '/var/lib/vigil-agent'),
    metrics: {
      intervalMs: metricsR.get('interval')?.duration(1000) ?? 15_000,
      host: {
        enabled: hostR?.get('enabled')?.boolean() ?? true,
        root: hostR?.get('root')?.string() ?? '/',
        collectors: collectors.length > 0 ? collectors : [...HOST_COLLECTOR_NAMES],
        options: {
          mountPointsExclude: hostR?.get('mountPointsExclude')?.regex() ?? defaults.mountPointsExclude,
          fsTypesExclude: hostR?.get('fsTypesExclude')?.regex() ?? defaults.fsTypesExclude,
          diskDevicesExclude: hostR?.get('diskDevicesExclude')?.regex() ?? defaults.diskDevicesExclude,
          netDevicesExclude: hostR?.get('netDevicesExclude')?.regex() ?? defaults.netDevicesExclude,
        },
      },
      scrape: scrape.filter((s): s is ScrapeJobConfig => s !== undefined),
    },
    logs: {
      sources: sources.filter((s): s is LogSource => s !== undefined),
      pollIntervalMs: logsR.get('pollInterval')?.duration(10) ?? 250,
      batchBytes: logsR.get('batchSize')?.size(1024) ?? 1 << 20,
      batchWaitMs: logsR.get('batchWait')?.duration(10) ?? 1000,
    },
    queue: {
      maxBytes: queueR.get('maxSize')?.size(1 << 20) ?? 256 << 20,
      fsync: queueR.get('fsync')?.boolean() ?? true,
    },
    send: {
      minBackoffMs: sendR.get('minBackoff')?.duration(1) ?? 500,
      maxBackoffMs: sendR.get('maxBackoff')?.duration(1) ?? 30_000,
      maxSamplesPerRequest: sendR.get('maxSamplesPerRequest')?.integer(1) ?? 2000,
    },
  };
  if (config.send.maxBackoffMs < config.send.minBackoffMs) {
    const at = sendR.get('maxBackoff') ?? sendR.get('minBackoff')!;
    at.report(`must be at least send.minBackoff (${config.send.minBackoffMs}ms)`);
  }
  const jobs = new Set<string>();
  for (const [i, j] of scrape.entries()) {
    if (!j) continue;
    if (jobs.has(j.job)) metricsR.get('scrape')!.list()![i]!.report(`duplicate job name "${j.job}"`);
    jobs.add(j.job);
  }
  if (problems.length > 0) throw new ConfigError(problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)), file);
  return deepFreeze(config);
}

function readServer(r: ConfigReader | undefined): ServerConfig | undefined {
  if (!r || r.missing) return undefined;
  const f = r.object(['url', 'apiKey', 'apiKeyFile', 'tenant', 'timeout']);
  if (!f) return undefined;
  const url = f.get('url')?.string();
  if (url === undefined && (!f.get('url') || f.get('url')!.missing)) r.report('missing field "url"');
  if (url !== undefined && !/^https?:\/\/[^/]+/.test(url)) f.get('url')!.report(`must be an http(s) URL such as "http://127.0.0.1:9400", got "${url}"`);
  let apiKey: Secret | undefined;
  const inline = f.get('apiKey')?.string();
  const keyFile = f.get('apiKeyFile')?.string();
  if (inline !== undefined && keyFile !== undefined) f.get('apiKeyFile')!.report('set either apiKey or apiKeyFile, not both');
  else if (inline !== undefined) apiKey = new Secret(inline);
  else if (keyFile !== undefined) {
    try {
      const key = readFileSync(keyFile, 'utf8').trim();
      if (key === '') f.get('apiKeyFile')!.report(`the key file ${keyFile} is empty; put the API key in it`);
      else apiKey = new Secret(key);
    } catch (err) {
      f.get('apiKeyFile')!.report(`cannot read the key file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return {
    url: (url ?? '').replace(/\/+$/, ''),
    apiKey,
    tenant: f.get('tenant')?.string(),
    timeoutMs: f.get('timeout')?.duration(100) ?? 10_000,
  };
}

function readScrapeJob(r: ConfigReader): ScrapeJobConfig | undefined {
  const f = r.object(['job', 'targets', 'path', 'scheme', 'timeout', 'labels']);
  if (!f) return undefined;
  const job = f.get('job')?.string();
  if (!f.get('job')) r.report('missing field "job"');
  const path = f.get('path')?.string() ?? '/metrics';
  const scheme = f.get('scheme')?.oneOf(['http', 'https'] as const) ?? 'http';
  const targetsR = f.get('targets');
  const targets = (targetsR?.list() ?? []).map((t) => {
    const v = t.string();
    if (v !== undefined && !/^[^\s/]+:\d+$/.test(v)) t.report(`must be "host:port", got "${v}"`);
    return v;
  });
  if (!targetsR || targets.length === 0) r.report('needs at least one entry in "targets"');
  if (job === undefined) return undefined;
  return {
    job,
    urls: targets.filter((t): t is string => t !== undefined).map((t) => `${scheme}://${t}${path.startsWith('/') ? path : `/${path}`}`),
    timeoutMs: f.get('timeout')?.duration(100) ?? 10_000,
    labels: f.get('labels')?.stringMap() ?? {},
  };
}

function readLogSource(r: ConfigReader): LogSource | undefined {
  const f = r.object(['paths', 'labels', 'startAt', 'maxLineSize', 'detectLevel', 'multiline']);
  if (!f) return undefined;
  const pathsR = f.get('paths');
  const paths = (pathsR?.list() ?? []).map((p) => {
    const v = p.string();
    if (v !== undefined && !isAbsolute(v)) p.report(`must be an absolute path or glob, got "${v}"`);
    return v;
  });
  if (!pathsR || paths.length === 0) r.report('needs at least one entry in "paths"');
  const ml = f.get('multiline');
  let multiline: LogSource['multiline'];
  if (ml && !ml.missing) {
    const m = ml.object(['startPattern', 'maxLines', 'timeout']);
    const startPattern = m?.get('startPattern')?.regex();
    if (m && !m.get('startPattern')) ml.report('missing field "startPattern"');
    if (startPattern) {
      multiline = {
        startPattern,
        maxLines: m?.get('maxLines')?.integer(1) ?? 500,
        timeoutMs: m?.get('timeout')?.duration(1) ?? 3000,
      };
    }
  }
  const labels = f.get('labels')?.stringMap() ?? {};
  return {
    paths: paths.filter((p): p is string => p !== undefined),
    labels,
    startAt: f.get('startAt')?.oneOf(['beginning', 'end'] as const) ?? 'end',
    maxLineBytes: f.get('maxLineSize')?.size(64) ?? 256 * 1024,
    detectLevel: f.get('detectLevel')?.boolean() ?? true,
    multiline,
  };
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !(v instanceof RegExp) && !(v instanceof Secret)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
