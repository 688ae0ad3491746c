import { useEffect, useMemo, useState } from 'preact/hooks';
import { errorMessage } from '../api/client';
import { type QueryOutcome, runQuery } from '../api/run-query';
import { Link, navigate } from '../app/router';
import { Graph } from '../components/Graph';
import { LogLines } from '../components/LogLines';
import { QueryEditor } from '../components/QueryEditor';
import { ResultTable } from '../components/ResultTable';
import { TimeRangePicker } from '../components/TimeRangePicker';
import type { QueryLanguage } from '../lib/query-tokenizer';
import { effectiveStepMs, resolveRange } from '../lib/time-range';
import { type ExploreState, readExploreState, writeExploreState, writeLogsState } from '../lib/url-state';
import { formatDurationMs } from '../lib/duration';

const PLACEHOLDER: Record<QueryLanguage, string> = {
  promql: 'rate(http_requests_total{job="api"}[5m])   (Enter runs, Shift+Enter adds a line, Ctrl+Space completes)',
  logql: '{service_name="api"} |= "error"   or   sum by (level) (count_over_time({host="a"}[1m]))',
};

/**
 * Explore: one PromQL or LogQL query over a time range, as a graph or a table (log queries as
 * lines). Everything is in the URL (`?q=&lang=&from=&to=&step=&view=`), so the address bar is
 * the share link; running a query adds a history entry.
 */
export function ExplorePage(props: { search: string }) {
  const state = useMemo(() => readExploreState(props.search), [props.search]);
  const [draft, setDraft] = useState(state.query);
  const [lang, setLang] = useState<QueryLanguage>(state.lang);
  const [step, setStep] = useState(state.step);
  const [outcome, setOutcome] = useState<QueryOutcome | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [info, setInfo] = useState('');
  const [runCount, setRunCount] = useState(0);
  useEffect(() => {
    setDraft(state.query);
    setLang(state.lang);
    setStep(state.step);
  }, [state.query, state.lang, state.step]);

  const commit = (patch: Partial<ExploreState>) => {
    const next = { ...state, query: draft, lang, step, ...patch };
    const url = `/explore${writeExploreState(next)}`;
    if (url === location.pathname + location.search) setRunCount((n) => n + 1);
    else navigate(url);
  };

  let rangeError = '';
  let resolved: { startMs: number; endMs: number } | undefined;
  try {
    resolved = resolveRange(state.range, Date.now());
  } catch (err) {
    rangeError = (err as Error).message;
  }

  // The URL is the source of truth: whenever it (or a re-run) changes, run its query.
  useEffect(() => {
    setOutcome(null);
    setError('');
    setInfo('');
    if (!state.query.trim()) return;
    let range: { startMs: number; endMs: number };
    try {
      range = resolveRange(state.range, Date.now());
    } catch (err) {
      setError((err as Error).message);
      return;
    }
    const stepMs = effectiveStepMs(range, state.step);
    const controller = new AbortController();
    setBusy(true);
    const t0 = performance.now();
    runQuery({ lang: state.lang, query: state.query, ...range, stepMs, shape: state.view === 'table' ? 'instant' : 'graph' }, controller.signal)
      .then((o) => {
        setOutcome(o);
        const n = o.kind === 'logs' ? `${o.rows.length} lines` : o.kind === 'graph' ? `${o.data.names.length} series` : `${countRows(o)} rows`;
        setInfo(`${n} · step ${formatDurationMs(stepMs)} · ${Math.round(performance.now() - t0)} ms`);
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
      <h1 class="visually-hidden">Explore</h1>
      <form
        class="toolbar"
        aria-label="Query"
        onSubmit={(e) => {
          e.preventDefault();
          commit({});
        }}
      >
        <fieldset class="segmented">
          <legend class="visually-hidden">Query language</legend>
          {(['promql', 'logql'] as const).map((l) => (
            <button key={l} type="button" aria-pressed={lang === l} onClick={() => setLang(l)}>
              {l === 'promql' ? 'PromQL' : 'LogQL'}
            </button>
          ))}
        </fieldset>
        <span class="spacer" />
        <TimeRangePicker value={state.range} onChange={(range) => commit({ range })} />
        <span class="inline-field">
          <label for="explore-step">Step</label>
          <input id="explore-step" size={6} value={step} placeholder={resolved ? formatDurationMs(effectiveStepMs(resolved, '')) : 'auto'} onInput={(e) => setStep(e.currentTarget.value)} />
        </span>
        <fieldset class="segmented">
          <legend class="visually-hidden">Show as</legend>
          {(['graph', 'table'] as const).map((v) => (
            <button key={v} type="button" aria-pressed={state.view === v} onClick={() => commit({ view: v })}>
              {v === 'graph' ? 'Graph' : 'Table'}
            </button>
          ))}
        </fieldset>
        <button type="submit" disabled={busy}>
          {busy ? 'Running…' : 'Run query'}
        </button>
      </form>
      <QueryEditor
        id="explore-query"
        label={lang === 'promql' ? 'PromQL query' : 'LogQL query'}
        lang={lang}
        value={draft}
        onChange={setDraft}
        onRun={() => commit({})}
        startMs={resolved?.startMs}
        endMs={resolved?.endMs}
        placeholder={PLACEHOLDER[lang]}
      />
      <p class="muted" aria-live="polite">
        {rangeError || info}
      </p>
      {error ? (
        <p role="alert" class="error" data-testid="query-error">
          {error}
        </p>
      ) : null}
      <section aria-label="Result" class="card">
        {!outcome && !error ? <p class="empty">{state.query ? (busy ? 'Running…' : '') : 'Type a query and press Enter.'}</p> : null}
        {outcome?.kind === 'graph' ? (
          <Graph
            data={outcome.data}
            label={`Graph of ${state.query}`}
            receivedAt={outcome.receivedAt}
            height={340}
            onZoom={(startMs, endMs) => commit({ range: { from: new Date(startMs).toISOString(), to: new Date(endMs).toISOString() } })}
          />
        ) : null}
        {outcome?.kind === 'instant' ? <ResultTable result={outcome.result} caption={`Result of ${state.query}`} /> : null}
        {outcome?.kind === 'logs' ? (
          <>
            <Link href={`/logs${writeLogsState({ query: state.query, range: state.range, limit: 500 })}`}>Open in Logs (volume, live tail)</Link>
            <LogLines rows={outcome.rows} query={state.query} label={`Lines of ${state.query}`} />
          </>
        ) : null}
      </section>
    </main>
  );
}

function countRows(o: QueryOutcome): number {
  if (o.kind !== 'instant') return 0;
  const r = o.result;
  return r.resultType === 'vector' || r.resultType === 'matrix' ? r.result.length : 1;
}
