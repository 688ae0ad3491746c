import { seededRandom } from '../lib/wait.js';
import type { StaleAwareSeries, WriteSample } from './remote-write-with-stale.js';

/** Samples are 15 s apart (before per-series offsets and jitter). */
export const SCRAPE_INTERVAL_MS = 15_000;
/** Samples per regular series: 50 minutes of data. */
export const SAMPLES_PER_SERIES = 200;

/**
 * Evaluation times are `t0 + whole minutes + 500 ms`. Sample timestamps carry a per-series offset
 * that is never 0 or 500 ms modulo one second, and subquery steps fall on whole seconds, so no
 * sample or subquery point sits exactly on a range boundary: that is where Prometheus 2.x
 * (closed `[t-r, t]`) and 3.x (left-open `(t-r, t]`) differ.
 */
export const EVAL_OFFSET_MS = 500;

/** The time `minutes` after `t0`, shifted like every evaluation time. */
export function evalTimeMs(t0Ms: number, minutes: number): number {
  return t0Ms + minutes * 60_000 + EVAL_OFFSET_MS;
}

const INSTANCES = ['a:80', 'b:80', 'c:80'] as const;
const BUCKETS = ['0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'] as const;

/** Rounds to a multiple of 1/8, so sums stay exact whatever order or algorithm adds them. */
const eighths = (x: number) => Math.round(x * 8) / 8;

/**
 * The data written to both Prometheus and Vigil: counters with resets, gauges with negative, NaN
 * and ±Inf values, gaps, stale markers, series that end or start late, classic histograms (one of
 * them with non-monotonic buckets, one without `+Inf`), info-style series for `group_left`, and
 * series whose labels collide once `__name__` is dropped. `t0Ms` must be a whole minute; the data
 * spans `[t0, t0 + 50 m)`.
 */
