import { seededRandom } from '../lib/wait.js';

interface MetricChoice {
  selector: string;
  kind: 'counter' | 'gauge';
  /** Labels worth grouping by. */
  labels: readonly string[];
}

const METRICS: readonly MetricChoice[] = [
  { selector: 'http_requests_total', kind: 'counter', labels: ['job', 'instance', 'method', 'code'] },
  { selector: 'http_requests_total{job="api", code=~"2.."}', kind: 'counter', labels: ['instance', 'method'] },
  { selector: 'gappy_counter_total', kind: 'counter', labels: ['instance'] },
  { selector: 'stale_counter_total', kind: 'counter', labels: ['instance'] },
  { selector: 'jitter_counter_total', kind: 'counter', labels: ['instance'] },
  { selector: 'request_duration_seconds_bucket', kind: 'counter', labels: ['instance', 'le'] },
  { selector: 'temperature_celsius', kind: 'gauge', labels: ['instance', 'sensor'] },
  { selector: 'temperature_celsius{sensor="board"}', kind: 'gauge', labels: ['instance'] },
  { selector: 'special_values', kind: 'gauge', labels: ['kind'] },
  { selector: 'gappy_gauge', kind: 'gauge', labels: ['instance'] },
  { selector: 'stale_gauge', kind: 'gauge', labels: ['instance'] },
  { selector: 'ending_gauge', kind: 'gauge', labels: ['instance'] },
  { selector: 'late_gauge', kind: 'gauge', labels: ['instance'] },
  { selector: 'machine_cpu_cores', kind: 'gauge', labels: ['instance'] },
  { selector: 'path_hits', kind: 'gauge', labels: ['path'] },
];

const COUNTER_FUNCTIONS = ['rate', 'irate', 'increase', 'resets', 'changes'];
const GAUGE_FUNCTIONS = ['delta', 'idelta', 'deriv', 'changes'];
const OVER_TIME = [
  'avg_over_time',
  'sum_over_time',
  'min_over_time',
  'max_over_time',
  'count_over_time',
  'last_over_time',
  'present_over_time',
  'stddev_over_time',
  'stdvar_over_time',
];
const RANGES = ['45s', '1m', '90s', '2m', '5m', '10m', '17m'];
const AGGREGATIONS = ['sum', 'avg', 'min', 'max', 'count', 'stddev', 'stdvar', 'group'];
const PARAMETRIC = ['topk(2, ', 'bottomk(2, ', 'quantile(0.25, ', 'quantile(0.9, '];
/** Expressions whose values practically never tie between series of this data set. */
const TIE_FREE = /^(rate|increase|deriv|predict_linear|avg_over_time|stddev_over_time|stdvar_over_time)\(/;
const INSTANT_FUNCTIONS = ['abs', 'ceil', 'floor', 'round', 'sqrt', 'ln', 'sgn', 'exp', 'log10'];
const ARITHMETIC = ['+', '-', '*', '/', '%', '^'];
const COMPARISON = ['>', '<', '>=', '<=', '==', '!='];

/**
 * `count` distinct queries made by a small seeded generator: metrics × range functions ×
 * aggregations × operators, a few levels deep. The same seed gives the same list.
 */
export function generateQueries(count: number, seed = 7): string[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const chance = (p: number) => random() < p;

  /** ` offset …` now and then; it belongs right after a selector or subquery. */
  const offset = () => (chance(0.12) ? ` offset ${pick(['1m', '5m', '-2m'])}` : '');

  /** A range function applied to a metric. */
  const rangeExpr = (m: MetricChoice): string => {
    const range = pick(RANGES);
    if (chance(0.45)) {
      const fn = pick(OVER_TIME);
      const sub = chance(0.12) ? `[${range}:${pick(['30s', '1m'])}]` : `[${range}]`;
      return `${fn}(${m.selector}${sub}${offset()})`;
    }
    const matrix = `${m.selector}[${range}]${offset()}`;
    if (m.kind === 'counter') return `${pick(COUNTER_FUNCTIONS)}(${matrix})`;
    if (chance(0.2)) return `predict_linear(${matrix}, ${pick(['60', '300', '-30'])})`;
    return `${pick(GAUGE_FUNCTIONS)}(${matrix})`;
  };

  /** An instant-vector expression over one metric and the labels it still has. */
  const vectorExpr = (m: MetricChoice): { expr: string; labels: readonly string[] } => {
    let expr = chance(0.8) ? rangeExpr(m) : `${m.selector}${offset()}`;
    // Which of several equal values topk/bottomk keep is not specified, so they only get inputs
    // whose values differ between series: integer-valued results (irate over 15 s steps,
    // changes, round, ...) often tie.
    let tieFree = TIE_FREE.test(expr) && m.selector !== 'path_hits';
    if (chance(0.2)) {
      const fn = pick(INSTANT_FUNCTIONS);
      expr = fn === 'exp' ? `exp(${expr} / 100)` : `${fn}(${expr})`;
      tieFree &&= ['exp', 'ln', 'sqrt', 'log10'].includes(fn);
    }
    let labels = m.labels;
    if (chance(0.65)) {
      const grouping = m.labels.filter(() => chance(0.5));
      const without = grouping.length > 0 && chance(0.2);
      const clause = grouping.length === 0 ? '' : `${without ? 'without' : 'by'} (${grouping.join(', ')}) `;
      if (chance(0.2)) {
        const parametric = tieFree ? pick(PARAMETRIC) : pick(PARAMETRIC.filter((p) => p.startsWith('quantile')));
        expr = `${parametric}${expr})`;
        // topk/bottomk keep every label; quantile without a clause keeps none.
        labels = parametric.startsWith('quantile') ? [] : m.labels;
      } else {
        expr = `${pick(AGGREGATIONS)} ${clause}(${expr})`;
        labels = without ? m.labels.filter((l) => !grouping.includes(l)) : grouping;
      }
    }
    return { expr, labels };
  };

  const queries = new Set<string>();
  while (queries.size < count) {
    const m = pick(METRICS);
    const left = vectorExpr(m);
    const shape = random();
    let query: string;
    if (shape < 0.4) {
      query = left.expr;
    } else if (shape < 0.65) {
      const op = chance(0.6) ? pick(ARITHMETIC) : pick(COMPARISON);
      const bool = COMPARISON.includes(op) && chance(0.5) ? 'bool ' : '';
      const number = pick(['0', '1', '2', '0.5', '10', '-3']);
      query = chance(0.5) ? `${left.expr} ${op} ${bool}${number}` : `${number} ${op} ${bool}${left.expr}`;
    } else {
      // Two sides over the same metric grouped the same way, so they match one-to-one.
      const right = vectorExpr(m);
      const op = chance(0.5) ? pick(ARITHMETIC) : chance(0.6) ? pick(COMPARISON) : pick(['and', 'or', 'unless']);
      const shared = left.labels.filter((l) => right.labels.includes(l));
      const matching = chance(0.5) || shared.length === 0 ? `on(${shared.join(', ')}) ` : '';
      const bool = COMPARISON.includes(op) && chance(0.4) ? 'bool ' : '';
      const sameShape = left.labels.length === shared.length && right.labels.length === shared.length;
      // Without a matching clause the sides must carry the same labels, or nothing matches (still fine).
      query = `(${left.expr}) ${op} ${bool}${sameShape ? '' : matching}(${right.expr})`;
    }
    queries.add(query);
  }
  return [...queries];
}
