import { readFileSync } from 'node:fs';
import { generateCstDts } from 'chevrotain';
import { describe, expect, it } from 'vitest';
import { promqlLexer } from '../lexer/lexer.js';
import { promqlParser } from './parser.js';

describe('PromqlParser', () => {
  it('matches the checked-in CST types (run scripts/generate-cst-types.ts after grammar changes)', () => {
    const generated = readFileSync(new URL('./cst.generated.ts', import.meta.url), 'utf8');
    expect(generated.slice(generated.indexOf('\n') + 1)).toBe(generateCstDts(promqlParser.getGAstProductions()));
  });

  it('is reused: parsing twice with one instance gives independent results', () => {
    promqlParser.input = promqlLexer.tokenize('sum(').tokens;
    promqlParser.query();
    expect(promqlParser.errors).toHaveLength(1);
    promqlParser.input = promqlLexer.tokenize('sum(x)').tokens;
    const cst = promqlParser.query();
    expect(promqlParser.errors).toEqual([]);
    expect(cst.name).toBe('query');
  });
});
