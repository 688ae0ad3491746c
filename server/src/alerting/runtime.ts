import type { VigilConfig } from '../config/config.js';
import type { Logger } from '../log.js';
import type { ServerMetrics } from '../metrics.js';
import type { StorageHandle } from '../storage-handle.js';
import type { RuleGroupStatus } from './prometheus-api.js';
import { NotificationService } from './notifications.js';
import { createQuerier } from './querier.js';
import { RuleManager } from './rules.js';
import { ScalingService } from './scaling.js';
import { AlertingService } from './service.js';

/** Everything alerting in one running server: alarms and their evaluator. */
export interface AlertingRuntime {
  alarms: AlertingService;
  /** Rule files, imported rule files and recording rules. */
  rules: RuleManager;
  /** Channels, silences, the dispatcher and the sender. */
  notifications: NotificationService;
  /** Scaling groups and policies. */
  scaling: ScalingService;
  /** Rule groups as `/api/v1/rules` lists them: the API's alarms, then each rule file group. */
  ruleGroups(tenant: string): RuleGroupStatus[];
  /** One evaluation round at `nowMs` (tests drive it; `start` schedules it every second). */
  tick(nowMs?: number): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Wires the alerting library to storage, the query engines, the config and self-metrics. */
export function createAlertingRuntime(deps: {
  storage: StorageHandle;
  config: VigilConfig;
  log: Logger;
  now: () => number;
  metrics?: ServerMetrics;
}): AlertingRuntime {
  const { storage, config, log, now } = deps;
  const querier = createQuerier(() => storage, config);
  // The alarm service checks channel names against the notification service, built after it.
  let notifications: NotificationService | undefined;
  const alarms = new AlertingService({
    channelExists: (tenant, name) => notifications?.channel(tenant, name) !== undefined,
    docs: storage.docs,
    store: storage.alerting,
    querier,
    metrics: storage.metrics,
    log,
    now,
    externalURL: config.alerting.externalURL.replace(/\/+$/, ''),
    onEvaluated: (e) => {
      deps.metrics?.alarmEvaluations.inc({ result: e.error ? 'error' : 'ok' });
      deps.metrics?.alarmEvaluationDuration.observe(e.durationMs / 1000);
      deps.metrics?.alarmEvaluationSeries.inc(e.series);
    },
    onTransition: (r) => deps.metrics?.alarmTransitions.inc({ to: r.to }),
  });
  const rules = new RuleManager({
    docs: storage.docs,
    metrics: storage.metrics,
    querier,
    alarms,
    log,
    ruleFiles: config.alerting.ruleFiles,
    ruleFilesTenant: config.alerting.ruleFilesTenant,
    now,
  });
  const scaling = new ScalingService({
    docs: storage.docs,
    store: storage.alerting,
    metrics: storage.metrics,
    querier,
    alarms,
    log,
    now,
    externalURL: config.alerting.externalURL.replace(/\/+$/, ''),
  });
  notifications = new NotificationService({
    extraChannel: (tenant, name) => scaling.channelFor(tenant, name),
    docs: storage.docs,
    store: storage.alerting,
    alarms,
    config: config.alerting,
    log,
    now,
    onResult: (type, outcome) => deps.metrics?.notifications.inc({ type, outcome }),
  });
  const n = notifications;
  alarms.onTick((nowMs) => rules.tick(nowMs));
  alarms.onTick((nowMs) => n.afterEvaluation(nowMs));
  alarms.onTick((nowMs) => scaling.tick(nowMs));
  return {
    alarms,
    rules,
    notifications: n,
    scaling,
    ruleGroups: (tenant) => rules.groups(tenant),
    tick: (nowMs) => alarms.tick(nowMs ?? now()),
    async start() {
      if (!config.alerting.enabled) return;
      await rules.loadFiles();
      await n.load();
      await scaling.load();
      await alarms.start();
      n.start();
    },
    async stop() {
      await alarms.stop();
      await n.stop();
    },
  };
}
