import { type QueryLanguage, type Token, tokenize } from './query-tokenizer';

/** What the text at the cursor asks for. */
export type CompletionKind = 'metric-or-function' | 'function' | 'label-name' | 'label-value' | 'duration' | 'stage' | 'none';

/** The completion situation at the cursor: what to offer and which text a choice replaces. */
export interface CompletionContext {
  kind: CompletionKind;
  /** What is typed so far of the word being completed. */
  prefix: string;
  /** Offsets of the text a choice replaces (`from` ≤ cursor ≤ `to`). */
  from: number;
  to: number;
  /** The metric whose selector or aggregation the cursor is in (PromQL), to narrow labels and values. */
  metric?: string;
  /** For `label-value`: the label, and the matcher operator (`=~` values are regex-escaped). */
  label?: string;
  matcher?: string;
  /** For `label-value`: the opening quote typed, or undefined when none is typed yet. */
  quote?: string;
  /** For `label-value`: true when the closing quote already follows `to`. */
  closed?: boolean;
}

/** One choice of the completion list. */
export interface CompletionItem {
  label: string;
  kind: 'function' | 'aggregation' | 'metric' | 'label' | 'value' | 'keyword' | 'stage' | 'duration';
  /** A short signature or description shown beside the label. */
  detail?: string;
  doc?: string;
  /** The text inserted in place of `from..to`. */
  insert: string;
  /** Where the cursor goes, relative to the start of `insert`. @default insert.length */
  caret?: number;
}

/** A word of the editor's vocabulary (from `/api/v1/web/language`). */
export interface VocabularyItem {
  name: string;
  detail: string;
  doc: string;
}

/** Everything completion may offer; lists the editor has not loaded yet are empty. */
export interface CompletionSources {
  functions: VocabularyItem[];
  aggregations: VocabularyItem[];
  keywords: string[];
  stages: VocabularyItem[];
  metrics: string[];
  labels: string[];
  values: string[];
}

const IDENTIFIER_KINDS = new Set(['label', 'metric', 'function', 'keyword', 'stage']);
const NONE = (cursor: number): CompletionContext => ({ kind: 'none', prefix: '', from: cursor, to: cursor });

function significant(tokens: Token[], before = tokens.length): Token | undefined {
  for (let k = before - 1; k >= 0; k--) {
    const t = tokens[k]!;
    if (t.kind !== 'whitespace' && t.kind !== 'comment') return t;
  }
  return undefined;
}

/** The metric a selector belongs to: the name before its `{`, or its `__name__="..."` matcher. */
function metricOfSelector(tokens: Token[], index: number): string | undefined {
  let depth = 0;
  for (let k = index; k >= 0; k--) {
    const t = tokens[k]!;
    if (t.kind === 'brace' && t.text === '}') depth++;
    if (t.kind === 'brace' && t.text === '{') {
      if (depth === 0) {
        const before = significant(tokens, k);
        if (before?.kind === 'metric') return before.text;
        // `{__name__="x", ...}`: look forward for the matcher.
        for (let j = k + 1; j < tokens.length - 2; j++) {
          if (tokens[j]!.text === '__name__' && tokens[j + 1]?.text === '=' && tokens[j + 2]?.kind === 'string') {
            return tokens[j + 2]!.text.slice(1, -1);
          }
        }
        return undefined;
      }
      depth--;
    }
  }
  return undefined;
}

/**
 * Works out what to complete at `cursor` in `text`: a metric or function name, a label name
 * (in `{...}`, in `by (...)`, in a LogQL pipeline), a label value (after `label=` or in its
 * string), a range duration (after `[`), or a LogQL stage (after `|`). Pure: it looks only at the
 * text, so it is tested without a browser.
 *
 * @example findCompletionContext('rate(http_requests_total{co', 27, 'promql')
 * // { kind: 'label-name', prefix: 'co', from: 25, to: 27, metric: 'http_requests_total' }
 */
