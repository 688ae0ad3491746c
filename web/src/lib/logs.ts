import type { MatrixSeries } from './series';
import { sampleValue } from './series';

/** A stream of a Loki `streams` result: labels, and `[nanosecond string, line]` entries. */
export interface LokiStream {
  stream: Record<string, string>;
  values: Array<[string, string]>;
}

/** Log levels the UI colours; anything else is `unknown`. */
export type LogLevel = 'critical' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'unknown';
export const LOG_LEVELS: readonly LogLevel[] = ['critical', 'error', 'warn', 'info', 'debug', 'trace', 'unknown'];

/** One log line as the logs view shows it. */
export interface LogRow {
  /** Unique within a result: timestamp, stream and position. */
  key: string;
  /** Nanoseconds since the epoch, as Loki sends them (exact). */
  tsNs: string;
  tsMs: number;
  line: string;
  labels: Record<string, string>;
  level: LogLevel;
}

const LEVEL_ALIASES: Record<string, LogLevel> = {
  emerg: 'critical',
  emergency: 'critical',
  alert: 'critical',
  crit: 'critical',
  critical: 'critical',
  fatal: 'critical',
  panic: 'critical',
  err: 'error',
  error: 'error',
  eror: 'error',
  warn: 'warn',
  warning: 'warn',
  notice: 'info',
  info: 'info',
  information: 'info',
  informational: 'info',
  debug: 'debug',
  dbug: 'debug',
  trace: 'trace',
};

/** The level a level name stands for (`WARNING` → `warn`), or `unknown`. */
export function normalizeLevel(name: string | undefined): LogLevel {
  if (!name) return 'unknown';
  return LEVEL_ALIASES[name.trim().toLowerCase()] ?? 'unknown';
}

const LINE_LEVEL_RE = /(?:^|[\s"'{,])(?:level|lvl|severity)["']?\s*[:=]\s*["']?([A-Za-z]+)/i;
const WORD_LEVEL_RE = /\b(FATAL|PANIC|CRITICAL|CRIT|ERROR|ERR|WARNING|WARN|INFO|DEBUG|TRACE)\b/;

/**
 * A line's level: from its `level` (or `severity`, `detected_level`, `lvl`) label, else from a
 * `level=`/`"level":` field in the line, else from an upper-case level word (`ERROR`).
 */
export function detectLevel(labels: Record<string, string>, line: string): LogLevel {
  for (const name of ['level', 'detected_level', 'severity', 'severity_text', 'lvl']) {
    const l = normalizeLevel(labels[name]);
    if (l !== 'unknown') return l;
  }
  const field = LINE_LEVEL_RE.exec(line);
  if (field) {
    const l = normalizeLevel(field[1]);
    if (l !== 'unknown') return l;
  }
  const word = WORD_LEVEL_RE.exec(line);
  return word ? normalizeLevel(word[1]) : 'unknown';
}

/** Milliseconds of a nanosecond timestamp string (exact enough for display). */
export function nsToMs(ns: string): number {
  return ns.length > 6 ? Number(ns.slice(0, -6)) + Number(`0.${ns.slice(-6)}`) : Number(ns) / 1e6;
}

/** Compares two nanosecond timestamp strings numerically. */
export function compareNs(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Flattens a `streams` result into rows, newest first (`backward`, the default) or oldest first.
 */
export function streamsToRows(streams: readonly LokiStream[], direction: 'backward' | 'forward' = 'backward'): LogRow[] {
  const rows: LogRow[] = [];
  streams.forEach((s, si) => {
    s.values.forEach(([ts, line], vi) => {
      rows.push({ key: `${ts}:${si}:${vi}`, tsNs: ts, tsMs: nsToMs(ts), line, labels: s.stream, level: detectLevel(s.stream, line) });
    });
  });
  rows.sort((a, b) => (direction === 'backward' ? compareNs(b.tsNs, a.tsNs) : compareNs(a.tsNs, b.tsNs)));
  return rows;
}

const LOGFMT_RE = /([A-Za-z_][A-Za-z0-9_.\-/]*)=(?:"((?:[^"\\]|\\.)*)"|([^\s"]*))/g;

/**
 * The fields of a line for the detail view: a JSON object's properties (nested ones as
 * `a.b`), else its logfmt `key=value` pairs; empty when the line is neither. At most `limit`.
 */
export function parseFields(line: string, limit = 50): Array<[string, string]> {
  const t = line.trim();
  if (t.startsWith('{')) {
    try {
      const obj = JSON.parse(t) as unknown;
      if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
        const out: Array<[string, string]> = [];
        const walk = (o: Record<string, unknown>, prefix: string) => {
          for (const [k, v] of Object.entries(o)) {
            if (out.length >= limit) return;
            const name = prefix ? `${prefix}.${k}` : k;
            if (v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, name);
            else out.push([name, typeof v === 'string' ? v : JSON.stringify(v)]);
          }
        };
        walk(obj as Record<string, unknown>, '');
        return out;
      }
    } catch {
      // Not JSON after all: try logfmt.
    }
  }
  const out: Array<[string, string]> = [];
  for (const m of t.matchAll(LOGFMT_RE)) {
    if (out.length >= limit) break;
    out.push([m[1]!, m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '')]);
  }
  return out;
}

