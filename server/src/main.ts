import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server, ServerOptions } from 'node:http';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import {
  AlertingStore,
  Database,
  DocumentStore,
  LogStore,
  MetricStore,
  ResourceStore,
  classifyWriteFailure,
  isDatabaseCorruption,
} from '@vigil/storage';
import { type AlertingRuntime, createAlertingRuntime } from './alerting/runtime.js';
import { attachLokiTail } from './api/loki-tail.js';
import { AuthFailureLimiter } from './auth/failure-limiter.js';
import { createApp } from './app.js';
import { IngestContext } from './ingest/ingest-context.js';
import { compileLogQueryPipeline } from './logql-pipeline.js';
import { MetricFilterService } from './metric-filters/service.js';
import { type SyslogListeners, startSyslogListeners } from './ingest/syslog/listeners.js';
import { ALL_SCOPES, generateKeySecret, hashKey, newKeyId } from './auth/keys.js';
import { type VigilConfig, logRetentionFor, retentionFor } from './config/config.js';
import type { Logger } from './log.js';
import { ServerMetrics } from './metrics.js';
import type { StorageHandle } from './storage-handle.js';

/** Options for {@link startServer}. */
export interface StartOptions {
  config: VigilConfig;
  log: Logger;
  /** Root key from the environment (`VIGIL_ROOT_KEY`); overrides the generated one. */
  rootKey?: string;
  /** Where the one-time root key notice is printed. @default process.stdout */
  out?: NodeJS.WritableStream;
}

/** A running server. */
export interface RunningServer {
  /** The address actually bound (port 0 resolves to a free port). */
  address: { host: string; port: number };
  /** Ports the syslog listeners bound, when enabled. */
  syslogPorts: { udp: number | undefined; tcp: number | undefined };
  /** Drains in-flight requests, finishes queued commits and closes DuckDB cleanly. */
  stop(): Promise<void>;
}

/** Splits `host:port` / `[v6]:port`. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(listen) ?? /^([^:]*):(\d+)$/.exec(listen);
  if (!m) throw new Error(`invalid listen address ${JSON.stringify(listen)}: expected host:port`);
  return { host: m[1] || '127.0.0.1', port: Number(m[2]) };
}

/**
 * Starts Vigil: listens at once (so `/-/healthy` answers and `/-/ready` says 503 during recovery),
 * opens and recovers storage, bootstraps the root key, then starts background maintenance.
 */
