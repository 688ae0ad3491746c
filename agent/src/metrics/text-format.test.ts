import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseExposition } from '../scrape/exposition-parser.js';
import { AGENT_VERSION } from '../version.js';
import { SampleSet } from './sample-set.js';
import { formatPrometheusText } from './text-format.js';

describe('formatPrometheusText', () => {
  it('groups by family with HELP and TYPE, sorts labels, escapes values and prints special floats', () => {
    const set = new SampleSet(0);
    set.add('b_total', 'counter', 'B things.\nsecond line', { z: '1', a: 'x"y\\z\n' }, 3);
    set.add('a', 'gauge', 'A.', {}, Number.NaN);
    set.add('b_total', 'counter', 'B things.', {}, Number.POSITIVE_INFINITY);
    expect(formatPrometheusText(set.samples, set.meta)).toBe(
      [
        '# HELP a A.',
        '# TYPE a gauge',
        'a NaN',
        '# HELP b_total B things.\\nsecond line',
        '# TYPE b_total counter',
        'b_total{a="x\\"y\\\\z\\n",z="1"} 3',
        'b_total +Inf',
        '',
      ].join('\n'),
    );
  });

  it('round-trips through the exposition parser', () => {
    const set = new SampleSet(0);
    set.add('m', 'gauge', 'M.', { path: 'a "quoted" \\ path\nx' }, -1.5e-7);
    const parsed = parseExposition(formatPrometheusText(set.samples, set.meta), 'text');
    expect(parsed.samples).toEqual([{ name: 'm', labels: { path: 'a "quoted" \\ path\nx' }, value: -1.5e-7 }]);
  });
});

describe('AGENT_VERSION', () => {
  it('equals the package version', () => {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string };
    expect(AGENT_VERSION).toBe(pkg.version);
  });
});
