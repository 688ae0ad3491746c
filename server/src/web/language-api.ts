import {
  type AggregateOperator,
  FUNCTIONS,
  type ParseProblem,
  RANGE_AGGREGATIONS,
  VECTOR_AGGREGATIONS,
  parseLogQL,
  parseQuery,
} from '@vigil/query-language';
import { type Context, Hono } from 'hono';
import { type AppVariables, requireScope } from '../auth/middleware.js';
import { badData } from '../errors.js';
import { readParams } from '../api/params.js';

type Ctx = Context<{ Variables: AppVariables }>;

/** One completion entry of the query editor. */
export interface LanguageItem {
  name: string;
  /** Call signature shown beside the name, e.g. `(range-vector) → instant-vector`. */
  detail: string;
  doc: string;
}

/** PromQL aggregation operators; `satisfies` makes the compiler flag one the parser gains. */
const PROMQL_AGGREGATIONS = {
  sum: { param: null, doc: 'Sum over dimensions.' },
  avg: { param: null, doc: 'Average over dimensions.' },
  min: { param: null, doc: 'Minimum over dimensions.' },
  max: { param: null, doc: 'Maximum over dimensions.' },
  count: { param: null, doc: 'Count of elements in the vector.' },
  group: { param: null, doc: 'All values in the result are 1.' },
  stddev: { param: null, doc: 'Population standard deviation over dimensions.' },
  stdvar: { param: null, doc: 'Population variance over dimensions.' },
  topk: { param: 'k', doc: 'Largest k elements by sample value.' },
  bottomk: { param: 'k', doc: 'Smallest k elements by sample value.' },
  quantile: { param: 'φ', doc: 'φ-quantile (0 ≤ φ ≤ 1) over dimensions.' },
  count_values: { param: 'label', doc: 'Count of elements with the same value, the value in a label.' },
  limitk: { param: 'k', doc: 'Sample k elements (experimental).' },
  limit_ratio: { param: 'ratio', doc: 'Sample a ratio of elements (experimental).' },
} as const satisfies Record<AggregateOperator, { param: string | null; doc: string }>;

const PROMQL_KEYWORDS = ['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless', 'atan2'];

const LOGQL_STAGES: LanguageItem[] = [
  { name: 'json', detail: 'parser', doc: 'Extracts every JSON property as a label (or only the ones named).' },
  { name: 'logfmt', detail: 'parser', doc: 'Extracts key=value pairs as labels.' },
  { name: 'pattern', detail: 'parser', doc: 'Extracts fields with a pattern such as `<ip> - - <_> "<method> <uri> <_>"`.' },
  { name: 'regexp', detail: 'parser', doc: 'Extracts named capture groups of an RE2 regular expression.' },
  { name: 'unpack', detail: 'parser', doc: 'Unpacks labels packed by promtail\'s `pack` stage.' },
  { name: 'line_format', detail: 'formatter', doc: 'Rewrites the line with a Go template.' },
  { name: 'label_format', detail: 'formatter', doc: 'Renames labels or sets them from Go templates.' },
  { name: 'drop', detail: 'labels', doc: 'Drops labels (optionally only with a given value).' },
  { name: 'keep', detail: 'labels', doc: 'Keeps only the labels named.' },
  { name: 'decolorize', detail: 'formatter', doc: 'Strips ANSI colour sequences from the line.' },
  { name: 'unwrap', detail: 'metric', doc: 'Uses a label\'s value as the sample value of a range aggregation.' },
];

/** The engine's value types as Prometheus' documentation names them (what users read in signatures). */
const TYPE_NAMES: Record<string, string> = { matrix: 'range-vector', vector: 'instant-vector', scalar: 'scalar', string: 'string' };
const typeName = (t: string) => TYPE_NAMES[t] ?? t;

function promqlFunctions(): LanguageItem[] {
  return [...FUNCTIONS.values()]
    .filter((f) => !f.nativeHistogramOnly)
    .map((f) => {
      const args = f.argTypes.map((t, i) => (f.variadic !== 0 && i === f.argTypes.length - 1 ? `[${typeName(t)}${f.variadic < 0 ? '…' : ''}]` : typeName(t)));
      return { name: f.name, detail: `(${args.join(', ')}) → ${typeName(f.returnType)}`, doc: f.doc };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The editor's vocabulary of both languages; built once, from the query language's own tables. */
export function languageVocabulary() {
  return {
    promql: {
      functions: promqlFunctions(),
      aggregations: Object.entries(PROMQL_AGGREGATIONS).map(([name, a]) => ({
        name,
        detail: a.param ? `(${a.param}, instant-vector)` : '(instant-vector)',
        doc: a.doc,
      })),
      keywords: PROMQL_KEYWORDS,
    },
    logql: {
      rangeAggregations: Object.entries(RANGE_AGGREGATIONS).map(([name, s]) => ({
        name,
        detail: `(${s.param ? 'scalar, ' : ''}log-range${s.unwrap === true ? ' | unwrap label' : ''})`,
        doc: s.unwrap === true ? 'Aggregates the values of an unwrapped label over the range.' : 'Counts or rates log lines over the range.',
      })),
      vectorAggregations: Object.entries(VECTOR_AGGREGATIONS).map(([name, s]) => ({
        name,
        detail: s.param ? '(k, instant-vector)' : '(instant-vector)',
        doc: 'Aggregates the series of a metric query.',
      })),
      stages: LOGQL_STAGES,
      keywords: ['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless'],
    },
  };
}

/** A parse problem as the editor shows it: offsets to underline and Prometheus' message. */
export interface EditorProblem {
  /** Character offsets into the query, end exclusive. */
  start: number;
  end: number;
  line: number;
  column: number;
  message: string;
}

const toEditorProblem = (p: ParseProblem): EditorProblem => ({
  start: p.pos.start,
  end: Math.max(p.pos.end, p.pos.start),
  line: p.line,
  column: p.column,
  message: p.message,
});

/**
 * `/api/v1/web`: what the web UI's query editor needs from the server's query language.
 * - `GET /language`: the vocabulary for autocompletion (PromQL functions from the signature
 *   table, aggregations, keywords; LogQL aggregations and pipeline stages).
 * - `GET,POST /parse` (`lang=promql|logql`, `query`): every problem with its position, from the
 *   same parser the query endpoints use, so the editor marks exactly what a query would refuse.
 * Both need the `query` scope.
 */
export function webLanguageApi() {
  const app = new Hono<{ Variables: AppVariables }>();
  const vocabulary = languageVocabulary();
  app.get('/language', requireScope('query'), (c: Ctx) => {
    c.header('Cache-Control', 'private, max-age=3600');
    return c.json({ status: 'success', data: vocabulary });
  });
  app.on(['GET', 'POST'], '/parse', requireScope('query'), async (c: Ctx) => {
    const p = await readParams(c);
    const lang = p.get('lang') ?? 'promql';
    const query = p.get('query') ?? '';
    if (lang !== 'promql' && lang !== 'logql') throw badData('lang: must be "promql" or "logql"');
    const { errors } = lang === 'promql' ? parseQuery(query) : parseLogQL(query);
    return c.json({ status: 'success', data: { errors: errors.map(toEditorProblem) } });
  });
  return app;
}
