import {
  type AlarmPoint,
  type ChannelConfig,
  type InFlightScaleOut,
  type LastActivity,
  type Querier,
  type Recommendation,
  type ScalingActivity,
  type ScalingDecision,
  type ScalingGroup,
  type ScalingPolicy,
  SECRET_PLACEHOLDER,
  activityFromDecision,
  applyScheduled,
  backtestPolicies,
  clamp,
  combineDecisions,
  createDirectMessage,
  hpaRecommendation,
  isAlertingError,
  nextScheduledRun,
  parseScalingGroup,
  parseScalingPolicy,
  scalingGroupToJSON,
  simplePolicyDecision,
  stepPolicyDecision,
  targetTrackingDecision,
} from '@vigil/alerting';
import { type AlertingStore, type DocumentStore, type MetricStore, objectToLabels } from '@vigil/storage';
import { type Context, Hono } from 'hono';
import { type AppVariables, requireScope } from '../auth/middleware.js';
import { HttpError, badData } from '../errors.js';
import { jsonBody } from '../json-body.js';
import { parseTimeParam } from '../util/time-param.js';
import type { Logger } from '../log.js';
import { checkAlarmQuery } from './querier.js';
import type { AlertingService } from './service.js';

/** Document kinds of scaling groups and policies. */
export const SCALING_GROUP_KIND = 'scaling-group';
export const SCALING_POLICY_KIND = 'scaling-policy';
/** Channel name prefix under which a group's webhook is delivered by the notification sender. */
export const SCALING_CHANNEL_PREFIX = 'scaling-group:';
/** How often groups are decided, ms. */
export const SCALING_INTERVAL_MS = 5_000;
const MAX_GROUPS_PER_TENANT = 200;
const MAX_POLICIES_PER_TENANT = 1000;

/** What survives a restart for a group: its capacity and the memory its policies need. */
interface GroupRuntime {
  tenant: string;
  group: string;
  desired: number;
  min: number;
  max: number;
  /** Last capacity the actuator reported (or the capacity query counted), and when. */
  current: number | null;
  currentAtMs: number | null;
  lastActivity: LastActivity | null;
  lastScaleInAtMs: number | null;
  inFlight: InFlightScaleOut[];
  /** Target-tracking recommendations per policy (stabilisation window). */
  recommendations: Record<string, Recommendation[]>;
  /** Per scheduled policy: the last time it was checked up to. */
  scheduledUpToMs: Record<string, number>;
  /** Per policy: the last suppression logged (so the log shows changes, not every round). */
  lastSuppression: Record<string, string>;
  /** Sequence of capacity changes (the webhook's idempotency key uses it). */
  changes: number;
}

const key = (tenant: string, group: string) => `${tenant}\u0000${group}`;

/**
 * Autoscaling for the server: groups and policies per tenant (document store), a decision round
 * every 5 s after the alarm evaluation (scheduled actions first, then every dynamic policy,
 * combined: out if any says out, in only if all agree), each capacity change committed with its
 * activity record and its signed scaling webhook (outbox) in one transaction, so a restart neither
 * loses nor repeats a change. Suppressed decisions are logged when their reason changes.
 */
export class ScalingService {
  private readonly runtime = new Map<string, GroupRuntime>();
  private lastRoundMs = 0;
  private readonly hpaHistory = new Map<string, Recommendation[]>();

  constructor(
    private readonly deps: {
      docs: DocumentStore;
      store: AlertingStore;
      metrics: MetricStore;
      querier: Querier;
      alarms: AlertingService;
      log: Logger;
      now: () => number;
      externalURL: string;
    },
  ) {}

  async load(): Promise<void> {
    for (const r of await this.deps.store.loadScalingStates<GroupRuntime>()) this.runtime.set(key(r.tenant, r.group), r);
  }

  groups(tenant: string): ScalingGroup[] {
    return this.deps.docs.list<Record<string, unknown>>(SCALING_GROUP_KIND, tenant).map((d) => parseScalingGroup(d.body));
  }

