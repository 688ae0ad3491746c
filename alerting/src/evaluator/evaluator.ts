import { createHash } from 'node:crypto';
import { type AlarmDefinition, breaches } from '../alarm/definition.js';
import { type AlarmState, type Datum, type InstanceState, type StateRule, type Transition, initialState, next } from '../alarm/state.js';
import { type AnomalyModel, anomalyBand, fitAnomalyModel, isOutside } from '../anomaly/index.js';
import { evaluateComposite, parseCompositeRule } from '../composite/index.js';
import type { AlertSnapshot } from '../notify/types.js';
import { compileAlertTemplate, expandAlertTemplate } from '../template/index.js';
import type { AlarmStateStore, Episode, HistoryRecord, Querier, QuerySeries, StoredInstance, WrittenSample } from './types.js';

/** What the evaluator needs from its host. */
export interface EvaluatorOptions {
  querier: Querier;
  store: AlarmStateStore;
  /** Every alarm definition of every tenant (disabled ones included). */
  alarms: () => Iterable<{ tenant: string; def: AlarmDefinition }>;
  now?: () => number;
  /** Writes anomaly band series (`vigil_anomaly_expected|lower|upper|score`). */
  writeSeries?: (tenant: string, samples: WrittenSample[]) => Promise<void>;
  /** Base URL of the UI, for links back from notifications. */
  externalURL?: string;
  externalLabels?: Record<string, string>;
  /** Alarms evaluated at the same time. @default 4 */
  concurrency?: number;
  /** How long a resolved episode is still handed to the notification pipeline. @default 1 h */
  resolvedRetentionMs?: number;
  /** How often anomaly models are refitted. @default 1 h */
  anomalyRefitMs?: number;
  /** Called after each alarm evaluation (for self-metrics). */
  onEvaluated?: (e: { tenant: string; alarm: string; series: number; durationMs: number; error?: Error }) => void;
  /** Called for every committed transition. */
  onTransition?: (r: HistoryRecord) => void;
}

/** The result of a backtest: what an alarm would have done over a range. */
export interface BacktestResult {
  evaluations: number;
  fromMs: number;
  toMs: number;
  periodMs: number;
  transitions: HistoryRecord[];
  /** Per instance, its state as segments over the range. */
  instances: Array<{ labels: Record<string, string>; segments: Array<{ fromMs: number; toMs: number; state: AlarmState; severity: string | null }> }>;
}

/** Most evaluations one backtest may run (per instance). */
export const MAX_BACKTEST_EVALUATIONS = 20_000;
const MAX_EPISODES = 4;
const GC_ABSENT_MS = 15 * 60_000;
const SYNTHETIC = 'none';

const key = (tenant: string, alarm: string) => `${tenant}\u0000${alarm}`;

/** Stable identity of a label set: sha256 of its sorted pairs, 16 hex digits. */
export function fingerprintOf(labels: Record<string, string>): string {
  const h = createHash('sha256');
  for (const k of Object.keys(labels).sort()) h.update(`${k}\u0000${labels[k]}\u0000`);
  return h.digest('hex').slice(0, 16);
}

const COMPARISON_WORDS: Record<string, string> = {
  '>': 'greater than',
  '>=': 'greater than or equal to',
  '<': 'less than',
  '<=': 'less than or equal to',
};

/**
 * Evaluates alarms on a schedule, keeps their instances' state (durably, through the store), and
 * answers the notification pipeline's question "which alerts are firing or just resolved".
 *
 * Each evaluation of a threshold or anomaly alarm is one range query over its evaluation range
 * (R periods ending at the aligned evaluation time T), turned into per-series datapoints and
 * passed to the pure state machine. Transitions and changed states are committed before memory
 * is updated, so a crash never loses a transition nor replays one: after a restart the same T is
 * recognised as applied. Composite alarms are evaluated after the others, over their aggregate
 * states.
 */
