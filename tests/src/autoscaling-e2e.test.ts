/**
 * Autoscaling end to end, closed loop, against the real `vigil` binary. A simulated fleet in this
 * process pushes `fleet_cpu{instance, group="web"}` = load / instances (at most 100) over
 * remote_write every second; a target-tracking policy (average CPU at 50) decides; a local
 * actuator receives the signed scaling webhooks, checks the HMAC over the raw body, dedupes by
 * Idempotency-Key, sets the fleet size and reports it back with `PUT .../capacity`.
 *
 * The load steps 100 → 300 → 100. The group must scale out within the policy's timing to the
 * capacity that brings the CPU back to the target, scale in only after the stabilisation window,
 * never oscillate, and stay within [min, max]. The first delivery of the first change is answered
 * 500 after it was applied: Vigil retries with the same key and the fleet does not change twice;
 * a replay of that request later, and a tampered copy, do not change it either.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { useProcessManager } from './lib/process-manager.js';
import { REMOTE_WRITE_HEADERS, type WriteSeries, remoteWriteBody } from './lib/remote-write.js';
import { type VigilServer, startVigil } from './lib/vigil-server.js';
import { pollUntil } from './lib/wait.js';

/** Waits until `cond` holds. */
const until = (what: string, timeoutMs: number, cond: () => boolean | Promise<boolean>) =>
  pollUntil({ what, timeoutMs, intervalMs: 50 }, async () => ((await cond()) ? true : undefined));

const processes = useProcessManager();

const GROUP = 'web';
const SECRET = 'e2e-scaling-webhook-secret-0123456789';
const MIN = 1;
const MAX = 8;
const START = 2;
const TARGET = 50;
const LOW_LOAD = 100;
const HIGH_LOAD = 300;
const WARMUP_S = 10;
const SCALE_OUT_COOLDOWN_S = 10;
const SCALE_IN_COOLDOWN_S = 15;
const STABILIZATION_S = 20;
/** Vigil decides scaling every 5 s (`SCALING_INTERVAL_MS`); rounds land 5–6 s apart on the 1 s tick. */
const ROUND_MS = 6_000;

/** The scaling webhook's JSON body. */
interface ScalingWebhook {
  version: string;
  group: string;
  previousDesiredCapacity: number;
  desiredCapacity: number;
  minCapacity: number;
  maxCapacity: number;
  cause: { policy: string; reason: string };
  idempotencyKey: string;
  timestamp: string;
}

interface Delivery {
  atMs: number;
  key: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  signatureOk: boolean;
  /** Already applied under this key: answered 200 without touching the fleet. */
  duplicate: boolean;
  status: number;
  payload?: ScalingWebhook;
}

interface Activity {
  atMs: number;
  policy: string;
  from: number;
  to: number;
  status: 'scaled' | 'suppressed';
  reason: string;
  suppressedBy?: string;
}

