import { describe, expect, it } from 'vitest';
import { formatDurationMs, formatNumberLiteral, goQuote, parseDurationMs, parseNumberLiteral, unquoteString } from './literals.js';

describe('parseDurationMs', () => {
  it.each([
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['100ms', 100],
    ['1y', 31_536_000_000],
    ['1w2d', 777_600_000],
    ['0s', 0],
    ['1m30s500ms', 90_500],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toEqual({ ms });
  });

  it.each(['5m1h', '1h1h', '', 'm', '5x'])('rejects %j', (text) => {
    expect(parseDurationMs(text)).toEqual({ error: `not a valid duration string: ${JSON.stringify(text)}` });
  });
});

describe('formatDurationMs', () => {
  it.each([
    [0, '0s'],
    [300_000, '5m'],
    [5_400_000, '1h30m'],
    [86_400_000, '1d'],
    [604_800_000, '1w'],
    [691_200_000, '8d'],
    [31_536_000_000, '1y'],
    [1500, '1s500ms'],
    [90_061_001, '1d1h1m1s1ms'],
  ])('prints %d ms as %s', (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text);
  });
});

describe('parseNumberLiteral and formatNumberLiteral', () => {
  it.each([
    ['0x1F', 31],
    ['1_000', 1000],
    ['.5', 0.5],
    ['1.', 1],
    ['1e3', 1000],
    ['INF', Number.POSITIVE_INFINITY],
  ])('reads %s as %d', (text, value) => {
    expect(parseNumberLiteral(text)).toBe(value);
  });

  it('reads NaN in any case', () => {
    expect(parseNumberLiteral('nAn')).toBeNaN();
  });

  it.each([
    [1e21, '1000000000000000000000'],
    [1e-7, '0.0000001'],
    [1.5e-10, '0.00000000015'],
    [123456789012345680, '123456789012345680'],
    [-2.5e25, '-25000000000000000000000000'],
    [Number.POSITIVE_INFINITY, '+Inf'],
    [Number.NEGATIVE_INFINITY, '-Inf'],
    [Number.NaN, 'NaN'],
  ])('formats %d without an exponent as %s', (value, text) => {
    expect(formatNumberLiteral(value)).toBe(text);
  });
});

describe('unquoteString', () => {
  it.each([
    ['"a\\nb"', 'a\nb'],
    ["'a\\'b'", "a'b"],
    ['"\\x41\\101\\u00e9\\U0001F600"', 'AAé😀'],
    ['`a\\nb`', 'a\\nb'],
    ['"\\a\\b\\f\\r\\t\\v\\\\"', '\x07\b\f\r\t\v\\'],
  ])('unquotes %s', (token, value) => {
    expect(unquoteString(token)).toEqual({ value });
  });

  it.each([
    ['"\\q"', "unknown escape sequence U+0071 'q'"],
    ['"\\x4"', 'escape sequence not terminated'],
    ['"\\uD800"', 'escape sequence is an invalid Unicode code point'],
    ["'\\\"'", 'unknown escape sequence U+0022 \'"\''],
  ])('rejects %s', (token, error) => {
    expect(unquoteString(token)).toEqual({ error });
  });
});

describe('goQuote', () => {
  it('escapes like Go strconv.Quote', () => {
    expect(goQuote('a"b\\c\nd\x01é')).toBe('"a\\"b\\\\c\\nd\\x01é"');
  });
});
