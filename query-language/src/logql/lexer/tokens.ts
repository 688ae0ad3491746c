import { createToken, Lexer, type TokenType } from 'chevrotain';
import { Duration, Identifier } from '../../lexer/tokens.js';

/*
 * LogQL's own tokens. Everything a metric query shares with PromQL (numbers, strings, braces,
 * operators, aggregation keywords) comes from `lexer/tokens.ts`; only the pipeline vocabulary
 * lives here. The LogQL keywords form their own category and are deliberately *not* label-name
 * tokens: as in Loki, `| json != "x"` is the json parser followed by a line filter, never a
 * label filter on a label called `json`.
 */

/** Token category: the LogQL pipeline keywords (`json`, `logfmt`, `line_format`, ...). */
export const LogqlKeyword = createToken({ name: 'LogqlKeyword', pattern: Lexer.NA });

/** `|=`: the line contains a string. */
export const PipeExact = createToken({ name: 'PipeExact', pattern: '|=' });
/** `|~`: the line matches a regular expression. */
export const PipeMatch = createToken({ name: 'PipeMatch', pattern: '|~' });
/** `|>`: the line matches a pattern (Loki 3). */
export const PipePattern = createToken({ name: 'PipePattern', pattern: '|>' });
/** `!>`: the line does not match a pattern (Loki 3). */
export const NotPipePattern = createToken({ name: 'NotPipePattern', pattern: '!>' });
/** `|`: starts a pipeline stage. */
export const Pipe = createToken({ name: 'Pipe', pattern: '|' });

/** A logfmt parser flag: `--strict` or `--keep-empty`. */
export const ParserFlag = createToken({ name: 'ParserFlag', pattern: /--(?:strict|keep-empty)(?![a-zA-Z0-9_-])/ });

/**
 * A byte-size literal for label filters: `1KB`, `1.5MiB`, `10b` (units b, kb, kib ... eb, eib in
 * any case), as Loki's lexer and go-humanize's `ParseBytes` accept them.
 */
export const Bytes = createToken({
  name: 'Bytes',
  pattern: /\d+(?:\.\d+)?(?:[kmgtpe]i?)?b(?![a-zA-Z0-9_])/i,
  start_chars_hint: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  line_breaks: false,
});

/**
 * A duration literal in LogQL: Prometheus units (`5m`, `1h30m`, `2d`) and Go's
 * `time.ParseDuration` forms used by duration label filters (`1.5s`, `250us`, `10ns`). It is a
 * `Duration` by category, so the shared PromQL rules (`[range]`, `offset`) accept it.
 */
export const LogDuration = createToken({
  name: 'LogDuration',
  pattern: /(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d|w|y))+(?![a-zA-Z0-9_])/,
  categories: [Duration],
  start_chars_hint: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  line_breaks: false,
});

function keyword(name: string, word: string): TokenType {
  return createToken({ name, pattern: new RegExp(word), longer_alt: Identifier, categories: [LogqlKeyword] });
}

/** `json` */
export const Json = keyword('Json', 'json');
/** `logfmt` */
export const Logfmt = keyword('Logfmt', 'logfmt');
/** `regexp` */
export const Regexp = keyword('Regexp', 'regexp');
/** `pattern` */
export const Pattern = keyword('Pattern', 'pattern');
/** `unpack` */
export const Unpack = keyword('Unpack', 'unpack');
/** `line_format` */
export const LineFormat = keyword('LineFormat', 'line_format');
/** `label_format` */
export const LabelFormat = keyword('LabelFormat', 'label_format');
/** `drop` */
export const Drop = keyword('Drop', 'drop');
/** `keep` */
export const Keep = keyword('Keep', 'keep');
/** `decolorize` */
export const Decolorize = keyword('Decolorize', 'decolorize');
/** `unwrap` */
export const Unwrap = keyword('Unwrap', 'unwrap');

/** Every LogQL keyword, in lexing order (longer words before their prefixes). */
export const LOGQL_KEYWORD_TOKENS: TokenType[] = [
  Json,
  Logfmt,
  Regexp,
  Pattern,
  Unpack,
  LineFormat,
  LabelFormat,
  Drop,
  Keep,
  Decolorize,
  Unwrap,
];
