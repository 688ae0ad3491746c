import { describe, expect, it } from 'vitest';
import { type AlarmDefinition, parseAlarmDefinition } from '../alarm/definition.js';
import { AlarmEvaluator } from './evaluator.js';
import type { AlarmStateStore, HistoryRecord, Querier, QuerySeries, StoredInstance } from './types.js';

/** A store in memory with the same contract (copies in and out, so no aliasing hides a bug). */
class MemoryStore implements AlarmStateStore {
  instances = new Map<string, StoredInstance>();
  records: HistoryRecord[] = [];
  commits = 0;
  async loadInstances() {
    return [...this.instances.values()].map((i) => structuredClone(i));
  }
  async commitEvaluation(upserts: StoredInstance[], deletes: Array<{ tenant: string; alarm: string; fingerprint: string }>, history: HistoryRecord[]) {
    this.commits++;
    for (const d of deletes) this.instances.delete(`${d.tenant}/${d.alarm}/${d.fingerprint}`);
    for (const u of upserts) this.instances.set(`${u.tenant}/${u.alarm}/${u.fingerprint}`, structuredClone(u));
    this.records.push(...structuredClone(history));
  }
  async history(tenant: string, alarm: string) {
    return this.records.filter((r) => r.tenant === tenant && r.alarm === alarm).reverse();
  }
  async deleteInstances(tenant: string, alarm: string) {
    for (const k of [...this.instances.keys()]) if (k.startsWith(`${tenant}/${alarm}/`)) this.instances.delete(k);
  }
}

type Gen = (t: number) => number | null;

/** Answers range queries from generators per query text and label set. */
class FakeQuerier implements Querier {
  calls = 0;
  constructor(private readonly data: Record<string, Array<{ labels: Record<string, string>; gen: Gen }>>) {}
  async range(_tenant: string, query: string, r: { startMs: number; endMs: number; stepMs: number }): Promise<QuerySeries[]> {
    this.calls++;
    const out: QuerySeries[] = [];
    for (const { labels, gen } of this.data[query] ?? []) {
      const s: QuerySeries = { labels, timestampsMs: [], values: [] };
      for (let t = r.startMs; t <= r.endMs; t += r.stepMs) {
        const v = gen(t);
        if (v !== null) {
          s.timestampsMs.push(t);
          s.values.push(v);
        }
      }
      if (s.values.length > 0) out.push(s);
    }
    return out;
  }
}

const P = 60_000;
const T0 = 1_800_000_000_000 - (1_800_000_000_000 % P);

function setup(defs: AlarmDefinition[], data: ConstructorParameters<typeof FakeQuerier>[0], store = new MemoryStore()) {
  const querier = new FakeQuerier(data);
  const ev = new AlarmEvaluator({ querier, store, alarms: () => defs.map((def) => ({ tenant: 't', def })), externalURL: 'http://vigil' });
  return { ev, store, querier };
}

const cpu = (over: Record<string, unknown> = {}) =>
  parseAlarmDefinition({
    name: 'cpu-high',
    query: 'cpu',
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    levels: [
      { severity: 'warning', threshold: 80 },
      { severity: 'critical', threshold: 95 },
    ],
    labels: { team: 'infra' },
    annotations: { summary: 'CPU of {{ $labels.instance }} is {{ $value }}' },
    channels: ['ops'],
    ...over,
  });