  group(tenant: string, name: string): ScalingGroup | undefined {
    const d = this.deps.docs.get<Record<string, unknown>>(tenant, SCALING_GROUP_KIND, name);
    return d ? parseScalingGroup(d.body) : undefined;
  }

  policies(tenant: string, group?: string): ScalingPolicy[] {
    const all = this.deps.docs.list<ScalingPolicy>(SCALING_POLICY_KIND, tenant).map((d) => d.body);
    return group === undefined ? all : all.filter((p) => p.group === group);
  }

  policy(tenant: string, name: string): ScalingPolicy | undefined {
    return this.deps.docs.get<ScalingPolicy>(tenant, SCALING_POLICY_KIND, name)?.body;
  }

  /** The live state of a group (capacity, bounds after scheduled actions, last activity). */
  state(tenant: string, name: string): GroupRuntime | undefined {
    return this.runtime.get(key(tenant, name));
  }

  /** The scaling channel the notification sender uses for a group's webhook. */
  channelFor(tenant: string, channelName: string): ChannelConfig | undefined {
    if (!channelName.startsWith(SCALING_CHANNEL_PREFIX)) return undefined;
    const g = this.group(tenant, channelName.slice(SCALING_CHANNEL_PREFIX.length));
    if (!g) return undefined;
    return {
      name: channelName,
      type: 'scaling',
      url: g.webhook.url,
      secret: g.webhook.secret.reveal(),
      groupBy: [],
      groupWaitSeconds: 0,
      groupIntervalSeconds: 0,
      repeatIntervalSeconds: 0,
      sendResolved: false,
    };
  }

  async saveGroup(tenant: string, body: unknown, name: string | undefined, create: boolean): Promise<ScalingGroup> {
    let g: ScalingGroup;
    const existing = name === undefined ? undefined : this.group(tenant, name);
    try {
      // An update may send the secret back as the placeholder to keep it.
      const b = body as { webhook?: { secret?: unknown } } | null;
      if (existing && b && typeof b === 'object' && b.webhook && b.webhook.secret === SECRET_PLACEHOLDER) b.webhook.secret = existing.webhook.secret.reveal();
      g = parseScalingGroup(body, name);
    } catch (err) {
      if (isAlertingError(err)) throw badData(err.message);
      throw err;
    }
    const prior = this.group(tenant, g.name);
    if (create && prior) throw new HttpError('conflict', `scaling group ${JSON.stringify(g.name)} already exists`);
    if (!prior && this.groups(tenant).length >= MAX_GROUPS_PER_TENANT) throw badData(`a tenant may have at most ${MAX_GROUPS_PER_TENANT} scaling groups`);
    await this.deps.docs.put(tenant, SCALING_GROUP_KIND, g.name, scalingGroupToJSON(g), this.deps.now());
    const r = this.runtime.get(key(tenant, g.name));
    const nowMs = this.deps.now();
    if (!r) {
      const fresh: GroupRuntime = {
        tenant,
        group: g.name,
        desired: g.desired,
        min: g.min,
        max: g.max,
        current: null,
        currentAtMs: null,
        lastActivity: null,
        lastScaleInAtMs: null,
        inFlight: [],
        recommendations: {},
        scheduledUpToMs: {},
        lastSuppression: {},
        changes: 0,
      };
      await this.deps.store.commitScaling(fresh, [], []);
      this.runtime.set(key(tenant, g.name), fresh);
    } else {
      // New bounds apply at once; a desired capacity outside them is clamped (and announced).
      const desired = clamp(r.desired, g.min, g.max);
      const next = { ...r, min: g.min, max: g.max };
      if (desired !== r.desired) await this.apply(tenant, g, next, desired, nowMs, '', 'the group\'s bounds changed', {});
      else {
        await this.deps.store.commitScaling(next, [], []);
        this.runtime.set(key(tenant, g.name), next);
      }
    }
    return g;
  }

