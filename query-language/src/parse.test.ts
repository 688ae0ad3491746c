import { describe, expect, it } from 'vitest';
import { assertNever, type Expr } from './ast/ast.js';
import { isQueryError, QueryError } from './errors.js';
import { MAX_QUERY_BYTES, parseQuery, parseQueryOrThrow } from './parse.js';

/** Fully parenthesised rendering that shows the tree's shape. */
function shape(e: Expr): string {
  switch (e.type) {
    case 'NumberLiteral':
      return String(e.value);
    case 'StringLiteral':
      return JSON.stringify(e.value);
    case 'VectorSelector':
      return e.name || '{}';
    case 'MatrixSelector':
      return `${shape(e.vector)}[${e.rangeMs}]`;
    case 'SubqueryExpr':
      return `${shape(e.expr)}[${e.rangeMs}:${e.stepMs}]`;
    case 'AggregateExpr':
      return `${e.op}(${e.param ? `${shape(e.param)}, ` : ''}${shape(e.expr)})`;
    case 'Call':
      return `${e.func}(${e.args.map(shape).join(', ')})`;
    case 'BinaryExpr':
      return `(${shape(e.lhs)} ${e.op} ${shape(e.rhs)})`;
    case 'UnaryExpr':
      return `(${e.op}${shape(e.expr)})`;
    case 'ParenExpr':
      return `[${shape(e.expr)}]`;
    default:
      return assertNever(e);
  }
}

function shapeOf(query: string): string {
  const { expr, errors } = parseQuery(query);
  expect(errors).toEqual([]);
  return shape(expr!);
}

