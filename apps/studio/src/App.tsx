import { SynclineClient } from '@syncline/client';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { DocumentList } from './components/DocumentList.js';
import { DocumentView } from './components/DocumentView.js';
import { Notifications } from './components/Notifications.js';
import { SignIn } from './components/SignIn.js';
import { type Studio, StudioContext } from './hooks/studio-context.js';
import { notify } from './hooks/use-notifications.js';
import { Auth } from './lib/auth.js';

const wsUrl = () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;

function usePath(): [string, (path: string) => void] {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const onPop = () => setPath(location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((next: string) => {
    if (next !== location.pathname) history.pushState(null, '', next);
    setPath(next);
  }, []);
  return [path, navigate];
}

/** Studio: sign in, then the documents list (`/`) or one document (`/documents/:id`). */
export function App() {
  const [auth, setAuth] = useState<Auth | null>(() => Auth.restore());
  const [path, navigate] = usePath();
  const client = useMemo(
    () =>
      auth
        ? new SynclineClient({
            url: wsUrl,
            // A fresh token for every connection (a restarted dev server has a new secret).
            token: () => auth.token(true),
            logger: { error: (...args: unknown[]) => console.error(...args) },
          })
        : null,
    [auth],
  );
  useEffect(() => {
    if (!client) return;
    const offs = [
      client.on('error', (e) => {
        if (e.code === 'unauthorized' || e.code === 'forbidden') notify('error', e.message);
      }),
    ];
    return () => {
      for (const off of offs) off();
      client.close();
    };
  }, [client]);

  const studio: Studio | null = useMemo(
    () => (auth && client ? { auth, client, navigate } : null),
    [auth, client, navigate],
  );

  let page: React.ReactNode;
  if (!studio) page = <SignIn onSignedIn={setAuth} />;
  else {
    const match = /^\/documents\/([^/]+)\/?$/.exec(path);
    page = match ? (
      <DocumentView key={match[1]} documentId={decodeURIComponent(match[1])} />
    ) : (
      <DocumentList />
    );
  }
  return (
    <StudioContext.Provider value={studio}>
      {page}
      <Notifications />
      {studio && (
        <footer className="footer">
          <span>
            {studio.auth.identity.name} · <code>{studio.auth.identity.userId}</code>
          </span>
          <button
            type="button"
            className="link"
            onClick={() => {
              Auth.forget();
              setAuth(null);
              navigate('/');
            }}
          >
            Sign out
          </button>
        </footer>
      )}
    </StudioContext.Provider>
  );
}
