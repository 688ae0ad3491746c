import { describe, expect, it } from 'vitest';
import { channelBody, emptyChannelForm } from './channel-form';
import { refreshInterval } from '../pages/AlarmPage';

describe('channel form', () => {
  it('builds only the fields the API defines for each type', () => {
    const base = { ...emptyChannelForm(), name: 'ops', url: ' https://hooks.example.com/x?token=t ' };
    expect(channelBody(base)).toEqual({ body: { type: 'webhook', name: 'ops', url: 'https://hooks.example.com/x?token=t' }, problems: [] });
    expect(channelBody({ ...base, type: 'slack', slackChannel: '#ops', description: 'Ops room' }).body).toEqual({
      type: 'slack',
      name: 'ops',
      description: 'Ops room',
      url: 'https://hooks.example.com/x?token=t',
      channel: '#ops',
    });
    expect(channelBody({ ...base, type: 'email', to: 'a@example.com, b@example.com\nc@example.com' }).body).toEqual({
      type: 'email',
      name: 'ops',
      to: ['a@example.com', 'b@example.com', 'c@example.com'],
    });
  });

  it('names every problem the way a user fixes it', () => {
    expect(channelBody({ ...emptyChannelForm(), name: '-bad', url: 'ftp://x' }).problems).toEqual([
      'Name: 1 to 128 letters, digits, _ . or -, starting with a letter or digit',
      'URL: an http:// or https:// address',
    ]);
    expect(channelBody({ ...emptyChannelForm(), type: 'email', name: 'mail', to: 'not-an-address' }).problems).toEqual([
      'Recipients: "not-an-address" is not an email address',
    ]);
    expect(channelBody({ ...emptyChannelForm(), type: 'email', name: 'mail' }).problems).toEqual(['Recipients: at least one address']);
  });
});

describe('alarm refresh interval', () => {
  it('follows the most frequent evaluation, from 5 to 30 s', () => {
    expect(refreshInterval([])).toBe(30_000);
    expect(refreshInterval([{ periodSeconds: 60 }, { periodSeconds: 10 }])).toBe(10_000);
    expect(refreshInterval([{ periodSeconds: 1 }])).toBe(5_000);
    expect(refreshInterval([{ periodSeconds: 3600 }])).toBe(30_000);
  });
});
