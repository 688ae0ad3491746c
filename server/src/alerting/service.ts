import {
  type AlarmDefinition,
  AlarmEvaluator,
  type BacktestResult,
  type HistoryRecord,
  type Querier,
  type WrittenSample,
  compileAlertTemplate,
  findCompositeCycle,
  isAlertingError,
  parseAlarmDefinition,
  parseCompositeRule,
} from '@vigil/alerting';
import { type AlertingStore, type DocumentStore, type MetricStore, objectToLabels } from '@vigil/storage';
import cron, { type ScheduledTask } from 'node-cron';
import { HttpError, badData } from '../errors.js';
import type { Logger } from '../log.js';
import { checkAlarmQuery } from './querier.js';

/** Document kind of alarms in the document store. */
export const ALARM_KIND = 'alarm';
/** Most alarms one tenant may define. */
export const MAX_ALARMS_PER_TENANT = 5000;

export interface AlertingServiceDeps {
  docs: DocumentStore;
  store: AlertingStore;
  querier: Querier;
  metrics: MetricStore;
  log: Logger;
  now: () => number;
  externalURL: string;
  /** Channel names of a tenant, to check that alarms name existing channels. */
  channelExists?: (tenant: string, name: string) => boolean;
  onEvaluated?: (e: { tenant: string; alarm: string; series: number; durationMs: number; error?: Error }) => void;
  onTransition?: (r: HistoryRecord) => void;
}

/**
 * Alarms for the server: definitions from the API (stored per tenant in the document store) and
 * from rule files, validation against everything the evaluator will need (query, composite rule,
 * templates, channels), and the evaluator on a one-second node-cron schedule.
 */
export class AlertingService {
  readonly evaluator: AlarmEvaluator;
  private fileAlarms: Array<{ tenant: string; def: AlarmDefinition }> = [];
  private task: ScheduledTask | undefined;
  private readonly afterTick: Array<(nowMs: number) => Promise<void>> = [];

  constructor(private readonly deps: AlertingServiceDeps) {
    this.evaluator = new AlarmEvaluator({
      querier: deps.querier,
      store: deps.store,
      alarms: () => this.alarms(),
      now: deps.now,
      writeSeries: (tenant, samples) => this.write(tenant, samples),
      externalURL: deps.externalURL,
      onEvaluated: (e) => {
        if (e.error) deps.log.warn('alarm evaluation failed', { tenant: e.tenant, alarm: e.alarm, err: e.error.message });
        deps.onEvaluated?.(e);
      },
      onTransition: deps.onTransition,
    });
  }

  /** Every alarm of every tenant: API-defined ones, then file-defined ones. */
  *alarms(): Iterable<{ tenant: string; def: AlarmDefinition }> {
    for (const d of this.deps.docs.list<AlarmDefinition>(ALARM_KIND)) yield { tenant: d.tenant, def: d.body };
    yield* this.fileAlarms;
  }