export class AlarmEvaluator {
  private readonly instances = new Map<string, Map<string, StoredInstance>>();
  private readonly lastEvaluated = new Map<string, number>();
  private readonly running = new Set<string>();
  private readonly models = new Map<string, { model: AnomalyModel | null; fittedMs: number }>();
  private readonly templates = new Map<string, ReturnType<typeof compileAlertTemplate> | null>();
  private readonly now: () => number;
  private ticking = false;

  constructor(private readonly opts: EvaluatorOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Loads stored instance states. */
  async load(): Promise<void> {
    for (const inst of await this.opts.store.loadInstances()) {
      this.instanceMap(inst.tenant, inst.alarm).set(inst.fingerprint, inst);
    }
  }

  private instanceMap(tenant: string, alarm: string): Map<string, StoredInstance> {
    let m = this.instances.get(key(tenant, alarm));
    if (!m) {
      m = new Map();
      this.instances.set(key(tenant, alarm), m);
    }
    return m;
  }

  /** The evaluation time due at `nowMs`: the last multiple of the period at least `delay` ago. */
  static dueTime(def: AlarmDefinition, nowMs: number): number {
    const p = def.periodSeconds * 1000;
    return Math.floor((nowMs - def.evaluationDelaySeconds * 1000) / p) * p;
  }

  /**
   * Evaluates every enabled alarm whose next evaluation time has come. Non-composite alarms first,
   * then composites (so they see this round's states). Overlapping calls return at once.
   */
  async tick(nowMs = this.now()): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const due: Array<{ tenant: string; def: AlarmDefinition; t: number }> = [];
      for (const { tenant, def } of this.opts.alarms()) {
        if (!def.enabled) continue;
        const t = AlarmEvaluator.dueTime(def, nowMs);
        const k = key(tenant, def.name);
        if ((this.lastEvaluated.get(k) ?? Number.NEGATIVE_INFINITY) >= t || this.running.has(k)) continue;
        due.push({ tenant, def, t });
      }
      await this.pool(due.filter((d) => d.def.type !== 'composite'));
      await this.pool(due.filter((d) => d.def.type === 'composite'));
    } finally {
      this.ticking = false;
    }
  }

  private async pool(items: Array<{ tenant: string; def: AlarmDefinition; t: number }>): Promise<void> {
    let i = 0;
    const worker = async () => {
      while (i < items.length) {
        const item = items[i++]!;
        await this.evaluate(item.tenant, item.def, item.t);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency ?? 4, items.length) }, worker));
  }

  /** Evaluates one alarm at time `t` (aligned) and commits what changed. Errors are reported, not thrown. */
  async evaluate(tenant: string, def: AlarmDefinition, t: number): Promise<void> {
    const k = key(tenant, def.name);
    this.running.add(k);
    const started = performance.now();
    let series = 0;
    try {
      const observed = def.type === 'composite' ? this.observeComposite(tenant, def) : await this.observe(tenant, def, t);
      series = observed.length;
      await this.apply(tenant, def, t, observed);
      this.lastEvaluated.set(k, t);
      this.opts.onEvaluated?.({ tenant, alarm: def.name, series, durationMs: performance.now() - started });
    } catch (err) {
      this.opts.onEvaluated?.({ tenant, alarm: def.name, series, durationMs: performance.now() - started, error: err as Error });
    } finally {
      this.running.delete(k);
    }
  }

  /** Datapoints per series for the evaluation range ending at `t`. */
  private async observe(tenant: string, def: AlarmDefinition, t: number): Promise<Observed[]> {
    const p = def.periodSeconds * 1000;
    const r = def.evaluationRange;
    const startMs = t - (r - 1) * p;
    const result = await this.opts.querier.range(tenant, def.query, { startMs, endMs: t, stepMs: p }, { language: def.language });
    const out: Observed[] = [];
    const bands: WrittenSample[] = [];
    const anomaly = def.type === 'anomaly' ? await this.anomalyModels(tenant, def, t, result) : undefined;
    for (const s of result) {
      const labels = withoutName(s.labels);
      const fp = fingerprintOf(labels);
      const values = gridValues(s, startMs, p, r);
      const model = anomaly?.get(fp) ?? null;
      out.push({ fingerprint: fp, labels, values, levels: this.datums(def, values, startMs, p, model) });
      if (def.anomaly && model && this.opts.writeSeries) {
        const v = values[r - 1];
        const band = anomalyBand(model, t, v ?? Number.NaN, def.anomaly.bandWidth);
        const base = { ...labels, alarm: def.name };
        bands.push({ labels: { ...base, __name__: 'vigil_anomaly_expected' }, timestampMs: t, value: band.expected });
        bands.push({ labels: { ...base, __name__: 'vigil_anomaly_lower' }, timestampMs: t, value: band.lower });
        bands.push({ labels: { ...base, __name__: 'vigil_anomaly_upper' }, timestampMs: t, value: band.upper });
        if (v !== null && v !== undefined) bands.push({ labels: { ...base, __name__: 'vigil_anomaly_score' }, timestampMs: t, value: band.score });
      }
    }
    if (bands.length > 0) await this.opts.writeSeries?.(tenant, bands);
    return out;
  }

  /** Per level, breaching / not / missing for each datapoint. */
  private datums(def: AlarmDefinition, values: Array<number | null>, startMs: number, p: number, model: AnomalyModel | null): Datum[][] {
    if (def.type === 'anomaly') {
      const a = def.anomaly!;
      return [
        values.map((v, i) => {
          if (v === null || model === null) return null;
          return isOutside(anomalyBand(model, startMs + i * p, v, a.bandWidth), v, a.direction);
        }),
      ];
    }
    if (def.levels.length === 0) return [values.map((v) => (v === null ? null : true))];
    return def.levels.map((l) => values.map((v) => (v === null ? null : breaches(v, def.comparison, l.threshold))));
  }

  /** Fitted models per series fingerprint, refitted when older than the refit interval. */
  private async anomalyModels(tenant: string, def: AlarmDefinition, t: number, current: QuerySeries[]): Promise<Map<string, AnomalyModel | null>> {
    const refit = this.opts.anomalyRefitMs ?? 3_600_000;
    const prefix = `${key(tenant, def.name)}\u0000`;
    const out = new Map<string, AnomalyModel | null>();
    const stale = current.some((s) => {
      const m = this.models.get(prefix + fingerprintOf(withoutName(s.labels)));
      return m === undefined || t - m.fittedMs >= refit;
    });
    if (stale) {
      const models = await this.fit(tenant, def, t - def.evaluationRange * def.periodSeconds * 1000);
      for (const [fp, model] of models) this.models.set(prefix + fp, { model, fittedMs: t });
    }
    for (const s of current) {
      const fp = fingerprintOf(withoutName(s.labels));
      out.set(fp, this.models.get(prefix + fp)?.model ?? null);
    }
    return out;
  }

  /** Fits one model per series on `trainingDays` of data ending at `endMs`. */
  private async fit(tenant: string, def: AlarmDefinition, endMs: number): Promise<Map<string, AnomalyModel | null>> {
    const a = def.anomaly!;
    const p = def.periodSeconds * 1000;
    const end = Math.floor(endMs / p) * p;
    const start = end - a.trainingDays * 86_400_000;
    const training = await this.opts.querier.range(tenant, def.query, { startMs: start, endMs: end, stepMs: p }, { language: def.language });
    const out = new Map<string, AnomalyModel | null>();
    for (const s of training) {
      out.set(fingerprintOf(withoutName(s.labels)), fitAnomalyModel(s.timestampsMs, s.values, { stepMs: p, excluded: a.excluded }));
    }
    return out;
  }

  private observeComposite(tenant: string, def: AlarmDefinition): Observed[] {
    const { ast } = parseCompositeRule(def.rule);
    const value = evaluateComposite(ast, (name) => this.alarmState(tenant, name));
    return [{ fingerprint: fingerprintOf({}), labels: {}, values: [value ? 1 : 0], levels: [[value]], composite: true }];
  }

  /** Runs the state machine for every instance, commits changes, then updates memory. */
  private async apply(tenant: string, def: AlarmDefinition, t: number, observed: Observed[]): Promise<void> {
    const instances = this.instanceMap(tenant, def.name);
    const rule = stateRule(def);
    const p = def.periodSeconds * 1000;
    const r = def.type === 'composite' ? 1 : def.evaluationRange;
    const upserts: StoredInstance[] = [];
    const deletes: StoredInstance[] = [];
    const history: HistoryRecord[] = [];
    const seen = new Set<string>();
    const hasReal = observed.length > 0;

    const step = (inst: StoredInstance | undefined, o: Observed) => {
      const base = inst ?? { tenant, alarm: def.name, fingerprint: o.fingerprint, labels: o.labels, state: initialState(t), episodes: [] };
      const { state, transitions } = next(inst?.state, { timestampMs: t, levels: o.levels, value: lastPresent(o.values) }, rule);
      if (state === inst?.state) return;
      const updated: StoredInstance = { ...base, state, episodes: updateEpisodes(base.episodes, transitions, def) };
      for (const tr of transitions) history.push(this.record(tenant, def, updated, tr, o.values, t - (r - 1) * p, p));
      if (transitions.length > 0 || !inst || persistWorthy(inst.state, state, rule)) upserts.push(updated);
      else instances.set(o.fingerprint, updated); // memory-only refresh (value, lastEvaluationMs)
      pendingMemory.push(updated);
    };
    const pendingMemory: StoredInstance[] = [];

    for (const o of observed) {
      seen.add(o.fingerprint);
      step(instances.get(o.fingerprint), o);
    }
    // Instances whose series is absent this time: all datapoints missing.
    const absent: Datum[][] = (def.type === 'threshold' && def.levels.length > 0 ? def.levels : [null]).map(() => new Array<Datum>(r).fill(null));
    for (const inst of instances.values()) {
      if (seen.has(inst.fingerprint)) continue;
      if (inst.fingerprint === SYNTHETIC_FP && hasReal) {
        // Real series exist now: the "no data at all" instance gives way (resolving if it fired).
        if (inst.state.state === 'ALARM') {
          const tr: Transition = {
            timestampMs: t,
            from: 'ALARM',
            to: 'OK',
            fromLevel: inst.state.level,
            toLevel: null,
            detail: { decision: 'OK', present: r, breaching: 0, filled: 0 },
          };
          const ended = { ...inst, state: { ...inst.state, state: 'OK' as const, level: null, sinceMs: t, lastEvaluationMs: t }, episodes: updateEpisodes(inst.episodes, [tr], def) };
          history.push(this.record(tenant, def, ended, tr, [], t - (r - 1) * p, p));
          upserts.push(ended);
          pendingMemory.push(ended);
        } else deletes.push(inst);
        continue;
      }
      if (inst.fingerprint !== SYNTHETIC_FP && inst.state.state !== 'ALARM' && inst.state.pendingSinceMs === null && t - inst.state.sinceMs >= Math.max(GC_ABSENT_MS, 2 * r * p) && !recentEpisode(inst, t, this.opts.resolvedRetentionMs)) {
        deletes.push(inst);
        continue;
      }
      step(inst, { fingerprint: inst.fingerprint, labels: inst.labels, values: new Array(r).fill(null), levels: absent });
    }
    // No series and no instance: one instance for the alarm as a whole, so missing-data treatment applies.
    if (!hasReal && instances.size === 0) {
      step(undefined, { fingerprint: SYNTHETIC_FP, labels: {}, values: new Array(r).fill(null), levels: absent });
    }

    if (upserts.length > 0 || deletes.length > 0 || history.length > 0) {
      await this.opts.store.commitEvaluation(upserts, deletes, history);
    }
    for (const inst of pendingMemory) instances.set(inst.fingerprint, inst);
    for (const inst of deletes) if (!upserts.some((u) => u.fingerprint === inst.fingerprint)) instances.delete(inst.fingerprint);
    for (const h of history) this.opts.onTransition?.(h);
  }

  private record(
    tenant: string,
    def: AlarmDefinition,
    inst: StoredInstance,
    tr: Transition,
    values: Array<number | null>,
    startMs: number,
    p: number,
  ): HistoryRecord {
    return {
      tenant,
      alarm: def.name,
      fingerprint: inst.fingerprint,
      labels: inst.labels,
      timestampMs: tr.timestampMs,
      from: tr.from,
      to: tr.to,
      fromSeverity: severityOf(def, tr.fromLevel),
      toSeverity: severityOf(def, tr.toLevel),
      reason: reasonFor(def, tr, values, startMs, p),
      value: lastPresent(values),
      datapoints: values.map((v, i) => [startMs + i * p, v]),
    };
  }

  /** The aggregate state of an alarm: ALARM if any instance is, else OK if any is, else INSUFFICIENT_DATA. */
  alarmState(tenant: string, alarm: string): AlarmState | undefined {
    const m = this.instances.get(key(tenant, alarm));
    if (!m || m.size === 0) return undefined;
    let ok = false;
    for (const i of m.values()) {
      if (i.state.state === 'ALARM') return 'ALARM';
      if (i.state.state === 'OK') ok = true;
    }
    return ok ? 'OK' : 'INSUFFICIENT_DATA';
  }

  /** The instances of one alarm, by labels. */
  instancesOf(tenant: string, alarm: string): StoredInstance[] {
    return [...(this.instances.get(key(tenant, alarm))?.values() ?? [])];
  }

  /** When the alarm was last evaluated (aligned time), if since start. */
  lastEvaluation(tenant: string, alarm: string): number | undefined {
    return this.lastEvaluated.get(key(tenant, alarm));
  }

  /** Forgets an alarm's instances (deleted alarm) in memory and in the store. */
  async forget(tenant: string, alarm: string): Promise<void> {
    await this.opts.store.deleteInstances(tenant, alarm);
    this.instances.delete(key(tenant, alarm));
    this.lastEvaluated.delete(key(tenant, alarm));
    for (const k of [...this.models.keys()]) if (k.startsWith(`${key(tenant, alarm)}\u0000`)) this.models.delete(k);
  }

  /** A changed definition is evaluated afresh at the next period (state kept). */
  invalidate(tenant: string, alarm: string): void {
    this.lastEvaluated.delete(key(tenant, alarm));
    for (const k of [...this.models.keys()]) if (k.startsWith(`${key(tenant, alarm)}\u0000`)) this.models.delete(k);
  }

  /**
   * The alerts the notification pipeline should know about: every firing episode, and resolved
   * ones for a while after they ended. Labels: the series' labels, the alarm's (templated)
   * labels, `alertname`, and `severity` when the alarm has levels.
   */
  alerts(tenant?: string, nowMs = this.now()): AlertSnapshot[] {
    const out: AlertSnapshot[] = [];
    const keep = this.opts.resolvedRetentionMs ?? 3_600_000;
    const defs = new Map<string, AlarmDefinition>();
    for (const { tenant: tn, def } of this.opts.alarms()) defs.set(key(tn, def.name), def);
    for (const [k, m] of this.instances) {
      const def = defs.get(k);
      if (!def) continue;
      for (const inst of m.values()) {
        if (tenant !== undefined && inst.tenant !== tenant) continue;
        for (const ep of inst.episodes) {
          if (ep.endsAtMs !== null && nowMs - ep.endsAtMs > keep) continue;
          out.push(this.snapshot(def, inst, ep));
        }
      }
    }
    return out;
  }

  /**
   * The labels and annotations of an alert of `inst` at `severity` ('' for none): the series'
   * labels, the alarm's labels (templates expanded), `alertname`, `severity`; then annotations
   * expanded with those labels and the instance's latest value.
   */
  describe(def: AlarmDefinition, inst: StoredInstance, severity: string): { labels: Record<string, string>; annotations: Record<string, string> } {
    const value = inst.state.value;
    const ctx = { labels: inst.labels, value: value ?? Number.NaN, externalLabels: this.opts.externalLabels ?? {}, externalURL: this.opts.externalURL ?? '' };
    const labels: Record<string, string> = { ...inst.labels, alertname: def.name };
    // The alarm's labels win, `alertname` included (rule files keep a repeated rule name there).
    for (const [k, v] of Object.entries(def.labels)) labels[k] = this.expand(v, ctx);
    if (severity !== '') labels.severity = severity;
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(def.annotations)) annotations[k] = this.expand(v, { ...ctx, labels });
    return { labels, annotations };
  }

  private snapshot(def: AlarmDefinition, inst: StoredInstance, ep: Episode): AlertSnapshot {
    const value = inst.state.value;
    const { labels, annotations } = this.describe(def, inst, ep.severity);
    return {
      tenant: inst.tenant,
      alarm: def.name,
      fingerprint: fingerprintOf(labels),
      labels,
      annotations,
      status: ep.endsAtMs === null ? 'firing' : 'resolved',
      startsAtMs: ep.startsAtMs,
      endsAtMs: ep.endsAtMs,
      value,
      generatorURL: `${this.opts.externalURL ?? ''}/#/alarms/${encodeURIComponent(def.name)}`,
      channels: def.channels,
    };
  }

  private expand(text: string, ctx: Parameters<typeof expandAlertTemplate>[1]): string {
    if (!text.includes('{{')) return text;
    let compiled = this.templates.get(text);
    if (compiled === undefined) {
      try {
        compiled = compileAlertTemplate(text);
      } catch {
        compiled = null;
      }
      this.templates.set(text, compiled);
    }
    return compiled === null ? text : expandAlertTemplate(compiled, ctx);
  }

  /**
   * What `def` would have done between `fromMs` and `toMs`, with the same state machine, on stored
   * data, without touching any state. Composite alarms backtest the alarms they reference
   * (looked up with `lookup`) first.
   */
  async backtest(tenant: string, def: AlarmDefinition, fromMs: number, toMs: number, lookup?: (name: string) => AlarmDefinition | undefined, depth = 0): Promise<BacktestResult> {
    const p = def.periodSeconds * 1000;
    const first = Math.ceil(fromMs / p) * p;
    const last = Math.floor(toMs / p) * p;
    const evaluations = last >= first ? (last - first) / p + 1 : 0;
    const result: BacktestResult = { evaluations, fromMs: first, toMs: last, periodMs: p, transitions: [], instances: [] };
    if (evaluations === 0) return result;
    const rule = stateRule(def);
    const r = def.type === 'composite' ? 1 : def.evaluationRange;
    const gridStart = first - (r - 1) * p;
    const total = evaluations + r - 1;

    type Track = { labels: Record<string, string>; fingerprint: string; levels: Datum[][]; values: Array<number | null> };
    const tracks: Track[] = [];
    if (def.type === 'composite') {
      if (depth > 10) throw new Error('composite alarms nest too deeply');
      const { ast, references } = parseCompositeRule(def.rule);
      const timelines = new Map<string, (t: number) => AlarmState | undefined>();
      for (const name of references) {
        const child = lookup?.(name);
        if (!child) continue;
        const bt = await this.backtest(tenant, { ...child, periodSeconds: def.periodSeconds }, first, last, lookup, depth + 1);
        timelines.set(name, (t) => aggregateAt(bt, t));
      }
      const values: Array<number | null> = [];
      for (let i = 0; i < total; i++) {
        const t = gridStart + i * p;
        values.push(evaluateComposite(ast, (name) => timelines.get(name)?.(t)) ? 1 : 0);
      }
      tracks.push({ labels: {}, fingerprint: fingerprintOf({}), values, levels: [values.map((v) => v === 1)] });
    } else {
      const series = await this.opts.querier.range(tenant, def.query, { startMs: gridStart, endMs: last, stepMs: p }, { language: def.language });
      const models = def.type === 'anomaly' ? await this.fit(tenant, def, gridStart) : undefined;
      for (const s of series) {
        const labels = withoutName(s.labels);
        const fp = fingerprintOf(labels);
        const values = gridValues(s, gridStart, p, total);
        tracks.push({ labels, fingerprint: fp, values, levels: this.datums(def, values, gridStart, p, models?.get(fp) ?? null) });
      }
      if (tracks.length === 0) {
        const values = new Array<number | null>(total).fill(null);
        tracks.push({ labels: {}, fingerprint: SYNTHETIC_FP, values, levels: (def.levels.length > 0 ? def.levels : [null]).map(() => values.map(() => null)) });
      }
    }

    for (const track of tracks) {
      let state: InstanceState | undefined;
      let episodes: Episode[] = [];
      const segments: BacktestResult['instances'][number]['segments'] = [];
      for (let e = 0; e < evaluations; e++) {
        const t = first + e * p;
        const levels = track.levels.map((ds) => ds.slice(e, e + r));
        const values = track.values.slice(e, e + r);
        const res = next(state, { timestampMs: t, levels, value: lastPresent(values) }, rule);
        state = res.state;
        episodes = updateEpisodes(episodes, res.transitions, def);
        const inst: StoredInstance = { tenant, alarm: def.name, fingerprint: track.fingerprint, labels: track.labels, state, episodes };
        for (const tr of res.transitions) result.transitions.push(this.record(tenant, def, inst, tr, values, t - (r - 1) * p, p));
        const severity = severityOf(def, state.level);
        const lastSeg = segments[segments.length - 1];
        if (lastSeg && lastSeg.state === state.state && lastSeg.severity === severity) lastSeg.toMs = t;
        else segments.push({ fromMs: t, toMs: t, state: state.state, severity });
      }
      result.instances.push({ labels: track.labels, segments });
    }
    result.transitions.sort((a, b) => a.timestampMs - b.timestampMs);
    return result;
  }
}