  async deleteGroup(tenant: string, name: string): Promise<void> {
    if (!this.group(tenant, name)) throw new HttpError('not_found', `scaling group ${JSON.stringify(name)} does not exist`);
    const users = this.policies(tenant, name);
    if (users.length > 0) throw new HttpError('conflict', `scaling group ${JSON.stringify(name)} has policies: ${users.map((p) => p.name).join(', ')}`);
    await this.deps.docs.delete(tenant, SCALING_GROUP_KIND, name);
    await this.deps.store.deleteScalingState(tenant, name);
    this.runtime.delete(key(tenant, name));
  }

  async savePolicy(tenant: string, body: unknown, name: string | undefined, create: boolean): Promise<ScalingPolicy> {
    let p: ScalingPolicy;
    try {
      p = parseScalingPolicy(body, name);
    } catch (err) {
      if (isAlertingError(err)) throw badData(err.message);
      throw err;
    }
    const problems: string[] = [];
    if (!this.group(tenant, p.group)) problems.push(`group: scaling group ${JSON.stringify(p.group)} does not exist`);
    if (p.type === 'simple' || p.type === 'step') {
      const alarm = this.deps.alarms.get(tenant, p.alarm);
      if (!alarm) problems.push(`alarm: alarm ${JSON.stringify(p.alarm)} does not exist`);
      else if (p.type === 'step' && alarm.levels.length === 0) problems.push(`alarm: step policies need an alarm with a threshold; ${JSON.stringify(p.alarm)} has none`);
    }
    if (p.type === 'targetTracking') {
      for (const q of checkAlarmQuery(p.query, 'promql')) problems.push(`query: ${q}`);
    }
    if (problems.length > 0) throw badData(`invalid scaling policy: ${problems.join('; ')}`);
    const prior = this.policy(tenant, p.name);
    if (create && prior) throw new HttpError('conflict', `scaling policy ${JSON.stringify(p.name)} already exists`);
    if (!prior && this.policies(tenant).length >= MAX_POLICIES_PER_TENANT) throw badData(`a tenant may have at most ${MAX_POLICIES_PER_TENANT} scaling policies`);
    await this.deps.docs.put(tenant, SCALING_POLICY_KIND, p.name, p, this.deps.now());
    return p;
  }

  async deletePolicy(tenant: string, name: string): Promise<void> {
    if (!this.policy(tenant, name)) throw new HttpError('not_found', `scaling policy ${JSON.stringify(name)} does not exist`);
    await this.deps.docs.delete(tenant, SCALING_POLICY_KIND, name);
  }

  /** The actuator reports how many instances are in service. */
  async reportCapacity(tenant: string, name: string, capacity: number): Promise<void> {
    const r = this.runtime.get(key(tenant, name));
    if (!r || !this.group(tenant, name)) throw new HttpError('not_found', `scaling group ${JSON.stringify(name)} does not exist`);
    const next = { ...r, current: capacity, currentAtMs: this.deps.now() };
    await this.deps.store.commitScaling(next, [], []);
    this.runtime.set(key(tenant, name), next);
  }

  /** One decision round for every group, at most every {@link SCALING_INTERVAL_MS}. */
  async tick(nowMs: number): Promise<void> {
    if (nowMs - this.lastRoundMs < SCALING_INTERVAL_MS) return;
    this.lastRoundMs = nowMs;
    for (const d of this.deps.docs.list<Record<string, unknown>>(SCALING_GROUP_KIND)) {
      try {
        await this.decide(d.tenant, parseScalingGroup(d.body), nowMs);
      } catch (err) {
        this.deps.log.warn('scaling round failed', { tenant: d.tenant, group: String(d.body.name), err: (err as Error).message });
      }
    }
  }

  private async queryValue(tenant: string, query: string, nowMs: number): Promise<number | null> {
    const t = Math.floor(nowMs / 1000) * 1000;
    const series = await this.deps.querier.range(tenant, query, { startMs: t, endMs: t, stepMs: 1000 }, { language: 'promql' });
    const v = series[0]?.values[series[0].timestampsMs.indexOf(t)];
    return v === undefined || Number.isNaN(v) ? null : v;
  }

