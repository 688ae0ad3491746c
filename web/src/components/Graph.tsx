import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { cssColor, onThemeChange } from '../app/theme';
import { type Unit, formatTime, formatValue } from '../lib/format';
import { type AlignedData, seriesColor } from '../lib/series';

/** Props of {@link Graph}. */
export interface GraphProps {
  data: AlignedData;
  unit?: Unit;
  /** Plot height in CSS pixels. @default 300 */
  height?: number;
  /** What the graph shows, for screen readers. */
  label: string;
  /**
   * `performance.now()` when the data arrived. The time from it to the first drawn frame is put
   * on the element as `data-render-ms` (and in a `vigil:graph-render` performance measure): the
   * figure the browser test reports for 100 series × 1,000 points.
   */
  receivedAt?: number;
  /** Show the legend below the plot. @default true */
  legend?: boolean;
  /** Draw bars rather than lines (the logs volume uses its own chart). */
  fill?: boolean;
  /** Draw steps (a value holds until the next point), for capacities and states. */
  stepped?: boolean;
  /**
   * Called with the range dragged across the plot (epoch ms), instead of uPlot zooming in place:
   * pages put it in their time range (and so in the URL). Without it, a drag zooms the plot.
   */
  onZoom?: (startMs: number, endMs: number) => void;
}

interface Hover {
  idx: number;
  left: number;
  top: number;
}

const MAX_TOOLTIP_ROWS = 10;

/** Most series one graph draws: past this a plot is unreadable and slow; the rest is named as omitted. */
export const MAX_GRAPH_SERIES = 500;

/** The first `max` series of `data` (all of it when it has no more). */
export function limitSeries(data: AlignedData, max: number): AlignedData {
  if (data.names.length <= max) return data;
  return { xs: data.xs, ys: data.ys.slice(0, max), names: data.names.slice(0, max), labels: data.labels.slice(0, max) };
}

/**
 * A time-series graph on uPlot (canvas): axes formatted in the panel's unit, a legend whose
 * entries are buttons (click toggles a series; Ctrl/⌘-click shows only that one), and a tooltip
 * with the values under the cursor. Series names are rendered as text.
 */
