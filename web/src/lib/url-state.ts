import type { QueryLanguage } from './query-tokenizer';
import { DEFAULT_RANGE, type TimeRange } from './time-range';

/** Everything the Explore page shows, kept in its URL so that it can be shared. */
export interface ExploreState {
  lang: QueryLanguage;
  query: string;
  range: TimeRange;
  /** The user's step (`30s`), or '' for automatic. */
  step: string;
  view: 'graph' | 'table';
}

/** Everything the Logs page shows. */
export interface LogsState {
  query: string;
  range: TimeRange;
  limit: number;
}

const str = (p: URLSearchParams, name: string, fallback: string) => p.get(name) ?? fallback;

/** Reads Explore's state from a URL's query string; missing parts take defaults. */
export function readExploreState(search: string): ExploreState {
  const p = new URLSearchParams(search);
  return {
    lang: p.get('lang') === 'logql' ? 'logql' : 'promql',
    query: str(p, 'q', ''),
    range: { from: str(p, 'from', DEFAULT_RANGE.from), to: str(p, 'to', DEFAULT_RANGE.to) },
    step: str(p, 'step', ''),
    view: p.get('view') === 'table' ? 'table' : 'graph',
  };
}

/** Writes Explore's state as a query string (defaults left out, so URLs stay short). */
export function writeExploreState(s: ExploreState): string {
  const p = new URLSearchParams();
  if (s.lang !== 'promql') p.set('lang', s.lang);
  if (s.query) p.set('q', s.query);
  if (s.range.from !== DEFAULT_RANGE.from) p.set('from', s.range.from);
  if (s.range.to !== DEFAULT_RANGE.to) p.set('to', s.range.to);
  if (s.step) p.set('step', s.step);
  if (s.view !== 'graph') p.set('view', s.view);
  const q = p.toString();
  return q ? `?${q}` : '';
}

/** Reads the Logs page's state. */
export function readLogsState(search: string): LogsState {
  const p = new URLSearchParams(search);
  const limit = Number(p.get('limit'));
  return {
    query: str(p, 'q', ''),
    range: { from: str(p, 'from', DEFAULT_RANGE.from), to: str(p, 'to', DEFAULT_RANGE.to) },
    limit: Number.isInteger(limit) && limit > 0 && limit <= 5000 ? limit : 500,
  };
}

/** Writes the Logs page's state. */
export function writeLogsState(s: LogsState): string {
  const p = new URLSearchParams();
  if (s.query) p.set('q', s.query);
  if (s.range.from !== DEFAULT_RANGE.from) p.set('from', s.range.from);
  if (s.range.to !== DEFAULT_RANGE.to) p.set('to', s.range.to);
  if (s.limit !== 500) p.set('limit', String(s.limit));
  const q = p.toString();
  return q ? `?${q}` : '';
}

/** Reads a dashboard page's time range and variable values (`var-host=a&var-host=b`). */
export function readDashboardParams(search: string): { range: TimeRange | undefined; values: Record<string, string[]>; refresh: string | undefined } {
  const p = new URLSearchParams(search);
  const values: Record<string, string[]> = {};
  for (const [k, v] of p) {
    if (!k.startsWith('var-')) continue;
    values[k.slice(4)] ??= [];
    values[k.slice(4)]!.push(v);
  }
  const from = p.get('from');
  const to = p.get('to');
  return { range: from && to ? { from, to } : undefined, values, refresh: p.get('refresh') ?? undefined };
}

/** Writes a dashboard page's time range and variable values. */
export function writeDashboardParams(range: TimeRange, values: Readonly<Record<string, readonly string[]>>, refresh?: string): string {
  const p = new URLSearchParams();
  p.set('from', range.from);
  p.set('to', range.to);
  for (const [name, vs] of Object.entries(values)) for (const v of vs) p.append(`var-${name}`, v);
  if (refresh !== undefined) p.set('refresh', refresh);
  return `?${p.toString()}`;
}
