import { Agent, request } from 'node:http';
import type { EncodedRequest } from './payloads.js';

/** Headers of a remote_write 1.0 request, as Prometheus 2.42 sends them. */
export const REMOTE_WRITE_HEADERS: Readonly<Record<string, string>> = {
  'content-encoding': 'snappy',
  'content-type': 'application/x-protobuf',
  'x-prometheus-remote-write-version': '0.1.0',
  'user-agent': 'vigil-bench/0.1',
};

/** Options of {@link sendWorkload}. */
export interface SendOptions {
  /** Full URL of the receiver, e.g. `http://127.0.0.1:8428/api/v1/write`. */
  url: string;
  /** Extra headers (authentication). */
  headers: Readonly<Record<string, string>>;
  /** One queue per connection, each sent in order over its own keep-alive connection. */
  queues: readonly (readonly EncodedRequest[])[];
  /**
   * How far, in data time (milliseconds), a connection may run ahead of the slowest one. Prometheus
   * rejects samples older than its head's newest minus one hour, so connections that drift apart
   * would turn into errors there; every system gets the same pacing. @default 20 min
   */
  maxSkewMs: number;
  /** Time limit of one request in milliseconds. @default 120 000 */
  requestTimeoutMs: number;
  /** Protocol headers, replacing {@link REMOTE_WRITE_HEADERS} (the logs workload sends Loki pushes). */
  baseHeaders?: Readonly<Record<string, string>>;
  /**
   * Samples that a 2xx answer reports as rejected (OTLP `partial_success`); they are counted in
   * {@link SendResult.rejectedSamples}, not as acknowledged. @default none
   */
  rejectedInAck?: (body: Buffer) => number;
}

/** What happened while sending. */
export interface SendResult {
  requests: number;
  ackedRequests: number;
  ackedSamples: number;
  /** Requests answered with a non-2xx status or failed at the network level. */
  errorRequests: number;
  errorSamples: number;
  /** Samples of 2xx answers reported as rejected (see {@link SendOptions.rejectedInAck}). */
  rejectedSamples: number;
  /** Error counts by status code (`"400"`) or by network error code (`"ECONNRESET"`). */
  errorsByStatus: Record<string, number>;
  /** The first few error answers, for the report. */
  errorExamples: string[];
  /** From the first byte sent to the last acknowledgement, in milliseconds. */
  durationMs: number;
  /** `performance.now()` at the last acknowledgement. */
  lastAckAt: number;
  /** Acknowledged samples per second over `durationMs`. */
  samplesPerSecond: number;
}

const MAX_ERROR_EXAMPLES = 5;

/**
 * Sends every queue over its own keep-alive HTTP connection, all connections at once, and
 * counts what was acknowledged. Failed requests are counted, not retried: the figure is what the
 * receiver accepted at full speed.
 *
 * @example
 * const result = await sendWorkload({ url, headers: {}, queues: encoded.queues, maxSkewMs: 1_200_000, requestTimeoutMs: 120_000 });
 */
export async function sendWorkload(options: SendOptions): Promise<SendResult> {
  const pacer = createPacer(options.queues.length, options.maxSkewMs);
  const result: SendResult = {
    requests: 0,
    ackedRequests: 0,
    ackedSamples: 0,
    errorRequests: 0,
    errorSamples: 0,
    rejectedSamples: 0,
    errorsByStatus: {},
    errorExamples: [],
    durationMs: 0,
    lastAckAt: 0,
    samplesPerSecond: 0,
  };
  const url = new URL(options.url);
  const startedAt = performance.now();
  result.lastAckAt = startedAt;

  const recordExample = (text: string): void => {
    if (result.errorExamples.length < MAX_ERROR_EXAMPLES) result.errorExamples.push(text);
  };

  const sendQueue = async (queue: readonly EncodedRequest[], connection: number): Promise<void> => {
    // One agent with one socket per queue pins each queue to its own TCP connection.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const item of queue) {
        await pacer.waitForTurn(connection, item.firstTimestampMs);
        result.requests++;
        const answer = await post(url, agent, { ...(options.baseHeaders ?? REMOTE_WRITE_HEADERS), ...options.headers }, item.body, options.requestTimeoutMs);
        if (answer.status >= 200 && answer.status < 300) {
          result.lastAckAt = performance.now();
          let rejected = 0;
          try {
            rejected = Math.min(item.sampleCount, options.rejectedInAck?.(answer.body) ?? 0);
          } catch (error) {
            recordExample(`HTTP ${answer.status} with an unreadable body (${error instanceof Error ? error.message : String(error)})`);
          }
          result.ackedRequests++;
          result.ackedSamples += item.sampleCount - rejected;
          if (rejected > 0) {
            result.rejectedSamples += rejected;
            recordExample(`HTTP ${answer.status}, ${rejected} samples rejected: ${answer.body.toString('utf8').slice(0, 300)}`);
          }
        } else {
          const text = answer.body.toString('utf8');
          const key = answer.status === 0 ? text.split(':')[0]! : String(answer.status);
          result.errorRequests++;
          result.errorSamples += item.sampleCount;
          result.errorsByStatus[key] = (result.errorsByStatus[key] ?? 0) + 1;
          recordExample(`${answer.status === 0 ? 'network' : `HTTP ${answer.status}`}: ${text.slice(0, 300)}`);
        }
      }
    } finally {
      pacer.finish(connection);
      agent.destroy();
    }
  };

  await Promise.all(options.queues.map((queue, connection) => sendQueue(queue, connection)));
  result.durationMs = result.lastAckAt - startedAt;
  result.samplesPerSecond = result.durationMs > 0 ? result.ackedSamples / (result.durationMs / 1000) : 0;
  return result;
}

/** One POST; network failures come back as status 0 with the error code and message as body. */
function post(
  url: URL,
  agent: Agent,
  headers: Record<string, string>,
  body: Buffer,
  timeoutMs: number,
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { ...headers, 'content-length': String(body.length) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', (error) => resolve({ status: 0, body: Buffer.from(describeNetworkError(error)) }));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', (error) => resolve({ status: 0, body: Buffer.from(describeNetworkError(error)) }));
    req.end(body);
  });
}

function describeNetworkError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code ?? 'ERROR';
  return `${code}: ${error.message}`;
}

/**
 * Keeps connections within `maxSkewMs` of data time of each other: a connection may send a request
 * starting at `t` only when every unfinished connection has reached at least `t - maxSkewMs`.
 */
function createPacer(connections: number, maxSkewMs: number) {
  const progress = new Array<number>(connections).fill(Number.NEGATIVE_INFINITY);
  const waiters: Array<() => void> = [];
  const slowest = (): number => Math.min(...progress);
  const wake = (): void => {
    for (const resolve of waiters.splice(0)) resolve();
  };
  return {
    async waitForTurn(connection: number, firstTimestampMs: number): Promise<void> {
      progress[connection] = firstTimestampMs;
      wake();
      while (firstTimestampMs - slowest() > maxSkewMs) {
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    finish(connection: number): void {
      progress[connection] = Number.POSITIVE_INFINITY;
      wake();
    },
  };
}
