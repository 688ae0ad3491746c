import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskQueue } from '../queue/disk-queue.js';
import { decodeQueuePayload } from '../send/queue-record.js';
import { decodeLokiPush } from '../testing/decoders.js';
import { CheckpointStore } from './checkpoint-store.js';
import { LogBatcher } from './log-batcher.js';
import { LogCollector, type LogSource } from './log-collector.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'vigil-tail-'));
  dirs.push(d);
  return d;
}

/** One agent "process": queue, positions, batcher and collector over a state dir. */
class Agent {
  readonly queue: DiskQueue;
  readonly collector: LogCollector;
  readonly batcher: LogBatcher;
  readonly errors: unknown[] = [];

  constructor(stateDir: string, sources: LogSource[], readonly delivered: { line: string; labels: string }[]) {
    this.queue = new DiskQueue({ dir: join(stateDir, 'queue'), maxBytes: 16 << 20, fsync: false });
    const checkpoints = CheckpointStore.load(join(stateDir, 'positions.json'));
    LogBatcher.recover(this.queue, checkpoints);
    this.batcher = new LogBatcher({ queue: this.queue, checkpoints, maxBatchBytes: 1 << 20, maxWaitMs: 0, onError: (e) => this.errors.push(e) });
    this.collector = new LogCollector({
      sources,
      commonLabels: { host: 'h1' },
      checkpoints,
      sink: this.batcher.sink,
      drainGraceMs: 0,
      onError: (e) => this.errors.push(e),
    });
  }

  /** One poll, one flush, and "send" everything queued. */
  async cycle(nowMs = Date.now()): Promise<void> {
    await this.collector.poll(nowMs);
    this.batcher.flush();
    for (let r = this.queue.peek(); r; r = this.queue.peek()) {
      for (const s of decodeLokiPush(decodeQueuePayload(r.payload).body)) {
        for (const e of s.entries) this.delivered.push({ line: e.line, labels: s.labels });
      }
      this.queue.ack(r);
    }
  }

  async stop(): Promise<void> {
    await this.collector.stop();
    this.queue.close();
  }
}

function source(paths: string[], extra: Partial<LogSource> = {}): LogSource {
  return { paths, labels: { job: 'app' }, startAt: 'beginning', maxLineBytes: 1000, detectLevel: true, ...extra };
}

const lines = (from: number, to: number, prefix = 'line'): string =>
  Array.from({ length: to - from }, (_, i) => `${prefix} ${from + i}\n`).join('');

