import type { MatrixSeries } from '../lib/series';
import { sampleValue, seriesColor } from '../lib/series';

/** Most series a sparkline draws (the rest would only add noise at this size). */
const MAX_LINES = 5;

/**
 * A small inline chart of a few series as SVG polylines (no axes), for lists. `threshold` draws a
 * dashed line at that value when it falls in the range shown.
 */
export function Sparkline(props: { series: readonly MatrixSeries[]; width?: number; height?: number; threshold?: number; label: string }) {
  const { width = 140, height = 32 } = props;
  const lines = props.series.slice(0, MAX_LINES);
  let minT = Number.POSITIVE_INFINITY;
  let maxT = Number.NEGATIVE_INFINITY;
  let minV = Number.POSITIVE_INFINITY;
  let maxV = Number.NEGATIVE_INFINITY;
  for (const s of lines) {
    for (const [t, raw] of s.values) {
      const v = sampleValue(raw);
      if (v === null || !Number.isFinite(v)) continue;
      minT = Math.min(minT, t);
      maxT = Math.max(maxT, t);
      minV = Math.min(minV, v);
      maxV = Math.max(maxV, v);
    }
  }
  if (!Number.isFinite(minT)) return <span class="muted">no data</span>;
  if (props.threshold !== undefined) {
    minV = Math.min(minV, props.threshold);
    maxV = Math.max(maxV, props.threshold);
  }
  const spanT = maxT - minT || 1;
  const spanV = maxV - minV || 1;
  const x = (t: number) => ((t - minT) / spanT) * (width - 2) + 1;
  const y = (v: number) => height - 1 - ((v - minV) / spanV) * (height - 2);
  return (
    <svg class="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={props.label}>
      {props.threshold !== undefined ? (
        <line x1={0} x2={width} y1={y(props.threshold)} y2={y(props.threshold)} class="sparkline-threshold" />
      ) : null}
      {lines.map((s, i) => {
        const points = s.values
          .map(([t, raw]) => [t, sampleValue(raw)] as const)
          .filter((p): p is readonly [number, number] => p[1] !== null && Number.isFinite(p[1]))
          .map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`)
          .join(' ');
        return <polyline key={i} points={points} fill="none" stroke={seriesColor(i)} stroke-width={1.25} />;
      })}
    </svg>
  );
}
