/**
 * A small cron parser and a time-zone-aware "next run" search, for scheduled scaling actions.
 *
 * Fields: `minute hour day-of-month month day-of-week`, or six with `second` first (node-cron).
 * Each field takes `*`, numbers, ranges `a-b`, steps `*∕n`, `a-b/n`, `a/n`, and comma lists; months
 * and weekdays also take three-letter English names (`JAN`, `mon`); weekday 0 and 7 are Sunday;
 * `?` means `*` in the day fields (AWS style). As in Vixie cron, when both day fields are
 * restricted a day matches if either does.
 *
 * Times are read on the wall clock of an IANA time zone through `Intl.DateTimeFormat`, so daylight
 * saving time is handled by the platform's tz database. Two choices where DST makes cron ambiguous:
 * 1. A wall time skipped by a spring-forward transition (02:30 in most of Europe and the US on that
 *    day) does not run that day.
 * 2. A wall time that happens twice at a fall-back transition runs once, at its first occurrence.
 */
import { AlertingError } from '../errors.js';

/** A parsed cron expression: the allowed values of each field. */
export interface CronSchedule {
  /** The expression as given. */
  source: string;
  /** Allowed seconds, ascending; `[0]` for five-field expressions. */
  seconds: readonly number[];
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  /** 1–12. */
  months: ReadonlySet<number>;
  /** 0 (Sunday) – 6. */
  daysOfWeek: ReadonlySet<number>;
  /** Whether the day-of-month field is `*` (or `?`), for the Vixie "either day field" rule. */
  anyDayOfMonth: boolean;
  anyDayOfWeek: boolean;
}

/** A wall-clock reading in some time zone. `weekday` is 0 (Sunday) – 6. */
export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

/** How far ahead {@link nextCronRun} looks before deciding an expression never fires. */
export const CRON_HORIZON_MS = 5 * 366 * 86_400_000;

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MAX_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Offset added to a name's index (months are 1-based). */
  nameBase?: number;
}
const SECOND: FieldSpec = { name: 'second', min: 0, max: 59 };
const MINUTE: FieldSpec = { name: 'minute', min: 0, max: 59 };
const HOUR: FieldSpec = { name: 'hour', min: 0, max: 23 };
const DOM: FieldSpec = { name: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldSpec = { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 };
const DOW: FieldSpec = { name: 'day-of-week', min: 0, max: 7, names: WEEKDAYS, nameBase: 0 };

/**
 * Parses a five- or six-field cron expression.
 *
 * @example
 * parseCron('0 8 * * MON-FRI').hours; // Set {8}
 * @throws AlertingError bad_data naming the field and the offending text.
 */
export function parseCron(expr: string): CronSchedule {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw new AlertingError('bad_data', `cron ${JSON.stringify(expr)} must have 5 fields (minute hour day-of-month month day-of-week) or 6 (second first)`);
  }
  const six = fields.length === 6;
  const [sec, min, hour, dom, month, dow] = six ? fields : ['0', ...fields];
  const anyDay = (f: string) => f === '*' || f === '?';
  const daysOfWeek = new Set([...parseField(dow!, DOW, expr)].map((d) => d % 7));
  const schedule: CronSchedule = {
    source: expr,
    seconds: [...parseField(sec!, SECOND, expr)].sort((a, b) => a - b),
    minutes: parseField(min!, MINUTE, expr),
    hours: parseField(hour!, HOUR, expr),
    daysOfMonth: parseField(dom!, DOM, expr, true),
    months: parseField(month!, MONTH, expr),
    daysOfWeek,
    anyDayOfMonth: anyDay(dom!),
    anyDayOfWeek: anyDay(dow!),
  };
  if (!schedule.anyDayOfMonth && schedule.anyDayOfWeek) {
    const possible = [...schedule.months].some((m) => [...schedule.daysOfMonth].some((d) => d <= MAX_DAYS[m - 1]!));
    if (!possible) throw new AlertingError('bad_data', `cron ${JSON.stringify(expr)} names a day that no chosen month has`);
  }
  return schedule;
}