describe('LogCollector with LogBatcher', () => {
  it('reads from the beginning or the end and labels lines with job, filename, host and level', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.log'), 'old a\n');
    writeFileSync(join(dir, 'b.txt'), 'old b\n');
    const got: { line: string; labels: string }[] = [];
    const agent = new Agent(tempDir(), [source([join(dir, '*.log')]), source([join(dir, '*.txt')], { startAt: 'end', labels: { job: 'txt' } })], got);
    await agent.cycle();
    appendFileSync(join(dir, 'b.txt'), 'level=warn new b\n');
    await agent.cycle();
    expect(got).toEqual([
      { line: 'old a', labels: `{filename="${join(dir, 'a.log')}", host="h1", job="app"}` },
      { line: 'level=warn new b', labels: `{filename="${join(dir, 'b.txt')}", host="h1", job="txt", level="warn"}` },
    ]);
    await agent.stop();
  });

  it('follows rename rotation without losing or repeating a line, including lines written to the old file after the rename', async () => {
    const dir = tempDir();
    const log = join(dir, 'app.log');
    writeFileSync(log, lines(0, 10));
    const got: { line: string; labels: string }[] = [];
    const agent = new Agent(tempDir(), [source([log])], got);
    await agent.cycle();
    appendFileSync(log, lines(10, 15));
    renameSync(log, `${log}.1`);
    appendFileSync(`${log}.1`, lines(15, 20)); // the writer has not reopened yet
    writeFileSync(log, lines(20, 25));
    await agent.cycle();
    appendFileSync(log, lines(25, 30));
    await agent.cycle();
    await agent.cycle();
    expect(got.map((g) => g.line)).toEqual(lines(0, 30).trim().split('\n'));
    expect(agent.errors).toEqual([]);
    await agent.stop();
  });

  it('follows copytruncate rotation', async () => {
    const dir = tempDir();
    const log = join(dir, 'app.log');
    writeFileSync(log, lines(0, 50));
    const got: { line: string; labels: string }[] = [];
    const agent = new Agent(tempDir(), [source([log])], got);
    await agent.cycle();
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    await agent.cycle();
    appendFileSync(log, lines(50, 53));
    await agent.cycle();
    expect(got.map((g) => g.line)).toEqual(lines(0, 53).trim().split('\n'));
    await agent.stop();
  });

  it('notices copytruncate even when the file grew past the old position before the next poll', async () => {
    const dir = tempDir();
    const log = join(dir, 'app.log');
    writeFileSync(log, lines(0, 5, 'old'));
    const got: { line: string; labels: string }[] = [];
    const agent = new Agent(tempDir(), [source([log])], got);
    await agent.cycle();
    truncateSync(log, 0);
    appendFileSync(log, lines(0, 20, 'new')); // longer than the old content
    await agent.cycle();
    expect(got.map((g) => g.line)).toEqual([...lines(0, 5, 'old').trim().split('\n'), ...lines(0, 20, 'new').trim().split('\n')]);
    await agent.stop();
  });

  it('picks up new files that match the glob, from their beginning', async () => {
    const dir = tempDir();
    const got: { line: string; labels: string }[] = [];
    const agent = new Agent(tempDir(), [source([join(dir, '*.log')], { startAt: 'end' })], got);
    await agent.cycle();
    writeFileSync(join(dir, 'new.log'), 'first\nsecond\n');
    await agent.cycle();
    expect(got.map((g) => g.line)).toEqual(['first', 'second']);
    await agent.stop();
  });

  it('resumes mid-file after a restart: nothing skipped, nothing repeated, even for a partial last line', async () => {
    const dir = tempDir();
    const state = tempDir();
    const log = join(dir, 'app.log');
    writeFileSync(log, lines(0, 100) + 'partial');
    const got: { line: string; labels: string }[] = [];
    const a1 = new Agent(state, [source([log], { startAt: 'end' })], got);
    await a1.cycle();
    expect(got).toEqual([]); // started at the end
    appendFileSync(log, ' done\n' + lines(100, 110));
    await a1.cycle();
    await a1.stop();
    appendFileSync(log, lines(110, 120)); // written while the agent is down
    const a2 = new Agent(state, [source([log], { startAt: 'end' })], got);
    await a2.cycle();
    expect(got.map((g) => g.line)).toEqual(['partial done', ...lines(100, 120).trim().split('\n')]);
    await a2.stop();
  });

  it('reads a file that was rotated away while the agent was down to its end before the new one', async () => {
    const dir = tempDir();
    const state = tempDir();
    const log = join(dir, 'app.log');
    writeFileSync(log, lines(0, 5));
    const got: { line: string; labels: string }[] = [];
    const a1 = new Agent(state, [source([log])], got);
    await a1.cycle();
    await a1.stop();
    appendFileSync(log, lines(5, 8));
    renameSync(log, `${log}.1`);
    writeFileSync(log, lines(8, 10));
    const a2 = new Agent(state, [source([log])], got);
    await a2.cycle();
    await a2.cycle();
    expect(got.map((g) => g.line).sort()).toEqual(lines(0, 10).trim().split('\n').sort());
    expect(got).toHaveLength(10);
    await a2.stop();
  });

  it('reads a file from the beginning when its inode was reused by a new file while the agent was down', async () => {
    const dir = tempDir();
    const state = tempDir();
    const log = join(dir, 'app.log');
    writeFileSync(log, lines(0, 50, 'old'));
    const got: { line: string; labels: string }[] = [];
    const a1 = new Agent(state, [source([log])], got);
    await a1.cycle();
    await a1.stop();
    // Simulate inode reuse: same file (inode), entirely new content, longer than the old position.
    writeFileSync(log, lines(0, 60, 'new'));
    const a2 = new Agent(state, [source([log])], got);
    await a2.cycle();
    expect(got.slice(50).map((g) => g.line)).toEqual(lines(0, 60, 'new').trim().split('\n'));
    await a2.stop();
  });

  it('recovers positions from the queue after a crash between queueing a batch and saving positions', async () => {
    const dir = tempDir();
    const state = tempDir();
    const log = join(dir, 'app.log');
    writeFileSync(log, lines(0, 3));
    const got: { line: string; labels: string }[] = [];
    const a1 = new Agent(state, [source([log])], got);
    await a1.cycle();
    // Simulate the crash: the batch is queued but positions.json still has the older state.
    const before = CheckpointStore.load(join(state, 'positions.json'));
    appendFileSync(log, lines(3, 6));
    await a1.collector.poll();
    const saved = JSON.parse(JSON.stringify(before));
    a1.batcher.flush();
    writeFileSync(join(state, 'positions.json'), JSON.stringify({ seq: saved.seq, files: Object.fromEntries(before.entries()) }));
    await a1.stop();
    const a2 = new Agent(state, [source([log])], got);
    await a2.cycle();
    expect(got.map((g) => g.line)).toEqual(lines(0, 6).trim().split('\n'));
    await a2.stop();
  });

  it('groups multi-line records by a start pattern and truncates long lines with a marker', async () => {
    const dir = tempDir();
    const log = join(dir, 'app.log');
    const long = 'x'.repeat(50);
    writeFileSync(log, `2024-01-01 ERROR boom\n  at a()\n  at b()\n2024-01-01 INFO ${long}\n2024-01-01 INFO last\n`);
    const got: { line: string; labels: string }[] = [];
    const agent = new Agent(
      tempDir(),
      [source([log], { maxLineBytes: 30, multiline: { startPattern: /^\d{4}-/, maxLines: 100, timeoutMs: 1000 } })],
      got,
    );
    await agent.cycle(0);
    expect(got.map((g) => g.line)).toEqual(['2024-01-01 ERROR boom\n  at a()\n  at b()', `2024-01-01 INFO ${'x'.repeat(14)}…[truncated 36 bytes]`]);
    expect(got[0]!.labels).toContain('level="error"');
    await agent.cycle(5000); // idle long enough: the last record is complete
    expect(got.at(-1)!.line).toBe('2024-01-01 INFO last');
    await agent.stop();
  });
});
