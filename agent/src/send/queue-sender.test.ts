import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskQueue } from '../queue/disk-queue.js';
import { TestReceiver, waitFor } from '../testing/test-receiver.js';
import { backoffDelayMs, parseRetryAfterMs } from './backoff.js';
import { classifyStatus } from './classify-status.js';
import { encodeQueuePayload } from './queue-record.js';
import { QueueSender } from './queue-sender.js';

describe('classifyStatus', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [400, 'reject'],
    [401, 'reject'],
    [413, 'reject'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
  ] as const)('treats HTTP %d as %s', (status, outcome) => {
    expect(classifyStatus(status)).toBe(outcome);
  });
});

describe('backoffDelayMs', () => {
  it.each([
    [0, 250, 500],
    [1, 500, 1000],
    [3, 2000, 4000],
    [10, 15_000, 30_000],
  ])('retry %d waits between %d and %d ms', (attempt, lo, hi) => {
    const opts = { minBackoffMs: 500, maxBackoffMs: 30_000 };
    expect(backoffDelayMs(attempt, opts, () => 0)).toBe(lo);
    expect(backoffDelayMs(attempt, opts, () => 1)).toBe(hi);
  });
});

describe('parseRetryAfterMs', () => {
  it.each([
    ['3', 3000],
    ['0.5', 500],
    [new Date(10_000).toUTCString(), 8000],
    ['soon', undefined],
    [undefined, undefined],
  ])('reads %j as %j ms', (header, ms) => {
    expect(parseRetryAfterMs(header, 2000)).toBe(ms);
  });
});

describe('QueueSender', () => {
  const dirs: string[] = [];
  let receiver: TestReceiver;
  afterEach(async () => {
    await receiver?.stop();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function setup(): Promise<{ queue: DiskQueue; sender: QueueSender; errors: string[] }> {
    receiver = await new TestReceiver().start();
    const dir = mkdtempSync(join(tmpdir(), 'vigil-sender-'));
    dirs.push(dir);
    const queue = new DiskQueue({ dir, maxBytes: 1 << 20, fsync: false });
    const errors: string[] = [];
    const sender = new QueueSender({
      queue,
      url: `${receiver.url}/api/v1/write`,
      headers: { Authorization: 'Bearer k1' },
      timeoutMs: 2000,
      minBackoffMs: 10,
      maxBackoffMs: 200,
      onError: (e) => errors.push(String(e)),
    });
    return { queue, sender, errors };
  }

  it('delivers records in order with the configured headers and empties the queue', async () => {
    const { queue, sender } = await setup();
    const ac = new AbortController();
    const running = sender.run(ac.signal);
    for (let i = 0; i < 5; i++) queue.append(encodeQueuePayload({ body: Buffer.from(`b${i}`), cursors: [] }));
    // The receiver logs a request before the sender has read its answer and acknowledged the
    // record: wait for the sender's count too (CI once aborted between the two).
    await waitFor(() => receiver.requests.length === 5 && sender.stats.sentRequests === 5);
    ac.abort();
    await running;
    expect(receiver.requests.map((r) => r.body.toString())).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
    expect(receiver.requests[0]!.headers.authorization).toBe('Bearer k1');
    expect(queue.pendingBytes).toBe(0);
    expect(sender.stats).toMatchObject({ sentRequests: 5, retries: 0, rejectedRecords: 0 });
  });

  it('retries 503 and 429 honouring Retry-After, then delivers exactly once', async () => {
    const { queue, sender } = await setup();
    const answers = [
      { status: 503, headers: { 'Retry-After': '0' } },
      { status: 429, headers: { 'Retry-After': '0.3' } },
      { status: 204 },
    ];
    const times: number[] = [];
    receiver.respond = () => {
      times.push(Date.now());
      return answers.shift() ?? { status: 204 };
    };
    queue.append(encodeQueuePayload({ body: Buffer.from('x'), cursors: [] }));
    const ac = new AbortController();
    const running = sender.run(ac.signal);
    // The receiver logs the 204 before the sender has read it: wait for the sender's count too.
    await waitFor(() => receiver.requests.some((r) => r.status === 204) && sender.stats.sentRequests === 1);
    ac.abort();
    await running;
    expect(receiver.requests.map((r) => r.status)).toEqual([503, 429, 204]);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(190); // Retry-After 0.3 s, capped at maxBackoff 200 ms
    expect(sender.stats).toMatchObject({ sentRequests: 1, retries: 2 });
  });

  it('drops and counts a batch the server rejects with 400, and carries on with the next', async () => {
    const { queue, sender, errors } = await setup();
    receiver.respond = ({ body }) => ({ status: body.toString() === 'bad' ? 400 : 204 });
    queue.append(encodeQueuePayload({ body: Buffer.from('bad'), cursors: [] }));
    queue.append(encodeQueuePayload({ body: Buffer.from('good'), cursors: [] }));
    const ac = new AbortController();
    const running = sender.run(ac.signal);
    await waitFor(() => receiver.requests.length === 2);
    ac.abort();
    await running;
    expect(sender.stats).toMatchObject({ sentRequests: 1, rejectedRecords: 1, retries: 0 });
    expect(errors[0]).toMatch(/rejected a batch \(dropped\): HTTP 400/);
  });

  it('keeps retrying while the server is down and delivers when it comes back', async () => {
    const { queue, sender } = await setup();
    const port = receiver.port;
    await receiver.stop();
    queue.append(encodeQueuePayload({ body: Buffer.from('late'), cursors: [] }));
    const ac = new AbortController();
    const running = sender.run(ac.signal);
    await waitFor(() => sender.stats.retries >= 3);
    await receiver.start(port);
    await waitFor(() => receiver.requests.length === 1);
    ac.abort();
    await running;
    expect(receiver.requests[0]!.body.toString()).toBe('late');
  });
});
