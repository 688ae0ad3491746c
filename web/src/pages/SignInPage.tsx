import { useState } from 'preact/hooks';
import { errorMessage } from '../api/client';
import { type Session, signIn } from '../api/endpoints';

/**
 * Sign-in with an API key. The key goes to `POST /api/v1/session` once; the server answers with
 * an HttpOnly session cookie, and the key is kept nowhere in the browser (the field is cleared).
 */
export function SignInPage(props: { onSignedIn: (s: Session) => void }) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  return (
    <main class="center-page">
      <form
        class="card sign-in"
        aria-labelledby="sign-in-title"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!key.trim()) {
            setError('Enter an API key.');
            return;
          }
          setBusy(true);
          setError('');
          try {
            const s = await signIn(key.trim());
            setKey('');
            props.onSignedIn(s);
          } catch (err) {
            setError(errorMessage(err) || 'Sign-in failed.');
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1 id="sign-in-title">Sign in to Vigil</h1>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          aria-describedby="api-key-help"
          aria-invalid={error !== ''}
        />
        <p id="api-key-help" class="muted">
          A key of your tenant with the <code>query</code> scope. The browser keeps only a session cookie, never the key.
        </p>
        {error ? (
          <p role="alert" class="error">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