export function findCompletionContext(text: string, cursor: number, lang: QueryLanguage): CompletionContext {
  const before = text.slice(0, cursor);
  const tokens = tokenize(before, lang);
  const last = tokens[tokens.length - 1];
  if (last?.kind === 'comment') return NONE(cursor);

  // Inside a string: a label value when the string follows `label=` (in a selector, or a LogQL label filter).
  if (last?.kind === 'string' && last.end === cursor && (last.unterminated || cursor < last.end)) {
    const op = significant(tokens, tokens.length - 1);
    const label = op && significant(tokens, tokens.indexOf(op));
    if ((op?.kind === 'matcher' || (lang === 'logql' && op?.kind === 'operator' && /^(=|!=|=~|!~)$/.test(op.text))) && label?.kind === 'label') {
      const quote = last.text[0]!;
      let to = cursor;
      while (to < text.length && text[to] !== quote && text[to] !== '\n') to++;
      return {
        kind: 'label-value',
        prefix: last.text.slice(1),
        from: last.start + 1,
        to,
        label: label.text,
        matcher: op.text,
        quote,
        closed: text[to] === quote,
        metric: metricOfSelector(tokens, tokens.length - 1),
      };
    }
    return NONE(cursor);
  }

  let to = cursor;
  while (to < text.length && /[A-Za-z0-9_:]/.test(text[to]!)) to++;

  // Right after `label=` with no quote yet.
  const prev = significant(tokens);
  if (prev?.kind === 'matcher' && (!last || last.kind === 'whitespace' || last === prev)) {
    const label = significant(tokens, tokens.indexOf(prev));
    if (label?.kind === 'label') {
      return { kind: 'label-value', prefix: '', from: cursor, to: cursor, label: label.text, matcher: prev.text, metric: metricOfSelector(tokens, tokens.length - 1) };
    }
  }

  // A duration in `[...]`.
  if (prev?.kind === 'bracket' && prev.text === '[' && (last === prev || last?.kind === 'whitespace')) {
    return { kind: 'duration', prefix: '', from: cursor, to: cursor };
  }
  if ((last?.kind === 'number' || last?.kind === 'duration') && last.end === cursor) {
    const open = significant(tokens, tokens.length - 1);
    if (open?.kind === 'bracket' && open.text === '[') return { kind: 'duration', prefix: last.text, from: last.start, to: cursor };
    return NONE(cursor);
  }

  // A word being typed, or the place where one would start (probe with a letter).
  let word: Token | undefined;
  let prefix = '';
  let from = cursor;
  if (last && IDENTIFIER_KINDS.has(last.kind) && last.end === cursor) {
    word = last;
    prefix = last.text;
    from = last.start;
  } else {
    const probe = tokenize(`${before}x`, lang);
    const p = probe[probe.length - 1];
    if (p && p.start === cursor && IDENTIFIER_KINDS.has(p.kind)) word = p;
  }
  if (!word) return NONE(cursor);
  const all = word === last ? tokens : tokenize(`${before}x`, lang);
  const index = word === last ? tokens.length - 1 : all.length - 1;
  switch (word.context) {
    case 'selector':
      return { kind: 'label-name', prefix, from, to, metric: metricOfSelector(all, index) };
    case 'grouping':
      return { kind: 'label-name', prefix, from, to, metric: tokenize(text, lang).find((t) => t.kind === 'metric')?.text };
    case 'stage':
      return { kind: 'stage', prefix, from, to };
    case 'pipeline': {
      // After a comparison (`| status >= `) a value follows, not a label.
      const op = significant(all, index);
      if (op?.kind === 'operator') return NONE(cursor);
      return { kind: 'label-name', prefix, from, to };
    }
    default:
      return { kind: lang === 'promql' ? 'metric-or-function' : 'function', prefix, from, to };
  }
}

/** Common range durations offered after `[`. */
export const DURATIONS = ['1m', '5m', '10m', '15m', '30m', '1h', '6h', '1d', '$__rate_interval', '$__interval'];

