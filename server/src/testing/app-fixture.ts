import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertingStore, Database, DocumentStore, LogStore, MetricStore, ResourceStore } from '@vigil/storage';
import { type AlertingRuntime, createAlertingRuntime } from '../alerting/runtime.js';
import { createApp } from '../app.js';
import { ALL_SCOPES, hashKey } from '../auth/keys.js';
import { type VigilConfig, parseConfig } from '../config/config.js';
import { IngestContext } from '../ingest/ingest-context.js';
import { silentLogger } from '../log.js';
import { compileLogQueryPipeline } from '../logql-pipeline.js';
import { MetricFilterService } from '../metric-filters/service.js';
import { ServerMetrics } from '../metrics.js';
import type { StorageHandle } from '../storage-handle.js';

/** The root key every fixture app accepts. */
export const ROOT_KEY = 'vgl_test_root_key_0123456789';

/** A Response whose `json()` is loosely typed, for terse assertions in tests. */
// biome-ignore lint/suspicious/noExplicitAny: test responses are checked by assertions, not types.
export type TestResponse = Omit<Response, 'json'> & { json(): Promise<any> };

/** An app over a real DuckDB in a temp folder, for `app.request()` tests. */
export interface AppFixture {
  app: ReturnType<typeof createApp>;
  storage: StorageHandle;
  /** Alarms and notifications, not scheduled: tests call `alerting.tick()`. */
  alerting: AlertingRuntime;
  /** The metric filter runner (flush it to write finished intervals). */
  filters: MetricFilterService;
  config: VigilConfig;
  /** The app's ingest context (shared rate limits; syslog listeners use it as their sink). */
  ingest: IngestContext;
  /** Sets the fixture clock, epoch ms. */
  setNow(ms: number): void;
  /** Shorthand for an authenticated request with the root key (plus optional headers). */
  request(path: string, init?: RequestInit & { tenant?: string; key?: string }): Promise<TestResponse>;
  close(): Promise<void>;
}

/** Creates an {@link AppFixture}; `yaml` configures the server as a config file would. */
export async function createAppFixture(yaml?: string): Promise<AppFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-app-'));
  const config: VigilConfig = parseConfig(yaml);
  let now = Date.now();
  const db = await Database.open({ dataDir: dir, memoryLimit: '256MB' });
  const metrics = await MetricStore.open(db, { now: () => now });
  const resources = await ResourceStore.open(db);
  await resources.ensureTenant('default');
  await resources.createKey({
    id: 'root',
    tenant: 'default',
    name: 'root',
    keyHash: hashKey(ROOT_KEY),
    scopes: [...ALL_SCOPES],
    isRoot: true,
    createdMs: now,
    revokedMs: undefined,
  });
  const logs = await LogStore.open(db, { now: () => now });
  const docs = await DocumentStore.open(db);
  const storage: StorageHandle = { db, metrics, logs, resources, docs, alerting: new AlertingStore(db) };
  const serverMetrics = new ServerMetrics({ headRows: () => storage.metrics.headRowCount });
  const ingest = new IngestContext(config, serverMetrics, () => storage, () => now);
  const filters = new MetricFilterService(docs, logs, metrics, compileLogQueryPipeline, silentLogger, { now: () => now });
  ingest.observeLogs((tenant, batch) => filters.observe(tenant, batch));
  const alerting = createAlertingRuntime({ storage, config, log: silentLogger, now: () => now, metrics: serverMetrics });
  await alerting.alarms.evaluator.load();
  await alerting.notifications.load();
  await alerting.scaling.load();
  const app = createApp({
    config,
    storage: () => storage,
    metrics: serverMetrics,
    ingest,
    now: () => now,
    metricFilters: () => filters,
    alerting: () => alerting,
  });
  return {
    app,
    storage,
    alerting,
    filters,
    config,
    ingest,
    setNow(ms) {
      now = ms;
    },
    request(path, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${init.key ?? ROOT_KEY}`);
      if (init.tenant) headers.set('X-Scope-OrgID', init.tenant);
      return Promise.resolve(app.request(path, { ...init, headers }));
    },
    async close() {
      await alerting.stop();
      await filters.stop();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
