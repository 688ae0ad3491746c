import type { ValueType } from './ast/ast.js';

/** What a function works on; the web autocompleter groups functions by it. */
export type FunctionKind =
  | 'range'
  | 'math'
  | 'trigonometric'
  | 'time'
  | 'label'
  | 'histogram'
  | 'sort'
  | 'conversion'
  | 'absence';

/**
 * The signature and traits of one PromQL function. `argTypes` lists the parameter types; with
 * `variadic` 0 the call takes exactly that many arguments; with `variadic` n > 0 the last
 * parameter is optional and may repeat up to n times (so `argTypes.length - 1` to
 * `argTypes.length - 1 + n` arguments); with -1 the last parameter repeats without limit.
 */
export interface FunctionSignature {
  name: string;
  argTypes: readonly ValueType[];
  variadic: number;
  returnType: ValueType;
  kind: FunctionKind;
  /** True when the result keeps the input's `__name__` label (Prometheus drops it for most). */
  keepsMetricName: boolean;
  /** True when Prometheus needs `--enable-feature=promql-experimental-functions` for it. */
  experimental: boolean;
  /** True for native-histogram functions, which Vigil parses but evaluates as empty (no native histograms). */
  nativeHistogramOnly: boolean;
  /** One line for documentation and autocompletion. */
  doc: string;
}

type Spec = Partial<FunctionSignature> & Pick<FunctionSignature, 'argTypes' | 'returnType' | 'kind' | 'doc'>;

function define(specs: Record<string, Spec>): ReadonlyMap<string, FunctionSignature> {
  const table = new Map<string, FunctionSignature>();
  for (const [name, spec] of Object.entries(specs)) {
    table.set(name, {
      name,
      variadic: 0,
      keepsMetricName: false,
      experimental: false,
      nativeHistogramOnly: false,
      ...spec,
    });
  }
  return table;
}

const V: ValueType = 'vector';
const M: ValueType = 'matrix';
const S: ValueType = 'scalar';
const STR: ValueType = 'string';

const instant = (doc: string, kind: FunctionKind = 'math'): Spec => ({ argTypes: [V], returnType: V, kind, doc });
const overTime = (doc: string, extra: Partial<Spec> = {}): Spec => ({
  argTypes: [M],
  returnType: V,
  kind: 'range',
  doc,
  ...extra,
});
const timeOf = (doc: string): Spec => ({ argTypes: [V], variadic: 1, returnType: V, kind: 'time', doc });
const trig = (doc: string): Spec => instant(doc, 'trigonometric');

/**
 * Every PromQL function Vigil knows, keyed by name: the one table the checker, the engine and the
 * web autocompleter read. Adding a function means adding a row here and an implementation in the
 * engine's table for its kind.
 */