/** `sha256=<hex>` over the raw body, checked in constant time. */
function signatureValid(raw: Buffer, header: string | string[] | undefined, secret: string): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(raw).digest('hex'), 'utf8');
  const given = Buffer.from(header.slice('sha256='.length), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The simulated fleet: `instances` is what the actuator applied; every second each instance sends
 * its CPU share of `load` (at most 100); instances removed get a staleness marker, as Prometheus
 * writes when a target disappears.
 */
function simulatedFleet(vigil: VigilServer, initial: number, startMs: number) {
  const fleet = {
    instances: initial,
    load: LOW_LOAD,
    timeline: [{ tMs: 0, capacity: initial }] as Array<{ tMs: number; capacity: number }>,
    pushErrors: [] as string[],
    setInstances(n: number) {
      if (n === fleet.instances) return;
      fleet.instances = n;
      fleet.timeline.push({ tMs: Date.now() - startMs, capacity: n });
    },
    cpu: () => Math.min(100, fleet.load / Math.max(1, fleet.instances)),
  };
  let sent = 0; // highest instance index that has live samples
  let running = true;
  const push = async () => {
    const nowMs = Date.now();
    const series: WriteSeries[] = [];
    const labels = (i: number) => ({ __name__: 'fleet_cpu', instance: `i-${i}`, group: GROUP });
    for (let i = 1; i <= fleet.instances; i++) series.push({ labels: labels(i), samples: [{ timestampMs: nowMs, value: fleet.cpu() }] });
    for (let i = fleet.instances + 1; i <= sent; i++) series.push({ labels: labels(i), samples: [{ timestampMs: nowMs, stale: true }] });
    sent = fleet.instances;
    const res = await vigil.request('/api/v1/write', { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: remoteWriteBody(series) });
    if (res.status !== 204) fleet.pushErrors.push(`HTTP ${res.status}: ${await res.text()}`);
  };
  const loop = (async () => {
    while (running) {
      const t = Date.now();
      await push().catch((err: Error) => fleet.pushErrors.push(err.message));
      await sleep(Math.max(0, 1000 - (Date.now() - t)));
    }
  })();
  return Object.assign(fleet, {
    stop: async () => {
      running = false;
      await loop;
    },
  });
}

/**
 * The actuator: verifies the signature (401 otherwise), dedupes by Idempotency-Key, applies
 * `desiredCapacity` to the fleet, reports it to Vigil, then answers; `failAfterApply` picks
 * deliveries to answer 500 after applying them (a lost acknowledgement).
 */
async function scalingActuator(apply: (payload: ScalingWebhook) => Promise<void>, failAfterApply: (d: Delivery, applied: number) => boolean) {
  const deliveries: Delivery[] = [];
  const applied: Array<{ key: string; payload: ScalingWebhook }> = [];
  const seen = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const key = String(req.headers['idempotency-key'] ?? '');
      const d: Delivery = { atMs: Date.now(), key, headers: req.headers, raw, signatureOk: signatureValid(raw, req.headers['x-vigil-signature'], SECRET), duplicate: false, status: 0 };
      deliveries.push(d);
      const answer = (status: number, text: string) => {
        d.status = status;
        res.statusCode = status;
        res.end(text);
      };
      if (!d.signatureOk) return answer(401, 'bad signature');
      if (key === '') return answer(400, 'missing Idempotency-Key');
      if (seen.has(key)) {
        d.duplicate = true;
        return answer(200, 'duplicate');
      }
      let payload: ScalingWebhook;
      try {
        payload = JSON.parse(raw.toString('utf8')) as ScalingWebhook;
      } catch {
        return answer(400, 'not JSON');
      }
      d.payload = payload;
      seen.add(key);
      applied.push({ key, payload });
      apply(payload).then(
        () => (failAfterApply(d, applied.length) ? answer(500, 'applied, but the acknowledgement is lost') : answer(200, 'applied')),
        (err: Error) => answer(500, err.message),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    deliveries,
    applied,
    /** Sends a request to the actuator as given (a replay or a forgery). */
    send: async (raw: Buffer, headers: Record<string, string>) => {
      const res = await fetch(`${url}/scale`, { method: 'POST', body: raw, headers });
      return { status: res.status, text: await res.text() };
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('autoscaling end to end', () => {
  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of closers.reverse()) await c();
  });

  it('scales a simulated fleet out and back in on a load step, once per change, without flapping', async () => {
    const startMs = Date.now();
    const vigil = await startVigil(processes, { config: ['alerting:', "  allowDestinations: ['127.0.0.0/8']", ''].join('\n') });
    const api = async (path: string, method: string, body?: unknown) => {
      const res = await vigil.request(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }) });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return text === '' ? undefined : JSON.parse(text);
    };

    const fleet = simulatedFleet(vigil, START, startMs);
    closers.push(fleet.stop);
    const actuator = await scalingActuator(
      async (p) => {
        fleet.setInstances(p.desiredCapacity);
        await api(`/api/v1/scaling-groups/${GROUP}/capacity`, 'PUT', { capacity: fleet.instances });
      },
      // The first change's first delivery: applied, then answered 500.
      (_d, applied) => applied === 1 && actuator.deliveries.filter((x) => x.key === actuator.applied[0]!.key).length === 1,
    );
    closers.push(actuator.close);

    await api('/api/v1/scaling-groups', 'POST', { name: GROUP, min: MIN, max: MAX, desired: START, webhook: { url: `${actuator.url}/scale`, secret: SECRET } });
    await api(`/api/v1/scaling-groups/${GROUP}/capacity`, 'PUT', { capacity: START });
    await api('/api/v1/scaling-policies', 'POST', {
      name: 'tt',
      group: GROUP,
      type: 'targetTracking',
      query: 'avg(fleet_cpu)',
      targetValue: TARGET,
      scaleOutCooldownSeconds: SCALE_OUT_COOLDOWN_S,
      scaleInCooldownSeconds: SCALE_IN_COOLDOWN_S,
      scaleInStabilizationSeconds: STABILIZATION_S,
      estimatedInstanceWarmupSeconds: WARMUP_S,
    });
    const group = async () => (await api(`/api/v1/scaling-groups/${GROUP}`, 'GET')).data as { state: { desiredCapacity: number; currentCapacity: number | null; minCapacity: number; maxCapacity: number } };
    const avgCpu = async () => {
      const data = await vigil.getData<{ result: Array<{ value: [number, string] }> }>(`/api/v1/query?query=${encodeURIComponent('avg(fleet_cpu)')}`);
      return data.result[0] ? Number(data.result[0].value[1]) : Number.NaN;
    };

    // Steady at the target: 2 instances at 50 % each; one decision round on that changes nothing.
    await until('avg(fleet_cpu) = 50 at low load', 15_000, async () => (await avgCpu()) === TARGET);
    await sleep(ROUND_MS);
    expect(actuator.deliveries).toHaveLength(0);
    expect((await group()).state).toMatchObject({ desiredCapacity: START, currentCapacity: START });

    // Load step up: 300 on 2 instances reads 100 % (saturated) → 4; once those are warm, 75 % → 6.
    const expectedOut = Math.ceil(HIGH_LOAD / TARGET);
    const stepUpMs = Date.now();
    fleet.load = HIGH_LOAD;
    const outBoundMs = WARMUP_S * 1000 + 3 * ROUND_MS;
    await until(`scale-out to ${expectedOut}`, outBoundMs + 10_000, () => fleet.instances === expectedOut);
    const firstOutMs = actuator.applied.length > 0 ? actuator.deliveries.find((d) => d.payload)!.atMs - stepUpMs : Number.NaN;
    const reachedOutMs = Date.now() - stepUpMs;
    expect(firstOutMs, 'first scale-out within two decision rounds').toBeLessThanOrEqual(2 * ROUND_MS);
    expect(reachedOutMs, `at ${expectedOut} within warm-up + 3 rounds`).toBeLessThanOrEqual(outBoundMs);
    expect(fleet.cpu()).toBeCloseTo(TARGET, 5);
    // Held at high load for a full round: no overshoot.
    await sleep(ROUND_MS);
    expect(fleet.instances).toBe(expectedOut);

    // Load back down: 100 on 6 reads 16.7 % → 2, but only once the stabilisation window has no
    // higher recommendation (the last one at 6 is at most a round before the drop).
    const expectedIn = Math.max(MIN, Math.ceil(LOW_LOAD / TARGET));
    const dropMs = Date.now();
    fleet.load = LOW_LOAD;
    await until(`scale-in to ${expectedIn}`, STABILIZATION_S * 1000 + 3 * ROUND_MS, () => fleet.instances === expectedIn);
    const firstInDelivery = actuator.deliveries.find((d) => d.payload && d.payload.desiredCapacity < d.payload.previousDesiredCapacity)!;
    const scaleInAfterMs = firstInDelivery.atMs - dropMs;
    expect(scaleInAfterMs, 'no scale-in before the stabilisation window').toBeGreaterThanOrEqual(STABILIZATION_S * 1000 - ROUND_MS);
    expect(scaleInAfterMs, 'scale-in soon after the window').toBeLessThanOrEqual(STABILIZATION_S * 1000 + 2 * ROUND_MS);
    // And it stays there at the target.
    await sleep(ROUND_MS);
    expect(fleet.instances).toBe(expectedIn);
    expect(fleet.cpu()).toBe(TARGET);

    const vigilDeliveries = [...actuator.deliveries];
    await fleet.stop();
    console.log(
      `capacity timeline (s since start → instances): ${fleet.timeline.map((p) => `${(p.tMs / 1000).toFixed(1)}→${p.capacity}`).join(', ')}; ` +
        `load up at ${((stepUpMs - startMs) / 1000).toFixed(1)}, down at ${((dropMs - startMs) / 1000).toFixed(1)}; ` +
        `first scale-out ${firstOutMs} ms after the step, at ${expectedOut} after ${reachedOutMs} ms; scale-in ${scaleInAfterMs} ms after the drop (stabilisation ${STABILIZATION_S} s)`,
    );
    console.log(`deliveries: ${vigilDeliveries.map((d) => `${((d.atMs - startMs) / 1000).toFixed(1)}s ${d.payload ? `${d.payload.previousDesiredCapacity}→${d.payload.desiredCapacity}` : 'dup'} ${d.status}`).join(', ')}`);

    // Every delivery from Vigil is correctly signed.
    expect(vigilDeliveries.every((d) => d.signatureOk)).toBe(true);
    // The lost acknowledgement: the first change came twice under one key and was applied once.
    const firstKey = actuator.applied[0]!.key;
    expect(vigilDeliveries.filter((d) => d.key === firstKey).map((d) => [d.status, d.duplicate])).toEqual([
      [500, false],
      [200, true],
    ]);
    expect(new Set(actuator.applied.map((a) => a.key)).size).toBe(actuator.applied.length);
    expect(vigilDeliveries.filter((d) => !d.duplicate).length).toBe(actuator.applied.length);

    // The changes form one chain: out-phase, then in-phase, all within [min, max].
    const changes = actuator.applied.map((a) => a.payload);
    changes.forEach((c, i) => {
      expect(c).toMatchObject({ version: '1', group: GROUP, minCapacity: MIN, maxCapacity: MAX, cause: { policy: 'tt' } });
      expect(c.previousDesiredCapacity).toBe(i === 0 ? START : changes[i - 1]!.desiredCapacity);
      expect(c.idempotencyKey).toMatch(new RegExp(`/${GROUP}/${i + 1}$`));
    });
    const capacities = fleet.timeline.map((p) => p.capacity);
    for (const c of capacities) {
      expect(c).toBeGreaterThanOrEqual(MIN);
      expect(c).toBeLessThanOrEqual(MAX);
    }
    const directions = capacities.slice(1).map((c, i) => Math.sign(c - capacities[i]!));
    const phases = directions.filter((d, i) => i === 0 || d !== directions[i - 1]);
    expect(phases, 'one out-phase, then one in-phase').toEqual([1, -1]);
    expect(Math.max(...capacities), 'no overshoot').toBe(expectedOut);

    // Vigil's view: desired and reported capacity agree with the fleet.
    expect((await group()).state).toMatchObject({ desiredCapacity: expectedIn, currentCapacity: expectedIn, minCapacity: MIN, maxCapacity: MAX });
    // The activity log has every scaled decision (oldest first here), and the scale-in held by stabilisation.
    const activities = ((await api(`/api/v1/scaling-groups/${GROUP}/activities?limit=1000`, 'GET')).data as Activity[]).reverse();
    const scaled = activities.filter((a) => a.status === 'scaled');
    expect(scaled.map((a) => [a.policy, a.from, a.to])).toEqual(changes.map((c) => ['tt', c.previousDesiredCapacity, c.desiredCapacity]));
    const held = activities.filter((a) => a.status === 'suppressed' && a.suppressedBy === 'stabilization' && a.atMs >= dropMs);
    expect(held.length, `a scale-in held by stabilisation; activities: ${JSON.stringify(activities)}`).toBeGreaterThan(0);
    expect(held[0]!.atMs).toBeLessThan(scaled.at(-1)!.atMs);

    // A replay of the first change (correctly signed) and a tampered copy change nothing.
    const first = vigilDeliveries.find((d) => d.key === firstKey)!;
    const replayHeaders = { 'content-type': 'application/json', 'idempotency-key': firstKey, 'x-vigil-signature': String(first.headers['x-vigil-signature']) };
    expect(await actuator.send(first.raw, replayHeaders)).toEqual({ status: 200, text: 'duplicate' });
    const tampered = Buffer.from(first.raw.toString('utf8').replace(/"desiredCapacity":\d+/, '"desiredCapacity":8'));
    expect(tampered.equals(first.raw)).toBe(false);
    expect((await actuator.send(tampered, { ...replayHeaders, 'idempotency-key': 'forged-1' })).status).toBe(401);
    const wrongSecret = `sha256=${createHmac('sha256', 'not-the-group-secret-000').update(tampered).digest('hex')}`;
    expect((await actuator.send(tampered, { ...replayHeaders, 'idempotency-key': 'forged-2', 'x-vigil-signature': wrongSecret })).status).toBe(401);
    expect(fleet.instances).toBe(expectedIn);
    expect(actuator.applied).toHaveLength(changes.length);
    expect(fleet.pushErrors).toEqual([]);
    console.log(`runtime ${((Date.now() - startMs) / 1000).toFixed(1)} s`);
  }, 150_000);
});
