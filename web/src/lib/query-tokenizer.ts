/** The two query languages of the editor. */
export type QueryLanguage = 'promql' | 'logql';

/** What a piece of query text is, for highlighting and for completion. */
export type TokenKind =
  | 'whitespace'
  | 'comment'
  | 'string'
  | 'number'
  | 'duration'
  | 'keyword'
  | 'function'
  | 'metric'
  | 'label'
  | 'stage'
  | 'operator'
  | 'matcher'
  | 'pipe'
  | 'brace'
  | 'paren'
  | 'bracket'
  | 'comma'
  | 'unknown';

/** One token: `text` is `query.slice(start, end)`. */
export interface Token {
  kind: TokenKind;
  start: number;
  end: number;
  text: string;
  /** True for a string whose closing quote is missing. */
  unterminated?: boolean;
  /** Set on braces: how deep in braces (`{}`) the text after the token is, 0 at the top. */
  braceDepth?: number;
  /** Set on identifiers: where they stand, which decides what completes them. */
  context?: IdentifierContext;
}

/**
 * Where an identifier stands: in a `{...}` selector, in a `by (...)` label list, in a LogQL
 * pipeline right after `|` (a stage name), elsewhere in a LogQL pipeline (a label), or at the top
 * level of an expression (a metric, function or keyword).
 */
export type IdentifierContext = 'selector' | 'grouping' | 'stage' | 'pipeline' | 'top';

