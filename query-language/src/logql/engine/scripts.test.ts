import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { logqlScriptCases } from '../testing/logql-script.js';

const TESTDATA = new URL('../../../testdata/logql/', import.meta.url);
const files = readdirSync(TESTDATA).filter((f) => f.endsWith('.test')).sort();

describe('the LogQL data scripts', () => {
  it('cover every area', () => {
    expect(files).toEqual(['errors.test', 'formatters.test', 'label-filters.test', 'line-filters.test', 'metrics.test', 'parsers.test']);
  });

  for (const file of files) {
    describe(file, () => {
      const cases = logqlScriptCases(readFileSync(new URL(file, TESTDATA), 'utf8'));
      for (const c of cases) it(c.name, () => c.run());
    });
    // The same scripts again with a source that counts entries itself (`LogSource.countLogs`):
    // the counting pushdown must give exactly the per-line path's answers.
    describe(`${file}, counted in the source`, () => {
      const cases = logqlScriptCases(readFileSync(new URL(file, TESTDATA), 'utf8'), { countLogs: true });
      for (const c of cases) it(c.name, () => c.run());
    });
  }
});
