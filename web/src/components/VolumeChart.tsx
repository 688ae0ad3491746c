import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { cssColor, onThemeChange } from '../app/theme';
import type { LogLevel, StackedVolume } from '../lib/logs';

/** Bar colours of the levels (the same as the stripes of the log lines). */
export const LEVEL_COLORS: Record<LogLevel, string> = {
  critical: '#a40e26',
  error: '#e24d42',
  warn: '#eab839',
  info: '#7eb26d',
  debug: '#1f78c1',
  trace: '#6ed0e0',
  unknown: '#8a8f98',
};

/**
 * The logs volume: lines per step as bars stacked by level (most severe at the bottom), with the
 * total of each level in the legend. Drag selects a range (`onSelect`, epoch ms).
 */
export function VolumeChart(props: { volume: StackedVolume; height?: number; onSelect?: (startMs: number, endMs: number) => void }) {
  const { volume, height = 110 } = props;
  const el = useRef<HTMLDivElement>(null);
  const [tick, setTick] = useState(0);
  const onSelect = useRef(props.onSelect);
  onSelect.current = props.onSelect;
  useEffect(() => onThemeChange(() => setTick((t) => t + 1)), []);
  useEffect(() => {
    const node = el.current;
    if (!node || volume.levels.length === 0) return;
    const text = cssColor('--text-muted', '#666');
    const grid = cssColor('--grid', 'rgba(128,128,128,0.2)');
    const bars = uPlot.paths.bars!({ size: [0.9, 40], align: 0 });
    // Draw the tallest (cumulative) series first so each lower level paints over it.
    const order = volume.levels.map((_, k) => k).reverse();
    const opts: uPlot.Options = {
      width: Math.max(100, node.clientWidth),
      height,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      scales: { x: { time: true } },
      series: [
        {},
        ...order.map((k) => ({
          label: volume.levels[k],
          stroke: LEVEL_COLORS[volume.levels[k]!],
          fill: LEVEL_COLORS[volume.levels[k]!],
          paths: bars,
          points: { show: false },
        })),
      ],
      axes: [
        { stroke: text, grid: { show: false }, ticks: { stroke: grid } },
        { stroke: text, grid: { stroke: grid }, ticks: { stroke: grid }, size: 48 },
      ],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 3 || !onSelect.current) return;
            const a = u.posToVal(u.select.left, 'x');
            const b = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            onSelect.current(Math.round(a * 1000), Math.round(b * 1000));
          },
        ],
      },
    };
    // An empty step draws no bar (a zero-height bar would show as a line along the axis).
    const tops = order.map((k) => volume.stacked[k]!.map((v) => (v === 0 ? null : v)));
    const u = new uPlot(opts, [volume.xs, ...tops] as uPlot.AlignedData, node);
    const ro = new ResizeObserver(() => {
      const w = Math.max(100, node.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height });
    });
    ro.observe(node);
    return () => {
      ro.disconnect();
      u.destroy();
    };
  }, [volume, height, tick]);
  return (
    <figure class="graph">
      <div ref={el} role="img" aria-label={`Log volume by level: ${volume.total} lines`} />
      <figcaption>
        <ul class="legend" aria-label="Lines per level">
          {volume.levels.map((l, k) => (
            <li key={l} class="legend-item">
              <span class="swatch" style={{ background: LEVEL_COLORS[l] }} />
              <span>{l}</span>
              <span class="legend-value">{volume.counts[k]!.reduce((a, b) => a + b, 0)}</span>
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
