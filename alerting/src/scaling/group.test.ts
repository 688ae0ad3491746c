import { describe, expect, it } from 'vitest';
import { isAlertingError } from '../errors.js';
import { parseScalingGroup, scalingGroupToJSON } from './group.js';

const webhook = { url: 'https://ops.example/scale', secret: 's3cret' };

function problemsOf(body: unknown, name?: string): string {
  try {
    parseScalingGroup(body, name);
  } catch (err) {
    if (isAlertingError(err) && err.code === 'bad_data') return err.message;
    throw err;
  }
  throw new Error('expected a bad_data error');
}

describe('parseScalingGroup', () => {
  it('applies defaults: desired = min, capacity reported', () => {
    const g = parseScalingGroup({ min: 1, max: 10, webhook }, 'workers');
    expect(g).toMatchObject({ name: 'workers', min: 1, max: 10, desired: 1, capacitySource: { kind: 'reported' } });
    expect(g.webhook.url).toBe(webhook.url);
    expect(g.webhook.secret.reveal()).toBe('s3cret');
  });

  it('never prints the webhook secret', () => {
    const g = parseScalingGroup({ name: 'workers', min: 0, max: 3, desired: 2, webhook });
    expect(JSON.stringify(g)).not.toContain('s3cret');
    expect(`${g.webhook.secret}`).toBe('<secret>');
  });

  it('accepts a query capacity source and round-trips through scalingGroupToJSON', () => {
    const g = parseScalingGroup({ name: 'w', min: 0, max: 5, desired: 0, webhook, capacitySource: { kind: 'query', query: 'count(up{job="w"} == 1)' } });
    expect(g.capacitySource).toEqual({ kind: 'query', query: 'count(up{job="w"} == 1)' });
    const again = parseScalingGroup(scalingGroupToJSON(g));
    expect(scalingGroupToJSON(again)).toEqual(scalingGroupToJSON(g));
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['min above max', { name: 'w', min: 5, max: 2, webhook }, /min \(5\) must not exceed max \(2\)/],
    ['desired above max', { name: 'w', min: 1, max: 3, desired: 4, webhook }, /desired \(4\) must be between min \(1\) and max \(3\)/],
    ['desired below min', { name: 'w', min: 2, max: 3, desired: 1, webhook }, /desired \(1\) must be between/],
    ['a fractional capacity', { name: 'w', min: 1.5, max: 3, webhook }, /min must be an integer/],
    ['a negative capacity', { name: 'w', min: -1, max: 3, webhook }, /min must be an integer from 0/],
    ['a missing max', { name: 'w', webhook }, /max is required/],
    ['a non-http webhook URL', { name: 'w', max: 3, webhook: { url: 'ftp://x/y', secret: 's' } }, /webhook.url must be an http or https URL/],
    ['a missing webhook', { name: 'w', max: 3 }, /webhook must be/],
    ['an empty secret', { name: 'w', max: 3, webhook: { url: 'http://x', secret: '' } }, /webhook.secret must be a non-empty string/],
    ['an unknown field', { name: 'w', max: 3, webhook, cooldown: 5 }, /unknown field "cooldown"/],
    ['an empty capacity query', { name: 'w', max: 3, webhook, capacitySource: { kind: 'query', query: '' } }, /capacitySource.query/],
    ['a bad name', { name: 'a b', max: 3, webhook }, /name must match/],
  ];
  it.each(bad)('rejects %s', (_name, body, problem) => {
    expect(problemsOf(body)).toMatch(problem);
  });

  it('lists every problem at once', () => {
    const msg = problemsOf({ name: 'w', min: 5, max: 2, webhook: { url: 'mailto:x' }, extra: 1 });
    for (const p of [/unknown field "extra"/, /min \(5\) must not exceed max/, /webhook.url must be an http/, /webhook.secret/]) expect(msg).toMatch(p);
  });

  it('rejects a body name that differs from the path', () => {
    expect(problemsOf({ name: 'other', max: 3, webhook }, 'workers')).toMatch(/differs from the name in the path/);
  });
});
