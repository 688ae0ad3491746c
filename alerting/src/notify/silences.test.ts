import { describe, expect, it } from 'vitest';
import { type Silence, isSilenced, parseSilence, silenceStatus } from './silences.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');

function silence(matchers: unknown[], extra: Record<string, unknown> = {}): Silence {
  return parseSilence({ matchers, startsAtMs: T0, endsAtMs: T0 + 3_600_000, createdBy: 'ann', comment: 'maintenance', ...extra }, { tenant: 't1', nowMs: T0, id: 's1' });
}

describe('isSilenced', () => {
  const labels = { alertname: 'HighCPU', instance: 'web-1', env: 'prod' };
  it.each([
    ['= matches', [{ name: 'alertname', value: 'HighCPU', type: '=' }], true],
    ['= differs', [{ name: 'alertname', value: 'LowCPU', type: '=' }], false],
    ['!= on another value', [{ name: 'alertname', value: 'HighCPU', type: '=' }, { name: 'env', value: 'dev', type: '!=' }], true],
    ['!= on the same value', [{ name: 'alertname', value: 'HighCPU', type: '=' }, { name: 'env', value: 'prod', type: '!=' }], false],
    ['=~ is anchored (partial match fails)', [{ name: 'instance', value: 'web', type: '=~' }], false],
    ['=~ whole value', [{ name: 'instance', value: 'web-\\d+', type: '=~' }], true],
    ['=~ alternation is anchored as a group', [{ name: 'instance', value: 'db|web-1', type: '=~' }], true],
    ['!~ excludes', [{ name: 'alertname', value: 'HighCPU', type: '=' }, { name: 'instance', value: 'web-.*', type: '!~' }], false],
    ['missing label compares as empty (= "")', [{ name: 'alertname', value: 'HighCPU', type: '=' }, { name: 'team', value: '', type: '=' }], true],
    ['Alertmanager form isRegex', [{ name: 'instance', value: 'web-.', isRegex: true }], true],
    ['Alertmanager form isEqual=false', [{ name: 'alertname', value: 'HighCPU', isRegex: false, isEqual: false }, { name: 'env', value: 'prod', isRegex: false }], false],
  ])('%s', (_name, matchers, expected) => {
    expect(isSilenced(labels, [silence(matchers)], T0 + 1000)).toBe(expected);
  });

  it('ignores pending and expired silences, which are kept', () => {
    const s = silence([{ name: 'alertname', value: 'HighCPU', type: '=' }]);
    expect(silenceStatus(s, T0 - 1)).toBe('pending');
    expect(silenceStatus(s, T0)).toBe('active');
    expect(silenceStatus(s, T0 + 3_600_000)).toBe('expired');
    expect(isSilenced({ alertname: 'HighCPU' }, [s], T0 - 1)).toBe(false);
    expect(isSilenced({ alertname: 'HighCPU' }, [s], T0 + 3_600_000)).toBe(false);
  });

  it('matches in linear time patterns that pass the nested-quantifier screen but backtrack exponentially', () => {
    // `(a|a)*b` against 24 "a"s takes seconds in a backtracking engine, against 40 hours.
    const patterns = ['(a|a)*b', '(?:a|aa)*c', '(a|a)+b', 'a*a*a*a*a*a*b'];
    for (const length of [24, 2000]) {
      const started = performance.now();
      for (const re of patterns) {
        expect(isSilenced({ instance: 'a'.repeat(length) }, [silence([{ name: 'instance', value: re, type: '=~' }])], T0 + 1000), re).toBe(false);
      }
      expect(performance.now() - started, `${length} characters`).toBeLessThan(2000);
    }
  });
});

describe('parseSilence', () => {
  it('accepts Alertmanager RFC 3339 times', () => {
    const s = parseSilence(
      { matchers: [{ name: 'alertname', value: 'X', isRegex: false }], startsAt: '2026-12-01T00:00:00Z', endsAt: '2026-12-01T01:00:00Z', createdBy: 'a', comment: 'c' },
      { tenant: 't', nowMs: T0 },
    );
    expect(s.startsAtMs).toBe(T0);
    expect(s.endsAtMs).toBe(T0 + 3_600_000);
    expect(s.matchers[0]!.type).toBe('=');
  });

  it.each([
    ['no matchers', { matchers: [] }, 'matchers'],
    ['matches everything', { matchers: [{ name: 'a', value: '.*', type: '=~' }] }, 'empty string'],
    ['regex too long', { matchers: [{ name: 'a', value: 'x'.repeat(1001), type: '=~' }] }, 'longer than 1000'],
    ['nested quantifier', { matchers: [{ name: 'a', value: '(a+)+b', type: '=~' }] }, 'nested quantifier'],
    ['invalid regex', { matchers: [{ name: 'a', value: '(', type: '=~' }] }, 'invalid regex'],
    ['ends before it starts', { endsAtMs: T0 - 1 }, 'endsAt'],
    ['bad label name', { matchers: [{ name: '1x', value: 'v', type: '=' }] }, 'label name'],
    ['unknown field', { foo: 1 }, 'unknown field: foo'],
  ])('rejects %s', (_n, patch, message) => {
    const body = { matchers: [{ name: 'alertname', value: 'X', type: '=' }], startsAtMs: T0, endsAtMs: T0 + 1000, createdBy: 'a', comment: 'c', ...patch };
    expect(() => parseSilence(body, { tenant: 't', nowMs: T0 })).toThrow(message);
  });

  it('lists every problem in one error with code bad_data', () => {
    try {
      parseSilence({ matchers: [], createdBy: '', comment: 5 }, { tenant: 't', nowMs: T0 });
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string }).code).toBe('bad_data');
      expect(String(err)).toMatch(/matchers.*endsAt.*createdBy.*comment/);
    }
  });
});
