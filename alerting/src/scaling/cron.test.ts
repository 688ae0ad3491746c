import { describe, expect, it } from 'vitest';
import { isAlertingError } from '../errors.js';
import { isValidTimeZone, localTime, parseCron } from './cron.js';
import { applyScheduled, nextScheduledRun } from './scheduled.js';

const utc = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString().replace('.000Z', 'Z'));

describe('parseCron', () => {
  it.each([
    ['*/15 minutes', '*/15 * * * *', 'minutes', [0, 15, 30, 45]],
    ['a stepped range', '1-10/3 * * * *', 'minutes', [1, 4, 7, 10]],
    ['a start with a step', '5/20 * * * *', 'minutes', [5, 25, 45]],
    ['a list', '0 8,12,18 * * *', 'hours', [8, 12, 18]],
    ['weekday names', '0 8 * * MON-FRI', 'daysOfWeek', [1, 2, 3, 4, 5]],
    ['lower-case month names', '0 0 1 jan,mar *', 'months', [1, 3]],
    ['7 as Sunday', '0 0 * * 5-7', 'daysOfWeek', [0, 5, 6]],
    ['a seconds field first', '30 */30 * * * *', 'seconds', [30]],
  ] as const)('reads %s', (_name, expr, field, expected) => {
    expect([...parseCron(expr)[field]].sort((a, b) => a - b)).toEqual(expected);
  });

  it.each([
    ['four fields', '* * * *', /must have 5 fields/],
    ['minute 60', '60 * * * *', /minute field "60" has 60, outside 0-59/],
    ['day 32', '0 0 32 * *', /day-of-month field "32"/],
    ['month 13', '0 0 1 13 *', /month field "13"/],
    ['weekday 8', '0 0 * * 8', /day-of-week field "8"/],
    ['a backwards range', '5-1 * * * *', /runs backwards/],
    ['a zero step', '*/0 * * * *', /step "0"/],
    ['a word', 'a * * * *', /not a number/],
    ['? outside the day fields', '? * * * *', /not a number/],
    ['30 February', '0 0 30 2 *', /names a day that no chosen month has/],
  ])('rejects %s', (_name, expr, problem) => {
    try {
      parseCron(expr);
      expect.unreachable();
    } catch (err) {
      expect(isAlertingError(err) && err.code === 'bad_data').toBe(true);
      expect((err as Error).message).toMatch(problem);
    }
  });
});

describe('nextScheduledRun', () => {
  const cases: Array<[string, string, string, string, string | undefined]> = [
    ['daily 08:00 UTC', '0 8 * * *', 'UTC', '2026-06-01T00:00:00Z', '2026-06-01T08:00:00Z'],
    ['strictly after the given instant', '0 8 * * *', 'UTC', '2026-06-01T08:00:00Z', '2026-06-02T08:00:00Z'],
    ['every 15 minutes', '*/15 * * * *', 'UTC', '2026-06-01T10:07:00Z', '2026-06-01T10:15:00Z'],
    ['Paris summer time (UTC+2)', '0 8 * * *', 'Europe/Paris', '2026-06-01T00:00:00Z', '2026-06-01T06:00:00Z'],
    ['Paris winter time (UTC+1)', '0 8 * * *', 'Europe/Paris', '2026-01-05T00:00:00Z', '2026-01-05T07:00:00Z'],
    ['weekdays only, across a weekend', '0 8 * * MON-FRI', 'UTC', '2026-03-06T09:00:00Z', '2026-03-09T08:00:00Z'],
    ['Monday in Tokyo is Sunday in UTC', '0 0 * * MON', 'Asia/Tokyo', '2026-03-01T00:00:00Z', '2026-03-01T15:00:00Z'],
    ['New York 09:00 the day DST starts (EDT, UTC−4)', '0 9 * * *', 'America/New_York', '2026-03-07T15:00:00Z', '2026-03-08T13:00:00Z'],
    ['New York 09:00 the day before DST starts (EST, UTC−5)', '0 9 * * *', 'America/New_York', '2026-03-07T00:00:00Z', '2026-03-07T14:00:00Z'],
    ['a 02:30 that does not exist on spring-forward day is skipped', '30 2 * * *', 'America/New_York', '2026-03-07T08:00:00Z', '2026-03-09T06:30:00Z'],
    ['a 01:30 repeated at fall-back runs at its first occurrence', '30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', '2026-11-01T05:30:00Z'],
    ['and not again an hour later', '30 1 * * *', 'America/New_York', '2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z'],
    ['Paris fall-back: 02:30 happens twice, runs once', '30 2 * * *', 'Europe/Paris', '2026-10-25T00:31:00Z', '2026-10-26T01:30:00Z'],
    ['a seconds field', '30 * * * * *', 'UTC', '2026-06-01T10:00:00Z', '2026-06-01T10:00:30Z'],
    ['either day field when both are restricted', '0 0 13 * FRI', 'UTC', '2026-03-01T00:00:00Z', '2026-03-06T00:00:00Z'],
    ['29 February, years ahead', '0 0 29 2 *', 'UTC', '2026-03-01T00:00:00Z', '2028-02-29T00:00:00Z'],
  ];
  it.each(cases)('%s', (_name, cron, tz, after, expected) => {
    expect(iso(nextScheduledRun(cron, tz, utc(after)))).toBe(expected);
  });

  it('runs 24 times a day across a DST change, with no duplicate hour', () => {
    const runs: string[] = [];
    let t = utc('2026-11-01T04:00:00Z');
    for (let i = 0; i < 24; i++) {
      t = nextScheduledRun('0 * * * *', 'America/New_York', t)!;
      const l = localTime(t, 'America/New_York');
      runs.push(`${l.day} ${l.hour}`);
    }
    expect(new Set(runs).size).toBe(24);
    expect(runs.filter((r) => r === '1 1')).toHaveLength(1);
  });
});

describe('isValidTimeZone', () => {
  it.each([
    ['Europe/Paris', true],
    ['UTC', true],
    ['America/Argentina/Buenos_Aires', true],
    ['Mars/Olympus', false],
    ['', false],
  ])('%s → %s', (tz, ok) => {
    expect(isValidTimeZone(tz)).toBe(ok);
  });
});

describe('applyScheduled', () => {
  const g = { min: 1, max: 10, desired: 2 };
  it.each([
    ['raising min raises desired with it', { min: 5 }, { min: 5, max: 10, desired: 5, changed: true }],
    ['lowering max lowers desired with it', { max: 1 }, { min: 1, max: 1, desired: 1, changed: true }],
    ['setting desired within bounds', { desired: 7 }, { min: 1, max: 10, desired: 7, changed: true }],
    ['clamping a desired above the new max', { max: 6, desired: 8 }, { min: 1, max: 6, desired: 6, changed: true }],
    ['nothing changing', { min: 1, desired: 2 }, { min: 1, max: 10, desired: 2, changed: false }],
  ])('%s', (_name, action, expected) => {
    expect(applyScheduled(g, action)).toEqual(expected);
  });

  it('refuses an action that would put min above max', () => {
    expect(applyScheduled(g, { min: 12 })).toMatchObject({ min: 1, max: 10, desired: 2, changed: false, problem: expect.stringMatching(/min 12 above max 10/) });
  });
});
