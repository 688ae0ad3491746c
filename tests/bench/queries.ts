import { createPrng } from './prng.js';
import { CPU_METRIC_NAMES, createValueWalkers, type Workload } from './workload.js';

/**
 * The query set of issue 3: TSBS' devops queries written in PromQL over the workload's
 * `cpu_usage_*` gauges and host tags, each a `query_range` with a fixed step and a time range
 * inside the ingested data.
 *
 * Evaluation times are placed half a sample interval after a sample (`lastMs + interval/2 - k·step`),
 * so that no range or lookback boundary falls on a sample: Prometheus 2.42 closes ranges on both
 * ends (`[t-r, t]`) while 3.x and Vigil leave them open on the left (`(t-r, t]`); off the sample
 * grid both select the same samples and the answers are comparable. This holds when the sample
 * interval divides every step, range and window (10 s, the default, does).
 */

/** One benchmark query, resolved against a workload. */
export interface BenchQuery {
  /** TSBS-style name (`single-groupby-1-1-1`). */
  name: string;
  /** What it asks, in words. */
  description: string;
  /** PromQL. */
  promql: string;
  /** Epoch milliseconds. */
  startMs: number;
  endMs: number;
  stepMs: number;
}

/** The high-cpu threshold (TSBS: `usage_user > 90`). */
const HIGH_CPU_THRESHOLD = 90;

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** The five metrics of TSBS' "5 metrics" queries (its field order). */
const FIVE_METRICS = CPU_METRIC_NAMES.slice(0, 5);

/** Every query name, in report order. */
export const QUERY_NAMES = [
  'single-groupby-1-1-1',
  'single-groupby-5-1-12',
  'double-groupby-1',
  'double-groupby-all',
  'high-cpu-1',
  'high-cpu-all',
  'lastpoint',
  'groupby-orderby-limit',
  'sum-rate-by-region',
  'topk-avg-5',
  'quantile-by-region',
] as const;

export type QueryName = (typeof QUERY_NAMES)[number];

/**
 * One series per metric, labelled `metric="<name>"`: `max_over_time`/`avg_over_time` drop
 * `__name__`, and Prometheus 2.42 refuses a function result in which two series end up with the
 * same labels, so `max by (__name__) (max_over_time({__name__=~"a|b"}[1m]))` fails there. The
 * union of one labelled term per metric is the PromQL way to group by metric name.
 */
function perMetric(metrics: readonly string[], term: (metric: string) => string): string {
  return metrics.map((m) => `label_replace(${term(m)}, "metric", "${m}", "", "")`).join(' or ');
}

/**
 * Builds the query set for a workload. The single host of the 1-host queries is drawn from the
 * seed (TSBS draws random hosts too); `high-cpu-1` takes the first host from there on whose
 * `cpu_usage_user` exceeds 90 somewhere in its window, so that its answer is not empty and the
 * comparison with Prometheus means something. Windows end half an interval after the last sample
 * and are shortened to the data when TSBS' window is longer than the workload.
 *
 * @example
 * const queries = buildQueries(createWorkload({ hosts: 100, ... }), 1);
 */
