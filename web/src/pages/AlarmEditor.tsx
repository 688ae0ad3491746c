import { useEffect, useState } from 'preact/hooks';
import { errorMessage } from '../api/client';
import { type AlarmSummary, type BacktestResult, backtestDefinition, saveAlarm } from '../api/endpoints';
import { type QueryOutcome, runQuery } from '../api/run-query';
import { Graph } from '../components/Graph';
import { QueryEditor } from '../components/QueryEditor';
import { type AlarmForm, alarmBody, emptyAlarmForm, formFromAlarm } from '../lib/alarm-form';
import { withThresholds } from './AlarmPage';

/** The range of the live preview and of the editor's backtest, ms. */
const PREVIEW_RANGE_MS = 6 * 3_600_000;

/**
 * Creates or edits a threshold alarm: the query (with the editor's completion and checks), the
 * evaluation (period, M of N, missing data), levels, channels, labels and annotations. A live
 * preview draws the query over the last 6 hours with the thresholds as typed; "Backtest" runs the
 * unsaved definition over the same 6 hours (`POST /api/v1/alarms/backtest`). Saving sends only
 * the fields the API defines; the server's answer (which names any bad field) is shown as it is.
 */
export function AlarmEditor(props: { existing?: AlarmSummary; onSaved: (name: string) => void; onCancel: () => void }) {
  const [form, setForm] = useState<AlarmForm>(() => (props.existing ? formFromAlarm(props.existing) : emptyAlarmForm()));
  const [problems, setProblems] = useState<string[]>([]);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<QueryOutcome | null>(null);
  const [previewError, setPreviewError] = useState('');
  const [backtest, setBacktest] = useState<BacktestResult | null>(null);
  const set = (patch: Partial<AlarmForm>) => setForm((f) => ({ ...f, ...patch }));

  // Live preview: the query over the last hours, redrawn shortly after typing stops.
  useEffect(() => {
    if (!form.query.trim()) {
      setPreview(null);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      const endMs = Date.now();
      const period = Number(form.periodSeconds) > 0 ? Number(form.periodSeconds) * 1000 : 60_000;
      const stepMs = Math.max(period, Math.ceil(PREVIEW_RANGE_MS / 1000));
      runQuery({ lang: form.language === 'logql' ? 'logql' : 'promql', query: form.query, startMs: endMs - PREVIEW_RANGE_MS, endMs, stepMs, shape: 'graph' }, controller.signal)
        .then((o) => {
          setPreview(o);
          setPreviewError('');
        })
        .catch((err) => {
          const m = errorMessage(err);
          if (m) setPreviewError(m);
        });
    }, 400);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [form.query, form.language, form.periodSeconds]);

  const levelsForGraph = form.levels.filter((l) => l.threshold.trim() !== '' && Number.isFinite(Number(l.threshold))).map((l) => ({ severity: l.severity, threshold: Number(l.threshold) }));

  const check = () => {
    const r = alarmBody(form);
    setProblems(r.problems);
    return r.problems.length === 0 ? r.body : undefined;
  };

  return (
    <form
      class="card panel-editor"
      aria-label={props.existing ? `Edit alarm ${props.existing.name}` : 'New alarm'}
      onSubmit={async (e) => {
        e.preventDefault();
        const body = check();
        if (!body) return;
        setBusy(true);
        setError('');
        try {
          const saved = await saveAlarm(body, props.existing?.name);
          props.onSaved(saved.name);
        } catch (err) {
          setError(errorMessage(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2>{props.existing ? `Edit ${props.existing.name}` : 'New alarm'}</h2>
      <div class="row">
        <span class="inline-field">
          <label for="al-name">Name</label>
          <input id="al-name" value={form.name} disabled={props.existing !== undefined} onInput={(e) => set({ name: e.currentTarget.value })} />
        </span>
        <span class="inline-field">
          <label for="al-description">Description</label>
          <input id="al-description" size={50} value={form.description} onInput={(e) => set({ description: e.currentTarget.value })} />
        </span>
        <span class="inline-field">
          <label for="al-language">Language</label>
          <select id="al-language" value={form.language} onChange={(e) => set({ language: e.currentTarget.value as AlarmForm['language'] })}>
            <option value="promql">PromQL</option>
            <option value="logql">LogQL (metric query)</option>
            <option value="auto">Automatic</option>
          </select>
        </span>
      </div>
      <QueryEditor id="al-query" label="Query (one alarm instance per series)" lang={form.language === 'logql' ? 'logql' : 'promql'} value={form.query} onChange={(query) => set({ query })} />
      <div class="row">
        <span class="inline-field">
          <label for="al-period">Period (seconds)</label>
          <input id="al-period" size={6} inputMode="numeric" value={form.periodSeconds} onInput={(e) => set({ periodSeconds: e.currentTarget.value })} />
        </span>
        <span class="inline-field">
          <label for="al-m">Datapoints to alarm</label>
          <input id="al-m" size={4} inputMode="numeric" value={form.datapointsToAlarm} onInput={(e) => set({ datapointsToAlarm: e.currentTarget.value })} />
        </span>
        <span class="inline-field">
          <label for="al-n">out of</label>
          <input id="al-n" size={4} inputMode="numeric" value={form.evaluationPeriods} onInput={(e) => set({ evaluationPeriods: e.currentTarget.value })} />
        </span>
        <span class="inline-field">
          <label for="al-missing">Missing data</label>
          <select id="al-missing" value={form.treatMissingData} onChange={(e) => set({ treatMissingData: e.currentTarget.value as AlarmForm['treatMissingData'] })}>
            <option value="missing">missing (insufficient data)</option>
            <option value="notBreaching">not breaching</option>
            <option value="breaching">breaching</option>
            <option value="ignore">ignore (keep state)</option>
          </select>
        </span>
        <span class="inline-field">
          <label for="al-comparison">Breaches when value is</label>
          <select id="al-comparison" value={form.comparison} onChange={(e) => set({ comparison: e.currentTarget.value as AlarmForm['comparison'] })}>
            {(['>', '>=', '<', '<='] as const).map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </span>
      </div>
      <fieldset>
        <legend>Levels (none: every series the query returns breaches, Prometheus style)</legend>
        {form.levels.map((l, i) => (
          <div class="row" key={i}>
            <span class="inline-field">
              <label for={`al-sev-${i}`}>Severity</label>
              <input id={`al-sev-${i}`} size={10} value={l.severity} onInput={(e) => set({ levels: form.levels.map((x, k) => (k === i ? { ...x, severity: e.currentTarget.value } : x)) })} />
            </span>
            <span class="inline-field">
              <label for={`al-thr-${i}`}>Threshold</label>
              <input id={`al-thr-${i}`} size={10} inputMode="decimal" value={l.threshold} onInput={(e) => set({ levels: form.levels.map((x, k) => (k === i ? { ...x, threshold: e.currentTarget.value } : x)) })} />
            </span>
            <button type="button" class="danger" aria-label={`Remove level ${l.severity || i + 1}`} onClick={() => set({ levels: form.levels.filter((_, k) => k !== i) })}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" class="secondary" disabled={form.levels.length >= 5} onClick={() => set({ levels: [...form.levels, { severity: form.levels.length ? 'warning' : 'critical', threshold: '' }] })}>
          Add level
        </button>
      </fieldset>
      <div class="row">
        <span class="inline-field">
          <label for="al-channels">Channels</label>
          <input id="al-channels" size={30} value={form.channels} placeholder="ops-slack, oncall-email" onInput={(e) => set({ channels: e.currentTarget.value })} />
        </span>
        <span class="inline-field">
          <input id="al-enabled" type="checkbox" checked={form.enabled} onChange={(e) => set({ enabled: e.currentTarget.checked })} />
          <label for="al-enabled">Enabled</label>
        </span>
      </div>
      <div class="row">
        <span class="inline-field">
          <label for="al-labels">Labels (key=value per line)</label>
          <textarea id="al-labels" rows={3} cols={30} value={form.labels} onInput={(e) => set({ labels: e.currentTarget.value })} />
        </span>
        <span class="inline-field">
          <label for="al-annotations">Annotations (summary, runbook_url…)</label>
          <textarea id="al-annotations" rows={3} cols={40} value={form.annotations} onInput={(e) => set({ annotations: e.currentTarget.value })} />
        </span>
      </div>
      <section aria-label="Preview of the last 6 hours">
        <strong>Preview, last 6 hours</strong>
        {previewError ? <p class="error">{previewError}</p> : null}
        {preview?.kind === 'graph' ? (
          <Graph data={withThresholds(preview.data, { levels: levelsForGraph, comparison: form.comparison })} label="Preview of the alarm's query with its thresholds" height={200} receivedAt={preview.receivedAt} />
        ) : (
          <p class="muted">{form.query.trim() ? '…' : 'Type a query to see it here.'}</p>
        )}
      </section>
      {problems.length > 0 ? (
        <ul class="error" role="alert" aria-label="Problems">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
      {backtest ? (
        <output>
          Backtest over the last 6 hours: {backtest.evaluations} evaluations, {backtest.transitions.length} state change{backtest.transitions.length === 1 ? '' : 's'}
          {backtest.transitions.length ? ` (last: ${backtest.transitions[0]!.from} → ${backtest.transitions[0]!.to})` : ''}.
        </output>
      ) : null}
      <div class="row">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : props.existing ? 'Save alarm' : 'Create alarm'}
        </button>
        <button
          type="button"
          class="secondary"
          onClick={async () => {
            const body = check();
            if (!body) return;
            setError('');
            try {
              const endMs = Date.now();
              setBacktest(await backtestDefinition(body, endMs - PREVIEW_RANGE_MS, endMs));
            } catch (err) {
              setError(errorMessage(err));
            }
          }}
        >
          Backtest last 6 hours
        </button>
        <button type="button" class="secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
