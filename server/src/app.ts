import { timingSafeEqual } from 'node:crypto';
import { isQueryError } from '@vigil/query-language';
import { isStorageError } from '@vigil/storage';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { alarmsApi } from './alerting/alarms-api.js';
import { prometheusRulesApi } from './alerting/prometheus-api.js';
import { channelsApi, notificationsApi, silencesApi } from './alerting/notifications.js';
import { rulesImportApi } from './alerting/rules.js';
import { scalingApi } from './alerting/scaling.js';
import type { AlertingRuntime } from './alerting/runtime.js';
import { keysApi, tenantsApi } from './api/admin-api.js';
import { AuthFailureLimiter, clientAddress, limitAuthFailures } from './auth/failure-limiter.js';
import { hashKey } from './auth/keys.js';
import { SESSION_COOKIE } from './auth/session-cookie.js';
import { agentsApi } from './api/agents-api.js';
import { dashboardsApi } from './api/dashboards-api.js';
import { lokiApi } from './api/loki-api.js';
import { lokiQueryApi } from './api/loki-query-api.js';
import { queryApi } from './api/query-api.js';
import { seriesApi } from './api/series-api.js';
import { type AppVariables, authenticate, extractKeySecret, requireRoot, requireScope } from './auth/middleware.js';
import type { VigilConfig } from './config/config.js';
import { HttpError, isHttpError } from './errors.js';
import { IngestContext } from './ingest/ingest-context.js';
import { createCollectdHandler } from './ingest/collectd/handler.js';
import {
  createInfluxPingHandler,
  createInfluxQueryHandler,
  createInfluxV1WriteHandler,
  createInfluxV2WriteHandler,
} from './ingest/influx/handler.js';
import { createLokiPushHandler } from './ingest/loki/handler.js';
import { createOtlpLogsHandler, createOtlpMetricsHandler } from './ingest/otlp/handler.js';
import { createRemoteWriteHandler } from './ingest/remote-write/handler.js';
import { type Logger, silentLogger } from './log.js';
import { compileLogQueryPipeline } from './logql-pipeline.js';
import { metricFiltersApi } from './metric-filters/api.js';
import type { MetricFilterService } from './metric-filters/service.js';
import { ServerMetrics } from './metrics.js';
import type { StorageHandle } from './storage-handle.js';
import { webLanguageApi } from './web/language-api.js';
import { securityHeaders } from './web/security-headers.js';
import { sessionApi, signInHandler } from './web/session-api.js';
import { webUiFiles } from './web/static-files.js';

/** What {@link createApp} needs. `storage()` is undefined until storage is open and recovered. */
export interface AppDeps {
  config: VigilConfig;
  storage: () => StorageHandle | undefined;
  metrics?: ServerMetrics;
  /** The metric filter runner (undefined until storage is open). */
  metricFilters?: () => MetricFilterService | undefined;
  /** Alarms and notifications (undefined until storage is open). */
  alerting?: () => AlertingRuntime | undefined;
  /** The ingest context; pass one to share rate limits with ingest outside HTTP (syslog). */
  ingest?: IngestContext;
  log?: Logger;
  /** The built web UI served at `/`. @default `web/dist` beside the server (see `defaultWebDir`) */
  webDir?: string;
  /** Clock, epoch ms. @default Date.now */
  now?: () => number;
  /**
   * Root key secrets that may read `/metrics` while storage is not open (during recovery, or when a
   * damaged database was refused): API keys live in the database, so these come from outside it
   * (`VIGIL_ROOT_KEY`, `<data>/root.key`). Empty or absent: `/metrics` waits for storage.
   */
  storagelessMetricsKeys?: () => readonly string[];
  /**
   * The per-address limiter of failed authentications, when something outside the app (the live
   * tail's WebSocket upgrade) shares it; by default the app makes its own from `config.auth`.
   */
  authFailures?: AuthFailureLimiter;
}

/** Paths answered without a key. */
/** `/ping` is Influx's liveness probe, which Telegraf and the influx clients send without credentials. */
const PUBLIC_PATHS = new Set(['/-/healthy', '/-/ready', '/ping']);
/** Ingest paths answer errors in plain text, as Prometheus' and Loki's receivers do. */
const PLAIN_TEXT_ERROR_PATHS = ['/api/v1/write', '/api/v1/push', '/loki/api/v1/push', '/api/prom/push'];

/**
 * Builds the Hono app. Tests call `app.request()` on it without a port; `main.ts` serves it.
 *
 * @example
 * const app = createApp({ config: parseConfig(undefined), storage: () => handle });
 * const res = await app.request('/-/healthy');
 */