export function buildDataset(t0Ms: number, seed = 20_240_601): StaleAwareSeries[] {
  const random = seededRandom(seed);
  const int = (max: number) => Math.floor(random() * (max + 1));
  const out: StaleAwareSeries[] = [];
  let seriesIndex = 0;
  const nextOffset = () => {
    let offset = 1_000 + ((seriesIndex++ * 7_919) % 13_000);
    if (offset % 1000 === 0 || offset % 1000 === 500) offset += 7;
    return offset;
  };
  const ts = (offset: number, i: number) => t0Ms + i * SCRAPE_INTERVAL_MS + offset;

  /** A series with a value (or `undefined` for no sample, `'stale'` for a stale marker) per step. */
  const add = (labels: Record<string, string>, valueAt: (i: number) => number | 'stale' | undefined) => {
    const offset = nextOffset();
    const samples: WriteSample[] = [];
    for (let i = 0; i < SAMPLES_PER_SERIES; i++) {
      const v = valueAt(i);
      if (v === undefined) continue;
      samples.push(v === 'stale' ? { timestampMs: ts(offset, i), stale: true } : { timestampMs: ts(offset, i), value: v });
    }
    out.push({ labels, samples });
  };
  /**
   * A counter: increments from `step`, resetting to a small value at the given indexes. It starts
   * far from zero: where a series starts inside a range, 2.x and 3.x cap `rate`'s extrapolation at
   * the counter's zero point in a different order (see known-differences.ts).
   */
  const counter = (step: () => number, resets: readonly number[] = [], start = 500 + int(1000)) => {
    const values: number[] = [];
    let v = start;
    for (let i = 0; i < SAMPLES_PER_SERIES; i++) {
      v = resets.includes(i) ? int(5) : v + step();
      values.push(v);
    }
    return values;
  };

  // Request counters: two jobs, several instances, methods and codes; three resets.
  for (const job of ['api', 'worker']) {
    for (const instance of job === 'api' ? INSTANCES : INSTANCES.slice(0, 2)) {
      for (const method of ['get', 'post']) {
        for (const code of ['200', '500']) {
          const resets =
            job === 'api' && instance === 'b:80' && method === 'get' && code === '200'
              ? [80]
              : job === 'worker' && instance === 'a:80' && method === 'post' && code === '500'
                ? [120, 150]
                : [];
          const weight = method === 'get' ? 2 : 1;
          const values = counter(() => (code === '200' ? int(20) * weight : int(2)), resets);
          add({ __name__: 'http_requests_total', job, instance, method, code }, (i) => values[i]);
        }
      }
    }
  }

  // One-per-instance gauges and an info metric for vector matching.
  INSTANCES.forEach((instance, k) => {
    add({ __name__: 'machine_cpu_cores', instance }, () => [4, 8, 2][k]!);
    add({ __name__: 'node_info', job: 'api', instance, version: k === 0 ? '1.2' : '1.3' }, () => 1);
  });

  // Temperatures, some below zero.
  INSTANCES.forEach((instance, k) => {
    for (const sensor of ['cpu', 'board']) {
      const base = sensor === 'cpu' ? 40 + 5 * k : -10 + 10 * k;
      const phase = k + (sensor === 'cpu' ? 0 : 1.5);
      add({ __name__: 'temperature_celsius', instance, sensor }, (i) => eighths(base + 15 * Math.sin(i / 15 + phase) + random()));
    }
  });

  // NaN, ±Inf, zero and negative gauges.
  add({ __name__: 'special_values', kind: 'nan' }, (i) => (i % 7 === 3 ? Number.NaN : i % 10));
  add({ __name__: 'special_values', kind: 'inf' }, (i) =>
    i % 13 === 5 ? Number.POSITIVE_INFINITY : i % 17 === 3 ? Number.NEGATIVE_INFINITY : i / 4,
  );
  add({ __name__: 'special_values', kind: 'zero' }, () => 0);
  add({ __name__: 'special_values', kind: 'negative' }, (i) => -(i % 9) - 0.5);

  // A 12-minute gap (longer than the 5-minute lookback), in a gauge and in a counter.
  const inGap = (i: number) => i >= 60 && i < 108;
  add({ __name__: 'gappy_gauge', instance: 'a:80' }, (i) => (inGap(i) ? undefined : i / 4));
  const gappyCounter = counter(() => int(10));
  add({ __name__: 'gappy_counter_total', instance: 'a:80' }, (i) => (inGap(i) ? undefined : gappyCounter[i]));

  // Stale markers: one series goes stale at 25 m and comes back at 32 m, one ends stale at 40 m.
  add({ __name__: 'stale_gauge', instance: 'a:80' }, (i) => (i < 100 ? eighths(i * 1.5) : i === 100 ? 'stale' : i < 128 ? undefined : i));
  add({ __name__: 'stale_gauge', instance: 'b:80' }, (i) => (i < 160 ? -i / 2 : i === 160 ? 'stale' : undefined));
  const staleCounter = counter(() => int(6));
  add({ __name__: 'stale_counter_total', instance: 'a:80' }, (i) => (i < 140 ? staleCounter[i] : i === 140 ? 'stale' : undefined));

  // A series that ends at 30 m without a stale marker, and one that starts at 20 m.
  add({ __name__: 'ending_gauge', instance: 'a:80' }, (i) => (i < 120 ? 100 - i / 8 : undefined));
  add({ __name__: 'late_gauge', instance: 'a:80' }, (i) => (i >= 80 ? i % 5 : undefined));

  // Classic histograms: two instances, one resetting at 22.5 m.
  for (const instance of INSTANCES.slice(0, 2)) {
    // Far from zero at the start, like the other counters (the reset at 90 goes to zero, but
    // ranges that hold it begin before it, so no series starts inside them there).
    const counts = BUCKETS.map(() => 0);
    let base = 0;
    for (let b = 0; b < BUCKETS.length; b++) {
      base += 100 + int(200);
      counts[b] = base;
    }
    let sum = 1000;
    const bucketRows: number[][] = [];
    const sums: number[] = [];
    for (let i = 0; i < SAMPLES_PER_SERIES; i++) {
      if (instance === 'b:80' && i === 90) {
        counts.fill(0);
        sum = 0;
      }
      // New observations per bucket (not cumulative), then accumulated into `le` order.
      let cumulative = 0;
      for (let b = 0; b < BUCKETS.length; b++) {
        const n = int(b === 2 || b === 3 ? 12 : 4);
        cumulative += n;
        counts[b]! += cumulative;
        const upper = b === BUCKETS.length - 1 ? 5 : Number(BUCKETS[b]);
        sum += eighths(n * upper * 0.75);
      }
      bucketRows.push([...counts]);
      sums.push(sum);
    }
    BUCKETS.forEach((le, b) => {
      add({ __name__: 'request_duration_seconds_bucket', job: 'api', instance, le }, (i) => bucketRows[i]![b]);
    });
    add({ __name__: 'request_duration_seconds_sum', job: 'api', instance }, (i) => sums[i]);
    add({ __name__: 'request_duration_seconds_count', job: 'api', instance }, (i) => bucketRows[i]![BUCKETS.length - 1]);
  }
  // A histogram gauge with non-monotonic buckets, and one without a `+Inf` bucket.
  BUCKETS.forEach((le, b) => {
    add({ __name__: 'broken_histogram_bucket', le }, (i) => (b === 2 && i % 3 === 0 ? 50 + i : 10 * b + (i % 4)));
  });
  BUCKETS.slice(0, -1).forEach((le, b) => {
    add({ __name__: 'no_inf_histogram_bucket', le }, (i) => 5 * b + (i % 3));
  });

  // Series whose label sets collide once `__name__` is dropped, and label_replace material.
  add({ __name__: 'collide_a', x: '1' }, (i) => i);
  add({ __name__: 'collide_b', x: '1' }, (i) => 2 * i);
  add({ __name__: 'label_source', src: 'alpha-beta', dst: 'old', job: 'api' }, () => 1);
  add({ __name__: 'label_source', src: 'gamma', dst: 'old', job: 'worker' }, () => 2);

  // Irregular sample spacing (±5 s jitter, whole seconds so the offset's milliseconds stay).
  {
    const offset = nextOffset();
    const values = counter(() => int(9));
    out.push({
      labels: { __name__: 'jitter_counter_total', instance: 'a:80' },
      samples: values.map((value, i) => ({ timestampMs: ts(offset, i) + (i % 2 === 0 ? 1 : -1) * int(5) * 1000, value })),
    });
  }

  // Values whose printing is easy to get wrong (Prometheus prints with Go's 'f', -1 format).
  [1e21, 1.5e-7, 0.1, 123456789.123, -0, 1 / 3, 5e-324, 1e300, -2.5e-12, 4503599627370497].forEach((value, k) => {
    add({ __name__: 'format_values', n: String(k) }, () => value);
  });

  // Paths for regular-expression matchers.
  ['/api/v1/users', '/api/v2/items', '/health'].forEach((path, k) => {
    add({ __name__: 'path_hits', path }, (i) => (i % (k + 2)) + k);
  });
  return out;
}
