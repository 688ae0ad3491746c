import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scriptCases } from '../testing/run-script.js';

const TESTDATA = new URL('../../testdata/', import.meta.url);
const files = readdirSync(TESTDATA).filter((f) => f.endsWith('.test')).sort();

describe('the PromQL data scripts', () => {
  it('exist', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    describe(file, () => {
      const cases = scriptCases(readFileSync(new URL(file, TESTDATA), 'utf8'));
      for (const c of cases) it(c.name, () => c.run());
    });
  }
});
