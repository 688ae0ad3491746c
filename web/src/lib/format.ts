/** Units a panel can format values in (the same list the server validates). */
export type Unit = '' | 'short' | 'percent' | 'percentunit' | 'bytes' | 'bytes/s' | 'bits/s' | 'seconds' | 'ms' | 'reqps';

export const UNIT_LABELS: Record<Unit, string> = {
  '': 'None',
  short: 'Short (k, M, G)',
  percent: 'Percent (0–100)',
  percentunit: 'Percent (0.0–1.0)',
  bytes: 'Bytes (IEC)',
  'bytes/s': 'Bytes/s',
  'bits/s': 'Bits/s',
  seconds: 'Seconds',
  ms: 'Milliseconds',
  reqps: 'Requests/s',
};

function trim(n: number, digits: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const d = abs >= 100 ? Math.max(0, digits - 2) : abs >= 10 ? Math.max(0, digits - 1) : digits;
  return Number(n.toFixed(d)).toString();
}

function scaled(v: number, base: number, suffixes: string[], digits: number): string {
  let i = 0;
  let x = v;
  while (Math.abs(x) >= base && i < suffixes.length - 1) {
    x /= base;
    i++;
  }
  return `${trim(x, digits)}${suffixes[i]}`;
}

function duration(seconds: number): string {
  const abs = Math.abs(seconds);
  if (abs === 0) return '0s';
  if (abs < 1e-3) return `${trim(seconds * 1e6, 2)}µs`;
  if (abs < 1) return `${trim(seconds * 1e3, 2)}ms`;
  if (abs < 60) return `${trim(seconds, 2)}s`;
  if (abs < 3600) return `${trim(seconds / 60, 1)}min`;
  if (abs < 86_400) return `${trim(seconds / 3600, 1)}h`;
  return `${trim(seconds / 86_400, 1)}d`;
}

/**
 * Formats a value for axes, legends, tooltips and stat panels.
 *
 * @example formatValue(0.253, 'percentunit') // '25.3%'
 * @example formatValue(1536, 'bytes') // '1.5 KiB'
 */
export function formatValue(v: number | null | undefined, unit: Unit = '', digits = 3): string {
  if (v === null || v === undefined) return '–';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  switch (unit) {
    case '':
      return Math.abs(v) >= 1e15 || (Math.abs(v) < 1e-4 && v !== 0) ? v.toExponential(2) : trim(v, digits);
    case 'short':
      return scaled(v, 1000, ['', 'k', 'M', 'G', 'T', 'P'], digits - 1);
    case 'percent':
      return `${trim(v, digits - 2)}%`;
    case 'percentunit':
      return `${trim(v * 100, digits - 2)}%`;
    case 'bytes':
      return scaled(v, 1024, [' B', ' KiB', ' MiB', ' GiB', ' TiB', ' PiB'], digits - 1);
    case 'bytes/s':
      return scaled(v, 1024, [' B/s', ' KiB/s', ' MiB/s', ' GiB/s', ' TiB/s'], digits - 1);
    case 'bits/s':
      return scaled(v, 1000, [' b/s', ' kb/s', ' Mb/s', ' Gb/s', ' Tb/s'], digits - 1);
    case 'seconds':
      return duration(v);
    case 'ms':
      return duration(v / 1000);
    case 'reqps':
      return `${scaled(v, 1000, ['', 'k', 'M', 'G'], digits - 1)} req/s`;
  }
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** A local date and time, `2026-01-31 13:05:09` (with `.123` milliseconds when asked). */
export function formatTime(ms: number, withMs = false): string {
  const d = new Date(ms);
  const base = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withMs ? `${base}.${pad(d.getMilliseconds(), 3)}` : base;
}

/** "5 s ago", "3 min ago", "2 h ago", "4 d ago". */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}
