/** A series of a Prometheus `matrix` result (`/api/v1/query_range`, Loki metric queries). */
export interface MatrixSeries {
  metric: Record<string, string>;
  /** `[seconds, "value"]` pairs, oldest first. */
  values: Array<[number, string]>;
}

/** A series of a Prometheus `vector` result (`/api/v1/query`). */
export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * Series lined up on one time axis, the shape uPlot draws: `xs` in seconds, and per series a
 * value (or null for a gap) at each x.
 */
export interface AlignedData {
  xs: number[];
  ys: Array<Array<number | null>>;
  names: string[];
  labels: Array<Record<string, string>>;
}

/**
 * A series' name as Prometheus prints it: `metric{a="x", b="y"}`, labels sorted, values quoted.
 * The result is text for display (rendered as text, never as HTML).
 *
 * @example seriesName({ __name__: 'up', job: 'api' }) // 'up{job="api"}'
 */
export function seriesName(metric: Record<string, string>): string {
  const name = metric.__name__ ?? '';
  const pairs = Object.keys(metric)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}=${JSON.stringify(metric[k])}`);
  if (pairs.length === 0) return name || '{}';
  return `${name}{${pairs.join(', ')}}`;
}

/** Parses a Prometheus sample value (`"1.5"`, `"NaN"`, `"+Inf"`); NaN and stale become null. */
export function sampleValue(text: string): number | null {
  const v = text === '+Inf' ? Number.POSITIVE_INFINITY : text === '-Inf' ? Number.NEGATIVE_INFINITY : Number(text);
  return Number.isNaN(v) ? null : v;
}

/**
 * Lines up matrix series for uPlot. With `grid` (the query's start, end and step, in seconds) the
 * x axis is that grid, so a missing step shows as a gap and the work is one pass over the points;
 * without it, the x axis is the union of every timestamp.
 */
export function alignMatrix(series: readonly MatrixSeries[], grid?: { startS: number; endS: number; stepS: number }): AlignedData {
  const names = series.map((s) => seriesName(s.metric));
  const labels = series.map((s) => s.metric);
  if (grid && grid.stepS > 0) {
    const count = Math.floor((grid.endS - grid.startS) / grid.stepS + 1e-9) + 1;
    const xs = new Array<number>(count);
    for (let i = 0; i < count; i++) xs[i] = grid.startS + i * grid.stepS;
    const ys = series.map((s) => {
      const col = new Array<number | null>(count).fill(null);
      for (const [t, v] of s.values) {
        const i = Math.round((t - grid.startS) / grid.stepS);
        if (i >= 0 && i < count) col[i] = sampleValue(v);
      }
      return col;
    });
    return { xs, ys, names, labels };
  }
  const set = new Set<number>();
  for (const s of series) for (const [t] of s.values) set.add(t);
  const xs = [...set].sort((a, b) => a - b);
  const index = new Map<number, number>();
  xs.forEach((x, i) => {
    index.set(x, i);
  });
  const ys = series.map((s) => {
    const col = new Array<number | null>(xs.length).fill(null);
    for (const [t, v] of s.values) col[index.get(t)!] = sampleValue(v);
    return col;
  });
  return { xs, ys, names, labels };
}

/**
 * Series colours: distinguishable on light and dark backgrounds (Grafana's classic palette
 * order), repeated past 20 series.
 */
export const PALETTE = [
  '#7eb26d',
  '#eab839',
  '#6ed0e0',
  '#ef843c',
  '#e24d42',
  '#1f78c1',
  '#ba43a9',
  '#705da0',
  '#508642',
  '#cca300',
  '#447ebc',
  '#c15c17',
  '#890f02',
  '#0a437c',
  '#6d1f62',
  '#584477',
  '#b7dbab',
  '#f4d598',
  '#70dbed',
  '#f9ba8f',
];

/** The colour of series `i`. */
export function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}
