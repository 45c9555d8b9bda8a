import { type FormEvent, useId, useState } from 'react';
import { Auth, type AuthMode, configuredMode } from '../lib/auth.js';

/** Sign in: a display name in dev mode, or the deployment's identity provider (see `lib/auth.ts`). */
export function SignIn({ onSignedIn }: { onSignedIn: (auth: Auth) => void }) {
  const mode: AuthMode = configuredMode() ?? { kind: 'dev' };
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await Auth.signIn(mode, name.trim()));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <form onSubmit={submit} className="card" aria-labelledby={`${id}-title`}>
        <h1 id={`${id}-title`}>Syncline Studio</h1>
        <p>Review and edit documents together, live.</p>
        {mode.kind === 'dev' ? (
          <>
            <label htmlFor={id}>Your name</label>
            <input
              id={id}
              value={name}
              onChange={(e) => setName(e.target.value)}
              maxLength={64}
              required
              autoComplete="name"
              // biome-ignore lint/a11y/noAutofocus: the only field of the page
              autoFocus
            />
            <p className="hint">Dev mode: anyone can sign in with a name.</p>
          </>
        ) : (
          <p className="hint">You will be signed in with your organisation’s account.</p>
        )}
        <button type="submit" disabled={busy || (mode.kind === 'dev' && !name.trim())}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
