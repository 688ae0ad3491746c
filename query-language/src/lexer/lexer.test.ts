import { describe, expect, it } from 'vitest';
import { promqlLexer } from './lexer.js';

function tokens(text: string): string[] {
  const { tokens, errors } = promqlLexer.tokenize(text);
  expect(errors).toEqual([]);
  return tokens.map((t) => `${t.tokenType.name}:${t.image}`);
}

describe('promqlLexer', () => {
  it.each([
    ['sum', ['Sum:sum']],
    ['SUM', ['Sum:SUM']],
    ['summary', ['Identifier:summary']],
    ['count_values', ['CountValues:count_values']],
    ['count_over_time', ['Identifier:count_over_time']],
    ['group_left', ['GroupLeft:group_left']],
    ['grouping', ['Identifier:grouping']],
    ['on', ['On:on']],
    ['one', ['Identifier:one']],
    ['info', ['Identifier:info']],
    ['Inf', ['InfOrNaN:Inf']],
    ['nan', ['InfOrNaN:nan']],
    ['foo:bar', ['Identifier:foo:bar']],
    ['5m', ['Duration:5m']],
    ['1h30m', ['Duration:1h30m']],
    ['100ms', ['Duration:100ms']],
    ['1.5', ['NumberLiteral:1.5']],
    ['0x1F', ['NumberLiteral:0x1F']],
    ['1_000', ['NumberLiteral:1_000']],
    ['1e-3', ['NumberLiteral:1e-3']],
    ['"a\\"b"', ['StringLiteral:"a\\"b"']],
    ['`a\\b`', ['StringLiteral:`a\\b`']],
    ['"abc', ['UnterminatedString:"abc']],
    ['a # c\nb', ['Identifier:a', 'Identifier:b']],
    ['a==b', ['Identifier:a', 'EqlC:==', 'Identifier:b']],
    ['a!=b', ['Identifier:a', 'Neq:!=', 'Identifier:b']],
    ['a<=b', ['Identifier:a', 'Lte:<=', 'Identifier:b']],
  ])('lexes %s as %j', (text, expected) => {
    expect(tokens(text)).toEqual(expected);
  });

  it('treats keywords inside braces as plain identifiers', () => {
    expect(tokens('{by="x", sum=~"y", inf!="z"}')).toEqual([
      'LBrace:{',
      'Identifier:by',
      'Eql:=',
      'StringLiteral:"x"',
      'Comma:,',
      'Identifier:sum',
      'EqlRegex:=~',
      'StringLiteral:"y"',
      'Comma:,',
      'Identifier:inf',
      'Neq:!=',
      'StringLiteral:"z"',
      'RBrace:}',
    ]);
  });

  it('lexes a subquery range and step inside brackets', () => {
    expect(tokens('x[5m:1m]')).toEqual(['Identifier:x', 'LBracket:[', 'Duration:5m', 'Colon::', 'Duration:1m', 'RBracket:]']);
  });

  it('records character offsets on every token', () => {
    const { tokens: out } = promqlLexer.tokenize('  foo + 1');
    expect(out.map((t) => t.startOffset)).toEqual([2, 6, 8]);
  });
});
