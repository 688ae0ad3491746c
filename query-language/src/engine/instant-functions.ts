/**
 * Element-wise functions of instant vectors, by name: `(value, params) → value`, where `params`
 * are the call's scalar arguments at that step. Returning undefined drops the sample.
 */
export type ElementFunction = (v: number, params: number[]) => number | undefined;

const simple =
  (fn: (v: number) => number): ElementFunction =>
  (v) =>
    fn(v);

/** Go's math.Max: +Inf wins over everything (NaN included), then NaN wins over numbers. */
function goMax(a: number, b: number): number {
  if (a === Number.POSITIVE_INFINITY || b === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  return Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b);
}
/** Go's math.Min: -Inf wins over everything (NaN included), then NaN wins over numbers. */
function goMin(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY || b === Number.NEGATIVE_INFINITY) return Number.NEGATIVE_INFINITY;
  return Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.min(a, b);
}

/** Math and trigonometric functions of instant vectors. */
export const ELEMENT_FUNCTIONS: Readonly<Record<string, ElementFunction>> = {
  abs: simple(Math.abs),
  ceil: simple(Math.ceil),
  floor: simple(Math.floor),
  exp: simple(Math.exp),
  sqrt: simple(Math.sqrt),
  ln: simple(Math.log),
  log2: simple(Math.log2),
  log10: simple(Math.log10),
  sgn: simple((v) => (Number.isNaN(v) ? v : v > 0 ? 1 : v < 0 ? -1 : v)),
  sin: simple(Math.sin),
  cos: simple(Math.cos),
  tan: simple(Math.tan),
  asin: simple(Math.asin),
  acos: simple(Math.acos),
  atan: simple(Math.atan),
  sinh: simple(Math.sinh),
  cosh: simple(Math.cosh),
  tanh: simple(Math.tanh),
  asinh: simple(Math.asinh),
  acosh: simple(Math.acosh),
  atanh: simple(Math.atanh),
  deg: simple((v) => (v * 180) / Math.PI),
  rad: simple((v) => (v * Math.PI) / 180),
  round: (v, [toNearest = 1]) => {
    // Prometheus rounds half up: floor(v / n + 0.5) * n, computed with the inverse as Go does.
    const inverse = 1 / toNearest;
    return Math.floor(v * inverse + 0.5) / inverse;
  },
  clamp: (v, [min = Number.NaN, max = Number.NaN]) => (max < min ? undefined : goMax(min, goMin(max, v))),
  clamp_min: (v, [min = Number.NaN]) => goMax(min, v),
  clamp_max: (v, [max = Number.NaN]) => goMin(max, v),
};

/**
 * The date parts of Go's `time.Unix(math.MinInt64, 0).UTC()` (292277026596-12-04 15:30:08, a
 * Sunday, after Go's internal seconds wrap around). Prometheus converts a time function's argument
 * with `int64(v)`, which on amd64 yields math.MinInt64 for NaN, ±Inf and anything beyond ±2^63, so
 * `year(vector(NaN))` is 292277026596 there. Vigil answers the same (computed once with BigInt:
 * uint64 seconds since Go's absolute zero year -292277022399, proleptic Gregorian calendar).
 */
export const MIN_INT64_TIME_PARTS: Readonly<Record<string, number>> = {
  day_of_month: 4,
  day_of_week: 0,
  day_of_year: 339,
  days_in_month: 31,
  hour: 15,
  minute: 30,
  month: 12,
  year: 292277026596,
};

/** Date parts of a Unix time in seconds (UTC), for the time functions. */
export const TIME_FUNCTIONS: Readonly<Record<string, (d: Date) => number>> = {
  day_of_month: (d) => d.getUTCDate(),
  day_of_week: (d) => d.getUTCDay(),
  day_of_year: (d) => {
    const start = Date.UTC(d.getUTCFullYear(), 0, 1);
    return Math.floor((d.getTime() - start) / 86_400_000) + 1;
  },
  days_in_month: (d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate(),
  hour: (d) => d.getUTCHours(),
  minute: (d) => d.getUTCMinutes(),
  month: (d) => d.getUTCMonth() + 1,
  year: (d) => d.getUTCFullYear(),
};

/** Binary arithmetic with Go's float semantics (`math.Pow`, `math.Mod`, `math.Atan2`). */
export function arithmetic(op: string, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
    case '^':
      return goPow(a, b);
    case 'atan2':
      return Math.atan2(a, b);
    default:
      throw new Error(`not an arithmetic operator: ${op}`);
  }
}

/** `math.Pow` differs from `**` in two places: 1^y is 1 for every y, and (-1)^±Inf is 1. */
function goPow(a: number, b: number): number {
  if (b === 0 || a === 1) return 1;
  if (a === -1 && !Number.isFinite(b) && !Number.isNaN(b)) return 1;
  return a ** b;
}

/** Comparison with float semantics (NaN compares false except `!=`). */
export function compare(op: string, a: number, b: number): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    default:
      throw new Error(`not a comparison operator: ${op}`);
  }
}
