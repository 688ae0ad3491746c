import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, errorMessage } from '../api/client';
import { type AlarmSummary, listAlarms } from '../api/endpoints';
import { type QueryOutcome, runQuery } from '../api/run-query';
import { Link } from '../app/router';
import { GRID_COLUMNS, type Panel, adjustGrid } from '../lib/dashboard';
import { writeExploreState, writeLogsState } from '../lib/url-state';
import { Graph } from './Graph';
import { LogLines } from './LogLines';
import { ResultTable } from './ResultTable';
import { StatPanel } from './StatPanel';

/** Height of one grid row in CSS pixels, gap included (the stylesheet's `grid-auto-rows` + gap). */
export const ROW_PX = 38;

/** Props of {@link DashboardPanel}. */
export interface DashboardPanelProps {
  panel: Panel;
  /** The query with variables and interval macros substituted. */
  query: string;
  startMs: number;
  endMs: number;
  stepMs: number;
  /** Changes when the dashboard refreshes (auto-refresh or the button). */
  refreshTick: number;
  /** Shown in the panel's header in edit mode (edit, remove). */
  actions?: preact.ComponentChildren;
  /** A range dragged across a graph, epoch ms (the dashboard's time range follows it). */
  onZoom?: (startMs: number, endMs: number) => void;
  /**
   * In edit mode: dragging the title moves the panel, dragging the corner handle resizes it, by
   * whole grid cells; called once the pointer is released. (The panel editor's number fields do
   * the same from the keyboard.)
   */
  onGridChange?: (grid: Panel['grid']) => void;
}

/** Grid cells a pointer moved by: columns from the grid's width, rows from {@link ROW_PX}. */
export function cellsMoved(dxPx: number, dyPx: number, gridWidthPx: number, gapPx = 8): { dx: number; dy: number } {
  const columnPx = (gridWidthPx + gapPx) / GRID_COLUMNS;
  return { dx: Math.round(dxPx / columnPx), dy: Math.round(dyPx / ROW_PX) };
}

/**
 * Pointer handlers that report how many grid cells the pointer travelled between press and
 * release (the pointer is captured, so it works past the element's edges).
 */
function dragCells(el: () => HTMLElement | null, done: (dx: number, dy: number) => void) {
  return (e: PointerEvent) => {
    if (e.button !== 0) return;
    const target = e.currentTarget as HTMLElement;
    const grid = el()?.parentElement;
    if (!grid) return;
    e.preventDefault();
    target.setPointerCapture(e.pointerId);
    const x0 = e.clientX;
    const y0 = e.clientY;
    const panel = el();
    panel?.classList.add('dragging');
    const up = (ev: PointerEvent) => {
      target.removeEventListener('pointerup', up);
      panel?.classList.remove('dragging');
      const { dx, dy } = cellsMoved(ev.clientX - x0, ev.clientY - y0, grid.clientWidth);
      if (dx !== 0 || dy !== 0) done(dx, dy);
    };
    target.addEventListener('pointerup', up);
  };
}

/**
 * One dashboard panel on the 24-column grid: runs its query and draws it as a time series,
 * stat, table or log lines. The panel's title and every value are text.
 */
