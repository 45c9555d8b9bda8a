'use client';
import { type Cursor, type PresenceSnapshot, RoomPresence } from '@syncline/client';
import type { EventData, EventMessage, PresenceMember, ZoneLock } from '@syncline/protocol';
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { useSynclineContext } from './context.js';
import { useDocumentLease } from './use-document-lease.js';
import { useLatest } from './use-latest.js';
import { userColor } from './user-color.js';

/** Someone in the document: one per user, `connections` counts their tabs and devices. */
export interface CollaborationUser extends PresenceMember {
  name: string;
  color: string;
  isSelf: boolean;
}

/** Another user's cursor, in page coordinates (0..1 of the page's width and height). */
export interface CollaborationCursor extends Cursor {
  name: string;
  color: string;
}

/** My cursor: page index and position normalized to 0..1 of that page; the zone I am in, if any. */
export interface CursorPosition {
  page: number;
  x: number;
  y: number;
  zoneId?: string | null;
  /** While editing the zone's text: the caret (`start` = `end`) or selected range, in code points. */
  selection?: TextSelection | null;
}

/**
 * A caret or selected range in a zone's text, as offsets in code points (as the text ops count). With `v`, the
 * offsets are for version `v` of the document, the sender's unconfirmed edits taken out
 * (`DocumentClient.caretAtBase`): a receiver places them exactly with `caretFromBase`.
 */
export interface TextSelection {
  start: number;
  end: number;
  v?: number;
}

export interface CollaborationOptions {
  /** Default true. When false nothing is joined and everything is empty. */
  enabled?: boolean;
  /** Cursor updates sent per second at most (the last position always goes). Default 30. */
  cursorHz?: number;
  /** Called for every action another user broadcast (`app_event` in the document's room). */
  onAction?: (action: string, data: Record<string, unknown>, from: string | undefined) => void;
}

export interface Collaboration {
  users: readonly CollaborationUser[];
  cursors: readonly CollaborationCursor[];
  /** Sends my cursor (throttled). */
  updateCursor: (cursor: CursorPosition) => void;
  /** Sends an action to everyone in the document (`app_event` with `name: action`). */
  broadcastAction: (action: string, data?: Record<string, unknown>) => Promise<void>;
  locks: Readonly<Record<string, ZoneLock>>;
  lock: (zoneId: string) => Promise<ZoneLock>;
  unlock: (zoneId: string, options?: { force?: boolean }) => Promise<void>;
  /** My user id, once connected. */
  selfId: string | undefined;
}

const EMPTY_PRESENCE: PresenceSnapshot = Object.freeze({ users: [], cursors: [] });
const noSubscribe = () => () => {};
const emptyPresence = () => EMPTY_PRESENCE;
const NO_LOCKS: Readonly<Record<string, ZoneLock>> = Object.freeze({});
const noLocks = () => NO_LOCKS;

/**
 * Who is in a document and where their cursors are, plus zone locks: presence of `doc:<id>` (seeded with the
 * server's member list whenever the room is entered, also on a retry after a failed join, and refreshed after every
 * reconnect), throttled cursor updates, and the shared document client's locks. Inert when `enabled` is false or the
 * provider has `enablePresence: false`.
 */
export function useCollaboration(
  documentId: string | null | undefined,
  options: CollaborationOptions = {},
): Collaboration {
  const { runtime, presenceEnabled } = useSynclineContext();
  const enabled = options.enabled !== false && presenceEnabled;
  const id = enabled ? documentId : null;
  const lease = useDocumentLease(id);
  const doc = lease?.doc ?? null;
  const client = runtime?.client ?? null;
  const cursorHz = options.cursorHz;
  const onAction = useLatest(options.onAction);

  const [presence, setPresence] = useState<RoomPresence | null>(null);
  useEffect(() => {
    if (!runtime || !id) return;
    const room = `doc:${id}`;
    const roomLease = runtime.rooms.acquire(room, 'join');
    const p = new RoomPresence(runtime.client, room, { cursorHz });
    // The member list once in the room, and again whenever the room is entered anew: a join that failed (timed out)
    // and got in on a retry (the document's) would otherwise show nobody until the next reconnect.
    const offEntered = roomLease.onEntered(() => void p.refresh().catch(() => {}));
    const offAction = runtime.client.subscribe(
      'app_event',
      (data: EventData<'app_event'>, event: EventMessage) => {
        if (event.room !== room || event.from === runtime.client.userId) return;
        const { name, ...rest } = data;
        onAction.current?.(name, rest, event.from);
      },
    );
    setPresence(p);
    return () => {
      offEntered();
      offAction();
      p.close();
      roomLease.release();
      setPresence((current) => (current === p ? null : current));
    };
  }, [runtime, id, cursorHz, onAction]);

  const live = presence && id && presence.room === `doc:${id}` ? presence : null;
  const snapshot = useSyncExternalStore(
    live ? live.subscribe : noSubscribe,
    live ? live.getSnapshot : emptyPresence,
    emptyPresence,
  );
  const locksOf = useCallback(() => doc?.locks ?? NO_LOCKS, [doc]);
  const locks = useSyncExternalStore(doc ? doc.subscribe : noSubscribe, locksOf, noLocks);
  const selfId = client?.userId;

  const users = useMemo(
    () =>
      Object.freeze(
        snapshot.users.map((u) => ({
          ...u,
          name: u.userName ?? u.userId,
          color: userColor(u.userId),
          isSelf: u.userId === selfId,
        })),
      ),
    [snapshot.users, selfId],
  );
  const cursors = useMemo(() => {
    const names = new Map(snapshot.users.map((u) => [u.userId, u.userName ?? u.userId]));
    return Object.freeze(
      snapshot.cursors.map((c) => ({
        ...c,
        name: names.get(c.userId) ?? c.userId,
        color: userColor(c.userId),
      })),
    );
  }, [snapshot]);

  const updateCursor = useCallback((cursor: CursorPosition) => live?.moveCursor(cursor), [live]);
  const broadcastAction = useCallback(
    async (action: string, data: Record<string, unknown> = {}) => {
      if (!client || !id) return;
      await client.publish(`doc:${id}`, 'app_event', { ...data, name: action, documentId: id });
    },
    [client, id],
  );
  const lock = useCallback(
    (zoneId: string) => (doc ? doc.lock(zoneId) : Promise.reject(new Error('the document is not open'))),
    [doc],
  );
  const unlock = useCallback(
    (zoneId: string, o?: { force?: boolean }) =>
      doc ? doc.unlock(zoneId, o) : Promise.reject(new Error('the document is not open')),
    [doc],
  );

  return useMemo(
    () => ({ users, cursors, updateCursor, broadcastAction, locks, lock, unlock, selfId }),
    [users, cursors, updateCursor, broadcastAction, locks, lock, unlock, selfId],
  );
}
