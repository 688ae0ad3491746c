/** Milliseconds per duration unit, as PromQL and LogQL spell them. */
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

const DURATION_RE = /^(?:(\d+)(ms|s|m|h|d|w|y))+$/;
const PART_RE = /(\d+)(ms|s|m|h|d|w|y)/g;

/**
 * Parses a Prometheus duration (`90s`, `1h30m`, `500ms`) into milliseconds; undefined when the
 * text is not one. Plain numbers are not durations here (callers decide what they mean).
 *
 * @example parseDurationMs('1h30m') // 5_400_000
 */
export function parseDurationMs(text: string): number | undefined {
  const t = text.trim();
  if (!DURATION_RE.test(t)) return undefined;
  let total = 0;
  for (const m of t.matchAll(PART_RE)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return total;
}

/**
 * Formats milliseconds as the shortest Prometheus duration (`1h30m`, `15s`, `250ms`).
 *
 * @example formatDurationMs(5_400_000) // '1h30m'
 */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const unit of ['y', 'w', 'd', 'h', 'm', 's', 'ms']) {
    const size = UNIT_MS[unit]!;
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}
