import type { ConnectionStatus, SynclineClient } from '@syncline/client';
import { useCallback, useSyncExternalStore } from 'react';

/** The client's connection status (state, attempt, next retry time), re-rendered on every change. */
export function useConnection(client: SynclineClient): ConnectionStatus {
  const subscribe = useCallback((onChange: () => void) => client.on('state', onChange), [client]);
  return useSyncExternalStore(subscribe, () => client.status);
}
