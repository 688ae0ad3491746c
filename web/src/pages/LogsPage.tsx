import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { errorMessage } from '../api/client';
import { lokiRange, tailUrl } from '../api/endpoints';
import { type QueryOutcome, runQuery } from '../api/run-query';
import { navigate } from '../app/router';
import { Graph } from '../components/Graph';
import { LogLines } from '../components/LogLines';
import { QueryEditor } from '../components/QueryEditor';
import { TimeRangePicker } from '../components/TimeRangePicker';
import { VolumeChart } from '../components/VolumeChart';
import { formatDurationMs } from '../lib/duration';
import { type LogRow, type LokiStream, type StackedVolume, stackVolume, streamsToRows, volumeQuery, withLabelFilter } from '../lib/logs';
import type { MatrixSeries } from '../lib/series';
import { autoStepMs, effectiveStepMs, resolveRange } from '../lib/time-range';
import { type LogsState, readLogsState, writeLogsState } from '../lib/url-state';

/** Most lines the live view keeps; older ones scroll away. */
const MAX_TAIL_ROWS = 2000;
/** Bars of the volume histogram. */
const VOLUME_BARS = 120;
const LIMITS = [100, 500, 1000, 5000];

type TailState = 'off' | 'connecting' | 'live' | 'paused' | 'closed';

/**
 * Logs: a LogQL query over a range, the volume histogram by level, the lines (newest first) with
 * their labels, fields and context, and a live tail over the server's WebSocket with pause.
 * State is in the URL (`?q=&from=&to=&limit=`).
 */
export function LogsPage(props: { search: string }) {
  const state = useMemo(() => readLogsState(props.search), [props.search]);
  const [draft, setDraft] = useState(state.query);
  const [rows, setRows] = useState<LogRow[] | null>(null);
  const [metric, setMetric] = useState<QueryOutcome | null>(null);
  const [volume, setVolume] = useState<StackedVolume | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [runCount, setRunCount] = useState(0);
  useEffect(() => setDraft(state.query), [state.query]);

  const commit = (patch: Partial<LogsState>) => {
    const url = `/logs${writeLogsState({ ...state, query: draft, ...patch })}`;
    if (url === location.pathname + location.search) setRunCount((n) => n + 1);
    else navigate(url);
  };

  let resolved: { startMs: number; endMs: number } | undefined;
  try {
    resolved = resolveRange(state.range, Date.now());
  } catch {
    resolved = undefined;
  }

  useEffect(() => {
    setRows(null);
    setMetric(null);
    setVolume(null);
    setError('');
    if (!state.query.trim()) return;
    let range: { startMs: number; endMs: number };
    try {
      range = resolveRange(state.range, Date.now());
    } catch (err) {
      setError((err as Error).message);
      return;
    }
    const controller = new AbortController();
    setBusy(true);
    const stepMs = effectiveStepMs(range, '');
    runQuery({ lang: 'logql', query: state.query, ...range, stepMs, shape: 'graph', limit: state.limit }, controller.signal)
      .then(async (o) => {
        if (o.kind !== 'logs') {
          setMetric(o);
          return;
        }
        setRows(o.rows);
        // The histogram counts every line of the range, not only the `limit` shown.
        const volStep = autoStepMs(range, VOLUME_BARS);
        const v = await lokiRange(volumeQuery(state.query, formatDurationMs(volStep)), range.startMs, range.endMs, { stepMs: volStep }, controller.signal);
        if (v.resultType === 'matrix') {
          setVolume(stackVolume(v.result as MatrixSeries[], { startS: range.startMs / 1000, endS: range.endMs / 1000, stepS: volStep / 1000 }));
        }
      })
      .catch((err) => {
        const m = errorMessage(err);
        if (m) setError(m);
      })
      .finally(() => setBusy(false));
    return () => controller.abort();
  }, [state, runCount]);

  return (
    <main class="page">
      <h1 class="visually-hidden">Logs</h1>
      <form
        class="toolbar"
        aria-label="Log query"
        onSubmit={(e) => {
          e.preventDefault();
          commit({});
        }}
      >
        <span class="spacer" />
        <TimeRangePicker id="logs-range" value={state.range} onChange={(range) => commit({ range })} />
        <span class="inline-field">
          <label for="logs-limit">Lines</label>
          <select id="logs-limit" value={String(state.limit)} onChange={(e) => commit({ limit: Number(e.currentTarget.value) })}>
            {LIMITS.map((l) => (
              <option key={l} value={String(l)}>
                {l}
              </option>
            ))}
          </select>
        </span>
        <button type="submit" disabled={busy}>
          {busy ? 'Searching…' : 'Search'}
        </button>
      </form>
      <QueryEditor
        id="logs-query"
        label="LogQL query"
        lang="logql"
        value={draft}
        onChange={setDraft}
        onRun={() => commit({})}
        startMs={resolved?.startMs}
        endMs={resolved?.endMs}
        placeholder='{service_name="api"} |= "error" | json'
      />
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
      {state.query.trim() ? <LiveTail query={state.query} /> : null}
      {volume ? (
        <section class="card" aria-label="Log volume">
          <VolumeChart
            volume={volume}
            onSelect={(startMs, endMs) => commit({ range: { from: new Date(startMs).toISOString(), to: new Date(endMs).toISOString() } })}
          />
        </section>
      ) : null}
      {metric?.kind === 'graph' ? (
        <section class="card" aria-label="Result">
          <Graph data={metric.data} label={`Graph of ${state.query}`} receivedAt={metric.receivedAt} />
        </section>
      ) : null}
      {rows ? (
        <section class="card" aria-label="Log lines">
          <p class="muted">
            {rows.length} line{rows.length === 1 ? '' : 's'}
            {rows.length >= state.limit ? ` (the newest ${state.limit}; narrow the range or raise the limit for more)` : ''}
          </p>
          <LogLines rows={rows} query={state.query} label="Log lines, newest first" onFilter={(name, value, parser) => commit({ query: withLabelFilter(state.query, name, value, parser) })} />
        </section>
      ) : null}
      {!state.query.trim() ? <p class="empty">Type a LogQL query, such as {'{host="web-1"}'}, and press Enter.</p> : null}
    </main>
  );
}

