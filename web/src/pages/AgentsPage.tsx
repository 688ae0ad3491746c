import { useEffect, useState } from 'preact/hooks';
import { errorMessage } from '../api/client';
import { type Agent, listAgents } from '../api/endpoints';
import { Link } from '../app/router';
import { formatAge, formatTime } from '../lib/format';

/** Hosts silent for longer than this are shown as stale, in seconds (agents send every 15 s). */
const STALE_AFTER_S = 120;

/** The agent inventory (`/api/v1/agents`): last seen, version, labels, a link to each host's dashboard. */
export function AgentsPage() {
  const [agents, setAgents] = useState<Agent[] | undefined>(undefined);
  const [error, setError] = useState('');
  const [filter, setFilter] = useState('');
  useEffect(() => {
    let live = true;
    const load = () =>
      listAgents()
        .then((a) => {
          if (!live) return;
          setAgents(a);
          setError('');
        })
        .catch((err) => {
          if (live) setError(errorMessage(err));
        });
    void load();
    const timer = setInterval(load, 30_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  const f = filter.trim().toLowerCase();
  const shown = (agents ?? []).filter(
    (a) => !f || a.host.toLowerCase().includes(f) || Object.entries(a.labels).some(([k, v]) => `${k}=${v}`.toLowerCase().includes(f)),
  );
  return (
    <main class="page">
      <h1>Agents</h1>
      <div class="toolbar">
        <span class="inline-field">
          <label for="agent-filter">Filter</label>
          <input id="agent-filter" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} placeholder="host or label=value" />
        </span>
        <span class="muted">{agents ? `${shown.length} of ${agents.length} hosts` : ''}</span>
      </div>
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
      {agents === undefined && !error ? <p class="muted">Loading…</p> : null}
      {agents && agents.length === 0 ? (
        <p class="empty">No agent has reported yet. Start <code>vigil-agent</code> on a host with a key of this tenant.</p>
      ) : null}
      {shown.length > 0 ? (
        <div class="table-wrap">
          <table class="data-table">
            <caption class="visually-hidden">Hosts running vigil-agent</caption>
            <thead>
              <tr>
                <th scope="col">Host</th>
                <th scope="col">Status</th>
                <th scope="col">Last seen</th>
                <th scope="col">Version</th>
                <th scope="col">System</th>
                <th scope="col">Labels</th>
                <th scope="col">Dashboard</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((a) => (
                <tr key={a.host}>
                  <td class="mono">{a.host}</td>
                  <td>
                    <span class={`badge ${a.ageSeconds > STALE_AFTER_S ? 'state-unknown' : 'state-ok'}`}>{a.ageSeconds > STALE_AFTER_S ? 'stale' : 'up'}</span>
                  </td>
                  <td title={formatTime(Date.parse(a.lastSeen))}>{formatAge(a.ageSeconds)}</td>
                  <td>{a.version ?? '–'}</td>
                  <td>{[a.facts.sysname, a.facts.release, a.facts.machine].filter(Boolean).join(' ') || '–'}</td>
                  <td>
                    <ul class="chips">
                      {Object.entries(a.labels).map(([k, v]) => (
                        <li key={k} class="chip">
                          {k}={v}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>
                    <Link href={`/dashboards/host-overview?var-host=${encodeURIComponent(a.host)}`}>Host overview</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </main>
  );
}
