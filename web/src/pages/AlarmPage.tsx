import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, errorMessage } from '../api/client';
import { type AlarmInstance, type AlarmSummary, type AlarmTransition, type BacktestResult, alarmHistory, backtestAlarm, deleteAlarm, getAlarm, listNotifications, type Notification } from '../api/endpoints';
import { type QueryOutcome, runQuery } from '../api/run-query';
import { Link, navigate } from '../app/router';
import { Graph } from '../components/Graph';
import { TimeRangePicker } from '../components/TimeRangePicker';
import { formatTime, formatValue } from '../lib/format';
import type { AlignedData } from '../lib/series';
import { seriesName } from '../lib/series';
import { type TimeRange, resolveRange } from '../lib/time-range';
import { AlarmEditor } from './AlarmEditor';
import { describeCondition } from './AlarmsPage';

const STATE_LABEL: Record<string, string> = { ALARM: 'In alarm', INSUFFICIENT_DATA: 'Insufficient data', OK: 'OK' };

/**
 * How often a page of `alarms` reloads their state: as often as the most frequently evaluated
 * one is evaluated, from 5 s to 30 s.
 */
export function refreshInterval(alarms: ReadonlyArray<Pick<AlarmSummary, 'periodSeconds'>>): number {
  const period = Math.min(30, ...alarms.map((a) => (a.periodSeconds > 0 ? a.periodSeconds : 30)));
  return Math.max(5, period) * 1000;
}

/**
 * Adds one flat series per threshold level to a graph's data, named for the level
 * (`threshold critical > 95`), so the lines show where the alarm fires.
 */
export function withThresholds(data: AlignedData, alarm: Pick<AlarmSummary, 'levels' | 'comparison'>): AlignedData {
  if (alarm.levels.length === 0) return data;
  return {
    xs: data.xs,
    ys: [...data.ys, ...alarm.levels.map((l) => data.xs.map(() => l.threshold))],
    names: [...data.names, ...alarm.levels.map((l) => `threshold ${l.severity} ${alarm.comparison} ${l.threshold}`)],
    labels: [...data.labels, ...alarm.levels.map((l) => ({ severity: l.severity }))],
  };
}

/**
 * The PromQL query of an anomaly alarm's band: the expected value and the lower and upper bounds
 * the evaluator writes as ordinary series (`vigil_anomaly_expected|lower|upper{alarm="<name>"}`).
 */
export function anomalyBandQuery(alarmName: string): string {
  return `{__name__=~"vigil_anomaly_(expected|lower|upper)", alarm=${JSON.stringify(alarmName)}}`;
}

/** Two graphs' series on one axis; both must come from the same range and step (same `xs`). */
export function mergeAligned(a: AlignedData, b: AlignedData): AlignedData {
  if (b.names.length === 0) return a;
  return { xs: a.xs, ys: [...a.ys, ...b.ys], names: [...a.names, ...b.names], labels: [...a.labels, ...b.labels] };
}

