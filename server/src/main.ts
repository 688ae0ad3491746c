import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { AlertingStore, Database, DocumentStore, LogStore, MetricStore, ResourceStore } from '@vigil/storage';
import { type AlertingRuntime, createAlertingRuntime } from './alerting/runtime.js';
import { attachLokiTail } from './api/loki-tail.js';
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
  });
  const ingest = new IngestContext(config, metrics, () => handle);
  const app = createApp({ config, storage: () => handle, metrics, ingest, log, metricFilters: () => filters, alerting: () => alerting });
  const { host, port } = parseListen(config.listen);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
  // Slow or idle clients must not hold sockets forever (slowloris).
  server.headersTimeout = 10_000;
  server.requestTimeout = 120_000;
  server.keepAliveTimeout = 65_000;
  attachLokiTail(server, { storage: () => handle, metrics, log });
  const bound = server.address();
  const address = typeof bound === 'object' && bound ? { host, port: bound.port } : { host, port };
  log.info('listening', { address: `${address.host}:${address.port}` });

  const db = await Database.open({
    dataDir: config.dataDir,
    memoryLimit: config.storage.memoryLimit,
    threads: config.storage.threads,
    onCommit: (rows, seconds) => {
      metrics.commitDuration.observe(seconds);
      metrics.commitRows.inc(rows);
    },
  });
  const store = await MetricStore.open(db, {
    compactAfterRows: config.storage.compactAfterRows,
    compactAfterMs: config.storage.compactAfterMs,
    onCompaction: (seconds) => metrics.compactionDuration.observe(seconds),
    onError: (err) => log.error('background storage work failed', { err }),
  });
  const logs = await LogStore.open(db, {
    compactAfterMs: config.storage.compactAfterMs,
    onCompaction: (seconds) => metrics.compactionDuration.observe(seconds),
    onError: (err) => log.error('background storage work failed', { err }),
  });
  const resources = await ResourceStore.open(db);
  const docs = await DocumentStore.open(db);
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
      void runRetention(handle!, config).catch((err) => log.error('retention failed', { err }));
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
