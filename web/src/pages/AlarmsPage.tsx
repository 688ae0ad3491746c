import { useEffect, useState } from 'preact/hooks';
import { ApiError, errorMessage } from '../api/client';
import { type AlarmState, type AlarmSummary, listAlarms } from '../api/endpoints';
import { runQuery } from '../api/run-query';
import { Link, navigate } from '../app/router';
import { Sparkline } from '../components/Sparkline';
import { AlarmEditor } from './AlarmEditor';
import { refreshInterval } from './AlarmPage';
import { ChannelsTab } from './ChannelsTab';
import { SilencesTab } from './SilencesTab';
import { formatTime } from '../lib/format';
import type { MatrixSeries } from '../lib/series';

/** How far back the sparklines look, ms. */
const SPARK_RANGE_MS = 3 * 3_600_000;
/** Sparklines are drawn for the first alarms only (each is one query). */
const MAX_SPARKLINES = 50;
const STATE_ORDER: Record<AlarmState, number> = { ALARM: 0, INSUFFICIENT_DATA: 1, OK: 2 };
const STATE_LABEL: Record<AlarmState, string> = { ALARM: 'In alarm', INSUFFICIENT_DATA: 'Insufficient data', OK: 'OK' };

/** The alarms of the tenant (`/api/v1/alarms`): state, a sparkline of the query, and links to each alarm. */
export function AlarmsPage(props: { search: string; user?: string }) {
  const params = new URLSearchParams(props.search);
  const creating = params.get('new') === '1';
  const tab = params.get('tab') === 'silences' ? 'silences' : params.get('tab') === 'channels' ? 'channels' : 'alarms';
  const [alarms, setAlarms] = useState<AlarmSummary[] | undefined>(undefined);
  const [error, setError] = useState('');
  const [missing, setMissing] = useState(false);
  const [filter, setFilter] = useState<AlarmState | ''>('');
  const [tick, setTick] = useState(0);

  // The list is not needed while creating (nor are the other tabs' own lists).
  useEffect(() => {
    if (creating || tab !== 'alarms') return;
    let live = true;
    const load = () =>
      listAlarms()
        .then((a) => {
          if (!live) return;
          setAlarms([...a].sort((x, y) => STATE_ORDER[x.state] - STATE_ORDER[y.state] || x.name.localeCompare(y.name)));
          setError('');
        })
        .catch((err) => {
          if (!live) return;
          if (err instanceof ApiError && err.status === 404) setMissing(true);
          else setError(errorMessage(err));
        });
    void load();
    return () => {
      live = false;
    };
  }, [creating, tab, tick]);
  // Reloaded as often as the most frequently evaluated alarm is evaluated (5–30 s).
  const refreshMs = refreshInterval(alarms ?? []);
  useEffect(() => {
    if (creating || tab !== 'alarms') return;
    const timer = setInterval(() => setTick((n) => n + 1), refreshMs);
    return () => clearInterval(timer);
  }, [creating, tab, refreshMs]);

  if (missing) {
    return (
      <main class="page">
        <h1>Alarms</h1>
        <p class="empty">This server has no alarms API yet (`/api/v1/alarms` answered 404).</p>
      </main>
    );
  }
  if (creating) {
    return (
      <main class="page">
        <h1 class="visually-hidden">New alarm</h1>
        <AlarmEditor onSaved={(name) => navigate(`/alarms/${encodeURIComponent(name)}`)} onCancel={() => navigate('/alarms')} />
      </main>
    );
  }
  if (tab !== 'alarms') {
    return (
      <main class="page">
        <h1>{tab === 'silences' ? 'Silences' : 'Channels'}</h1>
        <AlarmTabs current={tab} />
        {tab === 'silences' ? <SilencesTab prefill={params.get('matchers') ?? undefined} createdBy={props.user ?? ''} /> : <ChannelsTab />}
      </main>
    );
  }
  const shown = (alarms ?? []).filter((a) => !filter || a.state === filter);
  const counts = { ALARM: 0, INSUFFICIENT_DATA: 0, OK: 0 };
  for (const a of alarms ?? []) counts[a.state]++;
  return (
    <main class="page">
      <h1>Alarms</h1>
      <AlarmTabs current="alarms" />
      <div class="toolbar">
        <Link href="/alarms?new=1" class="button-link">
          New alarm
        </Link>
        <span class="inline-field">
          <label for="alarm-filter">State</label>
          <select id="alarm-filter" value={filter} onChange={(e) => setFilter(e.currentTarget.value as AlarmState | '')}>
            <option value="">All ({alarms?.length ?? 0})</option>
            {(Object.keys(STATE_LABEL) as AlarmState[]).map((s) => (
              <option key={s} value={s}>
                {STATE_LABEL[s]} ({counts[s]})
              </option>
            ))}
          </select>
        </span>
      </div>
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
      {alarms === undefined && !error ? <p class="muted">Loading…</p> : null}
      {alarms && alarms.length === 0 ? <p class="empty">No alarms yet. Create them with the API (`POST /api/v1/alarms`) or a rule file.</p> : null}
      {shown.length > 0 ? (
        <div class="table-wrap">
          <table class="data-table">
            <caption class="visually-hidden">Alarms and their state</caption>
            <thead>
              <tr>
                <th scope="col">Alarm</th>
                <th scope="col">State</th>
                <th scope="col">Condition</th>
                <th scope="col">Last 3 h</th>
                <th scope="col">Instances</th>
                <th scope="col">Last evaluation</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((a, i) => (
                <tr key={a.name}>
                  <td>
                    <Link href={`/alarms/${encodeURIComponent(a.name)}`}>{a.name}</Link>
                    {a.enabled ? null : <span class="badge">disabled</span>}
                    {a.description ? <div class="muted">{a.description}</div> : null}
                  </td>
                  <td>
                    <span class={`badge state-${a.state}`}>{STATE_LABEL[a.state]}</span>
                  </td>
                  <td class="mono">{describeCondition(a)}</td>
                  <td>{i < MAX_SPARKLINES ? <AlarmSparkline alarm={a} /> : null}</td>
                  <td class="num">
                    {a.instanceCounts.ALARM} / {a.instanceCounts.ALARM + a.instanceCounts.OK + a.instanceCounts.INSUFFICIENT_DATA}
                  </td>
                  <td>{a.lastEvaluation ? formatTime(Date.parse(a.lastEvaluation)) : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </main>
  );
}

/** Links between the alarms list, silences and channels. */
function AlarmTabs(props: { current: 'alarms' | 'silences' | 'channels' }) {
  const tabs = [
    { id: 'alarms', label: 'Alarms', href: '/alarms' },
    { id: 'silences', label: 'Silences', href: '/alarms?tab=silences' },
    { id: 'channels', label: 'Channels', href: '/alarms?tab=channels' },
  ] as const;
  return (
    <nav aria-label="Alarm settings" class="tabs">
      {tabs.map((t) => (
        <Link key={t.id} href={t.href} aria-current={props.current === t.id ? 'page' : undefined}>
          {t.label}
        </Link>
      ))}
    </nav>
  );
}

/** The alarm's condition in one line: `query > 80 (warning), > 95 (critical)`, an anomaly band, or the composite rule. */
export function describeCondition(a: Pick<AlarmSummary, 'type' | 'query' | 'comparison' | 'levels' | 'anomaly' | 'rule'>): string {
  switch (a.type) {
    case 'composite':
      return a.rule;
    case 'anomaly':
      return `${a.query} outside ±${a.anomaly?.bandWidth ?? '?'}σ band (${a.anomaly?.direction ?? 'outside'})`;
    case 'threshold':
      return a.levels.length === 0 ? a.query : `${a.query} ${a.levels.map((l) => `${a.comparison} ${l.threshold} (${l.severity})`).join(', ')}`;
  }
}

function AlarmSparkline(props: { alarm: AlarmSummary }) {
  const { alarm } = props;
  const [series, setSeries] = useState<MatrixSeries[] | null>(null);
  useEffect(() => {
    if (alarm.type === 'composite' || !alarm.query) return;
    const controller = new AbortController();
    const endMs = Date.now();
    const startMs = endMs - SPARK_RANGE_MS;
    const stepMs = Math.max(alarm.periodSeconds * 1000, SPARK_RANGE_MS / 120);
    runQuery({ lang: alarm.language === 'logql' ? 'logql' : 'promql', query: alarm.query, startMs, endMs, stepMs, shape: 'graph' }, controller.signal)
      .then((o) => setSeries(o.kind === 'graph' && o.result.resultType === 'matrix' ? o.result.result : []))
      .catch(() => setSeries([]));
    return () => controller.abort();
  }, [alarm.query, alarm.language, alarm.type, alarm.periodSeconds]);
  if (alarm.type === 'composite') return <span class="muted">composite</span>;
  if (series === null) return <span class="muted">…</span>;
  return <Sparkline series={series} threshold={alarm.levels[0]?.threshold} label={`${alarm.name} over the last 3 hours`} />;
}
