import { useEffect, useState } from 'preact/hooks';
import { errorMessage } from '../api/client';
import { createDashboard, deleteDashboard, getDashboard, listDashboards } from '../api/endpoints';
import { Link, navigate } from '../app/router';
import { type DashboardContent, type DashboardSummary, dashboardContent, emptyDashboard } from '../lib/dashboard';
import { formatTime } from '../lib/format';
import { downloadJson } from '../lib/download';

/**
 * The tenant's dashboards (the built-in ones first): create, open, duplicate, export as JSON,
 * delete (two clicks, no native dialog), and import a JSON file or pasted text.
 */
export function DashboardsPage() {
  const [list, setList] = useState<DashboardSummary[] | undefined>(undefined);
  const [error, setError] = useState('');
  const [confirming, setConfirming] = useState<string | null>(null);
  const [importOpen, setImportOpen] = useState(false);
  const [importText, setImportText] = useState('');
  const [importError, setImportError] = useState('');

  const load = () =>
    listDashboards()
      .then((l) => {
        setList(l);
        setError('');
      })
      .catch((err) => setError(errorMessage(err)));
  useEffect(() => {
    void load();
  }, []);

  const act = async (what: () => Promise<unknown>) => {
    try {
      setError('');
      await what();
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const importDashboard = async (text: string) => {
    let body: DashboardContent;
    try {
      body = JSON.parse(text) as DashboardContent;
    } catch (err) {
      setImportError(`That is not JSON: ${(err as Error).message}`);
      return;
    }
    try {
      const d = await createDashboard(body);
      navigate(`/dashboards/${encodeURIComponent(d.id)}`);
    } catch (err) {
      setImportError(errorMessage(err));
    }
  };

  return (
    <main class="page">
      <h1>Dashboards</h1>
      <div class="toolbar">
        <button
          type="button"
          onClick={() =>
            act(async () => {
              const d = await createDashboard(emptyDashboard());
              navigate(`/dashboards/${encodeURIComponent(d.id)}?edit=1`);
            })
          }
        >
          New dashboard
        </button>
        <button type="button" class="secondary" aria-expanded={importOpen} onClick={() => setImportOpen(!importOpen)}>
          Import JSON
        </button>
      </div>
      {importOpen ? (
        <form
          class="card panel-editor"
          aria-label="Import a dashboard"
          onSubmit={(e) => {
            e.preventDefault();
            void importDashboard(importText);
          }}
        >
          <label for="import-file">From a file</label>
          <input
            id="import-file"
            type="file"
            accept="application/json,.json"
            onChange={async (e) => {
              const file = e.currentTarget.files?.[0];
              if (file) setImportText(await file.text());
            }}
          />
          <label for="import-text">Or paste the JSON (an exported dashboard imports as it is)</label>
          <textarea id="import-text" class="json" value={importText} onInput={(e) => setImportText(e.currentTarget.value)} />
          {importError ? (
            <p role="alert" class="error">
              {importError}
            </p>
          ) : null}
          <div>
            <button type="submit" disabled={!importText.trim()}>
              Import
            </button>
          </div>
        </form>
      ) : null}
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
      {list === undefined && !error ? <p class="muted">Loading…</p> : null}
      {list ? (
        <ul class="dash-list" aria-label="Dashboards">
          {list.map((d) => (
            <li key={d.id}>
              <Link href={`/dashboards/${encodeURIComponent(d.id)}`} class="title">
                {d.title}
              </Link>
              {d.builtIn ? <span class="badge">built in</span> : null}
              <span class="muted">
                {d.panels} panel{d.panels === 1 ? '' : 's'}
                {d.builtIn ? '' : ` · updated ${formatTime(Date.parse(d.updatedAt))}`}
              </span>
              {d.tags.map((t) => (
                <span key={t} class="chip">
                  {t}
                </span>
              ))}
              <span class="actions">
                <button
                  type="button"
                  class="secondary"
                  aria-label={`Duplicate ${d.title}`}
                  onClick={() =>
                    act(async () => {
                      const full = await getDashboard(d.id);
                      const copy = await createDashboard({ ...dashboardContent(full), title: `${full.title} (copy)` });
                      navigate(`/dashboards/${encodeURIComponent(copy.id)}`);
                    })
                  }
                >
                  Duplicate
                </button>
                <button
                  type="button"
                  class="secondary"
                  aria-label={`Export ${d.title} as JSON`}
                  onClick={() =>
                    act(async () => {
                      const full = await getDashboard(d.id);
                      downloadJson(`${full.title}.json`, full);
                    })
                  }
                >
                  Export
                </button>
                {d.readOnly ? null : confirming === d.id ? (
                  <>
                    <button
                      type="button"
                      class="danger"
                      onClick={() =>
                        act(async () => {
                          await deleteDashboard(d.id);
                          setConfirming(null);
                          await load();
                        })
                      }
                    >
                      Delete for good
                    </button>
                    <button type="button" class="secondary" onClick={() => setConfirming(null)}>
                      Keep
                    </button>
                  </>
                ) : (
                  <button type="button" class="danger" aria-label={`Delete ${d.title}`} onClick={() => setConfirming(d.id)}>
                    Delete
                  </button>
                )}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </main>
  );
}