export function buildQueries(workload: Workload, seed: number): BenchQuery[] {
  const scope = { hosts: workload.hosts.length, startMs: workload.startMs, lastMs: workload.lastMs, intervalMs: workload.options.intervalMs };
  const hostIndex = createPrng(seed ^ 0x71756572).nextInt(scope.hosts);
  const host = `host_${hostIndex}`;
  const endMs = scope.lastMs + scope.intervalMs / 2;
  const span = endMs - scope.startMs;
  /**
   * A range of `nominal` ms (a multiple of `step`) ending at `end`, shortened so that the range
   * selector of the first evaluation (`lookbackMs`) still starts inside the data: before the
   * first sample, Prometheus 2.42 and 3.x extrapolate `rate` differently (2.42 applies the
   * zero-point limit before the 1.1 × interval threshold, 3.x after it).
   */
  const window = (nominal: number, stepMs: number, lookbackMs: number, end = endMs): { startMs: number; endMs: number; stepMs: number } => {
    const room = end - scope.startMs - lookbackMs;
    const length = Math.max(0, Math.floor(Math.min(nominal, room) / stepMs) * stepMs);
    return { startMs: end - length, endMs: end, stepMs };
  };

  const q1 = window(HOUR, MINUTE, MINUTE);
  const q12 = window(12 * HOUR, MINUTE, MINUTE);
  const qDouble = window(12 * HOUR, HOUR, HOUR);
  const all = window(span, MINUTE, 10 * MINUTE);
  const qTopk = window(HOUR, MINUTE, 10 * MINUTE);
  const hotHost = `host_${firstHostAbove(workload, hostIndex, HIGH_CPU_THRESHOLD, q12.startMs - 5 * MINUTE)}`;
  const queries: BenchQuery[] = [
    {
      name: 'single-groupby-1-1-1',
      description: `max of cpu_usage_user per minute, 1 host (${host}), 1 h`,
      promql: `max(max_over_time(cpu_usage_user{hostname="${host}"}[1m]))`,
      ...q1,
    },
    {
      name: 'single-groupby-5-1-12',
      description: `max of 5 metrics per minute, 1 host (${host}), up to 12 h`,
      promql: perMetric(FIVE_METRICS, (m) => `max(max_over_time(${m}{hostname="${host}"}[1m]))`),
      ...q12,
    },
    {
      name: 'double-groupby-1',
      description: 'mean of cpu_usage_user per hour and host, all hosts, up to 12 h',
      promql: `avg by (hostname) (avg_over_time(cpu_usage_user[1h]))`,
      ...qDouble,
    },
    {
      name: 'double-groupby-all',
      description: 'mean of all 10 metrics per hour and host, all hosts, up to 12 h',
      promql: perMetric(CPU_METRIC_NAMES, (m) => `avg by (hostname) (avg_over_time(${m}[1h]))`),
      ...qDouble,
    },
    {
      name: 'high-cpu-1',
      description: `readings with cpu_usage_user > ${HIGH_CPU_THRESHOLD}, 1 host (${hotHost}, the first from ${host} on with such readings), per minute, up to 12 h`,
      promql: `cpu_usage_user{hostname="${hotHost}"} > ${HIGH_CPU_THRESHOLD}`,
      ...q12,
    },
    {
      name: 'high-cpu-all',
      description: `readings with cpu_usage_user > ${HIGH_CPU_THRESHOLD}, all hosts, per minute, up to 12 h`,
      promql: `cpu_usage_user > ${HIGH_CPU_THRESHOLD}`,
      ...q12,
    },
    {
      name: 'lastpoint',
      description: 'the latest sample of every series (one evaluation at the end of the data)',
      promql: `{__name__=~"cpu_usage_.*"}`,
      startMs: endMs,
      endMs,
      stepMs: MINUTE,
    },
    {
      name: 'groupby-orderby-limit',
      description: 'max of cpu_usage_user over all hosts for the last 5 one-minute buckets',
      promql: `max(max_over_time(cpu_usage_user[1m]))`,
      ...window(4 * MINUTE, MINUTE, MINUTE),
    },
    {
      name: 'sum-rate-by-region',
      description: 'sum by region of rate(cpu_usage_user[5m]), all hosts, per minute over all the data',
      promql: `sum by (region) (rate(cpu_usage_user[5m]))`,
      ...all,
    },
    {
      name: 'topk-avg-5',
      description: 'the 5 hosts with the highest 10-minute mean of cpu_usage_user, per minute, 1 h',
      promql: `topk(5, avg_over_time(cpu_usage_user[10m]))`,
      ...qTopk,
    },
    {
      name: 'quantile-by-region',
      description: 'p99 by region of the 5-minute max of cpu_usage_system, per minute over all the data',
      promql: `quantile by (region) (0.99, max_over_time(cpu_usage_system[5m]))`,
      ...all,
    },
  ];
  return queries;
}

/**
 * The first host, counting from `fromHost` and wrapping around, whose `cpu_usage_user` has a
 * sample above `threshold` at or after `fromMs`; `fromHost` itself when no host has one.
 */
function firstHostAbove(workload: Workload, fromHost: number, threshold: number, fromMs: number): number {
  const walkers = createValueWalkers(workload);
  const hosts = workload.hosts.length;
  const userMetric = CPU_METRIC_NAMES.indexOf('cpu_usage_user');
  for (let k = 0; k < hosts; k++) {
    const host = (fromHost + k) % hosts;
    const seriesIndex = host * CPU_METRIC_NAMES.length + userMetric;
    for (let i = 0; i < workload.timestampCount; i++) {
      const value = walkers.next(seriesIndex);
      if (value > threshold && workload.startMs + i * workload.options.intervalMs >= fromMs) return host;
    }
  }
  return fromHost;
}
