import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture } from '../testing/app-fixture.js';
import { remoteWriteBody } from '../testing/remote-write-encode.js';

const P = 60_000;
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

describe('/api/v1/alarms', () => {
  let f: AppFixture;
  beforeEach(async () => {
    f = await createAppFixture();
    f.setNow(T0);
  });
  afterEach(async () => {
    await f.close();
  });

  /** cpu{instance} samples every 15 s from T0 − 10 min to T0 + 20 min: 50, then 97 from T0 + 5 min. */
  const pushCpu = async (instance = 'web-1', tenant?: string) => {
    const samples: Array<[number, number]> = [];
    for (let t = T0 - 10 * P; t <= T0 + 20 * P; t += 15_000) samples.push([t, t >= T0 + 5 * P ? 97 : 50]);
    // Written as if at T0 + 20 min (the future-sample limit), then the clock goes back for the ticks.
    f.setNow(T0 + 20 * P);
    const res = await f.request('/api/v1/write', {
      method: 'POST',
      headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf' },
      body: remoteWriteBody([{ labels: [['__name__', 'cpu'], ['instance', instance]], samples }]),
      ...(tenant ? { tenant } : {}),
    });
    f.setNow(T0);
    if (res.status !== 204) throw new Error(`write: ${res.status} ${await res.text()}`);
  };
  const create = (body: Record<string, unknown>, tenant?: string) =>
    f.request('/api/v1/alarms', { method: 'POST', body: JSON.stringify(body), ...(tenant ? { tenant } : {}) });
  const alarm = {
    name: 'cpu-high',
    query: 'cpu',
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    levels: [
      { severity: 'warning', threshold: 80 },
      { severity: 'critical', threshold: 95 },
    ],
    annotations: { summary: '{{ $labels.instance }} at {{ $value }}%' },
  };
  const run = async (fromMin: number, toMin: number) => {
    for (let m = fromMin; m <= toMin; m++) {
      f.setNow(T0 + m * P + 1000);
      await f.alerting.tick(T0 + m * P + 1000);
    }
  };

  it('creates, evaluates, lists with state, shows instances and history', async () => {
    await pushCpu();
    const created = await create(alarm);
    expect(created.status).toBe(201);
    expect((await created.json()).data).toMatchObject({ name: 'cpu-high', state: 'INSUFFICIENT_DATA', levels: [{ severity: 'warning' }, { severity: 'critical' }] });
    await run(0, 8);
    const list = (await (await f.request('/api/v1/alarms')).json()).data;
    expect(list).toMatchObject([{ name: 'cpu-high', state: 'ALARM', instanceCounts: { ALARM: 1, OK: 0, INSUFFICIENT_DATA: 0 } }]);
    const one = (await (await f.request('/api/v1/alarms/cpu-high')).json()).data;
    expect(one.instances).toEqual([
      expect.objectContaining({ labels: { instance: 'web-1' }, state: 'ALARM', severity: 'critical', since: new Date(T0 + 6 * P).toISOString(), value: 97 }),
    ]);
    const history = (await (await f.request('/api/v1/alarms/cpu-high/history')).json()).data;
    expect(history.map((h: { from: string; to: string; toSeverity: string | null; timestamp: string }) => [h.timestamp, h.from, h.to, h.toSeverity])).toEqual([
      [new Date(T0 + 6 * P).toISOString(), 'OK', 'ALARM', 'critical'],
      [new Date(T0).toISOString(), 'INSUFFICIENT_DATA', 'OK', null],
    ]);
    expect(history[0].datapoints).toHaveLength(5);
    expect(history[0].reason).toContain('greater than the threshold (95, critical)');

    const alerts = (await (await f.request('/api/v1/alerts')).json()).data.alerts;
    expect(alerts).toEqual([
      {
        labels: { alertname: 'cpu-high', instance: 'web-1', severity: 'critical' },
        annotations: { summary: 'web-1 at 97%' },
        state: 'firing',
        activeAt: new Date(T0 + 6 * P).toISOString(),
        value: '97',
      },
    ]);
    const rules = (await (await f.request('/api/v1/rules')).json()).data.groups;
    expect(rules).toMatchObject([{ name: 'alarms', file: 'vigil', rules: [{ name: 'cpu-high', type: 'alerting', state: 'firing', query: 'cpu', health: 'ok' }] }]);
    expect((await (await f.request('/api/v1/rules?type=record')).json()).data.groups).toEqual([]);
  });

  it('backtests a saved alarm and an unsaved definition with the same answer as live evaluation', async () => {
    await pushCpu();
    await create(alarm);
    await run(0, 10);
    const live = (await (await f.request('/api/v1/alarms/cpu-high/history')).json()).data.reverse();
    const q = `from=${(T0) / 1000}&to=${(T0 + 10 * P) / 1000}`;
    const saved = (await (await f.request(`/api/v1/alarms/cpu-high/backtest?${q}`)).json()).data;
    expect(saved.evaluations).toBe(11);
    const strip = (h: { timestamp: string; from: string; to: string; toSeverity: string | null }) => [h.timestamp, h.from, h.to, h.toSeverity];
    expect(saved.transitions.map(strip)).toEqual(live.map(strip));
    const unsaved = await f.request('/api/v1/alarms/backtest', {
      method: 'POST',
      body: JSON.stringify({ alarm: { ...alarm, name: 'draft', datapointsToAlarm: 3 }, from: T0 / 1000, to: (T0 + 10 * P) / 1000 }),
    });
    const draft = (await unsaved.json()).data;
    // 3 of 3 needs one more breaching datapoint than 2 of 3.
    expect(draft.transitions.map(strip).at(-1)).toEqual([new Date(T0 + 7 * P).toISOString(), 'OK', 'ALARM', 'critical']);
    expect(draft.instances[0].segments.map((s: { state: string }) => s.state)).toEqual(['OK', 'ALARM']);
  });

  it('rejects bad definitions with every problem named, duplicates, cycles, and unknown names', async () => {
    const bad = await create({ name: 'x', query: 'sum(', threshold: 'high', labels: { summary: '{{ .Oops' } });
    expect(bad.status).toBe(400);
    const msg = (await bad.json()).error as string;
    expect(msg).toContain('threshold must be a finite number');
    expect((await create({ name: 'x', query: 'sum(', threshold: 1 }).then((r) => r.json())).error).toMatch(/query: 1:5: parse error/);
    expect((await create({ name: 'x', query: 'up', threshold: 1, annotations: { a: '{{ .Oops' } })).status).toBe(400);
    expect((await create({ name: 'x', query: 'up', threshold: 1, channels: ['nowhere'] }).then((r) => r.json())).error).toContain('channel "nowhere" does not exist');
    expect((await create({ name: 'x', query: 'up', threshold: 1 })).status).toBe(201);
    expect((await create({ name: 'x', query: 'up', threshold: 1 })).status).toBe(409);
    expect((await create({ name: 'c1', rule: 'ALARM("x") AND ALARM("nope")' }).then((r) => r.json())).error).toContain('alarm "nope" does not exist');
    expect((await create({ name: 'c1', rule: 'ALARM("x")' })).status).toBe(201);
    expect((await create({ name: 'c2', rule: 'ALARM("c1")' })).status).toBe(201);
    const cyc = await f.request('/api/v1/alarms/c1', { method: 'PUT', body: JSON.stringify({ rule: 'ALARM("c2")' }) });
    expect(cyc.status).toBe(400);
    expect((await cyc.json()).error).toMatch(/cycle: c1 -> c2 -> c1|cycle: c2 -> c1 -> c2/);
    expect((await f.request('/api/v1/alarms/x', { method: 'DELETE' })).status).toBe(409);
    expect((await f.request('/api/v1/alarms/nope')).status).toBe(404);
    expect((await f.request('/api/v1/alarms/c2', { method: 'DELETE' })).status).toBe(204);
  });

  it('keeps tenants apart', async () => {
    await pushCpu('web-1', 'team-a');
    await pushCpu('web-9', 'team-b');
    expect((await create(alarm, 'team-a')).status).toBe(201);
    await run(0, 8);
    expect((await (await f.request('/api/v1/alarms', { tenant: 'team-b' })).json()).data).toEqual([]);
    expect((await f.request('/api/v1/alarms/cpu-high', { tenant: 'team-b' })).status).toBe(404);
    expect((await (await f.request('/api/v1/alerts', { tenant: 'team-b' })).json()).data.alerts).toEqual([]);
    const a = (await (await f.request('/api/v1/alarms/cpu-high', { tenant: 'team-a' })).json()).data;
    expect(a.instances.map((i: { labels: Record<string, string> }) => i.labels.instance)).toEqual(['web-1']);
  });
});
