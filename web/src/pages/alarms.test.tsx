// @vitest-environment happy-dom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stubCanvas } from '../testing/fake-canvas';
import type { AlarmSummary, AlarmTransition } from '../api/endpoints';
import { alarmBody, emptyAlarmForm, formFromAlarm } from '../lib/alarm-form';
import { DashboardPanel } from '../components/DashboardPanel';
import { AlarmEditor } from './AlarmEditor';
import { AlarmPage, anomalyBandQuery, mergeAligned, withThresholds } from './AlarmPage';
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
  stubCanvas();
  root = document.createElement('div');
  document.body.appendChild(root);
  calls = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      calls.push(init?.method && init.method !== 'GET' ? `${init.method} ${url} ${String(init.body)}` : url);
      if (init?.method === 'POST' && url === '/api/v1/alarms') {
        return new Response(JSON.stringify({ status: 'success', data: { ...ALARM, ...JSON.parse(String(init.body)) } }), { status: 201 });
      }
      const path = url.split('?')[0];
      if (path === '/api/v1/channels/ops-slack/test') {
        return new Response(JSON.stringify({ status: 'success', data: { delivered: false, permanent: true, error: 'HTTP 404 from <secret>' } }), { status: 200 });
      }
      if (init?.method === 'POST' && path === '/api/v1/channels') {
        const b = JSON.parse(String(init.body));
        return new Response(JSON.stringify({ status: 'success', data: { ...b, url: '<secret>' } }), { status: 201 });
      }
      if (init?.method === 'POST' && path === '/api/v1/silences') {
        return new Response(JSON.stringify({ status: 'success', data: {} }), { status: 201 });
      }
      const extra: Record<string, unknown> = {
        '/api/v1/silences': [
          { id: 's1', matchers: [{ name: 'alertname', type: '=', value: EVIL }], startsAt: '2026-11-22T11:00:00.000Z', endsAt: '2026-11-22T13:00:00.000Z', createdBy: 'ann', comment: 'deploy', createdAt: '2026-11-22T11:00:00.000Z', status: { state: 'active' } },
        ],
        '/api/v1/channels': [{ name: 'ops-slack', type: 'slack', url: '<secret>', channel: 'ops' }],
        '/api/v1/notifications': [
          { id: 'n1', channel: 'ops-slack', status: 'delivered', groupKey: 'g', groupStatus: 'firing', alerts: [{ alarm: 'HighLatency', status: 'firing', labels: {}, startsAt: '2026-11-22T11:58:00.000Z' }], createdAt: '2026-11-22T11:58:01.000Z', attempts: 1, nextAttemptAt: null, lastError: null, deliveredAt: '2026-11-22T11:58:02.000Z' },
          { id: 'n2', channel: 'ops-slack', status: 'dead', groupKey: 'h', groupStatus: 'firing', alerts: [{ alarm: 'Other', status: 'firing', labels: {}, startsAt: '2026-11-22T11:00:00.000Z' }], createdAt: '2026-11-22T11:00:01.000Z', attempts: 5, nextAttemptAt: null, lastError: 'x', deliveredAt: null },
        ],
      };
      if (path! in extra) return new Response(JSON.stringify({ status: 'success', data: extra[path!] }), { status: 200 });
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
/** Settles until `ok()` holds (a loaded machine can take longer than one settle), at most 2 s. */
async function settleUntil(ok: () => boolean): Promise<void> {
  const end = Date.now() + 2000;
  do await settle();
  while (!ok() && Date.now() < end);
}

describe('AlarmsPage', () => {
  it('lists alarms in alarm first, with their condition, and data as text', async () => {
    render(<AlarmsPage search="" />, root);
    await settle();
    await settle();
    const names = [...root.querySelectorAll('tbody tr td:first-child a')].map((a) => a.textContent);
    expect(names).toEqual(['HighLatency', 'DiskFull']);
    expect(root.querySelector('tbody a')?.getAttribute('href')).toBe('/alarms/HighLatency');
    expect(root.querySelector('a.button-link')?.getAttribute('href')).toBe('/alarms?new=1');
    expect(root.textContent).toContain('In alarm');
    expect(root.textContent).toContain('> 0.5 (warning), > 1 (critical)');
    expect(root.textContent).toContain(EVIL);
    expect(root.querySelector('img')).toBeNull();
    expect(root.querySelectorAll('svg.sparkline polyline').length).toBe(2);
  });

  it('says so when the server has no alarms API', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ status: 'error', error: 'no route' }), { status: 404 })));
    render(<AlarmsPage search="" />, root);
    await settle();
    expect(root.textContent).toContain('no alarms API yet');
  });
});

