import type { SynclineClient } from '@syncline/client';
import { useEffect, useState } from 'react';

/** The server's maintenance announcement (`maintenance_mode`), or null. */
export function useMaintenance(client: SynclineClient): { enabled: boolean; message?: string } | null {
  const [state, setState] = useState<{ enabled: boolean; message?: string } | null>(null);
  useEffect(() => client.on('maintenance', (d) => setState(d.enabled ? d : null)), [client]);
  return state;
}
