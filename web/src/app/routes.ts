/**
 * The app's pages by their first path segment. The server answers `index.html` for exactly these
 * (`SPA_ROUTES` in `server/src/web/static-files.ts`): add a page in both places.
 */
export type Page = 'sign-in' | 'explore' | 'logs' | 'dashboards' | 'dashboard' | 'alarms' | 'alarm' | 'scaling' | 'scaling-group' | 'agents' | 'not-found';

/** A parsed location. */
export interface Route {
  page: Page;
  /** Path parameters (`id` of `/dashboards/:id`, the name of `/alarms/:name`). */
  id?: string;
  search: string;
}

/**
 * The navigation, in order.
 */
export const NAV_ITEMS: ReadonlyArray<{ path: string; label: string; page: Page }> = [
  { path: '/explore', label: 'Explore', page: 'explore' },
  { path: '/logs', label: 'Logs', page: 'logs' },
  { path: '/dashboards', label: 'Dashboards', page: 'dashboards' },
  { path: '/alarms', label: 'Alarms', page: 'alarms' },
  { path: '/scaling', label: 'Scaling', page: 'scaling' },
  { path: '/agents', label: 'Agents', page: 'agents' },
];

/** Maps a path to a page; `/` goes to Explore. */
export function parseRoute(pathname: string, search: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second] = parts;
  switch (first) {
    case undefined:
    case 'explore':
      return { page: 'explore', search };
    case 'sign-in':
      return { page: 'sign-in', search };
    case 'logs':
      return { page: 'logs', search };
    case 'dashboards':
      return second ? { page: 'dashboard', id: second, search } : { page: 'dashboards', search };
    case 'alarms':
      return second ? { page: 'alarm', id: second, search } : { page: 'alarms', search };
    case 'scaling':
      return second ? { page: 'scaling-group', id: second, search } : { page: 'scaling', search };
    case 'agents':
      return { page: 'agents', search };
    default:
      return { page: 'not-found', search };
  }
}
