import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatExpr } from './format/format.js';
import { parseQuery } from './parse.js';

const GOLDEN_PATH = new URL('../testdata/grammar/promql.golden', import.meta.url);

interface GoldenCase {
  query: string;
  expected: string[];
  line: number;
}

/** Reads the golden file: a query line followed by `=> ...` or `!! ...` lines; `# ` lines are comments. */
function readGolden(): { header: string[]; cases: GoldenCase[]; raw: string[] } {
  const raw = readFileSync(GOLDEN_PATH, 'utf8').split('\n');
  const cases: GoldenCase[] = [];
  raw.forEach((line, index) => {
    if (line === '' || line.startsWith('# ')) return;
    if (line.startsWith('=> ') || line.startsWith('!! ')) {
      cases.at(-1)?.expected.push(line);
      return;
    }
    cases.push({ query: line, expected: [], line: index + 1 });
  });
  return { header: [], cases, raw };
}

function actualLines(query: string): string[] {
  const { expr, errors } = parseQuery(query);
  if (errors.length === 0 && expr) return [`=> ${formatExpr(expr)}`];
  return errors.map((e) => `!! ${e.message}`);
}

const golden = readGolden();

if (process.env.UPDATE_GOLDEN) {
  const out: string[] = [];
  for (const line of golden.raw) {
    if (line.startsWith('=> ') || line.startsWith('!! ')) continue;
    out.push(line);
    if (line !== '' && !line.startsWith('# ')) out.push(...actualLines(line));
  }
  writeFileSync(GOLDEN_PATH, out.join('\n'));
}

describe('the PromQL grammar golden file', () => {
  it('holds several hundred cases', () => {
    expect(golden.cases.length).toBeGreaterThan(400);
  });

  it.each(golden.cases.map((c) => [`line ${c.line}: ${c.query}`, c] as const))('%s', (_name, c) => {
    expect(actualLines(c.query)).toEqual(c.expected);
    const formatted = c.expected[0];
    if (formatted?.startsWith('=> ')) {
      // The formatter's output is a fixed point: formatting it again changes nothing.
      expect(actualLines(formatted.slice(3))).toEqual([formatted]);
    }
  });
});
