import { useNotifications } from '@syncline/react';
import { useLayoutEffect, useSyncExternalStore } from 'react';
import { useStudio } from '../hooks/studio-context.js';

/**
 * Said once the session has expired (`Auth.expired`): the connection cannot come back by itself, so the offline
 * banner's "changes will sync when the connection is back" would not be true. What is changed meanwhile is kept in
 * this browser (per user) and sent once signed in again. With the identity provider, Sign in again goes to the
 * sign-in page (the document opens again after it); a token handed over in the URL needs a new link. The connection's
 * own toasts about it ("token expired", "the url or token provider failed") would only say the same in codes: they go
 * before they are painted.
 */
export function SessionExpiredBanner({ onSignInAgain }: { onSignInAgain: () => void }) {
  const { auth } = useStudio();
  const expired = useSyncExternalStore(auth.subscribe, () => auth.expired);
  const { notifications, dismiss } = useNotifications();
  useLayoutEffect(() => {
    if (!expired) return;
    for (const n of notifications) if (n.id.startsWith('client-error:')) dismiss(n.id);
  }, [expired, notifications, dismiss]);
  if (!expired) return null;
  const byLink = auth.modeKind === 'fragment';
  return (
    <div className="banner banner-error" role="alert" data-testid="session-expired">
      <strong>Your session has expired.</strong>{' '}
      {byLink ? 'Open Studio again from a new sign-in link' : 'Sign in again'} to go on: what you change
      meanwhile is kept in this browser, and sent once you are signed in again.{' '}
      {!byLink && (
        <button type="button" className="link" onClick={onSignInAgain}>
          Sign in again
        </button>
      )}
    </div>
  );
}
