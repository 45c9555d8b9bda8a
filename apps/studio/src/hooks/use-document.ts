import { type DocumentClient, type DocumentState, IndexedDBDocPersistence } from '@syncline/client';
import { useCallback, useEffect, useMemo, useSyncExternalStore } from 'react';
import { useStudio } from './studio-context.js';
import { notify } from './use-notifications.js';

const FRAME_MS = 16;

/** One persistence for the app: unconfirmed edits survive reloads and offline periods in IndexedDB. */
const persistence = typeof indexedDB === 'undefined' ? undefined : new IndexedDBDocPersistence();

/**
 * The collaborative document `documentId` (joined and opened by the client), its state, and toasts for
 * what the user must know: refused edits (rolled back), conflicts, lost locks, undo limits.
 */
export function useDocument(documentId: string): { doc: DocumentClient; state: DocumentState } {
  const { client, auth } = useStudio();
  const doc = useMemo(
    () => client.doc(documentId, { persistence, userId: auth.identity.userId }),
    [client, documentId, auth],
  );
  useEffect(() => {
    const offs = [
      doc.on('rejected', (r) => {
        const holder = r.code === 'zone_locked' ? lockHolder(doc, r.zoneIds) : null;
        notify(
          'error',
          holder
            ? `Not saved: ${holder} has locked this zone. Your change was undone.`
            : `Not saved: ${r.message}. Your change was undone.`,
        );
      }),
      // A refused edit is told once, by `rejected` (the server also sends a `locked` conflict).
      doc.on('conflict', (c) => c.kind !== 'locked' && notify('warning', `Conflict: ${c.message}`)),
      doc.on('notice', (n) => {
        if (n.reason === 'lock_lost') notify('warning', 'You no longer hold the lock of a zone.');
        else if (n.action === 'undo' || n.action === 'redo')
          notify('info', `Could not ${n.action} everything: someone changed it since.`);
        else if (n.reason === 'discarded_other_user')
          notify('warning', 'Edits saved on this device by another user were not sent.');
      }),
      doc.on('error', (e) => notify('error', `Document: ${e.message}`)),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, [doc]);
  useEffect(() => () => doc.close(), [doc]);
  // Changes are rendered at most once per frame: a pipeline adding hundreds of zones, or a fast typist
  // elsewhere, must not re-render the page for every op.
  const subscribe = useCallback(
    (onChange: () => void) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const off = doc.subscribe(() => {
        timer ??= setTimeout(() => {
          timer = undefined;
          onChange();
        }, FRAME_MS);
      });
      return () => {
        off();
        clearTimeout(timer);
      };
    },
    [doc],
  );
  const state = useSyncExternalStore(subscribe, doc.getSnapshot);
  return { doc, state };
}

function lockHolder(doc: DocumentClient, zoneIds: string[]): string | null {
  for (const id of zoneIds) {
    const lock = doc.locks[id];
    if (lock) return lock.userName ?? lock.userId;
  }
  return null;
}
