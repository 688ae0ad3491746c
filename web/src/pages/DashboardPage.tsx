import { useEffect, useMemo, useState } from 'preact/hooks';
import { errorMessage } from '../api/client';
import { createDashboard, deleteDashboard, getDashboard, lokiLabelValues, promLabelValues, saveDashboard } from '../api/endpoints';
import { Link, navigate } from '../app/router';
import { DashboardPanel } from '../components/DashboardPanel';
import { QueryEditor } from '../components/QueryEditor';
import { RefreshPicker, TimeRangePicker } from '../components/TimeRangePicker';
import {
  ALL_VALUE,
  type Dashboard,
  type DashboardContent,
  PANEL_TYPES,
  type Panel,
  type PanelType,
  type Variable,
  adjustGrid,
  dashboardContent,
  newPanelId,
  placeNewPanel,
  substituteVariables,
} from '../lib/dashboard';
import { downloadJson } from '../lib/download';
import { parseDurationMs } from '../lib/duration';
import { UNIT_LABELS, type Unit } from '../lib/format';
import type { QueryLanguage } from '../lib/query-tokenizer';
import { type TimeRange, effectiveStepMs, intervalMacros, isRelative, resolveRange } from '../lib/time-range';
import { readDashboardParams, writeDashboardParams } from '../lib/url-state';

/** Variables and macros replaced by stand-ins of the same length, so the editor's marks stay exact. */
function prepareForCheck(query: string): string {
  return query.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, (m) =>
    /interval|range/.test(m) ? `1m${' '.repeat(Math.max(0, m.length - 2))}` : `x${'_'.repeat(m.length - 1)}`,
  );
}

/**
 * One dashboard: variables, time range and auto-refresh (all in the URL: `?from=&to=&var-x=`),
 * and its panels on the grid. In edit mode (`?edit=1`): title, variables, panels (add, edit,
 * move and resize by numbers, remove), then save (with the version, so a concurrent change is
 * refused rather than overwritten), duplicate, export, delete. Built-in dashboards are read-only
 * and offer a duplicate instead.
 */
