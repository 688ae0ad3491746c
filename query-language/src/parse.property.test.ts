import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatExpr } from './format/format.js';
import { prettyFormatExpr } from './format/pretty.js';
import { FUNCTIONS } from './functions.js';
import { parseQuery } from './parse.js';

/** `VIGIL_LONG_TESTS=1` runs every property with 20× the inputs. */
const LONG_RUNS = process.env.VIGIL_LONG_TESTS === '1' ? 20 : 1;

/**
 * Removes `pos` everywhere so that trees from different texts can be compared, and puts matchers
 * in a canonical order: the formatter sorts them, as Prometheus' does, and their order carries no
 * meaning.
 */
function withoutPositions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPositions);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'pos') continue;
      out[key] = key === 'matchers' && Array.isArray(inner) ? [...inner].map((m) => JSON.stringify(m)).sort() : withoutPositions(inner);
    }
    return out;
  }
  return value;
}

const metricName = fc.oneof(
  fc.constantFrom('foo', 'bar_total', 'ns:metric:rate5m', 'up', 'by', 'offset', 'start', 'count_values'),
  fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/).filter((s) => !/^(and|or|unless|atan2|on|ignoring|bool|group_left|group_right|inf|nan|sum|avg|min|max|count|group|stddev|stdvar|topk|bottomk|quantile|limitk|limit_ratio|without|end|by|offset|start|count_values)$/.test(s) || s === 'by'),
);
const labelName = fc.oneof(
  fc.constantFrom('a', 'job', 'by', 'on', 'bool', 'offset', 'sum', 'inf', 'le', '__name__'),
  fc.constantFrom('"a.b"', '"ünï"', '"with space"'),
);
const labelValue = fc.oneof(
  fc.constantFrom('x', '', 'a"b', "it's", 'line\nbreak', 'tab\t', 'é', '\\', '😀'),
  fc.string({ maxLength: 6 }),
  fc.string({ maxLength: 4, unit: 'binary' }),
);
const quote = (s: string): string => JSON.stringify(s);
const matcherOp = fc.constantFrom('=', '!=', '=~', '!~');
const regexSafe = fc.constantFrom('.*', '.+', 'a|b', '[0-9]+', 'x');
const matcher = fc
  .tuple(labelName, matcherOp, labelValue, regexSafe)
  .map(([name, op, value, re]) => `${name}${op}${quote(op.includes('~') ? re : value)}`);
const duration = fc.constantFrom('5m', '1h30m', '90s', '1d', '1w', '300', '1.5', '100ms', '2h');
const number = fc.oneof(
  fc.integer({ min: 0, max: 1_000_000 }).map(String),
  fc.double({ min: 0, max: 1e6, noNaN: true }).map((d) => String(d)),
  fc.constantFrom('Inf', 'NaN', '0x1f', '1e3', '1_000', '.5', '5m', '1h'),
);

const quotedName = fc.constantFrom('{"on"}', '{"Inf"}', '{"nan", a="b"}', '{"bool"}', '{"a.b"}', '{"sum"}');
const selector = fc
  .tuple(fc.option(metricName, { nil: undefined }), fc.array(matcher, { maxLength: 3 }), fc.option(quotedName, { nil: undefined }))
  .map(([name, matchers, quoted]) => {
    if (quoted) return quoted;
    if (!name && matchers.length === 0) return '{job="x"}';
    return `${name ?? ''}${matchers.length > 0 || !name ? `{${matchers.join(', ')}}` : ''}`;
  });
const modifiers = fc
  .tuple(
    fc.option(fc.tuple(fc.constantFrom('', '-'), duration), { nil: undefined }),
    fc.option(fc.constantFrom('10', '1.5', '-3', 'start()', 'end()'), { nil: undefined }),
  )
  .map(([off, at]) => `${at ? ` @ ${at}` : ''}${off ? ` offset ${off[0]}${off[1]}` : ''}`);

