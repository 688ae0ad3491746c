import { createToken, Lexer, type TokenType } from 'chevrotain';

/*
 * Token definitions shared by the PromQL lexer and, later, by LogQL. A LogQL lexer builds its own
 * mode table from these exports plus its pipeline tokens (`|=`, `|~`, `|`, `json`, ...), so every
 * token here is a plain exported constant and the mode table lives in `lexer.ts`.
 */

/** Token category: any token a label-name position accepts (identifiers and every keyword). */
export const LabelNameLike = createToken({ name: 'LabelNameLike', pattern: Lexer.NA });
/** Token category: any token a metric-name position accepts (identifiers and most keywords, as Prometheus). */
export const MetricNameLike = createToken({ name: 'MetricNameLike', pattern: Lexer.NA });
/** Token category: the aggregation operators (`sum`, `topk`, ...). */
export const AggregateOp = createToken({ name: 'AggregateOp', pattern: Lexer.NA });
/** Token category: comparison operators (`==`, `!=`, `<`, ...). */
export const ComparisonOp = createToken({ name: 'ComparisonOp', pattern: Lexer.NA });
/** Token category: label matcher operators inside braces (`=`, `!=`, `=~`, `!~`). */
export const MatchOp = createToken({ name: 'MatchOp', pattern: Lexer.NA });
/** Token category: number literals (decimal, hex, `Inf`, `NaN`). */
export const NumberLike = createToken({ name: 'NumberLike', pattern: Lexer.NA });

/** Whitespace, skipped. */
export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED });
/** A `#` comment to the end of the line, skipped. */
export const Comment = createToken({ name: 'Comment', pattern: /#[^\n]*/, group: Lexer.SKIPPED });

/**
 * An identifier: metric names, label names and function names. A leading colon is not accepted
 * (Prometheus accepts `:foo`), so that `[5m:1m]` lexes without a bracket mode for identifiers.
 */
export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[a-zA-Z_][a-zA-Z0-9_:]*/,
  categories: [LabelNameLike, MetricNameLike],
});

/** A keyword token definition: the word (matched case-insensitively) and its categories. */
function keyword(name: string, word: string, categories: TokenType[]): TokenType {
  return createToken({
    name,
    pattern: new RegExp(word, 'i'),
    longer_alt: Identifier,
    categories: [LabelNameLike, ...categories],
  });
}

/** The `sum` keyword (any case). */
export const Sum = keyword('Sum', 'sum', [AggregateOp, MetricNameLike]);
/** The `avg` keyword (any case). */
export const Avg = keyword('Avg', 'avg', [AggregateOp, MetricNameLike]);
/** The `min` keyword (any case). */
export const Min = keyword('Min', 'min', [AggregateOp, MetricNameLike]);
/** The `max` keyword (any case). */
export const Max = keyword('Max', 'max', [AggregateOp, MetricNameLike]);
/** The `count` keyword (any case). */
export const Count = keyword('Count', 'count', [AggregateOp, MetricNameLike]);
/** The `count_values` keyword (any case). */
export const CountValues = keyword('CountValues', 'count_values', [AggregateOp, MetricNameLike]);
/** The `group` keyword (any case). */
export const Group = keyword('Group', 'group', [AggregateOp, MetricNameLike]);
/** The `stddev` keyword (any case). */
export const Stddev = keyword('Stddev', 'stddev', [AggregateOp, MetricNameLike]);
/** The `stdvar` keyword (any case). */
export const Stdvar = keyword('Stdvar', 'stdvar', [AggregateOp, MetricNameLike]);
/** The `topk` keyword (any case). */
export const Topk = keyword('Topk', 'topk', [AggregateOp, MetricNameLike]);
/** The `bottomk` keyword (any case). */
export const Bottomk = keyword('Bottomk', 'bottomk', [AggregateOp, MetricNameLike]);
/** The `quantile` keyword (any case). */
export const Quantile = keyword('Quantile', 'quantile', [AggregateOp, MetricNameLike]);
/** The `limitk` keyword (any case). */
export const Limitk = keyword('Limitk', 'limitk', [AggregateOp, MetricNameLike]);
/** The `limit_ratio` keyword (any case). */
export const LimitRatio = keyword('LimitRatio', 'limit_ratio', [AggregateOp, MetricNameLike]);

/** The `and` keyword (any case). */
export const And = keyword('And', 'and', [MetricNameLike]);
/** The `or` keyword (any case). */
export const Or = keyword('Or', 'or', [MetricNameLike]);
/** The `unless` keyword (any case). */
export const Unless = keyword('Unless', 'unless', [MetricNameLike]);
/** `atan2`, a binary operator spelled as a word. */
export const Atan2 = keyword('Atan2', 'atan2', []);

