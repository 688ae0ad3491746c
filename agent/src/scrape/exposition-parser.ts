import type { Labels, MetricMeta, MetricType } from '../types.js';

/** The two exposition formats a target may answer with. */
export type ExpositionFormat = 'text' | 'openmetrics';

/** One parsed sample; `timestampMs` only when the target sent one. */
export interface ParsedSample {
  name: string;
  labels: Labels;
  value: number;
  timestampMs?: number;
}

/** The result of {@link parseExposition}. */
export interface ParsedExposition {
  samples: ParsedSample[];
  meta: Map<string, MetricMeta>;
}

/** Thrown for a body that is not valid exposition text; `line` is 1-based. */
export class ExpositionParseError extends Error {
  readonly code = 'EXPOSITION_PARSE';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/**
 * Parses a Prometheus text 0.0.4 or OpenMetrics 1.0 body. Differences handled: OpenMetrics
 * timestamps are float seconds (text: integer milliseconds), exemplars after ` # ` are dropped,
 * and `# EOF` ends the body. Types other than counter and gauge are reported as `untyped`.
 *
 * @example
 * parseExposition('# TYPE up gauge\nup{job="a"} 1\n', 'text').samples;
 * // [{ name: 'up', labels: { job: 'a' }, value: 1 }]
 */
export function parseExposition(body: string, format: ExpositionFormat): ParsedExposition {
  const samples: ParsedSample[] = [];
  const meta = new Map<string, MetricMeta>();
  const types = new Map<string, string>();
  const helps = new Map<string, string>();
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (line === '# EOF') break;
      const m = /^#\s+(HELP|TYPE)\s+(\S+)\s?(.*)$/.exec(line);
      if (m?.[1] === 'TYPE') types.set(m[2]!, m[3]!.trim());
      else if (m?.[1] === 'HELP') helps.set(m[2]!, m[3]!.replace(/\\n/g, '\n').replace(/\\\\/g, '\\'));
      continue;
    }
    samples.push(parseSampleLine(line, i + 1, format));
  }
  for (const s of samples) {
    const family = familyOf(s.name, types);
    if (family === undefined || meta.has(s.name)) continue;
    meta.set(s.name, { type: toMetricType(types.get(family)), help: helps.get(family) ?? '' });
  }
  return { samples, meta };
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const suffix of ['_total', '_bucket', '_sum', '_count', '_created', '_info']) {
    if (name.endsWith(suffix) && types.has(name.slice(0, -suffix.length))) return name.slice(0, -suffix.length);
  }
  return undefined;
}

function toMetricType(t: string | undefined): MetricType {
  return t === 'counter' || t === 'gauge' ? t : 'untyped';
}

function parseSampleLine(line: string, lineNo: number, format: ExpositionFormat): ParsedSample {
  let pos = 0;
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) throw new ExpositionParseError(`invalid metric name in "${line.slice(0, 80)}"`, lineNo);
  const name = nameMatch[0];
  pos = name.length;
  const labels: Labels = {};
  if (line[pos] === '{') {
    pos++;
    for (;;) {
      while (line[pos] === ' ' || line[pos] === ',') pos++;
      if (line[pos] === '}') {
        pos++;
        break;
      }
      const ln = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(pos));
      if (!ln) throw new ExpositionParseError(`invalid label name at column ${pos + 1}`, lineNo);
      pos += ln[0].length;
      while (line[pos] === ' ') pos++;
      if (line[pos] !== '=' || line[pos + 1] !== '"') {
        throw new ExpositionParseError(`expected ="..." after label ${ln[0]}`, lineNo);
      }
      pos += 2;
      let value = '';
      for (;;) {
        const c = line[pos];
        if (c === undefined) throw new ExpositionParseError('unterminated label value', lineNo);
        pos++;
        if (c === '"') break;
        if (c === '\\') {
          const e = line[pos++];
          value += e === 'n' ? '\n' : (e ?? '');
        } else value += c;
      }
      labels[ln[0]] = value;
    }
  }
  // Drop an OpenMetrics exemplar: everything from " # " after the value.
  const rest = line.slice(pos).split(' # ')[0]!.trim().split(/\s+/);
  const value = parseFloatValue(rest[0]);
  if (value === undefined) throw new ExpositionParseError(`invalid value "${rest[0] ?? ''}" for ${name}`, lineNo);
  const sample: ParsedSample = { name, labels, value };
  if (rest[1] !== undefined) {
    const ts = Number(rest[1]);
    if (!Number.isFinite(ts)) throw new ExpositionParseError(`invalid timestamp "${rest[1]}"`, lineNo);
    sample.timestampMs = format === 'openmetrics' ? Math.round(ts * 1000) : ts;
  }
  return sample;
}

function parseFloatValue(s: string | undefined): number | undefined {
  if (s === undefined || s === '') return undefined;
  switch (s) {
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
    case 'NaN':
      return Number.NaN;
  }
  const v = Number(s);
  return Number.isNaN(v) ? undefined : v;
}
