import { describe, expect, it } from 'vitest';
import { AlertingError } from '../errors.js';
import { type AnomalyModel, anomalyBand, fitAnomalyModel, isOutside, loadAnomalyModel, predictAnomaly } from './index.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Monday 2026-11-02 00:00 UTC. */
const START_MS = Date.UTC(2026, 10, 2);

/** A seeded standard normal generator (mulberry32 + Box–Muller), so every run sees the same noise. */
function normals(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** `days` of samples every `stepMs` from START_MS, value = f(t) + sd · N(0, 1). */
function series(days: number, f: (tMs: number) => number, sd: number, stepMs = MINUTE_MS, seed = 1) {
  const noise = normals(seed);
  const timestampsMs: number[] = [];
  const values: number[] = [];
  for (let t = START_MS; t < START_MS + days * DAY_MS; t += stepMs) {
    timestampsMs.push(t);
    values.push(f(t) + sd * noise());
  }
  return { timestampsMs, values };
}

/** Web-traffic-like: a daily peak at 14:00 UTC, weekends at 60 %, plus a 3-minute job every hour. */
function traffic(tMs: number): number {
  const hour = (tMs % DAY_MS) / HOUR_MS;
  const day = new Date(tMs).getUTCDay();
  const weekend = day === 0 || day === 6 ? 0.6 : 1;
  const job = (tMs % HOUR_MS) / MINUTE_MS < 3 ? 40 : 0;
  return 1000 * weekend * (0.4 + 0.6 * Math.exp(-(((hour - 14) / 4) ** 2))) + job;
}

const SD = 10;
const trained = (() => {
  const { timestampsMs, values } = series(14, traffic, SD);
  return fitAnomalyModel(timestampsMs, values, { stepMs: MINUTE_MS })!;
})();
const AFTER_MS = START_MS + 14 * DAY_MS;

describe('fitAnomalyModel', () => {
  it.each([
    ['Monday 03:00 (trough)', AFTER_MS + 3 * HOUR_MS],
    ['Monday 14:00 (peak)', AFTER_MS + 14 * HOUR_MS],
    ['Monday 17:01 (during the hourly job)', AFTER_MS + 17 * HOUR_MS + MINUTE_MS],
    ['Tuesday 09:30 (ramp)', AFTER_MS + DAY_MS + 9.5 * HOUR_MS],
    ['Saturday 14:00 (weekend peak)', AFTER_MS + 5 * DAY_MS + 14 * HOUR_MS],
  ])('follows the daily, weekly and hourly seasons: %s', (_, tMs) => {
    const { expected, stddev } = predictAnomaly(trained, tMs);
    expect(Math.abs(expected - traffic(tMs))).toBeLessThan(1.5 * SD);
    expect(stddev).toBeGreaterThan(0.7 * SD);
    expect(stddev).toBeLessThan(1.6 * SD);
  });

  it('uses the weekly, daily and hourly profiles when trained on two weeks', () => {
    expect(trained.seasonal.map((c) => c.seasonality)).toEqual(['weekly', 'daily', 'hourly']);
  });

  it('keeps the weekly profile when the first sample of a two-week window is missing', () => {
    const { timestampsMs, values } = series(14, traffic, SD);
    values[0] = Number.NaN;
    const model = fitAnomalyModel(timestampsMs, values, { stepMs: MINUTE_MS })!;
    expect(model.seasonal.map((c) => c.seasonality)).toContain('weekly');
    const saturdayMs = AFTER_MS + 5 * DAY_MS + 14 * HOUR_MS;
    expect(Math.abs(predictAnomaly(model, saturdayMs).expected - traffic(saturdayMs))).toBeLessThan(2 * SD);
  });

  it('uses the daily profile but not the weekly one on 3 days of data', () => {
    const { timestampsMs, values } = series(3, traffic, SD);
    const model = fitAnomalyModel(timestampsMs, values, { stepMs: MINUTE_MS })!;
    expect(model.seasonal.map((c) => c.seasonality)).toEqual(['daily', 'hourly']);
    const tMs = START_MS + 3 * DAY_MS + 14 * HOUR_MS;
    expect(Math.abs(predictAnomaly(model, tMs).expected - traffic(tMs))).toBeLessThan(2 * SD);
  });

  it('follows a linear trend past the end of training', () => {
    const f = (tMs: number) => 50 + (2 * (tMs - START_MS)) / DAY_MS;
    const { timestampsMs, values } = series(7, f, 0.5, 5 * MINUTE_MS);
    const model = fitAnomalyModel(timestampsMs, values, { stepMs: 5 * MINUTE_MS })!;
    expect(model.slopePerDay).toBeCloseTo(2, 1);
    const tMs = START_MS + 8 * DAY_MS;
    expect(Math.abs(predictAnomaly(model, tMs).expected - f(tMs))).toBeLessThan(1);
  });

  it('follows a seasonal amplitude that grows with the trend (traffic growing 1 % a day)', () => {
    const f = (tMs: number) => traffic(tMs) * (1 + (0.01 * (tMs - START_MS)) / DAY_MS);
    const { timestampsMs, values } = series(14, f, SD);
    const model = fitAnomalyModel(timestampsMs, values, { stepMs: MINUTE_MS })!;
    expect(model.seasonalGrowthPerDay).toBeGreaterThan(0.003);
    for (const hour of [3, 14, 24 + 14]) {
      const tMs = AFTER_MS + hour * HOUR_MS;
      expect(Math.abs(predictAnomaly(model, tMs).expected - f(tMs))).toBeLessThan(2 * SD);
    }
  });

  it('is not pulled by a 3-hour incident in one of the two training weeks', () => {
    const { timestampsMs, values } = series(14, traffic, SD);
    const incidentMs = START_MS + 7 * DAY_MS + 13 * HOUR_MS; // Monday of week 2, 13:00–16:00
    for (let i = 0; i < values.length; i++) {
      if (timestampsMs[i]! >= incidentMs && timestampsMs[i]! < incidentMs + 3 * HOUR_MS) values[i] = values[i]! - 400;
    }
    const model = fitAnomalyModel(timestampsMs, values, { stepMs: MINUTE_MS })!;
    for (const hour of [13.5, 14.5, 15.5]) {
      const tMs = AFTER_MS + hour * HOUR_MS;
      expect(Math.abs(predictAnomaly(model, tMs).expected - traffic(tMs))).toBeLessThan(2 * SD);
    }
    expect(model.sigma).toBeLessThan(1.6 * SD);
  });

  it('skips NaN gaps and samples in excluded ranges', () => {
    const clean = series(14, traffic, SD);
    const { timestampsMs, values } = series(14, traffic, SD);
    // A day of scrape gaps, and an excluded day-long load test that would otherwise move the model.
    const gapFromMs = START_MS + 3 * DAY_MS;
    const testFromMs = START_MS + 9 * DAY_MS;
    for (let i = 0; i < values.length; i++) {
      const t = timestampsMs[i]!;
      if (t >= gapFromMs && t < gapFromMs + DAY_MS) values[i] = Number.NaN;
      if (t >= testFromMs && t < testFromMs + DAY_MS) values[i] = 5000;
    }
    const excluded = [{ startMs: testFromMs, endMs: testFromMs + DAY_MS - 1 }];
    const model = fitAnomalyModel(timestampsMs, values, { stepMs: MINUTE_MS, excluded })!;
    const reference = fitAnomalyModel(clean.timestampsMs, clean.values, { stepMs: MINUTE_MS })!;
    expect(model.points).toBe(12 * 1440);
    for (const hour of [3, 9, 14, 20]) {
      const tMs = AFTER_MS + hour * HOUR_MS;
      expect(Math.abs(predictAnomaly(model, tMs).expected - predictAnomaly(reference, tMs).expected)).toBeLessThan(1.5 * SD);
    }
    expect(model.sigma).toBeLessThan(1.3 * reference.sigma);
  });

  it.each([
    ['no data', 0, MINUTE_MS],
    ['49 points', 49, DAY_MS / 40],
    ['12 hours at a 60 s step (720 points, under a day)', 720, MINUTE_MS],
    ['a day where every value is NaN', 1440, MINUTE_MS],
  ])('returns null on too little data: %s', (name, count, stepMs) => {
    const timestampsMs = Array.from({ length: count }, (_, i) => START_MS + i * stepMs);
    const values = timestampsMs.map(() => (name.includes('NaN') ? Number.NaN : 5));
    expect(fitAnomalyModel(timestampsMs, values, { stepMs })).toBeNull();
  });

  it('fits one day of 5-minute data (288 points)', () => {
    const { timestampsMs, values } = series(1, traffic, SD, 5 * MINUTE_MS);
    expect(fitAnomalyModel(timestampsMs, values, { stepMs: 5 * MINUTE_MS })).not.toBeNull();
  });

  it.each([
    ['a constant 100', 100, 0.1],
    ['all zeros', 0, 0],
  ])('gives a flat series (%s) a band of non-zero width', (_, level, floor) => {
    const timestampsMs = Array.from({ length: 2 * 1440 }, (_, i) => START_MS + i * MINUTE_MS);
    const model = fitAnomalyModel(
      timestampsMs,
      timestampsMs.map(() => level),
      { stepMs: MINUTE_MS },
    )!;
    const band = anomalyBand(model, START_MS + 3 * DAY_MS, level, 3);
    expect(band.expected).toBeCloseTo(level, 9);
    expect(band.upper - band.lower).toBeGreaterThan(0);
    expect((band.upper - band.lower) / 6).toBeGreaterThanOrEqual(floor * 0.999_999);
    expect(isOutside(band, level, 'outside')).toBe(false);
    expect(isOutside(band, level + 1, 'outside')).toBe(true);
  });

  it('throws a bad_data error for a step that is not a positive number', () => {
    expect(() => fitAnomalyModel([1, 2], [1, 2], { stepMs: 0 })).toThrow(AlertingError);
  });
});

describe('anomalyBand', () => {
  const peakMs = AFTER_MS + 14 * HOUR_MS;

  it('puts a 10 σ spike outside and a normal value inside', () => {
    const normal = anomalyBand(trained, peakMs, traffic(peakMs) + SD, 3);
    expect(isOutside(normal, traffic(peakMs) + SD, 'outside')).toBe(false);
    const spike = traffic(peakMs) + 10 * SD;
    const band = anomalyBand(trained, peakMs, spike, 3);
    expect(isOutside(band, spike, 'outside')).toBe(true);
    expect(isOutside(band, spike, 'above')).toBe(true);
    expect(isOutside(band, spike, 'below')).toBe(false);
    expect(band.score).toBeGreaterThan(6);
  });

  it('scales with k around the same expected value', () => {
    const b2 = anomalyBand(trained, peakMs, 1000, 2);
    const b4 = anomalyBand(trained, peakMs, 1000, 4);
    expect(b4.expected).toBe(b2.expected);
    expect(b4.upper - b4.lower).toBeCloseTo(2 * (b2.upper - b2.lower), 9);
    expect(b4.score).toBe(b2.score);
  });

  it('gives a signed score, and NaN for a NaN value', () => {
    const { expected, stddev } = predictAnomaly(trained, peakMs);
    expect(anomalyBand(trained, peakMs, expected - 2 * stddev, 3).score).toBeCloseTo(-2, 9);
    const band = anomalyBand(trained, peakMs, Number.NaN, 3);
    expect(band.score).toBeNaN();
    expect(isOutside(band, Number.NaN, 'outside')).toBe(false);
  });
});

describe('isOutside', () => {
  const band = { expected: 10, lower: 7, upper: 13, score: 0 };
  it.each([
    [14, 'above', true],
    [14, 'below', false],
    [14, 'outside', true],
    [6, 'above', false],
    [6, 'below', true],
    [6, 'outside', true],
    [13, 'outside', false],
    [7, 'outside', false],
    [Number.POSITIVE_INFINITY, 'above', true],
  ] as const)('value %d, direction %s → %s', (value, direction, outside) => {
    expect(isOutside(band, value, direction)).toBe(outside);
  });
});

describe('the model as data', () => {
  it('survives a JSON round trip with identical bands', () => {
    const copy = JSON.parse(JSON.stringify(trained)) as AnomalyModel;
    expect(copy).toEqual(trained);
    for (const hour of [0, 7.25, 14, 23.9]) {
      const tMs = AFTER_MS + hour * HOUR_MS;
      expect(anomalyBand(copy, tMs, 900, 3)).toEqual(anomalyBand(trained, tMs, 900, 3));
    }
    expect(loadAnomalyModel(copy)).toEqual(trained);
  });

  it.each([
    ['a missing sigma', { sigma: undefined }, 'sigma'],
    ['a zero floor', { sigmaFloor: 0 }, 'sigmaFloor'],
    ['an unknown seasonality', { seasonal: [{ seasonality: 'yearly', periodMs: 1, values: [0] }] }, 'seasonal[0].seasonality'],
    ['a wrong version', { version: 2 }, 'version'],
  ])('rejects a model with %s, naming the field', (_, patch, field) => {
    const broken = { ...JSON.parse(JSON.stringify(trained)), ...patch };
    expect(() => loadAnomalyModel(broken)).toThrow(field);
  });
});
