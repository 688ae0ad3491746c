import { parseLogQL, parseQuery } from '@vigil/query-language';

/**
 * Panel kinds the web UI draws. An `alarms` panel shows the state of the tenant's alarms whose
 * name contains its `query` text (empty: all); its query is a plain filter, not PromQL.
 */
export type PanelType = 'timeseries' | 'stat' | 'table' | 'logs' | 'alarms';
export const PANEL_TYPES: readonly PanelType[] = ['timeseries', 'stat', 'table', 'logs', 'alarms'];

/** Value units the web UI formats. */
export const UNITS = ['', 'short', 'percent', 'percentunit', 'bytes', 'bytes/s', 'bits/s', 'seconds', 'ms', 'reqps'] as const;
export type Unit = (typeof UNITS)[number];

/** Where a panel sits on the 24-column grid; rows are the UI's fixed row height. */
export interface PanelGrid {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One panel: a query in one language and how to show its result. */
export interface Panel {
  /** Unique within the dashboard. */
  id: string;
  title: string;
  type: PanelType;
  language: 'promql' | 'logql';
  /** May use `$variable`, `${variable}`, `$__interval`, `$__rate_interval`, `$__range`. */
  query: string;
  unit: Unit;
  grid: PanelGrid;
}

/** A dashboard variable: a choice among one label's values. */
export interface Variable {
  /** Used as `$name` in queries. */
  name: string;
  /** The label whose values are offered. */
  label: string;
  /** Where the values come from: series (`/api/v1/label/...`) or log streams (`/loki/...`). */
  source: 'metrics' | 'logs';
  /** A series selector (PromQL, or a LogQL stream selector) that limits the values; may be empty. */
  match: string;
  /** Several values at once (substituted as `a|b`, for `=~`). */
  multi: boolean;
  /** Offer "All" (substituted as `.*` or `.+`). */
  includeAll: boolean;
}

/** A dashboard as stored (the body of the document). */
export interface DashboardBody {
  title: string;
  description: string;
  tags: string[];
  /** Relative (`now-6h`, `now`) or absolute (RFC 3339) times. */
  time: { from: string; to: string };
  /** Auto-refresh interval as a duration (`30s`, `1m`), or '' for off. */
  refresh: string;
  variables: Variable[];
  panels: Panel[];
}

/** Limits that keep one dashboard reasonable to store and to render. */
export const DASHBOARD_LIMITS = {
  /** Bytes of the request body. */
  maxBodyBytes: 256 * 1024,
  maxPanels: 100,
  maxVariables: 20,
  maxTags: 20,
  maxTitleChars: 200,
  maxDescriptionChars: 4000,
  maxQueryChars: 16 * 1024,
  /** Dashboards per tenant. */
  maxPerTenant: 1000,
  columns: 24,
  maxPanelHeight: 50,
  maxRow: 10_000,
} as const;

/** The invalid fields of a dashboard, each named by its path (`panels[2].grid.w`). */
export class DashboardValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid dashboard: ${problems.join('; ')}`);
    this.name = 'DashboardValidationError';
  }
}

/** Metadata fields an exported dashboard carries; accepted on import and ignored. */
const METADATA_KEYS = new Set(['id', 'version', 'builtIn', 'readOnly', 'createdAt', 'updatedAt']);
const TOP_KEYS = new Set(['title', 'description', 'tags', 'time', 'refresh', 'variables', 'panels']);
const PANEL_KEYS = new Set(['id', 'title', 'type', 'language', 'query', 'unit', 'grid']);
const VARIABLE_KEYS = new Set(['name', 'label', 'source', 'match', 'multi', 'includeAll']);
const GRID_KEYS = new Set(['x', 'y', 'w', 'h']);

const VARIABLE_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const LABEL_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const PANEL_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const RELATIVE_TIME_RE = /^now(?:[-+]\d+(?:ms|s|m|h|d|w|y))?(?:\/[smhdwy])?$/;
const DURATION_RE = /^(?:\d+(?:ms|s|m|h|d|w|y))+$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Replaces dashboard variables and Grafana-style interval macros with stand-ins that parse, so a
 * panel's query can be syntax-checked before any variable has a value: `$__interval` and friends
 * become `1m`, any other `$name` / `${name}` becomes `x`.
 */
export function substituteForCheck(query: string): string {
  return query
    .replace(/\$(?:\{__(?:interval|rate_interval|range)(?:_ms|_s)?\}|__(?:interval|rate_interval|range)(?:_ms|_s)?\b)/g, '1m')
    .replace(/\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, 'x');
}

function isTime(v: string): boolean {
  return RELATIVE_TIME_RE.test(v) || (/^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v)));
}

/**
 * Checks `raw` (parsed JSON) and returns the dashboard to store. Every problem is reported with
 * its field path; unknown fields are refused (so a typo is not silently dropped), except the
 * metadata an export carries (`id`, `version`, `createdAt`...), which is ignored so that an
 * exported file imports as it is. Panel queries are parsed (variables replaced by stand-ins) and
 * their errors reported with the query's position.
 *
 * @throws DashboardValidationError listing every problem.
 */
export function parseDashboard(raw: unknown): DashboardBody {
  const problems: string[] = [];
  const bad = (path: string, msg: string) => {
    problems.push(`${path}: ${msg}`);
  };
  if (!isObject(raw)) throw new DashboardValidationError(['the body must be a JSON object']);
  const unknown = (obj: Record<string, unknown>, allowed: Set<string>, path: string) => {
    for (const k of Object.keys(obj)) {
      if (!allowed.has(k) && !(path === '' && METADATA_KEYS.has(k))) bad(path ? `${path}.${k}` : k, 'unknown field');
    }
  };
  const str = (v: unknown, path: string, opts: { max: number; required?: boolean; fallback?: string }): string => {
    if (v === undefined && !opts.required) return opts.fallback ?? '';
    if (typeof v !== 'string') {
      bad(path, 'must be a string');
      return '';
    }
    if (opts.required && v.trim() === '') bad(path, 'must not be empty');
    if (v.length > opts.max) bad(path, `must be at most ${opts.max} characters (has ${v.length})`);
    return v;
  };
  const int = (v: unknown, path: string, min: number, max: number): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      bad(path, `must be an integer from ${min} to ${max}`);
      return min;
    }
    return v;
  };
  const bool = (v: unknown, path: string): boolean => {
    if (v === undefined) return false;
    if (typeof v !== 'boolean') bad(path, 'must be true or false');
    return v === true;
  };
  unknown(raw, TOP_KEYS, '');

  const title = str(raw.title, 'title', { max: DASHBOARD_LIMITS.maxTitleChars, required: true });
  const description = str(raw.description, 'description', { max: DASHBOARD_LIMITS.maxDescriptionChars });
  const tags: string[] = [];
  if (raw.tags !== undefined) {
    if (!Array.isArray(raw.tags)) bad('tags', 'must be an array of strings');
    else {
      if (raw.tags.length > DASHBOARD_LIMITS.maxTags) bad('tags', `at most ${DASHBOARD_LIMITS.maxTags} tags`);
      raw.tags.forEach((t, i) => {
        tags.push(str(t, `tags[${i}]`, { max: 50, required: true }));
      });
    }
  }

  let time = { from: 'now-1h', to: 'now' };
  if (raw.time !== undefined) {
    if (!isObject(raw.time)) bad('time', 'must be an object {"from": "now-1h", "to": "now"}');
    else {
      unknown(raw.time, new Set(['from', 'to']), 'time');
      const from = str(raw.time.from, 'time.from', { max: 64, required: true });
      const to = str(raw.time.to, 'time.to', { max: 64, required: true });
      if (from && !isTime(from)) bad('time.from', `${JSON.stringify(from)} is neither a relative time (now-6h) nor RFC 3339`);
      if (to && !isTime(to)) bad('time.to', `${JSON.stringify(to)} is neither a relative time (now) nor RFC 3339`);
      time = { from, to };
    }
  }
  const refresh = str(raw.refresh, 'refresh', { max: 16 });
  if (refresh !== '' && !DURATION_RE.test(refresh)) bad('refresh', `${JSON.stringify(refresh)} is not a duration such as 30s or 1m ('' is off)`);

  const variables: Variable[] = [];
  if (raw.variables !== undefined) {
    if (!Array.isArray(raw.variables)) bad('variables', 'must be an array');
    else {
      if (raw.variables.length > DASHBOARD_LIMITS.maxVariables) bad('variables', `at most ${DASHBOARD_LIMITS.maxVariables} variables`);
      const names = new Set<string>();
      raw.variables.forEach((v, i) => {
        const path = `variables[${i}]`;
        if (!isObject(v)) {
          bad(path, 'must be an object');
          return;
        }
        unknown(v, VARIABLE_KEYS, path);
        const name = str(v.name, `${path}.name`, { max: 64, required: true });
        if (name && !VARIABLE_NAME_RE.test(name)) bad(`${path}.name`, 'must match [A-Za-z_][A-Za-z0-9_]*');
        if (name.startsWith('__')) bad(`${path}.name`, 'names starting with __ are reserved');
        if (names.has(name)) bad(`${path}.name`, `${JSON.stringify(name)} is used twice`);
        names.add(name);
        const label = str(v.label, `${path}.label`, { max: 128, required: true });
        if (label && !LABEL_NAME_RE.test(label)) bad(`${path}.label`, 'must be a label name');
        const source = v.source ?? 'metrics';
        if (source !== 'metrics' && source !== 'logs') bad(`${path}.source`, 'must be "metrics" or "logs"');
        const match = str(v.match, `${path}.match`, { max: 1024 });
        if (match.trim() !== '') {
          const errors = source === 'logs' ? parseLogQL(substituteForCheck(match)).errors : parseQuery(substituteForCheck(match)).errors;
          if (errors.length > 0) bad(`${path}.match`, errors[0]!.message);
        }
        variables.push({
          name,
          label,
          source: source === 'logs' ? 'logs' : 'metrics',
          match,
          multi: bool(v.multi, `${path}.multi`),
          includeAll: bool(v.includeAll, `${path}.includeAll`),
        });
      });
    }
  }

  const panels: Panel[] = [];
  if (raw.panels === undefined) bad('panels', 'is required (an array, may be empty)');
  else if (!Array.isArray(raw.panels)) bad('panels', 'must be an array');
  else {
    if (raw.panels.length > DASHBOARD_LIMITS.maxPanels) bad('panels', `at most ${DASHBOARD_LIMITS.maxPanels} panels (has ${raw.panels.length})`);
    const ids = new Set<string>();
    raw.panels.slice(0, DASHBOARD_LIMITS.maxPanels).forEach((p, i) => {
      const path = `panels[${i}]`;
      if (!isObject(p)) {
        bad(path, 'must be an object');
        return;
      }
      unknown(p, PANEL_KEYS, path);
      const id = str(p.id, `${path}.id`, { max: 64, required: true });
      if (id && !PANEL_ID_RE.test(id)) bad(`${path}.id`, 'must match [A-Za-z0-9_-]{1,64}');
      if (ids.has(id)) bad(`${path}.id`, `${JSON.stringify(id)} is used twice`);
      ids.add(id);
      const ptitle = str(p.title, `${path}.title`, { max: DASHBOARD_LIMITS.maxTitleChars });
      const type = p.type as PanelType;
      if (!PANEL_TYPES.includes(type)) bad(`${path}.type`, `must be one of ${PANEL_TYPES.join(', ')}`);
      const language = p.language ?? (type === 'logs' ? 'logql' : 'promql');
      if (language !== 'promql' && language !== 'logql') bad(`${path}.language`, 'must be "promql" or "logql"');
      if (type === 'logs' && language !== 'logql') bad(`${path}.language`, 'a logs panel needs a LogQL log query');
      const query = str(p.query, `${path}.query`, { max: DASHBOARD_LIMITS.maxQueryChars });
      if (type !== 'alarms' && query.trim() !== '' && (language === 'promql' || language === 'logql')) {
        const errors = language === 'promql' ? parseQuery(substituteForCheck(query)).errors : parseLogQL(substituteForCheck(query)).errors;
        if (errors.length > 0) bad(`${path}.query`, errors[0]!.message);
      }
      const unit = (p.unit ?? '') as Unit;
      if (!UNITS.includes(unit)) bad(`${path}.unit`, `must be one of ${UNITS.map((u) => JSON.stringify(u)).join(', ')}`);
      let grid: PanelGrid = { x: 0, y: 0, w: 12, h: 8 };
      if (!isObject(p.grid)) bad(`${path}.grid`, 'must be an object {"x", "y", "w", "h"}');
      else {
        unknown(p.grid, GRID_KEYS, `${path}.grid`);
        const cols = DASHBOARD_LIMITS.columns;
        const x = int(p.grid.x, `${path}.grid.x`, 0, cols - 1);
        const w = int(p.grid.w, `${path}.grid.w`, 1, cols);
        if (x + w > cols) bad(`${path}.grid`, `x + w must be at most ${cols} (is ${x + w})`);
        grid = { x, y: int(p.grid.y, `${path}.grid.y`, 0, DASHBOARD_LIMITS.maxRow), w, h: int(p.grid.h, `${path}.grid.h`, 1, DASHBOARD_LIMITS.maxPanelHeight) };
      }
      panels.push({ id, title: ptitle, type, language: language === 'logql' ? 'logql' : 'promql', query, unit, grid });
    });
  }
  if (problems.length > 0) throw new DashboardValidationError(problems);
  return { title: title.trim(), description, tags, time, refresh, variables, panels };
}