/**
 * The LogQL metric query behind the volume histogram: lines per `step` by level. Lines without a
 * `level` label land in the series without one (shown as `unknown`).
 *
 * @example volumeQuery('{app="web"} |= "x"', '1m') // 'sum by (level) (count_over_time({app="web"} |= "x" [1m]))'
 */
export function volumeQuery(logQuery: string, step: string): string {
  return `sum by (level) (count_over_time(${logQuery.trim()} [${step}]))`;
}

/** Histogram bars stacked by level: `ys[k][i]` is the top of level `levels[k]` at `xs[i]`. */
export interface StackedVolume {
  xs: number[];
  levels: LogLevel[];
  /** Count of each level at each x (not stacked). */
  counts: number[][];
  /** Cumulative tops, bottom level first, for drawing stacked bars. */
  stacked: number[][];
  total: number;
}

/**
 * Turns the volume query's matrix into stacked bars on the grid `startS..endS` by `stepS`,
 * levels ordered most severe at the bottom. Levels with the same normal name (`WARN`, `warning`)
 * are merged.
 */
export function stackVolume(series: readonly MatrixSeries[], grid: { startS: number; endS: number; stepS: number }): StackedVolume {
  const count = Math.max(1, Math.floor((grid.endS - grid.startS) / grid.stepS) + 1);
  const xs = Array.from({ length: count }, (_, i) => grid.startS + i * grid.stepS);
  const byLevel = new Map<LogLevel, number[]>();
  let total = 0;
  for (const s of series) {
    const level = normalizeLevel(s.metric.level);
    let col = byLevel.get(level);
    if (!col) {
      col = new Array<number>(count).fill(0);
      byLevel.set(level, col);
    }
    for (const [t, v] of s.values) {
      // A count_over_time sample at t covers (t - step, t]: draw it in the bar that ends at t.
      const i = Math.round((t - grid.startS) / grid.stepS);
      const n = sampleValue(v) ?? 0;
      if (i >= 0 && i < count) {
        col[i] = col[i]! + n;
        total += n;
      }
    }
  }
  const levels = LOG_LEVELS.filter((l) => byLevel.has(l));
  const counts = levels.map((l) => byLevel.get(l)!);
  const stacked: number[][] = [];
  const running = new Array<number>(count).fill(0);
  for (const c of counts) {
    for (let i = 0; i < count; i++) running[i] = running[i]! + c[i]!;
    stacked.push([...running]);
  }
  return { xs, levels, counts, stacked, total };
}

/**
 * The stream selector of a log query (`{app="web"}` of `{app="web"} |= "x" | json`), or
 * undefined when the query does not start with one.
 */
export function streamSelectorOf(query: string): string | undefined {
  const t = query.trim();
  if (!t.startsWith('{')) return undefined;
  let inString: string | undefined;
  for (let i = 1; i < t.length; i++) {
    const c = t[i]!;
    if (inString) {
      if (c === '\\' && inString !== '`') i++;
      else if (c === inString) inString = undefined;
    } else if (c === '"' || c === '`' || c === "'") inString = c;
    else if (c === '}') return t.slice(0, i + 1);
  }
  return undefined;
}

/** A stream selector that matches exactly the label set `labels`. */
export function exactSelector(labels: Record<string, string>): string {
  return `{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(', ')}}`;
}

/**
 * Of the streams a selector matches, the one a row came from: the largest label set that the
 * row's labels contain (the row may carry extra labels extracted by parsers).
 */
export function streamOfRow(rowLabels: Record<string, string>, streams: ReadonlyArray<Record<string, string>>): Record<string, string> | undefined {
  let best: Record<string, string> | undefined;
  for (const s of streams) {
    const keys = Object.keys(s);
    if (keys.every((k) => rowLabels[k] === s[k]) && (!best || keys.length > Object.keys(best).length)) best = s;
  }
  return best;
}

/** The parser stage that extracts a line's fields (what {@link parseFields} read them as). */
export function fieldParserOf(line: string): 'json' | 'logfmt' {
  return line.trim().startsWith('{') ? 'json' : 'logfmt';
}

/**
 * `query` narrowed to lines whose label `name` equals `value`: a label filter stage appended, the
 * value quoted as a LogQL string. For a field of the line, `parser` (`json`, `logfmt`) is added
 * first unless the query already has it, so the field exists as a label.
 *
 * @example withLabelFilter('{app="a"} | json', 'status', '500') // '{app="a"} | json | status="500"'
 * @example withLabelFilter('{app="a"}', 'status', '500', 'logfmt') // '{app="a"} | logfmt | status="500"'
 */
export function withLabelFilter(query: string, name: string, value: string, parser?: 'json' | 'logfmt'): string {
  let q = query.trim();
  if (parser && !new RegExp(`\\|\\s*${parser}\\b`).test(q)) q = `${q} | ${parser}`;
  return `${q} | ${name}=${JSON.stringify(value)}`;
}
