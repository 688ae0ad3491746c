import { describe, expect, it } from 'vitest';
import { NAV_ITEMS, parseRoute } from './routes';

describe('parseRoute', () => {
  it.each([
    { path: '/', route: { page: 'explore' } },
    { path: '/explore', route: { page: 'explore' } },
    { path: '/logs', route: { page: 'logs' } },
    { path: '/dashboards', route: { page: 'dashboards' } },
    { path: '/dashboards/host-overview', route: { page: 'dashboard', id: 'host-overview' } },
    { path: '/alarms', route: { page: 'alarms' } },
    { path: '/alarms/High%20CPU', route: { page: 'alarm', id: 'High CPU' } },
    { path: '/scaling/workers', route: { page: 'scaling-group', id: 'workers' } },
    { path: '/agents', route: { page: 'agents' } },
    { path: '/sign-in', route: { page: 'sign-in' } },
    { path: '/nope', route: { page: 'not-found' } },
  ])('maps $path', ({ path, route }) => {
    expect(parseRoute(path, '?x=1')).toEqual({ ...route, search: '?x=1' });
  });

  it('routes every navigation entry to its own page', () => {
    for (const item of NAV_ITEMS) expect(parseRoute(item.path, '').page).toBe(item.page);
  });
});
