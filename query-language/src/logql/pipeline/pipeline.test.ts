import { describe, expect, it } from 'vitest';
import type { LogQueryExpr } from '../ast/ast.js';
import { parseLogQLOrThrow } from '../parse.js';
import { compilePipeline } from './pipeline.js';

const compile = (q: string) => compilePipeline((parseLogQLOrThrow(q) as LogQueryExpr).pipeline);

describe('the drop hints a pipeline hands to the source', () => {
  it('describes json lines that __error__="" and the first numeric filter after it drop', () => {
    expect(compile('{a="b"} |= "x" | json | __error__="" | status >= 500').jsonDrop).toEqual({
      nonObject: true,
      numeric: [{ key: 'status', op: '>=', value: 500 }],
    });
    // Label matchers between are fine; a second numeric filter is not described (the first may
    // keep a line with a conversion error, which the second then lets through).
    expect(compile('{a="b"} | json | __error__="" | level="x" | status < 3 | size > 1').jsonDrop).toEqual({
      nonObject: true,
      numeric: [{ key: 'status', op: '<', value: 3 }],
    });
    // Without __error__="" a failed parse keeps the line: the numeric rule then needs a valid object
    // (the source checks), and non-objects are kept.
    expect(compile('{a="b"} | json | status >= 500').jsonDrop).toEqual({ nonObject: false, numeric: [{ key: 'status', op: '>=', value: 500 }] });
    // The walk ends at the first numeric filter (conservative: a guard after it is not used).
    expect(compile('{a="b"} | json | status >= 500 | __error__=""').jsonDrop).toEqual({ nonObject: false, numeric: [{ key: 'status', op: '>=', value: 500 }] });
    // Keys with `_` (flattened or sanitised names), json with parameters, or a parser before json:
    // only what is certain is described.
    expect(compile('{a="b"} | json | __error__="" | status_code >= 500').jsonDrop).toEqual({ nonObject: true, numeric: [] });
    expect(compile('{a="b"} | json | status_code >= 500').jsonDrop).toBeUndefined();
    expect(compile('{a="b"} | json status="s" | __error__="" | status >= 500').jsonDrop).toBeUndefined();
    expect(compile('{a="b"} | logfmt | json | __error__="" | status >= 500').jsonDrop).toBeUndefined();
    expect(compile('{a="b"} | line_format "{{.x}}" | json | __error__=""').jsonDrop).toBeUndefined();
  });

  it('lists the label matchers met before a stage that can change labels', () => {
    expect(compile('{a="b"} | json | level="error" | x=~"y.*" and z!="w"').streamDrop).toEqual([
      { name: 'level', op: '=', value: 'error' },
      { name: 'x', op: '=~', value: 'y.*' },
      { name: 'z', op: '!=', value: 'w' },
    ]);
    // `or` is left out (either side may keep the line); numeric filters change no label.
    expect(compile('{a="b"} | logfmt | level="x" or level="y" | n > 1 | app="a"').streamDrop).toEqual([{ name: 'app', op: '=', value: 'a' }]);
    // label_format, drop and keep end the walk.
    expect(compile('{a="b"} | level="x" | label_format level="y" | app="a"').streamDrop).toEqual([{ name: 'level', op: '=', value: 'x' }]);
    expect(compile('{a="b"} | drop level | level=""').streamDrop).toEqual([]);
    expect(compile('{a="b"} | keep app | app="a"').streamDrop).toEqual([]);
  });
});