/**
 * The live tail of `query`: a WebSocket to `/loki/api/v1/tail` (the session cookie
 * authenticates it). Pause keeps the connection and holds new lines back; Resume shows them.
 */
function LiveTail(props: { query: string }) {
  const [status, setStatus] = useState<TailState>('off');
  const [rows, setRows] = useState<LogRow[]>([]);
  const [held, setHeld] = useState(0);
  const [note, setNote] = useState('');
  const socket = useRef<WebSocket | null>(null);
  const buffer = useRef<LogRow[]>([]);
  const paused = useRef(false);

  const stop = () => {
    socket.current?.close();
    socket.current = null;
  };
  useEffect(() => {
    stop();
    setStatus('off');
    setRows([]);
    return stop;
  }, [props.query]);

  const start = () => {
    stop();
    setRows([]);
    setNote('');
    buffer.current = [];
    paused.current = false;
    setHeld(0);
    setStatus('connecting');
    let seq = 0;
    const ws = new WebSocket(tailUrl(props.query));
    socket.current = ws;
    ws.onopen = () => setStatus('live');
    ws.onmessage = (ev) => {
      let frame: { streams?: LokiStream[]; dropped_entries?: unknown[] };
      try {
        frame = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      const fresh = streamsToRows(frame.streams ?? []).map((r) => ({ ...r, key: `t${seq++}:${r.key}` }));
      if (frame.dropped_entries?.length) setNote(`${frame.dropped_entries.length} lines were dropped (the server sent faster than the page read)`);
      if (paused.current) {
        buffer.current = [...fresh, ...buffer.current].slice(0, MAX_TAIL_ROWS);
        setHeld(buffer.current.length);
      } else setRows((old) => [...fresh, ...old].slice(0, MAX_TAIL_ROWS));
    };
    ws.onclose = (ev) => {
      if (socket.current !== ws) return;
      socket.current = null;
      setStatus('closed');
      if (ev.reason) setNote(`The server closed the tail: ${ev.reason}`);
    };
    ws.onerror = () => setNote('The live tail connection failed.');
  };

  const togglePause = () => {
    if (status === 'live') {
      paused.current = true;
      setStatus('paused');
    } else if (status === 'paused') {
      paused.current = false;
      setRows((old) => [...buffer.current, ...old].slice(0, MAX_TAIL_ROWS));
      buffer.current = [];
      setHeld(0);
      setStatus('live');
    }
  };

  const running = status === 'live' || status === 'paused' || status === 'connecting';
  return (
    <section class="card" aria-label="Live tail">
      <div class="toolbar">
        <strong>Live tail</strong>
        {running ? (
          <>
            <button type="button" class="secondary" onClick={togglePause} disabled={status === 'connecting'} aria-pressed={status === 'paused'}>
              {status === 'paused' ? `Resume${held ? ` (${held} new)` : ''}` : 'Pause'}
            </button>
            <button
              type="button"
              class="secondary"
              onClick={() => {
                stop();
                setStatus('off');
              }}
            >
              Stop
            </button>
          </>
        ) : (
          <button type="button" onClick={start}>
            Start live tail
          </button>
        )}
        <output class="tail-status muted" data-testid="tail-status">
          {status === 'off' ? '' : status === 'connecting' ? 'connecting…' : status === 'live' ? `live · ${rows.length} lines` : status === 'paused' ? 'paused' : 'closed'}
        </output>
        {note ? <span class="muted">{note}</span> : null}
      </div>
      {status !== 'off' ? <LogLines rows={rows} query={props.query} label="Live lines, newest first" /> : null}
    </section>
  );
}
