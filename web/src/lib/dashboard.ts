import type { Unit } from './format';
import type { QueryLanguage } from './query-tokenizer';
import type { TimeRange } from './time-range';

/** Panel kinds (the server validates the same list). */
export type PanelType = 'timeseries' | 'stat' | 'table' | 'logs' | 'alarms';
export const PANEL_TYPES: ReadonlyArray<{ type: PanelType; label: string }> = [
  { type: 'timeseries', label: 'Time series' },
  { type: 'stat', label: 'Stat' },
  { type: 'table', label: 'Table' },
  { type: 'logs', label: 'Logs' },
  { type: 'alarms', label: 'Alarm status' },
];

/** Columns of the dashboard grid. */
export const GRID_COLUMNS = 24;

/** Where a panel sits: column `x` (0–23) and width `w` in columns, row `y` and height `h` in rows. */
export interface PanelGrid {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One panel, as stored (the server validates the same fields: `server/src/web/dashboard-model.ts`). */
export interface Panel {
  id: string;
  title: string;
  type: PanelType;
  language: QueryLanguage;
  query: string;
  unit: Unit;
  grid: PanelGrid;
}

/** A dashboard variable: a choice among one label's values, used as `$name` in queries. */
export interface Variable {
  name: string;
  label: string;
  source: 'metrics' | 'logs';
  match: string;
  multi: boolean;
  includeAll: boolean;
}

/** A dashboard as `/api/v1/dashboards/:id` answers it. */
export interface Dashboard {
  id: string;
  version: number;
  builtIn: boolean;
  readOnly: boolean;
  createdAt: string;
  updatedAt: string;
  title: string;
  description: string;
  tags: string[];
  time: TimeRange;
  refresh: string;
  variables: Variable[];
  panels: Panel[];
}

/** What the list shows. */
export interface DashboardSummary {
  id: string;
  title: string;
  description: string;
  tags: string[];
  builtIn: boolean;
  readOnly: boolean;
  panels: number;
  version: number;
  updatedAt: string;
}

/** The value a variable set to "All" stands for. */
export const ALL_VALUE = '$__all';

function escapeRegex(v: string): string {
  return v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Escapes text for a double-quoted PromQL/LogQL string. */
function escapeString(v: string): string {
  return v.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
}

/**
 * The text a variable stands for in a query: one plain value as it is (string-escaped, so it can
 * never end the string it sits in); several values, or "All", as a regular expression
 * (`a|b`, `.+`) for `=~` matchers, each value regex-escaped.
 */
export function variableText(values: readonly string[]): string {
  if (values.includes(ALL_VALUE)) return '.+';
  if (values.length === 1) return escapeString(values[0]!);
  if (values.length === 0) return '';
  return escapeString(values.map(escapeRegex).join('|'));
}

/**
 * Replaces `$name`, `${name}` and the interval macros (`$__interval`, `$__rate_interval`,
 * `$__range`...) in `query`. Unknown names are left as they are, so the parse error names them.
 */
export function substituteVariables(query: string, values: Readonly<Record<string, readonly string[]>>, macros: Readonly<Record<string, string>>): string {
  return query.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    if (name in macros) return macros[name]!;
    const v = values[name];
    return v === undefined ? whole : variableText(v);
  });
}

/** A new panel id not used in `panels`. */
export function newPanelId(panels: readonly Panel[]): string {
  const used = new Set(panels.map((p) => p.id));
  for (let i = panels.length + 1; ; i++) if (!used.has(`panel-${i}`)) return `panel-${i}`;
}

/** Where a new panel of width `w` goes: beside the last row's panels if they leave room, else below. */
export function placeNewPanel(panels: readonly Panel[], w = 12, h = 8): PanelGrid {
  if (panels.length === 0) return { x: 0, y: 0, w, h };
  const bottom = Math.max(...panels.map((p) => p.grid.y + p.grid.h));
  const lastRowY = Math.max(...panels.map((p) => p.grid.y));
  const inLastRow = panels.filter((p) => p.grid.y === lastRowY);
  const right = Math.max(...inLastRow.map((p) => p.grid.x + p.grid.w));
  if (right + w <= GRID_COLUMNS && inLastRow.every((p) => p.grid.y + p.grid.h <= lastRowY + h)) return { x: right, y: lastRowY, w, h };
  return { x: 0, y: bottom, w, h };
}

/** Moves or resizes a panel, kept inside the grid. */
export function adjustGrid(grid: PanelGrid, change: Partial<PanelGrid>): PanelGrid {
  const w = Math.min(GRID_COLUMNS, Math.max(1, change.w ?? grid.w));
  const x = Math.min(GRID_COLUMNS - w, Math.max(0, change.x ?? grid.x));
  return { x, w, y: Math.max(0, change.y ?? grid.y), h: Math.min(50, Math.max(2, change.h ?? grid.h)) };
}

/** The fields of a dashboard that are saved and exported (no server metadata). */
export type DashboardContent = Pick<Dashboard, 'title' | 'description' | 'tags' | 'time' | 'refresh' | 'variables' | 'panels'>;

/** The content of a dashboard, as sent to `POST`/`PUT` and written to an export file. */
export function dashboardContent(d: DashboardContent): DashboardContent {
  return { title: d.title, description: d.description, tags: d.tags, time: d.time, refresh: d.refresh, variables: d.variables, panels: d.panels };
}

/** An empty dashboard to start from. */
export function emptyDashboard(title = 'New dashboard'): DashboardContent {
  return { title, description: '', tags: [], time: { from: 'now-1h', to: 'now' }, refresh: '', variables: [], panels: [] };
}