export function createApp(deps: AppDeps) {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? silentLogger;
  const metrics =
    deps.metrics ??
    new ServerMetrics({
      dbPath: () => deps.storage()?.db.path,
      headRows: () => deps.storage()?.metrics.headRowCount,
      series: () => deps.storage()?.metrics.totalSeries,
    });
  const storage = (): StorageHandle => {
    const s = deps.storage();
    if (!s) throw new HttpError('unavailable', 'storage is starting', { retryAfterSeconds: 5 });
    return s;
  };
  const ingest = deps.ingest ?? new IngestContext(deps.config, metrics, deps.storage, now);

  const app = new Hono<{ Variables: AppVariables }>();

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.req.routePath && c.req.routePath !== '*' && c.req.routePath !== '/*' ? c.req.routePath : 'other';
    metrics.httpDuration.observe(
      { method: c.req.method, route, code: String(c.res.status) },
      (performance.now() - started) / 1000,
    );
  });

  app.use('*', securityHeaders());

  app.onError((err, c) => errorResponse(err, c, log));
  app.notFound((c) => errorResponse(new HttpError('not_found', `no route for ${c.req.method} ${c.req.path}`), c, log));

  app.get('/-/healthy', (c) => c.text('Vigil is Healthy.\n'));
  app.get('/-/ready', (c) =>
    deps.storage() ? c.text('Vigil is Ready.\n') : c.text('Storage is starting.\n', 503, { 'Retry-After': '5' }),
  );

  // The web UI's files and its sign-in need no key (the browser has none yet).
  app.use('*', webUiFiles({ dir: deps.webDir }));
  const sessionDeps = { storage, metrics, now };
  // Failed authentications are limited per client address (a key in a header, a cookie or the
  // sign-in body); requests without credentials answer 401 as usual and are not counted.
  const failures = deps.authFailures ?? new AuthFailureLimiter(deps.config.auth.failureBurst, deps.config.auth.failuresPerMinute);
  const signIn = signInHandler(sessionDeps);
  app.post('/api/v1/session', (c) => limitAuthFailures(failures, clientAddress(c), now(), () => signIn(c)));

  // While storage is not open no key can be checked, except root keys kept outside the database:
  // they may read /metrics, so that a refused (corrupt) or recovering store still reports itself.
  app.get('/metrics', async (c, next) => {
    if (deps.storage() || !deps.storagelessMetricsKeys) return next();
    const secret = extractKeySecret(c.req.header('authorization'));
    if (secret === undefined || !deps.storagelessMetricsKeys().some((key) => sameSecret(key, secret))) return next();
    return c.text(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType });
  });

  const authenticateRequest = authenticate(deps.storage, metrics, now);
  app.use('*', async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path)) return next();
    const presentsCredentials = c.req.header('authorization') !== undefined || (c.req.header('cookie') ?? '').includes(SESSION_COOKIE);
    if (!presentsCredentials) return authenticateRequest(c, next);
    return limitAuthFailures(failures, clientAddress(c), now(), () => authenticateRequest(c, next));
  });

  app.get('/metrics', requireScope('admin'), requireRoot(), async (c) => {
    const text = await metrics.registry.metrics();
    return c.text(text, 200, { 'Content-Type': metrics.registry.contentType });
  });

  /** Wraps an ingest handler so every answer is counted by protocol and status. */
  const counted = (protocol: string, handler: (c: Context) => Promise<Response>) => async (c: Context) => {
    try {
      const res = await handler(c);
      metrics.ingestRequests.inc({ protocol, code: String(res.status) });
      return res;
    } catch (err) {
      const status = isHttpError(err) ? err.status : isStorageError(err) ? 503 : 500;
      metrics.ingestRequests.inc({ protocol, code: String(status) });
      throw err;
    }
  };
  app.post('/api/v1/write', requireScope('ingest'), counted('remote_write', createRemoteWriteHandler(ingest)));
  const lokiPush = counted('loki', createLokiPushHandler(ingest));
  app.post('/loki/api/v1/push', requireScope('ingest'), lokiPush);
  app.post('/api/prom/push', requireScope('ingest'), lokiPush);
  app.post('/v1/metrics', requireScope('ingest'), counted('otlp', createOtlpMetricsHandler(ingest)));
  app.post('/v1/logs', requireScope('ingest'), counted('otlp', createOtlpLogsHandler(ingest)));
  app.post('/write', requireScope('ingest'), counted('influx', createInfluxV1WriteHandler(ingest)));
  app.post('/api/v2/write', requireScope('ingest'), counted('influx', createInfluxV2WriteHandler(ingest)));
  app.on(['GET', 'POST'], '/query', requireScope('ingest'), createInfluxQueryHandler());
  app.on(['GET', 'HEAD'], '/ping', createInfluxPingHandler());
  app.post('/collectd', requireScope('ingest'), counted('collectd', createCollectdHandler(ingest)));

  app.route('/api/v1', seriesApi(storage));
  app.route('/api/v1', queryApi(storage, deps.config, now));
  app.route('/loki/api/v1', lokiApi(storage, now));
  app.route('/loki/api/v1', lokiQueryApi(storage, deps.config, now));
  app.route(
    '/api/v1/metric-filters',
    metricFiltersApi({
      docs: () => storage().docs,
      service: () => {
        const s = deps.metricFilters?.();
        if (!s) throw new HttpError('unavailable', 'storage is starting', { retryAfterSeconds: 5 });
        return s;
      },
      compile: compileLogQueryPipeline,
      now,
    }),
  );
  const alerting = (): AlertingRuntime => {
    const a = deps.alerting?.();
    if (!a) throw new HttpError('unavailable', 'alerting is starting', { retryAfterSeconds: 5 });
    return a;
  };
  app.route('/api/v1/alarms', alarmsApi({ service: () => alerting().alarms, store: () => storage().alerting, now }));
  app.route('/api/v1/rules', rulesImportApi(() => alerting().rules));
  app.route('/api/v1/channels', channelsApi(() => alerting().notifications));
  app.route('/api/v1/silences', silencesApi(() => alerting().notifications, now));
  app.route('/api/v1/notifications', notificationsApi(() => storage().alerting, now));
  const scaling = scalingApi(() => alerting().scaling, now);
  app.route('/api/v1/scaling-groups', scaling.groups);
  app.route('/api/v1/scaling-policies', scaling.policies);
  app.route('/api/v1/scaling', scaling.k8s);
  app.route('/api/v1', prometheusRulesApi({ service: () => alerting().alarms, groups: (tenant) => alerting().ruleGroups(tenant) }));
  app.route('/api/v1/agents', agentsApi(storage, now));
  app.route('/api/v1/session', sessionApi(sessionDeps));
  app.route('/api/v1/dashboards', dashboardsApi({ docs: () => storage().docs, now }));
  app.route('/api/v1/web', webLanguageApi());
  app.route('/api/v1/keys', keysApi(storage, now));
  app.route('/api/v1/tenants', tenantsApi(storage, now, deps.config.retentionMs));

  app.post('/api/v1/admin/flush', requireScope('admin'), requireRoot(), async (c) => {
    await storage().logs.compact();
    await storage().metrics.flush();
    return c.body(null, 204);
  });

  return app;
}

