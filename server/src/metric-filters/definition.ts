import { badData } from '../errors.js';

/**
 * A metric filter as users define it (`/api/v1/metric-filters`): which log lines count, which
 * metric they feed, and how. CloudWatch's model: a filter pattern, a metric name, a value per
 * match, a default value for intervals with lines but no match, and dimensions from fields.
 */
export interface MetricFilterDefinition {
  /** Unique per tenant: `[A-Za-z0-9_.-]{1,64}`. */
  name: string;
  /** A LogQL log query: stream selector and pipeline, e.g. `{app="api"} |= "error" | json`. */
  query: string;
  /** The metric written, a valid Prometheus metric name. */
  metricName: string;
  /** `1` per matching line, or the numeric value of an extracted field. */
  value: { kind: 'count' } | { kind: 'field'; field: string };
  /** Written for an interval in which the selector's streams had lines but none matched. */
  defaultValue: number | null;
  /** Extracted fields (or stream labels) copied onto the metric as labels; at most 5. */
  labels: string[];
  /** Interval the matches are summed over; one sample per interval, at its end. */
  intervalSeconds: number;
}

// `.` and `..` are refused: the name is a URL path segment, and clients normalise those away.
const NAME_RE = /^(?!\.\.?$)[A-Za-z0-9_.-]{1,64}$/;
const METRIC_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Most labels a filter may add: like CloudWatch's 3 dimensions, bounded so series stay few. */
export const MAX_FILTER_LABELS = 5;
const KNOWN = ['name', 'query', 'metricName', 'value', 'defaultValue', 'labels', 'intervalSeconds'];

/**
 * Validates a filter body from the API (unknown fields rejected, every problem named), applying
 * defaults. The query itself is compiled by the caller, which reports its parse errors.
 *
 * @throws HttpError bad_data listing every problem.
 */
export function parseMetricFilterDefinition(body: unknown, nameFromPath?: string): MetricFilterDefinition {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badData('metric filter must be a JSON object');
  const b = body as Record<string, unknown>;
  const problems: string[] = [];
  for (const k of Object.keys(b)) if (!KNOWN.includes(k)) problems.push(`unknown field ${JSON.stringify(k)}; known fields: ${KNOWN.join(', ')}`);
  const name = nameFromPath ?? b.name;
  if (typeof name !== 'string' || !NAME_RE.test(name)) problems.push('name must match [A-Za-z0-9_.-]{1,64} and not be "." or ".."');
  if (nameFromPath !== undefined && b.name !== undefined && b.name !== nameFromPath) problems.push('name in the body differs from the name in the path');
  if (typeof b.query !== 'string' || b.query.trim() === '') problems.push('query must be a LogQL log query such as {app="api"} |= "error"');
  if (typeof b.metricName !== 'string' || !METRIC_RE.test(b.metricName)) problems.push('metricName must be a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)');
  let value: MetricFilterDefinition['value'] = { kind: 'count' };
  // Accept what GET answers too (`{"kind": "count"}`, `{"kind": "field", "field": ...}`), so a
  // filter read back can be PUT unchanged.
  const kind = (b.value as { kind?: unknown } | null)?.kind;
  if (b.value !== undefined && b.value !== 1 && b.value !== '1' && kind !== 'count') {
    const field = (b.value as { field?: unknown } | null)?.field;
    if (typeof field === 'string' && LABEL_RE.test(field)) value = { kind: 'field', field };
    else problems.push('value must be 1 (count matching lines) or {"field": "<extracted field>"}');
    if (kind !== undefined && kind !== 'field' && kind !== 'count') problems.push('value.kind must be "count" or "field"');
  }
  const defaultValue = b.defaultValue ?? null;
  if (defaultValue !== null && (typeof defaultValue !== 'number' || !Number.isFinite(defaultValue))) problems.push('defaultValue must be a finite number or null');
  const labels = b.labels ?? [];
  if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string' || !LABEL_RE.test(l) || l === '__name__')) {
    problems.push('labels must be a list of label names');
  } else if (labels.length > MAX_FILTER_LABELS) {
    problems.push(`labels may name at most ${MAX_FILTER_LABELS} fields`);
  }
  const intervalSeconds = b.intervalSeconds ?? 60;
  if (typeof intervalSeconds !== 'number' || !Number.isInteger(intervalSeconds) || intervalSeconds < 10 || intervalSeconds > 3600) {
    problems.push('intervalSeconds must be an integer from 10 to 3600');
  }
  if (problems.length > 0) throw badData(`invalid metric filter: ${problems.join('; ')}`);
  return {
    name: name as string,
    query: b.query as string,
    metricName: b.metricName as string,
    value,
    defaultValue: defaultValue as number | null,
    labels: labels as string[],
    intervalSeconds: intervalSeconds as number,
  };
}