describe('parseQuery', () => {
  it.each([
    ['1 + 2 * 3', '(1 + (2 * 3))'],
    ['1 * 2 + 3', '((1 * 2) + 3)'],
    ['1 - 2 - 3', '((1 - 2) - 3)'],
    ['1 / 2 / 3', '((1 / 2) / 3)'],
    ['2 ^ 3 ^ 2', '(2 ^ (3 ^ 2))'],
    ['-2 ^ 2', '(-(2 ^ 2))'],
    ['-a ^ b', '(-(a ^ b))'],
    ['-a * b', '((-a) * b)'],
    ['-1 * 2', '(-1 * 2)'],
    ['2 ^ -1', '(2 ^ -1)'],
    ['2 ^ -a ^ b', '(2 ^ (-(a ^ b)))'],
    ['a + b > c', '((a + b) > c)'],
    ['a > b + c', '(a > (b + c))'],
    ['a and b or c', '((a and b) or c)'],
    ['a or b and c', '(a or (b and c))'],
    ['a unless b and c', '((a unless b) and c)'],
    ['a == b and c', '((a == b) and c)'],
    ['a atan2 b * c', '((a atan2 b) * c)'],
    ['a % b ^ c', '(a % (b ^ c))'],
    ['a or b or c', '((a or b) or c)'],
    ['a > b > c', '((a > b) > c)'],
    ['a + b and c + d', '((a + b) and (c + d))'],
    ['(a + b) * c', '([(a + b)] * c)'],
    ['- - a', '(-(-a))'],
    ['-(1)', '(-[1])'],
    ['sum(a) by (x) + 1', '(sum(a) + 1)'],
    ['topk(3, a) / b', '(topk(3, a) / b)'],
    ['rate(a[5m])[1h:1m]', 'rate(a[300000])[3600000:60000]'],
    ['a offset 5m + b', '(a + b)'],
    ['a @ 10 * b', '(a * b)'],
  ])('parses %s with Prometheus precedence as %s', (query, expected) => {
    expect(shapeOf(query)).toBe(expected);
  });

  it('gives every node character offsets into the text', () => {
    const { expr } = parseQuery('sum by (a) (rate(foo{x="y"}[5m])) + 1');
    expect(expr?.pos).toEqual({ start: 0, end: 37 });
    if (expr?.type !== 'BinaryExpr' || expr.lhs.type !== 'AggregateExpr') throw new Error('unexpected shape');
    expect(expr.lhs.pos).toEqual({ start: 0, end: 33 });
    const call = expr.lhs.expr;
    expect(call.pos).toEqual({ start: 12, end: 32 });
    if (call.type !== 'Call') throw new Error('unexpected shape');
    expect(call.args[0]?.pos).toEqual({ start: 17, end: 31 });
    expect(expr.rhs.pos).toEqual({ start: 36, end: 37 });
  });

  it('extends a selector position over its offset and @ modifiers', () => {
    const { expr } = parseQuery('foo offset 5m @ 10');
    expect(expr?.pos).toEqual({ start: 0, end: 18 });
  });

  it('reports line and column on multi-line queries', () => {
    const { errors } = parseQuery('sum(\n  foo\n  bar)');
    expect(errors.map((e) => e.message)).toEqual(['3:3: parse error: unexpected identifier "bar"']);
    expect(errors[0]).toMatchObject({ line: 3, column: 3, pos: { start: 13, end: 16 } });
  });

  it('skips comments to the end of the line', () => {
    expect(shapeOf('sum( # the total\n foo # of foo\n)')).toBe('sum(foo)');
  });

  it('collects every type error instead of stopping at the first', () => {
    const { errors } = parseQuery('abs(1) + rate(foo) + sum(bar[5m])');
    expect(errors.map((e) => e.detail)).toEqual([
      'expected type instant vector in call to function "abs", got scalar',
      'expected type range vector in call to function "rate", got instant vector',
      'expected type instant vector in aggregation expression, got range vector',
    ]);
  });

  it('folds a sign into a number literal as Prometheus does', () => {
    expect(parseQuery('-5').expr).toMatchObject({ type: 'NumberLiteral', value: -5, pos: { start: 0, end: 2 } });
  });

  it('reads a duration in number position as seconds and remembers it was a duration', () => {
    expect(parseQuery('1h30m').expr).toMatchObject({ type: 'NumberLiteral', value: 5400, durationLiteral: true });
  });

  it('builds matchers including the metric name', () => {
    const { expr } = parseQuery('foo{a="1", b!~"x|y"}');
    expect(expr).toMatchObject({
      type: 'VectorSelector',
      name: 'foo',
      matchers: [
        { name: 'a', op: '=', value: '1' },
        { name: 'b', op: '!~', value: 'x|y' },
        { name: '__name__', op: '=', value: 'foo' },
      ],
    });
  });

  it('keeps the @ timestamp in milliseconds and offsets in milliseconds', () => {
    expect(parseQuery('foo @ 1.5 offset -1m').expr).toMatchObject({
      at: { type: 'timestamp', timestampMs: 1500 },
      offsetMs: -60_000,
    });
  });

  it('produces plain data that survives a JSON round trip', () => {
    const { expr } = parseQuery('sum by (a) (rate(foo{x=~"y"}[5m] offset 1m)) / on (a) group_left (b) bar');
    expect(JSON.parse(JSON.stringify(expr))).toEqual(expr);
  });

  it('rejects queries over 16 KiB with a clear message', () => {
    const query = `foo + ${'1 + '.repeat(MAX_QUERY_BYTES / 4)}1`;
    const { expr, errors } = parseQuery(query);
    expect(expr).toBeNull();
    expect(errors[0]?.detail).toMatch(/^query too long: \d+ bytes exceeds the limit of 16384 bytes$/);
  });

  it('accepts a query of exactly 16 KiB', () => {
    const query = `foo${' '.repeat(MAX_QUERY_BYTES - 3)}`;
    expect(parseQuery(query).errors).toEqual([]);
  });

  it('accepts 64 levels of parentheses', () => {
    expect(parseQuery(`${'('.repeat(64)}1${')'.repeat(64)}`).errors).toEqual([]);
  });

  it('rejects deeper nesting with a clear message instead of overflowing the stack', () => {
    const { errors } = parseQuery(`${'abs('.repeat(500)}x${')'.repeat(500)}`);
    expect(errors.map((e) => e.message)).toEqual([
      '1:260: parse error: expression nested too deeply: more than 64 levels of parentheses',
    ]);
  });

  it('never throws on a long chain of unary signs', () => {
    const { errors } = parseQuery(`${'-'.repeat(MAX_QUERY_BYTES - 1)}1`);
    expect(errors.length === 0 || errors[0]?.detail === 'query too complex').toBe(true);
  });
});

describe('parseQueryOrThrow', () => {
  it('returns the expression of a valid query', () => {
    expect(parseQueryOrThrow('up').type).toBe('VectorSelector');
  });

  it('throws a bad_query QueryError listing every problem', () => {
    let caught: unknown;
    try {
      parseQueryOrThrow('abs(1) + rate(foo)');
    } catch (err) {
      caught = err;
    }
    expect(isQueryError(caught, 'bad_query')).toBe(true);
    const err = caught as QueryError;
    expect(err.message).toBe('1:5: parse error: expected type instant vector in call to function "abs", got scalar');
    expect(err.problems).toHaveLength(2);
  });

  it('throws query_too_long for an oversized query', () => {
    expect(() => parseQueryOrThrow('x'.repeat(MAX_QUERY_BYTES + 1))).toThrow(
      expect.objectContaining({ code: 'query_too_long' }),
    );
  });
});

describe('isQueryError', () => {
  it('recognises errors by name and code, not by class identity', () => {
    expect(isQueryError({ name: 'QueryError', code: 'bad_query' }, 'bad_query')).toBe(true);
    expect(isQueryError(new QueryError('canceled', 'x'), 'bad_query')).toBe(false);
    expect(isQueryError(new Error('x'))).toBe(false);
    expect(isQueryError(null)).toBe(false);
  });
});