/** The one place errors become HTTP answers. */
function errorResponse(err: unknown, c: Context, log: Logger): Response {
  let status = 500;
  let code = 'internal';
  let message = 'internal error';
  let retryAfter: number | undefined;
  if (isHttpError(err)) {
    status = err.status;
    code = err.code;
    message = err.message;
    retryAfter = err.retryAfterSeconds;
  } else if (isQueryError(err)) {
    message = err.message;
    switch (err.code) {
      case 'bad_query':
      case 'query_too_long':
        status = 400;
        code = 'bad_data';
        message = `invalid parameter "query": ${err.message}`;
        break;
      case 'execution':
      case 'too_many_samples':
        status = 422;
        code = 'execution';
        break;
      case 'canceled':
        status = 503;
        code = 'canceled';
        break;
      default:
        status = 500;
    }
  } else if (isStorageError(err)) {
    message = err.message;
    switch (err.code) {
      case 'storage_closed':
      case 'storage_unavailable':
        status = 503;
        code = 'unavailable';
        retryAfter = 5;
        break;
      case 'series_limit':
      case 'bad_request':
        status = 400;
        code = 'bad_data';
        break;
      case 'not_found':
        status = 404;
        code = 'not_found';
        break;
      case 'conflict':
        status = 409;
        code = 'conflict';
        break;
      default:
        log.error('storage error', { err: err.message });
        message = 'internal storage error';
    }
  } else {
    log.error('unhandled error', { path: c.req.path, err: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
  const headers: Record<string, string> = {};
  if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer realm="vigil", Basic realm="vigil"';
  if (PLAIN_TEXT_ERROR_PATHS.includes(c.req.path)) {
    return new Response(`${message}\n`, { status, headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' } });
  }
  // Grafana's Loki data source shows an error's `message` field (or else the raw body).
  const body = c.req.path.startsWith('/loki/')
    ? { status: 'error', errorType: code, error: message, message }
    : { status: 'error', errorType: code, error: message };
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...headers, 'Content-Type': 'application/json' },
  });
}

/** Compares two secrets in constant time (by their hashes, which have equal lengths). */
function sameSecret(expected: string, given: string): boolean {
  return expected !== '' && timingSafeEqual(Buffer.from(hashKey(expected), 'hex'), Buffer.from(hashKey(given), 'hex'));
}
