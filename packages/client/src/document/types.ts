import type { UndoNoticeReason, ZoneDocument } from '@syncline/doc';
import type { DocOpenReason, ZoneLock } from '@syncline/protocol';
import type { BrowserGlobals, Clock, Logger, Timers } from '../environment.js';
import type { SynclineError } from '../errors.js';
import type { DocPersistence } from './persistence.js';

/**
 * - `opening`: waiting for the first `doc.open` (a restored document is shown meanwhile: `restored`);
 * - `open`: in sync, edits go out as they are made;
 * - `offline`: not connected; edits are kept (and persisted) and go out after the reconnect;
 * - `resyncing`: re-opening after a gap, a room reset or a checksum mismatch; edits are kept;
 * - `failed`: the document could not be opened or its room entered (forbidden, unknown), it was deleted (`not_found`,
 *   also while open: the server's `document_deleted`), or the server cannot take its ops (`unknown_method`); see the
 *   `error` event. Unconfirmed edits stay in the persistence, except a deleted document's (`not_found`): dropped;
 * - `closed`: `close()` was called (it may still be sending my last edits: `isClosing`).
 */
export type DocStatus = 'opening' | 'open' | 'offline' | 'resyncing' | 'failed' | 'closed';

/**
 * What a UI renders, as one immutable object: `getSnapshot()` returns the same object until one of its
 * fields changes (for React's `useSyncExternalStore`).
 */
export interface DocumentState {
  /** The local document: the server's, plus my unconfirmed edits. */
  readonly doc: ZoneDocument;
  /** The confirmed server version. */
  readonly version: number;
  /** Edits of mine not sent yet. */
  readonly pending: number;
  /** An edit of mine is sent and not confirmed yet. */
  readonly inflight: boolean;
  readonly canUndo: boolean;
  readonly canRedo: boolean;
  /** Zone locks by zone id. */
  readonly locks: Readonly<Record<string, ZoneLock>>;
  readonly status: DocStatus;
  /**
   * The document shown is the copy this device kept (the persistence's record: my unconfirmed edits, or with
   * `keepConfirmed` the last confirmed state) and the server has not confirmed it yet: it may be behind what others
   * did meanwhile. It takes edits (pending, sent once the document opens). True from the restore until the first
   * `doc.open` answers (then the document is caught up from the kept version), so only while `status` is `opening`
   * (or `failed`/`closed` before that). Also for a new document started empty (`initial: 'empty'`): its empty
   * start is shown, and takes edits, the same way.
   */
  readonly restored: boolean;
}

export type ChangeSource = 'local' | 'remote' | 'rollback' | 'resync';

export interface DocChange {
  /** The zones that changed (created, edited, deleted), sorted. */
  zoneIds: string[];
  /** The document's `meta` may have changed. */
  meta: boolean;
  /** The change may touch any zone: re-render them all. */
  all: boolean;
  source: ChangeSource;
  /** For remote changes: who made it. */
  userId?: string;
}

/** My edit was dropped or altered by someone else's concurrent change. */
export interface DocConflict {
  kind: string;
  zoneId: string | null;
  /** Who made the change that won, when known. */
  byUserId: string | null;
  /** Their display name, when known (the message names them by it). */
  byUserName?: string;
  /** The zone's label when the one who found the conflict knew it (a deleted zone's may be gone here). */
  zoneLabel?: string;
  /** The zone's type, page and first words (`zoneExcerpt` of @syncline/doc), known as `zoneLabel` is. */
  zoneType?: string;
  zonePage?: number;
  zoneExcerpt?: string;
  /** `same_attribute`: the attribute (`label`, `bbox`, ...) or meta key both set. */
  attribute?: string;
  /** My op concerned, when known. */
  opId?: string;
  /**
   * A sentence for the user: who, by name; the zone by its label when that tells it apart, else by its type, page
   * and first words (`describeConflict` of @syncline/doc).
   */
  message: string;
  /** `server`: the server altered my in-flight op; `client`: found while rebasing my pending edits. */
  origin: 'server' | 'client';
}

