import { readFileSync } from 'node:fs';
import { generateCstDts } from 'chevrotain';
import { describe, expect, it } from 'vitest';
import { parseLogQL } from '../parse.js';
import { logqlParser } from './parser.js';

describe('LogqlParser', () => {
  it('matches the checked-in CST types (run scripts/generate-cst-types.ts after grammar changes)', () => {
    const generated = readFileSync(new URL('./cst.generated.ts', import.meta.url), 'utf8');
    expect(generated.slice(generated.indexOf('\n') + 1)).toBe(generateCstDts(logqlParser.getGAstProductions()));
  });

  it('never throws, whatever the input', () => {
    for (const text of ['', '|', '{', '}}}', 'sum(((', '{a="b"} | json | ', '\u0000', 'count_over_time(', '((((((((((((']) {
      expect(() => parseLogQL(text)).not.toThrow();
      expect(parseLogQL(text).errors.length).toBeGreaterThan(0);
    }
  });
});