export const FUNCTIONS: ReadonlyMap<string, FunctionSignature> = define({
  abs: instant('Absolute value of every sample.'),
  absent: { argTypes: [V], returnType: V, kind: 'absence', doc: 'A 1-valued series when the vector is empty.' },
  absent_over_time: {
    argTypes: [M],
    returnType: V,
    kind: 'absence',
    doc: 'A 1-valued series when the range has no samples.',
  },
  acos: trig('Arccosine.'),
  acosh: trig('Inverse hyperbolic cosine.'),
  asin: trig('Arcsine.'),
  asinh: trig('Inverse hyperbolic sine.'),
  atan: trig('Arctangent.'),
  atanh: trig('Inverse hyperbolic tangent.'),
  avg_over_time: overTime('Average of the samples in the range.'),
  ceil: instant('Rounds up to the nearest integer.'),
  changes: overTime('Number of times the value changed in the range.'),
  clamp: { argTypes: [V, S, S], returnType: V, kind: 'math', doc: 'Clamps samples to [min, max].' },
  clamp_max: { argTypes: [V, S], returnType: V, kind: 'math', doc: 'Clamps samples to at most max.' },
  clamp_min: { argTypes: [V, S], returnType: V, kind: 'math', doc: 'Clamps samples to at least min.' },
  cos: trig('Cosine.'),
  cosh: trig('Hyperbolic cosine.'),
  count_over_time: overTime('Number of samples in the range.'),
  day_of_month: timeOf('Day of the month (1–31) in UTC.'),
  day_of_week: timeOf('Day of the week (0 = Sunday) in UTC.'),
  day_of_year: timeOf('Day of the year (1–366) in UTC.'),
  days_in_month: timeOf('Number of days in the month in UTC.'),
  deg: trig('Radians to degrees.'),
  delta: overTime('Difference between first and last value, extrapolated to the range.'),
  deriv: overTime('Per-second derivative by simple linear regression.'),
  double_exponential_smoothing: {
    argTypes: [M, S, S],
    returnType: V,
    kind: 'range',
    experimental: true,
    doc: 'Holt linear smoothing with smoothing factor sf and trend factor tf.',
  },
  exp: instant('e to the power of every sample.'),
  first_over_time: overTime('The first sample in the range.', { keepsMetricName: true, experimental: true }),
  floor: instant('Rounds down to the nearest integer.'),
  histogram_avg: { ...instant('Average of native histograms.', 'histogram'), nativeHistogramOnly: true },
  histogram_count: { ...instant('Count of native histograms.', 'histogram'), nativeHistogramOnly: true },
  histogram_fraction: {
    argTypes: [S, S, V],
    returnType: V,
    kind: 'histogram',
    doc: 'Estimated fraction of observations between lower and upper.',
  },
  histogram_quantile: {
    argTypes: [S, V],
    returnType: V,
    kind: 'histogram',
    doc: 'Estimated φ-quantile from classic le buckets.',
  },
  histogram_stddev: { ...instant('Standard deviation of native histograms.', 'histogram'), nativeHistogramOnly: true },
  histogram_stdvar: { ...instant('Variance of native histograms.', 'histogram'), nativeHistogramOnly: true },
  histogram_sum: { ...instant('Sum of native histograms.', 'histogram'), nativeHistogramOnly: true },
  hour: timeOf('Hour of the day (0–23) in UTC.'),
  idelta: overTime('Difference between the last two samples.'),
  increase: overTime('Counter increase in the range, extrapolated.'),
  info: {
    argTypes: [V, V],
    variadic: 1,
    returnType: V,
    kind: 'label',
    experimental: true,
    keepsMetricName: true,
    doc: 'Adds labels from info metrics.',
  },
  irate: overTime('Per-second rate from the last two samples.'),
  label_join: {
    argTypes: [V, STR, STR, STR],
    variadic: -1,
    returnType: V,
    kind: 'label',
    keepsMetricName: true,
    doc: 'Joins source label values into a destination label.',
  },
  label_replace: {
    argTypes: [V, STR, STR, STR, STR],
    returnType: V,
    kind: 'label',
    keepsMetricName: true,
    doc: 'Sets a label from a regex replacement of another label.',
  },
  last_over_time: overTime('The most recent sample in the range.', { keepsMetricName: true }),
  ln: instant('Natural logarithm.'),
  log10: instant('Decimal logarithm.'),
  log2: instant('Binary logarithm.'),
  mad_over_time: overTime('Median absolute deviation of the range.', { experimental: true }),
  max_over_time: overTime('Maximum of the range.'),
  min_over_time: overTime('Minimum of the range.'),
  minute: timeOf('Minute of the hour (0–59) in UTC.'),
  month: timeOf('Month of the year (1–12) in UTC.'),
  pi: { argTypes: [], returnType: S, kind: 'math', doc: 'The number π.' },
  predict_linear: {
    argTypes: [M, S],
    returnType: V,
    kind: 'range',
    doc: 'Value in t seconds by simple linear regression.',
  },
  present_over_time: overTime('1 for every series with a sample in the range.'),
  quantile_over_time: {
    argTypes: [S, M],
    returnType: V,
    kind: 'range',
    doc: 'φ-quantile of the samples in the range.',
  },
  rad: trig('Degrees to radians.'),
  rate: overTime('Per-second average rate of a counter, extrapolated.'),
  resets: overTime('Number of counter resets in the range.'),
  round: {
    argTypes: [V, S],
    variadic: 1,
    returnType: V,
    kind: 'math',
    doc: 'Rounds to the nearest multiple of to_nearest (default 1).',
  },
  scalar: { argTypes: [V], returnType: S, kind: 'conversion', doc: 'The single sample as a scalar, else NaN.' },
  sgn: instant('Sign of every sample (-1, 0, 1).'),
  sin: trig('Sine.'),
  sinh: trig('Hyperbolic sine.'),
  sort: { ...instant('Sorts by value, ascending.', 'sort'), keepsMetricName: true },
  sort_by_label: {
    argTypes: [V, STR],
    variadic: -1,
    returnType: V,
    kind: 'sort',
    keepsMetricName: true,
    experimental: true,
    doc: 'Sorts by the given label values, ascending.',
  },
  sort_by_label_desc: {
    argTypes: [V, STR],
    variadic: -1,
    returnType: V,
    kind: 'sort',
    keepsMetricName: true,
    experimental: true,
    doc: 'Sorts by the given label values, descending.',
  },
  sort_desc: { ...instant('Sorts by value, descending.', 'sort'), keepsMetricName: true },
  sqrt: instant('Square root.'),
  stddev_over_time: overTime('Population standard deviation of the range.'),
  stdvar_over_time: overTime('Population variance of the range.'),
  sum_over_time: overTime('Sum of the range.'),
  tan: trig('Tangent.'),
  tanh: trig('Hyperbolic tangent.'),
  time: { argTypes: [], returnType: S, kind: 'time', doc: 'Evaluation time in seconds since the epoch.' },
  timestamp: { argTypes: [V], returnType: V, kind: 'time', doc: 'Timestamp of every sample in seconds.' },
  ts_of_first_over_time: overTime('Timestamp of the first sample in the range.', { experimental: true }),
  ts_of_last_over_time: overTime('Timestamp of the last sample in the range.', { experimental: true }),
  ts_of_max_over_time: overTime('Timestamp of the maximum in the range.', { experimental: true }),
  ts_of_min_over_time: overTime('Timestamp of the minimum in the range.', { experimental: true }),
  vector: { argTypes: [S], returnType: V, kind: 'conversion', doc: 'The scalar as a vector without labels.' },
  year: timeOf('Year in UTC.'),
});

/** The signature of `name`, or undefined for an unknown function. */
export function getFunction(name: string): FunctionSignature | undefined {
  return FUNCTIONS.get(name);
}

/** Minimum and maximum argument counts (`max` is Infinity for unlimited) of a signature. */
export function argCountRange(fn: FunctionSignature): { min: number; max: number } {
  if (fn.variadic === 0) return { min: fn.argTypes.length, max: fn.argTypes.length };
  const min = fn.argTypes.length - 1;
  return { min, max: fn.variadic < 0 ? Number.POSITIVE_INFINITY : min + fn.variadic };
}