/** One alarm: its definition, graph with threshold lines, instances, history timeline and a backtest. */
export function AlarmPage(props: { name: string; search: string }) {
  const editing = new URLSearchParams(props.search).get('edit') === '1';
  const [reload, setReload] = useState(0);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [alarm, setAlarm] = useState<(AlarmSummary & { instances: AlarmInstance[] }) | null>(null);
  const [history, setHistory] = useState<AlarmTransition[] | null>(null);
  const [error, setError] = useState('');
  const [range, setRange] = useState<TimeRange>({ from: 'now-6h', to: 'now' });
  const [outcome, setOutcome] = useState<QueryOutcome | null>(null);
  const [band, setBand] = useState<AlignedData | null>(null);
  const [graphError, setGraphError] = useState('');

  const [tick, setTick] = useState(0);
  const refreshMs = refreshInterval(alarm ? [alarm] : []);

  // The alarm and its history, again every `refreshMs` (as often as it is evaluated, 5–30 s).
  useEffect(() => {
    let live = true;
    getAlarm(props.name)
      .then((a) => {
        if (!live) return;
        setAlarm(a);
        setError('');
      })
      .catch((err) => live && setError(errorMessage(err)));
    alarmHistory(props.name)
      .then((h) => live && setHistory(h))
      .catch((err) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [props.name, reload, tick]);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), refreshMs);
    return () => clearInterval(timer);
  }, [props.name, refreshMs]);

  const resolved = useMemo(() => {
    try {
      return resolveRange(range, Date.now());
    } catch {
      return undefined;
    }
  }, [range]);

  useEffect(() => {
    if (!alarm || alarm.type === 'composite' || !alarm.query || !resolved) return;
    const controller = new AbortController();
    const stepMs = Math.max(alarm.periodSeconds * 1000, Math.ceil((resolved.endMs - resolved.startMs) / 1000));
    runQuery({ lang: alarm.language === 'logql' ? 'logql' : 'promql', query: alarm.query, ...resolved, stepMs, shape: 'graph' }, controller.signal)
      .then((o) => {
        setOutcome(o);
        setGraphError('');
      })
      .catch((err) => {
        const m = errorMessage(err);
        if (m) setGraphError(m);
      });
    // An anomaly alarm's band, on the same grid, drawn with the query.
    setBand(null);
    if (alarm.type === 'anomaly') {
      runQuery({ lang: 'promql', query: anomalyBandQuery(alarm.name), ...resolved, stepMs, shape: 'graph' }, controller.signal)
        .then((o) => setBand(o.kind === 'graph' ? o.data : null))
        .catch(() => setBand(null));
    }
    return () => controller.abort();
  }, [alarm?.name, alarm?.query, alarm?.language, alarm?.periodSeconds, alarm?.type, resolved]);

  if (error && !alarm) {
    return (
      <main class="page">
        <h1>Alarm</h1>
        <p role="alert" class="error">
          {error}
        </p>
        <Link href="/alarms">All alarms</Link>
      </main>
    );
  }
  if (!alarm) return <main class="page" aria-busy="true" />;
  const here = `/alarms/${encodeURIComponent(alarm.name)}`;
  // Rule-file alarms are read-only through the API; the editor covers threshold alarms.
  const editable = alarm.source.kind === 'api';
  if (editing && editable && alarm.type === 'threshold') {
    return (
      <main class="page">
        <h1 class="visually-hidden">Edit {alarm.name}</h1>
        <AlarmEditor
          existing={alarm}
          onSaved={() => {
            setReload((n) => n + 1);
            navigate(here);
          }}
          onCancel={() => navigate(here)}
        />
      </main>
    );
  }
  return (
    <main class="page">
      <div class="toolbar">
        <Link href="/alarms">Alarms</Link>
        <span aria-hidden="true">/</span>
        <h1 class="inline-heading">{alarm.name}</h1>
        <span class={`badge state-${alarm.state}`}>{STATE_LABEL[alarm.state] ?? alarm.state}</span>
        {alarm.enabled ? null : <span class="badge">disabled</span>}
        <span class="spacer" />
        <TimeRangePicker id="alarm-range" value={range} onChange={setRange} />
        <Link href={`/alarms?tab=silences&matchers=${encodeURIComponent(`alertname=${JSON.stringify(alarm.name)}`)}`} class="button-link secondary">
          Silence
        </Link>
        {editable && alarm.type === 'threshold' ? (
          <Link href={`${here}?edit=1`} class="button-link secondary">
            Edit
          </Link>
        ) : null}
        {editable ? (
          confirmDelete ? (
            <>
              <button
                type="button"
                class="danger"
                onClick={async () => {
                  try {
                    await deleteAlarm(alarm.name);
                    navigate('/alarms');
                  } catch (err) {
                    setError(errorMessage(err));
                  }
                }}
              >
                Delete for good
              </button>
              <button type="button" class="secondary" onClick={() => setConfirmDelete(false)}>
                Keep
              </button>
            </>
          ) : (
            <button type="button" class="danger" onClick={() => setConfirmDelete(true)}>
              Delete
            </button>
          )
        ) : (
          <span class="muted">from a rule file (read-only)</span>
        )}
      </div>
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
      {alarm.description ? <p class="muted">{alarm.description}</p> : null}
      <section class="card" aria-label="Definition">
        <dl class="kv">
          <dt>Condition</dt>
          <dd class="mono">{describeCondition(alarm)}</dd>
          <dt>Evaluation</dt>
          <dd>
            every {alarm.periodSeconds}s; {alarm.datapointsToAlarm} of {alarm.evaluationPeriods} datapoints breaching; missing data: {alarm.treatMissingData}
            {alarm.keepFiringForSeconds ? `; keeps firing for ${alarm.keepFiringForSeconds}s` : ''}
          </dd>
          <dt>Channels</dt>
          <dd>{alarm.channels.length ? alarm.channels.join(', ') : '–'}</dd>
          {Object.entries({ ...alarm.labels, ...alarm.annotations }).map(([k, v]) => (
            <div key={k} class="kv-row">
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
          <dt>Source</dt>
          <dd>{alarm.source.kind === 'file' ? `rule file ${alarm.source.file}, group ${alarm.source.group}` : 'API'}</dd>
          <dt>Last evaluation</dt>
          <dd>{alarm.lastEvaluation ? formatTime(Date.parse(alarm.lastEvaluation)) : '–'}</dd>
        </dl>
      </section>
      {alarm.type !== 'composite' ? (
        <section class="card" aria-label="Graph">
          {graphError ? (
            <p class="error" role="alert">
              {graphError}
            </p>
          ) : null}
          {outcome?.kind === 'graph' ? <Graph data={withThresholds(band ? mergeAligned(outcome.data, band) : outcome.data, alarm)} label={`Graph of ${alarm.query} with its ${alarm.type === 'anomaly' ? 'anomaly band' : 'thresholds'}`} receivedAt={outcome.receivedAt} height={260} /> : null}
          {outcome && outcome.kind !== 'graph' ? <p class="muted">The query does not give series over time.</p> : null}
        </section>
      ) : null}
      <h2>Instances</h2>
      {alarm.instances.length === 0 ? (
        <p class="empty">No instances yet (the query has returned no series since the alarm was created).</p>
      ) : (
        <div class="table-wrap">
          <table class="data-table">
            <caption class="visually-hidden">Instances of {alarm.name}</caption>
            <thead>
              <tr>
                <th scope="col">Series</th>
                <th scope="col">State</th>
                <th scope="col">Severity</th>
                <th scope="col">Since</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {alarm.instances.map((i) => (
                <tr key={seriesName(i.labels)}>
                  <td class="mono">{seriesName(i.labels)}</td>
                  <td>
                    <span class={`badge state-${i.state}`}>{STATE_LABEL[i.state] ?? i.state}</span>
                  </td>
                  <td>{i.severity ?? '–'}</td>
                  <td>{i.since ? formatTime(Date.parse(i.since)) : '–'}</td>
                  <td class="num">{formatValue(i.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>History</h2>
      {history === null ? <p class="muted">Loading…</p> : <Timeline transitions={history} label={`State changes of ${alarm.name}, newest first`} />}
      <h2>Notifications sent</h2>
      <SentNotifications alarm={alarm.name} reload={`${reload}:${tick}`} />
      <Backtest name={alarm.name} range={resolved} />
    </main>
  );
}

/** The outbox messages that carried this alarm (newest 200 of the tenant looked at). */
function SentNotifications(props: { alarm: string; reload: string }) {
  const [rows, setRows] = useState<Notification[] | null>(null);
  const [note, setNote] = useState('');
  useEffect(() => {
    let live = true;
    listNotifications()
      .then((all) => live && setRows(all.filter((n) => n.alerts.some((a) => a.alarm === props.alarm))))
      .catch((err) => live && setNote(err instanceof ApiError && err.status === 404 ? 'This server has no notifications API yet.' : errorMessage(err)));
    return () => {
      live = false;
    };
  }, [props.alarm, props.reload]);
  if (note) return <p class="muted">{note}</p>;
  if (!rows) return <p class="muted">Loading…</p>;
  if (rows.length === 0) return <p class="empty">None among the newest notifications.</p>;
  return (
    <div class="table-wrap">
      <table class="data-table">
        <caption class="visually-hidden">Notifications sent for {props.alarm}</caption>
        <thead>
          <tr>
            <th scope="col">Created</th>
            <th scope="col">Channel</th>
            <th scope="col">Alert</th>
            <th scope="col">Delivery</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((n) => (
            <tr key={n.id}>
              <td>{formatTime(Date.parse(n.createdAt))}</td>
              <td>{n.channel}</td>
              <td>{n.groupStatus}</td>
              <td>
                <span class={`badge ${n.status === 'delivered' ? 'state-OK' : n.status === 'dead' ? 'state-ALARM' : 'state-INSUFFICIENT_DATA'}`}>{n.status}</span>
                {n.deliveredAt ? ` ${formatTime(Date.parse(n.deliveredAt))}` : ''}
                {n.attempts > 1 ? ` · ${n.attempts} attempts` : ''}
                {n.lastError ? <div class="muted">{n.lastError}</div> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Timeline(props: { transitions: readonly AlarmTransition[]; label: string }) {
  if (props.transitions.length === 0) return <p class="empty">No state changes yet.</p>;
  return (
    <ol class="timeline" aria-label={props.label}>
      {props.transitions.map((t, i) => (
        <li key={`${t.timestamp}:${i}`} class={`to-${t.to}`}>
          <strong>{t.timestamp ? formatTime(Date.parse(t.timestamp)) : '–'}</strong> <span class="mono">{seriesName(t.labels)}</span>{' '}
          <span>
            {t.from}
            {t.fromSeverity ? ` (${t.fromSeverity})` : ''} → {t.to}
            {t.toSeverity ? ` (${t.toSeverity})` : ''}
          </span>
          <div class="muted">
            {t.reason}
            {t.value !== null ? ` · value ${formatValue(t.value)}` : ''}
            {t.datapoints.length ? ` · datapoints ${t.datapoints.map((d) => formatValue(d.value)).join(', ')}` : ''}
          </div>
        </li>
      ))}
    </ol>
  );
}

function Backtest(props: { name: string; range: { startMs: number; endMs: number } | undefined }) {
  const [result, setResult] = useState<BacktestResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  return (
    <section aria-label="Backtest">
      <h2>Backtest</h2>
      <p class="muted">Runs the alarm's evaluation over the stored data of the time range above, without notifying anyone.</p>
      <button
        type="button"
        class="secondary"
        disabled={busy || !props.range}
        onClick={async () => {
          if (!props.range) return;
          setBusy(true);
          setError('');
          try {
            setResult(await backtestAlarm(props.name, props.range.startMs, props.range.endMs));
          } catch (err) {
            setError(errorMessage(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? 'Running…' : 'Run backtest over this range'}
      </button>
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
      {result ? (
        <>
          <p>
            {result.evaluations} evaluations every {result.periodSeconds}s: {result.transitions.length} state change{result.transitions.length === 1 ? '' : 's'}.
          </p>
          <Timeline transitions={result.transitions} label="State changes the backtest found, newest first" />
        </>
      ) : null}
    </section>
  );
}