export async function startServer(opts: StartOptions): Promise<RunningServer> {
  const { config, log } = opts;
  let handle: StorageHandle | undefined;
  let filters: MetricFilterService | undefined;
  let alerting: AlertingRuntime | undefined;
  const metrics = new ServerMetrics({
    dbPath: () => handle?.db.path,
    headRows: () => handle?.metrics.headRowCount,
    series: () => handle?.metrics.totalSeries,
    duckdbMemory: () => (handle && !handle.db.isClosed ? handle.db.memoryUsage() : undefined),
  });
  const ingest = new IngestContext(config, metrics, () => handle);
  // A request that meets a damaged block fails (500, logged as an unhandled error); the log
  // line is where the server sees it, so that is where it is counted.
  const appLog = countCorruption(log, () => metrics.corruptionDetected.set(1));
  // One limiter of failed authentications for HTTP routes and the live tail's WebSocket upgrade.
  const authFailures = new AuthFailureLimiter(config.auth.failureBurst, config.auth.failuresPerMinute);
  const app = createApp({
    config,
    authFailures,
    storage: () => handle,
    metrics,
    ingest,
    log: appLog,
    metricFilters: () => filters,
    alerting: () => alerting,
    storagelessMetricsKeys: () => rootKeysOutsideStorage(opts.rootKey, config.dataDir),
  });
  const { host, port } = parseListen(config.listen);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port, serverOptions: listenerOptions(config) }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
  // Past this many open connections Node closes new ones at once, before reading anything, so a
  // connection flood costs a file descriptor per connection up to here and nothing after.
  server.maxConnections = config.http.maxConnections;
  attachLokiTail(server, { storage: () => handle, metrics, log, authFailures });
  const bound = server.address();
  const address = typeof bound === 'object' && bound ? { host, port: bound.port } : { host, port };
  log.info('listening', { address: `${address.host}:${address.port}` });

  // A background failure that meets a damaged block is counted, so operators see it in /metrics.
  const onStorageError = (err: unknown) => {
    if (isDatabaseCorruption(err)) metrics.corruptionDetected.set(1);
    log.error('background storage work failed', { err });
  };
  let opened: Awaited<ReturnType<typeof openStorage>>;
  try {
    opened = await openStorage(config, metrics, log, onStorageError);
  } catch (err) {
    if (!isDatabaseCorruption(err)) throw err;
    return refuseCorruptStorage(server, address, config.dataDir, err, metrics, log);
  }
  const { db, store, logs, resources, docs } = opened;
  await resources.ensureTenant('default');
  await bootstrapRootKey(resources, config.dataDir, opts.rootKey, opts.out ?? process.stdout, log);
  // The handle is published (and /-/ready turns 200) only once alerting has loaded its state too.
  const storageHandle: StorageHandle = { db, metrics: store, logs, resources, docs, alerting: new AlertingStore(db) };
  filters = new MetricFilterService(docs, logs, store, compileLogQueryPipeline, log);
  ingest.observeLogs((tenant, batch) => filters?.observe(tenant, batch));
  log.info('storage ready', { series: store.totalSeries, headRows: store.headRowCount });
  const runtime = createAlertingRuntime({ storage: storageHandle, config, log, now: Date.now, metrics });
  await runtime.start();
  alerting = runtime;
  handle = storageHandle;
  let syslog: SyslogListeners | undefined;
  if (config.syslog.udpPort !== undefined || config.syslog.tcpPort !== undefined) {
    syslog = await startSyslogListeners(
      {
        host: config.syslog.host,
        udpPort: config.syslog.udpPort,
        tcpPort: config.syslog.tcpPort,
        tenant: config.syslog.tenant,
        maxMessageBytes: config.syslog.maxMessageBytes,
        onError: (err) => log.warn('syslog listener problem', { err: String(err) }),
      },
      ingest,
    );
    log.info('syslog listening', { host: config.syslog.host, udpPort: syslog.udpPort, tcpPort: syslog.tcpPort });
  }

  const timers = [
    setInterval(() => {
      store.compactIfDue();
      logs.compactIfDue();
    }, 10_000),
    setInterval(() => {
      void runRetention(handle!, config, Date.now(), (cutoffMs) => runtime.notifications.pruneSilences(cutoffMs)).catch((err) =>
        onStorageError(err),
      );
    }, config.retentionIntervalMs),
  ];
  for (const t of timers) t.unref();

  let stopping: Promise<void> | undefined;
  return {
    address,
    syslogPorts: { udp: syslog?.udpPort, tcp: syslog?.tcpPort },
    stop() {
      stopping ??= (async () => {
        for (const t of timers) clearInterval(t);
        await closeGracefully(server, SHUTDOWN_DRAIN_MS);
        await syslog?.stop();
        await alerting?.stop();
        await filters?.stop();
        await store.drainWrites();
        await logs.settled();
        handle = undefined;
        await db.close();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}

/**
 * Opens DuckDB (repairing a WAL that cannot be replayed, see `openWithWalRecovery`) and the
 * stores on it, which rebuild their in-memory indexes from the tables. On failure the database is
 * closed again and the error rethrown.
 */
async function openStorage(config: VigilConfig, metrics: ServerMetrics, log: Logger, onError: (err: unknown) => void) {
  const db = await Database.open({
    dataDir: config.dataDir,
    memoryLimit: config.storage.memoryLimit,
    threads: config.storage.threads,
    onCommit: (rows, seconds) => {
      metrics.commitDuration.observe(seconds);
      metrics.commitRows.inc(rows);
    },
    onCommitFailure: (err) => metrics.commitFailures.inc({ kind: classifyWriteFailure(err) }),
    onWalRecovery: (r) => {
      metrics.walCorruptions.inc({ action: r.action });
      metrics.walDiscardedBytes.inc(r.discardedBytes);
      log.error(
        r.action === 'truncated'
          ? 'the WAL was damaged: it was cut at the first bad entry; transactions before it are kept, later ones are not'
          : 'the WAL was damaged and is set aside whole; data since the last checkpoint is not replayed',
        { wal: r.walPath, preservedAs: r.preservedAs, keptBytes: r.keptBytes, discardedBytes: r.discardedBytes, reason: r.reason },
      );
    },
  });
  try {
    const store = await MetricStore.open(db, {
      compactAfterRows: config.storage.compactAfterRows,
      compactAfterMs: config.storage.compactAfterMs,
      onCompaction: (seconds) => metrics.compactionDuration.observe(seconds),
      onError,
    });
    const logs = await LogStore.open(db, {
      compactAfterMs: config.storage.compactAfterMs,
      onCompaction: (seconds) => metrics.compactionDuration.observe(seconds),
      onError,
    });
    const resources = await ResourceStore.open(db);
    const docs = await DocumentStore.open(db);
    return { db, store, logs, resources, docs };
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}

/**
 * The failure mode for a database file with a damaged block that storage cannot open around
 * (the catalog, or a block the start-up reads to rebuild the indexes): Vigil does not guess and
 * does not exit (a supervisor would restart it into the same failure, a crash loop). It logs
 * once, clearly, what is damaged and what to do, leaves every file untouched, and keeps running
 * unready: `/-/healthy` 200, `/-/ready` and every API 503 with Retry-After.
 */
function refuseCorruptStorage(
  server: Server,
  address: { host: string; port: number },
  dataDir: string,
  err: unknown,
  metrics: ServerMetrics,
  log: Logger,
): RunningServer {
  metrics.corruptionDetected.set(1);
  log.error(
    'storage is corrupt and was not opened: a block of the database file failed its checksum. Vigil stays up but not ready ' +
      '(every API answers 503) and changes no file. Restore the data folder from a backup, or move vigil.duckdb and ' +
      'vigil.duckdb.wal aside to start empty, then restart.',
    { dataDir, err: err instanceof Error ? err.message : String(err) },
  );
  let stopping: Promise<void> | undefined;
  return {
    address,
    syslogPorts: { udp: undefined, tcp: undefined },
    stop() {
      stopping ??= closeGracefully(server, SHUTDOWN_DRAIN_MS);
      return stopping;
    },
  };
}

/**
 * The root keys known without opening storage: `VIGIL_ROOT_KEY` and the generated `<data>/root.key`
 * (read each time, so a key written at the first start counts at once). Only `/metrics` accepts them
 * while storage is not open.
 */
function rootKeysOutsideStorage(envKey: string | undefined, dataDir: string): string[] {
  const keys: string[] = [];
  if (envKey) keys.push(envKey);
  try {
    const fromFile = readFileSync(join(dataDir, 'root.key'), 'utf8').trim();
    if (fromFile) keys.push(fromFile);
  } catch {
    // No file (VIGIL_ROOT_KEY in use, or not written yet).
  }
  return keys;
}

/** A logger that calls `onCorruption` when an error it logs is DuckDB reporting a damaged block. */
function countCorruption(log: Logger, onCorruption: () => void): Logger {
  return {
    info: (msg, fields) => log.info(msg, fields),
    warn: (msg, fields) => log.warn(msg, fields),
    error: (msg, fields) => {
      if (fields && Object.values(fields).some((v) => isDatabaseCorruption(v instanceof Error ? v : new Error(String(v))))) onCorruption();
      log.error(msg, fields);
    },
  };
}

/**
 * Options of the HTTP listener against slow and idle clients (docs/reliability.md, Overload):
 * 1. `headersTimeout`: a client that sends its headers byte by byte (slowloris) is answered 408
 *    and cut off once this passes;
 * 2. `requestTimeout`: the same for the whole request, so a trickled body cannot hold a socket and
 *    a buffer for longer;
 * 3. `keepAliveTimeout`: idle keep-alive connections are closed after this;
 * 4. `connectionsCheckingInterval`: Node checks the first two only this often (30 s by default,
 *    which would let a slowloris hold a socket three times longer than configured).
 */
export function listenerOptions(config: VigilConfig): ServerOptions {
  return {
    headersTimeout: config.http.headersTimeoutMs,
    requestTimeout: config.http.requestTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, config.http.headersTimeoutMs),
  };
}

/** How long in-flight requests may take to finish on shutdown before connections are cut. */
const SHUTDOWN_DRAIN_MS = 10_000;

/**
 * Stops the HTTP server without waiting for keep-alive clients to go away on their own: new
 * connections are refused, every response from now on carries `Connection: close`, idle
 * connections are closed as soon as they become idle, and whatever is left after `drainMs` is cut.
 * (A client that keeps sending on a keep-alive connection, as Prometheus does, would otherwise
 * hold `server.close()` open forever.)
 */
function closeGracefully(server: Server, drainMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearInterval(idle);
      clearTimeout(cut);
      resolve();
    };
    server.on('request', (_req, res) => {
      res.shouldKeepAlive = false;
    });
    server.close(done);
    server.closeIdleConnections();
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const cut = setTimeout(() => server.closeAllConnections(), drainMs);
  });
}