describe('AlarmEvaluator', () => {
  it('moves instances through levels with M of N and records transitions with their datapoints', async () => {
    // web-1: 50 until T0+3P, then 90 (warning), then 99 from T0+6P (critical); web-2 always 10.
    const web1: Gen = (t) => (t < T0 + 3 * P ? 50 : t < T0 + 6 * P ? 90 : 99);
    const { ev, store } = setup([cpu()], { cpu: [{ labels: { __name__: 'cpu', instance: 'web-1' }, gen: web1 }, { labels: { instance: 'web-2' }, gen: () => 10 }] });
    for (let i = 0; i <= 8; i++) await ev.tick(T0 + i * P + 500);
    const w1 = store.records.filter((r) => r.labels.instance === 'web-1').map((r) => [(r.timestampMs - T0) / P, r.from, r.to, r.toSeverity]);
    expect(w1).toEqual([
      [0, 'INSUFFICIENT_DATA', 'OK', null],
      [4, 'OK', 'ALARM', 'warning'],
      [7, 'ALARM', 'ALARM', 'critical'],
    ]);
    const toWarning = store.records.find((r) => r.toSeverity === 'warning')!;
    expect(toWarning.labels).toEqual({ instance: 'web-1' });
    expect(toWarning.datapoints).toHaveLength(5);
    expect(toWarning.datapoints.at(-1)).toEqual([T0 + 4 * P, 90]);
    expect(toWarning.reason).toMatch(/^Threshold Crossed: 2 out of the last 3 datapoints \[90 .*\] were greater than the threshold \(80, warning\)/);
    expect(ev.alarmState('t', 'cpu-high')).toBe('ALARM');

    const alerts = ev.alerts('t', T0 + 8 * P);
    // The warning episode ended when critical began: one resolved and one firing alert.
    expect(alerts.map((a) => [a.labels.severity, a.status])).toEqual([
      ['warning', 'resolved'],
      ['critical', 'firing'],
    ]);
    const firing = alerts[1]!;
    expect(firing.labels).toEqual({ alertname: 'cpu-high', instance: 'web-1', severity: 'critical', team: 'infra' });
    expect(firing.annotations.summary).toBe('CPU of web-1 is 99');
    expect(firing.startsAtMs).toBe(T0 + 7 * P);
    expect(firing.channels).toEqual(['ops']);
    expect(firing.generatorURL).toBe('http://vigil/#/alarms/cpu-high');
  });

  it('evaluates each aligned time once and survives a restart without replaying a transition', async () => {
    const gen: Gen = (t) => (t >= T0 + 2 * P ? 100 : 0);
    const data = { cpu: [{ labels: { instance: 'a' }, gen }] };
    const first = setup([cpu()], data);
    for (let i = 0; i <= 4; i++) {
      await first.ev.tick(T0 + i * P + 100);
      await first.ev.tick(T0 + i * P + 900); // same period: nothing new
    }
    expect(first.querier.calls).toBe(5);
    const transitions = first.store.records.length;
    const second = setup([cpu()], data, first.store);
    await second.ev.load();
    await second.ev.tick(T0 + 4 * P + 100); // the last period again, after "restart"
    expect(first.store.records.length).toBe(transitions);
    expect(second.ev.alarmState('t', 'cpu-high')).toBe('ALARM');
    expect(second.ev.alerts('t', T0 + 5 * P).filter((a) => a.status === 'firing')).toHaveLength(1);
  });

  it('applies missing-data treatment to an alarm whose query returns nothing', async () => {
    for (const [treat, expected] of [
      ['missing', 'INSUFFICIENT_DATA'],
      ['breaching', 'ALARM'],
      ['notBreaching', 'OK'],
    ] as const) {
      const { ev } = setup([cpu({ treatMissingData: treat })], {});
      await ev.tick(T0 + 1);
      expect(ev.alarmState('t', 'cpu-high')).toBe(expected);
    }
  });

  it('an instance whose series disappears goes to INSUFFICIENT_DATA (missing) and resolves its alert', async () => {
    const gen: Gen = (t) => (t < T0 + 5 * P ? 100 : null);
    const { ev, store } = setup([cpu({ levels: undefined, threshold: 50 })], { cpu: [{ labels: { instance: 'a' }, gen }] });
    for (let i = 0; i <= 12; i++) await ev.tick(T0 + i * P);
    expect(store.records.map((r) => `${(r.timestampMs - T0) / P}:${r.to}`)).toEqual(['0:ALARM', '9:INSUFFICIENT_DATA']);
    expect(ev.alerts('t', T0 + 12 * P).map((a) => a.status)).toEqual(['resolved']);
  });

  it('Prometheus-style: `for` makes a pending alert fire after for/period + 1 evaluations', async () => {
    const def = parseAlarmDefinition({ name: 'down', query: 'up == 0', for: '2m' });
    const gen: Gen = (t) => (t >= T0 + P && t < T0 + 6 * P ? 0 : null);
    const { ev, store } = setup([def], { 'up == 0': [{ labels: { __name__: 'up', job: 'x' }, gen }] });
    await ev.tick(T0);
    await ev.tick(T0 + P);
    expect(ev.instancesOf('t', 'down').find((i) => i.labels.job === 'x')?.state.pendingSinceMs).toBe(T0 + P);
    await ev.tick(T0 + 2 * P);
    expect(ev.alarmState('t', 'down')).not.toBe('ALARM');
    await ev.tick(T0 + 3 * P);
    expect(ev.alarmState('t', 'down')).toBe('ALARM');
    for (let i = 4; i <= 7; i++) await ev.tick(T0 + i * P);
    expect(store.records.filter((r) => r.labels.job === 'x').map((r) => `${(r.timestampMs - T0) / P}:${r.to}`)).toEqual(['1:OK', '3:ALARM', '6:OK']);
  });

  it('composite alarms see this round’s states of the alarms they reference', async () => {
    const db = parseAlarmDefinition({ name: 'db-high', query: 'db', threshold: 1 });
    const deploying = parseAlarmDefinition({ name: 'deploying', query: 'deploy', threshold: 0 });
    const comp = parseAlarmDefinition({ name: 'page', rule: 'ALARM("db-high") AND NOT ALARM("deploying")' });
    const { ev, store } = setup([comp, db, deploying], {
      db: [{ labels: {}, gen: (t) => (t >= T0 + P ? 5 : 0) }],
      deploy: [{ labels: {}, gen: (t) => (t >= T0 + 3 * P ? 1 : 0) }],
    });
    for (let i = 0; i <= 4; i++) await ev.tick(T0 + i * P);
    const page = store.records.filter((r) => r.alarm === 'page').map((r) => `${(r.timestampMs - T0) / P}:${r.to}`);
    expect(page).toEqual(['0:OK', '1:ALARM', '3:OK']);
  });

  it('backtest reproduces what live evaluation did', async () => {
    const gen: Gen = (t) => 70 + 30 * Math.sin((t - T0) / (7 * P));
    const data = { cpu: [{ labels: { instance: 'a' }, gen }] };
    const live = setup([cpu()], data);
    for (let i = 0; i < 120; i++) await live.ev.tick(T0 + i * P);
    const bt = await setup([cpu()], data).ev.backtest('t', cpu(), T0, T0 + 119 * P);
    expect(bt.evaluations).toBe(120);
    const strip = (r: HistoryRecord) => [r.timestampMs, r.from, r.to, r.toSeverity, r.reason];
    expect(bt.transitions.map(strip)).toEqual(live.store.records.map(strip));
    expect(bt.instances[0]!.segments.length).toBe(live.store.records.length);
  });
});

