import { describe, expect, it } from 'vitest';
import { labelsKey } from '../../engine/labels.js';
import type { LogQueryExpr } from '../ast/ast.js';
import { parseLogQLOrThrow } from '../parse.js';
import { LabelsBuilder } from './labels-builder.js';
import { compilePipeline } from './pipeline.js';

/** Runs the pipeline of `query` over one line of a stream `{app="x"}` and returns the line and labels. */
function run(query: string, line: string, meta?: Record<string, string>): { line: string | null; labels: Record<string, string> } {
  const expr = parseLogQLOrThrow(query) as LogQueryExpr;
  const pipeline = compilePipeline(expr.pipeline);
  const lbs = new LabelsBuilder();
  const stream = { app: 'x' };
  lbs.setStream(stream, labelsKey(stream));
  lbs.reset(meta);
  const out = pipeline.run(line, 1_000_000_000n, lbs);
  return { line: out, labels: out === null ? {} : lbs.labels() };
}

describe('pipeline stages', () => {
  it.each([
    ['{app="x"} | json', '{"a":{"b-c":1,"d":[1]},"1e":true}', { app: 'x', a_b_c: '1', _1e: 'true' }],
    ['{app="x"} | json', '{"app":"shadow"}', { app: 'x', app_extracted: 'shadow' }],
    ['{app="x"} | json', '{"s":"a\\"b\\u00e9"}', { app: 'x', s: 'a"bé' }],
    ['{app="x"} | json', '{"a":1', { app: 'x', a: '1', __error__: 'JSONParserErr', __error_details__: 'malformed JSON object' }],
    ['{app="x"} | json v="a[1].b"', '{"a":[{"b":1},{"b":"two"}]}', { app: 'x', v: 'two' }],
    ['{app="x"} | logfmt', 'a=1 b="two words" c', { app: 'x', a: '1', b: 'two words' }],
    ['{app="x"} | logfmt --keep-empty', 'a=1 c', { app: 'x', a: '1' }],
    ['{app="x"} | logfmt', 'a=1 =bad b=2', { app: 'x', a: '1', b: '2' }],
    ['{app="x"} | pattern "<a> <_> <b>"', 'one two three four', { app: 'x', a: 'one', b: 'three four' }],
    ['{app="x"} | pattern "[<a>]"', 'no brackets', { app: 'x' }],
    ['{app="x"} | regexp "(?P<k>\\\\w+)=(?P<v>\\\\d+)"', 'x=1', { app: 'x', k: 'x', v: '1' }],
    ['{app="x"} | unpack', '{"_entry":"inner","p":"q"}', { app: 'x', p: 'q' }],
    ['{app="x"} | label_format b="{{.app}}-{{.app | ToUpper}}"', 'l', { app: 'x', b: 'x-X' }],
    ['{app="x"} | label_format b=app', 'l', { b: 'x' }],
    ['{app="x"} | drop app', 'l', {}],
    ['{app="x"} | keep nothing', 'l', {}],
  ])('%s on %s gives %j', (query, line, labels) => {
    expect(run(query, line).labels).toEqual(labels);
  });

  it('treats structured metadata as labels', () => {
    expect(run('{app="x"} | trace="t1" | line_format "{{.trace}}"', 'l', { trace: 't1' })).toEqual({
      line: 't1',
      labels: { app: 'x', trace: 't1' },
    });
    expect(run('{app="x"} | trace="t2"', 'l', { trace: 't1' }).line).toBeNull();
  });

  it('replaces the line with unpack _entry and line_format, never mutating the input', () => {
    const input = '{"_entry":"inner"}';
    expect(run('{app="x"} | unpack', input).line).toBe('inner');
    expect(input).toBe('{"_entry":"inner"}');
  });

  it('hoists line filters ahead of parsers and pushes contains-filters down', () => {
    const expr = parseLogQLOrThrow('{app="x"} | json | a="b" |= "c" | line_format "x" |= "d"') as LogQueryExpr;
    const p = compilePipeline(expr.pipeline);
    expect(p.lineContains).toEqual(['c']);
    expect(p.dropsLines).toBe(true);
    expect(compilePipeline((parseLogQLOrThrow('{app="x"} |= "a" | json') as LogQueryExpr).pipeline).dropsLines).toBe(false);
  });

  it('keeps the line of a numeric filter that fails to convert, marked with LabelFilterErr', () => {
    expect(run('{app="x"} | logfmt | n > 1', 'n=abc').labels.__error__).toBe('LabelFilterErr');
    expect(run('{app="x"} | logfmt | n > 1 | __error__=""', 'n=abc').line).toBeNull();
  });
});