  /** A tenant's alarms by name. */
  list(tenant: string): AlarmDefinition[] {
    const out = this.deps.docs.list<AlarmDefinition>(ALARM_KIND, tenant).map((d) => d.body);
    for (const f of this.fileAlarms) if (f.tenant === tenant) out.push(f.def);
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(tenant: string, name: string): AlarmDefinition | undefined {
    return this.deps.docs.get<AlarmDefinition>(tenant, ALARM_KIND, name)?.body ?? this.fileAlarms.find((f) => f.tenant === tenant && f.def.name === name)?.def;
  }

  /** Replaces the alarms loaded from rule files. */
  setFileAlarms(alarms: Array<{ tenant: string; def: AlarmDefinition }>): void {
    this.fileAlarms = alarms;
  }

  /**
   * Parses and checks an alarm body: the definition itself, its query in its language, its
   * composite rule (references must exist, no cycle through other composites), its templates and
   * its channels. Every problem is named.
   *
   * @throws HttpError bad_data.
   */
  validate(tenant: string, body: unknown, nameFromPath?: string): AlarmDefinition {
    let def: AlarmDefinition;
    try {
      def = parseAlarmDefinition(body, nameFromPath);
    } catch (err) {
      if (isAlertingError(err)) throw badData(err.message);
      throw err;
    }
    return this.check(tenant, def);
  }

  /**
   * The checks of {@link validate} that need the tenant's other alarms, the query engines and the
   * channels, for an already parsed definition (rule file imports).
   *
   * @throws HttpError bad_data naming every problem.
   */
  check(tenant: string, def: AlarmDefinition): AlarmDefinition {
    const problems: string[] = [];
    if (def.type === 'composite') {
      try {
        const { references } = parseCompositeRule(def.rule);
        for (const ref of references) {
          if (ref !== def.name && !this.get(tenant, ref)) problems.push(`rule: alarm ${JSON.stringify(ref)} does not exist`);
        }
        const graph = new Map<string, string[]>();
        for (const a of this.list(tenant)) if (a.type === 'composite' && a.name !== def.name) graph.set(a.name, safeReferences(a.rule));
        graph.set(def.name, references);
        const cycle = findCompositeCycle(graph);
        if (cycle) problems.push(`rule: composite alarms form a cycle: ${cycle.join(' -> ')}`);
      } catch (err) {
        problems.push(`rule: ${(err as Error).message}`);
      }
    } else {
      for (const p of checkAlarmQuery(def.query, def.language)) problems.push(`query: ${p}`);
    }
    for (const [where, map] of [
      ['labels', def.labels],
      ['annotations', def.annotations],
    ] as const) {
      for (const [k, v] of Object.entries(map)) {
        try {
          compileAlertTemplate(v);
        } catch (err) {
          problems.push(`${where}.${k}: ${(err as Error).message}`);
        }
      }
    }
    if (this.deps.channelExists) {
      for (const ch of def.channels) if (!this.deps.channelExists(tenant, ch)) problems.push(`channels: channel ${JSON.stringify(ch)} does not exist`);
    }
    if (problems.length > 0) throw badData(`invalid alarm: ${problems.join('; ')}`);
    return def;
  }

  /** Stores an alarm (create or replace); it is evaluated from its next period on. */
  async save(tenant: string, def: AlarmDefinition, create: boolean): Promise<AlarmDefinition> {
    const existing = this.get(tenant, def.name);
    if (existing?.source.kind === 'file') throw new HttpError('conflict', `alarm ${JSON.stringify(def.name)} comes from a rule file; change it there`);
    if (create && existing) throw new HttpError('conflict', `alarm ${JSON.stringify(def.name)} already exists; PUT /api/v1/alarms/${def.name} replaces it`);
    if (!existing && this.deps.docs.list(ALARM_KIND, tenant).length >= MAX_ALARMS_PER_TENANT) {
      throw new HttpError('bad_data', `a tenant may have at most ${MAX_ALARMS_PER_TENANT} alarms`);
    }
    await this.deps.docs.put(tenant, ALARM_KIND, def.name, def, this.deps.now());
    this.evaluator.invalidate(tenant, def.name);
    return def;
  }

  /** Deletes an alarm and its instances (its history stays until retention). */
  async delete(tenant: string, name: string): Promise<void> {
    const existing = this.get(tenant, name);
    if (!existing) throw new HttpError('not_found', `alarm ${JSON.stringify(name)} does not exist`);
    if (existing.source.kind === 'file') throw new HttpError('conflict', `alarm ${JSON.stringify(name)} comes from a rule file; remove it there`);
    const dependents = this.list(tenant).filter((a) => a.type === 'composite' && safeReferences(a.rule).includes(name));
    if (dependents.length > 0) throw new HttpError('conflict', `alarm ${JSON.stringify(name)} is used by composite alarm(s) ${dependents.map((d) => d.name).join(', ')}`);
    await this.deps.docs.delete(tenant, ALARM_KIND, name);
    await this.evaluator.forget(tenant, name);
  }

  /** What `def` would have done over [fromMs, toMs]. */
  backtest(tenant: string, def: AlarmDefinition, fromMs: number, toMs: number): Promise<BacktestResult> {
    return this.evaluator.backtest(tenant, def, fromMs, toMs, (name) => this.get(tenant, name));
  }

  /** Runs `fn` after each evaluation round (the notification dispatcher). */
  onTick(fn: (nowMs: number) => Promise<void>): void {
    this.afterTick.push(fn);
  }

  /** Loads stored state and starts evaluating every second. */
  async start(): Promise<void> {
    await this.evaluator.load();
    let busy = false;
    this.task = cron.schedule('* * * * * *', async () => {
      if (busy) return;
      busy = true;
      try {
        await this.tick();
      } catch (err) {
        this.deps.log.error('alerting round failed', { err: (err as Error).message });
      } finally {
        busy = false;
      }
    });
  }

  /** One round: evaluate what is due, then run the after-tick hooks. */
  async tick(nowMs = this.deps.now()): Promise<void> {
    await this.evaluator.tick(nowMs);
    for (const fn of this.afterTick) await fn(nowMs);
  }

  /** Stops the schedule. */
  async stop(): Promise<void> {
    await this.task?.destroy();
    this.task = undefined;
  }

  private async write(tenant: string, samples: WrittenSample[]): Promise<void> {
    await this.deps.metrics.append(
      tenant,
      samples.map((s) => ({ labels: objectToLabels(s.labels), timestampsMs: [s.timestampMs], values: [s.value] })),
    );
  }
}

function safeReferences(rule: string): string[] {
  try {
    return parseCompositeRule(rule).references;
  } catch {
    return [];
  }
}
