/** One label matcher of a silence. */
export interface LabelMatcher {
  name: string;
  type: '=' | '!=' | '=~' | '!~';
  value: string;
}

const MATCHER_RE = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/;

/**
 * Parses matchers written as in PromQL selectors, `alertname="HighCPU", job=~"api.*"` (braces
 * optional), into a list; returns the problem instead when the text does not parse.
 *
 * @example parseMatchers('{job="api"}') // [{ name: 'job', type: '=', value: 'api' }]
 */
export function parseMatchers(text: string): LabelMatcher[] | string {
  let rest = text.trim();
  if (rest.startsWith('{') && rest.endsWith('}')) rest = rest.slice(1, -1);
  const out: LabelMatcher[] = [];
  while (rest.trim() !== '') {
    const m = MATCHER_RE.exec(rest);
    if (!m) return `cannot read a matcher at "${rest.trim().slice(0, 30)}": write name="value", name=~"regex", name!="value"`;
    out.push({ name: m[1]!, type: m[2] as LabelMatcher['type'], value: m[3]!.replace(/\\(.)/g, '$1') });
    rest = rest.slice(m[0].length);
  }
  if (out.length === 0) return 'at least one matcher is needed';
  return out;
}

/** Matchers as text, the way {@link parseMatchers} reads them. */
export function formatMatchers(matchers: readonly LabelMatcher[]): string {
  return matchers.map((m) => `${m.name}${m.type}${JSON.stringify(m.value)}`).join(', ');
}
