import { createPrng } from './prng.js';
import { LEVELS, lineAt, type LogWorkload, NEEDLE_FIXED, NEEDLE_REGEX_I, NEEDLE_REGEX_I_JS } from './logs-workload.js';

/**
 * The LogQL queries of issue 4's "Performance" section, each a Loki `query_range`, with what the
 * answer must contain (computed from the generator, independently of any system):
 *
 * - full-range searches over every stream: a substring (`|=`), a case-insensitive regex (`|~
 *   "(?i)…"`), a `json` parse + numeric label filter; and the logs-volume metric query
 *   `sum by (level) (count_over_time({app=~".+"}[5m]))` over the whole range;
 * - selective versions: one host (`{host="H"}`) over 6 h, every host over one hour, and one host
 *   over one hour.
 *
 * The needles are rare (~0.1 % of lines), so that every match fits in `limit` and a system must
 * read everything its selector and range cover (it cannot stop after the newest `limit` lines).
 * Each search has a ripgrep baseline on the raw file (`ripgrep.ts`): the substring ↔ `rg -F`, the
 * case-insensitive regex ↔ `rg -i`, the json filter ↔ the regex `"status":5[0-9][0-9]` (which finds
 * exactly the same lines); the metric query is compared with the cheapest full scan (`rg -F`).
 */

/** Which ripgrep run a query is compared with. */
export type BaselineName = 'fixed' | 'regex' | 'ignore-case';

export const LOG_QUERY_NAMES = [
  'substring',
  'regex-i',
  'json-5xx',
  'count-by-level',
  'substring-host',
  'substring-hour',
  'substring-host-hour',
  'regex-i-host-hour',
  'json-5xx-host-hour',
  'count-by-level-host-hour',
] as const;
export type LogQueryName = (typeof LOG_QUERY_NAMES)[number];

/** One query as sent, plus its expected answer. */
export interface LogBenchQuery {
  name: LogQueryName;
  logql: string;
  kind: 'log' | 'metric';
  /** `full`: every host, whole range (target ≤ 2× ripgrep); `selective`: target ≥ 10× faster. */
  scope: 'full' | 'selective';
  /** What it covers, for the report ("1 host, 6 h"). */
  covers: string;
  /** The host of a one-host query (`{host="H"}`); undefined for every host (`{app=~".+"}`). */
  host?: string;
  /** Epoch seconds; sent as nanoseconds. `end` is exclusive for log queries. */
  startSec: number;
  endSec: number;
  /** Seconds between evaluations (metric queries). */
  stepSec?: number;
  /** Most lines returned (log queries). */
  limit?: number;
  baseline: BaselineName;
  /** Log queries: matching lines in the range (the answer holds min(matches, limit)). */
  expectedLines?: number;
  /** Metric queries: per level, the sum of the values over all evaluations and the non-empty points. */
  expectedByLevel?: Record<string, { sum: number; points: number }>;
}

/** The predicates of the searches, for checking answers line by line. */
export const LINE_PREDICATES: Record<'substring' | 'regex-i' | 'json-5xx', (line: string) => boolean> = {
  substring: (line) => line.includes(NEEDLE_FIXED),
  'regex-i': (line) => NEEDLE_REGEX_I_JS.test(line),
  'json-5xx': (line) => {
    if (!line.startsWith('{') || !line.includes('"status":5')) return false;
    const status = (JSON.parse(line) as { status?: unknown }).status;
    return typeof status === 'number' && status >= 500;
  },
};

/** The predicate of a query by its name's prefix. */
export function predicateOf(name: LogQueryName): ((line: string) => boolean) | undefined {
  if (name.startsWith('substring')) return LINE_PREDICATES.substring;
  if (name.startsWith('regex-i')) return LINE_PREDICATES['regex-i'];
  if (name.startsWith('json-5xx')) return LINE_PREDICATES['json-5xx'];
  return undefined;
}

/** Options of {@link buildLogQueries}. */
export interface LogQueryOptions {
  seed: number;
  limit: number;
  stepSec: number;
}

/**
 * Builds the queries and computes their expected answers with one pass over the workload.
 *
 * @example
 * const queries = buildLogQueries(workload, { seed: 1, limit: 5000, stepSec: 60 });
 */
