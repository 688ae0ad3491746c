import { useEffect, useState } from 'preact/hooks';
import { ApiError, errorMessage } from '../api/client';
import { type Channel, listChannels, testChannel } from '../api/endpoints';

/** Where a channel sends, as far as the API shows it (secrets come back as `<secret>`). */
function destination(c: Channel): string {
  switch (c.type) {
    case 'email':
      return (c.to ?? []).join(', ');
    case 'slack':
      return c.channel ? `#${String(c.channel).replace(/^#/, '')}` : String(c.url ?? '');
    default:
      return String(c.url ?? '');
  }
}

/**
 * Notification channels (`/api/v1/channels`): name, type, destination, and "Send test", which
 * sends a test notification at once and shows what the receiver answered. Channels are created
 * through the API or the config file.
 */
export function ChannelsTab() {
  const [channels, setChannels] = useState<Channel[] | undefined>(undefined);
  const [error, setError] = useState('');
  const [missing, setMissing] = useState(false);
  const [results, setResults] = useState<Record<string, string>>({});
  useEffect(() => {
    listChannels()
      .then(setChannels)
      .catch((err) => {
        if (err instanceof ApiError && err.status === 404) setMissing(true);
        else setError(errorMessage(err));
      });
  }, []);
  if (missing) return <p class="empty">This server has no channels API yet (`/api/v1/channels` answered 404).</p>;
  return (
    <>
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
      {channels && channels.length === 0 ? <p class="empty">No channels. Create them with `POST /api/v1/channels` or in the config file.</p> : null}
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
                    <output>{results[c.name] ?? ''}</output>
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