/** Applies each tenant's retention (its override, else the config's) and the log stream rules once. */
export async function runRetention(
  handle: Pick<StorageHandle, 'metrics' | 'logs' | 'resources'> & Partial<Pick<StorageHandle, 'alerting'>>,
  config: VigilConfig,
  now = Date.now(),
  pruneSilences?: (cutoffMs: number) => Promise<number>,
): Promise<void> {
  for (const tenant of handle.metrics.tenants()) {
    const retention = retentionFor(config, tenant, handle.resources.getTenant(tenant)?.retentionMs);
    if (retention > 0) await handle.metrics.applyRetention(tenant, now - retention);
  }
  // Alarm history is kept as long as the tenant's metrics; finished notifications for a while.
  for (const tenant of handle.resources.listTenants().map((t) => t.id)) {
    const retention = retentionFor(config, tenant, handle.resources.getTenant(tenant)?.retentionMs);
    if (retention > 0) {
      await handle.alerting?.pruneHistory(tenant, now - retention);
      await handle.alerting?.pruneScalingActivities(tenant, now - retention);
    }
  }
  await handle.alerting?.pruneOutbox(now - config.alerting.notificationRetentionMs);
  // Expired silences stay listed for audit as long as finished notifications (Alertmanager: 5 days).
  await pruneSilences?.(now - config.alerting.notificationRetentionMs);
  for (const tenant of handle.logs.tenants()) {
    // Selector rules first (a stream may be kept shorter or longer), then the tenant default for
    // the rest. Applying a longer rule first is harmless: the default pass below only deletes
    // streams that no rule matched.
    const rules = logRetentionFor(config, tenant);
    for (const rule of rules) {
      if (rule.retentionMs > 0) await handle.logs.applyRetention(tenant, now - rule.retentionMs, rule.matchers);
    }
    const retention = retentionFor(config, tenant, handle.resources.getTenant(tenant)?.retentionMs);
    if (retention > 0) await handle.logs.applyRetention(tenant, now - retention, [], rules.map((r) => r.matchers));
  }
}

