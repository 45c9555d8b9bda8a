'use client';
import type { Disposer } from '@syncline/client';
import type { Zone } from '@syncline/doc';
import type { ZoneLock } from '@syncline/protocol';
import { useCallback, useSyncExternalStore } from 'react';
import { useDocumentLease } from './use-document-lease.js';

const noSubscribe = () => () => {};
const none = () => undefined;

/**
 * One zone of a document, re-rendering only when that zone changes (created, edited, deleted, rolled
 * back): it listens to the document client's fine-grained `change` events, not to the whole document.
 * `undefined` while the document opens or when there is no such zone.
 */
export function useZone(documentId: string | null | undefined, zoneId: string): Zone | undefined {
  const doc = useDocumentLease(documentId)?.doc ?? null;
  const subscribe = useCallback(
    (onChange: () => void): Disposer => {
      if (!doc) return () => {};
      // Every change of the document (local, remote, rollback, resync, the first open) says which zones
      // it touched, or `all`.
      return doc.on('change', (c) => {
        if (c.all || c.zoneIds.includes(zoneId)) onChange();
      });
    },
    [doc, zoneId],
  );
  const get = useCallback(() => doc?.zone(zoneId), [doc, zoneId]);
  return useSyncExternalStore(doc ? subscribe : noSubscribe, doc ? get : none, none);
}

/** The lock of one zone (`undefined` when unlocked), re-rendering only when it changes. */
export function useZoneLock(documentId: string | null | undefined, zoneId: string): ZoneLock | undefined {
  const doc = useDocumentLease(documentId)?.doc ?? null;
  const get = useCallback(() => doc?.locks[zoneId], [doc, zoneId]);
  return useSyncExternalStore(doc ? doc.subscribe : noSubscribe, doc ? get : none, none);
}