  private async decide(tenant: string, g: ScalingGroup, nowMs: number): Promise<void> {
    let r = this.runtime.get(key(tenant, g.name));
    if (!r) return;
    if (g.capacitySource.kind === 'query') {
      const counted = await this.queryValue(tenant, g.capacitySource.query, nowMs);
      if (counted !== null) r = { ...r, current: Math.round(counted), currentAtMs: nowMs };
    }
    const policies = this.policies(tenant, g.name).filter((p) => p.enabled);
    // Scheduled actions due since the last round, oldest first.
    for (const p of policies) {
      if (p.type !== 'scheduled') continue;
      const from = r.scheduledUpToMs[p.name] ?? nowMs;
      r = { ...r, scheduledUpToMs: { ...r.scheduledUpToMs, [p.name]: nowMs } };
      const due = nextScheduledRun(p.cron, p.timezone, from - 1);
      if (due === undefined || due > nowMs || from === nowMs) continue;
      const result = applyScheduled({ desired: r.desired, min: r.min, max: r.max }, { min: p.min, max: p.max, desired: p.desired });
      if (result.problem) {
        await this.log(tenant, r, { group: g.name, atMs: nowMs, policy: p.name, cause: {}, from: r.desired, to: r.desired, status: 'suppressed', reason: result.problem });
        continue;
      }
      r = { ...r, min: result.min, max: result.max };
      if (result.desired !== r.desired) {
        await this.apply(tenant, g, r, result.desired, nowMs, p.name, `scheduled action ${p.name} (${p.cron} ${p.timezone})`, {});
        r = this.runtime.get(key(tenant, g.name))!;
      }
    }
    const capacity = { desired: r.desired, min: r.min, max: r.max };
    const decisions: ScalingDecision[] = [];
    const causes = new Map<string, Record<string, unknown>>();
    const recommendations: Record<string, Recommendation[]> = { ...r.recommendations };
    const windowMs = 3_600_000;
    for (const p of policies) {
      if (p.type === 'simple') {
        const state = this.deps.alarms.evaluator.alarmState(tenant, p.alarm) ?? 'INSUFFICIENT_DATA';
        decisions.push(simplePolicyDecision({ policy: p, group: capacity, alarmState: state, nowMs, lastActivity: r.lastActivity }));
        causes.set(p.name, { alarm: p.alarm, state });
      } else if (p.type === 'step') {
        const state = this.deps.alarms.evaluator.alarmState(tenant, p.alarm) ?? 'INSUFFICIENT_DATA';
        const def = this.deps.alarms.get(tenant, p.alarm);
        const threshold = def?.levels[0]?.threshold ?? 0;
        const values = this.deps.alarms.evaluator
          .instancesOf(tenant, p.alarm)
          .filter((i) => i.state.state === state)
          .map((i) => i.state.value)
          .filter((v): v is number => v !== null && Number.isFinite(v));
        const below = def?.comparison === '<' || def?.comparison === '<=';
        const metricValue = values.length === 0 ? threshold : below ? Math.min(...values) : Math.max(...values);
        decisions.push(stepPolicyDecision({ policy: p, group: capacity, alarmState: state, metricValue, threshold, nowMs, inFlight: r.inFlight }));
        causes.set(p.name, { alarm: p.alarm, state, metricValue, threshold });
      } else if (p.type === 'targetTracking') {
        const metricValue = await this.queryValue(tenant, p.query, nowMs).catch(() => null);
        const d = targetTrackingDecision({
          policy: p,
          group: capacity,
          metricValue,
          nowMs,
          inFlight: r.inFlight,
          history: recommendations[p.name] ?? [],
          lastScaleInAtMs: r.lastScaleInAtMs,
        });
        recommendations[p.name] = [...(recommendations[p.name] ?? []).filter((x) => nowMs - x.atMs < windowMs), { atMs: nowMs, desired: d.recommendation }];
        decisions.push(d);
        causes.set(p.name, { metricValue, threshold: p.targetValue });
      }
    }
    r = { ...r, recommendations };
    if (decisions.length === 0) {
      this.runtime.set(key(tenant, g.name), r);
      await this.recordCapacity(tenant, r, nowMs);
      return;
    }
    const combined = combineDecisions(decisions);
    if (combined.action === 'scale' && combined.to !== r.desired) {
      await this.apply(tenant, g, r, combined.to, nowMs, combined.policy, combined.reason, causes.get(combined.policy) ?? {});
    } else {
      // Log what each policy wanted and why it did not happen, when that changed.
      const suppressed: ScalingActivity[] = [];
      const lastSuppression = { ...r.lastSuppression };
      for (const d of decisions) {
        const sig = d.suppressedBy && ['cooldown', 'warmup', 'bounds', 'stabilization'].includes(d.suppressedBy) ? `${d.suppressedBy}:${d.to}` : '';
        if (sig === (lastSuppression[d.policy] ?? '')) continue;
        lastSuppression[d.policy] = sig;
        if (sig !== '') suppressed.push(activityFromDecision(g.name, nowMs, d, causes.get(d.policy) ?? {}));
      }
      r = { ...r, lastSuppression };
      await this.deps.store.commitScaling(r, suppressed.map((a) => ({ ...a, tenant })), []);
      this.runtime.set(key(tenant, g.name), r);
    }
    await this.recordCapacity(tenant, this.runtime.get(key(tenant, g.name))!, nowMs);
  }

