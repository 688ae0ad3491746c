import { useCallback, useEffect, useState } from 'preact/hooks';
import { errorMessage, onUnauthorized, setTenant } from '../api/client';
import { type Session, getSession, listTenants, signOut } from '../api/endpoints';
import { AgentsPage } from '../pages/AgentsPage';
import { AlarmPage } from '../pages/AlarmPage';
import { AlarmsPage } from '../pages/AlarmsPage';
import { ScalingGroupPage, ScalingPage } from '../pages/ScalingPage';
import { DashboardPage } from '../pages/DashboardPage';
import { DashboardsPage } from '../pages/DashboardsPage';
import { ExplorePage } from '../pages/ExplorePage';
import { LogsPage } from '../pages/LogsPage';
import { SignInPage } from '../pages/SignInPage';
import { Link, navigate, useRoute } from './router';
import { NAV_ITEMS } from './routes';
import { type Theme, applyTheme, getTheme } from './theme';

const TENANT_KEY = 'vigil.tenant';

/** The whole app: the session, the header (navigation, tenant, theme, sign-out) and the page. */
export function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [error, setError] = useState('');

  const load = useCallback(async () => {
    try {
      const s = await getSession();
      if (s.root) {
        const chosen = localStorage.getItem(TENANT_KEY);
        if (chosen && chosen !== s.tenant) {
          setTenant(chosen);
          setSession(await getSession());
          return;
        }
      } else setTenant(undefined);
      setSession(s);
    } catch (err) {
      setTenant(undefined);
      if ((err as { status?: number }).status === 401) setSession(null);
      else setError(errorMessage(err));
    }
  }, []);

  useEffect(() => {
    void load();
    return onUnauthorized(() => setSession(null));
  }, [load]);

  // Each page names itself in the tab title (screen readers announce it on navigation).
  useEffect(() => {
    const label = NAV_ITEMS.find((n) => n.page === route.page)?.label;
    const name = route.page === 'sign-in' || session === null ? 'Sign in' : (route.id ?? label ?? 'Not found');
    document.title = `${name} · Vigil`;
  }, [route.page, route.id, session]);

  useEffect(() => {
    if (session === null && route.page !== 'sign-in') {
      const next = location.pathname + location.search;
      navigate(`/sign-in${next !== '/' && !next.startsWith('/sign-in') ? `?next=${encodeURIComponent(next)}` : ''}`, { replace: true });
    }
  }, [session, route.page]);

  if (error) {
    return (
      <main class="center-page">
        <p role="alert" class="error">
          Vigil did not answer: {error}
        </p>
        <button type="button" onClick={() => location.reload()}>
          Retry
        </button>
      </main>
    );
  }
  if (session === undefined) return <main class="center-page" aria-busy="true" />;
  if (session === null || route.page === 'sign-in') {
    return (
      <SignInPage
        onSignedIn={(s) => {
          setTenant(undefined);
          localStorage.removeItem(TENANT_KEY);
          setSession(s);
          const next = new URLSearchParams(location.search).get('next');
          navigate(next?.startsWith('/') && !next.startsWith('//') ? next : '/explore', { replace: true });
        }}
      />
    );
  }

  const switchTenant = async (t: string) => {
    const target = t.trim();
    if (!target) return;
    setTenant(target === session.keyTenant ? undefined : target);
    if (target === session.keyTenant) localStorage.removeItem(TENANT_KEY);
    else localStorage.setItem(TENANT_KEY, target);
    try {
      setSession(await getSession());
    } catch (err) {
      setTenant(undefined);
      localStorage.removeItem(TENANT_KEY);
      alertText(errorMessage(err));
    }
  };

  let page: preact.JSX.Element;
  switch (route.page) {
    case 'explore':
      page = <ExplorePage search={route.search} />;
      break;
    case 'logs':
      page = <LogsPage search={route.search} />;
      break;
    case 'dashboards':
      page = <DashboardsPage />;
      break;
    case 'dashboard':
      page = <DashboardPage id={route.id!} search={route.search} />;
      break;
    case 'alarms':
      // The root key has no name: silences it creates say `root` (the API requires a creator).
      page = <AlarmsPage search={route.search} user={session.keyName || (session.root ? 'root' : session.keyId)} />;
      break;
    case 'alarm':
      page = <AlarmPage name={route.id!} search={route.search} />;
      break;
    case 'scaling':
      page = <ScalingPage />;
      break;
    case 'scaling-group':
      page = <ScalingGroupPage name={route.id!} />;
      break;
    case 'agents':
      page = <AgentsPage />;
      break;
    default:
      page = (
        <main class="page">
          <h1>Not found</h1>
          <p>
            There is no page here. <Link href="/explore">Go to Explore</Link>.
          </p>
        </main>
      );
  }
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link href="/explore" class="brand" aria-label="Vigil home">
          <img src="/favicon.svg" alt="" width={22} height={22} />
          <span>Vigil</span>
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV_ITEMS.map((item) => {
              const current = route.page === item.page || (item.page === 'dashboards' && route.page === 'dashboard') || (item.page === 'alarms' && route.page === 'alarm') || (item.page === 'scaling' && route.page === 'scaling-group');
              return (
                <li key={item.path}>
                  <Link href={item.path} aria-current={current ? 'page' : undefined}>
                    {item.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <div class="topbar-end">
          <TenantBadge session={session} onSwitch={switchTenant} />
          <ThemeToggle />
          <button
            type="button"
            class="ghost"
            onClick={async () => {
              try {
                await signOut();
              } catch {
                // Signed out already (expired): the sign-in page is where we go either way.
              }
              setTenant(undefined);
              setSession(null);
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <div id="main" class="main" key={session.tenant}>
        {page}
      </div>
    </div>
  );
}

/** Shows a message without `alert()` (no native dialogs: they block and break automation). */
function alertText(message: string): void {
  const el = document.getElementById('toast');
  if (el) el.textContent = message;
}

function TenantBadge(props: { session: Session; onSwitch: (t: string) => void }) {
  const { session } = props;
  const [tenants, setTenants] = useState<string[]>([]);
  const [value, setValue] = useState(session.tenant);
  useEffect(() => setValue(session.tenant), [session.tenant]);
  useEffect(() => {
    if (!session.root) return;
    listTenants()
      .then((ts) => setTenants(ts.map((t) => t.id)))
      .catch(() => setTenants([]));
  }, [session.root]);
  if (!session.root) {
    return (
      <span class="tenant" title="Your key's tenant">
        Tenant <strong data-testid="tenant">{session.tenant}</strong>
      </span>
    );
  }
  return (
    <form
      class="tenant"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSwitch(value);
      }}
    >
      <label for="tenant-input">Tenant</label>
      <input
        id="tenant-input"
        data-testid="tenant"
        list="tenant-list"
        value={value}
        size={10}
        onInput={(e) => setValue(e.currentTarget.value)}
        onChange={(e) => props.onSwitch(e.currentTarget.value)}
        aria-describedby="tenant-help"
      />
      <datalist id="tenant-list">
        {tenants.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <span id="tenant-help" class="visually-hidden">
        The root key may act for any tenant; type or pick one and press Enter.
      </span>
      <output id="toast" class="toast" aria-live="polite" />
    </form>
  );
}

function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(getTheme());
  const next: Record<Theme, Theme> = { auto: 'light', light: 'dark', dark: 'auto' };
  return (
    <button
      type="button"
      class="ghost"
      aria-label={`Colour scheme: ${theme}. Switch to ${next[theme]}`}
      title="Colour scheme (automatic, light, dark)"
      onClick={() => {
        applyTheme(next[theme]);
        setTheme(next[theme]);
      }}
    >
      {theme === 'auto' ? '◐ Auto' : theme === 'light' ? '☀ Light' : '☾ Dark'}
    </button>
  );
}
