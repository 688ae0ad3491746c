import { describe, expect, it } from 'vitest';
import { parseSeriesSelector } from './selector.js';

describe('parseSeriesSelector', () => {
  it.each([
    ['up', [{ name: '__name__', op: '=', value: 'up' }]],
    [
      'up{job="node", instance!~"a.*"}',
      [
        { name: '__name__', op: '=', value: 'up' },
        { name: 'job', op: '=', value: 'node' },
        { name: 'instance', op: '!~', value: 'a.*' },
      ],
    ],
    ['{__name__=~"cpu_.+"}', [{ name: '__name__', op: '=~', value: 'cpu_.+' }]],
    ['{"my.metric", env!="prod",}', [{ name: '__name__', op: '=', value: 'my.metric' }, { name: 'env', op: '!=', value: 'prod' }]],
    ["x{a='b\\'c'}", [{ name: '__name__', op: '=', value: 'x' }, { name: 'a', op: '=', value: "b'c" }]],
    ['x{a=`raw\\n`}', [{ name: '__name__', op: '=', value: 'x' }, { name: 'a', op: '=', value: 'raw\\n' }]],
    ['x{on="1", by="2"}', [{ name: '__name__', op: '=', value: 'x' }, { name: 'on', op: '=', value: '1' }, { name: 'by', op: '=', value: '2' }]],
  ])('parses %s', (text, expected) => {
    const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    expect([...parseSeriesSelector(text)].sort(byName)).toEqual([...expected].sort(byName));
  });

  it.each([
    ['up{', 'unexpected end of input inside braces'],
    ['up{a}', 'expected label matching operator'],
    ['up{a=b}', 'expected string'],
    ['rate(up[5m])', 'expected a series selector'],
    ['up offset 5m', 'expected a series selector'],
    ['up{a="x}', 'unterminated quoted string'],
    ['{a=""}', 'at least one non-empty matcher'],
    ['{a=~".*"}', 'at least one non-empty matcher'],
    ['up extra', 'unexpected'],
  ])('rejects %s naming the problem', (text, message) => {
    expect(() => parseSeriesSelector(text)).toThrow(message);
  });
});
