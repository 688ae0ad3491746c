import { describe, expect, it } from 'vitest';
import { type AlarmState, type Datum, type InstanceState, type StateRule, type TreatMissingData, decide, next } from './state.js';

/** `0 - X - X` → datapoints, oldest first (X breaching, 0 not, - missing). */
const data = (s: string): Datum[] => s.split(' ').map((c) => (c === '-' ? null : c === 'X'));

const TREATMENTS: TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];
type Expect = AlarmState | 'RETAIN';

// CloudWatch's documentation, "Configuring how CloudWatch alarms treat missing data": the evaluation
// range is 5 datapoints; columns are MISSING, IGNORE, BREACHING, NOT BREACHING.
const TABLE_3_OF_3: Array<[string, number, Expect[]]> = [
  ['0 - X - X', 0, ['OK', 'OK', 'OK', 'OK']],
  ['- - - - 0', 2, ['OK', 'OK', 'OK', 'OK']],
  ['- - - - -', 3, ['INSUFFICIENT_DATA', 'RETAIN', 'ALARM', 'OK']],
  ['0 X X - X', 0, ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
  ['- - X - -', 2, ['ALARM', 'RETAIN', 'ALARM', 'OK']],
];
const TABLE_2_OF_3: Array<[string, number, Expect[]]> = [
  ['0 - X - X', 0, ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
  ['0 0 X 0 X', 0, ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
  ['0 - X - -', 1, ['OK', 'OK', 'ALARM', 'OK']],
  ['- - - - 0', 2, ['OK', 'OK', 'ALARM', 'OK']],
  ['- - X - -', 2, ['ALARM', 'RETAIN', 'ALARM', 'OK']],
];

describe('decide: CloudWatch treat-missing-data tables', () => {
  for (const [table, m, rows] of [
    ['3 of 3', 3, TABLE_3_OF_3],
    ['2 of 3', 2, TABLE_2_OF_3],
  ] as const) {
    for (const [points, filled, expected] of rows) {
      TREATMENTS.forEach((treat, i) => {
        it(`${table}: ${points} with ${treat} → ${expected[i]}`, () => {
          const d = decide(data(points), m, 3, treat);
          expect(d.decision).toBe(expected[i]);
          expect(d.filled).toBe(filled);
        });
      });
    }
  }

  it('uses only the newest N present datapoints', () => {
    // X X X 0 0: the newest 3 are X 0 0 → one breach.
    expect(decide(data('X X X 0 0'), 2, 3, 'missing')).toEqual({ decision: 'OK', present: 3, breaching: 1, filled: 0 });
    expect(decide(data('X X - X 0'), 2, 3, 'missing').decision).toBe('ALARM');
  });

  it('M of N with N = 5 and M = 3', () => {
    expect(decide(data('X 0 X 0 X'), 3, 5, 'missing').decision).toBe('ALARM');
    expect(decide(data('X 0 X 0 0'), 3, 5, 'missing').decision).toBe('OK');
  });
});

const rule = (over: Partial<StateRule> = {}): StateRule => ({
  evaluationPeriods: 3,
  datapointsToAlarm: 3,
  treatMissingData: 'missing',
  keepFiringForMs: 0,
  ...over,
});

describe('next', () => {
  const obs = (t: number, ...levels: string[]) => ({ timestampMs: t, levels: levels.map(data), value: t });

  it('starts in INSUFFICIENT_DATA and moves to OK then ALARM with one transition each', () => {
    let s: InstanceState | undefined;
    const seen: string[] = [];
    for (const [t, points] of [
      [60, '- - - - -'],
      [120, '- - - 0 0'],
      [180, '- 0 0 X X'],
      [240, '0 0 X X X'],
      [300, '0 X X X X'],
    ] as const) {
      const r = next(s, obs(t, points), rule());
      s = r.state;
      for (const tr of r.transitions) seen.push(`${tr.timestampMs}:${tr.from}->${tr.to}`);
    }
    expect(seen).toEqual(['120:INSUFFICIENT_DATA->OK', '240:OK->ALARM']);
    expect(s).toMatchObject({ state: 'ALARM', level: 0, sinceMs: 240, lastEvaluationMs: 300, lastBreachMs: 300 });
  });

  it('reports pending while the newest datapoint breaches short of M', () => {
    const a = next(undefined, obs(60, '0 0 X'), rule()).state;
    expect(a).toMatchObject({ state: 'OK', pendingSinceMs: 60 });
    const b = next(a, obs(120, '0 X X'), rule()).state;
    expect(b.pendingSinceMs).toBe(60);
    const c = next(b, obs(180, 'X X 0'), rule()).state;
    expect(c.pendingSinceMs).toBeNull();
  });

  it('picks the most severe level in ALARM and transitions between levels', () => {
    const r1 = next(undefined, obs(60, 'X X X', '0 0 0'), rule());
    expect(r1.state).toMatchObject({ state: 'ALARM', level: 0 });
    const r2 = next(r1.state, obs(120, 'X X X', 'X X X'), rule());
    expect(r2.state).toMatchObject({ state: 'ALARM', level: 1, sinceMs: 120 });
    expect(r2.transitions).toEqual([expect.objectContaining({ from: 'ALARM', to: 'ALARM', fromLevel: 0, toLevel: 1 })]);
    const r3 = next(r2.state, obs(180, '0 0 0', '0 0 0'), rule());
    expect(r3.state).toMatchObject({ state: 'OK', level: null });
  });

  it('ignore keeps the current state when data is missing', () => {
    const alarm = next(undefined, obs(60, 'X X X'), rule({ treatMissingData: 'ignore' })).state;
    const r = next(alarm, obs(120, '- - - - -'), rule({ treatMissingData: 'ignore' }));
    expect(r.state.state).toBe('ALARM');
    expect(r.transitions).toEqual([]);
    const ok = next(undefined, obs(60, '0 0 0'), rule({ treatMissingData: 'ignore' })).state;
    expect(next(ok, obs(120, '- - X - -'), rule({ treatMissingData: 'ignore' })).state.state).toBe('OK');
  });

  it('keepFiringFor holds ALARM after the condition clears, then resolves', () => {
    const r = rule({ evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: 'notBreaching', keepFiringForMs: 120 });
    let s = next(undefined, obs(60, 'X'), r).state;
    s = next(s, obs(120, '0'), r).state;
    expect(s.state).toBe('ALARM');
    s = next(s, obs(150, '-'), r).state;
    expect(s.state).toBe('ALARM');
    const last = next(s, obs(180, '0'), r);
    expect(last.state.state).toBe('OK');
    expect(last.transitions[0]).toMatchObject({ from: 'ALARM', to: 'OK', timestampMs: 180 });
  });

  it('is idempotent for an evaluation already applied', () => {
    const s = next(undefined, obs(60, 'X X X'), rule()).state;
    const again = next(s, obs(60, '0 0 0'), rule());
    expect(again.state).toBe(s);
    expect(again.transitions).toEqual([]);
  });
});
