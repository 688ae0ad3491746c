import type { BenchPhase } from './ingest-benchmark.js';
import type { RunningPeer, SystemName } from './peers/types.js';
import type { BenchQuery } from './queries.js';

/**
 * The query phase: against a started peer that holds the whole workload, each query of
 * `queries.ts` is sent once as a warm-up and then `runs` times, timed from the request to the last
 * byte of the answer (client side, over loopback). The warm-up's answer is kept (canonicalized, in
 * memory) so that Vigil's answers can be compared with Prometheus' once both have run
 * ({@link compareAnswers}).
 */

/** Timings of one query against one system in one run. */
export interface QueryTiming {
  name: string;
  /** Wall time of each timed run, milliseconds. Empty when the query failed. */
  timingsMs: number[];
  /** The warm-up's wall time, milliseconds. */
  warmupMs?: number;
  /** Series and points in the warm-up's answer. */
  series?: number;
  points?: number;
  /** Bytes of the warm-up's answer body. */
  bytes?: number;
  /** Why the query failed (HTTP status and body, timeout, non-success envelope). */
  error?: string;
}

/** The result of the phase for one run, stored under `phases.query` of the run. */
export interface QueryPhaseResult {
  queries: QueryTiming[];
}

/** A query_range answer reduced to what is compared: series by label set, points by timestamp. */
export interface CanonicalAnswer {
  resultType: string;
  /** Key: the label set as sorted `name="value"` pairs. */
  series: Map<string, Map<number, string>>;
}

/** Options of {@link createQueryPhase}. */
export interface QueryPhaseOptions {
  queries: readonly BenchQuery[];
  /** Timed runs per query after the warm-up. */
  runs: number;
  timeoutMs: number;
  log: (line: string) => void;
}

/** A query phase plus the answers it has collected, per system (first successful run only). */
export interface QueryPhase extends BenchPhase {
  answers: Map<SystemName, Map<string, CanonicalAnswer>>;
}

/**
 * Creates the phase. The same object runs against every peer and keeps the first answer each
 * system gave to each query.
 *
 * @example
 * const phase = createQueryPhase({ queries: buildQueries(scope), runs: 5, timeoutMs: 120_000, log });
 * await runIngestBenchmark(peer, { ...options, phases: [phase] });
 */
export function createQueryPhase(options: QueryPhaseOptions): QueryPhase {
  const answers = new Map<SystemName, Map<string, CanonicalAnswer>>();
  return {
    name: 'query',
    answers,
    async run(peer: RunningPeer): Promise<QueryPhaseResult> {
      const own = answers.get(peer.system) ?? new Map<string, CanonicalAnswer>();
      answers.set(peer.system, own);
      const results: QueryTiming[] = [];
      for (const query of options.queries) {
        const timing: QueryTiming = { name: query.name, timingsMs: [] };
        results.push(timing);
        try {
          const warmup = await runQuery(peer, query, options.timeoutMs);
          const answer = canonicalize(warmup.body);
          timing.warmupMs = warmup.ms;
          timing.bytes = warmup.bytes;
          timing.series = answer.series.size;
          timing.points = [...answer.series.values()].reduce((sum, points) => sum + points.size, 0);
          if (!own.has(query.name)) own.set(query.name, answer);
          for (let i = 0; i < options.runs; i++) timing.timingsMs.push((await runQuery(peer, query, options.timeoutMs)).ms);
          const sorted = [...timing.timingsMs].sort((a, b) => a - b);
          options.log(
            `${peer.title}: ${query.name}: ${timing.series} series, ${timing.points} points; median ${formatMs(sorted[Math.floor(sorted.length / 2)])} ms (warm-up ${formatMs(warmup.ms)} ms)`,
          );
        } catch (error) {
          timing.timingsMs = [];
          timing.error = error instanceof Error ? error.message : String(error);
          options.log(`${peer.title}: ${query.name}: FAILED: ${timing.error.slice(0, 300)}`);
        }
      }
      return { queries: results };
    },
  };
}