export function DashboardPanel(props: DashboardPanelProps) {
  const { panel } = props;
  const [outcome, setOutcome] = useState<QueryOutcome | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (panel.type === 'alarms' || !props.query.trim()) {
      setOutcome(null);
      setError('');
      return;
    }
    const controller = new AbortController();
    setBusy(true);
    runQuery(
      {
        lang: panel.language,
        query: props.query,
        startMs: props.startMs,
        endMs: props.endMs,
        stepMs: props.stepMs,
        shape: panel.type === 'stat' || panel.type === 'table' ? 'instant' : 'graph',
        limit: 200,
      },
      controller.signal,
    )
      .then((o) => {
        setOutcome(o);
        setError('');
      })
      .catch((err) => {
        const m = errorMessage(err);
        if (m) setError(m);
      })
      .finally(() => setBusy(false));
    return () => controller.abort();
  }, [props.query, props.startMs, props.endMs, props.stepMs, panel.language, panel.type, props.refreshTick]);

  const headingId = `panel-${panel.id}-title`;
  const self = useRef<HTMLElement>(null);
  const g = panel.grid;
  const onGridChange = props.onGridChange;
  // Room for the header and a line of legend below the plot.
  const plotHeight = Math.max(60, panel.grid.h * ROW_PX - 8 - 96);
  return (
    <section
      ref={self}
      class="panel"
      aria-labelledby={headingId}
      aria-busy={busy}
      data-panel-id={panel.id}
      style={{ gridColumn: `${panel.grid.x + 1} / span ${panel.grid.w}`, gridRow: `${panel.grid.y + 1} / span ${panel.grid.h}` }}
    >
      <div class="panel-head">
        <h2
          id={headingId}
          title={onGridChange ? 'Drag to move' : panel.title}
          class={onGridChange ? 'drag-handle' : undefined}
          onPointerDown={onGridChange ? dragCells(() => self.current, (dx, dy) => onGridChange(adjustGrid(g, { x: g.x + dx, y: g.y + dy }))) : undefined}
        >
          {panel.title || 'Untitled panel'}
        </h2>
        {busy ? <span class="muted">…</span> : null}
        {props.query.trim() && panel.type !== 'alarms' ? (
          <Link
            href={exploreUrl(panel, props.query, props.startMs, props.endMs)}
            class="panel-link"
            aria-label={`Open ${panel.title || 'this panel'} in ${panel.type === 'logs' ? 'Logs' : 'Explore'}`}
          >
            {panel.type === 'logs' ? 'Logs' : 'Explore'}
          </Link>
        ) : null}
        {props.actions}
      </div>
      <div class="panel-body">
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
        {panel.type === 'alarms' ? <AlarmStatus filter={props.query} refreshTick={props.refreshTick} /> : null}
        {panel.type !== 'alarms' && !props.query.trim() ? <p class="empty">No query yet.</p> : null}
        {outcome && panel.type !== 'alarms' ? <PanelContent panel={panel} outcome={outcome} height={plotHeight} onZoom={props.onZoom} /> : null}
      </div>
      {onGridChange ? (
        <span
          class="resize-handle"
          title="Drag to resize"
          aria-hidden="true"
          onPointerDown={dragCells(() => self.current, (dw, dh) => onGridChange(adjustGrid(g, { w: g.w + dw, h: g.h + dh })))}
        />
      ) : null}
    </section>
  );
}

/** The Explore (or Logs) page for a panel's query, variables substituted, over the same range. */
export function exploreUrl(panel: Panel, query: string, startMs: number, endMs: number): string {
  const range = { from: new Date(startMs).toISOString(), to: new Date(endMs).toISOString() };
  if (panel.type === 'logs') return `/logs${writeLogsState({ query, range, limit: 500 })}`;
  return `/explore${writeExploreState({ lang: panel.language, query, range, step: '', view: panel.type === 'timeseries' ? 'graph' : 'table' })}`;
}

/**
 * The alarm-status panel: the tenant's alarms whose name contains `filter` (case-insensitive),
 * worst state first, each linking to its page.
 */
function AlarmStatus(props: { filter: string; refreshTick: number }) {
  const [alarms, setAlarms] = useState<AlarmSummary[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    listAlarms()
      .then((a) => {
        if (!live) return;
        setAlarms(a);
        setError('');
      })
      .catch((err) => {
        if (!live) return;
        setError(err instanceof ApiError && err.status === 404 ? 'This server has no alarms API yet.' : errorMessage(err));
      });
    return () => {
      live = false;
    };
  }, [props.refreshTick]);
  if (error) return <p class="muted">{error}</p>;
  if (!alarms) return null;
  const f = props.filter.trim().toLowerCase();
  const order: Record<string, number> = { ALARM: 0, INSUFFICIENT_DATA: 1, OK: 2 };
  const shown = alarms.filter((a) => !f || a.name.toLowerCase().includes(f)).sort((a, b) => (order[a.state] ?? 3) - (order[b.state] ?? 3) || a.name.localeCompare(b.name));
  if (shown.length === 0) return <p class="empty">No alarms{f ? ` matching "${props.filter.trim()}"` : ''}.</p>;
  return (
    <ul class="chips alarm-status">
      {shown.map((a) => (
        <li key={a.name}>
          <Link href={`/alarms/${encodeURIComponent(a.name)}`} class={`badge state-${a.state}`}>
            {a.name}: {a.state === 'INSUFFICIENT_DATA' ? 'insufficient data' : a.state}
          </Link>
        </li>
      ))}
    </ul>
  );
}

function PanelContent(props: { panel: Panel; outcome: QueryOutcome; height: number; onZoom?: (startMs: number, endMs: number) => void }) {
  const { panel, outcome } = props;
  switch (outcome.kind) {
    case 'logs':
      return <LogLines rows={outcome.rows} label={`Lines of ${panel.title}`} />;
    case 'graph':
      return <Graph data={outcome.data} unit={panel.unit} height={props.height} label={panel.title || panel.query} receivedAt={outcome.receivedAt} onZoom={props.onZoom} />;
    case 'instant':
      if (panel.type === 'logs') return <p class="muted">A logs panel needs a LogQL log query (this one gives numbers).</p>;
      return panel.type === 'stat' ? <StatPanel result={outcome.result} unit={panel.unit} /> : <ResultTable result={outcome.result} unit={panel.unit} caption={panel.title} />;
  }
}