/** The server refused my edit; it was rolled back (my later edits are kept). */
export interface DocRejection {
  /** `zone_locked`, `forbidden`, `invalid`, `too_large`, ... */
  code: string;
  message: string;
  /** The zones the rejected edit touched. */
  zoneIds: string[];
  opId: string;
}

/** Who deleted a document that was open (`DocumentClient.deletion`), as the server's `document_deleted` said. */
export interface DocDeletion {
  /** Their user id, and display name, when the server said (older servers do not). */
  byUserId?: string;
  byUserName?: string;
  /** I did (the same user id as mine): in another tab, on another device, or through another client. */
  byMe: boolean;
}

export type DocNoticeReason =
  | UndoNoticeReason
  /** A zone lock I held is gone: expired, forced by the owner, or taken. */
  | 'lock_lost'
  /** Edits saved by another user on this device were not re-submitted. */
  | 'discarded_other_user';

export interface DocNotice {
  reason: DocNoticeReason;
  zoneIds: string[];
  /** For undo/redo notices: part of the step could still be applied. */
  partial: boolean;
  /** Which action the notice is about. */
  action?: 'undo' | 'redo' | 'lock' | 'restore';
  /**
   * For `lock_lost`: why (`expired`, `forced`: by the document's owner, `taken`: it ended (while I was away, say) and
   * someone else locked the zone, `left`, `refused`: my renewal was refused).
   */
  detail?: string;
  /**
   * Who made the change the notice is about, when this replica knows: for `overwritten`, `edited_by_others` and
   * `zone_deleted`, the latest author of the changes that got in the way of the undo/redo (their ops as they
   * arrived; a change that came with a re-open's snapshot, or the rollback of a refused edit, has none); for a
   * `lock_lost` that is `taken` (or `refused`), who holds the lock now; for one `forced`, who released it (the
   * document's owner), when the server said.
   */
  byUserId?: string;
  /** Their display name, when known (a message names them by it). */
  byUserName?: string;
  /** Everyone known to have made such changes, each once, the latest (`byUserId`) last. */
  byUserIds?: string[];
  /**
   * The zone the notice is about, when it is about one (for `zone_deleted`, the deleted one): its label, type, page
   * and first words (`zoneExcerpt` of @syncline/doc) as this replica has it, or last had it before others deleted
   * it; each only when known, as in `DocConflict`. A message names the zone with them (`zoneName` of @syncline/doc).
   */
  zoneLabel?: string;
  zoneType?: string;
  zonePage?: number;
  zoneExcerpt?: string;
}

/**
 * Why the document was re-opened: `restore` (edits restored from storage, or made from a new document's empty start
 * (`initial`), rebased on open), `checksum`
 * (my copy differed from the server's), `gap` (ops were missed), `reset` (the room's log was past its
 * retention), `bad_version`, `diverged` (an op did not fit my copy), `resume` (a reconnect replayed nothing).
 */
export type ResyncReason = DocOpenReason;

export interface DocResync {
  reason: ResyncReason;
  fromVersion: number;
  toVersion: number;
  /** `ops`: the missed ops were replayed (exact); `snapshot`: rebased onto the snapshot's difference. */
  method: 'ops' | 'snapshot' | 'none';
}

export type DocumentEvents = {
  change: [change: DocChange];
  conflict: [conflict: DocConflict];
  rejected: [rejection: DocRejection];
  notice: [notice: DocNotice];
  resync: [resync: DocResync];
  /** Names (or avatars) of these people changed in what the replica knows (`user`, `lookUpUsers`). */
  users: [change: { userIds: string[] }];
  /** Failures no call can carry: opening, storage, a lock renewal. */
  error: [error: SynclineError];
};

