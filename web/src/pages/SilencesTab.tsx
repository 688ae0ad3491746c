import { useEffect, useState } from 'preact/hooks';
import { ApiError, errorMessage } from '../api/client';
import { type Silence, createSilence, expireSilence, listSilences } from '../api/endpoints';
import { parseDurationMs } from '../lib/duration';
import { formatTime } from '../lib/format';
import { formatMatchers, parseMatchers } from '../lib/matchers';

const STATE_ORDER = { active: 0, pending: 1, expired: 2 } as const;

/**
 * Silences (`/api/v1/silences`): active and pending first, expired kept for audit; create one
 * from matchers (`alertname="HighCPU"`), a duration and a comment; expire one early.
 * `prefill` puts matchers in the form (the alarm page's "Silence" link).
 */
export function SilencesTab(props: { prefill?: string; createdBy: string }) {
  const [silences, setSilences] = useState<Silence[] | undefined>(undefined);
  const [error, setError] = useState('');
  const [missing, setMissing] = useState(false);
  const [matchers, setMatchers] = useState(props.prefill ?? '');
  const [duration, setDuration] = useState('2h');
  const [comment, setComment] = useState('');
  const [createdBy, setCreatedBy] = useState(props.createdBy);
  const [formError, setFormError] = useState('');

  const load = () =>
    listSilences()
      .then((s) => {
        setSilences([...s].sort((a, b) => STATE_ORDER[a.status.state] - STATE_ORDER[b.status.state] || b.endsAt.localeCompare(a.endsAt)));
        setError('');
      })
      .catch((err) => {
        if (err instanceof ApiError && err.status === 404) setMissing(true);
        else setError(errorMessage(err));
      });
  useEffect(() => {
    void load();
  }, []);

  if (missing) return <p class="empty">This server has no silences API yet (`/api/v1/silences` answered 404).</p>;
  return (
    <>
      <form
        class="card panel-editor"
        aria-label="New silence"
        onSubmit={async (e) => {
          e.preventDefault();
          const parsed = parseMatchers(matchers);
          if (typeof parsed === 'string') {
            setFormError(`Matchers: ${parsed}`);
            return;
          }
          const ms = parseDurationMs(duration);
          if (!ms) {
            setFormError('Duration: write it as 30m, 2h or 1d');
            return;
          }
          // The server requires both (an unexplained silence is hard to audit); say so before asking it.
          if (!createdBy.trim()) {
            setFormError('Created by: required');
            return;
          }
          if (!comment.trim()) {
            setFormError('Comment: required (why alerts are silenced)');
            return;
          }
          setFormError('');
          try {
            await createSilence({ matchers: parsed, endsAt: new Date(Date.now() + ms).toISOString(), createdBy: createdBy.trim(), comment: comment.trim() });
            setComment('');
            await load();
          } catch (err) {
            setFormError(errorMessage(err));
          }
        }}
      >
        <strong>New silence</strong>
        <div class="row">
          <span class="inline-field">
            <label for="si-matchers">Matchers</label>
            <input id="si-matchers" size={40} value={matchers} placeholder='alertname="HighCPU", env="prod"' onInput={(e) => setMatchers(e.currentTarget.value)} />
          </span>
          <span class="inline-field">
            <label for="si-duration">For</label>
            <input id="si-duration" size={6} value={duration} onInput={(e) => setDuration(e.currentTarget.value)} />
          </span>
          <span class="inline-field">
            <label for="si-by">Created by</label>
            <input id="si-by" size={14} value={createdBy} onInput={(e) => setCreatedBy(e.currentTarget.value)} />
          </span>
          <span class="inline-field">
            <label for="si-comment">Comment</label>
            <input id="si-comment" size={30} value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
          </span>
          <button type="submit">Silence</button>
        </div>
        {formError ? (
          <p role="alert" class="error">
            {formError}
          </p>
        ) : null}
      </form>
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
      {silences && silences.length === 0 ? <p class="empty">No silences.</p> : null}
      {silences && silences.length > 0 ? (
        <div class="table-wrap">
          <table class="data-table">
            <caption class="visually-hidden">Silences</caption>
            <thead>
              <tr>
                <th scope="col">State</th>
                <th scope="col">Matchers</th>
                <th scope="col">From</th>
                <th scope="col">Until</th>
                <th scope="col">By</th>
                <th scope="col">Comment</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {silences.map((s) => (
                <tr key={s.id}>
                  <td>
                    <span class={`badge ${s.status.state === 'active' ? 'state-ALARM' : s.status.state === 'pending' ? 'state-INSUFFICIENT_DATA' : ''}`}>{s.status.state}</span>
                  </td>
                  <td class="mono">{formatMatchers(s.matchers)}</td>
                  <td>{formatTime(Date.parse(s.startsAt))}</td>
                  <td>{formatTime(Date.parse(s.endsAt))}</td>
                  <td>{s.createdBy}</td>
                  <td>{s.comment}</td>
                  <td>
                    {s.status.state !== 'expired' ? (
                      <button
                        type="button"
                        class="secondary"
                        aria-label={`Expire the silence of ${formatMatchers(s.matchers)}`}
                        onClick={async () => {
                          try {
                            await expireSilence(s.id);
                            await load();
                          } catch (err) {
                            setError(errorMessage(err));
                          }
                        }}
                      >
                        Expire
                      </button>
                    ) : null}
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
