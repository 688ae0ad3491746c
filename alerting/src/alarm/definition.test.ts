import { describe, expect, it } from 'vitest';
import { parseAlarmDefinition, parseDurationSeconds } from './definition.js';

describe('parseAlarmDefinition', () => {
  it('applies CloudWatch-like defaults to a minimal threshold alarm', () => {
    expect(parseAlarmDefinition({ name: 'a', query: 'up', threshold: 1 })).toMatchObject({
      type: 'threshold',
      language: 'auto',
      periodSeconds: 60,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      evaluationRange: 3,
      comparison: '>',
      levels: [{ severity: 'critical', threshold: 1 }],
      treatMissingData: 'missing',
      enabled: true,
    });
  });

  it('orders levels least to most severe for either direction', () => {
    const up = parseAlarmDefinition({ name: 'a', query: 'x', levels: [{ severity: 'critical', threshold: 95 }, { severity: 'warning', threshold: 80 }] });
    expect(up.levels.map((l) => l.severity)).toEqual(['warning', 'critical']);
    const down = parseAlarmDefinition({
      name: 'a',
      query: 'x',
      comparison: 'LessThanThreshold',
      levels: [{ severity: 'warning', threshold: 20 }, { severity: 'critical', threshold: 5 }],
    });
    expect(down.comparison).toBe('<');
    expect(down.levels.map((l) => l.severity)).toEqual(['warning', 'critical']);
  });

  it('maps Prometheus for / keepFiringFor onto M of N', () => {
    const d = parseAlarmDefinition({ name: 'a', query: 'up == 0', for: '5m', keepFiringFor: '10m', periodSeconds: 30 });
    expect(d).toMatchObject({ evaluationPeriods: 11, datapointsToAlarm: 11, evaluationRange: 11, treatMissingData: 'notBreaching', keepFiringForSeconds: 600, levels: [] });
  });

  it('names every problem at once', () => {
    let message = '';
    try {
      parseAlarmDefinition({ name: 'bad name', query: '', evaluationPeriods: 2, datapointsToAlarm: 3, treatMissingData: 'sometimes', colour: 'red', labels: { alertname: 'x' } });
    } catch (err) {
      message = (err as Error).message;
    }
    for (const part of [
      'unknown field "colour"',
      'name must match',
      'query must be',
      'datapointsToAlarm must not exceed evaluationPeriods',
      'treatMissingData must be one of',
      'alertname is set from the alarm name',
    ]) {
      expect(message).toContain(part);
    }
  });

  it('validates anomaly and composite shapes', () => {
    expect(parseAlarmDefinition({ name: 'a', type: 'anomaly', query: 'rate(x[5m])', anomaly: { bandWidth: 2, excluded: [{ start: '2026-01-01T00:00:00Z', end: 1767229200 }] } }).anomaly).toEqual({
      bandWidth: 2,
      direction: 'outside',
      trainingDays: 14,
      excluded: [{ startMs: Date.parse('2026-01-01T00:00:00Z'), endMs: 1767229200000 }],
    });
    expect(() => parseAlarmDefinition({ name: 'a', type: 'anomaly', query: 'x', threshold: 3 })).toThrow(/band, not thresholds/);
    expect(parseAlarmDefinition({ name: 'c', rule: 'ALARM("a")' })).toMatchObject({ type: 'composite', query: '', rule: 'ALARM("a")' });
    expect(() => parseAlarmDefinition({ name: 'c', rule: 'ALARM("a")', query: 'x' })).toThrow(/query is not used by a composite alarm/);
  });

  it('parses Prometheus durations', () => {
    expect(parseDurationSeconds('1h30m')).toBe(5400);
    expect(parseDurationSeconds('500ms')).toBe(0.5);
    expect(parseDurationSeconds('90')).toBe(90);
    expect(parseDurationSeconds('5 m')).toBeUndefined();
    expect(parseDurationSeconds('m5')).toBeUndefined();
  });
});
