import { formatDurationMs, parseDurationMs } from './duration';

/** A time range as the user wrote it: relative (`now-1h`, `now`) or absolute (RFC 3339). */
export interface TimeRange {
  from: string;
  to: string;
}

/** A time range resolved against a clock, in epoch milliseconds. */
export interface ResolvedRange {
  startMs: number;
  endMs: number;
}

/** The quick choices of the time range picker. */
export const RELATIVE_PRESETS: ReadonlyArray<{ label: string; from: string }> = [
  { label: 'Last 5 minutes', from: 'now-5m' },
  { label: 'Last 15 minutes', from: 'now-15m' },
  { label: 'Last 1 hour', from: 'now-1h' },
  { label: 'Last 3 hours', from: 'now-3h' },
  { label: 'Last 6 hours', from: 'now-6h' },
  { label: 'Last 12 hours', from: 'now-12h' },
  { label: 'Last 24 hours', from: 'now-24h' },
  { label: 'Last 2 days', from: 'now-2d' },
  { label: 'Last 7 days', from: 'now-7d' },
  { label: 'Last 30 days', from: 'now-30d' },
];

/** The default range of every page. */
export const DEFAULT_RANGE: TimeRange = { from: 'now-1h', to: 'now' };

const RELATIVE_RE = /^now(?:([-+])(\d+(?:ms|s|m|h|d|w|y)(?:\d+(?:ms|s|m|h|d|w|y))*))?$/;

/**
 * Resolves one end of a range: `now`, `now-15m`, `now+1h`, an RFC 3339 time, or epoch
 * milliseconds. Returns undefined for anything else, so the picker can say what is wrong.
 *
 * @example resolveTime('now-1h', Date.UTC(2026, 0, 1)) // Date.UTC(2026, 0, 1) - 3_600_000
 */
export function resolveTime(text: string, nowMs: number): number | undefined {
  const t = text.trim();
  const rel = RELATIVE_RE.exec(t);
  if (rel) {
    if (!rel[1]) return nowMs;
    const ms = parseDurationMs(rel[2]!)!;
    return rel[1] === '-' ? nowMs - ms : nowMs + ms;
  }
  if (/^\d{10,}$/.test(t)) return Number(t);
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    const ms = Date.parse(t.includes('T') || t.length <= 10 ? t : t.replace(' ', 'T'));
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/**
 * Resolves a range; throws an Error naming the bad end when it does not parse or is empty.
 */
export function resolveRange(range: TimeRange, nowMs: number): ResolvedRange {
  const startMs = resolveTime(range.from, nowMs);
  const endMs = resolveTime(range.to, nowMs);
  if (startMs === undefined) throw new Error(`"${range.from}" is not a time: use now-1h, now, or 2026-01-31T12:00:00Z`);
  if (endMs === undefined) throw new Error(`"${range.to}" is not a time: use now, now-5m, or 2026-01-31T13:00:00Z`);
  if (endMs <= startMs) throw new Error('the range must end after it starts');
  return { startMs, endMs };
}

/** True when the range moves with the clock (its end is relative), so auto-refresh makes sense. */
export function isRelative(range: TimeRange): boolean {
  return range.to.trim().startsWith('now');
}

/** A short description of a range for buttons: the preset's label, or `from → to`. */
export function describeRange(range: TimeRange): string {
  if (range.to === 'now') {
    const preset = RELATIVE_PRESETS.find((p) => p.from === range.from);
    if (preset) return preset.label;
    const m = /^now-(.+)$/.exec(range.from);
    if (m) return `Last ${m[1]}`;
  }
  return `${range.from} → ${range.to}`;
}

/** Steps the automatic step snaps to, in milliseconds. */
const NICE_STEPS_MS = [
  1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000,
  7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
];

/**
 * The step for a range query: the range divided into at most `maxPoints` points, rounded up to a
 * nice value (15s, 1m, 5m...), never below `minStepMs`. Prometheus refuses more than 11,000 points
 * a series, which `maxPoints` (default 1,000, about one per pixel) stays well under.
 *
 * @example autoStepMs({ startMs: 0, endMs: 3_600_000 }) // 15_000 (240 points)
 */
export function autoStepMs(range: ResolvedRange, maxPoints = 1000, minStepMs = 1000): number {
  const raw = Math.max(minStepMs, (range.endMs - range.startMs) / maxPoints);
  return NICE_STEPS_MS.find((s) => s >= raw) ?? Math.ceil(raw / 86_400_000) * 86_400_000;
}

/**
 * The step to use: the user's (a duration such as `30s`, or seconds) when valid, else
 * {@link autoStepMs}. A user step that would exceed 11,000 points is raised to fit.
 */
export function effectiveStepMs(range: ResolvedRange, userStep: string | undefined): number {
  const text = userStep?.trim() ?? '';
  const parsed = text === '' ? undefined : (parseDurationMs(text) ?? (Number(text) > 0 ? Number(text) * 1000 : undefined));
  if (parsed === undefined) return autoStepMs(range);
  return Math.max(parsed, Math.ceil((range.endMs - range.startMs) / 11_000));
}

/**
 * Values of the interval macros for a query over `range` with `stepMs`: `$__interval` is the
 * step, `$__rate_interval` at least four scrapes of 15 s (so `rate()` always sees two samples),
 * `$__range` the whole range.
 */
export function intervalMacros(range: ResolvedRange, stepMs: number): Record<string, string> {
  const rate = Math.max(stepMs + 15_000, 60_000);
  return {
    __interval: formatDurationMs(stepMs),
    __interval_ms: String(stepMs),
    __rate_interval: formatDurationMs(rate),
    __range: formatDurationMs(range.endMs - range.startMs),
    __range_s: String(Math.round((range.endMs - range.startMs) / 1000)),
  };
}