function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A label value as it must be written inside `quote`-quoted string after `matcher`. */
export function quoteLabelValue(value: string, matcher: string | undefined, quote: string): string {
  const v = matcher === '=~' || matcher === '!~' ? escapeRegex(value) : value;
  if (quote === '`') return v.replaceAll('`', '');
  return v.replaceAll('\\', '\\\\').replaceAll(quote, `\\${quote}`);
}

/**
 * The choices for `ctx` from `sources`, best first: names starting with the prefix (shortest
 * first), then names containing it; case-insensitive; at most `limit`.
 */
export function completionItems(ctx: CompletionContext, sources: CompletionSources, limit = 100): CompletionItem[] {
  let items: CompletionItem[] = [];
  const call = (v: VocabularyItem, kind: 'function' | 'aggregation'): CompletionItem => ({
    label: v.name,
    kind,
    detail: v.detail,
    doc: v.doc,
    insert: `${v.name}()`,
    caret: v.name.length + 1,
  });
  switch (ctx.kind) {
    case 'none':
      return [];
    case 'metric-or-function':
      items = [
        ...sources.metrics.map((m): CompletionItem => ({ label: m, kind: 'metric', insert: m })),
        ...sources.aggregations.map((a) => call(a, 'aggregation')),
        ...sources.functions.map((f) => call(f, 'function')),
        ...sources.keywords.map((k): CompletionItem => ({ label: k, kind: 'keyword', insert: k })),
      ];
      break;
    case 'function':
      items = [
        ...sources.aggregations.map((a) => call(a, 'aggregation')),
        ...sources.functions.map((f) => call(f, 'function')),
        ...sources.keywords.map((k): CompletionItem => ({ label: k, kind: 'keyword', insert: k })),
      ];
      break;
    case 'label-name':
      items = sources.labels.filter((l) => l !== '__name__' || ctx.metric === undefined).map((l) => ({ label: l, kind: 'label', insert: l }));
      break;
    case 'label-value': {
      const quote = ctx.quote ?? '"';
      items = sources.values.map((v) => {
        const body = quoteLabelValue(v, ctx.matcher, quote);
        const insert = ctx.quote === undefined ? `${quote}${body}${quote}` : ctx.closed ? body : `${body}${quote}`;
        // With the closing quote already there, the cursor jumps past it.
        return { label: v, kind: 'value', insert, caret: ctx.closed ? body.length + 1 : insert.length };
      });
      break;
    }
    case 'duration':
      items = DURATIONS.map((d) => ({ label: d, kind: 'duration', insert: d }));
      break;
    case 'stage':
      items = [
        ...sources.stages.map((s): CompletionItem => ({ label: s.name, kind: 'stage', detail: s.detail, doc: s.doc, insert: s.name })),
        ...sources.labels.map((l): CompletionItem => ({ label: l, kind: 'label', insert: l })),
      ];
      break;
  }
  return rank(items, ctx.prefix, limit);
}

function rank(items: CompletionItem[], prefix: string, limit: number): CompletionItem[] {
  const p = prefix.toLowerCase();
  const starts: CompletionItem[] = [];
  const contains: CompletionItem[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const key = `${item.kind}\u0000${item.label}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const l = item.label.toLowerCase();
    if (l.startsWith(p)) starts.push(item);
    else if (p !== '' && l.includes(p)) contains.push(item);
  }
  starts.sort((a, b) => a.label.length - b.label.length || a.label.localeCompare(b.label));
  contains.sort((a, b) => a.label.localeCompare(b.label));
  return [...starts, ...contains].slice(0, limit);
}

/** The text and cursor after choosing `item` in `ctx`. */
export function applyCompletion(text: string, ctx: CompletionContext, item: CompletionItem): { text: string; cursor: number } {
  if ((item.kind === 'function' || item.kind === 'aggregation') && text[ctx.to] === '(') {
    // The call's parenthesis is already there: replace the name only and step inside.
    return { text: text.slice(0, ctx.from) + item.label + text.slice(ctx.to), cursor: ctx.from + item.label.length + 1 };
  }
  const next = text.slice(0, ctx.from) + item.insert + text.slice(ctx.to);
  return { text: next, cursor: ctx.from + (item.caret ?? item.insert.length) };
}