/** Sends one query_range (form POST, as Grafana does) and times it to the last byte. */
async function runQuery(peer: RunningPeer, query: BenchQuery, timeoutMs: number): Promise<{ ms: number; bytes: number; body: string }> {
  const form = new URLSearchParams({
    query: query.promql,
    start: toSeconds(query.startMs),
    end: toSeconds(query.endMs),
    step: toSeconds(query.stepMs),
  });
  // VictoriaMetrics keeps a rollup result cache; without this the timed runs would read it.
  if (peer.system === 'vm') form.set('nocache', '1');
  const started = performance.now();
  const response = await fetch(`${peer.baseUrl}/api/v1/query_range`, {
    method: 'POST',
    headers: { ...peer.authHeaders, 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = await response.text();
  const ms = performance.now() - started;
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${body.slice(0, 300)}`);
  return { ms, bytes: Buffer.byteLength(body), body };
}

interface PromEnvelope {
  status: string;
  error?: string;
  data?: { resultType: string; result: unknown };
}

/**
 * Parses a query_range answer into a {@link CanonicalAnswer}.
 *
 * @throws when the envelope is not `success` or the shape is unknown.
 */
export function canonicalize(text: string): CanonicalAnswer {
  const body = JSON.parse(text) as PromEnvelope;
  if (body.status !== 'success' || body.data === undefined) throw new Error(`status ${body.status}: ${body.error ?? text.slice(0, 200)}`);
  const series = new Map<string, Map<number, string>>();
  const { resultType, result } = body.data;
  const add = (metric: Record<string, string>, values: ReadonlyArray<readonly [number, string]>): void => {
    const key = labelKey(metric);
    const points = series.get(key) ?? new Map<number, string>();
    for (const [t, v] of values) points.set(Math.round(t * 1000), v);
    series.set(key, points);
  };
  switch (resultType) {
    case 'matrix':
      for (const s of result as Array<{ metric: Record<string, string>; values: Array<[number, string]> }>) add(s.metric, s.values);
      break;
    case 'vector':
      for (const s of result as Array<{ metric: Record<string, string>; value: [number, string] }>) add(s.metric, [s.value]);
      break;
    case 'scalar':
      add({}, [result as [number, string]]);
      break;
    default:
      throw new Error(`unexpected resultType ${resultType}`);
  }
  return { resultType, series };
}

function labelKey(metric: Record<string, string>): string {
  return `{${Object.keys(metric)
    .sort()
    .map((name) => `${name}=${JSON.stringify(metric[name])}`)
    .join(',')}}`;
}

/** How one query's answers from two systems differ. */
export interface AnswerComparison {
  name: string;
  /** `match`: same series, same timestamps, values within tolerance. */
  status: 'match' | 'mismatch' | 'missing';
  /** Why there is nothing to compare (`missing`). */
  reason?: string;
  series?: number;
  points?: number;
  resultTypes?: [string, string];
  seriesOnlyInReference?: number;
  seriesOnlyInCandidate?: number;
  pointsOnlyInReference?: number;
  pointsOnlyInCandidate?: number;
  /** Points present in both whose values differ by more than the tolerance. */
  valuesDiffering?: number;
  /** Largest relative difference among common points (0 when all are equal). */
  maxRelativeDifference?: number;
  /** Points whose values are within tolerance but not printed identically (not bit-identical). */
  nearlyEqual?: number;
  /** Largest relative difference among those. */
  maxNearlyEqualDifference?: number;
  /** A few concrete differences, for the report. */
  examples: string[];
}

/** Relative tolerance of the comparison (issue 3). */
export const RELATIVE_TOLERANCE = 1e-9;

/**
 * Compares `candidate` (Vigil) with `reference` (Prometheus): series sets by full label set,
 * timestamps per series, values within {@link RELATIVE_TOLERANCE} relative (NaN equals NaN,
 * infinities must be equal).
 */
export function compareAnswers(name: string, reference: CanonicalAnswer | undefined, candidate: CanonicalAnswer | undefined): AnswerComparison {
  if (reference === undefined || candidate === undefined) {
    return { name, status: 'missing', reason: reference === undefined ? 'no Prometheus answer' : 'no Vigil answer', examples: [] };
  }
  const c: AnswerComparison = {
    name,
    status: 'match',
    series: reference.series.size,
    points: 0,
    resultTypes: [reference.resultType, candidate.resultType],
    seriesOnlyInReference: 0,
    seriesOnlyInCandidate: 0,
    pointsOnlyInReference: 0,
    pointsOnlyInCandidate: 0,
    valuesDiffering: 0,
    maxRelativeDifference: 0,
    nearlyEqual: 0,
    maxNearlyEqualDifference: 0,
    examples: [],
  };
  const example = (text: string): void => {
    if (c.examples.length < 4) c.examples.push(text);
  };
  if (reference.resultType !== candidate.resultType) example(`resultType ${reference.resultType} vs ${candidate.resultType}`);
  for (const [key, refPoints] of reference.series) {
    c.points! += refPoints.size;
    const candPoints = candidate.series.get(key);
    if (candPoints === undefined) {
      c.seriesOnlyInReference!++;
      example(`series only in Prometheus: ${key} (${refPoints.size} points)`);
      continue;
    }
    for (const [t, refValue] of refPoints) {
      const candValue = candPoints.get(t);
      if (candValue === undefined) {
        c.pointsOnlyInReference!++;
        example(`point only in Prometheus: ${key} @${t / 1000} = ${refValue}`);
        continue;
      }
      if (candValue === refValue) continue;
      const difference = relativeDifference(Number(refValue), Number(candValue));
      c.maxRelativeDifference = Math.max(c.maxRelativeDifference!, difference);
      if (difference <= RELATIVE_TOLERANCE) {
        c.nearlyEqual!++;
        c.maxNearlyEqualDifference = Math.max(c.maxNearlyEqualDifference!, difference);
      } else {
        c.valuesDiffering!++;
        example(`${key} @${t / 1000}: Prometheus ${refValue}, Vigil ${candValue}`);
      }
    }
    for (const [t, candValue] of candPoints) {
      if (!refPoints.has(t)) {
        c.pointsOnlyInCandidate!++;
        example(`point only in Vigil: ${key} @${t / 1000} = ${candValue}`);
      }
    }
  }
  for (const [key, candPoints] of candidate.series) {
    if (!reference.series.has(key)) {
      c.seriesOnlyInCandidate!++;
      example(`series only in Vigil: ${key} (${candPoints.size} points)`);
    }
  }
  const differs =
    reference.resultType !== candidate.resultType ||
    c.seriesOnlyInReference! + c.seriesOnlyInCandidate! + c.pointsOnlyInReference! + c.pointsOnlyInCandidate! + c.valuesDiffering! > 0;
  if (differs) c.status = 'mismatch';
  return c;
}

/** |a − b| / max(|a|, |b|); 0 for equal numbers (NaN = NaN), Infinity when only one is NaN or infinite. */
export function relativeDifference(a: number, b: number): number {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Number.POSITIVE_INFINITY;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

function toSeconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function formatMs(ms: number | undefined): string {
  return ms === undefined ? '–' : ms < 10 ? ms.toFixed(2) : ms.toFixed(0);
}
