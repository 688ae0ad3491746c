import { describe, expect, it } from 'vitest';
import { createMemorySource } from './memory-source.js';

function source() {
  const s = createMemorySource();
  s.add({ __name__: 'up', job: 'api' }, 0, 1);
  s.add({ __name__: 'up', job: 'api' }, 10, 2);
  s.add({ __name__: 'up', job: 'api' }, 20, Number.NaN, true);
  s.add({ __name__: 'up', job: 'db' }, 0, 5);
  s.add({ __name__: 'down' }, 0, 9);
  return s;
}

describe('createMemorySource', () => {
  it.each([
    [[{ name: '__name__', op: '=', value: 'up' }], ['api', 'db']],
    [[{ name: 'job', op: '!=', value: 'api' }], ['db', undefined]],
    [[{ name: 'job', op: '=~', value: 'a.*' }], ['api']],
    [[{ name: 'job', op: '=~', value: 'a' }], []],
    [[{ name: 'job', op: '!~', value: 'api|db' }], [undefined]],
    [[{ name: 'job', op: '=', value: '' }], [undefined]],
  ] as const)('selects by %j', async (matchers, jobs) => {
    const result = await source().select({ matchers, startMs: 0, endMs: 100 });
    expect(result.map((r) => r.labels.job)).toEqual(jobs);
  });

  it('returns only samples inside the inclusive time range, with stale flags', async () => {
    const [api] = await source().select({ matchers: [{ name: 'job', op: '=', value: 'api' }], startMs: 10, endMs: 20 });
    expect(api).toMatchObject({ timestamps: [10, 20], values: [2, Number.NaN], stale: [0, 1] });
  });

  it('leaves out series without samples in the range', async () => {
    const result = await source().select({ matchers: [{ name: '__name__', op: '=', value: 'down' }], startMs: 1, endMs: 5 });
    expect(result).toEqual([]);
  });

  it('rejects when the signal has fired', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(
      source().select({ matchers: [{ name: 'job', op: '=', value: 'api' }], startMs: 0, endMs: 1, signal: controller.signal }),
    ).rejects.toThrow('stop');
  });
});