export function DashboardPage(props: { id: string; search: string }) {
  const [dashboard, setDashboard] = useState<Dashboard | null>(null);
  const [draft, setDraft] = useState<DashboardContent | null>(null);
  const [loadError, setLoadError] = useState('');
  const [error, setError] = useState('');
  const [saved, setSaved] = useState('');
  const [editing, setEditing] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const params = useMemo(() => readDashboardParams(props.search), [props.search]);
  const editMode = new URLSearchParams(props.search).get('edit') === '1';

  useEffect(() => {
    setDashboard(null);
    setDraft(null);
    setLoadError('');
    getDashboard(props.id)
      .then((d) => {
        setDashboard(d);
        setDraft(dashboardContent(d));
      })
      .catch((err) => setLoadError(errorMessage(err)));
  }, [props.id]);

  const content = draft ?? dashboard;
  const range: TimeRange = params.range ?? content?.time ?? { from: 'now-1h', to: 'now' };
  const refresh = params.refresh ?? content?.refresh ?? '';

  const setUrl = (patch: { range?: TimeRange; values?: Record<string, string[]>; refresh?: string; edit?: boolean }) => {
    const p = writeDashboardParams(patch.range ?? range, patch.values ?? params.values, patch.refresh ?? params.refresh);
    const edit = patch.edit ?? editMode;
    navigate(`/dashboards/${encodeURIComponent(props.id)}${p}${edit ? '&edit=1' : ''}`, { replace: patch.edit === undefined });
  };

  // Auto-refresh, for ranges that move with the clock.
  useEffect(() => {
    const ms = parseDurationMs(refresh);
    if (!ms || !isRelative(range)) return;
    const timer = setInterval(() => setTick((t) => t + 1), Math.max(5000, ms));
    return () => clearInterval(timer);
  }, [refresh, range.from, range.to]);

  const resolved = useMemo(() => {
    try {
      return resolveRange(range, Date.now());
    } catch {
      return undefined;
    }
  }, [range.from, range.to, tick]);

  const variables = content?.variables ?? [];
  const [options, setOptions] = useState<Record<string, string[]>>({});
  useEffect(() => {
    if (!resolved) return;
    let live = true;
    for (const v of variables) {
      const load =
        v.source === 'logs'
          ? lokiLabelValues(v.label, resolved.startMs, resolved.endMs, v.match.trim() || undefined)
          : promLabelValues(v.label, v.match.trim() || undefined, resolved.startMs, resolved.endMs);
      load
        .then((vals) => live && setOptions((o) => ({ ...o, [v.name]: vals })))
        .catch(() => live && setOptions((o) => ({ ...o, [v.name]: [] })));
    }
    return () => {
      live = false;
    };
  }, [JSON.stringify(variables), resolved?.startMs === undefined]);

  const values: Record<string, string[]> = {};
  for (const v of variables) {
    const chosen = params.values[v.name];
    if (chosen?.length) values[v.name] = chosen;
    else if (v.includeAll) values[v.name] = [ALL_VALUE];
    else values[v.name] = options[v.name]?.slice(0, 1) ?? [];
  }

  if (loadError) {
    return (
      <main class="page">
        <h1>Dashboard</h1>
        <p role="alert" class="error">
          {loadError}
        </p>
        <Link href="/dashboards">All dashboards</Link>
      </main>
    );
  }
  if (!dashboard || !content || !draft) return <main class="page" aria-busy="true" />;

  const dirty = JSON.stringify(draft) !== JSON.stringify(dashboardContent(dashboard));
  const update = (patch: Partial<DashboardContent>) => {
    setSaved('');
    setDraft({ ...draft, ...patch });
  };
  const updatePanel = (id: string, patch: Partial<Panel>) => update({ panels: draft.panels.map((p) => (p.id === id ? { ...p, ...patch } : p)) });

  const save = async () => {
    setError('');
    try {
      const d = await saveDashboard(dashboard.id, { ...draft, version: dashboard.version });
      setDashboard(d);
      setDraft(dashboardContent(d));
      setSaved(`Saved (version ${d.version}).`);
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const duplicate = async () => {
    setError('');
    try {
      const copy = await createDashboard({ ...draft, title: `${draft.title} (copy)` });
      navigate(`/dashboards/${encodeURIComponent(copy.id)}${dashboard.readOnly ? '?edit=1' : ''}`);
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const stepMs = resolved ? effectiveStepMs(resolved, '') : 60_000;
  const macros = resolved ? intervalMacros(resolved, stepMs) : {};
  const editable = editMode && !dashboard.readOnly;
  const editingPanel = editable ? draft.panels.find((p) => p.id === editing) : undefined;

  return (
    <main class="page">
      <div class="toolbar">
        <Link href="/dashboards">Dashboards</Link>
        <span aria-hidden="true">/</span>
        {editable ? (
          <span class="inline-field">
            <label for="dash-title">Title</label>
            <input id="dash-title" value={draft.title} size={30} onInput={(e) => update({ title: e.currentTarget.value })} />
          </span>
        ) : (
          <h1 class="inline-heading">{content.title}</h1>
        )}
        {dashboard.builtIn ? <span class="badge">built in</span> : null}
        <span class="spacer" />
        <TimeRangePicker id="dash-range" value={range} onChange={(r) => setUrl({ range: r })} />
        <RefreshPicker id="dash-refresh" value={refresh} onChange={(r) => setUrl({ refresh: r })} />
        <button type="button" class="secondary" onClick={() => setTick((t) => t + 1)} aria-label="Refresh now">
          ↻
        </button>
        {dashboard.readOnly ? (
          <button type="button" onClick={duplicate}>
            Duplicate to edit
          </button>
        ) : editMode ? (
          <>
            <button type="button" onClick={save} disabled={!dirty}>
              Save
            </button>
            <button
              type="button"
              class="secondary"
              onClick={() => {
                setDraft(dashboardContent(dashboard));
                setEditing(null);
                setUrl({ edit: false });
              }}
            >
              {dirty ? 'Discard changes' : 'Done'}
            </button>
          </>
        ) : (
          <button type="button" class="secondary" onClick={() => setUrl({ edit: true })}>
            Edit
          </button>
        )}
      </div>
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
      <output class="muted">
        {saved}
        {editable && dirty ? 'Unsaved changes.' : ''}
      </output>
      {content.description && !editable ? <p class="muted">{content.description}</p> : null}

      {variables.length > 0 ? (
        <fieldset class="variables">
          <legend class="visually-hidden">Variables</legend>
          {variables.map((v) => (
            <VariablePicker key={v.name} variable={v} options={options[v.name]} value={values[v.name] ?? []} onChange={(vals) => setUrl({ values: { ...params.values, [v.name]: vals } })} />
          ))}
        </fieldset>
      ) : null}

      {editable ? (
        <EditorBar
          draft={draft}
          update={update}
          onAddPanel={() => {
            const id = newPanelId(draft.panels);
            const panel: Panel = { id, title: 'New panel', type: 'timeseries', language: 'promql', query: '', unit: '', grid: placeNewPanel(draft.panels) };
            update({ panels: [...draft.panels, panel] });
            setEditing(id);
          }}
          onDuplicate={duplicate}
          onExport={() => downloadJson(`${draft.title}.json`, { ...dashboardContent(draft) })}
          onDelete={async () => {
            try {
              await deleteDashboard(dashboard.id);
              navigate('/dashboards');
            } catch (err) {
              setError(errorMessage(err));
            }
          }}
        />
      ) : null}
      {editingPanel ? (
        <PanelEditor
          key={editingPanel.id}
          panel={editingPanel}
          range={resolved}
          onChange={(patch) => updatePanel(editingPanel.id, patch)}
          onClose={() => setEditing(null)}
        />
      ) : null}

      {content.panels.length === 0 ? (
        <p class="empty">{editable ? 'No panels yet: add one.' : 'This dashboard has no panels. Edit it to add some.'}</p>
      ) : null}
      {resolved ? (
        <div class="dash-grid">
          {content.panels.map((p) => (
            <DashboardPanel
              key={p.id}
              panel={p}
              query={substituteVariables(p.query, values, macros)}
              startMs={resolved.startMs}
              endMs={resolved.endMs}
              stepMs={stepMs}
              refreshTick={tick}
              onZoom={(startMs, endMs) => setUrl({ range: { from: new Date(startMs).toISOString(), to: new Date(endMs).toISOString() } })}
              onGridChange={editable ? (grid) => updatePanel(p.id, { grid }) : undefined}
              actions={
                editable ? (
                  <>
                    <button type="button" class="secondary" aria-label={`Edit panel ${p.title}`} aria-pressed={editing === p.id} onClick={() => setEditing(editing === p.id ? null : p.id)}>
                      Edit
                    </button>
                    <button
                      type="button"
                      class="danger"
                      aria-label={`Remove panel ${p.title}`}
                      onClick={() => {
                        update({ panels: draft.panels.filter((x) => x.id !== p.id) });
                        if (editing === p.id) setEditing(null);
                      }}
                    >
                      ✕
                    </button>
                  </>
                ) : null
              }
            />
          ))}
        </div>
      ) : (
        <p class="error">The time range does not parse.</p>
      )}
    </main>
  );
}

function VariablePicker(props: { variable: Variable; options: string[] | undefined; value: string[]; onChange: (v: string[]) => void }) {
  const { variable: v } = props;
  const id = `var-${v.name}`;
  // Values chosen in the URL stay offered even when the lookup does not list them (yet).
  const opts = [...new Set([...(props.options ?? []), ...props.value.filter((x) => x !== ALL_VALUE)])];
  const all = v.includeAll ? [ALL_VALUE, ...opts] : opts;
  const label = (o: string) => (o === ALL_VALUE ? 'All' : o);
  return (
    <span class="inline-field">
      <label for={id}>{v.name}</label>
      <select
        id={id}
        multiple={v.multi}
        size={v.multi ? Math.min(4, Math.max(2, all.length)) : undefined}
        onChange={(e) => {
          const selected = [...e.currentTarget.selectedOptions].map((o) => o.value);
          // Choosing "All" together with values means All; choosing values after All drops it.
          const next = selected.length > 1 && selected.includes(ALL_VALUE) && !props.value.includes(ALL_VALUE) ? [ALL_VALUE] : selected.length > 1 ? selected.filter((s) => s !== ALL_VALUE) : selected;
          props.onChange(next);
        }}
      >
        {props.options === undefined ? <option disabled>loading…</option> : null}
        {all.map((o) => (
          <option key={o} value={o} selected={props.value.includes(o)}>
            {label(o)}
          </option>
        ))}
      </select>
    </span>
  );
}

function EditorBar(props: {
  draft: DashboardContent;
  update: (patch: Partial<DashboardContent>) => void;
  onAddPanel: () => void;
  onDuplicate: () => void;
  onExport: () => void;
  onDelete: () => void;
}) {
  const { draft, update } = props;
  const [confirmDelete, setConfirmDelete] = useState(false);
  const setVar = (i: number, patch: Partial<Variable>) => update({ variables: draft.variables.map((v, k) => (k === i ? { ...v, ...patch } : v)) });
  return (
    <section class="card panel-editor" aria-label="Dashboard settings">
      <div class="row">
        <button type="button" onClick={props.onAddPanel}>
          Add panel
        </button>
        <button type="button" class="secondary" onClick={props.onDuplicate}>
          Duplicate
        </button>
        <button type="button" class="secondary" onClick={props.onExport}>
          Export JSON
        </button>
        {confirmDelete ? (
          <>
            <button type="button" class="danger" onClick={props.onDelete}>
              Delete for good
            </button>
            <button type="button" class="secondary" onClick={() => setConfirmDelete(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" class="danger" onClick={() => setConfirmDelete(true)}>
            Delete dashboard
          </button>
        )}
      </div>
      <div class="row">
        <span class="inline-field">
          <label for="dash-description">Description</label>
          <input id="dash-description" size={50} value={draft.description} onInput={(e) => update({ description: e.currentTarget.value })} />
        </span>
        <span class="inline-field">
          <label for="dash-tags">Tags</label>
          <input
            id="dash-tags"
            value={draft.tags.join(', ')}
            onChange={(e) =>
              update({
                tags: e.currentTarget.value
                  .split(',')
                  .map((t) => t.trim())
                  .filter(Boolean),
              })
            }
          />
        </span>
        <span class="inline-field">
          <label for="dash-default-from">Default range from</label>
          <input id="dash-default-from" size={10} value={draft.time.from} onChange={(e) => update({ time: { ...draft.time, from: e.currentTarget.value.trim() } })} />
        </span>
        <span class="inline-field">
          <label for="dash-default-refresh">Default refresh</label>
          <input id="dash-default-refresh" size={5} value={draft.refresh} placeholder="off" onChange={(e) => update({ refresh: e.currentTarget.value.trim() })} />
        </span>
      </div>
      <strong>Variables</strong>
      {draft.variables.map((v, i) => (
        <fieldset class="row" key={i}>
          <legend class="visually-hidden">{`Variable ${i + 1}`}</legend>
          <span class="inline-field">
            <label for={`v${i}-name`}>Name</label>
            <input id={`v${i}-name`} size={10} value={v.name} onInput={(e) => setVar(i, { name: e.currentTarget.value })} />
          </span>
          <span class="inline-field">
            <label for={`v${i}-label`}>Label</label>
            <input id={`v${i}-label`} size={10} value={v.label} onInput={(e) => setVar(i, { label: e.currentTarget.value })} />
          </span>
          <span class="inline-field">
            <label for={`v${i}-source`}>From</label>
            <select id={`v${i}-source`} value={v.source} onChange={(e) => setVar(i, { source: e.currentTarget.value as Variable['source'] })}>
              <option value="metrics">metrics</option>
              <option value="logs">logs</option>
            </select>
          </span>
          <span class="inline-field">
            <label for={`v${i}-match`}>Series matching</label>
            <input id={`v${i}-match`} size={20} value={v.match} placeholder="optional selector" onInput={(e) => setVar(i, { match: e.currentTarget.value })} />
          </span>
          <span class="inline-field">
            <input id={`v${i}-multi`} type="checkbox" checked={v.multi} onChange={(e) => setVar(i, { multi: e.currentTarget.checked })} />
            <label for={`v${i}-multi`}>Several values</label>
          </span>
          <span class="inline-field">
            <input id={`v${i}-all`} type="checkbox" checked={v.includeAll} onChange={(e) => setVar(i, { includeAll: e.currentTarget.checked })} />
            <label for={`v${i}-all`}>Offer "All"</label>
          </span>
          <button type="button" class="danger" aria-label={`Remove variable ${v.name}`} onClick={() => update({ variables: draft.variables.filter((_, k) => k !== i) })}>
            Remove
          </button>
        </fieldset>
      ))}
      <div>
        <button
          type="button"
          class="secondary"
          onClick={() =>
            update({
              variables: [...draft.variables, { name: `var${draft.variables.length + 1}`, label: 'host', source: 'metrics', match: '', multi: false, includeAll: true }],
            })
          }
        >
          Add variable
        </button>
      </div>
    </section>
  );
}

function PanelEditor(props: { panel: Panel; range: { startMs: number; endMs: number } | undefined; onChange: (patch: Partial<Panel>) => void; onClose: () => void }) {
  const { panel, onChange } = props;
  const num = (key: 'x' | 'y' | 'w' | 'h', label: string) => (
    <span class="inline-field">
      <label for={`pe-${key}`}>{label}</label>
      <input
        id={`pe-${key}`}
        type="number"
        min={key === 'w' || key === 'h' ? 1 : 0}
        max={key === 'x' ? 23 : key === 'w' ? 24 : undefined}
        value={panel.grid[key]}
        style={{ width: '4.5rem' }}
        onChange={(e) => onChange({ grid: adjustGrid(panel.grid, { [key]: Number(e.currentTarget.value) }) })}
      />
    </span>
  );
  return (
    <section class="card panel-editor" aria-label={`Edit panel ${panel.title}`}>
      <div class="row">
        <span class="inline-field">
          <label for="pe-title">Panel title</label>
          <input id="pe-title" size={30} value={panel.title} onInput={(e) => onChange({ title: e.currentTarget.value })} />
        </span>
        <span class="inline-field">
          <label for="pe-type">Type</label>
          <select
            id="pe-type"
            value={panel.type}
            onChange={(e) => {
              const type = e.currentTarget.value as PanelType;
              onChange(type === 'logs' ? { type, language: 'logql' } : { type });
            }}
          >
            {PANEL_TYPES.map((t) => (
              <option key={t.type} value={t.type}>
                {t.label}
              </option>
            ))}
          </select>
        </span>
        <span class="inline-field">
          <label for="pe-lang">Language</label>
          <select id="pe-lang" value={panel.language} disabled={panel.type === 'logs'} onChange={(e) => onChange({ language: e.currentTarget.value as QueryLanguage })}>
            <option value="promql">PromQL</option>
            <option value="logql">LogQL</option>
          </select>
        </span>
        <span class="inline-field">
          <label for="pe-unit">Unit</label>
          <select id="pe-unit" value={panel.unit} onChange={(e) => onChange({ unit: e.currentTarget.value as Unit })}>
            {Object.entries(UNIT_LABELS).map(([u, l]) => (
              <option key={u} value={u}>
                {l}
              </option>
            ))}
          </select>
        </span>
        {num('x', 'Column')}
        {num('y', 'Row')}
        {num('w', 'Width')}
        {num('h', 'Height')}
        <button type="button" class="secondary" onClick={props.onClose}>
          Close editor
        </button>
      </div>
      {panel.type === 'alarms' ? (
        <span class="inline-field">
          <label for="pe-query">Alarms whose name contains (empty: all)</label>
          <input id="pe-query" size={40} value={panel.query} onInput={(e) => onChange({ query: e.currentTarget.value })} />
        </span>
      ) : (
        <QueryEditor
          id="pe-query"
          label="Panel query ($variable, $__rate_interval and $__interval are replaced)"
          lang={panel.language}
          value={panel.query}
          onChange={(query) => onChange({ query })}
          startMs={props.range?.startMs}
          endMs={props.range?.endMs}
          prepareForCheck={prepareForCheck}
        />
      )}
    </section>
  );
}
