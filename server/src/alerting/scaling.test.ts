import { createHmac } from 'node:crypto';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture } from '../testing/app-fixture.js';
import { remoteWriteBody } from '../testing/remote-write-encode.js';

const P = 60_000;
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const SECRET = 'scaling-secret-0123456789';

async function actuator() {
  const received: Array<{ headers: IncomingHttpHeaders; raw: string; body: Record<string, unknown> }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, raw, body: JSON.parse(raw) });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/scale`, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('scaling groups and policies', () => {
  let f: AppFixture;
  let act: Awaited<ReturnType<typeof actuator>>;
  beforeEach(async () => {
    f = await createAppFixture("alerting:\n  allowDestinations: ['127.0.0.0/8']\n");
    act = await actuator();
  });
  afterEach(async () => {
    await f.close();
    await act.close();
  });
  const json = (method: string, body: unknown) => ({ method, body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  const push = async (name: string, value: (t: number) => number, fromMin = -10, toMin = 40) => {
    const samples: Array<[number, number]> = [];
    for (let t = T0 + fromMin * P; t <= T0 + toMin * P; t += 15_000) samples.push([t, value(t)]);
    f.setNow(T0 + toMin * P);
    const res = await f.request('/api/v1/write', {
      method: 'POST',
      headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf' },
      body: remoteWriteBody([{ labels: [['__name__', name], ['group', 'web']], samples }]),
    });
    expect(res.status).toBe(204);
  };
  /** Evaluates, decides and delivers every 20 s of fixture time. */
  const run = async (fromMin: number, toMin: number) => {
    for (let t = T0 + fromMin * P; t <= T0 + toMin * P; t += 20_000) {
      f.setNow(t + 1000);
      await f.alerting.tick(t + 1000);
      await f.alerting.notifications.sender.runOnce(t + 1000);
    }
  };
  const group = () => ({ name: 'web', min: 1, max: 5, desired: 2, webhook: { url: act.url, secret: SECRET } });

  it('a simple policy scales out on ALARM, signs the webhook, re-applies only after its cooldown, logs everything', async () => {
    await push('cpu', (t) => (t >= T0 + 2 * P && t < T0 + 20 * P ? 95 : 40));
    expect((await f.request('/api/v1/alarms', json('POST', { name: 'cpu-high', query: 'max(cpu)', threshold: 80, evaluationPeriods: 1, datapointsToAlarm: 1 }))).status).toBe(201);
    const g = await f.request('/api/v1/scaling-groups', json('POST', group()));
    expect(g.status).toBe(201);
    expect(JSON.stringify(await g.json())).not.toContain(SECRET);
    const bad = await f.request('/api/v1/scaling-policies', json('POST', { name: 'p', group: 'nope', type: 'simple', alarm: 'nope', adjustmentType: 'ChangeInCapacity', scalingAdjustment: 1 }));
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/group: scaling group "nope" does not exist; alarm: alarm "nope" does not exist/);
    const pol = await f.request(
      '/api/v1/scaling-policies',
      json('POST', { name: 'out', group: 'web', type: 'simple', alarm: 'cpu-high', adjustmentType: 'ChangeInCapacity', scalingAdjustment: 1, cooldownSeconds: 300 }),
    );
    expect(pol.status).toBe(201);
    await run(0, 14);
    // ALARM from minute 2: +1 at once (3), again after 300 s (4), again (5 = max), then bounds.
    const bodies = act.received.map((r) => r.body);
    expect(bodies.map((b) => [b.previousDesiredCapacity, b.desiredCapacity])).toEqual([
      [2, 3],
      [3, 4],
      [4, 5],
    ]);
    const times = bodies.map((b) => Date.parse(String(b.timestamp)));
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(300_000);
    for (const r of act.received) {
      const expected = `sha256=${createHmac('sha256', SECRET).update(r.raw).digest('hex')}`;
      expect(r.headers['x-vigil-signature']).toBe(expected);
      expect(r.headers['idempotency-key']).toMatch(/^ntf_/);
    }
    expect(new Set(act.received.map((r) => r.headers['idempotency-key'])).size).toBe(3);
    const acts = (await (await f.request('/api/v1/scaling-groups/web/activities')).json()).data;
    expect(acts.filter((a: { status: string }) => a.status === 'scaled')).toHaveLength(3);
    expect(acts.some((a: { suppressedBy?: string }) => a.suppressedBy === 'cooldown')).toBe(true);
    const state = (await (await f.request('/api/v1/scaling-groups/web')).json()).data.state;
    expect(state).toMatchObject({ desiredCapacity: 5, minCapacity: 1, maxCapacity: 5 });
    // The capacity curve is queryable.
    const q = await f.request(`/api/v1/query?query=vigil_scaling_desired_capacity&time=${(T0 + 14 * P) / 1000}`);
    expect((await q.json()).data.result[0].value[1]).toBe('5');
  });

  it('target tracking scales proportionally; the actuator reports capacity; KEDA and HPA endpoints answer', async () => {
    await push('load_per_instance', (t) => (t >= T0 + 2 * P ? 90 : 50));
    await f.request('/api/v1/scaling-groups', json('POST', group()));
    const pol = await f.request('/api/v1/scaling-policies', json('POST', { name: 'tt', group: 'web', type: 'targetTracking', query: 'max(load_per_instance)', targetValue: 50 }));
    expect(pol.status, await pol.clone().text()).toBe(201);
    expect((await f.request('/api/v1/scaling-groups/web/capacity', json('PUT', { capacity: 2 }))).status).toBe(204);
    await run(0, 4);
    expect(act.received.map((r) => r.body.desiredCapacity)).toEqual([4]); // ceil(2 × 90 / 50)
    expect((await (await f.request('/api/v1/scaling-groups/web')).json()).data.state.currentCapacity).toBe(2);
    f.setNow(T0 + 5 * P);
    expect(await (await f.request('/api/v1/scaling/keda?query=max(load_per_instance)')).json()).toEqual({ value: 90 });
    const hpa = (await (await f.request('/api/v1/scaling/hpa?query=max(load_per_instance)&target=60&current=4')).json()).data;
    expect(hpa).toMatchObject({ value: 90, desired: 6 });
    expect((await f.request('/api/v1/scaling/hpa?query=max(load_per_instance)&target=0&current=4')).status).toBe(400);
  });

  it('backtests the policies over stored data with the live decision functions', async () => {
    await push('cpu', (t) => (t >= T0 + 2 * P && t < T0 + 20 * P ? 95 : 40));
    await f.request('/api/v1/alarms', json('POST', { name: 'cpu-high', query: 'max(cpu)', threshold: 80, evaluationPeriods: 1, datapointsToAlarm: 1 }));
    await f.request('/api/v1/scaling-groups', json('POST', group()));
    await f.request('/api/v1/scaling-policies', json('POST', { name: 'out', group: 'web', type: 'simple', alarm: 'cpu-high', adjustmentType: 'ChangeInCapacity', scalingAdjustment: 1, cooldownSeconds: 300 }));
    f.setNow(T0 + 40 * P);
    const res = await f.request(`/api/v1/scaling-groups/web/backtest?from=${T0 / 1000}&to=${(T0 + 30 * P) / 1000}&step=60`);
    expect(res.status).toBe(200);
    const { capacity, activities } = (await res.json()).data;
    expect(capacity).toHaveLength(31);
    const changes = activities.filter((a: { status: string }) => a.status === 'scaled').map((a: { atMs: number; from: number; to: number }) => [(a.atMs - T0) / P, a.from, a.to]);
    // ALARM from minute 2 to 19: +1 at 2, 7, 12 (cooldown 300 s), then max 5; nothing after OK.
    expect(changes).toEqual([
      [2, 2, 3],
      [7, 3, 4],
      [12, 4, 5],
    ]);
    expect(capacity.at(-1)).toEqual([T0 + 30 * P, 5]);
    expect((await f.request('/api/v1/scaling-groups/web/backtest?from=10&to=5')).status).toBe(400);
  });

  it('refuses to delete a group with policies and an alarm used by nothing else is free', async () => {
    await f.request('/api/v1/scaling-groups', json('POST', group()));
    await f.request('/api/v1/scaling-policies', json('POST', { name: 'night', group: 'web', type: 'scheduled', cron: '0 22 * * *', timezone: 'Europe/Paris', desired: 1 }));
    expect((await f.request('/api/v1/scaling-groups/web', { method: 'DELETE' })).status).toBe(409);
    expect((await f.request('/api/v1/scaling-policies/night', { method: 'DELETE' })).status).toBe(204);
    expect((await f.request('/api/v1/scaling-groups/web', { method: 'DELETE' })).status).toBe(204);
  });
});