describe('AlarmPage', () => {
  it('shows the definition, instances and the history timeline', async () => {
    render(<AlarmPage name="HighLatency" search="" />, root);
    // Definition, history, notifications and the graph load separately; wait for the last of them.
    await settleUntil(
      () =>
        [...root.querySelectorAll('tbody tr')].some((tr) => tr.textContent?.includes('delivered')) &&
        root.querySelectorAll('.legend-name').length === 3 &&
        root.querySelector('ol.timeline li') !== null,
    );
    expect(calls).toEqual(expect.arrayContaining(['/api/v1/alarms/HighLatency', '/api/v1/alarms/HighLatency/history?limit=200']));
    expect(root.querySelector('h1')?.textContent).toBe('HighLatency');
    expect(root.textContent).toContain('3 of 5 datapoints breaching');
    expect(root.textContent).toContain('ops-slack');
    const timeline = root.querySelector('ol.timeline');
    expect(timeline?.querySelector('li')?.className).toBe('to-ALARM');
    expect(timeline?.textContent).toContain('OK → ALARM (critical)');
    expect(timeline?.textContent).toContain(`job="${EVIL}"`);
    expect(root.querySelector('img')).toBeNull();
    // Only the notifications that carried this alarm.
    const sent = root.querySelector('table[class="data-table"] caption')?.textContent;
    expect(sent).toBeDefined();
    expect([...root.querySelectorAll('tbody tr')].some((tr) => tr.textContent?.includes('delivered'))).toBe(true);
    expect([...root.querySelectorAll('tbody tr')].some((tr) => tr.textContent?.includes('dead'))).toBe(false);
    expect(root.querySelector('a[href^="/alarms?tab=silences"]')?.getAttribute('href')).toBe(`/alarms?tab=silences&matchers=${encodeURIComponent('alertname="HighLatency"')}`);
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
  it('queries the anomaly band the evaluator writes, the alarm name quoted', () => {
    expect(anomalyBandQuery('cpu "odd"')).toBe('{__name__=~"vigil_anomaly_(expected|lower|upper)", alarm="cpu \\"odd\\""}');
    const a = { xs: [1, 2], ys: [[1, 2]], names: ['q'], labels: [{}] };
    expect(mergeAligned(a, { xs: [1, 2], ys: [[0, 0]], names: ['vigil_anomaly_lower'], labels: [{}] }).names).toEqual(['q', 'vigil_anomaly_lower']);
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

describe('alarm form', () => {
  it('builds the API body from an existing alarm with only the fields the API defines', () => {
    const { body, problems } = alarmBody(formFromAlarm(ALARM));
    expect(problems).toEqual([]);
    expect(Object.keys(body).sort()).toEqual(
      ['annotations', 'channels', 'comparison', 'datapointsToAlarm', 'description', 'enabled', 'evaluationPeriods', 'labels', 'language', 'levels', 'name', 'periodSeconds', 'query', 'treatMissingData', 'type'].sort(),
    );
    expect(body).toMatchObject({ name: 'HighLatency', levels: ALARM.levels, labels: { team: 'web' }, annotations: { summary: EVIL }, channels: ['ops-slack'] });
  });

  it('names every problem the way a user fixes it', () => {
    const form = { ...emptyAlarmForm(), name: 'bad name', datapointsToAlarm: '7', labels: 'novalue' };
    expect(alarmBody(form).problems).toEqual([
      'Name: 1 to 128 letters, digits, _ . : or -',
      'Query: required',
      'Datapoints to alarm must not exceed datapoints considered',
      'Level 1: threshold must be a number',
      'Labels, line 1: write key=value',
    ]);
  });
});

describe('AlarmEditor', () => {
  it('creates a threshold alarm through POST /api/v1/alarms', async () => {
    const saved: string[] = [];
    render(<AlarmEditor onSaved={(n) => saved.push(n)} onCancel={() => undefined} />, root);
    const type = async (id: string, value: string) => {
      const el = root.querySelector(`#${id}`) as HTMLInputElement | HTMLTextAreaElement;
      await act(() => {
        el.value = value;
        el.dispatchEvent(new Event('input', { bubbles: true }));
      });
    };
    await type('al-name', 'ErrorsHigh');
    await type('al-query', 'sum(rate(errors_total[5m]))');
    await type('al-thr-0', '5');
    await type('al-channels', 'ops-slack, pager');
    await act(async () => {
      (root.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
      await new Promise((r) => setTimeout(r, 20));
    });
    const post = calls.find((c) => c.startsWith('POST /api/v1/alarms '));
    expect(post).toBeDefined();
    const body = JSON.parse(post!.slice('POST /api/v1/alarms '.length));
    expect(body).toMatchObject({ name: 'ErrorsHigh', type: 'threshold', query: 'sum(rate(errors_total[5m]))', levels: [{ severity: 'critical', threshold: 5 }], channels: ['ops-slack', 'pager'] });
    expect(saved).toEqual(['ErrorsHigh']);
  });
});

describe('alarm-status dashboard panel', () => {
  it('shows the alarms whose name contains the filter, linking to each', async () => {
    const panel = { id: 'a', title: 'Alarms', type: 'alarms' as const, language: 'promql' as const, query: 'latency', unit: '' as const, grid: { x: 0, y: 0, w: 24, h: 4 } };
    render(<DashboardPanel panel={panel} query="latency" startMs={0} endMs={60_000} stepMs={15_000} refreshTick={0} />, root);
    await settleUntil(() => root.querySelector('.alarm-status a') !== null);
    const links = [...root.querySelectorAll('.alarm-status a')];
    expect(links.map((a) => a.textContent)).toEqual(['HighLatency: ALARM']);
    expect(links[0]?.getAttribute('href')).toBe('/alarms/HighLatency');
    expect(calls.filter((c) => c.startsWith('/api/v1/query'))).toEqual([]);
  });
});

describe('silences and channels', () => {
  it('lists silences as text and creates one from typed matchers', async () => {
    render(<AlarmsPage search={`?tab=silences&matchers=${encodeURIComponent('alertname="HighLatency"')}`} user="ann" />, root);
    await settle();
    expect(root.querySelector('tbody')?.textContent).toContain(`alertname="${EVIL.replaceAll('"', '\\"')}"`);
    expect(root.querySelector('img')).toBeNull();
    expect((root.querySelector('#si-matchers') as HTMLInputElement).value).toBe('alertname="HighLatency"');
    const submit = () =>
      act(async () => {
        (root.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
        await new Promise((r) => setTimeout(r, 20));
      });
    // The server requires a comment: the form says so before sending anything.
    await submit();
    expect(root.querySelector('form [role="alert"]')?.textContent).toMatch(/^Comment: required/);
    expect(calls.some((c) => c.startsWith('POST /api/v1/silences'))).toBe(false);
    await act(async () => {
      const comment = root.querySelector('#si-comment') as HTMLInputElement;
      comment.value = 'deploy';
      comment.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await act(async () => {
      (root.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
      await new Promise((r) => setTimeout(r, 20));
    });
    const post = calls.find((c) => c.startsWith('POST /api/v1/silences '));
    const body = JSON.parse(post!.slice('POST /api/v1/silences '.length));
    expect(body).toMatchObject({ matchers: [{ name: 'alertname', type: '=', value: 'HighLatency' }], createdBy: 'ann', comment: 'deploy' });
    expect(Date.parse(body.endsAt) - Date.now()).toBeGreaterThan(7_100_000);
  });

  it('sends a test notification to a channel and shows what the receiver said', async () => {
    render(<AlarmsPage search="?tab=channels" />, root);
    await settle();
    expect(root.querySelector('tbody')?.textContent).toContain('#ops');
    await act(async () => {
      (root.querySelector('tbody button') as HTMLButtonElement).click();
      await new Promise((r) => setTimeout(r, 20));
    });
    expect(calls).toContain('POST /api/v1/channels/ops-slack/test undefined');
    expect(root.querySelector('tbody output')?.textContent).toBe('failed (permanent): HTTP 404 from <secret>');
  });

  it('creates a webhook channel through POST /api/v1/channels and lists it as the API shows it', async () => {
    render(<AlarmsPage search="?tab=channels" />, root);
    await settle();
    const type = async (sel: string, value: string) =>
      act(async () => {
        const el = root.querySelector(sel) as HTMLInputElement;
        el.value = value;
        el.dispatchEvent(new Event('input', { bubbles: true }));
      });
    await type('#ch-name', 'ops-hook');
    await type('#ch-url', 'https://hooks.example.com/v?token=t');
    await act(async () => {
      (root.querySelector('form[aria-label="New channel"]') as HTMLFormElement).dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
      await new Promise((r) => setTimeout(r, 20));
    });
    const post = calls.find((c) => c.startsWith('POST /api/v1/channels '));
    expect(JSON.parse(post!.slice('POST /api/v1/channels '.length))).toEqual({ type: 'webhook', name: 'ops-hook', url: 'https://hooks.example.com/v?token=t' });
    // The list is read again from the server (which shows the URL as <secret>).
    expect(calls.filter((c) => c === '/api/v1/channels')).toHaveLength(2);
    expect(root.textContent).not.toContain('token=t');
    expect((root.querySelector('#ch-url') as HTMLInputElement).value).toBe('');
  });
});
