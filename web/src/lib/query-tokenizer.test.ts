import { describe, expect, it } from 'vitest';
import { type QueryLanguage, tokenize } from './query-tokenizer';

const kinds = (q: string, lang: QueryLanguage = 'promql') =>
  tokenize(q, lang)
    .filter((t) => t.kind !== 'whitespace')
    .map((t) => `${t.kind}:${t.text}`);

describe('tokenize', () => {
  it.each([
    ['rate(x[5m])', ['function:rate', 'paren:(', 'metric:x', 'bracket:[', 'duration:5m', 'bracket:]', 'paren:)']],
    [
      'sum by (job, le) (http_requests_total{code=~"5..",job!="a"})',
      [
        'function:sum',
        'keyword:by',
        'paren:(',
        'label:job',
        'comma:,',
        'label:le',
        'paren:)',
        'paren:(',
        'metric:http_requests_total',
        'brace:{',
        'label:code',
        'matcher:=~',
        'string:"5.."',
        'comma:,',
        'label:job',
        'matcher:!=',
        'string:"a"',
        'brace:}',
        'paren:)',
      ],
    ],
    ['a / on (x) group_left b', ['metric:a', 'operator:/', 'keyword:on', 'paren:(', 'label:x', 'paren:)', 'keyword:group_left', 'metric:b']],
    ['x offset 1h30m @ 1700000000', ['metric:x', 'keyword:offset', 'duration:1h30m', 'operator:@', 'number:1700000000']],
    ['1e3 + 0x1f - Inf + .5', ['number:1e3', 'operator:+', 'number:0x1f', 'operator:-', 'number:Inf', 'operator:+', 'number:.5']],
    ['up # a comment', ['metric:up', 'comment:# a comment']],
    ['job:rate5m:sum', ['metric:job:rate5m:sum']],
  ])('classifies the PromQL %s', (query, expected) => {
    expect(kinds(query)).toEqual(expected);
  });

  it.each([
    [
      '{app="web"} |= "error" | json | level="error" | line_format "{{.msg}}"',
      [
        'brace:{',
        'label:app',
        'matcher:=',
        'string:"web"',
        'brace:}',
        'pipe:|=',
        'string:"error"',
        'pipe:|',
        'stage:json',
        'pipe:|',
        'label:level',
        'operator:=',
        'string:"error"',
        'pipe:|',
        'stage:line_format',
        'string:"{{.msg}}"',
      ],
    ],
    [
      'sum by (level) (count_over_time({app="a"} | logfmt | duration > 10s [5m]))',
      [
        'function:sum',
        'keyword:by',
        'paren:(',
        'label:level',
        'paren:)',
        'paren:(',
        'function:count_over_time',
        'paren:(',
        'brace:{',
        'label:app',
        'matcher:=',
        'string:"a"',
        'brace:}',
        'pipe:|',
        'stage:logfmt',
        'pipe:|',
        'label:duration',
        'operator:>',
        'duration:10s',
        'bracket:[',
        'duration:5m',
        'bracket:]',
        'paren:)',
        'paren:)',
      ],
    ],
    ['{app="a"} != "debug" !~ "x+"', ['brace:{', 'label:app', 'matcher:=', 'string:"a"', 'brace:}', 'pipe:!=', 'string:"debug"', 'pipe:!~', 'string:"x+"']],
  ])('classifies the LogQL %s', (query, expected) => {
    expect(kinds(query, 'logql')).toEqual(expected);
  });

  it('covers every character exactly once, even for broken input', () => {
    for (const q of ['sum(rate(x{a="b', '{a=`x', '§§ foo ))) ]]', '"unterminated \\" still', '{a="b"} | json | ', '']) {
      const tokens = tokenize(q, 'logql');
      expect(tokens.map((t) => t.text).join('')).toBe(q);
      tokens.forEach((t, i) => {
        expect(t.start).toBe(i === 0 ? 0 : tokens[i - 1]!.end);
      });
    }
  });

  it('marks an unterminated string', () => {
    const [, , , s] = tokenize('{a="b', 'promql');
    expect(s).toMatchObject({ kind: 'string', text: '"b', unterminated: true });
  });

  it('keeps escaped quotes inside a string', () => {
    expect(kinds('{a="x\\"y"}')).toEqual(['brace:{', 'label:a', 'matcher:=', 'string:"x\\"y"', 'brace:}']);
  });
});