const PROMQL_KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'and',
  'or',
  'unless',
  'atan2',
]);
/** Keywords after which a parenthesised list of label names follows. */
export const GROUPING_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
/** LogQL pipeline stages (after `|`). */
export const LOGQL_STAGES = new Set([
  'json',
  'logfmt',
  'pattern',
  'regexp',
  'unpack',
  'line_format',
  'label_format',
  'drop',
  'keep',
  'decolorize',
  'unwrap',
]);
const LOGQL_WORDS = new Set(['ip', 'duration', 'duration_seconds', 'bytes', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless']);

const IDENT_START = /[A-Za-z_:]/;
const IDENT_PART = /[A-Za-z0-9_:]/;
const DURATION_AT = /^(?:\d+(?:ms|s|m|h|d|w|y))+(?![A-Za-z0-9_])/;
const NUMBER_AT = /^(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/;
const OPERATORS = ['|=', '|~', '|>', '!>', '!~', '=~', '!=', '==', '<=', '>=', '=', '<', '>', '+', '-', '*', '/', '%', '^', '@', '|'];

/**
 * Splits a PromQL or LogQL query into tokens for highlighting and completion. It is lenient by
 * design (the editor shows half-typed queries): it never throws, covers every character with
 * exactly one token, and classifies by context the way the grammars do — an identifier inside
 * `{...}` or in a `by (...)` list is a label, one followed by `(` a function, one after `|` in
 * LogQL a pipeline stage. Parse errors are the server's job (`/api/v1/web/parse`), not this one's.
 *
 * @example tokenize('rate(x[5m])', 'promql').map((t) => t.kind)
 * // ['function', 'paren', 'metric', 'bracket', 'duration', 'bracket', 'paren']
 */
export function tokenize(text: string, lang: QueryLanguage): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let braceDepth = 0;
  /** Paren depths at which a grouping label list is open. */
  const groupingParens: number[] = [];
  let parenDepth = 0;
  /** In LogQL: after `|` the next identifier names a stage; after a stage, identifiers are labels. */
  let afterPipe = false;
  let inPipeline = false;
  const push = (kind: TokenKind, start: number, end: number, extra: Partial<Token> = {}) => {
    tokens.push({ kind, start, end, text: text.slice(start, end), ...extra });
  };
  const nextNonSpace = (from: number): string => {
    let k = from;
    while (k < text.length && /\s/.test(text[k]!)) k++;
    return text[k] ?? '';
  };
  /** True when a call follows: `(`, or an aggregation's `by (...)` / `without (...)` first. */
  const callFollows = (from: number): boolean => {
    if (nextNonSpace(from) === '(') return true;
    const m = /^\s*(by|without)\s*\(/i.exec(text.slice(from));
    return m !== null;
  };

  while (i < text.length) {
    const c = text[i]!;
    const start = i;
    if (/\s/.test(c)) {
      while (i < text.length && /\s/.test(text[i]!)) i++;
      push('whitespace', start, i);
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      push('comment', start, i);
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      i++;
      let closed = false;
      while (i < text.length) {
        if (text[i] === '\\' && c !== '`') {
          i += 2;
          continue;
        }
        if (text[i] === c) {
          i++;
          closed = true;
          break;
        }
        i++;
      }
      i = Math.min(i, text.length);
      push('string', start, i, closed ? {} : { unterminated: true });
      if (afterPipe) afterPipe = false;
      continue;
    }
    const rest = text.slice(i);
    if (/[0-9.]/.test(c)) {
      const d = DURATION_AT.exec(rest);
      if (d) {
        i += d[0].length;
        push('duration', start, i);
        continue;
      }
      const n = NUMBER_AT.exec(rest);
      if (n) {
        i += n[0].length;
        push('number', start, i);
        continue;
      }
    }
    if (IDENT_START.test(c)) {
      i++;
      while (i < text.length && IDENT_PART.test(text[i]!)) i++;
      // Dotted names (OpenTelemetry attributes in LogQL, `a.b`) continue the identifier.
      while (lang === 'logql' && text[i] === '.' && IDENT_START.test(text[i + 1] ?? '')) {
        i++;
        while (i < text.length && IDENT_PART.test(text[i]!)) i++;
      }
      const word = text.slice(start, i);
      const lower = word.toLowerCase();
      const inGrouping = groupingParens.length > 0 && groupingParens[groupingParens.length - 1] === parenDepth;
      let kind: TokenKind;
      if (braceDepth > 0 || inGrouping) kind = 'label';
      else if (lower === 'inf' || lower === 'nan') kind = 'number';
      else if (lang === 'logql' && afterPipe) kind = LOGQL_STAGES.has(word) ? 'stage' : 'label';
      else if (lang === 'logql' && inPipeline && !LOGQL_WORDS.has(word) && !callFollows(i)) kind = 'label';
      else if (PROMQL_KEYWORDS.has(lower) || (lang === 'logql' && LOGQL_WORDS.has(word) && nextNonSpace(i) !== '(')) kind = 'keyword';
      else if (callFollows(i)) kind = 'function';
      else if (lang === 'logql' && LOGQL_STAGES.has(word) && inPipeline) kind = 'stage';
      else kind = lang === 'promql' ? 'metric' : 'label';
      const context: IdentifierContext =
        braceDepth > 0 ? 'selector' : inGrouping ? 'grouping' : lang === 'logql' && afterPipe ? 'stage' : lang === 'logql' && inPipeline && kind !== 'function' && kind !== 'keyword' ? 'pipeline' : 'top';
      push(kind, start, i, { context });
      afterPipe = false;
      if (GROUPING_KEYWORDS.has(lower) && nextNonSpace(i) === '(') groupingParens.push(parenDepth + 1);
      continue;
    }
    if (c === '{' || c === '}') {
      i++;
      if (c === '{') braceDepth++;
      else braceDepth = Math.max(0, braceDepth - 1);
      push('brace', start, i, { braceDepth });
      if (c === '}' && braceDepth === 0 && lang === 'logql') inPipeline = true;
      continue;
    }
    if (c === '(' || c === ')') {
      i++;
      if (c === '(') parenDepth++;
      else {
        if (groupingParens[groupingParens.length - 1] === parenDepth) groupingParens.pop();
        parenDepth = Math.max(0, parenDepth - 1);
        // Leaving the parentheses of a range aggregation ends its log pipeline.
        if (lang === 'logql') inPipeline = false;
      }
      push('paren', start, i);
      continue;
    }
    if (c === '[' || c === ']') {
      i++;
      push('bracket', start, i);
      if (lang === 'logql') inPipeline = false;
      continue;
    }
    if (c === ',') {
      i++;
      push('comma', start, i);
      continue;
    }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (op) {
      i += op.length;
      const isMatcher = braceDepth > 0 && ['=', '!=', '=~', '!~'].includes(op);
      const isLineFilter = lang === 'logql' && braceDepth === 0 && ['|=', '|~', '!=', '!~', '|>', '!>'].includes(op) && inPipeline;
      if (isMatcher) push('matcher', start, i);
      else if (op === '|' && lang === 'logql') {
        push('pipe', start, i);
        afterPipe = true;
        inPipeline = true;
      } else if (isLineFilter) push('pipe', start, i);
      else push('operator', start, i);
      continue;
    }
    i++;
    push('unknown', start, i);
  }
  return tokens;
}
