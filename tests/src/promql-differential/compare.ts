/** Relative tolerance for float values. */
export const RELATIVE_TOLERANCE = 1e-9;

/** What `/api/v1/query` or `/api/v1/query_range` answered: data, or an error envelope. */
export type ApiAnswer =
  | { ok: true; resultType: 'vector' | 'matrix' | 'scalar' | 'string'; result: unknown }
  | { ok: false; status: number; errorType: string; error: string };

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}
interface MatrixSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

/**
 * Sends one query (GET with URL parameters) and parses the envelope.
 *
 * @throws when the answer is neither a success nor a Prometheus error envelope
 */
export async function askApi(
  fetchPath: (path: string) => Promise<Response>,
  endpoint: 'query' | 'query_range',
  params: Record<string, string>,
): Promise<ApiAnswer> {
  const path = `/api/v1/${endpoint}?${new URLSearchParams(params)}`;
  const res = await fetchPath(path);
  const text = await res.text();
  let body: { status?: string; data?: { resultType: string; result: unknown }; errorType?: string; error?: string };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`GET ${path} answered ${res.status} with a body that is not JSON: ${text.slice(0, 300)}`);
  }
  if (res.status === 200 && body.status === 'success' && body.data) {
    return { ok: true, resultType: body.data.resultType as 'vector', result: body.data.result };
  }
  if (body.status === 'error' && typeof body.errorType === 'string') {
    return { ok: false, status: res.status, errorType: body.errorType, error: body.error ?? '' };
  }
  throw new Error(`GET ${path} answered ${res.status}: ${text.slice(0, 300)}`);
}

/** Parses a sample value as Prometheus prints it (`NaN`, `+Inf`, `-Inf`, decimal). */
export function parseValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** NaN equals NaN, infinities must be exact, finite values agree within {@link RELATIVE_TOLERANCE}. */
export function sameValue(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  if (a === b) return true;
  return Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Two printed sample values agree: within tolerance, and, when they are the same number, printed
 * the same way (Prometheus prints Go's `'f', -1` format: `1e21` is `1000000000000000000000`).
 */
export function sameSample(a: string, b: string): boolean {
  const x = parseValue(a);
  const y = parseValue(b);
  return sameValue(x, y) && (x !== y || a === b);
}

/** A label set as a sortable, comparable key, printed like Prometheus: `{a="1", b="2"}`. */
export function labelKey(metric: Record<string, string>): string {
  const pairs = Object.entries(metric).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${pairs.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}}`;
}

/** The answer with `__name__` removed from every series (for 2.x/3.x name-dropping differences). */
export function withoutMetricName(answer: ApiAnswer): ApiAnswer {
  if (!answer.ok || (answer.resultType !== 'vector' && answer.resultType !== 'matrix')) return answer;
  const strip = (s: { metric: Record<string, string> }) => {
    const { __name__: _, ...metric } = s.metric;
    return { ...s, metric };
  };
  return { ...answer, result: (answer.result as Array<{ metric: Record<string, string> }>).map(strip) };
}

const show = (x: unknown) => {
  const text = JSON.stringify(x);
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
};

/**
 * Compares Prometheus' answer with Vigil's; returns undefined when they agree, else what differs.
 * Errors agree when both are errors of the same type (messages may differ). Series are compared
 * as sets, except that with `ordered` an instant vector's values must also come in the same order.
 */
export function compareAnswers(expected: ApiAnswer, actual: ApiAnswer, ordered = false): string | undefined {
  if (!expected.ok || !actual.ok) {
    if (!expected.ok && !actual.ok) {
      return expected.errorType === actual.errorType
        ? undefined
        : `error types differ: Prometheus ${expected.errorType} (${expected.error}), Vigil ${actual.errorType} (${actual.error})`;
    }
    if (expected.ok) return `Prometheus answered ${expected.resultType} ${show(expected.result)}, Vigil failed: ${show(actual)}`;
    return `Prometheus failed (${show(expected)}), Vigil answered ${show(actual)}`;
  }
  if (expected.resultType !== actual.resultType) {
    return `result types differ: Prometheus ${expected.resultType} ${show(expected.result)}, Vigil ${actual.resultType} ${show(actual.result)}`;
  }
  switch (expected.resultType) {
    case 'scalar':
    case 'string': {
      const [et, ev] = expected.result as [number, string];
      const [at, av] = actual.result as [number, string];
      const equal =
        et === at && (expected.resultType === 'string' ? ev === av : sameSample(ev, av));
      return equal ? undefined : `${expected.resultType} differs: Prometheus ${show(expected.result)}, Vigil ${show(actual.result)}`;
    }
    case 'vector': {
      const e = expected.result as VectorSample[];
      const a = actual.result as VectorSample[];
      if (ordered) {
        const ev = e.map((s) => s.value[1]);
        const av = a.map((s) => s.value[1]);
        if (ev.length !== av.length || ev.some((v, i) => !sameSample(v, av[i]!))) {
          return `order of values differs: Prometheus ${show(e.map((s) => s.value[1]))}, Vigil ${show(a.map((s) => s.value[1]))}`;
        }
      }
      const es = new Map(e.map((s) => [labelKey(s.metric), s]));
      const as = new Map(a.map((s) => [labelKey(s.metric), s]));
      const problem = diffKeys(es, as);
      if (problem) return problem;
      if (es.size !== e.length || as.size !== a.length) return `duplicate series: Prometheus ${show(e)}, Vigil ${show(a)}`;
      for (const [key, s] of es) {
        const other = as.get(key)!;
        if (s.value[0] !== other.value[0] || !sameSample(s.value[1], other.value[1])) {
          return `series ${key}: Prometheus ${show(s.value)}, Vigil ${show(other.value)}`;
        }
      }
      return undefined;
    }
    case 'matrix': {
      const es = new Map((expected.result as MatrixSeries[]).map((s) => [labelKey(s.metric), s]));
      const as = new Map((actual.result as MatrixSeries[]).map((s) => [labelKey(s.metric), s]));
      const problem = diffKeys(es, as);
      if (problem) return problem;
      for (const [key, s] of es) {
        const other = as.get(key)!;
        const et = s.values.map((p) => p[0]);
        const at = other.values.map((p) => p[0]);
        if (et.join() !== at.join()) {
          const missing = et.filter((t) => !at.includes(t));
          const extra = at.filter((t) => !et.includes(t));
          return `series ${key}: timestamps differ; only Prometheus has ${show(missing)}, only Vigil has ${show(extra)}`;
        }
        for (let i = 0; i < s.values.length; i++) {
          if (!sameSample(s.values[i]![1], other.values[i]![1])) {
            return `series ${key} at ${et[i]}: Prometheus ${s.values[i]![1]}, Vigil ${other.values[i]![1]}`;
          }
        }
      }
      return undefined;
    }
  }
}

function diffKeys(expected: Map<string, unknown>, actual: Map<string, unknown>): string | undefined {
  const missing = [...expected.keys()].filter((k) => !actual.has(k));
  const extra = [...actual.keys()].filter((k) => !expected.has(k));
  if (missing.length === 0 && extra.length === 0) return undefined;
  return `series differ: only Prometheus has ${show(missing)}; only Vigil has ${show(extra)}`;
}
