import { useEffect, useState } from 'preact/hooks';
import { ApiError, errorMessage } from '../api/client';
import { type Channel, createChannel, deleteChannel, listChannels, testChannel } from '../api/endpoints';
import { type ChannelForm, channelBody, emptyChannelForm } from '../lib/channel-form';

/** Where a channel sends, as far as the API shows it (secrets come back as `<secret>`). */
function destination(c: Channel): string {
  switch (c.type) {
    case 'email':
      return (c.to ?? []).join(', ');
    case 'slack':
      return c.channel ? `${String(c.url ?? '')} #${String(c.channel).replace(/^#/, '')}` : String(c.url ?? '');
    default:
      return String(c.url ?? '');
  }
}

/** The form that creates a channel (`POST /api/v1/channels`): webhook, Slack or email. */
function NewChannelForm(props: { onCreated: (c: Channel) => void }) {
  const [form, setForm] = useState<ChannelForm>(emptyChannelForm);
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<ChannelForm>) => setForm((f) => ({ ...f, ...patch }));
  return (
    <form
      class="card panel-editor"
      aria-label="New channel"
      onSubmit={async (e) => {
        e.preventDefault();
        const r = channelBody(form);
        setProblems(r.problems);
        if (r.problems.length > 0) return;
        setBusy(true);
        try {
          const created = await createChannel(r.body);
          setForm(emptyChannelForm());
          props.onCreated(created);
        } catch (err) {
          setProblems([errorMessage(err)]);
        } finally {
          setBusy(false);
        }
      }}
    >
      <strong>New channel</strong>
      <div class="row">
        <span class="inline-field">
          <label for="ch-type">Type</label>
          <select id="ch-type" value={form.type} onChange={(e) => set({ type: e.currentTarget.value as ChannelForm['type'] })}>
            <option value="webhook">Webhook (Alertmanager format)</option>
            <option value="slack">Slack</option>
            <option value="email">Email</option>
          </select>
        </span>
        <span class="inline-field">
          <label for="ch-name">Name</label>
          <input id="ch-name" size={16} value={form.name} placeholder="ops-webhook" onInput={(e) => set({ name: e.currentTarget.value })} />
        </span>
        {form.type === 'email' ? (
          <span class="inline-field">
            <label for="ch-to">Recipients</label>
            <input id="ch-to" size={40} value={form.to} placeholder="oncall@example.com, ops@example.com" onInput={(e) => set({ to: e.currentTarget.value })} />
          </span>
        ) : (
          <span class="inline-field">
            <label for="ch-url">{form.type === 'slack' ? 'Incoming webhook URL' : 'URL'}</label>
            <input id="ch-url" type="url" size={40} value={form.url} autoComplete="off" placeholder="https://hooks.example.com/…" onInput={(e) => set({ url: e.currentTarget.value })} />
          </span>
        )}
        {form.type === 'slack' ? (
          <span class="inline-field">
            <label for="ch-slack-channel">Slack channel (optional)</label>
            <input id="ch-slack-channel" size={12} value={form.slackChannel} placeholder="#ops" onInput={(e) => set({ slackChannel: e.currentTarget.value })} />
          </span>
        ) : null}
        <span class="inline-field">
          <label for="ch-description">Description</label>
          <input id="ch-description" size={24} value={form.description} onInput={(e) => set({ description: e.currentTarget.value })} />
        </span>
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create channel'}
        </button>
      </div>
      {form.type === 'email' ? null : <p class="muted">The URL is a secret: once saved, the API shows it as &lt;secret&gt;.</p>}
      {problems.length > 0 ? (
        <ul class="error" role="alert" aria-label="Problems">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
    </form>
  );
}

/**
 * Notification channels (`/api/v1/channels`): create one (webhook, Slack, email), the list with
 * name, type and destination (secrets as the API redacts them), "Send test", which sends a test
 * notification at once and shows what the receiver answered, and delete (two clicks).
 */
export function ChannelsTab() {
  const [channels, setChannels] = useState<Channel[] | undefined>(undefined);
  const [error, setError] = useState('');
  const [missing, setMissing] = useState(false);
  const [results, setResults] = useState<Record<string, string>>({});
  const [confirmDelete, setConfirmDelete] = useState('');
  const load = () =>
    listChannels()
      .then((c) => {
        setChannels([...c].sort((a, b) => a.name.localeCompare(b.name)));
        setError('');
      })
      .catch((err) => {
        if (err instanceof ApiError && err.status === 404) setMissing(true);
        else setError(errorMessage(err));
      });
  useEffect(() => {
    void load();
  }, []);
  if (missing) return <p class="empty">This server has no channels API yet (`/api/v1/channels` answered 404).</p>;
  return (
    <>
      <NewChannelForm
        onCreated={(c) => {
          setChannels((list) => [...(list ?? []).filter((x) => x.name !== c.name), c].sort((a, b) => a.name.localeCompare(b.name)));
          void load();
        }}
      />
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
      {channels && channels.length === 0 ? <p class="empty">No channels yet.</p> : null}
      {channels && channels.length > 0 ? (
        <div class="table-wrap">
          <table class="data-table">
            <caption class="visually-hidden">Notification channels</caption>
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Type</th>
                <th scope="col">Sends to</th>
                <th scope="col">Test</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {channels.map((c) => (
                <tr key={c.name}>
                  <td>
                    <strong>{c.name}</strong>
                    {c.description ? <div class="muted">{c.description}</div> : null}
                  </td>
                  <td>{c.type}</td>
                  <td class="mono">{destination(c)}</td>
                  <td>
                    <button
                      type="button"
                      class="secondary"
                      aria-label={`Send a test notification to ${c.name}`}
                      onClick={async () => {
                        setResults((r) => ({ ...r, [c.name]: 'sending…' }));
                        try {
                          const res = await testChannel(c.name);
                          const text = res.delivered ? 'delivered' : `failed${res.permanent ? ' (permanent)' : ''}: ${res.error ?? 'no reason given'}`;
                          setResults((r) => ({ ...r, [c.name]: text }));
                        } catch (err) {
                          setResults((r) => ({ ...r, [c.name]: `failed: ${errorMessage(err)}` }));
                        }
                      }}
                    >
                      Send test
                    </button>{' '}
                    <output aria-label={`Test result of ${c.name}`}>{results[c.name] ?? ''}</output>
                  </td>
                  <td>
                    {confirmDelete === c.name ? (
                      <>
                        <button
                          type="button"
                          class="danger"
                          aria-label={`Delete ${c.name} for good`}
                          onClick={async () => {
                            setConfirmDelete('');
                            try {
                              await deleteChannel(c.name);
                              await load();
                            } catch (err) {
                              setError(errorMessage(err));
                            }
                          }}
                        >
                          Delete for good
                        </button>{' '}
                        <button type="button" class="secondary" aria-label={`Keep ${c.name}`} onClick={() => setConfirmDelete('')}>
                          Keep
                        </button>
                      </>
                    ) : (
                      <button type="button" class="danger" aria-label={`Delete ${c.name}`} onClick={() => setConfirmDelete(c.name)}>
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