/**
 * Makes sure a root key exists. With `envKey` that key is (added as) a root key. Otherwise, on
 * the first start, a key is generated, written to `<data>/root.key` (mode 0600) and printed once.
 */
async function bootstrapRootKey(
  resources: ResourceStore,
  dataDir: string,
  envKey: string | undefined,
  out: NodeJS.WritableStream,
  log: Logger,
): Promise<void> {
  const make = (secret: string, name: string) => ({
    id: newKeyId(),
    tenant: 'default',
    name,
    keyHash: hashKey(secret),
    scopes: [...ALL_SCOPES],
    isRoot: true,
    createdMs: Date.now(),
    revokedMs: undefined,
  });
  if (envKey !== undefined && envKey !== '') {
    if (!resources.findKeyByHash(hashKey(envKey))) await resources.createKey(make(envKey, 'root (VIGIL_ROOT_KEY)'));
    return;
  }
  const hasRoot = resources.listKeys().some((k) => k.isRoot && k.revokedMs === undefined);
  if (hasRoot) return;
  const secret = generateKeySecret();
  await resources.createKey(make(secret, 'root'));
  const file = join(dataDir, 'root.key');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  out.write(`\nVigil root API key (shown once, also saved to ${file}):\n\n  ${secret}\n\n`);
  log.info('root key created', { file, existed: existsSync(file) });
}
