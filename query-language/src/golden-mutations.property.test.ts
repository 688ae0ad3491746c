import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatExpr } from './format/format.js';
import { formatLogQL } from './logql/format/format.js';
import { parseLogQL } from './logql/parse.js';
import { parseQuery } from './parse.js';

// Both grammars' golden queries, damaged: every result is a tree or a positioned error (never an
// exception caught by the facade's guard, which reports "unexpected error"), and every tree
// formats to text that parses back to the same tree. The runs grow 20× with VIGIL_LONG_TESTS=1.

const RUNS = (base: number): number => (process.env.VIGIL_LONG_TESTS === '1' ? base * 20 : base);

function goldenQueries(name: string): string[] {
  const text = readFileSync(new URL(`../testdata/grammar/${name}`, import.meta.url), 'utf8');
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('=> ') && !l.startsWith('!! '));
}

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

const POSITIONED = /^\d+:\d+: parse error: \S/;

const PROMQL_TOKENS = ['sum', 'by', '(', ')', '{', '}', '[', ']', ':', ',', '=', '=~', '!~', '"', "'", '`', '5m', '@', 'offset', '+', '-', '*', '/', '^', 'and', 'on', 'bool', 'group_left', 'rate', 'Inf', 'NaN', '\\', ' ', '\n', '#', '0x', '1e', '.'];
const LOGQL_TOKENS = ['{', '}', '|', '|=', '!=', '|~', '!~', '|>', '!>', 'json', 'logfmt', 'line_format', 'label_format', 'unwrap', 'pattern', 'regexp', 'drop', 'keep', 'decolorize', 'or', 'and', 'by', '[', ']', '(', ')', '"', '`', '=', '==', '>=', '<', 'rate', 'count_over_time', 'sum', '5m', 'offset', 'bytes', 'duration', ',', ' ', '{{', '}}', '<_>', 'quantile_over_time', '0.9', 'ip(', '@'];

/** Damages a query: insert, delete, duplicate or replace characters and whole tokens. */
function damaged(queries: string[], tokens: string[]): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.constantFrom('insert', 'delete', 'duplicate', 'replace', 'truncate'), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 2 })));
  return fc.tuple(fc.constantFrom(...queries), fc.array(edit, { minLength: 1, maxLength: 3 })).map(([q, edits]) => {
    let s = q;
    for (const [kind, frac, tok] of edits) {
      const at = Math.floor(frac * (s.length + 1));
      if (kind === 'insert') s = s.slice(0, at) + tok + s.slice(at);
      else if (kind === 'delete') s = s.slice(0, at) + s.slice(at + 1 + (tok.length % 3));
      else if (kind === 'duplicate') s = s.slice(0, at) + s.slice(at, at + 4) + s.slice(at);
      else if (kind === 'replace') s = s.slice(0, at) + tok + s.slice(at + tok.length);
      else s = s.slice(0, at);
    }
    return s;
  });
}

interface Grammar {
  name: string;
  queries: string[];
  tokens: string[];
  parse: (q: string) => { expr: unknown; errors: Array<{ message: string; detail: string }> };
  format: (expr: never) => string;
}

const GRAMMARS: Grammar[] = [
  { name: 'PromQL', queries: goldenQueries('promql.golden'), tokens: PROMQL_TOKENS, parse: parseQuery, format: formatExpr as (e: never) => string },
  { name: 'LogQL', queries: goldenQueries('logql.golden'), tokens: LOGQL_TOKENS, parse: parseLogQL, format: formatLogQL as (e: never) => string },
];

function checkOutcome(g: Grammar, query: string): void {
  const first = g.parse(query);
  for (const e of first.errors) {
    expect(e.message, `${g.name} ${JSON.stringify(query)}`).toMatch(POSITIONED);
    expect(e.detail, `${g.name} ${JSON.stringify(query)}`).not.toMatch(/^unexpected error/);
  }
  if (first.errors.length > 0 || !first.expr) {
    expect(first.errors.length, `${g.name} ${JSON.stringify(query)}: no tree and no error`).toBeGreaterThan(0);
    return;
  }
  const formatted = g.format(first.expr as never);
  const second = g.parse(formatted);
  expect(second.errors.map((e) => e.message), `${g.name} ${JSON.stringify(query)} formatted as ${JSON.stringify(formatted)}`).toEqual([]);
  expect(withoutPositions(second.expr), `${g.name} ${JSON.stringify(query)} formatted as ${JSON.stringify(formatted)}`).toEqual(withoutPositions(first.expr));
}

describe.each(GRAMMARS)('the $name parser', (g) => {
  it('has golden queries to damage', () => {
    expect(g.queries.length).toBeGreaterThan(100);
  });

  it('answers damaged golden queries with a tree that formats and re-parses to itself, or a positioned error', () => {
    fc.assert(
      fc.property(damaged(g.queries, g.tokens), (q) => checkOutcome(g, q)),
      { numRuns: RUNS(1000) },
    );
  });

  it('answers soups of its tokens the same way', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...g.tokens, 'a', 'x="y"', '"s"', '1'), { maxLength: 25 }), fc.constantFrom('', ' '), (tokens, sep) => checkOutcome(g, tokens.join(sep))),
      { numRuns: RUNS(1000) },
    );
  });

  it('answers arbitrary text with a positioned error or a tree', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ maxLength: 40, unit: 'binary' })), (q) => checkOutcome(g, q)),
      { numRuns: RUNS(300) },
    );
  });

  // TF-1: no input of the accepted size (16 KiB) takes more than a second of CPU (CPU time, not
  // wall time, so that a busy CI machine does not fail the test).
  it.each([
    ['unknown characters', '鳶'.repeat(5461)],
    ['open parentheses', '('.repeat(16_000)],
    ['a long string', `"${'x'.repeat(16_000)}"`],
    ['repeated pipes', '{a="b"}' + ' | json'.repeat(2200)],
    ['a long sum', Array.from({ length: 3000 }, () => 'up').join('+')],
  ])('answers a 16 KiB query of %s within a second', (_name, q) => {
    const started = process.cpuUsage();
    checkOutcome(g, q);
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(1000);
  });
});
