import type { SynclineClient } from '@syncline/client';
import { useConnection } from '../hooks/use-connection.js';
import { useMaintenance } from '../hooks/use-maintenance.js';

/** The offline banner (edits continue and sync later) and the server's maintenance announcement. */
export function Banners({ client, pending }: { client: SynclineClient; pending: number }) {
  const { state } = useConnection(client);
  const maintenance = useMaintenance(client);
  const disconnected = state === 'offline' || state === 'reconnecting' || state === 'failed';
  return (
    <>
      {maintenance && (
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