  /** Commits a capacity change: new state, activity, signed webhook, in one transaction. */
  private async apply(tenant: string, g: ScalingGroup, r: GroupRuntime, to: number, nowMs: number, policy: string, reason: string, cause: Record<string, unknown>): Promise<void> {
    const from = r.desired;
    const changes = r.changes + 1;
    const idempotencyKey = `${tenant}/${g.name}/${changes}`;
    const activity: ScalingActivity = { group: g.name, atMs: nowMs, policy, cause, from, to, status: 'scaled', reason };
    const payload = {
      version: '1',
      group: g.name,
      previousDesiredCapacity: from,
      desiredCapacity: to,
      minCapacity: r.min,
      maxCapacity: r.max,
      cause: { policy, reason, ...cause },
      idempotencyKey,
      timestamp: new Date(nowMs).toISOString(),
    };
    const message = createDirectMessage({ tenant, channel: `${SCALING_CHANNEL_PREFIX}${g.name}`, idempotencyKey, payload, nowMs, externalURL: this.deps.externalURL });
    const next: GroupRuntime = {
      ...r,
      desired: to,
      changes,
      lastActivity: { atMs: nowMs, policy },
      lastScaleInAtMs: to < from ? nowMs : r.lastScaleInAtMs,
      inFlight: to > from ? [...r.inFlight.filter((f) => nowMs - f.atMs < 3_600_000), { atMs: nowMs, count: to - from }] : r.inFlight,
      lastSuppression: {},
    };
    await this.deps.store.commitScaling(next, [{ ...activity, tenant }], [message]);
    this.runtime.set(key(tenant, g.name), next);
    this.deps.log.info('scaling', { tenant, group: g.name, from, to, policy });
  }

  private async log(tenant: string, r: GroupRuntime, a: ScalingActivity): Promise<void> {
    await this.deps.store.commitScaling(r, [{ ...a, tenant }], []);
    this.runtime.set(key(tenant, r.group), r);
  }

  /** Desired and current capacity as series, for dashboards (`vigil_scaling_*_capacity{group}`). */
  private async recordCapacity(tenant: string, r: GroupRuntime, nowMs: number): Promise<void> {
    const rows = [
      { labels: objectToLabels({ __name__: 'vigil_scaling_desired_capacity', group: r.group }), timestampsMs: [nowMs], values: [r.desired] },
      { labels: objectToLabels({ __name__: 'vigil_scaling_min_capacity', group: r.group }), timestampsMs: [nowMs], values: [r.min] },
      { labels: objectToLabels({ __name__: 'vigil_scaling_max_capacity', group: r.group }), timestampsMs: [nowMs], values: [r.max] },
    ];
    if (r.current !== null) rows.push({ labels: objectToLabels({ __name__: 'vigil_scaling_current_capacity', group: r.group }), timestampsMs: [nowMs], values: [r.current] });
    await this.deps.metrics.append(tenant, rows).catch((err: Error) => this.deps.log.warn('writing scaling capacity failed', { err: err.message }));
  }

