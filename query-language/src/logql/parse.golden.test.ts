import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatLogQL } from './format/format.js';
import { parseLogQL } from './parse.js';

const GOLDEN_PATH = new URL('../../testdata/grammar/logql.golden', import.meta.url);

function actualLines(query: string): string[] {
  const { expr, errors } = parseLogQL(query);
  if (errors.length === 0 && expr) return [`=> ${formatLogQL(expr)}`];
  return errors.map((e) => `!! ${e.message}`);
}

const raw = readFileSync(GOLDEN_PATH, 'utf8').split('\n');
const cases: Array<{ query: string; expected: string[]; line: number }> = [];
raw.forEach((line, index) => {
  if (line === '' || line.startsWith('# ')) return;
  if (line.startsWith('=> ') || line.startsWith('!! ')) cases.at(-1)?.expected.push(line);
  else cases.push({ query: line, expected: [], line: index + 1 });
});

if (process.env.UPDATE_GOLDEN) {
  const out: string[] = [];
  for (const line of raw) {
    if (line.startsWith('=> ') || line.startsWith('!! ')) continue;
    out.push(line);
    if (line !== '' && !line.startsWith('# ')) out.push(...actualLines(line));
  }
  writeFileSync(GOLDEN_PATH, out.join('\n'));
}

describe('the LogQL grammar golden file', () => {
  it('holds a case for every construct', () => {
    expect(cases.length).toBeGreaterThan(120);
  });

  it.each(cases.map((c) => [`line ${c.line}: ${c.query}`, c] as const))('%s', (_name, c) => {
    expect(actualLines(c.query)).toEqual(c.expected);
    const formatted = c.expected[0];
    if (formatted?.startsWith('=> ')) {
      // The formatter's output is a fixed point, and parses to the same tree.
      expect(actualLines(formatted.slice(3))).toEqual([formatted]);
    }
  });
});