const binaryOp = fc.constantFrom('+', '-', '*', '/', '%', '^', 'atan2', '==', '!=', '<', '>', '<=', '>=', 'and', 'or', 'unless');
const binModifiers = fc
  .tuple(
    fc.boolean(),
    fc.option(fc.tuple(fc.constantFrom('on', 'ignoring'), fc.array(labelName, { maxLength: 2 })), { nil: undefined }),
    fc.option(fc.tuple(fc.constantFrom('group_left', 'group_right'), fc.array(labelName, { maxLength: 2 })), {
      nil: undefined,
    }),
  )
  .map(([bool, matching, group]) => {
    let out = bool ? ' bool' : '';
    if (matching) {
      out += ` ${matching[0]} (${matching[1].join(', ')})`;
      if (group) out += ` ${group[0]} (${group[1].join(', ')})`;
    }
    return out;
  });
const aggregator = fc.constantFrom('sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'limitk', 'limit_ratio');
const functionName = fc.constantFrom(...FUNCTIONS.keys());

const { expr } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    number,
    fc.constantFrom('"str"', "'single'", '`raw`'),
    fc.tuple(selector, modifiers).map(([s, m]) => s + m),
    fc.tuple(selector, duration, modifiers).map(([s, d, m]) => `${s}[${d}]${m}`),
    fc.tuple(tie('expr'), binaryOp, binModifiers, tie('expr')).map(([l, op, mods, r]) => `${l} ${op}${mods} ${r}`),
    fc.tuple(fc.constantFrom('-', '+'), tie('expr')).map(([sign, e]) => `${sign}${e}`),
    tie('expr').map((e) => `(${e})`),
    fc
      .tuple(tie('expr'), duration, fc.option(duration, { nil: undefined }), modifiers)
      .map(([e, r, s, m]) => `(${e})[${r}:${s ?? ''}]${m}`),
    fc
      .tuple(aggregator, fc.constantFrom('', 'by', 'without'), fc.array(labelName, { maxLength: 2 }), fc.boolean(), tie('expr'), tie('expr'))
      .map(([op, kind, labels, after, param, e]) => {
        const grouping = kind ? ` ${kind} (${labels.join(', ')}) ` : '';
        const args = ['topk', 'bottomk', 'quantile', 'count_values', 'limitk', 'limit_ratio'].includes(op)
          ? `(${param}, ${e})`
          : `(${e})`;
        return after ? `${op}${args}${grouping}` : `${op}${grouping}${args}`;
      }),
    fc.tuple(functionName, fc.array(tie('expr'), { maxLength: 3 })).map(([f, args]) => `${f}(${args.join(', ')})`),
  ),
}));

describe('the parser and formatter together', () => {
  it('agree: parsing the formatted form of a parsed query gives the same tree', () => {
    fc.assert(
      fc.property(expr, (query) => {
        const first = parseQuery(query);
        if (!first.expr) return;
        const formatted = formatExpr(first.expr);
        const second = parseQuery(formatted);
        expect(second.expr, `formatted as ${formatted}`).not.toBeNull();
        expect(withoutPositions(second.expr)).toEqual(withoutPositions(first.expr));
        // A valid query formats to a valid query. (An invalid one may lose the offending part:
        // `1 + on (a) 2` formats as `1 + 2`, exactly as in Prometheus.)
        if (first.errors.length === 0) expect(second.errors).toEqual([]);
        // The multi-line form means the same thing.
        const pretty = parseQuery(prettyFormatExpr(first.expr));
        expect(withoutPositions(pretty.expr)).toEqual(withoutPositions(first.expr));
      }),
      { numRuns: LONG_RUNS * 1500 },
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ maxLength: 40, unit: 'binary' })), (text) => {
        const result = parseQuery(text);
        expect(result.errors.length > 0 || result.expr !== null).toBe(true);
      }),
      { numRuns: LONG_RUNS * 1500 },
    );
  });

  it('never throws on soup made of PromQL tokens', () => {
    const token = fc.constantFrom(
      'sum', 'by', '(', ')', '{', '}', '[', ']', ':', ',', 'foo', 'a', '=', '=~', '!=', '!~', '"x"', "'", '`', '5m',
      '1', '0x', 'offset', '@', 'start()', '+', '-', '*', '^', 'and', 'on', 'group_left', 'bool', '==', '#', '\n',
      'rate', 'topk', '.', 'Inf', '\\', ' ',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 30 }), (tokens) => {
        const text = tokens.join(' ');
        const result = parseQuery(text);
        expect(result.errors.length > 0 || result.expr !== null).toBe(true);
      }),
      { numRuns: LONG_RUNS * 1500 },
    );
  });
});