export function buildLogQueries(w: LogWorkload, options: LogQueryOptions): { queries: LogBenchQuery[]; host: string; fullCounts: Record<BaselineName, number> } {
  const host = w.hosts[createPrng(options.seed ^ 0x5e1ec7).nextInt(w.hosts.length)]!;
  const span = w.endSec - w.startSec;
  const hourLength = Math.min(3600, span);
  // The hour in the middle of the data: on disk after the flush, neither the first nor the newest.
  const hourStart = w.startSec + Math.floor((span - hourLength) / 2 / 60) * 60;
  const hourEnd = hourStart + hourLength;
  const hours = (span / 3600).toFixed(span % 3600 === 0 ? 0 : 1);
  const all = '{app=~".+"}';
  const one = `{host="${host}"}`;
  const substring = `|= "${NEEDLE_FIXED}"`;
  const regexI = `|~ "(?i)${NEEDLE_REGEX_I}"`;
  // `__error__=""` drops lines that are not JSON: Loki keeps lines with a parse error through numeric label
  // filters ("if there's an error only the string matchers can filter it out"), and so does Vigil.
  const json = '| json | __error__="" | status >= 500';
  const log = (name: LogQueryName, selector: string, pipeline: string, startSec: number, endSec: number, scope: 'full' | 'selective', covers: string, baseline: BaselineName): LogBenchQuery => ({
    name,
    logql: `${selector} ${pipeline}`,
    kind: 'log',
    scope,
    covers,
    startSec,
    endSec,
    limit: options.limit,
    baseline,
    host: selector === one ? host : undefined,
  });
  // Evaluation times on multiples of the step, so an engine that aligns them (as Loki's query
  // frontend can) evaluates the same points.
  const step = options.stepSec;
  const metric = (name: LogQueryName, selector: string, startSec: number, endSec: number, scope: 'full' | 'selective', covers: string): LogBenchQuery => ({
    name,
    logql: `sum by (level) (count_over_time(${selector}[5m]))`,
    kind: 'metric',
    scope,
    covers,
    startSec: Math.ceil(startSec / step) * step,
    endSec: Math.floor(endSec / step) * step,
    stepSec: options.stepSec,
    baseline: 'fixed',
    host: selector === one ? host : undefined,
  });
  const queries: LogBenchQuery[] = [
    log('substring', all, substring, w.startSec, w.endSec, 'full', `all, ${hours} h`, 'fixed'),
    log('regex-i', all, regexI, w.startSec, w.endSec, 'full', `all, ${hours} h`, 'ignore-case'),
    log('json-5xx', all, json, w.startSec, w.endSec, 'full', `all, ${hours} h`, 'regex'),
    metric('count-by-level', all, w.startSec + Math.min(300, span), w.endSec, 'full', `all, ${hours} h`),
    log('substring-host', one, substring, w.startSec, w.endSec, 'selective', `1 host, ${hours} h`, 'fixed'),
    log('substring-hour', all, substring, hourStart, hourEnd, 'selective', 'all, 1 h', 'fixed'),
    log('substring-host-hour', one, substring, hourStart, hourEnd, 'selective', '1 host, 1 h', 'fixed'),
    log('regex-i-host-hour', one, regexI, hourStart, hourEnd, 'selective', '1 host, 1 h', 'ignore-case'),
    log('json-5xx-host-hour', one, json, hourStart, hourEnd, 'selective', '1 host, 1 h', 'regex'),
    metric('count-by-level-host-hour', one, hourStart, hourEnd, 'selective', '1 host, 1 h'),
  ];

  // One pass: which lines each predicate matches (and each level's timestamps, per host scope).
  const n = w.relNs.length;
  const matches = { substring: [] as number[], 'regex-i': [] as number[], 'json-5xx': [] as number[] };
  const levelTimes: Record<'all' | 'host', Map<string, number[]>> = { all: new Map(), host: new Map() };
  for (const level of LEVELS) {
    levelTimes.all.set(level, []);
    levelTimes.host.set(level, []);
  }
  for (let i = 0; i < n; i++) {
    const stream = w.streams[w.streamOf[i]!]!;
    levelTimes.all.get(stream.level)!.push(w.relNs[i]!);
    if (stream.host === host) levelTimes.host.get(stream.level)!.push(w.relNs[i]!);
    const line = lineAt(w, i);
    for (const key of ['substring', 'regex-i', 'json-5xx'] as const) if (LINE_PREDICATES[key](line)) matches[key].push(i);
  }
  const toRel = (sec: number): number => (sec - w.startSec) * 1e9;
  for (const q of queries) {
    const hostOnly = q.host !== undefined;
    if (q.kind === 'log') {
      const key = q.name.startsWith('substring') ? 'substring' : q.name.startsWith('regex-i') ? 'regex-i' : 'json-5xx';
      const from = toRel(q.startSec);
      const to = toRel(q.endSec);
      q.expectedLines = matches[key].filter((i) => {
        const t = w.relNs[i]!;
        return t >= from && t < to && (!hostOnly || w.streams[w.streamOf[i]!]!.host === host);
      }).length;
    } else {
      const byLevel: Record<string, { sum: number; points: number }> = {};
      for (const [level, times] of (hostOnly ? levelTimes.host : levelTimes.all).entries()) {
        let sum = 0;
        let points = 0;
        for (let t = q.startSec; t <= q.endSec; t += q.stepSec!) {
          // Lines in (t − 5m, t]; no line sits on a whole second, so open or closed does not matter.
          const count = upperBound(times, toRel(t)) - upperBound(times, toRel(t - 300));
          sum += count;
          if (count > 0) points++;
        }
        if (points > 0) byLevel[level] = { sum, points };
      }
      q.expectedByLevel = byLevel;
    }
  }
  return {
    queries,
    host,
    fullCounts: { fixed: matches.substring.length, 'ignore-case': matches['regex-i'].length, regex: matches['json-5xx'].length },
  };
}

/** Number of values ≤ x in a sorted array. */
function upperBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