/** The `by` keyword (any case). */
export const By = keyword('By', 'by', [MetricNameLike]);
/** The `without` keyword (any case). */
export const Without = keyword('Without', 'without', [MetricNameLike]);
/** The `on` keyword (any case). */
export const On = keyword('On', 'on', []);
/** The `ignoring` keyword (any case). */
export const Ignoring = keyword('Ignoring', 'ignoring', []);
/** The `group_left` keyword (any case). */
export const GroupLeft = keyword('GroupLeft', 'group_left', []);
/** The `group_right` keyword (any case). */
export const GroupRight = keyword('GroupRight', 'group_right', []);
/** The `bool` keyword (any case). */
export const Bool = keyword('Bool', 'bool', []);
/** The `offset` keyword (any case). */
export const Offset = keyword('Offset', 'offset', [MetricNameLike]);
/** The `start` keyword (any case). */
export const Start = keyword('Start', 'start', [MetricNameLike]);
/** The `end` keyword (any case). */
export const End = keyword('End', 'end', [MetricNameLike]);
/** `Inf` and `NaN` (any case) are number literals, as in Prometheus. */
export const InfOrNaN = keyword('InfOrNaN', 'inf|nan', [NumberLike]);

/** A duration literal such as `5m`, `1h30m`, `100ms`; units y w d h m s ms. */
export const Duration = createToken({
  name: 'Duration',
  pattern: /\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*(?![a-zA-Z0-9_])/,
  start_chars_hint: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  line_breaks: false,
});
/** A number literal: decimal with optional fraction and exponent, hex, digits grouped by `_`. */
export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  pattern:
    /0[xX]_?[0-9a-fA-F]+(?:_[0-9a-fA-F]+)*|(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?/,
  categories: [NumberLike],
  start_chars_hint: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '.'],
  line_breaks: false,
});

/** A quoted string: double or single quotes with Go escapes, or backticks (raw). */
export const StringLiteral = createToken({
  name: 'StringLiteral',
  pattern: /"(?:[^"\\\n]|\\[^\n])*"|'(?:[^'\\\n]|\\[^\n])*'|`[^`]*`/,
  line_breaks: true,
});
/** A string missing its closing quote; the parser facade reports it as `unterminated quoted string`. */
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: /"(?:[^"\\\n]|\\[^\n])*|'(?:[^'\\\n]|\\[^\n])*|`[^`]*/,
  line_breaks: true,
});

/** `(` */
export const LParen = createToken({ name: 'LParen', pattern: '(' });
/** `)` */
export const RParen = createToken({ name: 'RParen', pattern: ')' });
/** `{` */
export const LBrace = createToken({ name: 'LBrace', pattern: '{', push_mode: 'braces' });
/** `}` */
export const RBrace = createToken({ name: 'RBrace', pattern: '}', pop_mode: true });
/** `[` */
export const LBracket = createToken({ name: 'LBracket', pattern: '[', push_mode: 'brackets' });
/** `]` */
export const RBracket = createToken({ name: 'RBracket', pattern: ']', pop_mode: true });
/** `,` */
export const Comma = createToken({ name: 'Comma', pattern: ',' });
/** `:` */
export const Colon = createToken({ name: 'Colon', pattern: ':' });
/** `@` */
export const At = createToken({ name: 'At', pattern: '@' });

/** `+` */
export const Plus = createToken({ name: 'Plus', pattern: '+' });
/** `-` */
export const Minus = createToken({ name: 'Minus', pattern: '-' });
/** `*` */
export const Mul = createToken({ name: 'Mul', pattern: '*' });
/** `/` */
export const Div = createToken({ name: 'Div', pattern: '/' });
/** `%` */
export const Mod = createToken({ name: 'Mod', pattern: '%' });
/** `^` */
export const Pow = createToken({ name: 'Pow', pattern: '^' });

/** `==` */
export const EqlC = createToken({ name: 'EqlC', pattern: '==', categories: [ComparisonOp] });
/** `!=` */
export const Neq = createToken({ name: 'Neq', pattern: '!=', categories: [ComparisonOp, MatchOp] });
/** `<=` */
export const Lte = createToken({ name: 'Lte', pattern: '<=', categories: [ComparisonOp] });
/** `<` */
export const Lss = createToken({ name: 'Lss', pattern: '<', categories: [ComparisonOp] });
/** `>=` */
export const Gte = createToken({ name: 'Gte', pattern: '>=', categories: [ComparisonOp] });
/** `>` */
export const Gtr = createToken({ name: 'Gtr', pattern: '>', categories: [ComparisonOp] });

/** `=~` */
export const EqlRegex = createToken({ name: 'EqlRegex', pattern: '=~', categories: [MatchOp] });
/** `!~` */
export const NeqRegex = createToken({ name: 'NeqRegex', pattern: '!~', categories: [MatchOp] });
/** `=` */
export const Eql = createToken({ name: 'Eql', pattern: '=', categories: [MatchOp] });

/** Every keyword token, in lexing order (longer words before their prefixes). */
export const KEYWORD_TOKENS: TokenType[] = [
  CountValues,
  Count,
  GroupLeft,
  GroupRight,
  Group,
  Sum,
  Avg,
  Min,
  Max,
  Stddev,
  Stdvar,
  Topk,
  Bottomk,
  Quantile,
  Limitk,
  LimitRatio,
  And,
  Or,
  Unless,
  Atan2,
  By,
  Without,
  On,
  Ignoring,
  Bool,
  Offset,
  Start,
  End,
  InfOrNaN,
];

/** Category tokens; they match nothing themselves but must be registered with the parser. */
export const CATEGORY_TOKENS: TokenType[] = [LabelNameLike, MetricNameLike, AggregateOp, ComparisonOp, MatchOp, NumberLike];
