import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { crc32 } from './crc32.js';
import { DiskQueue } from './disk-queue.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'vigil-queue-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function drain(q: DiskQueue): string[] {
  const out: string[] = [];
  for (let r = q.peek(); r; r = q.peek()) {
    out.push(r.payload.toString());
    q.ack(r);
  }
  return out;
}

describe('crc32', () => {
  it('matches the IEEE check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});

describe('DiskQueue', () => {
  it('returns records in order, across segments, and deletes consumed segments', () => {
    const dir = tempDir();
    const q = new DiskQueue({ dir, maxBytes: 1 << 20, segmentBytes: 64, fsync: false });
    for (let i = 0; i < 20; i++) q.append(Buffer.from(`record-${i}`));
    expect(readdirSync(dir).filter((f) => f.endsWith('.seg')).length).toBeGreaterThan(3);
    expect(drain(q)).toEqual(Array.from({ length: 20 }, (_, i) => `record-${i}`));
    expect(q.pendingBytes).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.seg')).length).toBe(1);
  });

  it('keeps unacknowledged records across a restart and does not repeat acknowledged ones', () => {
    const dir = tempDir();
    const q1 = new DiskQueue({ dir, maxBytes: 1 << 20, segmentBytes: 100, fsync: false });
    for (let i = 0; i < 10; i++) q1.append(Buffer.from(`r${i}`));
    for (let i = 0; i < 4; i++) q1.ack(q1.peek()!);
    const inFlight = q1.peek()!; // sent but not acknowledged when the process died
    expect(inFlight.payload.toString()).toBe('r4');
    q1.close();
    const q2 = new DiskQueue({ dir, maxBytes: 1 << 20, segmentBytes: 100, fsync: false });
    expect([...q2.scan()].map(String)).toEqual(['r4', 'r5', 'r6', 'r7', 'r8', 'r9']);
    expect(drain(q2)).toEqual(['r4', 'r5', 'r6', 'r7', 'r8', 'r9']);
  });

  it('drops the oldest segment when over its byte bound and counts the dropped records', () => {
    const dir = tempDir();
    const q = new DiskQueue({ dir, maxBytes: 200, segmentBytes: 50, fsync: false });
    for (let i = 0; i < 30; i++) q.append(Buffer.from(`rec-${String(i).padStart(2, '0')}`)); // 14 bytes framed
    expect(q.pendingBytes).toBeLessThanOrEqual(200);
    const left = drain(q);
    expect(left.at(-1)).toBe('rec-29');
    expect(q.stats.droppedRecords).toBe(30 - left.length);
    expect(left[0]).toBe(`rec-${String(q.stats.droppedRecords).padStart(2, '0')}`);
  });

  it('repairs a torn tail left by a crash in the middle of an append', () => {
    const dir = tempDir();
    const q1 = new DiskQueue({ dir, maxBytes: 1 << 20, fsync: false });
    q1.append(Buffer.from('complete-1'));
    q1.append(Buffer.from('complete-2'));
    q1.close();
    const seg = readdirSync(dir).find((f) => f.endsWith('.seg'))!;
    const torn = Buffer.alloc(12);
    torn.writeUInt32LE(100, 0); // claims 100 bytes, only 4 follow
    appendFileSync(join(dir, seg), torn);
    const q2 = new DiskQueue({ dir, maxBytes: 1 << 20, fsync: false });
    expect(q2.stats.repairedBytes).toBe(12);
    q2.append(Buffer.from('after-restart'));
    expect(drain(q2)).toEqual(['complete-1', 'complete-2', 'after-restart']);
  });

  it('refuses a record larger than the whole bound and counts it as dropped', () => {
    const q = new DiskQueue({ dir: tempDir(), maxBytes: 64, fsync: false });
    q.append(Buffer.alloc(100));
    expect(q.stats.droppedRecords).toBe(1);
    expect(q.peek()).toBeUndefined();
  });

  it('survives kill -9 of a process appending in a loop: every record on disk is whole and in sequence', async () => {
    const dir = tempDir();
    const script = fileURLToPath(new URL('../testing/queue-writer-child.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let acked = -1;
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        const lines = d.toString().trim().split('\n');
        acked = Number(lines.at(-1));
        if (acked >= 300) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((r) => child.on('exit', r));
    const q = new DiskQueue({ dir, maxBytes: 64 << 20, segmentBytes: 4096, fsync: false });
    const got = drain(q).map(Number);
    expect(got.length).toBeGreaterThanOrEqual(acked + 1);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => i));
  });
});