  async activities(tenant: string, name: string, options: { fromMs?: number; toMs?: number; limit?: number }): Promise<ScalingActivity[]> {
    return this.deps.store.scalingActivities<ScalingActivity>(tenant, name, options);
  }

  /** What the group's policies would have done over [fromMs, toMs], on stored data. */
  async backtest(tenant: string, name: string, fromMs: number, toMs: number, stepMs: number) {
    const g = this.group(tenant, name);
    if (!g) throw new HttpError('not_found', `scaling group ${JSON.stringify(name)} does not exist`);
    const policies = this.policies(tenant, name);
    const timelines = new Map<string, AlarmPoint[]>();
    for (const p of policies) {
      if ((p.type !== 'simple' && p.type !== 'step') || timelines.has(p.alarm)) continue;
      const def = this.deps.alarms.get(tenant, p.alarm);
      if (!def) continue;
      const bt = await this.deps.alarms.backtest(tenant, def, fromMs, toMs);
      const threshold = def.levels[0]?.threshold;
      timelines.set(p.alarm, alarmPoints(bt, threshold));
    }
    const metrics = new Map<string, Array<{ tMs: number; value: number }>>();
    for (const p of policies) {
      if (p.type !== 'targetTracking' || metrics.has(p.query)) continue;
      const series = await this.deps.querier.range(tenant, p.query, { startMs: fromMs, endMs: toMs, stepMs }, { language: 'promql' });
      const s = series[0];
      metrics.set(p.query, s ? s.timestampsMs.map((t, i) => ({ tMs: t, value: s.values[i]! })) : []);
    }
    const r = this.runtime.get(key(tenant, name));
    try {
      return backtestPolicies({
        group: { name, desired: g.desired, min: r?.min ?? g.min, max: r?.max ?? g.max },
        policies,
        alarmTimeline: (alarm) => timelines.get(alarm) ?? [],
        metricTimeline: (query) => metrics.get(query) ?? [],
        stepMs,
        fromMs,
        toMs,
      });
    } catch (err) {
      if (isAlertingError(err)) throw badData(err.message);
      throw err;
    }
  }

  /**
   * The HPA's answer for a query: `ceil(current × value / target)`, unchanged within the
   * tolerance, scale-down limited to the highest recommendation of the stabilisation window.
   */
  async hpa(tenant: string, input: { query: string; target: number; current: number; min: number; max: number; tolerance: number; stabilizationSeconds: number }) {
    const nowMs = this.deps.now();
    const value = await this.queryValue(tenant, input.query, nowMs);
    if (value === null) throw new HttpError('execution', `the query ${JSON.stringify(input.query)} returned no value`);
    const k = `${tenant}\u0000${input.query}\u0000${input.target}`;
    const history = (this.hpaHistory.get(k) ?? []).filter((h) => nowMs - h.atMs <= input.stabilizationSeconds * 1000);
    const result = hpaRecommendation({
      currentReplicas: input.current,
      currentValue: value,
      targetValue: input.target,
      tolerance: input.tolerance,
      history,
      stabilizationSeconds: input.stabilizationSeconds,
      nowMs,
      min: input.min,
      max: input.max,
    });
    history.push({ atMs: nowMs, desired: result.recommendation });
    if (this.hpaHistory.size > 10_000) this.hpaHistory.clear();
    this.hpaHistory.set(k, history);
    return { value, ...result };
  }

  /** The current value of a query, for KEDA's `metrics-api` scaler. */
  async value(tenant: string, query: string): Promise<number | null> {
    return this.queryValue(tenant, query, this.deps.now());
  }
}

