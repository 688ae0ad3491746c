import { describe, expect, it } from 'vitest';
import { parseYamlTree, SourcePositions, type YamlNode, YamlSyntaxError } from './yaml-tree.js';

/** The tree as plain data: scalars as [value, start], collections with their start. */
function plain(n: YamlNode | undefined): unknown {
  if (!n) return undefined;
  if (n.kind === 'scalar') return [n.value, n.start];
  if (n.kind === 'seq') return { seq: n.start, items: n.items.map(plain) };
  return { map: n.start, pairs: n.pairs.map((p) => [plain(p.key), plain(p.value)]) };
}

function syntaxError(text: string): { message: string; offset: number | undefined } {
  try {
    parseYamlTree(text);
  } catch (err) {
    if (err instanceof YamlSyntaxError) return { message: err.message, offset: err.offset };
    throw err;
  }
  throw new Error('no syntax error');
}

describe('parseYamlTree', () => {
  it('gives every node its core-schema value and its start offset, in block and flow style', () => {
    const text = 'a: 1\nb: { c: true, d: [x, "y", ~] }\ne:\n  - 0x1f\n  - !!str 12\n';
    expect(plain(parseYamlTree(text))).toEqual({
      map: 0,
      pairs: [
        [['a', 0], [1, 3]],
        [
          ['b', 5],
          {
            map: 8,
            pairs: [
              [['c', 10], [true, 13]],
              [['d', 19], { seq: 22, items: [['x', 23], ['y', 26], [null, 31]] }],
            ],
          },
        ],
        [['e', 36], { seq: 41, items: [[31, 43], ['12', 52]] }],
      ],
    });
  });

  it('places empty values at their key or list', () => {
    expect(plain(parseYamlTree('a:\nb:\n  -\n'))).toEqual({
      map: 0,
      pairs: [
        [['a', 0], [null, 0]],
        [['b', 3], { seq: 8, items: [[null, 8]] }],
      ],
    });
  });

  it('resolves aliases to their anchored node (also aliases to an enclosing node)', () => {
    const root = parseYamlTree('x: &l { k: v }\ny: *l\nz: &s [*s]\n');
    if (root?.kind !== 'map') throw new Error('not a map');
    expect(root.pairs[1]!.value).toBe(root.pairs[0]!.value);
    const z = root.pairs[2]!.value;
    expect(z.kind === 'seq' && z.items[0]).toBe(z);
  });

  it('keeps non-string keys as the core schema resolves them', () => {
    expect(plain(parseYamlTree('1: a\nnull: b\n'))).toEqual({
      map: 0,
      pairs: [
        [[1, 0], ['a', 3]],
        [[null, 5], ['b', 11]],
      ],
    });
  });

  it('is undefined for an empty document', () => {
    expect(parseYamlTree('')).toBeUndefined();
    expect(parseYamlTree('# only a comment\n')).toBeUndefined();
  });

  it.each([
    ['an unclosed flow mapping', 'labels: {', /end of the stream within a flow collection/, 9],
    ['a duplicate key', 'host: a\nhost: b', /duplicated mapping key/, 8],
    ['an unknown alias', 'a: *nope', /unidentified alias "nope"/, 4],
    ['a tab in the indentation', 'a:\n\tb: 1', /tab characters/, 3],
    ['two documents', 'a: 1\n---\nb: 2\n', /expected one YAML document, found 2/, 9],
  ])('rejects %s with its position', (_, text, message, offset) => {
    const e = syntaxError(text);
    expect(e.message).toMatch(message);
    expect(e.offset).toBe(offset);
  });
});

describe('SourcePositions', () => {
  it('turns offsets into 1-based lines and columns', () => {
    const p = new SourcePositions('ab\n\ncd\n');
    expect([0, 1, 2, 3, 4, 5, 7].map((o) => p.at(o))).toEqual([
      { line: 1, column: 1 },
      { line: 1, column: 2 },
      { line: 1, column: 3 },
      { line: 2, column: 1 },
      { line: 3, column: 1 },
      { line: 3, column: 2 },
      { line: 4, column: 1 },
    ]);
  });
});