describe('anomaly alarms', () => {
  it('fit on history, write the band as series, and fire on a spike outside it (3 of 5), then recover', async () => {
    // A daily cycle with deterministic noise; a spike of +60 from T0 + 10P to T0 + 16P.
    const noise = (t: number) => {
      const x = Math.sin(t / P * 12.9898) * 43758.5453;
      return (x - Math.floor(x) - 0.5) * 4;
    };
    const base = (t: number) => 100 + 40 * Math.sin((2 * Math.PI * t) / 86_400_000) + noise(t);
    const gen: Gen = (t) => base(t) + (t >= T0 + 10 * P && t < T0 + 16 * P ? 60 : 0);
    const def = parseAlarmDefinition({ name: 'traffic', query: 'rps', anomaly: { bandWidth: 3, trainingDays: 3 }, evaluationPeriods: 5, datapointsToAlarm: 3 });
    const written: Array<{ name: string; t: number; v: number }> = [];
    const querier = new FakeQuerier({ rps: [{ labels: { job: 'web' }, gen }] });
    const store = new MemoryStore();
    const ev = new AlarmEvaluator({
      querier,
      store,
      alarms: () => [{ tenant: 't', def }],
      writeSeries: async (_tenant, samples) => {
        for (const s of samples) written.push({ name: s.labels.__name__!, t: s.timestampMs, v: s.value });
      },
    });
    for (let m = 0; m <= 24; m++) await ev.tick(T0 + m * P + 1000);
    const transitions = store.records.map((r) => [(r.timestampMs - T0) / P, r.from, r.to]);
    expect(transitions).toEqual([
      [0, 'INSUFFICIENT_DATA', 'OK'],
      [12, 'OK', 'ALARM'],
      [18, 'ALARM', 'OK'],
    ]);
    const at = (name: string, m: number) => written.find((w) => w.name === name && w.t === T0 + m * P)?.v;
    expect(at('vigil_anomaly_expected', 5)).toBeCloseTo(base(T0 + 5 * P), -1);
    expect(at('vigil_anomaly_lower', 5)!).toBeLessThan(at('vigil_anomaly_expected', 5)!);
    expect(at('vigil_anomaly_upper', 5)!).toBeGreaterThan(at('vigil_anomaly_expected', 5)!);
    expect(at('vigil_anomaly_score', 12)!).toBeGreaterThan(3);
    expect(Math.abs(at('vigil_anomaly_score', 5)!)).toBeLessThan(3);
  });
});
