import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertingStore, type OutboxRow } from './alerting-store.js';
import { Database } from './database.js';

describe('AlertingStore', () => {
  let dir: string;
  let db: Database;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-alerting-'));
    db = await Database.open({ dataDir: dir });
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const inst = (fp: string, state: string) => ({ tenant: 't', alarm: 'a', fingerprint: fp, state });
  const hist = (fp: string, ts: number) => ({ tenant: 't', alarm: 'a', fingerprint: fp, timestampMs: ts, to: 'ALARM' });

  it('commits instances and history together and reads them back after a reopen', async () => {
    const s = new AlertingStore(db);
    await s.commitEvaluation([inst('f1', 'OK'), inst('f2', 'ALARM')], [], [hist('f2', 100)]);
    await s.commitEvaluation([inst('f1', 'ALARM')], [inst('f2', '')], [hist('f1', 200), hist('f1', 300)]);
    await db.close();
    db = await Database.open({ dataDir: dir });
    const again = new AlertingStore(db);
    expect(await again.loadInstances()).toEqual([inst('f1', 'ALARM')]);
    expect((await again.history<{ timestampMs: number }>('t', 'a', {})).map((h) => h.timestampMs)).toEqual([300, 200, 100]);
    expect((await again.history<{ timestampMs: number }>('t', 'a', { fromMs: 150, toMs: 250 })).map((h) => h.timestampMs)).toEqual([200]);
    expect(await again.history('other', 'a', {})).toEqual([]);
    expect(await again.pruneHistory('t', 250)).toBe(2);
    expect(await again.history('t', 'a', {})).toHaveLength(1);
  });

  it('writes nothing of a failed evaluation commit', async () => {
    const s = new AlertingStore(db);
    await s.commitEvaluation([inst('f1', 'OK')], [], []);
    // A duplicate primary key inside one batch of inserts fails the whole transaction.
    const bad = { ...hist('f1', 1), timestampMs: Number.NaN };
    await expect(s.commitEvaluation([inst('f1', 'ALARM')], [], [hist('f1', 5), bad])).rejects.toThrow();
    expect(await s.loadInstances()).toEqual([inst('f1', 'OK')]);
    expect(await s.history('t', 'a', {})).toEqual([]);
  });

  const item = (id: string, created: number): OutboxRow & { payload: string } => ({
    id,
    tenant: 't',
    channel: 'c',
    status: 'pending',
    createdMs: created,
    nextAttemptMs: created,
    attempts: 0,
    lastError: null,
    deliveredMs: null,
    payload: `p-${id}`,
  });

  it('writes thousands of instance changes in one commit', async () => {
    const s = new AlertingStore(db);
    const inst = (i: number, v: number) => ({ tenant: 't', alarm: 'big', fingerprint: `fp${i}`, v });
    await s.commitEvaluation(Array.from({ length: 1200 }, (_, i) => inst(i, 1)), [], [{ tenant: 't', alarm: 'big', fingerprint: 'fp1', timestampMs: 5 }]);
    await s.commitEvaluation(Array.from({ length: 600 }, (_, i) => inst(i, 2)), Array.from({ length: 501 }, (_, i) => inst(700 + i, 0)), []);
    const rows = (await s.loadInstances<{ fingerprint: string; v: number }>()).filter((r) => (r as { alarm?: string }).alarm === 'big');
    expect(rows).toHaveLength(700); // fp700..fp1199 deleted (fp1200 never existed)
    expect(rows.filter((r) => r.v === 2)).toHaveLength(600);
    expect(await s.history('t', 'big')).toHaveLength(1);
  });

  it('keeps an outbox: due, retry, dead letter, redrive, delivered', async () => {
    const s = new AlertingStore(db);
    await s.commitDispatch([{ tenant: 't', channel: 'c', groupKey: 'g', sent: 1 }], [], [item('n1', 10), item('n2', 20)]);
    expect(await s.loadLog()).toEqual([{ tenant: 't', channel: 'c', groupKey: 'g', sent: 1 }]);
    expect((await s.due<OutboxRow>(15, 10)).map((o) => o.id)).toEqual(['n1']);
    await s.markRetry('n1', 1, 1000, 'HTTP 500');
    expect((await s.due<OutboxRow>(100, 10)).map((o) => o.id)).toEqual(['n2']);
    await s.markDelivered('n2', 101);
    await s.markDead('n1', 'HTTP 400', 102);
    const dead = await s.listOutbox<OutboxRow & { payload: string }>('t', { status: 'dead' });
    expect(dead).toEqual([{ ...item('n1', 10), status: 'dead', attempts: 2, lastError: 'HTTP 400', nextAttemptMs: 102 }]);
    expect(await s.redrive('other', 'n1', 200)).toBe(false);
    expect(await s.redrive('t', 'n1', 200)).toBe(true);
    expect((await s.due<OutboxRow>(200, 10)).map((o) => [o.id, o.attempts])).toEqual([['n1', 0]]);
    expect((await s.listOutbox<OutboxRow>('t', { status: 'delivered' })).map((o) => [o.deliveredMs, o.attempts])).toEqual([[101, 1]]);
    await s.commitDispatch([], [{ tenant: 't', channel: 'c', groupKey: 'g' }], []);
    expect(await s.loadLog()).toEqual([]);
  });
});
