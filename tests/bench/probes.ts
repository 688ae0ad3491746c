import { buildUrl, isHttpStatusError, requestJson } from './http-client.js';
import type { ProbeKind, RunningPeer } from './peers/types.js';

/**
 * Questions the harness asks a peer to learn how much of the workload it can return: how many
 * series match, and how many samples they hold. Two ways to count samples:
 *
 * - `promql`: `sum(count_over_time({__name__="<metric>"}[<window>])) + ...` over the workload's metric
 *   names, as an instant query at the last sample's time (cheap: the server counts);
 * - `export`: VictoriaMetrics' `/api/v1/export` JSON lines, whose `timestamps` arrays are counted
 *   while streaming (expensive: every sample crosses the wire, but needs no query engine).
 */

/** The time range and selector of a workload, as the probes need them. */
export interface ProbeScope {
  /** A series selector matching exactly the workload, e.g. `{__name__=~"cpu_usage_.*"}`. */
  matcher: string;
  /** The metric names of the workload (the PromQL probe counts each name separately). */
  metricNames: readonly string[];
  /** First sample, epoch milliseconds. */
  startMs: number;
  /** Last sample, epoch milliseconds. */
  lastMs: number;
}

/** Thrown when a peer does not offer a probe (no such endpoint, or it cannot evaluate the query). */
export class ProbeUnsupportedError extends Error {
  readonly code = 'PROBE_UNSUPPORTED';
}

/** Checks whether `error` is a {@link ProbeUnsupportedError}. */
export function isProbeUnsupportedError(error: unknown): error is ProbeUnsupportedError {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'PROBE_UNSUPPORTED';
}

/** Statuses that mean "this endpoint or query is not available here", not "try again". */
const UNSUPPORTED_STATUSES = new Set([400, 404, 405, 422, 501]);

/** Counts the series matching the workload through `GET /api/v1/series`. */
export async function countSeries(peer: RunningPeer, scope: ProbeScope): Promise<number> {
  const url = buildUrl(peer.baseUrl, '/api/v1/series', {
    'match[]': scope.matcher,
    start: toSeconds(scope.startMs - 1),
    end: toSeconds(scope.lastMs + 1),
  });
  const body = await requestJson<{ status: string; data: unknown[] }>(url, { headers: peer.authHeaders });
  return body.data.length;
}

/** Counts the samples of the workload with the given probe. */
export function countSamples(peer: RunningPeer, scope: ProbeScope, kind: ProbeKind): Promise<number> {
  switch (kind) {
    case 'promql':
      return countSamplesWithPromql(peer, scope);
    case 'export':
      return countSamplesWithExport(peer, scope);
    default:
      return assertNever(kind);
  }
}

async function countSamplesWithPromql(peer: RunningPeer, scope: ProbeScope): Promise<number> {
  // A window ten minutes longer than the data, ending at the last sample, holds every sample
  // whether the system treats the window's start as open or closed.
  const windowSeconds = Math.ceil((scope.lastMs - scope.startMs) / 1000) + 600;
  // One term per metric name: count_over_time drops `__name__`, and Prometheus refuses a vector in
  // which two series (cpu_usage_user and cpu_usage_idle of one host) end up with equal labels.
  const query = scope.metricNames
    .map((name) => `sum(count_over_time({__name__=${JSON.stringify(name)}}[${windowSeconds}s]))`)
    .join(' + ');
  const url = buildUrl(peer.baseUrl, '/api/v1/query', {
    query,
    time: toSeconds(scope.lastMs),
    // VictoriaMetrics: do not answer from its rollup result cache.
    nocache: '1',
  });
  let body: { status: string; data?: { resultType: string; result: Array<{ value: [number, string] }> } };
  try {
    body = await requestJson(url, { headers: peer.authHeaders, timeoutMs: 120_000 });
  } catch (error) {
    if (isHttpStatusError(error) && UNSUPPORTED_STATUSES.has(error.status)) {
      throw new ProbeUnsupportedError(`promql probe: ${error.message}`);
    }
    throw error;
  }
  if (body.status !== 'success' || body.data?.resultType !== 'vector') {
    throw new ProbeUnsupportedError(`promql probe: unexpected answer ${JSON.stringify(body).slice(0, 200)}`);
  }
  const first = body.data.result[0];
  return first === undefined ? 0 : Number(first.value[1]);
}

async function countSamplesWithExport(peer: RunningPeer, scope: ProbeScope): Promise<number> {
  const url = buildUrl(peer.baseUrl, '/api/v1/export', {
    'match[]': scope.matcher,
    start: toSeconds(scope.startMs - 1),
    end: toSeconds(scope.lastMs + 1),
  });
  const response = await fetch(url, { headers: peer.authHeaders, signal: AbortSignal.timeout(300_000) });
  if (!response.ok) {
    const text = await response.text();
    const message = `export probe: HTTP ${response.status} from ${url}: ${text.slice(0, 300)}`;
    throw UNSUPPORTED_STATUSES.has(response.status) ? new ProbeUnsupportedError(message) : new Error(message);
  }
  if (response.body === null) return 0;
  const counter = createExportSampleCounter();
  const decoder = new TextDecoder();
  for await (const chunk of response.body) counter.push(decoder.decode(chunk, { stream: true }));
  counter.push(decoder.decode());
  return counter.finish();
}

/**
 * Counts the samples in VictoriaMetrics export output (one JSON object per line with a
 * `timestamps` array) without parsing the values: it counts the elements of each `timestamps`
 * array. Feed text in any chunking with `push`, then call `finish`.
 */
export function createExportSampleCounter(): { push(text: string): void; finish(): number } {
  let pending = '';
  let samples = 0;
  const countLine = (line: string): void => {
    const key = line.indexOf('"timestamps":[');
    if (key < 0) return;
    const open = key + '"timestamps":['.length;
    const close = line.indexOf(']', open);
    if (close < 0) throw new Error('export probe: unterminated timestamps array');
    if (close === open) return;
    let commas = 0;
    for (let i = line.indexOf(',', open); i >= 0 && i < close; i = line.indexOf(',', i + 1)) commas++;
    samples += commas + 1;
  };
  return {
    push(text) {
      pending += text;
      let lineStart = 0;
      for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n', lineStart)) {
        countLine(pending.slice(lineStart, newline));
        lineStart = newline + 1;
      }
      pending = pending.slice(lineStart);
    },
    finish() {
      countLine(pending);
      pending = '';
      return samples;
    },
  };
}

/** Formats epoch milliseconds as the float seconds the Prometheus API takes. */
function toSeconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${String(value)}`);
}
