import { type Notification, NotificationContainer, WebSocketProvider } from '@syncline/react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { DocumentList } from './components/DocumentList.js';
import { DocumentView } from './components/DocumentView.js';
import { ForgetDeletedPdfs } from './components/ForgetDeletedPdfs.js';
import { SessionExpiredBanner } from './components/SessionExpiredBanner.js';
import { SignIn } from './components/SignIn.js';
import { type Studio, StudioContext } from './hooks/studio-context.js';
import { Auth, configuredMode } from './lib/auth.js';
import { persistenceFor } from './lib/doc-persistence.js';
import { offlineBlankOptions } from './lib/offline-blank.js';
import { canShowZone, showZone } from './lib/zone-focus.js';

const wsUrl = () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;

/** A toast about one zone of the document on screen offers to show it (not one that was deleted). */
const showZoneAction = (n: Notification) => {
  const zoneId = n.zoneIds?.length === 1 ? n.zoneIds[0] : undefined;
  if (!n.documentId || !zoneId || !canShowZone(n.documentId, zoneId)) return null;
  const documentId = n.documentId;
  // With the caret in its text: the toast and its button go, and the focus with them would fall to the page's body.
  return { label: 'Show zone', run: () => void showZone(documentId, zoneId, { focus: true }) };
};

const clientOptions = { logger: { error: (...args: unknown[]) => console.error(...args) } };

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
  // A token handed over in the URL is a sign-in, also over a session kept from before (one that expired, say).
  const [auth, setAuth] = useState<Auth | null>(() =>
    configuredMode()?.kind === 'fragment' ? null : Auth.restore(),
  );
  // So too one put in the address of the page already open (only its `#` changed: the page is not loaded again).
  useEffect(() => {
    const onHash = () => {
      if (configuredMode()?.kind === 'fragment') setAuth(null);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const [path, navigate] = usePath();
  const studio: Studio | null = useMemo(() => (auth ? { auth, navigate } : null), [auth, navigate]);
  // A fresh token for every connection (a restarted dev server has a new secret).
  const token = useCallback(() => (auth ? auth.token(true) : ''), [auth]);
  const userId = auth?.identity.userId;
  // Unconfirmed edits, and each document as the server last confirmed it (`keepConfirmed`), survive reloads and
  // offline periods in IndexedDB, one database per user (persistenceFor): a document opened before shows offline. A
  // blank document made here offline starts empty, editable offline, and is made on the server before it is opened
  // (offline-blank.ts).
  const documentOptions = useMemo(() => {
    const persistence = userId === undefined ? undefined : persistenceFor(userId);
    return (documentId: string) => ({
      persistence,
      userId,
      keepConfirmed: true,
      ...(auth ? offlineBlankOptions(auth, documentId) : {}),
    });
  }, [userId, auth]);

  if (!studio) return <SignIn onSignedIn={setAuth} />;
  const match = /^\/documents\/([^/]+)\/?$/.exec(path);
  return (
    <StudioContext.Provider value={studio}>
      {/* One connection per signed-in user: signing in again makes a new one. */}
      <WebSocketProvider
        key={studio.auth.identity.userId}
        url={wsUrl}
        token={token}
        clientOptions={clientOptions}
        documentOptions={documentOptions}
      >
        <SessionExpiredBanner
          onSignInAgain={() => {
            // The page stays where it is: signed in again, the same document opens, and what was changed meanwhile
            // (kept in this browser for this user) is sent.
            Auth.forget();
            setAuth(null);
          }}
        />
        {match ? <DocumentView key={match[1]} documentId={decodedSegment(match[1])} /> : <DocumentList />}
        <ForgetDeletedPdfs userId={studio.auth.identity.userId} />
        <NotificationContainer className="toasts" action={showZoneAction} />
      </WebSocketProvider>
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
    </StudioContext.Provider>
  );
}

/** A path segment decoded; one that is not valid URL encoding (`50%`, mistyped) as it is: no document has that id. */
function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