export function Graph(props: GraphProps) {
  const { unit = '', height = 300 } = props;
  const data = useMemo(() => limitSeries(props.data, MAX_GRAPH_SERIES), [props.data]);
  const omitted = props.data.names.length - data.names.length;
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [hidden, setHidden] = useState<ReadonlySet<number>>(new Set());
  const [hover, setHover] = useState<Hover | null>(null);
  const [focused, setFocused] = useState<number | null>(null);
  const [themeTick, setThemeTick] = useState(0);
  // The latest callback, read when a drag ends: a new function each render must not rebuild the plot.
  const onZoom = useRef(props.onZoom);
  onZoom.current = props.onZoom;
  const zoomsOut = props.onZoom !== undefined;
  useEffect(() => onThemeChange(() => setThemeTick((t) => t + 1)), []);
  useEffect(() => setHidden(new Set()), [data]);

  // A layout effect: the plot is built in the same task as the DOM it lives in, not a frame later.
  useLayoutEffect(() => {
    const el = container.current;
    if (!el || data.names.length === 0) return;
    const t0 = props.receivedAt ?? performance.now();
    let measured = false;
    let frame = 0;
    const text = cssColor('--text-muted', '#666');
    const grid = cssColor('--grid', 'rgba(128,128,128,0.2)');
    const opts: uPlot.Options = {
      width: Math.max(100, el.clientWidth),
      height,
      legend: { show: false },
      cursor: { focus: { prox: 24 }, points: { size: 6 }, drag: { x: true, y: false, setScale: !zoomsOut } },
      focus: { alpha: 0.35 },
      scales: { x: { time: true } },
      series: [
        {},
        ...data.names.map((name, i) => ({
          label: name,
          stroke: seriesColor(i),
          width: 1.25,
          points: { show: false },
          fill: props.fill ? `${seriesColor(i)}33` : undefined,
          paths: props.stepped ? uPlot.paths.stepped!({ align: 1 }) : undefined,
          show: !hidden.has(i),
        })),
      ],
      axes: [
        { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
        {
          stroke: text,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid, width: 1 },
          size: 64,
          values: (_u, splits) => splits.map((v) => formatValue(v, unit)),
        },
      ],
      hooks: {
        draw: [
          () => {
            if (measured) return;
            measured = true;
            const ms = performance.now() - t0;
            el.dataset.renderMs = ms.toFixed(1);
            el.dataset.points = String(data.xs.length * data.names.length);
            try {
              performance.measure('vigil:graph-render', { start: t0, end: t0 + ms });
            } catch {
              // Older browsers without measure options: the data attribute is enough.
            }
          },
        ],
        setCursor: [
          (u) => {
            cancelAnimationFrame(frame);
            frame = requestAnimationFrame(() => {
              const idx = u.cursor.idx;
              setHover(idx === null || idx === undefined || u.cursor.left === undefined || u.cursor.left < 0 ? null : { idx, left: u.cursor.left, top: u.cursor.top ?? 0 });
            });
          },
        ],
        setSelect: [
          (u) => {
            if (!onZoom.current || u.select.width < 3) return;
            const a = u.posToVal(u.select.left, 'x');
            const b = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            onZoom.current(Math.round(a * 1000), Math.round(b * 1000));
          },
        ],
        setSeries: [
          (_u, i) => {
            setFocused(i === null ? null : i - 1);
          },
        ],
      },
    };
    const u = new uPlot(opts, [data.xs, ...data.ys] as uPlot.AlignedData, el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(100, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      cancelAnimationFrame(frame);
      u.destroy();
      plot.current = null;
    };
    // `hidden` is applied through setSeries below; recreating the plot for it would lose the zoom.
  }, [data, height, unit, themeTick, props.fill, props.stepped, zoomsOut]);

  const toggle = (i: number, only: boolean) => {
    const u = plot.current;
    let next: Set<number>;
    if (only) {
      const isolated = hidden.size === data.names.length - 1 && !hidden.has(i);
      next = isolated ? new Set() : new Set(data.names.map((_, k) => k).filter((k) => k !== i));
    } else {
      next = new Set(hidden);
      if (next.has(i)) next.delete(i);
      else next.add(i);
    }
    setHidden(next);
    if (u) {
      u.batch(() => {
        data.names.forEach((_, k) => {
          const show = !next.has(k);
          if (u.series[k + 1]?.show !== show) u.setSeries(k + 1, { show });
        });
      });
    }
  };

  const lastValues = useMemo(
    () =>
      data.ys.map((col) => {
        for (let k = col.length - 1; k >= 0; k--) if (col[k] !== null && col[k] !== undefined) return col[k] as number;
        return null;
      }),
    [data],
  );

  if (data.names.length === 0) return <p class="empty">No data in this range.</p>;

  const tooltipRows =
    hover === null
      ? []
      : data.ys
          .map((col, i) => ({ i, v: col[hover.idx] ?? null }))
          .filter((r) => !hidden.has(r.i) && r.v !== null)
          .sort((a, b) => (a.i === focused ? -1 : b.i === focused ? 1 : (b.v as number) - (a.v as number)))
          .slice(0, MAX_TOOLTIP_ROWS);

  return (
    <figure class="graph">
      <div class="graph-wrap">
        {/* uPlot owns this element's children; Preact renders nothing inside it. */}
        <div class="graph-plot" ref={container} role="img" aria-label={props.label} data-series={data.names.length} />
        {hover !== null && tooltipRows.length > 0 ? (
          <div
            class="graph-tooltip"
            style={{
              left: `${Math.min(hover.left + 12, Math.max(0, (container.current?.clientWidth ?? 600) - 320))}px`,
              top: `${hover.top + 12}px`,
            }}
          >
            <div class="muted">{formatTime(data.xs[hover.idx]! * 1000)}</div>
            {tooltipRows.map((r) => (
              <div key={r.i} class={r.i === focused ? 'tt-row focused' : 'tt-row'}>
                <span class="swatch" style={{ background: seriesColor(r.i) }} />
                <span class="tt-name">{data.names[r.i]}</span>
                <span class="tt-value">{formatValue(r.v, unit)}</span>
              </div>
            ))}
          </div>
        ) : null}
      </div>
      {omitted > 0 ? (
        <p class="muted" role="note">
          Showing {data.names.length} of {props.data.names.length} series ({omitted} omitted): narrow the query, aggregate it, or use the table.
        </p>
      ) : null}
      {props.legend !== false ? (
        <figcaption>
          <ul class="legend" aria-label="Series (click to hide or show, Ctrl-click to show only one)">
            {data.names.map((name, i) => (
              <li key={name}>
                <button
                  type="button"
                  class="legend-item"
                  aria-pressed={!hidden.has(i)}
                  onClick={(e) => toggle(i, e.ctrlKey || e.metaKey)}
                >
                  <span class="swatch" style={{ background: seriesColor(i) }} />
                  <span class="legend-name">{name}</span>
                  <span class="legend-value">{formatValue(lastValues[i], unit)}</span>
                </button>
              </li>
            ))}
          </ul>
        </figcaption>
      ) : null}
    </figure>
  );
}
