import { describe, expect, it } from 'vitest';
import { type ChannelConfig, parseChannelConfig } from './channels.js';
import { Dispatcher } from './dispatcher.js';
import { MemoryNotificationStore } from './memory-store.js';
import { type Silence, parseSilence } from './silences.js';
import type { AlertSnapshot, OutboxMessage } from './types.js';

const S = 1000;

function snap(fp: string, status: 'firing' | 'resolved', over: Partial<AlertSnapshot> = {}): AlertSnapshot {
  return {
    tenant: 't1',
    alarm: 'HighCPU',
    fingerprint: fp,
    labels: { alertname: 'HighCPU', instance: fp },
    annotations: {},
    status,
    startsAtMs: 0,
    endsAtMs: status === 'resolved' ? 1 : null,
    value: 1,
    generatorURL: '',
    channels: ['ops'],
    ...over,
  };
}

function rig(channel: Record<string, unknown> = {}, silences: Silence[] = [], store = new MemoryNotificationStore()) {
  const cfg: ChannelConfig = parseChannelConfig({ type: 'webhook', url: 'https://hooks.example.com/x', repeatIntervalSeconds: 3600, ...channel }, 'ops');
  const dispatcher = new Dispatcher({ store, channels: () => [cfg], silences: () => silences, externalURL: 'http://vigil' });
  return { store, dispatcher };
}

/** What was enqueued since `seen`, as 'status:fp+fp(/resolved fp)' strings. */
async function newMessages(store: MemoryNotificationStore, seen: Set<string>): Promise<string[]> {
  const rows = (await store.listOutbox<OutboxMessage>('t1', { limit: 1000 })).reverse().filter((r) => !seen.has(r.id));
  for (const r of rows) seen.add(r.id);
  return rows.map((r) => `${r.groupStatus}:${r.alerts.map((a) => `${a.fingerprint}${a.status === 'resolved' ? '(r)' : ''}`).join(',')}`);
}

describe('Dispatcher timing (groupWait 30 s, groupInterval 300 s, repeatInterval 3600 s)', () => {
  it('follows Alertmanager: wait, batch, interval, repeat, resolved once, new group after resolution', async () => {
    const { store, dispatcher } = rig();
    const seen = new Set<string>();
    const state = new Map<string, AlertSnapshot>();
    const steps: Array<[number, Record<string, 'firing' | 'resolved'>, string[]]> = [
      [0, { a: 'firing' }, []], // a new group waits groupWait
      [10, { b: 'firing' }, []],
      [30, {}, ['firing:a,b']], // first flush batches both
      [60, { c: 'firing' }, []], // changed, but groupInterval has not passed
      [329, {}, []],
      [330, {}, ['firing:a,b,c']],
      [400, {}, []], // unchanged
      [3929, {}, []],
      [3930, {}, ['firing:a,b,c']], // repeatInterval
      [3940, { a: 'resolved' }, []],
      [4230, {}, ['firing:b,c,a(r)']], // resolved is sent with the next flush
      [4240, {}, []], // ... and only once
      [4600, { b: 'resolved', c: 'resolved' }, ['resolved:b(r),c(r)']], // all resolved
      [4700, {}, []],
      [5010, { a: 'firing' }, []], // a fires again: a new group, which waits again
      [5040, {}, ['firing:a']],
    ];
    for (const [t, changes, expected] of steps) {
      for (const [fp, status] of Object.entries(changes)) state.set(fp, snap(fp, status, { startsAtMs: t * S, endsAtMs: status === 'resolved' ? t * S : null }));
      await dispatcher.dispatch([...state.values()], t * S);
      expect(await newMessages(store, seen), `at ${t}s`).toEqual(expected);
    }
    expect(store.log.size).toBe(1);
  });

  it('drops resolved alerts silently when sendResolved is false, and notifies when they fire again', async () => {
    const { store, dispatcher } = rig({ sendResolved: false, groupWaitSeconds: 0 });
    const seen = new Set<string>();
    await dispatcher.dispatch([snap('a', 'firing'), snap('b', 'firing')], 0);
    expect(await newMessages(store, seen)).toEqual(['firing:a,b']);
    await dispatcher.dispatch([snap('a', 'resolved'), snap('b', 'firing')], 400 * S);
    expect(await newMessages(store, seen)).toEqual([]);
    await dispatcher.dispatch([snap('a', 'firing', { startsAtMs: 800 * S }), snap('b', 'firing')], 800 * S);
    expect(await newMessages(store, seen)).toEqual(['firing:a,b']);
  });

  it('groups by the channel groupBy labels', async () => {
    const { store, dispatcher } = rig({ groupBy: ['instance'], groupWaitSeconds: 0 });
    await dispatcher.dispatch([snap('a', 'firing'), snap('b', 'firing')], 0);
    const rows = await store.listOutbox<OutboxMessage>('t1');
    expect(rows.map((r) => r.groupKey).sort()).toEqual(['{}:{instance="a"}', '{}:{instance="b"}']);
    expect(rows[0]).toMatchObject({ channel: 'ops', status: 'pending', attempts: 0, externalURL: 'http://vigil' });
    expect(rows[0]!.id).toMatch(/^ntf_[0-9a-f]{40}$/);
  });
});