/** An alarm backtest as state points (for step policies, with the instance value and threshold). */
function alarmPoints(bt: Awaited<ReturnType<AlertingService['backtest']>>, threshold: number | undefined): AlarmPoint[] {
  const points: AlarmPoint[] = [];
  for (const tr of [...bt.transitions].sort((a, b) => a.timestampMs - b.timestampMs)) {
    points.push({ tMs: tr.timestampMs, state: tr.to, value: tr.value, ...(threshold !== undefined ? { threshold } : {}) });
  }
  return points;
}

type Ctx = Context<{ Variables: AppVariables }>;

/** `from`/`to`: unix seconds or RFC 3339, as the Prometheus API reads them. */
const timeParam = (c: Ctx, name: string, fallback: number): number => parseTimeParam(name, c.req.query(name), fallback);

/**
 * `/api/v1/scaling-groups` (CRUD; `GET /:name` adds the live state; `PUT /:name/capacity`
 * `{"capacity": n}` from the actuator; `GET /:name/activities`; `GET /:name/backtest?from=&to=&step=`)
 * and `/api/v1/scaling-policies` (CRUD). The webhook secret is never returned.
 */
export function scalingApi(service: () => ScalingService, now: () => number) {
  const groups = new Hono<{ Variables: AppVariables }>();
  const read = requireScope('query');
  const write = requireScope('admin');
  const groupView = (tenant: string, g: ScalingGroup) => {
    const r = service().state(tenant, g.name);
    return {
      name: g.name,
      min: g.min,
      max: g.max,
      desired: g.desired,
      webhook: { url: SECRET_PLACEHOLDER, secret: SECRET_PLACEHOLDER },
      capacitySource: g.capacitySource,
      state: r
        ? {
            desiredCapacity: r.desired,
            minCapacity: r.min,
            maxCapacity: r.max,
            currentCapacity: r.current,
            currentReportedAt: r.currentAtMs === null ? null : new Date(r.currentAtMs).toISOString(),
            lastActivityAt: r.lastActivity ? new Date(r.lastActivity.atMs).toISOString() : null,
          }
        : null,
      policies: service()
        .policies(tenant, g.name)
        .map((p) => p.name),
    };
  };
  groups.get('/', read, (c: Ctx) => c.json({ status: 'success', data: service().groups(c.get('auth').tenant).map((g) => groupView(c.get('auth').tenant, g)) }));
  groups.post('/', write, async (c: Ctx) => {
    const g = await service().saveGroup(c.get('auth').tenant, await jsonBody(c), undefined, true);
    return c.json({ status: 'success', data: groupView(c.get('auth').tenant, g) }, 201);
  });
  const one = (c: Ctx) => {
    const name = c.req.param('name') ?? '';
    const g = service().group(c.get('auth').tenant, name);
    if (!g) throw new HttpError('not_found', `scaling group ${JSON.stringify(name)} does not exist`);
    return g;
  };
  groups.get('/:name', read, (c: Ctx) => c.json({ status: 'success', data: groupView(c.get('auth').tenant, one(c)) }));
  groups.put('/:name', write, async (c: Ctx) => {
    const g = await service().saveGroup(c.get('auth').tenant, await jsonBody(c), c.req.param('name'), false);
    return c.json({ status: 'success', data: groupView(c.get('auth').tenant, g) });
  });
  groups.delete('/:name', write, async (c: Ctx) => {
    await service().deleteGroup(c.get('auth').tenant, c.req.param('name') ?? '');
    return c.body(null, 204);
  });
  groups.put('/:name/capacity', requireScope('ingest'), async (c: Ctx) => {
    const body = (await jsonBody(c)) as { capacity?: unknown } | null;
    const capacity = body?.capacity;
    if (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 0 || capacity > 100_000) throw badData('capacity must be an integer from 0 to 100000');
    await service().reportCapacity(c.get('auth').tenant, c.req.param('name') ?? '', capacity);
    return c.body(null, 204);
  });
  groups.get('/:name/activities', read, async (c: Ctx) => {
    const g = one(c);
    const limit = Number(c.req.query('limit') ?? '100');
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badData('invalid parameter "limit": must be an integer from 1 to 1000');
    const list = await service().activities(c.get('auth').tenant, g.name, { fromMs: timeParam(c, 'from', 0), toMs: timeParam(c, 'to', now() + 1), limit });
    return c.json({ status: 'success', data: list.map((a) => ({ ...a, time: new Date(a.atMs).toISOString(), tenant: undefined })) });
  });
  groups.get('/:name/backtest', read, async (c: Ctx) => {
    const g = one(c);
    const toMs = timeParam(c, 'to', now());
    const fromMs = timeParam(c, 'from', toMs - 86_400_000);
    const stepS = Number(c.req.query('step') ?? '60');
    if (!Number.isFinite(stepS) || stepS < 1) throw badData('invalid parameter "step": seconds ≥ 1');
    if (toMs <= fromMs) throw badData('"to" must be after "from"');
    const result = await service().backtest(c.get('auth').tenant, g.name, fromMs, toMs, stepS * 1000);
    return c.json({ status: 'success', data: result });
  });

  const policies = new Hono<{ Variables: AppVariables }>();
  policies.get('/', read, (c: Ctx) => {
    const group = c.req.query('group');
    return c.json({ status: 'success', data: service().policies(c.get('auth').tenant, group) });
  });
  policies.post('/', write, async (c: Ctx) => c.json({ status: 'success', data: await service().savePolicy(c.get('auth').tenant, await jsonBody(c), undefined, true) }, 201));
  policies.get('/:name', read, (c: Ctx) => {
    const name = c.req.param('name') ?? '';
    const p = service().policy(c.get('auth').tenant, name);
    if (!p) throw new HttpError('not_found', `scaling policy ${JSON.stringify(name)} does not exist`);
    return c.json({ status: 'success', data: p });
  });
  policies.put('/:name', write, async (c: Ctx) => c.json({ status: 'success', data: await service().savePolicy(c.get('auth').tenant, await jsonBody(c), c.req.param('name'), false) }));
  policies.delete('/:name', write, async (c: Ctx) => {
    await service().deletePolicy(c.get('auth').tenant, c.req.param('name') ?? '');
    return c.body(null, 204);
  });

  /**
   * Kubernetes: `GET /keda?query=` answers `{"value": n}` for KEDA's `metrics-api` scaler
   * (`valueLocation: value`); `GET /hpa?query=&target=&current=&min=&max=` answers the HPA formula.
   */
  const k8s = new Hono<{ Variables: AppVariables }>();
  const requireQuery = (c: Ctx) => {
    const q = c.req.query('query');
    if (!q) throw badData('invalid parameter "query": query must not be empty');
    return q;
  };
  k8s.get('/keda', read, async (c: Ctx) => {
    const v = await service().value(c.get('auth').tenant, requireQuery(c));
    if (v === null) throw new HttpError('execution', 'the query returned no value');
    return c.json({ value: v });
  });
  k8s.get('/hpa', read, async (c: Ctx) => {
    const num = (name: string, fallback?: number) => {
      const v = c.req.query(name);
      if (v === undefined) {
        if (fallback === undefined) throw badData(`invalid parameter ${JSON.stringify(name)}: required`);
        return fallback;
      }
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw badData(`invalid parameter ${JSON.stringify(name)}: must be a number ≥ 0`);
      return n;
    };
    const target = num('target');
    if (target <= 0) throw badData('invalid parameter "target": must be > 0');
    const result = await service().hpa(c.get('auth').tenant, {
      query: requireQuery(c),
      target,
      current: Math.round(num('current')),
      min: Math.round(num('min', 1)),
      max: Math.round(num('max', 10_000)),
      tolerance: num('tolerance', 0.1),
      stabilizationSeconds: num('stabilizationSeconds', 300),
    });
    return c.json({ status: 'success', data: result });
  });
  return { groups, policies, k8s };
}
