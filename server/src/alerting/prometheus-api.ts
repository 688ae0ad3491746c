import type { AlarmDefinition, StoredInstance } from '@vigil/alerting';
import { formatPromScalar } from '@vigil/query-language';
import { type Context, Hono } from 'hono';
import { type AppVariables, requireScope } from '../auth/middleware.js';
import { badData } from '../errors.js';
import type { AlertingService } from './service.js';

type Ctx = Context<{ Variables: AppVariables }>;

/** A recording rule as `/api/v1/rules` shows it. */
export interface RecordingRuleStatus {
  name: string;
  query: string;
  labels: Record<string, string>;
  health: 'ok' | 'err' | 'unknown';
  lastError: string;
  lastEvaluationMs: number | null;
  evaluationTimeSeconds: number;
}

/** A rule group: from a rule file, or the alarms defined through the API. */
export interface RuleGroupStatus {
  name: string;
  file: string;
  intervalSeconds: number;
  alarms: AlarmDefinition[];
  recording: RecordingRuleStatus[];
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined || ms <= 0 ? '0001-01-01T00:00:00Z' : new Date(ms).toISOString());

/** Prometheus' alert state of an instance: firing (ALARM), pending (breaching short of M), inactive. */
function alertState(i: StoredInstance): 'firing' | 'pending' | 'inactive' {
  if (i.state.state === 'ALARM') return 'firing';
  return i.state.pendingSinceMs !== null ? 'pending' : 'inactive';
}

/**
 * `/api/v1/rules` and `/api/v1/alerts` in Prometheus' shapes, so Grafana's alerting views and
 * other Prometheus clients list Vigil's alarms: every alarm is an alerting rule (API alarms in
 * group `alarms` of file `vigil`; rule-file alarms in their own group), recording rules appear
 * with their health. `type=alert|record` filters as in Prometheus.
 */
export function prometheusRulesApi(deps: { service: () => AlertingService; groups: (tenant: string) => RuleGroupStatus[] }) {
  const app = new Hono<{ Variables: AppVariables }>();
  const read = requireScope('query');

  const alertsOf = (tenant: string, def: AlarmDefinition) => {
    const ev = deps.service().evaluator;
    const out: Array<Record<string, unknown>> = [];
    for (const inst of ev.instancesOf(tenant, def.name)) {
      const state = alertState(inst);
      if (state === 'inactive') continue;
      const severity = inst.state.level === null ? '' : (def.levels[inst.state.level]?.severity ?? '');
      const { labels, annotations } = ev.describe(def, inst, severity);
      out.push({
        labels,
        annotations,
        state,
        activeAt: iso(state === 'firing' ? inst.state.sinceMs : inst.state.pendingSinceMs),
        value: formatPromScalar(inst.state.value ?? Number.NaN),
      });
    }
    return out;
  };

  const rules = (c: Ctx) => {
    const type = c.req.query('type');
    if (type !== undefined && type !== 'alert' && type !== 'record') throw badData('invalid parameter "type": must be "alert" or "record"');
    const tenant = c.get('auth').tenant;
    const ev = deps.service().evaluator;
    const groups = deps.groups(tenant).map((g) => {
      const alerting =
        type === 'record'
          ? []
          : g.alarms.map((def) => {
              const alerts = alertsOf(tenant, def);
              const state = alerts.some((a) => a.state === 'firing') ? 'firing' : alerts.length > 0 ? 'pending' : 'inactive';
              return {
                state,
                name: def.name,
                query: def.type === 'composite' ? def.rule : def.query,
                duration: Math.max(0, (def.evaluationPeriods - 1) * def.periodSeconds),
                keepFiringFor: def.keepFiringForSeconds,
                labels: def.labels,
                annotations: def.annotations,
                alerts,
                health: def.enabled ? 'ok' : 'unknown',
                lastError: '',
                type: 'alerting',
                lastEvaluation: iso(ev.lastEvaluation(tenant, def.name)),
                evaluationTime: 0,
              };
            });
      const recording =
        type === 'alert'
          ? []
          : g.recording.map((r) => ({
              name: r.name,
              query: r.query,
              labels: r.labels,
              health: r.health,
              lastError: r.lastError,
              type: 'recording',
              lastEvaluation: iso(r.lastEvaluationMs),
              evaluationTime: r.evaluationTimeSeconds,
            }));
      return {
        name: g.name,
        file: g.file,
        rules: [...alerting, ...recording],
        interval: g.intervalSeconds,
        limit: 0,
        lastEvaluation: iso(Math.max(0, ...g.alarms.map((a) => ev.lastEvaluation(tenant, a.name) ?? 0), ...g.recording.map((r) => r.lastEvaluationMs ?? 0))),
        evaluationTime: 0,
      };
    });
    return c.json({ status: 'success', data: { groups: groups.filter((g) => g.rules.length > 0 || type === undefined) } });
  };
  app.get('/rules', read, rules);

  app.get('/alerts', read, (c: Ctx) => {
    const tenant = c.get('auth').tenant;
    const alerts = deps.service().list(tenant).flatMap((def) => alertsOf(tenant, def));
    return c.json({ status: 'success', data: { alerts } });
  });
  return app;
}