const SYNTHETIC_FP = fingerprintOf({ __vigil_no_data__: SYNTHETIC });

interface Observed {
  fingerprint: string;
  labels: Record<string, string>;
  values: Array<number | null>;
  levels: Datum[][];
  composite?: boolean;
}

function stateRule(def: AlarmDefinition): StateRule {
  if (def.type === 'composite') return { evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: 'notBreaching', keepFiringForMs: 0 };
  return {
    evaluationPeriods: def.evaluationPeriods,
    datapointsToAlarm: def.datapointsToAlarm,
    treatMissingData: def.treatMissingData,
    keepFiringForMs: def.keepFiringForSeconds * 1000,
  };
}

/** Whether a state change must be written (otherwise it is recomputed after a restart). */
function persistWorthy(a: InstanceState, b: InstanceState, rule: StateRule): boolean {
  if (a.state !== b.state || a.level !== b.level || (a.pendingSinceMs === null) !== (b.pendingSinceMs === null)) return true;
  return rule.keepFiringForMs > 0 && a.lastBreachMs !== b.lastBreachMs;
}

function withoutName(labels: Record<string, string>): Record<string, string> {
  if (!('__name__' in labels)) return labels;
  const { __name__: _, ...rest } = labels;
  return rest;
}

/** Values of `s` on the grid `startMs + i·p`, i < n; null where the series has no point. */
function gridValues(s: QuerySeries, startMs: number, p: number, n: number): Array<number | null> {
  const out = new Array<number | null>(n).fill(null);
  for (let j = 0; j < s.timestampsMs.length; j++) {
    const i = Math.round((s.timestampsMs[j]! - startMs) / p);
    const v = s.values[j]!;
    if (i >= 0 && i < n && !Number.isNaN(v)) out[i] = v;
  }
  return out;
}

