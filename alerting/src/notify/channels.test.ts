import { describe, expect, it } from 'vitest';
import { SECRET_PLACEHOLDER, parseChannelConfig, redactChannel } from './channels.js';

describe('parseChannelConfig', () => {
  it('applies Alertmanager defaults', () => {
    const c = parseChannelConfig({ type: 'webhook', url: 'https://hooks.example.com/x' }, 'ops');
    expect(c).toMatchObject({ name: 'ops', groupBy: ['alertname'], groupWaitSeconds: 30, groupIntervalSeconds: 300, repeatIntervalSeconds: 14_400, sendResolved: true });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([
    ['unknown type', { type: 'pager' }, 'type: must be one of'],
    ['non-http url', { type: 'webhook', url: 'file:///etc/passwd' }, 'url: must use http or https'],
    ['unknown field', { type: 'webhook', url: 'https://a.example', foo: 1 }, 'unknown field: foo'],
    ['field of another type', { type: 'slack', url: 'https://a.example', to: ['a@b.c'] }, 'unknown field: to'],
    ['CR/LF in an address', { type: 'email', to: ['a@example.com\r\nBcc: evil@example.com'] }, 'to[0]'],
    ['two addresses in one entry', { type: 'email', to: ['a@example.com,b@example.com'] }, 'to[0]'],
    ['no recipients', { type: 'email', to: [] }, 'to: must be an array'],
    ['short scaling secret', { type: 'scaling', url: 'https://a.example', secret: 'x' }, 'secret'],
    ['reserved header', { type: 'webhook', url: 'https://a.example', headers: { 'Idempotency-Key': 'x' } }, 'cannot be overridden'],
    ['header injection', { type: 'webhook', url: 'https://a.example', headers: { A: 'x\r\nB: y' } }, 'control characters'],
    ['repeat shorter than interval', { type: 'webhook', url: 'https://a.example', groupIntervalSeconds: 600, repeatIntervalSeconds: 60 }, 'repeatIntervalSeconds'],
    ['bad groupBy', { type: 'webhook', url: 'https://a.example', groupBy: ['ok', 'not ok'] }, 'groupBy'],
    ['placeholder without a stored secret', { type: 'slack', url: SECRET_PLACEHOLDER }, 'can only be sent back'],
    ['name mismatch', { type: 'webhook', url: 'https://a.example', name: 'other' }, 'does not match'],
  ])('rejects %s', (_n, body, message) => {
    expect(() => parseChannelConfig(body, 'ops')).toThrow(message);
  });

  it('lists every problem at once', () => {
    expect(() => parseChannelConfig({ type: 'email', to: ['bad'], cc: 'x', groupWaitSeconds: -1 }, 'ops')).toThrow(/groupWaitSeconds.*to\[0\].*cc/);
  });
});

describe('redactChannel', () => {
  it('hides every URL, webhook header values and the scaling secret', () => {
    const slack = parseChannelConfig({ type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/XYZ' }, 's');
    const hook = parseChannelConfig({ type: 'webhook', url: 'https://a.example/h', headers: { Authorization: 'Bearer abc' } }, 'w');
    const scale = parseChannelConfig({ type: 'scaling', url: 'https://a.example/s', secret: 'a-very-long-secret-1' }, 'k');
    expect(JSON.stringify([redactChannel(slack), redactChannel(hook), redactChannel(scale)])).not.toMatch(/XYZ|Bearer|a-very-long|a\.example/);
    expect(redactChannel(hook)).toMatchObject({ url: SECRET_PLACEHOLDER, headers: { Authorization: SECRET_PLACEHOLDER } });
    expect(redactChannel(scale)).toMatchObject({ url: SECRET_PLACEHOLDER, secret: SECRET_PLACEHOLDER });
  });

  it('keeps stored secrets when an update sends the placeholder back', () => {
    const slack = parseChannelConfig({ type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/XYZ' }, 's');
    const updated = parseChannelConfig({ ...redactChannel(slack), description: 'new' }, 's', slack);
    expect(updated).toMatchObject({ type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/XYZ', description: 'new' });
    const hook = parseChannelConfig({ type: 'webhook', url: 'https://a.example/h', headers: { Authorization: 'Bearer abc' } }, 'w');
    const h2 = parseChannelConfig({ ...redactChannel(hook), headers: { Authorization: SECRET_PLACEHOLDER, 'X-New': 'v' } }, 'w', hook);
    expect(h2).toMatchObject({ url: 'https://a.example/h', headers: { Authorization: 'Bearer abc', 'X-New': 'v' } });
  });
});
