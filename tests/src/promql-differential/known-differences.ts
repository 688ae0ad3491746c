/**
 * Where Debian's Prometheus 2.42 (the reference this test runs) and the Prometheus 3.x semantics
 * Vigil implements disagree.
 */
export interface KnownDifference {
  /** The queries it affects: exact text or a pattern; `null` for differences the data avoids. */
  match: string | RegExp | null;
  /** Why 2.42 answers differently from 3.x. */
  reason: string;
  /**
   * `skip`: not compared; Vigil must answer without an error. `ignore __name__`: compared with
   * `__name__` removed from both sides, so values and other labels must still agree. `avoided by
   * the data`: the data set and evaluation times are chosen so that it does not show.
   */
  handling: 'skip' | 'ignore __name__' | 'avoided by the data';
}

/** The table of 2.42-versus-3.x differences. */
export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    match: /\b(sort_by_label|sort_by_label_desc|limitk|limit_ratio|mad_over_time)\s*\(/,
    reason:
      'added after 2.42 (sort_by_label* in 2.49, limitk/limit_ratio and mad_over_time in 2.54, experimental): ' +
      '2.42 answers "unknown function" or a parse error',
    handling: 'skip',
  },
  {
    match: /\batan2\b/,
    reason: '3.x drops the metric name on `atan2` like on the other arithmetic operators; 2.42 keeps it',
    handling: 'ignore __name__',
  },
  {
    match: /^(label_replace|count_values)\(.*"invalid-name"/,
    reason:
      '3.x accepts any UTF-8 label name (UTF-8 name validation is the default), so label_replace and ' +
      'count_values may create `invalid-name`; 2.42 rejects it',
    handling: 'skip',
  },
  {
    // A group whose only value is -Inf (log10 of 0 resets) or +Inf (idelta next to an Inf sample).
    match: /^(stddev by \(instance, method\) \(log10\(resets\(|\(stddev by \(kind\) \(round\(idelta\(special_values)/,
    reason:
      'stddev/stdvar of a group with a single NaN or ±Inf value: 2.42 answers 0, 3.x NaN ' +
      '(prometheus/prometheus#14941, in 3.0)',
    handling: 'skip',
  },
  {
    match: 'max_over_time(min_over_time(min_over_time(temperature_celsius[1m])[5m:1m])[10m:2m])',
    reason:
      'left-open ranges (see below) where the data cannot avoid them: a subquery inside a subquery is ' +
      'evaluated at the outer steps, which fall on whole minutes, so the inner [5m:1m] has a step exactly on ' +
      'its window start: 2.x includes it, 3.x does not',
    handling: 'skip',
  },
  {
    match: 'predict_linear(temperature_celsius[5m] @ {{at:30}}, 60)',
    reason:
      '2.42 bug in range queries when the matrix argument of predict_linear has `@`: it answers only the first ' +
      'few steps, from moving windows. 3.x reads the window once at the `@` time and extrapolates from each ' +
      "step's time (predict_linear is in AtModifierUnsafeFunctions); instant queries agree",
    handling: 'skip',
  },
  {
    match: null,
    reason:
      'range selectors (and the lookback window) are left-open `(t-r, t]` in 3.x, closed `[t-r, t]` in 2.x; ' +
      'subquery steps are included alike. Sample timestamps are never on a whole or half second and every ' +
      'evaluation time is at .500 s, so no sample or subquery step sits on a window start',
    handling: 'avoided by the data',
  },
  {
    match: null,
    reason:
      'rate/increase of a counter series that starts inside the range: 2.42 caps the extrapolation at the ' +
      "counter's zero point before deciding to extrapolate only half a step, 3.x after (so e.g. " +
      '`increase(rate(x[1m])[5m:30s])` near the start of the data differs). Counters here start far from zero',
    handling: 'avoided by the data',
  },
  {
    match: null,
    reason:
      'sum/avg and the *_over_time sums use Kahan summation in 3.x, plain addition in 2.42: gauge values are ' +
      'multiples of 1/8 and counters integers, so sums are exact either way',
    handling: 'avoided by the data',
  },
];

/**
 * The 2.42 spelling of a 3.x query with the same meaning: these are compared, with Prometheus
 * asked the rewritten query.
 */
export function prometheus242Spelling(query: string): string {
  // 3.0 renamed holt_winters to double_exponential_smoothing; the arguments and results are the same.
  return query.replaceAll('double_exponential_smoothing(', 'holt_winters(');
}

/** The entry of {@link KNOWN_DIFFERENCES} that covers `query`, if any. */
export function knownDifference(query: string): KnownDifference | undefined {
  return KNOWN_DIFFERENCES.find((d) =>
    d.match === null ? false : typeof d.match === 'string' ? d.match === query : d.match.test(query),
  );
}

/**
 * Mismatches that are bugs in Vigil's engine, not 2.x/3.x differences. The test asserts that each
 * still differs, so that it fails once the bug is fixed: then delete the entry.
 */
export const KNOWN_ENGINE_BUGS: ReadonlyArray<{ query: string; bug: string }> = [];

/**
 * Queries that once were engine bugs (scalar formatting, clamp with a NaN bound, time functions
 * of NaN/±Inf, one-to-one matching before filtering): now fixed and compared like any other.
 */
export const FIXED_ENGINE_BUG_QUERIES: readonly string[] = [
  '1e21',
  '2 ^ 70',
  '5e-324',
  'clamp_min(special_values, NaN)',
  'clamp_max(special_values, NaN)',
  'minute(special_values)',
  'year(vector(NaN))',
  'day_of_week(vector(Inf))',
  'machine_cpu_cores == on() sum(machine_cpu_cores)',
  'machine_cpu_cores > on() (max(machine_cpu_cores) - 1)',
  '(stale_gauge) < on() (min (avg_over_time(stale_gauge[45s:1m] offset 1m)))',
  '(min by (instance) (machine_cpu_cores)) == on() (sum (machine_cpu_cores))',
];
