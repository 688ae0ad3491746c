// @vitest-environment happy-dom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stubCanvas } from '../testing/fake-canvas';
import type { ScalingActivity, ScalingGroup } from '../api/endpoints';
import { ScalingGroupPage, ScalingPage } from './ScalingPage';

/** Shapes of `/api/v1/scaling-groups` and friends (server/src/alerting/scaling.ts of the alerting work). */
const GROUP: ScalingGroup = {
  name: 'workers',
  min: 1,
  max: 10,
  desired: 2,
  capacitySource: { kind: 'reported' },
  state: { desiredCapacity: 4, minCapacity: 1, maxCapacity: 10, currentCapacity: 3, currentReportedAt: null, lastActivityAt: '2026-11-22T11:00:00.000Z' },
  policies: ['cpu-out'],
};
const now = Date.now();
const ACTIVITIES: ScalingActivity[] = [
  { group: 'workers', atMs: now - 3_600_000, time: '', policy: 'cpu-out', cause: { alarm: 'cpu-high', state: 'ALARM', metricValue: 91, threshold: 80 }, from: 2, to: 4, status: 'scaled', reason: 'add 2' },
  { group: 'workers', atMs: now - 1_800_000, time: '', policy: 'cpu-out', cause: { alarm: 'cpu-high' }, from: 4, to: 4, status: 'suppressed', reason: 'cooldown', suppressedBy: 'cooldown' },
];

let root: HTMLElement;
beforeEach(() => {
  root = document.createElement('div');
  document.body.appendChild(root);
  stubCanvas();
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      const path = url.split('?')[0];
      const data =
        path === '/api/v1/scaling-groups'
          ? [GROUP]
          : path === '/api/v1/scaling-groups/workers'
            ? GROUP
            : path === '/api/v1/scaling-groups/workers/activities'
              ? ACTIVITIES
              : [{ name: 'cpu-out', group: 'workers', type: 'simple', enabled: true, alarm: 'cpu-high', scalingAdjustment: 2 }];
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

describe('scaling pages', () => {
  it('list groups with their live capacities', async () => {
    render(<ScalingPage />, root);
    await settle();
    const cells = [...root.querySelectorAll('tbody td')].map((td) => td.textContent);
    expect(cells).toEqual(['workers', '1', '4', '3', '10', 'cpu-out', expect.any(String)]);
  });

  it('show a group: capacity steps, policies and the activity log newest first', async () => {
    render(<ScalingGroupPage name="workers" />, root);
    await settle();
    await settle();
    expect(root.querySelector('h1')?.textContent).toBe('workers');
    expect(root.textContent).toContain('alarm: cpu-high · scalingAdjustment: 2');
    const rows = [...root.querySelectorAll('tbody tr')].map((tr) => tr.textContent);
    expect(rows[0]).toContain('suppressed (cooldown)');
    expect(rows[1]).toContain('2 → 4');
    expect(rows[1]).toContain('alarm cpu-high ALARM · value 91 · threshold 80');
    expect(root.querySelector('.legend-name')?.textContent).toBe('desired capacity');
  });

  it('say so when the server has no scaling API', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('{"status":"error","error":"no route"}', { status: 404 })));
    render(<ScalingPage />, root);
    await settle();
    expect(root.textContent).toContain('no scaling API yet');
  });
});