function lastPresent(values: Array<number | null>): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null && values[i] !== undefined) return values[i]!;
  return null;
}

function severityOf(def: AlarmDefinition, level: number | null): string | null {
  if (level === null) return null;
  return def.levels[level]?.severity ?? '';
}

function recentEpisode(inst: StoredInstance, t: number, keep = 3_600_000): boolean {
  return inst.episodes.some((e) => e.endsAtMs === null || t - e.endsAtMs <= keep);
}

/** Closes and opens episodes for transitions into, out of, and between levels of ALARM. */
function updateEpisodes(episodes: Episode[], transitions: Transition[], def: AlarmDefinition): Episode[] {
  if (transitions.length === 0) return episodes;
  let out = episodes.map((e) => ({ ...e }));
  for (const tr of transitions) {
    for (const e of out) if (e.endsAtMs === null) e.endsAtMs = tr.timestampMs;
    if (tr.to === 'ALARM') out.push({ severity: severityOf(def, tr.toLevel) ?? '', startsAtMs: tr.timestampMs, endsAtMs: null });
  }
  if (out.length > MAX_EPISODES) out = out.slice(out.length - MAX_EPISODES);
  return out;
}

function aggregateAt(bt: BacktestResult, t: number): AlarmState | undefined {
  let ok = false;
  let any = false;
  for (const inst of bt.instances) {
    for (const seg of inst.segments) {
      if (t < seg.fromMs || t > seg.toMs + bt.periodMs - 1) continue;
      any = true;
      if (seg.state === 'ALARM') return 'ALARM';
      if (seg.state === 'OK') ok = true;
    }
  }
  return any ? (ok ? 'OK' : 'INSUFFICIENT_DATA') : undefined;
}

