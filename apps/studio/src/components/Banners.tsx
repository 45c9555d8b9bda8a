import { useMaintenance, useWebSocketContext } from '@syncline/react';
import { useSyncExternalStore } from 'react';
import { useStudio } from '../hooks/studio-context.js';

/**
 * The offline banner (edits continue and sync later) and the server's maintenance announcement. Not the offline banner
 * once the session has expired: the connection is not coming back by itself, and the session's banner says why.
 */
export function Banners({ pending }: { pending: number }) {
  const { auth } = useStudio();
  const expired = useSyncExternalStore(auth.subscribe, () => auth.expired);
  const { connectionStatus: state } = useWebSocketContext();
  const maintenance = useMaintenance();
  const disconnected = !expired && (state === 'offline' || state === 'reconnecting' || state === 'failed');
  return (
    <>
      {maintenance.enabled && (
        <div className="banner banner-maintenance" role="status">
          <strong>Maintenance:</strong> {maintenance.message ?? 'the server is under maintenance.'}
        </div>
      )}
      {disconnected && (
        <div className="banner banner-offline" role="status" data-testid="offline-banner">
          {state === 'offline' ? 'You are offline.' : 'The connection was lost.'} You can keep editing:
          changes will sync when the connection is back
          {pending > 0 ? ` (${pending} waiting)` : ''}.
        </div>
      )}
    </>
  );
}
