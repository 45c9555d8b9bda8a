'use client';
import {
  type DocStatus,
  type DocumentClient,
  type DocumentState,
  type NewZone,
  SynclineError,
} from '@syncline/client';
import { emptyDocument, type TextEdit, type Zone, type ZoneAttrs, type ZoneDocument } from '@syncline/doc';
import type { ZoneLock } from '@syncline/protocol';
import { useCallback, useMemo, useSyncExternalStore } from 'react';
import type { DocIssue } from './document-issues.js';
import { useDocumentLease } from './use-document-lease.js';
import { useWebSocketContext } from './use-websocket-context.js';
import { useReadingOrder } from './zones.js';

/** The state before the document is open (and during server rendering). */
export const EMPTY_DOCUMENT_STATE: DocumentState = Object.freeze({
  doc: Object.freeze(emptyDocument()) as ZoneDocument,
  version: 0,
  pending: 0,
  inflight: false,
  canUndo: false,
  canRedo: false,
  locks: Object.freeze({}),
  status: 'opening' as DocStatus,
  restored: false,
});

/** The seed's `broadcastZoneUpdate` updates: zone attributes and, optionally, the whole new text. */
export type ZoneUpdates = ZoneAttrs & { text?: string };

export interface RealTimeDocument {
  /** The shared document client (`null` until open): for anything the hook does not wrap. */
  client: DocumentClient | null;
  /** The whole state as one immutable snapshot. */
  snapshot: DocumentState;
  /** The local document: the server's plus my unconfirmed edits. */
  document: ZoneDocument;
  /** Zones in reading order, as the exports read them (`documentOrder` of `@syncline/doc`). */
  zones: readonly Zone[];
  /** The confirmed server version. */
  version: number;
  /** My edits not confirmed yet (pending plus the one in flight). */
  pendingCount: number;
  /** `opening`, `open`, `offline`, `resyncing`, `failed`, `closed`. */
  status: DocStatus;
  /** Open on the server (or offline after that): `status` is neither `opening` nor `failed`. */
  isReady: boolean;
  /**
   * Still opening, but showing what this device saved (with a persistence in `documentOptions`): the
   * document and my unconfirmed edits as they were before a reload, or with `keepConfirmed` the document as the
   * server last confirmed it, editable at once; edits are sent when the server opens the document, which brings
   * the copy up to date (`snapshot.restored`). Also a new document's empty start (`initial: 'empty'` in
   * `documentOptions`), editable at once the same way.
   */
  isRestored: boolean;
  isConnected: boolean;
  connectionStatus: string;
  canUndo: boolean;
  canRedo: boolean;
  locks: Readonly<Record<string, ZoneLock>>;
  /** The latest conflict, refused edit, notice or error (also shown as a toast). */
  lastError: DocIssue | null;
  /** `zone_create`: returns the id, or `null` when the document is not open yet. */
  createZone: (zone: NewZone) => string | null;
  /** `zone_update`: attributes (`page`, `bbox`, `type`, `label`, `confidence`). */
  updateZone: (zoneId: string, attrs: ZoneAttrs) => boolean;
  /** `zone_edit`: `{pos, del?, ins?}` in code points, or a text-unicode op. */
  editZoneText: (zoneId: string, edit: TextEdit) => boolean;
  /** `zone_delete`. */
  deleteZone: (zoneId: string) => boolean;
  /** The seed's call: attributes through `zone_update`, `text` (whole new text) as a minimal `zone_edit`. */
  broadcastZoneUpdate: (zoneId: string, updates: ZoneUpdates) => boolean;
  /** Undoes my latest edit (never someone else's). */
  undo: () => boolean;
  redo: () => boolean;
  lock: (zoneId: string) => Promise<ZoneLock>;
  unlock: (zoneId: string, options?: { force?: boolean }) => Promise<void>;
}

const noSubscribe = () => () => {};
const emptyState = () => EMPTY_DOCUMENT_STATE;
const noIssue = () => null;

/**
 * A collaborative document: joins its room and opens it while mounted (shared with every other hook of
 * the same document under the provider), and re-renders when its state changes. Edits apply at once
 * (optimistically) and reach others through the server; a refused edit rolls back and shows up in
 * `lastError` and as a toast. For one zone, prefer `useZone`, which re-renders only when that zone changes.
 */
