import { describe, expect, it } from 'vitest';
import { autoStepMs, describeRange, effectiveStepMs, intervalMacros, resolveRange, resolveTime } from './time-range';
import { readDashboardParams, readExploreState, writeDashboardParams, writeExploreState } from './url-state';

const NOW = Date.UTC(2026, 0, 31, 12, 0, 0);

describe('resolveTime', () => {
  it.each([
    { text: 'now', ms: NOW },
    { text: 'now-1h', ms: NOW - 3_600_000 },
    { text: 'now-1h30m', ms: NOW - 5_400_000 },
    { text: '2026-01-31T11:00:00Z', ms: NOW - 3_600_000 },
    { text: 'yesterday', ms: undefined },
  ])('resolves $text', ({ text, ms }) => {
    expect(resolveTime(text, NOW)).toBe(ms);
  });
  it('refuses a range that ends before it starts, naming the problem', () => {
    expect(() => resolveRange({ from: 'now', to: 'now-1h' }, NOW)).toThrow('must end after it starts');
    expect(() => resolveRange({ from: 'soon', to: 'now' }, NOW)).toThrow('"soon" is not a time');
  });
});

describe('steps', () => {
  it('picks a nice step of at most 1,000 points', () => {
    expect(autoStepMs({ startMs: 0, endMs: 3_600_000 })).toBe(5000);
    expect(autoStepMs({ startMs: 0, endMs: 86_400_000 })).toBe(120_000);
  });
  it('honours a user step but never past 11,000 points', () => {
    expect(effectiveStepMs({ startMs: 0, endMs: 3_600_000 }, '30s')).toBe(30_000);
    expect(effectiveStepMs({ startMs: 0, endMs: 86_400_000 }, '1s')).toBe(Math.ceil(86_400_000 / 11_000));
  });
  it('gives $__rate_interval room for two samples', () => {
    expect(intervalMacros({ startMs: 0, endMs: 3_600_000 }, 15_000)).toMatchObject({ __interval: '15s', __rate_interval: '1m', __range: '1h' });
  });
  it('describes presets by name', () => {
    expect(describeRange({ from: 'now-6h', to: 'now' })).toBe('Last 6 hours');
    expect(describeRange({ from: 'now-90m', to: 'now' })).toBe('Last 90m');
  });
});

describe('URL state', () => {
  it('round-trips Explore state and leaves defaults out', () => {
    const s = { lang: 'logql' as const, query: '{a="b"} |= "x"', range: { from: 'now-6h', to: 'now' }, step: '', view: 'table' as const };
    const search = writeExploreState(s);
    expect(search).not.toContain('to=');
    expect(readExploreState(search)).toEqual(s);
    expect(writeExploreState(readExploreState(''))).toBe('');
  });
  it('round-trips dashboard variables with several values', () => {
    const search = writeDashboardParams({ from: 'now-1h', to: 'now' }, { host: ['a', 'b'] }, '30s');
    expect(readDashboardParams(search)).toEqual({ range: { from: 'now-1h', to: 'now' }, values: { host: ['a', 'b'] }, refresh: '30s' });
  });
});