export interface DocumentClientOptions {
  /**
   * Where unconfirmed edits are kept for the next client of the document. Default: in memory, shared by the
   * documents of one `SynclineClient` (`defaultDocPersistence(client)`; a transport that wraps the client passes it
   * here): a document closed with edits unconfirmed (offline, or not confirmed within `closeTimeoutMs`) sends them
   * when this client opens it again; gone with the page. Pass an `IndexedDBDocPersistence` to keep them across
   * reloads.
   */
  persistence?: DocPersistence;
  /**
   * Keep the last confirmed state in the persistence too, not only unconfirmed edits (default false): the next
   * client of the document (after a reload, offline included) shows it at once from that record (`restored`),
   * takes edits, and catches up from its version when it opens, as it does for a record with unconfirmed edits.
   * A record without unconfirmed edits is written at most once every `keepConfirmedEveryMs` (a busy document's
   * whole snapshot is not rewritten on every op), and once more when the client closes or the page is hidden;
   * while edits are unconfirmed it is saved every turn as usual. It is shown only to the user who kept it (the
   * signed-in user, or before the handshake the `userId` option), and dropped when the document turns out deleted
   * (`not_found`) or refused (`forbidden`).
   */
  keepConfirmed?: boolean;
  /**
   * Where the document starts before the server's first answer. `'empty'`: for a document this device is making,
   * which the server may not have yet (made offline): the empty document at version 0, which is exactly what every
   * document is at version 0 on the server (PROTOCOL.md §13.3). It shows and takes edits at once, offline too
   * (`restored` until the first `doc.open` answers); they are pending (persisted), and once the server opens the
   * document they are sent as any offline edits: based on version 0 and transformed over everything committed since
   * (a name the creation set, or, if the id turns out to be taken, the content the document had: the server's state
   * stays, my edits are added to it, never in place of it). A record of the document in the persistence (edits made
   * before a reload) is restored instead, as always. Default: nothing is shown, and edits throw `not_open`, until
   * the first `doc.open` answers (or a record is restored).
   */
  initial?: 'empty';
  /**
   * Awaited before the document's room is entered and it is first opened: the app's creation of a new document
   * (an HTTP call, say), so that nothing opens the document on the server before it is created. It may wait as long
   * as it needs (for the connection to come back: it is the app's to retry); edits are taken meanwhile (with
   * `initial: 'empty'`, or a restored record) and wait for the open. `signal` aborts when the client closes. A
   * rejection fails the document with that error (a `SynclineError` as it is, anything else as `internal`): its
   * unconfirmed edits stay in the persistence. Called once per client, and shared with its hidden clients of other
   * records of the document.
   */
  beforeOpen?: (context: { signal: AbortSignal }) => Promise<unknown>;
  /** With `keepConfirmed`: the shortest time between two saves of a record without unconfirmed edits. Default 5,000 ms. */
  keepConfirmedEveryMs?: number;
  /**
   * With `keepConfirmed`: the browser window whose `pagehide` (and its document's `visibilitychange` to hidden) saves
   * the confirmed state at once. Default `globalThis` in a browser; `null`: none.
   */
  globals?: BrowserGlobals | null;
  /**
   * How long `close()` waits, while connected, for the server to confirm my last edits before closing anyway
   * (they stay in the persistence). Default 10,000 ms; 0: `close()` closes at once.
   */
  closeTimeoutMs?: number;
  /** Renew held zone locks this often; default a third of the lease. */
  lockRenewMs?: number;
  /** Undo depth; default 100. */
  undoDepth?: number;
  /**
   * Text typed into one zone within this many ms of the previous keystroke is one undo step, as in editors,
   * also while others edit (undoing it never takes their changes back). Default 500; 0 makes every edit its own step.
   */
  undoCaptureMs?: number;
  /**
   * Compose consecutive edits of the same zones into one op while one is in flight (default true):
   * fewer, larger ops; a rejection then rolls back the whole group.
   */
  compose?: boolean;
  /**
   * User id for `updatedBy` stamps before the first handshake (the transport's once known); with `keepConfirmed`, also
   * whose kept record may be shown before the handshake (without it, a kept record waits for the handshake).
   */
  userId?: string;
  timers?: Timers;
  clock?: Clock;
  /** Where a throwing listener is reported. Default: silent. */
  logger?: Logger;
  /** Called once `close()` is done (the client uses it to forget the instance). */
  onClose?: () => void;
}