function parseField(text: string, spec: FieldSpec, expr: string, dayField = false): Set<number> {
  const bad = (why: string) => new AlertingError('bad_data', `cron ${JSON.stringify(expr)}: ${spec.name} field ${JSON.stringify(text)} ${why}`);
  const out = new Set<number>();
  const value = (s: string): number => {
    const idx = spec.names?.indexOf(s.toUpperCase()) ?? -1;
    if (idx >= 0) return idx + (spec.nameBase ?? 0);
    if (!/^\d+$/.test(s)) throw bad(`has ${JSON.stringify(s)}, not a number${spec.names ? ' or name' : ''}`);
    const n = Number(s);
    if (n < spec.min || n > spec.max) throw bad(`has ${n}, outside ${spec.min}-${spec.max}`);
    return n;
  };
  for (const item of text.split(',')) {
    if (item === '') throw bad('has an empty list item');
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined) throw bad('has more than one /');
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw bad(`has step ${JSON.stringify(stepText)}, not a positive integer`);
      step = Number(stepText);
    }
    let lo: number;
    let hi: number;
    if (range === '*' || (range === '?' && (dayField || spec === DOW))) {
      lo = spec.min;
      hi = spec === DOW ? 6 : spec.max;
    } else if (range!.includes('-')) {
      const [a, b, more] = range!.split('-');
      if (more !== undefined || a === undefined || b === undefined) throw bad(`has a malformed range ${JSON.stringify(range)}`);
      lo = value(a);
      hi = value(b);
      if (lo > hi) throw bad(`has a range ${JSON.stringify(range)} that runs backwards`);
    } else {
      lo = value(range!);
      hi = stepText !== undefined ? (spec === DOW ? 6 : spec.max) : lo;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** Tells whether `tz` is a time zone `Intl` knows (IANA names such as `Europe/Paris`, or `UTC`). */
export function isValidTimeZone(tz: string): boolean {
  if (tz === '') return false;
  try {
    formatterFor(tz);
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(tz, f);
  }
  return f;
}

/**
 * The wall-clock reading of `ms` (epoch ms) in time zone `tz`.
 *
 * @example
 * localTime(Date.UTC(2026, 0, 1, 12), 'Asia/Tokyo').hour; // 21
 */
export function localTime(ms: number, tz: string): LocalTime {
  const t: LocalTime = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, weekday: 0 };
  for (const p of formatterFor(tz).formatToParts(ms)) {
    switch (p.type) {
      case 'year':
      case 'month':
      case 'day':
      case 'minute':
      case 'second':
        t[p.type] = Number(p.value);
        break;
      case 'hour':
        t.hour = Number(p.value) % 24;
        break;
      case 'weekday':
        t.weekday = WEEKDAYS.indexOf(p.value.toUpperCase());
        break;
    }
  }
  return t;
}

/** Whether the day fields and month allow the local date `t`. */
export function cronMatchesDate(s: CronSchedule, t: LocalTime): boolean {
  if (!s.months.has(t.month)) return false;
  const dom = s.daysOfMonth.has(t.day);
  const dow = s.daysOfWeek.has(t.weekday);
  if (s.anyDayOfMonth && s.anyDayOfWeek) return true;
  if (s.anyDayOfMonth) return dow;
  if (s.anyDayOfWeek) return dom;
  return dom || dow;
}

/**
 * The first instant strictly after `afterMs` (epoch ms) at which `schedule` fires on the wall clock
 * of `timezone`, or undefined if it does not fire within {@link CRON_HORIZON_MS}.
 *
 * @example
 * nextCronRun(parseCron('0 8 * * *'), 'Europe/Paris', Date.UTC(2026, 5, 1)); // Date.UTC(2026, 5, 1, 6)
 */
export function nextCronRun(schedule: CronSchedule, timezone: string, afterMs: number): number | undefined {
  const MIN = 60_000;
  const minutes = [...schedule.minutes].sort((a, b) => a - b);
  let m = Math.floor(afterMs / MIN) * MIN;
  const end = afterMs + CRON_HORIZON_MS;
  while (m <= end) {
    const t = localTime(m, timezone);
    if (!cronMatchesDate(schedule, t)) {
      // Jump most of the way to the next local midnight, leaving three hours of slack for a
      // shorter-than-usual day (DST), then go hour by hour.
      const rest = 1440 - (t.hour * 60 + t.minute);
      m += Math.max(60 - t.minute, rest - 180) * MIN;
      continue;
    }
    if (!schedule.hours.has(t.hour)) {
      m += (60 - t.minute) * MIN;
      continue;
    }
    if (!schedule.minutes.has(t.minute)) {
      const next = minutes.find((x) => x > t.minute);
      m += (next === undefined ? 60 - t.minute : next - t.minute) * MIN;
      continue;
    }
    for (const s of schedule.seconds) {
      const candidate = m + s * 1000;
      if (candidate > afterMs && !isRepeatedWallTime(candidate, timezone)) return candidate;
    }
    m += MIN;
  }
  return undefined;
}

/** True when the wall time of `ms` already happened earlier (a fall-back transition repeats it). */
function isRepeatedWallTime(ms: number, tz: string): boolean {
  const key = (x: number) => {
    const t = localTime(x, tz);
    return `${t.year}-${t.month}-${t.day} ${t.hour}:${t.minute}:${t.second}`;
  };
  const k = key(ms);
  return [30, 60, 120].some((back) => key(ms - back * 60_000) === k);
}
