import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * Every value from the data is rendered as text (issue 9): the UI never hands a string to an HTML
 * parser. This guard fails when a source file reaches for one of the sinks that would.
 */
const SRC = fileURLToPath(new URL('.', import.meta.url));
const SINKS = [/\.innerHTML\b/, /\.outerHTML\b/, /dangerouslySetInnerHTML/, /insertAdjacentHTML/, /document\.write\b/, /\beval\(/, /new Function\(/];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

describe('HTML sinks', () => {
  it('appear in no source file of the UI', () => {
    const files = sources(SRC);
    expect(files.length).toBeGreaterThan(20);
    const found = files.flatMap((f) => {
      const text = readFileSync(f, 'utf8');
      return SINKS.filter((re) => re.test(text)).map((re) => `${relative(SRC, f)}: ${re.source}`);
    });
    expect(found).toEqual([]);
  });
});
