import { describe, expect, it } from 'vitest';
import { formatMatchers, parseMatchers } from './matchers';

describe('parseMatchers', () => {
  it.each([
    { text: 'alertname="HighCPU"', out: [{ name: 'alertname', type: '=', value: 'HighCPU' }] },
    {
      text: '{job=~"api.*", env!="dev"}',
      out: [
        { name: 'job', type: '=~', value: 'api.*' },
        { name: 'env', type: '!=', value: 'dev' },
      ],
    },
    { text: 'msg="say \\"hi\\""', out: [{ name: 'msg', type: '=', value: 'say "hi"' }] },
  ])('reads $text', ({ text, out }) => {
    expect(parseMatchers(text)).toEqual(out);
  });
  it.each(['', 'job', 'job=api', '1x="a"'])('names the problem in %j', (text) => {
    expect(typeof parseMatchers(text)).toBe('string');
  });
  it('round-trips through formatMatchers', () => {
    const m = parseMatchers('a="x\\"y", b!~"z|w"');
    expect(Array.isArray(m) && parseMatchers(formatMatchers(m))).toEqual(m);
  });
});