const fmtValue = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6))));

/** CloudWatch-style reason: "Threshold Crossed: 3 out of the last 3 datapoints [...] were greater than the threshold (95.0) ...". */
function reasonFor(def: AlarmDefinition, tr: Transition, values: Array<number | null>, startMs: number, p: number): string {
  const d = tr.detail;
  const points = values
    .map((v, i) => (v === null ? null : `${fmtValue(v)} (${new Date(startMs + i * p).toISOString()})`))
    .filter((x): x is string => x !== null)
    .slice(-def.evaluationPeriods)
    .reverse();
  if (def.type === 'composite') return `Composite rule ${def.rule} became ${tr.to === 'ALARM' ? 'TRUE' : 'FALSE'}`;
  if (d.present === 0 && tr.to === 'INSUFFICIENT_DATA') return `Insufficient Data: ${def.evaluationRange} datapoints were unknown.`;
  const missing = d.filled > 0 ? ` (${d.filled} missing datapoints treated as ${def.treatMissingData})` : '';
  if (def.type === 'anomaly') {
    const side = def.anomaly?.direction === 'above' ? 'above' : def.anomaly?.direction === 'below' ? 'below' : 'outside';
    return `Anomaly: ${d.breaching} out of the last ${d.present} datapoints [${points.join(', ')}] were ${side} the band of ${def.anomaly?.bandWidth} standard deviations${missing} (minimum ${def.datapointsToAlarm} datapoints for ALARM).`;
  }
  if (def.levels.length === 0) {
    return tr.to === 'ALARM'
      ? `Condition met: the query returned this series for ${d.breaching} of the last ${def.evaluationPeriods} evaluations${missing}.`
      : `Condition cleared: the query returned this series for ${d.breaching} of the last ${def.evaluationPeriods} evaluations${missing}.`;
  }
  const level = def.levels[tr.to === 'ALARM' ? (tr.toLevel ?? 0) : 0]!;
  const word = COMPARISON_WORDS[def.comparison]!;
  const verb = tr.to === 'ALARM' ? 'were' : 'were not';
  const count = tr.to === 'ALARM' ? d.breaching : d.present - d.breaching;
  return `Threshold Crossed: ${count} out of the last ${d.present} datapoints [${points.join(', ')}] ${verb} ${word} the threshold (${fmtValue(level.threshold)}, ${level.severity})${missing} (minimum ${def.datapointsToAlarm} datapoints for ${tr.from} -> ${tr.to} transition).`;
}
