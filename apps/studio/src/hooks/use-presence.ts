import { type DocumentClient, type PresenceSnapshot, RoomPresence } from '@syncline/client';
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { useStudio } from './studio-context.js';

/** Who is in the document and where their cursors are (page coordinates, 0..1), plus my cursor's sender. */
export function usePresence(doc: DocumentClient): { presence: RoomPresence; snapshot: PresenceSnapshot } {
  const { client } = useStudio();
  const presence = useMemo(() => new RoomPresence(client, `doc:${doc.documentId}`), [client, doc]);
  useEffect(() => {
    let live = true;
    doc.ready.then(
      () => {
        if (live) presence.refresh().catch(() => {});
      },
      () => {},
    );
    return () => {
      live = false;
      presence.close();
    };
  }, [doc, presence]);
  const snapshot = useSyncExternalStore(presence.subscribe, presence.getSnapshot);
  return { presence, snapshot };
}
