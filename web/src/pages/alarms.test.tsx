// @vitest-environment happy-dom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AlarmSummary, AlarmTransition } from '../api/endpoints';
import { AlarmPage, withThresholds } from './AlarmPage';
import { AlarmsPage, describeCondition } from './AlarmsPage';

const EVIL = '<img src=x onerror=alert(1)>';

/** An alarm as `GET /api/v1/alarms` answers it (the shape of server/src/alerting/alarms-api.ts). */
const ALARM: AlarmSummary = {
  name: 'HighLatency',
  description: `p99 above target for ${EVIL}`,
  type: 'threshold',
  query: 'histogram_quantile(0.99, rate(http_seconds_bucket[5m]))',
  language: 'promql',
  periodSeconds: 60,
  evaluationPeriods: 5,
  datapointsToAlarm: 3,
  comparison: '>',
  levels: [
    { severity: 'warning', threshold: 0.5 },
    { severity: 'critical', threshold: 1 },
  ],
  treatMissingData: 'missing',
  keepFiringForSeconds: 0,
  labels: { team: 'web' },
  annotations: { summary: EVIL },
  channels: ['ops-slack'],
  anomaly: null,
  rule: '',
  enabled: true,
  source: { kind: 'api' },
  state: 'ALARM',
  instanceCounts: { OK: 1, ALARM: 1, INSUFFICIENT_DATA: 0 },
  lastEvaluation: '2026-11-22T12:00:00.000Z',
};
const QUIET: AlarmSummary = { ...ALARM, name: 'DiskFull', state: 'OK', instanceCounts: { OK: 2, ALARM: 0, INSUFFICIENT_DATA: 0 } };
const HISTORY: AlarmTransition[] = [
  {
    timestamp: '2026-11-22T11:58:00.000Z',
    labels: { job: EVIL },
    from: 'OK',
    to: 'ALARM',
    fromSeverity: null,
    toSeverity: 'critical',
    reason: '3 of 5 datapoints > 1',
    value: 1.7,
    datapoints: [{ timestamp: '2026-11-22T11:58:00.000Z', value: 1.7 }],
  },
];

let root: HTMLElement;
let calls: string[];
beforeEach(() => {
  // happy-dom has no canvas: give uPlot a 2D context that accepts every call and draws nothing.
  const noop = (): unknown => ({ width: 0 });
  const ctx = new Proxy({} as Record<string | symbol, unknown>, { get: (t, k) => (k in t ? t[k] : noop), set: (t, k, v) => Reflect.set(t, k, v) });
  vi.stubGlobal(
    'Path2D',
    class {
      moveTo() {}
      lineTo() {}
      rect() {}
      arc() {}
      closePath() {}
      bezierCurveTo() {}
      addPath() {}
    },
  );
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(ctx as unknown as CanvasRenderingContext2D);
  root = document.createElement('div');
  document.body.appendChild(root);
  calls = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      calls.push(url);
      const path = url.split('?')[0];
      const data =
        path === '/api/v1/alarms'
          ? [QUIET, ALARM]
          : path === '/api/v1/alarms/HighLatency'
            ? { ...ALARM, instances: [{ labels: { job: EVIL }, state: 'ALARM', severity: 'critical', since: '2026-11-22T11:58:00.000Z', pendingSince: null, lastEvaluation: null, value: 1.7 }] }
            : path === '/api/v1/alarms/HighLatency/history'
              ? HISTORY
              : { resultType: 'matrix', result: [{ metric: { job: 'api' }, values: [[1, '0.2'], [2, '0.8']] }] };
      return new Response(JSON.stringify({ status: 'success', data }), { status: 200 });
    }),
  );
});
afterEach(() => {
  render(null, root);
  root.remove();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const settle = () =>
  act(async () => {
    await new Promise((r) => setTimeout(r, 30));
  });

describe('AlarmsPage', () => {
  it('lists alarms in alarm first, with their condition, and data as text', async () => {
    render(<AlarmsPage />, root);
    await settle();
    await settle();
    const names = [...root.querySelectorAll('tbody tr td:first-child a')].map((a) => a.textContent);
    expect(names).toEqual(['HighLatency', 'DiskFull']);
    expect(root.querySelector('a')?.getAttribute('href')).toBe('/alarms/HighLatency');
    expect(root.textContent).toContain('In alarm');
    expect(root.textContent).toContain('> 0.5 (warning), > 1 (critical)');
    expect(root.textContent).toContain(EVIL);
    expect(root.querySelector('img')).toBeNull();
    expect(root.querySelectorAll('svg.sparkline polyline').length).toBe(2);
  });

  it('says so when the server has no alarms API', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ status: 'error', error: 'no route' }), { status: 404 })));
    render(<AlarmsPage />, root);
    await settle();
    expect(root.textContent).toContain('no alarms API yet');
  });
});

describe('AlarmPage', () => {
  it('shows the definition, instances and the history timeline', async () => {
    render(<AlarmPage name="HighLatency" />, root);
    await settle();
    await settle();
    expect(calls).toEqual(expect.arrayContaining(['/api/v1/alarms/HighLatency', '/api/v1/alarms/HighLatency/history?limit=200']));
    expect(root.querySelector('h1')?.textContent).toBe('HighLatency');
    expect(root.textContent).toContain('3 of 5 datapoints breaching');
    expect(root.textContent).toContain('ops-slack');
    const timeline = root.querySelector('ol.timeline');
    expect(timeline?.querySelector('li')?.className).toBe('to-ALARM');
    expect(timeline?.textContent).toContain('OK → ALARM (critical)');
    expect(timeline?.textContent).toContain(`job="${EVIL}"`);
    expect(root.querySelector('img')).toBeNull();
    // The graph carries the query's series and one line per threshold level.
    expect([...root.querySelectorAll('.legend-name')].map((e) => e.textContent)).toEqual(['{job="api"}', 'threshold warning > 0.5', 'threshold critical > 1']);
  });
});

describe('alarm helpers', () => {
  it('describes each type of condition', () => {
    expect(describeCondition({ ...ALARM, levels: [] })).toBe(ALARM.query);
    expect(describeCondition({ ...ALARM, type: 'composite', rule: 'ALARM("a") AND NOT OK("b")' })).toBe('ALARM("a") AND NOT OK("b")');
    expect(describeCondition({ ...ALARM, type: 'anomaly', anomaly: { bandWidth: 3, direction: 'above', trainingDays: 14 } })).toContain('±3σ band (above)');
  });
  it('adds a flat series per threshold level', () => {
    const data = withThresholds({ xs: [1, 2], ys: [[0.2, 0.8]], names: ['a'], labels: [{}] }, ALARM);
    expect(data.names).toEqual(['a', 'threshold warning > 0.5', 'threshold critical > 1']);
    expect(data.ys.slice(1)).toEqual([
      [0.5, 0.5],
      [1, 1],
    ]);
  });
});