export function useRealTimeDocument(documentId: string | null | undefined): RealTimeDocument {
  const { isConnected, connectionStatus } = useWebSocketContext();
  const lease = useDocumentLease(documentId);
  const doc = lease?.doc ?? null;
  const snapshot = useSyncExternalStore(
    doc ? doc.subscribe : noSubscribe,
    doc ? doc.getSnapshot : emptyState,
    emptyState,
  );
  const lastError = useSyncExternalStore(
    lease ? lease.issues.subscribe : noSubscribe,
    lease ? lease.issues.getSnapshot : noIssue,
    noIssue,
  );
  const zones = useReadingOrder(snapshot.doc.zones);

  // Edits need an open (or restored) document; before that they do nothing and return the fallback.
  const whenOpen = useCallback(
    <T>(fallback: T, fn: (d: DocumentClient) => T): T => {
      if (!doc) return fallback;
      try {
        return fn(doc);
      } catch (error) {
        if (error instanceof SynclineError && (error.code === 'not_open' || error.code === 'closed'))
          return fallback;
        throw error;
      }
    },
    [doc],
  );

  const actions = useMemo(
    () => ({
      createZone: (zone: NewZone) => whenOpen<string | null>(null, (d) => d.createZone(zone)),
      updateZone: (zoneId: string, attrs: ZoneAttrs) => whenOpen(false, (d) => d.updateZone(zoneId, attrs)),
      editZoneText: (zoneId: string, edit: TextEdit) => whenOpen(false, (d) => d.editText(zoneId, edit)),
      deleteZone: (zoneId: string) => whenOpen(false, (d) => d.deleteZone(zoneId)),
      broadcastZoneUpdate: (zoneId: string, updates: ZoneUpdates) =>
        whenOpen(false, (d) => applyZoneUpdates(d, zoneId, updates)),
      undo: () => whenOpen(false, (d) => d.undo()),
      redo: () => whenOpen(false, (d) => d.redo()),
      lock: (zoneId: string) => (doc ? doc.lock(zoneId) : Promise.reject(notOpen())),
      unlock: (zoneId: string, options?: { force?: boolean }) =>
        doc ? doc.unlock(zoneId, options) : Promise.reject(notOpen()),
    }),
    [doc, whenOpen],
  );

  return useMemo(
    () => ({
      client: doc,
      snapshot,
      document: snapshot.doc,
      zones,
      version: snapshot.version,
      pendingCount: snapshot.pending + (snapshot.inflight ? 1 : 0),
      status: snapshot.status,
      isReady: doc !== null && snapshot.status !== 'opening' && snapshot.status !== 'failed',
      isRestored: doc !== null && snapshot.status === 'opening' && snapshot.restored,
      isConnected,
      connectionStatus,
      canUndo: snapshot.canUndo,
      canRedo: snapshot.canRedo,
      locks: snapshot.locks,
      lastError,
      ...actions,
    }),
    [doc, snapshot, zones, isConnected, connectionStatus, lastError, actions],
  );
}

/** Sets attributes with one op and replaces the text with the smallest edit (common prefix and suffix kept). */
export function applyZoneUpdates(doc: DocumentClient, zoneId: string, updates: ZoneUpdates): boolean {
  const { text, ...attrs } = updates;
  let changed = false;
  if (Object.keys(attrs).length > 0) changed = doc.updateZone(zoneId, attrs) || changed;
  if (text !== undefined) {
    const current = doc.zone(zoneId)?.text ?? '';
    const edit = textDiff(current, text);
    if (edit) changed = doc.editText(zoneId, edit) || changed;
  }
  return changed;
}

/** The single splice turning `a` into `b`, in code points; `null` when equal. */
export function textDiff(a: string, b: string): { pos: number; del: number; ins: string } | null {
  if (a === b) return null;
  const x = Array.from(a);
  const y = Array.from(b);
  let start = 0;
  while (start < x.length && start < y.length && x[start] === y[start]) start++;
  let endX = x.length;
  let endY = y.length;
  while (endX > start && endY > start && x[endX - 1] === y[endY - 1]) {
    endX--;
    endY--;
  }
  return { pos: start, del: endX - start, ins: y.slice(start, endY).join('') };
}

function notOpen(): SynclineError {
  return new SynclineError('not_open', 'the document is not open yet');
}