describe('Dispatcher silences', () => {
  it('leaves silenced firing alerts out, and sends nothing when all are silenced', async () => {
    const silence = parseSilence({ matchers: [{ name: 'instance', value: 'a', type: '=' }], startsAtMs: 0, endsAtMs: 3_600_000, createdBy: 'x', comment: 'y' }, { tenant: 't1', nowMs: 0 });
    const { store, dispatcher } = rig({ groupWaitSeconds: 0 }, [silence]);
    const seen = new Set<string>();
    await dispatcher.dispatch([snap('a', 'firing')], 0);
    expect(await newMessages(store, seen)).toEqual([]);
    await dispatcher.dispatch([snap('a', 'firing'), snap('b', 'firing')], 10 * S);
    expect(await newMessages(store, seen)).toEqual(['firing:b']);
    // When the silence expires, the alert is new to the receiver and is notified.
    await dispatcher.dispatch([snap('a', 'firing'), snap('b', 'firing')], 3600 * S);
    expect(await newMessages(store, seen)).toEqual(['firing:a,b']);
  });
});

describe('Dispatcher durability', () => {
  it('sends nothing new after a restart over the same store', async () => {
    const store = new MemoryNotificationStore();
    const first = rig({}, [], store).dispatcher;
    await first.load();
    const alerts = [snap('a', 'firing'), snap('b', 'firing')];
    await first.dispatch(alerts, 0);
    await first.dispatch(alerts, 30 * S);
    expect(store.outbox.size).toBe(1);

    const second = rig({}, [], store).dispatcher;
    await second.load();
    await second.dispatch(alerts, 100 * S);
    await second.dispatch(alerts, 400 * S);
    expect(store.outbox.size).toBe(1);
    // A genuinely new alert is still notified after the restart.
    await second.dispatch([...alerts, snap('c', 'firing')], 700 * S);
    expect(store.outbox.size).toBe(2);
  });

  it('keeps the in-memory log unchanged when the commit fails, and enqueues exactly once on the next call', async () => {
    const { store, dispatcher } = rig({ groupWaitSeconds: 0 });
    store.failNextCommit = true;
    await expect(dispatcher.dispatch([snap('a', 'firing')], 0)).rejects.toThrow('injected');
    expect(store.outbox.size).toBe(0);
    await dispatcher.dispatch([snap('a', 'firing')], 1 * S);
    await dispatcher.dispatch([snap('a', 'firing')], 2 * S);
    expect(store.outbox.size).toBe(1);
    expect(store.log.size).toBe(1);
  });

  it('ignores alerts routed to unknown channels and a resolved alert nobody was told about', async () => {
    const { store, dispatcher } = rig({ groupWaitSeconds: 0 });
    await dispatcher.dispatch([snap('a', 'firing', { channels: ['nope'] }), snap('b', 'resolved')], 0);
    expect(store.outbox.size).toBe(0);
    expect(dispatcher.groupCount).toBe(0);
  });
});

describe('Dispatcher housekeeping', () => {
  it('resolves a firing alert that stopped appearing for resolveTimeoutMs', async () => {
    const store = new MemoryNotificationStore();
    const cfg = parseChannelConfig({ type: 'webhook', url: 'https://hooks.example.com/x', groupWaitSeconds: 0 }, 'ops');
    const dispatcher = new Dispatcher({ store, channels: () => [cfg], silences: () => [], externalURL: '', resolveTimeoutMs: 60_000 });
    const seen = new Set<string>();
    await dispatcher.dispatch([snap('a', 'firing'), snap('b', 'firing')], 0);
    expect(await newMessages(store, seen)).toEqual(['firing:a,b']);
    await dispatcher.dispatch([snap('a', 'firing')], 30 * S);
    await dispatcher.dispatch([snap('a', 'firing')], 300 * S);
    expect(await newMessages(store, seen)).toEqual(['firing:a,b(r)']);
  });

  it('moves alerts to their new group when the channel groupBy changes', async () => {
    const store = new MemoryNotificationStore();
    let cfg = parseChannelConfig({ type: 'webhook', url: 'https://hooks.example.com/x', groupWaitSeconds: 0, repeatIntervalSeconds: 600 }, 'ops');
    const dispatcher = new Dispatcher({ store, channels: () => [cfg], silences: () => [], externalURL: '' });
    await dispatcher.dispatch([snap('a', 'firing')], 0);
    cfg = parseChannelConfig({ type: 'webhook', url: 'https://hooks.example.com/x', groupWaitSeconds: 0, repeatIntervalSeconds: 600, groupBy: ['instance'] }, 'ops');
    await dispatcher.dispatch([snap('a', 'firing')], 10 * S);
    await dispatcher.dispatch([snap('a', 'firing')], 700 * S);
    const keys = (await store.listOutbox<OutboxMessage>('t1')).map((r) => r.groupKey);
    // One notification in the old group, then the new group's first and its repeat; the old
    // group never repeats.
    expect(keys.sort()).toEqual(['{}:{alertname="HighCPU"}', '{}:{instance="a"}', '{}:{instance="a"}']);
  });
});
