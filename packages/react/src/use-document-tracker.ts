'use client';
import type { Disposer, SynclineClient } from '@syncline/client';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { useSynclineContext } from './context.js';
import type { RoomLeases } from './room-leases.js';

/** A store that follows one document's room events until closed. */
export interface DocumentTracker<S> {
  readonly documentId: string;
  getSnapshot: () => S;
  subscribe: (listener: () => void) => Disposer;
  close(): void;
}

export type DocumentTrackerClass<S, T extends DocumentTracker<S>> = new (
  client: SynclineClient,
  rooms: RoomLeases,
  documentId: string,
) => T;

const noSubscribe = () => () => {};

/**
 * A `Tracker` of `documentId` on the provider's client, made when the client is there and closed on unmount
 * or when the document changes, with its state; `idle` (a stable function) gives the state while there is
 * none, or while the one there still follows the previous document.
 */
export function useDocumentTracker<S, T extends DocumentTracker<S>>(
  Tracker: DocumentTrackerClass<S, T>,
  documentId: string | null | undefined,
  idle: () => S,
): { tracker: T | null; state: S } {
  const { runtime } = useSynclineContext();
  const [tracker, setTracker] = useState<T | null>(null);
  useEffect(() => {
    if (!runtime || !documentId) return;
    const t = new Tracker(runtime.client, runtime.rooms, documentId);
    setTracker(t);
    return () => {
      t.close();
      setTracker((current) => (current === t ? null : current));
    };
  }, [Tracker, runtime, documentId]);
  const live = tracker && tracker.documentId === documentId ? tracker : null;
  const state = useSyncExternalStore(
    live ? live.subscribe : noSubscribe,
    live ? live.getSnapshot : idle,
    idle,
  );
  return { tracker: live, state };
}
