import {
  type ConflictZoneWords,
  caretBack,
  caretThrough,
  checksum,
  checksumSteps,
  compactOp,
  conflictAttribute,
  conflictZoneWords,
  describeConflict,
  describeOp,
  emptyDocument,
  type Json,
  metaSet,
  normalize,
  type Op,
  type OpConflict,
  opComponents,
  type Stamp,
  type TextEdit,
  UndoManager,
  type Zone,
  type ZoneAttrs,
  type ZoneDocument,
  zoneCreate,
  zoneDelete,
  zoneEdit,
  zoneUpdate,
} from '@syncline/doc';
import {
  DOC_METHODS,
  DOC_USERS_MAX,
  type DocOpEventData,
  type DocSnapshot,
  type DocUserInfo,
  type HistoryEntry,
  isValidRoom,
  type Welcome,
  type ZoneLock,
} from '@syncline/protocol';
import { type Disposer, Emitter } from '../emitter.js';
import {
  type Clock,
  defaultClock,
  defaultTimers,
  detectBrowserGlobals,
  listen,
  type TimerHandle,
  type Timers,
} from '../environment.js';
import { SynclineError } from '../errors.js';
import { createIdGenerator, randomPrefix } from '../ids.js';
import { diffDocuments } from './diff.js';
import { LockKeeper } from './locks.js';
import {
  clientKeyOf,
  type DocPersistence,
  isPersistedDoc,
  LocalClaims,
  MemoryDocPersistence,
  newestRecord,
  type PersistedDoc,
  type PersistedOp,
  type ReleaseClaim,
  replayRecord,
} from './persistence.js';
import { type LocalOp, MAX_COMPOSED_OP_CHARS, type RemoteResult, SyncState } from './sync-state.js';
import { type DocTransport, docRoom, sharingRoom } from './transport.js';
import type {
  ChangeSource,
  DocDeletion,
  DocNotice,
  DocNoticeReason,
  DocStatus,
  DocumentClientOptions,
  DocumentEvents,
  DocumentState,
  ResyncReason,
} from './types.js';

/** Events that carry a committed op of a document. */
const noop = () => {};

const OP_EVENTS = ['zone_create', 'zone_update', 'zone_edit', 'zone_delete', 'doc_op'] as const;
/** Nack codes after which the op can never be committed: roll it back. */
const REJECT_CODES = new Set(['zone_locked', 'forbidden', 'invalid', 'too_large', 'malformed']);
/** Failures worth trying again (the op, or the open, may still go through). */
const TRANSIENT_CODES = new Set([
  'timeout',
  'unavailable',
  'internal',
  'rate_limited',
  'expired',
  'outbox_full',
]);
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;
/** How long `close()` waits, by default, for the server to confirm my last edits. */
export const CLOSE_TIMEOUT_MS = 10_000;
/** With `keepConfirmed`, the shortest time, by default, between two saves of a record without unconfirmed edits. */
export const KEEP_CONFIRMED_EVERY_MS = 5_000;
/**
 * How long a client that took over another client's record (`Adoption`) waits for the server to confirm its edits
 * before it stops and leaves them in the persistence for the next client.
 */
const ADOPT_TIMEOUT_MS = 60_000;
/** How many zones others deleted a document client remembers the names of (for `zone_deleted` notices). */
const GONE_ZONES_KEPT = 64;

/**
 * The default persistence, one per `SynclineClient` (the transport `client.doc()` gives its documents; see
 * `defaultDocPersistence`): in memory, shared by the documents of one client, so that edits a closed document could
 * not send (offline, or not confirmed in time) are sent by the next client of the same document. Not across
 * reloads: that takes a persistence such as IndexedDB.
 */
const defaultPersistence = new WeakMap<object, DocPersistence>();
/**
 * Documents still sending their last edits after `close()`, by persistence and document id: a new client of the
 * same document on the same persistence loads its record once that is done (else the closing one, saving or
 * deleting its record as the server answers, would race the new one's saves).
 */
const closingDocs = new WeakMap<DocPersistence, Map<string, Promise<void>>>();

/** A zone as the app creates it: the stamp fields are filled in from the user and the clock. */
export type NewZone = Omit<Zone, 'updatedBy' | 'updatedAt'> & Partial<Pick<Zone, 'updatedBy' | 'updatedAt'>>;

/** `doc.open`'s reply. `ops` (committed ops after `since`) lets a returning client rebase exactly. */
export interface OpenReply extends DocSnapshot {
  ops?: DocOpEventData[];
}

interface Committed {
  version: number;
  op: Op;
  opId: string;
  userId?: string;
}

const EMPTY_DOC: ZoneDocument = Object.freeze(emptyDocument()) as ZoneDocument;

/**
 * Another client's record with edits, taken over (claimed) by a new client of the document, which already restores
 * one record of its own: a hidden document client restores this one, sends its edits, deletes it once they are
 * confirmed, and stops. Internal (`DocumentClient`'s fourth argument).
 */
export interface Adoption {
  record: PersistedDoc;
  release: ReleaseClaim;
}

/** A zone of `doc` (an own key only: a zone id may be any string). */
const zoneIn = (doc: ZoneDocument | undefined, zoneId: string): Zone | undefined =>
  doc !== undefined && Object.hasOwn(doc.zones, zoneId) ? doc.zones[zoneId] : undefined;

/**
 * A collaborative document on the client (get one with `client.doc(id)`). Edits apply at once to the
 * local document and go to the server one op at a time (later ones wait, composed, behind it); remote ops
 * are transformed past mine. A rejected op is rolled back cleanly (my later edits stay) and reported as
 * `rejected`. Edits made offline are kept (and persisted, with a `DocPersistence`) and sent after the
 * reconnect or the reload. Undo and redo are per user: they never revert someone else's work.
 *
 * @example
 * const doc = client.doc('42');
 * await doc.ready;
 * doc.editText('z1', { pos: 0, ins: 'Hello ' });
 * doc.on('rejected', (r) => toast(`Not saved: ${r.message}`));
 * const state = useSyncExternalStore(doc.subscribe, doc.getSnapshot);
 */
export class DocumentClient {
  readonly documentId: string;
  /** Resolves once the document is open (rejects if it cannot be: forbidden, closed). */
  readonly ready: Promise<void>;

  private readonly transport: DocTransport;
  private readonly options: DocumentClientOptions;
  private readonly timers: Timers;
  private readonly clock: Clock;
  private readonly persistence: DocPersistence;
  private readonly events: Emitter<DocumentEvents>;
  private readonly listeners = new Set<() => void>();
  /** The snapshot the subscribers were last told of. */
  private notified!: DocumentState;
  /**
   * Other users' ops were taken but not applied yet (SyncState defers them): the snapshot is built, and the
   * subscribers told, once at the end of this turn (or when `getSnapshot` is called), not after each op.
   */
  private snapshotDue = false;
  private notifyScheduled = false;
  private readonly disposers: Disposer[] = [];
  private readonly undoManager: UndoManager;
  private readonly lockKeeper: LockKeeper;
  private readonly newOpId = createIdGenerator();
  /** The key of my record in the persistence: a fresh one, or that of the record I took over. */
  private clientKey = randomPrefix();
  /** Gives up my claim on `clientKey` (after my last write). */
  private releaseClaim: ReleaseClaim | undefined;
  /** The last write to the persistence issued (the claim is given up once it settled). */
  private lastWrite: Promise<unknown> = Promise.resolve();
  /** How many unconfirmed edits of mine `lastWrite` saves (0: none, or not a save of my record). */
  private lastWriteOps = 0;
  /**
   * While the claim on a new key of mine (`giveBack`) is not granted yet: settles once it is (or failed). My writes
   * wait for it, in order: a record under a key nobody claims is another page's to take over.
   */
  private claimGate: Promise<void> | undefined;
  /** Hidden clients sending the edits of records of clients that are gone (see `Adoption`). */
  private readonly adopters = new Set<DocumentClient>();
  /** Claiming my key and loading the records (`load`): closing waits for it. */
  private loading: Promise<void> = Promise.resolve();
  /** Aborts the waits for live clients' records (`awaitRecord`) when I close. */
  private readonly stopWaiting = new AbortController();
  /** The keys of the records `awaitRecord` waits for. */
  private readonly awaited = new Set<string>();
  /** The keys of the records my hidden clients send (`adopt`). */
  private readonly adopting = new Set<string>();
  /** A `rescan` is under way. */
  private scanning = false;
  private readonly adoption: Adoption | undefined;

  private state: SyncState | null = null;
  private snapshot: DocumentState;
  /** The first open completed. */
  private opened = false;
  /** A `doc.open` is under way (first open or resync): events are buffered meanwhile. */
  private opening = false;
  private openToken = 0;
  private resyncAgain: ResyncReason | null = null;
  private failed = false;
  /** Why the document failed (`whenSynced` rejects with it). */
  private failure: SynclineError | null = null;
  private closed = false;
  /** `close()` was called: waiting (up to `closeTimer`) for my edits to be confirmed before closing. */
  private closing: { promise: Promise<void>; resolve(): void; reject(error: Error): void } | null = null;
  private closeTimer: TimerHandle | undefined;
  /**
   * Locks asked for while the document was not open, waiting for it to be (`lock`), by zone: one wish however many
   * calls wait on it (`waiting`); `unlock` (or a failure) gives it up for all of them.
   */
  private readonly lockWishes = new Map<string, { waiting: number }>();
  /** This client asked to enter the document's room (it leaves it on close). */
  private enteredRoom = false;
  /** The document was deleted: its saved edits are gone, and nothing is saved again. */
  private discarded = false;
  /** Re-entering the room after the server said I was not in it (`not_joined`): nothing is sent meanwhile. */
  private rejoining = false;
  /** The retry of an open answered `not_joined` enters the room first. */
  private rejoinFirst = false;
  /** A failed `join` waiting out its backoff: the timer, and what ends the wait early. */
  private joinRetry: { timer: TimerHandle; resume: () => void } | null = null;
  /** Committed ops that arrived while they could not be applied (opening, or after a gap). */
  private buffer: Committed[] = [];
  /**
   * The last committed ops (128 to 256), oldest first, gap-free (for `caretFromBase`); emptied by a re-open from a
   * snapshot. Kept only once carets are asked for: an app that shows no carets keeps no ops alive for them.
   */
  private recent: Committed[] = [];
  private keepRecent = false;
  /**
   * The people of this document as this replica last heard of them (the open's member list, joins, locks,
   * `users()`, the server's conflict notices): conflict notices found here name them, and apps read it (`user`).
   */
  private readonly people = new Map<string, DocUserInfo>();
  /**
   * The zones others deleted lately (the last `GONE_ZONES_KEPT`), as this replica last had them: what names a
   * deleted zone in a notice (`zone_deleted`) once it is gone from the document.
   */
  private readonly goneZones = new Map<string, ConflictZoneWords>();
  /** Ids `lookUpUsers` asked the server for (once each per replica; again after a failed request). */
  private readonly askedUsers = new Set<string>();
  /** A checksum for a version not reached yet. */
  private pendingChecksum: { version: number; checksum: string } | null = null;
  /** The in-flight op whose submit awaits its reply. */
  private awaitingReply: LocalOp | null = null;
  /**
   * An open's reply held back until the in-flight op's submit answers (`waitForInflightFate`): whether the
   * snapshot holds my op decides whose change the rebase tells the undo manager.
   */
  private heldOpen: { reply: OpenReply; reason: ResyncReason | null } | null = null;
  private retryTimer: TimerHandle | undefined;
  private retryDelay = RETRY_MIN_MS;
  private openRetryTimer: TimerHandle | undefined;
  private openRetryDelay = RETRY_MIN_MS;
  private openRetryReason: ResyncReason | null = null;
  private persistScheduled = false;
  private persistedEmpty = true;
  /** The state and its `revision` last saved (or found empty): nothing of mine changed since. */
  private persistedState: SyncState | null = null;
  private persistedRevision = -1;
  /** Writes issued so far: a failed one that no later write followed must be done again. */
  private persistWrites = 0;
  private persistRetryTimer: TimerHandle | undefined;
  private persistRetryDelay = RETRY_MIN_MS;
  /** `keepConfirmed`: the coming save of the confirmed state (nothing of mine unconfirmed). */
  private keepTimer: TimerHandle | undefined;
  /** The next slice of a big document's checksum (`verifyChecksum`). */
  private checksumTimer: TimerHandle | undefined;
  /** `keepConfirmed`: the version of the confirmed state stored as the record (none of my ops in it). */
  private persistedKeptVersion: number | undefined;
  /** A kept record (no edits) loaded before anyone said who is signed in: restored once the handshake says it is theirs. */
  private heldKept: { record: PersistedDoc; own: boolean } | null = null;
  /**
   * What is shown was restored from the persistence (or is a new document's empty start: `initial`) and the server
   * has not answered the first open yet.
   */
  private restoredView = false;
  /** The app's `beforeOpen`, called once (`openGate`): the room is entered, and the document opened, after it. */
  private gate: Promise<void> | undefined;
  /** The error `beforeOpen` failed with (my hidden clients fail with it too: told once, by me). */
  private gateError: SynclineError | undefined;
  /** Whose edits were restored from storage (checked against the user once signed in). */
  private restoredUserId: string | undefined;
  /** The opIds of the restored edits (the rest of my queue was made on this page). */
  private restoredOpIds = new Set<string>();
  /** Restored edits that another user typed on top of `restoredUserId`'s before a handshake (`typedBy`). */
  private restoredTypedBy: { userId: string; opIds: Set<string> } | undefined;
  /**
   * The record I restored and took over (its key is mine now), as it was loaded: given back as it was if the
   * handshake says it is another user's (`disown`).
   */
  private restoredRecord: PersistedDoc | undefined;
  private syncedWaiters: { resolve(): void; reject(error: SynclineError): void }[] = [];
  private resolveReady!: () => void;
  private rejectReady!: (error: SynclineError) => void;
  private ownerIdValue: string | undefined;
  private deletionValue: DocDeletion | null = null;

  constructor(
    transport: DocTransport,
    documentId: string,
    options: DocumentClientOptions = {},
    /** Internal: this client sends the edits of another client's record (see `Adoption`). */
    adoption?: Adoption,
  ) {
    this.adoption = adoption;
    this.transport = transport;
    this.documentId = documentId;
    this.options = options;
    this.timers = options.timers ?? defaultTimers;
    this.clock = options.clock ?? defaultClock;
    this.persistence = options.persistence ?? defaultDocPersistence(transport);
    this.events = new Emitter((error) => this.reportListenerError(error));
    this.undoManager = new UndoManager({ depth: options.undoDepth, captureMs: options.undoCaptureMs ?? 500 });
    this.lockKeeper = new LockKeeper({
      documentId,
      transport,
      timers: this.timers,
      clock: this.clock,
      renewMs: options.lockRenewMs,
      onChange: () => this.publish(),
      onLost: (zoneId, reason, forcedBy) => {
        // Taken (or my renewal refused): the lock is someone else's now, when the lock list says so. Forced: by whom
        // the server said (the document's owner).
        const holder = reason === 'taken' || reason === 'refused' ? this.lockKeeper.all[zoneId] : undefined;
        const by = holder !== undefined && holder.userId !== this.transport.userId ? holder.userId : forcedBy;
        this.events.emit('notice', {
          reason: 'lock_lost',
          zoneIds: [zoneId],
          partial: false,
          action: 'lock',
          detail: reason,
          ...(by === undefined ? {} : this.noticeAuthors([by])),
          ...this.noticeZoneWords([zoneId], 'lock_lost'),
        });
      },
      onError: (error) => this.events.emit('error', error),
    });
    this.ready = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => {}); // a rejection nobody awaits is not an error
    this.snapshot = this.buildSnapshot();
    this.notified = this.snapshot;
    this.listen();
    const globals = options.globals === null ? undefined : (options.globals ?? detectBrowserGlobals());
    if (options.keepConfirmed && globals) {
      // The page going away: save the confirmed state now rather than at the next coalesced save, which may never come.
      const flush = () => this.flushPersist();
      this.disposers.push(listen(globals, 'pagehide', flush));
      const page = globals.document;
      if (page)
        this.disposers.push(
          listen(page, 'visibilitychange', () => {
            if (page.visibilityState === 'hidden') flush();
          }),
        );
    }
    void this.start();
  }

  // ---- state ------------------------------------------------------------------------------------

  /** The local document (the server's plus my unconfirmed edits). */
  get doc(): ZoneDocument {
    return this.state?.doc ?? EMPTY_DOC;
  }

  /** The confirmed server version. */
  get version(): number {
    return this.state?.version ?? 0;
  }

  get status(): DocStatus {
    if (this.closed || this.closing) return 'closed'; // closing: the app is done with it (see `close()`)
    if (this.failed) return 'failed';
    if (!this.opened) return 'opening';
    if (this.opening || this.rejoining) return 'resyncing';
    return this.transport.state === 'open' ? 'open' : 'offline';
  }

  /** Zone locks by zone id. */
  get locks(): Readonly<Record<string, ZoneLock>> {
    return this.lockKeeper.all;
  }

  /** The document's owner (may force-unlock), from `doc.open`. */
  get ownerId(): string | undefined {
    return this.ownerIdValue;
  }

  /**
   * Who deleted the document, once the server said it was deleted while it was open here (`document_deleted`; the
   * client then fails with `not_found`); `null` otherwise, also for one found deleted on opening (the server does not
   * say who then).
   */
  get deletion(): DocDeletion | null {
    return this.deletionValue;
  }

  get canUndo(): boolean {
    return this.undoManager.canUndo();
  }

  get canRedo(): boolean {
    return this.undoManager.canRedo();
  }

  /** One zone of the local document. */
  zone(zoneId: string): Zone | undefined {
    return this.state?.zone(zoneId);
  }

  /** The state as one immutable object, the same until something in it changes. */
  getSnapshot = (): DocumentState => {
    if (this.snapshotDue) this.refreshSnapshot();
    return this.snapshot;
  };

  /**
   * Calls `listener` whenever `getSnapshot()` changes: at once, except for others' ops that only move the document
   * and its version, which are told once at the end of the turn that brought them (a burst of them is one call).
   */
  subscribe = (listener: () => void): Disposer => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** `change`, `conflict`, `rejected`, `notice`, `resync`, `error`. */
  on<K extends keyof DocumentEvents>(name: K, listener: (...args: DocumentEvents[K]) => void): Disposer {
    return this.events.on(name, listener);
  }

  /**
   * Resolves when the server has confirmed (or rejected) every edit made so far, or on `close()`. Rejects
   * when the document fails first (see `ready`): its edits will not be confirmed by this client.
   */
  whenSynced(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    if (this.isSynced()) return Promise.resolve();
    return new Promise((resolve, reject) => this.syncedWaiters.push({ resolve, reject }));
  }

  // ---- editing ----------------------------------------------------------------------------------

  /**
   * Applies `op` (a json1 op on the document) locally and submits it. Throws, changing nothing, when it
   * does not fit the local document or leaves a zone invalid. Returns false for a no-op.
   */
  submit(op: Op): boolean {
    return this.applyLocal(op, false);
  }

  /** Creates a zone; `updatedBy`/`updatedAt` are set from the user and the clock. Returns its id. */
  createZone(zone: NewZone): string {
    const stamp = this.stamp();
    const op = zoneCreate(zone as Zone, stamp);
    this.applyLocal(op, false);
    return zone.id;
  }

  /** Sets attributes of a zone (`page`, `bbox`, `type`, `label`, `confidence`). */
  updateZone(zoneId: string, attrs: ZoneAttrs): boolean {
    return this.applyLocal(
      zoneUpdate(zoneId, attrs, { current: this.requireZone(zoneId), stamp: this.stamp() }),
      false,
    );
  }

  /** Edits a zone's text: `{pos, del?, ins?}` (code points) or a text-unicode op. */
  editText(zoneId: string, edit: TextEdit): boolean {
    return this.applyLocal(
      zoneEdit(zoneId, edit, { current: this.requireZone(zoneId), stamp: this.stamp() }),
      false,
    );
  }

  deleteZone(zoneId: string): boolean {
    return this.applyLocal(zoneDelete(zoneId, this.requireZone(zoneId)), false);
  }

  /** Sets (or with `undefined` removes) a key of the document's `meta`. */
  setMeta(key: string, value: Json | undefined): boolean {
    return this.applyLocal(metaSet(key, value, this.requireState().doc.meta), false);
  }

  /** Undoes my latest edit (never someone else's); false when there was nothing to undo. */
  undo(): boolean {
    return this.step('undo');
  }

  redo(): boolean {
    return this.step('redo');
  }

  // ---- history ----------------------------------------------------------------------------------

  /**
   * The document's committed ops, described (who, when, what kind, which zones; not the ops themselves), in
   * version order: those with `from` < version ≤ `from + limit` (`limit` defaults to 100, at most 1,000).
   * Without `from`, the latest `limit` ops this replica knows of (up to `version`). The server keeps the whole
   * history, so older pages stay there to ask for.
   */
  async history(options: { from?: number; limit?: number } = {}): Promise<HistoryEntry[]> {
    const limit = Math.min(Math.max(1, Math.floor(options.limit ?? 100)), 1000);
    const from = options.from ?? Math.max(0, this.version - limit);
    const reply = await this.transport.request<{ entries: HistoryEntry[] }>(DOC_METHODS.history, {
      documentId: this.documentId,
      from,
      limit,
    });
    return reply.entries;
  }

  // ---- people -----------------------------------------------------------------------------------

  /**
   * What the document remembers of these users: the name (and avatar) each last opened it with, for naming the
   * authors of zones (`updatedBy`) and ops who are not around. Users it never saw are left out. Asks in requests
   * of at most 100 ids (`doc.users`).
   */
  async users(userIds: readonly string[]): Promise<DocUserInfo[]> {
    const ids = [...new Set(userIds)];
    const out: DocUserInfo[] = [];
    for (let i = 0; i < ids.length; i += DOC_USERS_MAX) {
      const reply = await this.transport.request<{ users: DocUserInfo[] }>(DOC_METHODS.users, {
        documentId: this.documentId,
        userIds: ids.slice(i, i + DOC_USERS_MAX),
      });
      out.push(...reply.users);
    }
    this.learnUsers(out);
    return out;
  }

  /** What this replica knows of a user: their name (and avatar) as last heard, `undefined` if never named. */
  user(userId: string): DocUserInfo | undefined {
    return this.people.get(userId);
  }

  /**
   * Asks the server (`users`) for the people in `userIds` this replica has no name for, each once per replica,
   * whoever asks; what arrives is told by a `users` event. A failed request is forgotten, so a later call asks
   * again (names are cosmetic: no error is reported).
   */
  lookUpUsers(userIds: Iterable<string>): void {
    const missing: string[] = [];
    for (const id of userIds) {
      if (this.people.has(id) || this.askedUsers.has(id)) continue;
      this.askedUsers.add(id);
      missing.push(id);
    }
    if (missing.length === 0) return;
    this.ready
      .then(() => this.users(missing))
      .catch(() => {
        for (const id of missing) this.askedUsers.delete(id);
      });
  }

  // ---- carets -----------------------------------------------------------------------------------

  /**
   * Starts keeping the recent committed ops that carets are placed through (`caretFromBase`), if not yet. Call
   * it as the document opens when you will show others' carets: a caret sent against a version from before the
   * first call cannot be placed exactly. The first call to `caretAtBase` or `caretFromBase` does it too.
   */
  keepOpsForCarets(): void {
    this.keepRecent = true;
  }

  /**
   * A caret of mine in a zone's text (code points of my copy) as a position in the server's version `v` of that
   * text: my unconfirmed edits taken out. Sent with the version (`cursor_update.selection.v`), it can be placed
   * exactly in anyone's copy (`caretFromBase`), whatever either of us typed meanwhile. `null` when the zone
   * exists only through my unconfirmed edits, or before the document is open.
   */
  caretAtBase(zoneId: string, pos: number): { v: number; pos: number } | null {
    this.keepOpsForCarets();
    const s = this.state;
    if (!s) return null;
    let p: number | null = pos;
    const mine = s.inflight ? [s.inflight, ...s.pending] : s.pending;
    for (let i = mine.length - 1; i >= 0 && p !== null; i--) p = caretBack(zoneId, p, mine[i].op);
    return p === null ? null : { v: s.version, pos: p };
  }

  /**
   * Where a caret placed against version `v` of a zone's text (another user's `caretAtBase`) is in my copy now:
   * carried through the ops committed since (its `owner`'s own typing at it goes before it) and through my
   * unconfirmed edits. `null` when it cannot be placed: `v` is ahead of my copy, older than the ops I keep (at least
   * the last 128, from `keepOpsForCarets` or the first call to this or `caretAtBase` on), or
   * the zone is gone.
   */
  caretFromBase(zoneId: string, v: number, pos: number, owner?: string): number | null {
    this.keepOpsForCarets();
    const s = this.state;
    if (!s || v > s.version) return null;
    let p: number | null = pos;
    if (v < s.version) {
      const first = this.recent.length - (s.version - v);
      if (first < 0 || this.recent[first]?.version !== v + 1) return null;
      for (let i = first; i < this.recent.length && p !== null; i++) {
        const r = this.recent[i];
        p = caretThrough(zoneId, p, r.op, owner !== undefined && r.userId === owner);
      }
    }
    for (const l of s.inflight ? [s.inflight, ...s.pending] : s.pending) {
      if (p === null) break;
      p = caretThrough(zoneId, p, l.op);
    }
    return p;
  }

  /** Keeps a committed op for `caretFromBase` (the last 128 at least, trimmed in steps: no shift per op). */
  private remember(rec: Committed): void {
    if (!this.keepRecent) return;
    const last = this.recent[this.recent.length - 1];
    if (last !== undefined && last.version + 1 !== rec.version) this.recent = []; // a gap: start again
    this.recent.push(rec);
    if (this.recent.length > 256) this.recent = this.recent.slice(-128);
  }

  // ---- locks ------------------------------------------------------------------------------------

  /**
   * Locks a zone for me (renewed while held); rejects with `zone_locked` when someone else holds it. Asked while
   * the document is not open (still being opened or created, offline, resyncing), the lock is asked for once it is
   * (the server would answer `not_joined` before): an `unlock` meanwhile gives it up (rejecting with `closed`), and
   * so do a failure and `close()`.
   */
  async lock(zoneId: string): Promise<ZoneLock> {
    if (this.snapshot.status !== 'open') {
      // A second call for the zone meanwhile (two components, a StrictMode effect run twice) waits on the same wish:
      // its own would have made the first one look given up.
      let wish = this.lockWishes.get(zoneId);
      if (!wish) this.lockWishes.set(zoneId, (wish = { waiting: 0 }));
      const mine = wish;
      mine.waiting++;
      const given = () => this.lockWishes.get(zoneId) !== mine;
      const done = () => {
        if (--mine.waiting === 0 && !given()) this.lockWishes.delete(zoneId);
      };
      try {
        await this.whenOpen();
      } catch (error) {
        done();
        throw error;
      }
      if (given()) {
        mine.waiting--;
        throw new SynclineError('closed', `the lock of ${zoneId} was given up before it was asked for`);
      }
      done();
    }
    return this.lockKeeper.lock(zoneId);
  }

  /** Releases my lock; `force` (the owner) releases anyone's. */
  unlock(zoneId: string, options: { force?: boolean } = {}): Promise<void> {
    this.lockWishes.delete(zoneId);
    return this.lockKeeper.unlock(zoneId, options.force);
  }

  /** Resolves once the document is open (its room entered), rejects when it fails or is closed first. */
  private whenOpen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const { status } = this.snapshot;
        if (status === 'open') resolve();
        else if (status === 'failed' || status === 'closed')
          reject(this.failure ?? new SynclineError('closed', 'the document was closed'));
        else return false;
        stop();
        return true;
      };
      const stop = this.subscribe(check);
      check();
    });
  }

  /** Whether I hold (and renew) the lock of `zoneId`. */
  holdsLock(zoneId: string): boolean {
    return this.lockKeeper.holds(zoneId);
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  /**
   * Closes the document. For the app at once: its status is `closed` and new edits throw `closed`. Then it
   * stops everything: every subscription and timer, my locks (released), the room (left); but first, while
   * connected, it goes on sending my unconfirmed edits for up to `timeoutMs` (default: the `closeTimeoutMs`
   * option, 10 s) until the server has confirmed (or refused) them all: a document sends one op at a time, so
   * stopped at once it would leave the last ones typed unsent. Meanwhile only the locks of zones those edits touch
   * are kept (someone else's lock would get them refused); the others are released as the wait starts. No waiting when nothing is unconfirmed, when not
   * connected (no waiting for a reconnect), when the document failed or is not open yet, or with `timeoutMs: 0`.
   * Meanwhile `client.doc()` of the same id gives a new client, which opens once this one is done. Edits still
   * unconfirmed then stay in the persistence for the next client of the document: by default (in memory, one per
   * `SynclineClient`) the next `client.doc()` of this client; across reloads only with a persistence such as
   * `IndexedDBDocPersistence`. Resolves once everything is stopped and the last save is written; calling it again
   * returns the same promise (`timeoutMs: 0` stops now). Rejects (`internal`, "could not save N unconfirmed edits",
   * the persistence's error as `cause`) when that last save failed with unconfirmed edits in it: they are lost.
   *
   * @example
   * await doc.close(); // my last edits reached the server, or are kept for the next client of the document
   * doc.close({ timeoutMs: 0 }); // everything stopped on return, unconfirmed edits left in the persistence
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (!this.closing) {
      let resolve!: () => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<void>((done, fail) => {
        resolve = done;
        reject = fail;
      });
      const settled = promise.catch(() => {}); // a failed last save is this close's caller's to hear, not the next's
      // What a new client of the document waits for: this close, and any before it still under way (a client
      // closed while waiting for one).
      let waiting = closingDocs.get(this.persistence);
      if (!waiting) closingDocs.set(this.persistence, (waiting = new Map()));
      const before = waiting.get(this.documentId);
      const after = before ? Promise.all([before, settled]).then(() => {}) : settled;
      waiting.set(this.documentId, after);
      const forget = waiting;
      void after.then(() => {
        if (forget.get(this.documentId) === after) forget.delete(this.documentId);
      });
      this.closing = { promise, resolve, reject };
      if (this.closed) resolve();
      else this.publish(); // `closed` for the app
    }
    const timeoutMs = options.timeoutMs ?? this.options.closeTimeoutMs ?? CLOSE_TIMEOUT_MS;
    if (!(timeoutMs > 0)) this.finishClose();
    else if (this.closeTimer === undefined && !this.closed) {
      // (setTimeout takes at most 2^31 - 1 ms: a longer wait, even Infinity, would fire at once.)
      this.closeTimer = this.timers.setTimeout(() => this.finishClose(), Math.min(timeoutMs, 2 ** 31 - 1));
      this.settleClose();
      if (!this.closed) this.releaseIdleLocks();
    }
    return this.closing.promise;
  }

  /**
   * Releases my zone locks except those of zones my unconfirmed edits touch: others need not see my locks while a
   * document I left sends its last edits (`close()` calls it as its wait starts; the React bindings as a document
   * nobody uses any more waits for them). Those edits' zones stay locked until then: the server refuses an edit in a
   * zone someone else locked, and another user could take the lock before my edit arrives.
   */
  releaseIdleLocks(): void {
    const s = this.state;
    const keep = new Set<string>();
    for (const mine of s ? (s.inflight ? [s.inflight, ...s.pending] : s.pending) : []) {
      const { zoneIds, touchesAllZones } = describeOp(mine.op);
      if (touchesAllZones) return; // keep them all
      for (const zoneId of zoneIds) keep.add(zoneId);
    }
    this.lockKeeper.release(keep);
  }

  /** `close()` was called and the document is still waiting for the server to confirm my last edits. */
  get isClosing(): boolean {
    return this.closing !== null && !this.closed;
  }

  /** While closing: closes once nothing is left worth waiting for (all confirmed, or no way to confirm it now). */
  private settleClose(): void {
    if (!this.closing || this.closed) return;
    const s = this.state;
    const stuck = this.failed || !this.opened || this.rejoining || this.transport.state !== 'open';
    if (stuck || s === null || s.unconfirmed === 0) this.finishClose();
  }

  private finishClose(): void {
    if (this.closed) return;
    this.flushPersist(); // so that a client created right after sees the latest edits (and confirmed state)
    this.closed = true;
    // My record is another client's to take over once my last write is done (not before: it could take the edits
    // that write deletes as confirmed); `close()` resolves after that, so a client made then can take it over.
    const release = this.releaseClaim;
    this.releaseClaim = undefined;
    const last = this.lastWrite;
    const lost = this.lastWriteOps;
    const written = Promise.allSettled([last, this.loading]).then(() => release?.());
    // An adopter's failed save leaves the record it took over as it was: its edits are still there for the next one.
    for (const adopter of this.adopters) adopter.close({ timeoutMs: 0 }).catch(noop);
    this.stopWaiting.abort();
    this.clearTimer('closeTimer');
    for (const dispose of this.disposers.splice(0)) dispose();
    this.lockKeeper.dispose();
    this.clearTimer('retryTimer');
    this.clearTimer('openRetryTimer');
    this.clearTimer('persistRetryTimer');
    this.clearTimer('keepTimer');
    this.clearTimer('checksumTimer');
    this.endJoinRetry();
    // Not before this client asked to enter it: a client closed while the one before it was closing (see `start`)
    // would take the room from that one.
    if (this.enteredRoom) this.transport.leave(docRoom(this.documentId)).catch(() => {});
    if (!this.opened) this.rejectReady(new SynclineError('closed', 'the document was closed'));
    for (const waiter of this.syncedWaiters.splice(0)) waiter.resolve();
    this.publish();
    this.listeners.clear();
    this.events.clear();
    const closing = this.closing;
    if (closing) {
      // The last save failed with unconfirmed edits in it: they are gone with this client. Said to whoever awaits
      // the close (the document's listeners are gone by then).
      const failed = (cause: unknown) =>
        lost > 0
          ? closing.reject(
              new SynclineError(
                'internal',
                `could not save ${lost} unconfirmed edit${lost === 1 ? '' : 's'}`,
                { cause },
              ),
            )
          : closing.resolve();
      void written.then(() => last.then(closing.resolve, failed));
    }
    this.options.onClose?.();
  }

  // ---- internals: opening -----------------------------------------------------------------------

  private listen(): void {
    const t = this.transport;
    const mine = (data: { documentId?: unknown }) => data.documentId === this.documentId;
    for (const type of OP_EVENTS) {
      this.disposers.push(t.subscribe(type, (data: unknown) => this.onOpEvent(data)));
    }
    this.disposers.push(
      t.subscribe('user_join', (d) => {
        if (mine(d)) this.learnUsers([{ userId: d.userId, name: d.userName, avatar: d.avatar }]);
      }),
      t.subscribe('zone_lock', (d) => {
        if (!mine(d)) return;
        this.learnUsers([{ userId: d.userId, name: d.userName }]);
        this.lockKeeper.locked({
          zoneId: d.zoneId,
          userId: d.userId,
          expiresAt: d.expiresAt,
          ...(d.userName === undefined ? {} : { userName: d.userName }),
        });
      }),
      t.subscribe('zone_unlock', (d) => {
        if (!mine(d)) return;
        if (d.byUserId) this.learnUsers([{ userId: d.byUserId, name: d.byUserName }]);
        this.lockKeeper.unlocked(d.zoneId, d.userId, d.reason, d.byUserId);
      }),
      t.subscribe('conflict', (d) => {
        if (!mine(d)) return;
        if (d.byUserId) this.learnUsers([{ userId: d.byUserId, name: d.byUserName }]);
        this.events.emit('conflict', {
          kind: d.kind,
          zoneId: d.zoneId ?? null,
          byUserId: d.byUserId ?? null,
          ...(d.byUserName === undefined ? {} : { byUserName: d.byUserName }),
          ...(d.zoneLabel === undefined ? {} : { zoneLabel: d.zoneLabel }),
          ...(d.zoneType === undefined ? {} : { zoneType: d.zoneType }),
          ...(d.zonePage === undefined ? {} : { zonePage: d.zonePage }),
          ...(d.zoneExcerpt === undefined ? {} : { zoneExcerpt: d.zoneExcerpt }),
          ...(d.attribute === undefined ? {} : { attribute: d.attribute }),
          ...(d.opId === undefined ? {} : { opId: d.opId }),
          message: d.message,
          origin: 'server',
        });
      }),
      t.subscribe('doc_checksum', (d) => {
        if (mine(d)) this.onChecksum(d.version, d.checksum);
      }),
      // Gone for good: nothing more can be opened, confirmed or locked (the server released every lock).
      t.subscribe('document_deleted', (d) => {
        if (!mine(d) || this.closed) return;
        this.lockKeeper.dispose();
        const byMe = d.deletedBy !== undefined && d.deletedBy === this.transport.userId;
        this.deletionValue = {
          ...(d.deletedBy === undefined ? {} : { byUserId: d.deletedBy }),
          ...(d.deletedByName === undefined ? {} : { byUserName: d.deletedByName }),
          byMe,
        };
        // Deleted by me (another tab or device of mine): said so, not by my own name.
        const by = byMe ? 'you' : (d.deletedByName ?? d.deletedBy);
        this.fail(new SynclineError('not_found', `the document was deleted${by ? ` by ${by}` : ''}`));
      }),
      t.on('welcome', (welcome) => this.onWelcome(welcome)),
      // The client emits `welcome` just before its state turns `open`: send what waits on either.
      t.on('state', (status) => {
        if (status.state === 'open') this.afterChange();
        else {
          this.publish();
          this.settleClose(); // closing: no waiting for a reconnect
        }
      }),
      // Also while the first open is under way: its reply may predate the events the reset skipped (answered
      // before the socket dropped, or stored by a server that de-duplicates every request), so open again after.
      t.on('reset', (reset) => {
        if (reset.room === docRoom(this.documentId) && (this.opened || this.opening)) this.open('reset');
      }),
    );
  }

  private async start(): Promise<void> {
    // An id no document can have (a mistyped address): its room name would be refused with the whole handshake of the
    // connection (a malformed room in hello.rooms), taking every other room and document down with it.
    if (!isValidRoom(docRoom(this.documentId))) {
      this.fail(
        new SynclineError(
          'invalid',
          `documentId: 1-128 characters of [A-Za-z0-9_.@~|+=:-], got ${JSON.stringify(String(this.documentId).slice(0, 64))}`,
        ),
      );
      return;
    }
    // A client of this document that is closing may still save or delete its record: load what it leaves.
    const closing = closingDocs.get(this.persistence)?.get(this.documentId);
    if (closing) await closing;
    if (this.closed) {
      this.adoption?.release(); // a hidden client closed before it took its record: the record is free again
      return;
    }
    // The app's creation of a new document, under way while the records load (`beforeOpen`).
    const gate = this.openGate();
    // Closing waits for this (claims taken meanwhile are given up at once): a client made right after finds them free.
    this.loading = this.load();
    await this.loading;
    if (this.closed) return;
    try {
      await gate;
    } catch (error) {
      this.fail(error as SynclineError);
      return;
    }
    if (this.closed) return;
    if (await this.enterRoom()) {
      const held = this.heldKept;
      this.heldKept = null;
      if (held && this.state === null && this.keptRecordOwner(held.record) === 'me')
        this.restore(held.record, held.own);
      else if (held?.own) this.giveBack(null); // not mine after all: their kept copy stays theirs
      this.open(null);
    }
  }

  /** Claims my key, loads the records, and shows the one to restore. */
  private async load(): Promise<void> {
    // My fresh key is claimed before anything can be saved under it (else another tab could take my record over).
    const fresh = await this.claim(this.clientKey, true).catch(() => null);
    if (fresh) this.holdClaim(fresh);
    if (this.closed) {
      this.adoption?.release();
      return;
    }
    try {
      const found = this.adoption ? this.takeOver(this.adoption) : await this.loadRecord();
      if (!this.closed && found && this.state === null) {
        // A kept confirmed state (no edits of mine) is shown only to the user who kept it: to whom the app says is
        // signed in (`userId`) before the handshake, else once the handshake says who (as the room is entered).
        const owner = this.keptRecordOwner(found.record);
        if (owner === 'me' || owner === 'edits') this.restore(found.record, found.own);
        else if (owner === 'unknown') this.heldKept = found;
        else if (found.own) this.giveBack(null); // another user's kept copy: theirs, not mine to save over
      }
    } catch (cause) {
      this.events.emit('error', new SynclineError('internal', 'could not load saved edits', { cause }));
    }
    // A new document with nothing of it saved here: shown, and editable, from its empty start (`initial`).
    if (!this.closed && this.state === null && this.heldKept === null && this.options.initial === 'empty')
      this.startEmpty();
  }

  /**
   * Starts a new document from the empty document at version 0: what every document is at version 0 on the server,
   * so my edits made from it are based on a version the server has, and are transformed over whatever it committed
   * after it (the creation's, or the content of a document whose id turned out taken) when they are submitted.
   */
  private startEmpty(): void {
    this.state = new SyncState(emptyDocument(), 0);
    this.restoredView = true;
    this.publish();
  }

  /**
   * The app's `beforeOpen`, called once (in a later job: never inside the constructor), its failure as a
   * `SynclineError`. Resolves at once without one.
   */
  private openGate(): Promise<void> {
    if (!this.gate) {
      const beforeOpen = this.options.beforeOpen;
      const signal = this.stopWaiting.signal;
      this.gate = beforeOpen
        ? Promise.resolve()
            .then(() => beforeOpen({ signal }))
            .then(
              () => {},
              (error: unknown) => {
                const e = asError(error, error instanceof Error ? error.message : 'beforeOpen failed');
                this.gateError = e;
                throw e;
              },
            )
        : Promise.resolve();
      this.gate.catch(() => {}); // told by `fail`
    }
    return this.gate;
  }

  /**
   * Loads the document's records (one per client that saved one) and takes over those whose clients are gone
   * (`DocPersistence.claim`): the newest with edits (else the newest without) becomes mine, restored here and saved
   * under its key from now on; the others are taken over as well (`takeOverLater`). Records of live clients
   * (another tab) are left to them until they are gone (`awaitRecord`); when there is no other, the newest one's
   * confirmed state (without its edits) is shown until the server answers. Whose edits they are is sorted out as
   * before, once the handshake says who is signed in (another user's are not sent).
   */
  private async loadRecord(): Promise<{ record: PersistedDoc; own: boolean } | undefined> {
    const records = (await this.persistence.loadAll(this.documentId))
      .filter(isPersistedDoc)
      .sort((a, b) => b.savedAt - a.savedAt);
    const taken: Adoption[] = [];
    const live: PersistedDoc[] = [];
    // All at once: a claim may take a while (without Web Locks, the time other pages have to answer).
    const claims = await Promise.allSettled(records.map((record) => this.claim(clientKeyOf(record))));
    let failure: { reason: unknown } | undefined;
    claims.forEach((claim, i) => {
      if (claim.status === 'rejected') failure ??= claim;
      else if (claim.value === null) live.push(records[i]);
      else taken.push({ record: records[i], release: claim.value });
    });
    if (failure) {
      for (const t of taken) t.release(); // else held, unused, for the page's life
      throw failure.reason;
    }
    if (this.closed) {
      for (const t of taken) t.release();
      return undefined;
    }
    const mine = taken.find((t) => hasEdits(t.record)) ?? taken[0];
    // The confirmed state I will keep: older ones are then dropped (see `takeOverLater`).
    const keeping = mine && !hasEdits(mine.record) ? mine.record.version : undefined;
    for (const t of taken) if (t !== mine) this.takeOverLater(t, keeping);
    for (const record of live) this.awaitRecord(clientKeyOf(record));
    if (mine) return this.takeOver(mine);
    const view = newestRecord(live);
    if (!view) return undefined;
    // Another client's record, in use: its confirmed state only, as if kept by me (its edits are its own to send).
    const { typedBy: _, ...confirmed } = view;
    return { record: { ...confirmed, inflight: null, pending: [], opIds: [] }, own: false };
  }

  /**
   * Another claimed record besides mine: its edits are sent by a hidden client (`adopt`); without edits (a confirmed
   * state) it is deleted when the confirmed state I keep (`keeping`, its version) is as recent, else left as it is:
   * the copy a later client opens offline from.
   */
  private takeOverLater(t: Adoption, keeping = this.persistedKeptVersion): void {
    const me = this.transport.userId ?? this.options.userId;
    // Another user's: theirs to send (their next client of the document on this device), not mine.
    if (
      me !== undefined &&
      t.record.userId !== undefined &&
      t.record.userId !== me &&
      t.record.typedBy?.userId !== me // with edits of mine typed on top: adopted (it sends mine, gives theirs back)
    )
      t.release();
    else if (hasEdits(t.record)) this.adopt(t);
    else if (this.options.keepConfirmed && keeping !== undefined && keeping >= t.record.version)
      void this.persistence.delete(this.documentId, clientKeyOf(t.record)).then(t.release, t.release);
    else t.release();
  }

  /**
   * Waits for the live client holding the record `clientKey` (another tab) to be gone, then takes that record over
   * (`takeOverLater`): its edits are sent now rather than at the next load of the document. Stops when I close.
   */
  private awaitRecord(clientKey: string): void {
    const p = this.persistence;
    const signal = this.stopWaiting.signal;
    const waiting = p.claim
      ? p.waitForClaim?.(this.documentId, clientKey, signal)
      : pageClaims(p).waitForClaim(this.documentId, clientKey, signal);
    if (!waiting) return;
    this.awaited.add(clientKey);
    void waiting.then(async (release) => {
      this.awaited.delete(clientKey);
      if (!release) return;
      if (this.failed) {
        release(); // nothing more is sent from here
        return;
      }
      try {
        const record = this.closed
          ? undefined
          : (await p.loadAll(this.documentId)).find((r) => isPersistedDoc(r) && clientKeyOf(r) === clientKey);
        // Gone with nothing left (all confirmed), or I closed meanwhile.
        if (!record || this.closed) release();
        else this.takeOverLater({ record, release });
      } catch (cause) {
        release();
        this.events.emit('error', new SynclineError('internal', 'could not load saved edits', { cause }));
      }
    });
  }

  /**
   * Looks again for records of other clients of the document (after a reconnect): those saved by tabs opened after
   * my load, which I do not know of. A free one is taken over (`takeOverLater`), a live one awaited (`awaitRecord`).
   */
  private async rescan(): Promise<void> {
    if (this.scanning || this.adoption || this.closed || this.failed) return;
    this.scanning = true;
    try {
      for (const record of (await this.persistence.loadAll(this.documentId)).filter(isPersistedDoc)) {
        const key = clientKeyOf(record);
        // Not my own adopters' records: one that failed would be taken again, and fail again, at once.
        if (key === this.clientKey || this.awaited.has(key) || this.adopting.has(key)) continue;
        const release = await this.claim(key);
        if (this.closed) {
          release?.();
          return;
        }
        if (release) this.takeOverLater({ record, release });
        else this.awaitRecord(key);
      }
    } catch (cause) {
      this.events.emit('error', new SynclineError('internal', 'could not load saved edits', { cause }));
    } finally {
      this.scanning = false;
    }
  }

  /** Makes `adoption`'s record mine: restored here, saved under its key. */
  private takeOver(adoption: Adoption): { record: PersistedDoc; own: boolean } {
    const fresh = this.releaseClaim; // nothing was saved under my fresh key
    this.releaseClaim = undefined;
    this.clientKey = clientKeyOf(adoption.record);
    this.holdClaim(adoption.release);
    fresh?.();
    return { record: adoption.record, own: true };
  }

  /** Claims the record `clientKey` (`fresh`: my new random key, nobody else's). */
  private claim(clientKey: string, fresh = false): Promise<ReleaseClaim | null> {
    const p = this.persistence;
    return p.claim
      ? p.claim(this.documentId, clientKey, { fresh })
      : pageClaims(p).claim(this.documentId, clientKey);
  }

  /**
   * The record I restored and took over is another user's (the handshake says who I am): it is written back as it was
   * loaded, without any edits of mine typed on top before a handshake (`typedBy`: I send those), and given back
   * (`giveBack`). Before, my saves (their edits taken out) replaced it, and the edits another user left unsent on this
   * device were lost.
   */
  private disown(): void {
    const original = this.restoredRecord;
    this.restoredRecord = undefined;
    if (!original || clientKeyOf(original) !== this.clientKey) return;
    const me = this.transport.userId;
    const mine = new Set(original.typedBy?.userId === me ? original.typedBy?.opIds : []);
    const { typedBy: _, ...theirs } = original;
    const record: PersistedDoc =
      mine.size === 0
        ? original
        : {
            ...theirs,
            // Mine are the last ones (typed on top of theirs): what is left is still expressed as it was.
            inflight: original.inflight && mine.has(original.inflight.opId) ? null : original.inflight,
            pending: original.pending.filter((p) => !mine.has(p.opId)),
            opIds: original.opIds.filter((id) => !mine.has(id)),
          };
    this.giveBack(record);
  }

  /**
   * Gives back the record whose key I took over (another user's): written back as `record` first when given, its claim
   * given up after that, and my saves go under a new key of my own from now on.
   */
  private giveBack(record: PersistedDoc | null): void {
    const release = this.releaseClaim;
    this.releaseClaim = undefined;
    this.clientKey = randomPrefix();
    let write: Promise<void> = Promise.resolve();
    if (record !== null) {
      try {
        write = this.persistence.save(record);
      } catch (cause) {
        write = Promise.reject(cause);
      }
      this.lastWrite = write;
      this.lastWriteOps = 0;
    }
    write.then(
      () => release?.(),
      (cause) => {
        release?.();
        if (!this.closed)
          this.events.emit('error', new SynclineError('internal', 'could not save edits', { cause }));
      },
    );
    // Nothing of mine is stored under the new key yet, and nothing is until it is claimed (`claimGate`). A claim that
    // fails does not stop my saves: unclaimed, they can be taken over, but not saving would lose my edits on a reload.
    this.persistedEmpty = true;
    this.persistedState = null;
    this.persistedRevision = -1;
    this.persistedKeptVersion = undefined;
    const key = this.clientKey;
    const gate = this.claim(key, true).then(
      (claimed) => {
        if (!claimed) return;
        if (key === this.clientKey) this.holdClaim(claimed);
        else void Promise.allSettled([this.lastWrite]).then(() => claimed()); // given back again meanwhile
      },
      () => {},
    );
    this.claimGate = gate;
    // Registered before any write waits on the gate, so it runs first: a write issued after it goes straight out, and
    // those that waited are issued before it (all at once, in order, in the jobs that follow).
    void gate.then(() => {
      if (this.claimGate === gate) this.claimGate = undefined;
    });
    this.persistSoon();
  }

  /**
   * Issues a write to the persistence now, or, while the claim on my new key is asked for (`claimGate`), once it is
   * settled: writes keep the order they were made in either way.
   */
  private issueWrite(write: () => Promise<void>): Promise<void> {
    if (this.claimGate) return this.claimGate.then(write);
    try {
      return write();
    } catch (cause) {
      return Promise.reject(cause);
    }
  }

  /** Keeps `release` until I close; if I closed meanwhile, gives it up once my last write is done. */
  private holdClaim(release: ReleaseClaim): void {
    if (!this.closed) this.releaseClaim = release;
    else void Promise.allSettled([this.lastWrite]).then(() => release());
  }

  /**
   * A hidden document client for another client's record with edits (`Adoption`): it restores the record, sends
   * the edits, deletes the record once they are confirmed and stops (after `ADOPT_TIMEOUT_MS` at most, leaving what
   * is unconfirmed for the next client). It shares my room (`sharingRoom`); its conflicts and notices are mine.
   */
  private adopt(adoption: Adoption): void {
    const key = clientKeyOf(adoption.record);
    this.adopting.add(key);
    const adopter: DocumentClient = new DocumentClient(
      sharingRoom(this.transport),
      this.documentId,
      {
        persistence: this.persistence,
        timers: this.timers,
        clock: this.clock,
        logger: this.options.logger,
        userId: this.options.userId,
        globals: null,
        closeTimeoutMs: ADOPT_TIMEOUT_MS,
        // Not opened before the document is created (a deleted id's open would drop every record of it).
        ...(this.options.beforeOpen ? { beforeOpen: () => this.openGate() } : {}),
        onClose: () => {
          this.adopters.delete(adopter);
          this.adopting.delete(key);
        },
      },
      adoption,
    );
    this.adopters.add(adopter);
    // Its conflicts noticed here, refusals and failure are mine to tell; the server's conflicts reach me already
    // (they are sent to the user, and I hear them as it does).
    adopter.on('conflict', (conflict) => {
      if (conflict.origin !== 'server') this.events.emit('conflict', conflict);
    });
    adopter.on('notice', (notice) => this.events.emit('notice', notice));
    adopter.on('rejected', (rejection) => this.events.emit('rejected', rejection));
    adopter.ready
      .then(
        () => adopter.close(),
        (error: SynclineError) => {
          // `beforeOpen`'s failure is mine too, told by me.
          if (error.code !== 'closed' && !this.closed && error !== this.gateError)
            this.events.emit('error', error);
          return adopter.close({ timeoutMs: 0 });
        },
      )
      .catch(noop); // a failed last save leaves the record it took over as it was
  }

  /**
   * Whose record this is, for one without unconfirmed edits (`keepConfirmed`): `me` (the signed-in user, or before
   * the handshake the `userId` option), `other`, or `unknown` (no one said yet); `edits` for a record with edits
   * (restored as before: another user's are sorted out once the handshake says who is signed in).
   */
  private keptRecordOwner(record: PersistedDoc): 'me' | 'other' | 'unknown' | 'edits' {
    if (record.inflight !== null || record.pending.length > 0) return 'edits';
    const me = this.transport.userId ?? this.options.userId;
    if (me === undefined) return 'unknown';
    return record.userId === me ? 'me' : 'other';
  }

  /**
   * Enters the document's room. A transient failure (a `timeout` on a slow network, `unavailable`, ...) is
   * retried with backoff, as opens are; a refusal (`forbidden`, `invalid_room`, ...) fails the document.
   * True once in the room (and neither closed nor failed meanwhile).
   */
  private async enterRoom(): Promise<boolean> {
    let delay = RETRY_MIN_MS;
    for (;;) {
      if (this.closed || this.failed) return false;
      try {
        this.enteredRoom = true;
        await this.transport.join(docRoom(this.documentId));
        return !this.closed && !this.failed;
      } catch (error) {
        if (this.closed) return false;
        const e = asError(error, 'could not join the document');
        if (e.code === 'closed') {
          // The client is closed (this document was made on a closed client, or the client closed as it joined):
          // nothing will open it, so it closes too (`ready` rejects `closed`), rather than wait for ever.
          this.close({ timeoutMs: 0 }).catch(noop); // the app awaits `ready`, which rejects `closed`
          return false;
        }
        if (!TRANSIENT_CODES.has(e.code)) {
          this.fail(e);
          return false;
        }
        this.events.emit('error', e);
        // The registry kept the room and its last seq (`RoomRegistry.refused`): joining again asks for what was
        // missed since, and the next connection's `hello` re-enters it anyway.
        await new Promise<void>((resume) => {
          this.joinRetry = { timer: this.timers.setTimeout(() => this.endJoinRetry(), delay), resume };
        });
        delay = Math.min(RETRY_MAX_MS, delay * 2);
      }
    }
  }

  /** Ends the backoff of a failed join now (a new connection is worth trying at once; or closing). */
  private endJoinRetry(): void {
    const retry = this.joinRetry;
    if (!retry) return;
    this.joinRetry = null;
    this.timers.clearTimeout(retry.timer);
    retry.resume();
  }

  /**
   * The server says this session is not in the document's room (`not_joined`: it refused to re-enter it after
   * a reconnect, or the re-entry is still under way): enter it again, then re-open (ops may have been missed)
   * with `reason` (null: the first open). Edits wait meanwhile; a refusal fails the document.
   */
  private rejoin(reason: ResyncReason | null): void {
    if (this.rejoining || this.closed || this.failed) return;
    if (this.closing) {
      this.finishClose(); // no entering the room again to send the last edits: they stay in the persistence
      return;
    }
    this.rejoining = true;
    this.publish();
    void this.enterRoom().then((entered) => {
      this.rejoining = false;
      if (entered) this.open(reason);
      this.afterChange();
    });
  }

  /** Shows `record` (and will send its edits); `own`: it is my record (else a copy of another client's). */
  private restore(record: PersistedDoc, own = true): void {
    const { doc: serverDoc, complete } = replayRecord(record);
    if (!complete) {
      // Saved while my copy had diverged: shown as the live client had it; the open rebases it onto the server's
      // snapshot, and a restored edit that no longer fits is dropped (said here, as nothing else would).
      this.events.emit(
        'error',
        new SynclineError('internal', 'a saved record did not apply in full: it is repaired from the server'),
      );
    }
    // Every restored op may have reached the server before the reload: re-sent with its opId.
    const restored = (p: PersistedOp, sent: boolean): LocalOp => ({
      opId: p.opId,
      op: p.op,
      sent,
      mayBeIncluded: true,
      // A record of an older version, or a value that is not a version there: the version they are expressed against.
      madeAt:
        Number.isSafeInteger(p.madeAt) && (p.madeAt as number) >= 0 && (p.madeAt as number) <= record.version
          ? p.madeAt
          : record.version,
      clashed: true,
    });
    this.restoredUserId = record.userId;
    this.restoredRecord = own ? record : undefined;
    const typedBy = new Set(record.typedBy?.opIds);
    this.restoredOpIds = new Set(
      [...(record.inflight ? [record.inflight] : []), ...record.pending]
        .map((p) => p.opId)
        .filter((id) => !typedBy.has(id)),
    );
    this.restoredTypedBy = record.typedBy ? { userId: record.typedBy.userId, opIds: typedBy } : undefined;
    this.state = new SyncState(
      serverDoc,
      record.version,
      record.inflight ? restored(record.inflight, true) : null,
      record.pending.map((p) => restored(p, false)),
    );
    // Saved from here on with the same snapshot and ops: a persistence that stores the snapshot once need not again.
    if (record.format === 2 && complete) this.state.continueJournal(record.snapshot, record.committed ?? []);
    this.persistedEmpty = !own;
    const kept = record.inflight === null && record.pending.length === 0;
    this.persistedKeptVersion = kept && own ? record.version : undefined;
    this.restoredView = true;
    this.emitChange(null, 'resync', undefined, true);
    this.publish();
  }

  /** Sends `doc.open` (first open with `reason` null, else a resync). Events are buffered until it answers. */
  private open(reason: ResyncReason | null): void {
    if (this.closed || this.failed) return;
    if (this.opening) {
      if (reason && this.resyncAgain !== 'checksum') this.resyncAgain = reason;
      return;
    }
    this.clearTimer('openRetryTimer');
    this.opening = true;
    const token = ++this.openToken;
    const since = this.state?.version;
    // My op in flight, and the restored ones after it that may have been sent before a reload (a record is saved a
    // turn after a send), which the server may have committed already (their answers lost): should the reply carry no
    // ops, it says which and where (`committed`), so the snapshot holding them does not show them twice.
    const s = this.state;
    const maybe: string[] = [];
    if (s?.inflight && unanswered(s.inflight)) maybe.push(s.inflight.opId);
    for (const p of s?.pending ?? []) {
      if (!p.mayBeIncluded || maybe.length >= MAX_OPEN_OP_IDS) break;
      maybe.push(p.opId);
    }
    const data = {
      documentId: this.documentId,
      ...(since === undefined ? {} : { since }),
      ...(reason ? { reason } : {}),
      ...(maybe.length > 0 ? { opIds: maybe } : {}),
    };
    this.publish();
    this.lockKeeper.opening();
    this.transport.request<OpenReply>(DOC_METHODS.open, data).then(
      (reply) => {
        if (token !== this.openToken || this.closed) return;
        this.opening = false;
        if (!reply || typeof reply.version !== 'number') {
          this.retryOpen(reason);
          return;
        }
        this.openRetryDelay = RETRY_MIN_MS;
        if (this.waitForInflightFate(reply, reason)) return;
        this.applyOpen(reply, reason);
      },
      (error: unknown) => {
        if (token !== this.openToken || this.closed) return;
        this.opening = false;
        const e = asError(error, 'could not open the document');
        if (TRANSIENT_CODES.has(e.code)) {
          this.events.emit('error', e);
          this.retryOpen(reason);
        } else if (e.code === 'not_joined') {
          // Not in the room: enter it again first, after the open's backoff (no loop at network speed).
          this.rejoinFirst = true;
          this.retryOpen(reason);
        } else if (e.code !== 'closed') this.fail(e);
      },
    );
  }

  private retryOpen(reason: ResyncReason | null): void {
    this.opening = true; // still waiting for a document: keep buffering
    const delay = this.openRetryDelay;
    this.openRetryDelay = Math.min(RETRY_MAX_MS, delay * 2);
    this.openRetryReason = reason;
    this.openRetryTimer = this.timers.setTimeout(() => this.reopen(), delay);
    this.publish();
  }

  /** The retry of a failed open, now. */
  private reopen(): void {
    this.clearTimer('openRetryTimer');
    this.opening = false;
    if (this.rejoinFirst) {
      this.rejoinFirst = false;
      this.rejoin(this.openRetryReason);
    } else this.open(this.openRetryReason);
  }

  /**
   * Whether to hold an open's reply back until my in-flight op's submit answers. An open without the ops that
   * lead to its snapshot cannot tell whether the snapshot holds that op: the rebase would show it twice (my copy
   * in flight and the snapshot's) until the answer, and taking my copy out then would empty my undo step (as if
   * someone else had removed my edit). So the reply waits (events are buffered meanwhile, as during any open);
   * an op whose answer was lost (a dropped socket) is asked about again: sent as it was (same op, `v` and opId),
   * the server answers `duplicate` if it has it. Not on the first open, whose restored edits may be another
   * user's (`applyOpen` sorts them out before anything is sent).
   */
  private waitForInflightFate(reply: OpenReply, reason: ResyncReason | null): boolean {
    const s = this.state;
    const mine = s?.inflight;
    if (!s || !mine || !this.opened || !unanswered(mine) || reply.version <= s.version) return false;
    if (coversOps(reply.ops, s.version, reply.version)) return false;
    if (this.committedIn(reply, mine, s.version, reply.version) !== undefined) return false;
    if (this.awaitingReply !== mine && this.retryTimer === undefined) {
      if (this.transport.state !== 'open') return false;
      this.send(mine);
    }
    this.heldOpen = { reply, reason };
    this.opening = true;
    this.publish();
    return true;
  }

  /** The held open goes on once my in-flight op's fate is known (or, with `force`, without it). */
  private releaseHeldOpen(force = false): void {
    const held = this.heldOpen;
    const mine = this.state?.inflight;
    if (!held || (!force && mine && unanswered(mine))) return;
    this.heldOpen = null;
    this.opening = false;
    this.applyOpen(held.reply, held.reason);
  }

  /**
   * The version in `(from, to]` at which the server committed my op, if an open's reply says: its `ops` hold it, or
   * (without ops) its `committed` names it (the server looked up the op ids the open sent).
   */
  private committedIn(reply: OpenReply, mine: LocalOp, from: number, to: number): number | undefined {
    const me = this.transport.userId;
    const version =
      reply.ops?.find((r) => r.opId === mine.opId && (me === undefined || r.userId === me))?.version ??
      (Array.isArray(reply.committed)
        ? reply.committed.find((c) => c?.opId === mine.opId && Number.isSafeInteger(c.version))?.version
        : undefined);
    return version !== undefined && version > from && version <= to ? version : undefined;
  }

  private applyOpen(reply: OpenReply, reason: ResyncReason | null): void {
    const snapshot = asDocument(reply.snapshot);
    const version = reply.version;
    this.ownerIdValue = reply.ownerId;
    this.lockKeeper.replace(reply.locks ?? []);
    this.learnUsers([
      ...(reply.members ?? []).map((m) => ({ userId: m.userId, name: m.userName, avatar: m.avatar })),
      ...(reply.locks ?? []).map((l) => ({ userId: l.userId, name: l.userName })),
    ]);

    const me = this.transport.userId;
    // The record I restored is another user's: theirs to send (or to open offline), not mine to overwrite.
    if (me !== undefined && this.restoredUserId !== undefined && this.restoredUserId !== me) this.disown();
    // A kept confirmed state (no edits) restored for the user the app named (`userId`), and the handshake says
    // someone else is signed in: not theirs to see, nor a base for their edits: the server's snapshot replaces it.
    if (
      this.restoredView &&
      this.state?.unconfirmed === 0 &&
      me !== undefined &&
      this.restoredUserId !== undefined &&
      this.restoredUserId !== me
    ) {
      this.state = null;
      this.undoManager.clear();
      this.persistedKeptVersion = undefined; // the stored record is theirs: mine replaces it
    }
    this.restoredView = false;
    // The restored edits saved by someone else on this device (a record's `userId`, and its `typedBy`).
    // Only a leading run can be taken out: `typedBy` edits of another user behind my own restored ones stay.
    const notMine = new Set<string>();
    const firstTheirs = me !== undefined && this.restoredUserId !== undefined && this.restoredUserId !== me;
    if (firstTheirs) for (const id of this.restoredOpIds) notMine.add(id);
    const typedBy = this.restoredTypedBy;
    if (
      me !== undefined &&
      typedBy &&
      typedBy.userId !== me &&
      (firstTheirs || this.restoredOpIds.size === 0)
    )
      for (const id of typedBy.opIds) notMine.add(id);
    if (this.state && notMine.size > 0) {
      // Edits saved by someone else on this device: not mine to submit. They come first in the queue (never
      // composed with later ops); what follows was typed here before the handshake told who I am: mine, kept.
      const state = this.state;
      const theirs = [state.inflight, ...state.pending].filter((p) => p && notMine.has(p.opId));
      this.events.emit('notice', {
        reason: 'discarded_other_user',
        zoneIds: [...new Set(theirs.flatMap((p) => describeOp(p?.op ?? null).zoneIds))],
        partial: false,
        action: 'restore',
      });
      const before = state.doc;
      while (state.unconfirmed > 0 && notMine.has((state.inflight ?? state.promote())?.opId ?? '')) {
        this.dropInflight(null);
      }
      if (state.unconfirmed === 0) {
        this.state = null;
        this.undoManager.clear();
      } else {
        const gone = diffDocuments(before, state.doc);
        this.undoManager.recordRemote(gone);
        this.emitChange(gone, 'resync');
      }
    }
    this.restoredUserId = undefined;
    this.restoredRecord = undefined;
    this.restoredOpIds.clear();
    this.restoredTypedBy = undefined;

    const state = this.state;
    const fromVersion = state?.version ?? version;
    let method: 'ops' | 'snapshot' | 'none' = 'none';
    if (!state) {
      this.state = new SyncState(snapshot, version);
      this.emitChange(null, 'remote', undefined, true);
    } else {
      const exact = reason !== 'checksum' && reason !== 'diverged';
      if (exact && state.version < version && coversOps(reply.ops, state.version, version)) {
        method = 'ops';
        for (const rec of reply.ops ?? []) {
          if (rec.version <= state.version) continue;
          if (this.applyCommitted(toCommitted(rec)) !== 'ok') break;
        }
      }
      // The ops (or `committed`) tell whether the snapshot holds my in-flight op (its reply may come after this one,
      // or never).
      const flying = state.inflight;
      if (flying && unanswered(flying))
        flying.committedAt = this.committedIn(reply, flying, state.version, version);
      if (state.version !== version || checksum(state.serverDoc) !== checksum(snapshot)) {
        method = 'snapshot';
        // My in-flight op is in the snapshot (its reply, or the ops, said so): it is part of the server document
        // the snapshot follows, as its event would have made it. Rebased while in flight, it would be shown twice
        // (my copy and the snapshot's, which `change` brings as someone else's), and taking my copy out then would
        // empty my undo step and put what I typed after it before it.
        // So are the restored ops after it that the reply names: acked in turn (the rebase sets the version).
        for (;;) {
          const mine = state.inflight;
          if (mine?.committedAt === undefined || mine.committedAt > version) break;
          this.ackInflight();
          const next = state.pending[0];
          const at = next?.mayBeIncluded ? this.committedIn(reply, next, fromVersion, version) : undefined;
          if (at === undefined || state.promote() !== next) break;
          next.sent = true;
          next.committedAt = at;
        }
        const shown = state.doc;
        const change = state.rebase(snapshot, version);
        this.noteGoneZones(change, shown, state.doc);
        this.persistedKeptVersion = undefined; // a confirmed state at that version may differ from this one
        this.recent = [];
        this.undoManager.recordRemote(change);
        this.emitChange(change, 'resync');
      }
    }
    if (!this.opened) {
      this.opened = true;
      this.resolveReady();
    }
    const buffered = this.buffer.sort((a, b) => a.version - b.version);
    this.buffer = [];
    for (const rec of buffered) this.onCommitted(rec);
    if (!this.opening) this.tryAck();
    const why = reason ?? (state ? 'restore' : null);
    if (why) this.events.emit('resync', { reason: why, fromVersion, toVersion: version, method });
    const again = this.resyncAgain;
    this.resyncAgain = null;
    if (again && !this.opening) this.open(again);
    this.checkPendingChecksum();
    this.afterChange();
  }

  private fail(error: SynclineError): void {
    if (this.closed || this.failed) return;
    this.failed = true;
    this.failure = error;
    this.clearTimer('retryTimer');
    this.clearTimer('openRetryTimer');
    // Deleted (`document_deleted`, or an open or a submit answered `not_found`): its saved edits can never be sent.
    // Refused (`forbidden`): a kept confirmed state goes too (unconfirmed edits stay, as for any other failure).
    if (error.code === 'not_found') this.discardPersisted(true);
    else if (
      error.code === 'forbidden' &&
      !((this.state?.unconfirmed ?? 0) > 0) &&
      (!this.persistedEmpty || this.heldKept !== null)
    )
      this.discardPersisted(false);
    this.events.emit('error', error);
    this.rejectReady(error);
    // Nothing more will be confirmed: whoever waits must not hang (the edits stay in the persistence).
    for (const waiter of this.syncedWaiters.splice(0)) waiter.reject(error);
    this.publish();
    this.settleClose();
  }

  /**
   * Deletes my record (`all`: every client's, the document was deleted: a later restore must not send them) and
   * saves nothing more.
   */
  private discardPersisted(all: boolean): void {
    this.discarded = true;
    this.persistScheduled = false;
    this.clearTimer('persistRetryTimer');
    this.clearTimer('keepTimer');
    const key = this.clientKey;
    // Through the claim gate as my saves: a save waiting there, issued after this, would bring the record back.
    const write = this.issueWrite(() => this.persistence.delete(this.documentId, all ? undefined : key));
    this.lastWrite = write;
    this.lastWriteOps = 0;
    write.catch((cause) => {
      if (!this.closed)
        this.events.emit('error', new SynclineError('internal', 'could not delete saved edits', { cause }));
    });
  }

  private onWelcome(welcome: Welcome): void {
    if (this.closed) return;
    if (this.opened) {
      this.lockKeeper.resumed();
      void this.rescan(); // back online: another tab may have closed meanwhile with edits it could not send
    }
    // An open that failed (timed out offline) waits out its backoff: a new connection is worth trying at once.
    if (this.openRetryTimer !== undefined) this.reopen();
    this.endJoinRetry(); // likewise a join that failed
    const room = welcome.rooms?.find((r) => r.room === docRoom(this.documentId));
    // The server did not re-enter the room (the registry forgot it): enter it again, or fail if refused for good.
    if (room?.status === 'refused' && (this.opened || this.opening))
      this.rejoin(this.opened ? 'resume' : null);
    // `fresh` after a reconnect: the server replays nothing, we may have missed ops. Also during an open on a
    // resumed session: the open's reply may be the one the server stored before them.
    if ((this.opened || (this.opening && welcome.resumed)) && room?.status === 'fresh') this.open('resume');
    this.clearTimer('retryTimer'); // a new connection: re-send now
    this.afterChange();
  }

  // ---- internals: committed ops -----------------------------------------------------------------

  private onOpEvent(data: unknown): void {
    if (this.closed || typeof data !== 'object' || data === null) return;
    const d = data as Partial<DocOpEventData>;
    if (d.documentId !== this.documentId || typeof d.version !== 'number' || typeof d.opId !== 'string')
      return;
    this.onCommitted(toCommitted(d as DocOpEventData));
    this.afterChange();
  }

  private onCommitted(rec: Committed): void {
    // Before the first open, a restored document waits for it too: the ops it missed come with the reply.
    if (!this.state || this.opening || !this.opened) {
      this.buffer.push(rec);
      return;
    }
    const result = this.applyCommitted(rec);
    if (result === 'gap') {
      this.buffer.push(rec);
      this.open('gap');
    } else if (result === 'error') this.open('diverged');
    else this.tryAck();
  }

  /** Applies the committed op at `version + 1` (mine: an ack; else a remote op). */
  private applyCommitted(rec: Committed): 'ok' | 'stale' | 'gap' | 'error' {
    const s = this.state;
    if (!s) return 'error';
    if (rec.version <= s.version) return 'stale';
    if (rec.version > s.version + 1) {
      // The reply said my op came first: it fills the gap.
      if (s.inflight?.committedAt === s.version + 1) {
        this.ackInflight();
        return this.applyCommitted(rec);
      }
      return 'gap';
    }
    // A restored op that was sent just before a reload (its state saved as pending) is mine as well.
    if (!s.inflight && s.pending[0]?.opId === rec.opId && s.pending[0].mayBeIncluded) s.promote();
    if (s.inflight && s.inflight.opId === rec.opId) {
      this.ackInflight();
      return 'ok';
    }
    let result: RemoteResult;
    try {
      result = s.applyRemote(rec.op);
    } catch {
      return 'error'; // the op does not fit our copy of the server's document
    }
    this.remember(rec);
    // Deferred (not applied yet: see SyncState), it said which zones it deleted.
    if (result.before !== undefined) this.noteGoneZones(result.applied, result.before, s.doc);
    else for (const [id, zone] of result.deleted ?? []) this.noteGone(id, zone);
    this.undoManager.recordRemote(result.applied, rec.userId);
    for (const { path, value, was } of result.shadowed)
      this.undoManager.recordShadowed(path, value, was, rec.userId);
    for (const { opId, conflict } of result.conflicts)
      this.emitLocalConflict(opId, conflict, rec.userId, result.before ?? s.doc);
    this.emitChange(result.applied, 'remote', rec.userId);
    return 'ok';
  }

  /** Acks the in-flight op once the server's reply told its version and every op before it is applied. */
  private tryAck(): void {
    const s = this.state;
    if (!s || this.opening) return;
    const noopAt = s.inflight?.noopAt;
    if (noopAt !== undefined) {
      // Dropped by the server: once the ops it was transformed past are applied here, drop it too.
      if (noopAt > s.version) return;
      this.dropInflight('remote');
    }
    while (s.inflight?.committedAt !== undefined) {
      const at: number = s.inflight.committedAt;
      if (at === s.version + 1) this.ackInflight();
      else if (at <= s.version) {
        // Committed at a version we are past: it is in the snapshot we rebased onto (or, if it cannot be,
        // our copy is wrong).
        const unexpected = !s.inflight.mayBeIncluded && s.inflight.op !== null;
        this.dropInflight('resync');
        if (unexpected) {
          this.open('diverged');
          return;
        }
      } else break;
    }
  }

  private ackInflight(): void {
    const s = this.state;
    if (!s?.inflight) return;
    if (this.awaitingReply === s.inflight) this.awaitingReply = null;
    const mine = s.inflight;
    s.ack();
    this.remember({ version: s.version, op: mine.op, opId: mine.opId, userId: this.transport.userId });
    this.retryDelay = RETRY_MIN_MS;
    this.clearTimer('retryTimer');
  }

  /** Takes the in-flight op out; `source` null: the caller tells (and records) the change itself. */
  private dropInflight(source: ChangeSource | null): void {
    const s = this.state;
    if (!s?.inflight) return;
    if (this.awaitingReply === s.inflight) this.awaitingReply = null;
    // The next op starts its retries afresh (not after the backoff this one built up).
    this.retryDelay = RETRY_MIN_MS;
    this.clearTimer('retryTimer');
    const { applied } = s.dropInflight();
    if (source === null) return;
    this.undoManager.recordRemote(applied);
    this.emitChange(applied, source);
  }

  /**
   * A `doc_checksum` follows the ops of its version in the room: one for my version is compared with my
   * copy of the server document; one for a later version (all events before it delivered) means that
   * ops were lost on the way.
   */
  private onChecksum(version: number, sum: string): void {
    const s = this.state;
    if (!s || this.opening || !this.opened) {
      this.pendingChecksum = { version, checksum: sum };
      return;
    }
    this.tryAck();
    if (this.opening) return;
    if (version > s.version) this.open('gap');
    else if (version === s.version) this.verifyChecksum(s, sum);
  }

  /**
   * Compares my copy of the server document with the server's checksum of it (`open('checksum')` if they differ).
   * A big document's checksum is worked out a slice at a time (`CHECKSUM_SLICE_MS` of each task, then the next task),
   * never as one long task (10,000 zones: 80-250 ms in Chromium, the page frozen meanwhile); the check then comes a
   * few tasks later, against the document as it was at that version. A re-open meanwhile compared it already.
   */
  private verifyChecksum(s: SyncState, sum: string): void {
    this.clearTimer('checksumTimer');
    const steps = checksumSteps(s.serverDoc, CHECKSUM_STEP_ZONES);
    const token = this.openToken;
    const slice = (): void => {
      this.checksumTimer = undefined;
      if (this.closed || this.state !== s || this.openToken !== token || this.opening) return;
      const until = this.clock.now() + CHECKSUM_SLICE_MS;
      for (let step = steps.next(); ; step = steps.next()) {
        if (step.done) {
          if (step.value !== sum) this.open('checksum');
          return;
        }
        if (this.clock.now() >= until) break;
      }
      this.checksumTimer = this.timers.setTimeout(slice, 0);
    };
    slice();
  }

  /** After an open: the checksum that arrived meanwhile. */
  private checkPendingChecksum(): void {
    const pending = this.pendingChecksum;
    this.pendingChecksum = null;
    if (pending && !this.opening) this.onChecksum(pending.version, pending.checksum);
  }

  // ---- internals: my ops ------------------------------------------------------------------------

  private applyLocal(op: Op, fromUndo: boolean): boolean {
    const s = this.requireState();
    const normalized = normalize(op);
    if (normalized === null) return false;
    const before = s.doc;
    s.applyLocal(normalized, this.newOpId(), this.options.compose !== false);
    if (!fromUndo) this.undoManager.recordOwn(normalized, before, this.clock.now());
    this.emitChange(normalized, 'local');
    this.afterChange();
    return true;
  }

  private step(action: 'undo' | 'redo'): boolean {
    const s = this.requireState();
    const stamp = this.stamp();
    const { op, notice } =
      action === 'undo' ? this.undoManager.undo(s.doc, stamp) : this.undoManager.redo(s.doc, stamp);
    if (notice) {
      const { byUserIds, ...rest } = notice;
      this.events.emit('notice', {
        ...rest,
        action,
        ...(byUserIds === undefined ? {} : this.noticeAuthors(byUserIds)),
        ...this.noticeZoneWords(notice.zoneIds, notice.reason),
      });
    }
    if (op !== null) this.applyLocal(op, true);
    else this.publish();
    return op !== null;
  }

  /** Sends the in-flight op, or moves the next pending op in flight and sends it, when possible. */
  private flush(): void {
    const s = this.state;
    // An open held for my in-flight op's answer still (re-)sends that op: nothing else.
    const held = this.heldOpen !== null && s?.inflight != null;
    if (!s || !this.opened || (this.opening && !held) || this.rejoining || this.closed || this.failed) return;
    if (this.transport.state !== 'open') return;
    if (s.inflight) {
      const waiting = this.awaitingReply === s.inflight || this.retryTimer !== undefined;
      const answered = s.inflight.committedAt !== undefined || s.inflight.noopAt !== undefined;
      if (!waiting && !answered) this.send(s.inflight);
      return;
    }
    const next = s.promote();
    if (next) this.send(next);
  }

  private send(op: LocalOp): void {
    const s = this.state;
    if (!s) return;
    op.sent = true;
    this.awaitingReply = op;
    this.persistSoon();
    // Made on an older version and transformed here past a clashing change of others since: `made` has the server
    // tell them (only then: the server looks back through every op since for it).
    const made = op.clashed && op.madeAt !== undefined && op.madeAt < s.version ? { made: op.madeAt } : {};
    // A large op goes without its inversion data (my copy keeps it, for a rollback): the undo of a long paste deletes
    // all of it and carried every character, past the server's message limit (`too_large`).
    const wire = JSON.stringify(op.op).length > MAX_COMPOSED_OP_CHARS ? compactOp(op.op) : op.op;
    const data = { documentId: this.documentId, op: wire, v: s.version, opId: op.opId, ...made };
    this.transport
      .request<{ version?: number; noop?: boolean } | undefined>(DOC_METHODS.submit, data, { replay: false })
      .then(
        (reply) => this.onSubmitReply(op, reply),
        (error: unknown) => this.onSubmitError(op, asError(error, 'submit failed')),
      );
  }

  private onSubmitReply(op: LocalOp, reply: { version?: number; noop?: boolean } | undefined): void {
    if (this.awaitingReply === op) this.awaitingReply = null;
    if (this.closed || this.state?.inflight !== op) return; // acked by its event already
    if (!reply || typeof reply.version !== 'number') {
      // Not sent, or the socket closed before the reply: re-sent after the next handshake.
      if (this.transport.state === 'open') this.scheduleRetry();
      return;
    }
    // `noop`: nothing was committed; `version` is the server's, not my op's (it may be another user's op).
    if (reply.noop === true) op.noopAt = reply.version;
    else op.committedAt = reply.version;
    this.retryDelay = RETRY_MIN_MS;
    this.releaseHeldOpen();
    this.tryAck();
    this.afterChange();
  }

  private onSubmitError(op: LocalOp, error: SynclineError): void {
    if (this.awaitingReply === op) this.awaitingReply = null;
    if (this.closed || this.state?.inflight !== op) return;
    if (REJECT_CODES.has(error.code)) {
      const zoneIds = describeOp(op.op).zoneIds;
      this.dropInflight('rollback');
      this.events.emit('rejected', { code: error.code, message: error.message, zoneIds, opId: op.opId });
    } else if (error.code === 'bad_version') {
      this.open('bad_version');
    } else if (error.code === 'closed') {
      return;
    } else if (error.code === 'not_joined') {
      // Not in the room (yet): re-enter it, after a backoff (the same op is re-sent once re-opened).
      this.scheduleRetry(() => this.rejoin('resume'));
    } else if (TRANSIENT_CODES.has(error.code)) {
      this.scheduleRetry();
    } else {
      // `unknown_method` and any other code: sending the op again cannot succeed (PROTOCOL.md §19 "do not
      // retry"), and rolling it back would lose it: stop, keeping it (persisted) for a later client.
      this.fail(error);
      return;
    }
    // Rolled back, or (`bad_version`, checked after the duplicate check) known not to be committed.
    this.releaseHeldOpen(error.code === 'bad_version');
    this.afterChange();
  }

  private scheduleRetry(then: () => void = () => this.flush()): void {
    if (this.retryTimer !== undefined || this.closed) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(RETRY_MAX_MS, delay * 2);
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = undefined;
      then();
    }, delay);
  }

  // ---- internals: output ------------------------------------------------------------------------

  /** After anything changed: send what can go, save, settle `whenSynced`, notify. */
  private afterChange(): void {
    if (this.closed) return;
    this.flush();
    this.persistSoon();
    if (this.isSynced()) for (const waiter of this.syncedWaiters.splice(0)) waiter.resolve();
    // A committed op that did not fit my copy of the server document once it was applied (see SyncState).
    if (!this.opening && this.state?.takeDiverged()) this.open('diverged');
    this.publish();
    this.settleClose();
  }

  private isSynced(): boolean {
    return this.opened && !this.opening && this.state !== null && this.state.unconfirmed === 0;
  }

  private emitChange(op: Op, source: ChangeSource, userId?: string, all = false): void {
    if (op === null && !all) return;
    const { kind, zoneIds, touchesAllZones } = describeOp(op);
    const meta =
      all ||
      ((kind === 'meta' || kind === 'mixed') &&
        opComponents(op).some((e) => e.path.length === 0 || e.path[0] === 'meta'));
    this.events.emit('change', {
      zoneIds,
      meta,
      all: all || touchesAllZones,
      source,
      ...(userId === undefined ? {} : { userId }),
    });
  }

  /** `before`: the local document before the remote op, which may have deleted the zone. */
  private emitLocalConflict(
    opId: string,
    conflict: OpConflict,
    byUserId: string | undefined,
    before: ZoneDocument,
  ): void {
    const byUserName = byUserId === undefined ? undefined : this.people.get(byUserId)?.name;
    const { kind, zoneId } = conflict;
    // The zone as I see it now; one they deleted as I saw it; one I deleted (not confirmed yet) as the server's
    // copy has it (reading that copy costs an apply of the ops behind it, only here, for a conflict).
    const zone =
      zoneId === null
        ? undefined
        : (this.zone(zoneId) ?? zoneIn(before, zoneId) ?? zoneIn(this.state?.serverDoc, zoneId));
    const words = conflictZoneWords(zone);
    const attribute = conflictAttribute(conflict);
    const by = byUserName ?? byUserId;
    this.events.emit('conflict', {
      kind,
      zoneId,
      byUserId: byUserId ?? null,
      ...(byUserName === undefined ? {} : { byUserName }),
      ...words,
      ...(attribute === undefined ? {} : { attribute }),
      opId,
      message: describeConflict({
        kind,
        origin: 'client',
        by,
        zoneId,
        ...words,
        attribute,
        lost: conflict.lost,
      }),
      origin: 'client',
    });
  }

  /** Keeps what named the zones `op` deleted (applied to `before`, giving `after`), for `noticeZoneWords`. */
  private noteGoneZones(op: Op, before: ZoneDocument, after: ZoneDocument): void {
    if (op === null) return;
    const { kind, zoneIds, touchesAllZones } = describeOp(op);
    if (!touchesAllZones && kind !== 'zone_delete' && kind !== 'mixed') return; // nearly every op: no zone goes
    const ids = touchesAllZones ? Object.keys(before.zones) : zoneIds;
    for (const id of ids) {
      const zone = zoneIn(before, id);
      if (zone !== undefined && zoneIn(after, id) === undefined) this.noteGone(id, zone);
    }
  }

  /** Keeps what named zone `id`, which an op deleted. */
  private noteGone(id: string, zone: Zone): void {
    this.goneZones.delete(id); // deleted again (after an undo): the latest last, for the eviction
    this.goneZones.set(id, conflictZoneWords(zone));
    if (this.goneZones.size > GONE_ZONES_KEPT) {
      const oldest = this.goneZones.keys().next().value;
      if (oldest !== undefined) this.goneZones.delete(oldest);
    }
  }

  /**
   * What a notice says of the zone it is about: the one zone of `zoneIds`, or for `zone_deleted` the one of them
   * that is gone; as this replica has it, else as it last had it before others deleted it (`goneZones`), else as
   * the server's copy has it (one I deleted, not confirmed yet). `{}` when the notice is about several zones, or
   * nothing is known.
   */
  private noticeZoneWords(zoneIds: readonly string[], reason: DocNoticeReason): ConflictZoneWords {
    const gone = reason === 'zone_deleted' ? zoneIds.filter((id) => this.zone(id) === undefined) : [];
    const zoneId = zoneIds.length === 1 ? zoneIds[0] : gone.length === 1 ? gone[0] : undefined;
    if (zoneId === undefined) return {};
    const zone = this.zone(zoneId);
    if (zone !== undefined) return conflictZoneWords(zone);
    // The server's copy last: reading it costs an apply of the ops behind it.
    return this.goneZones.get(zoneId) ?? conflictZoneWords(zoneIn(this.state?.serverDoc, zoneId));
  }

  /** The authors of a notice (`byUserIds`, the latest last), with the latest one's name when known. */
  private noticeAuthors(
    byUserIds: readonly string[],
  ): Pick<DocNotice, 'byUserId' | 'byUserName' | 'byUserIds'> {
    const byUserId = byUserIds[byUserIds.length - 1];
    if (byUserId === undefined) return {};
    const byUserName = this.people.get(byUserId)?.name;
    return { byUserId, ...(byUserName === undefined ? {} : { byUserName }), byUserIds: [...byUserIds] };
  }

  /** Takes in names (and avatars) heard of people; tells a `users` event which ones changed. */
  private learnUsers(
    heard: readonly { userId: string; name?: string | undefined; avatar?: string | undefined }[],
  ) {
    const changed: string[] = [];
    for (const { userId, name, avatar } of heard) {
      if (name === undefined || name === '') continue;
      const had = this.people.get(userId);
      const face = avatar ?? had?.avatar;
      if (had?.name === name && had.avatar === face) continue;
      this.people.set(userId, face === undefined ? { userId, name } : { userId, name, avatar: face });
      changed.push(userId);
    }
    if (changed.length > 0) this.events.emit('users', { userIds: changed });
  }

  private buildSnapshot(doc: ZoneDocument = this.doc): DocumentState {
    return {
      doc,
      version: this.version,
      pending: this.state?.pending.length ?? 0,
      inflight: this.state?.inflight != null,
      canUndo: this.undoManager.canUndo(),
      canRedo: this.undoManager.canRedo(),
      locks: this.lockKeeper.all,
      status: this.status,
      restored: this.restoredView,
    };
  }

  /** Replaces the snapshot (and tells the subscribers) if something in it changed. */
  private publish(): void {
    if (
      this.state?.deferring &&
      sameSnapshot(this.buildSnapshot(this.snapshot.doc), this.snapshot, 'version')
    ) {
      // Only the document and its version moved, by other users' ops not applied yet: building the snapshot now
      // would apply them, once per op of a burst. Once this turn is over instead.
      this.snapshotDue = true;
      if (!this.notifyScheduled) {
        this.notifyScheduled = true;
        queueMicrotask(() => {
          this.notifyScheduled = false;
          if (this.snapshotDue || this.snapshot !== this.notified) this.publishNow();
        });
      }
      return;
    }
    this.publishNow();
  }

  /** Builds the snapshot again, without telling anyone. */
  private refreshSnapshot(): void {
    this.snapshotDue = false;
    const next = this.buildSnapshot();
    if (!sameSnapshot(next, this.snapshot)) this.snapshot = Object.freeze(next);
  }

  private publishNow(): void {
    this.refreshSnapshot();
    if (this.snapshot === this.notified) return;
    this.notified = this.snapshot;
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (error) {
        this.reportListenerError(error);
      }
    }
  }

  /**
   * Saves the unconfirmed ops, once per turn of the event loop (deletes the record when none is left; with
   * `keepConfirmed`, saves the confirmed state instead, at most once every `keepConfirmedEveryMs`).
   */
  private persistSoon(): void {
    if (this.persistScheduled) return;
    this.persistScheduled = true;
    queueMicrotask(() => this.persistNow());
  }

  /** Does the scheduled save now (a save of the confirmed state is only scheduled: `keepTimer`). */
  private persistNow(): void {
    if (!this.persistScheduled) return;
    this.persistScheduled = false;
    if (this.discarded) return;
    const s = this.state;
    if (this.options.keepConfirmed && s !== null && s.unconfirmed === 0 && !this.failed) {
      // Before the server answered, the stored record is the one restored (or none): nothing newer to keep.
      if (!this.opened) return;
      if (this.keptUserId() !== undefined) {
        // Nothing of mine unconfirmed: the confirmed state, coalesced (a busy document is not rewritten per op).
        // Until then the stored record stays valid: an older version, and ops of mine the server will call duplicates.
        if (this.persistedKeptVersion === s.version) return;
        this.keepTimer ??= this.timers.setTimeout(() => {
          this.keepTimer = undefined;
          this.writeRecord();
        }, this.options.keepConfirmedEveryMs ?? KEEP_CONFIRMED_EVERY_MS);
        return;
      }
    }
    this.clearTimer('keepTimer');
    // Remote ops alone need no save: the record as saved (an older version, my ops against it) stays valid,
    // and the server transforms them over what they missed when they are submitted from it.
    if (s !== null && s === this.persistedState && s.revision === this.persistedRevision) return;
    this.writeRecord();
  }

  /** Writes the scheduled saves now: this turn's, and a coalesced save of the confirmed state (closing, page hidden). */
  private flushPersist(): void {
    if (this.closed) return;
    this.persistNow();
    if (this.keepTimer === undefined) return;
    this.clearTimer('keepTimer');
    this.writeRecord();
  }

  /**
   * Writes the record (or deletes it). Writes are issued in order and not chained: IndexedDB applies
   * read-write transactions on one store in the order they were created (a `DocPersistence` must too).
   */
  private writeRecord(): void {
    if (this.discarded) return;
    const s = this.state;
    this.persistedState = s;
    this.persistedRevision = s?.revision ?? -1;
    const record = this.record();
    if (record === null && this.persistedEmpty) return;
    // A failed document keeps what is stored (a kept copy, for the next client): only `not_found` and `forbidden`
    // drop it, through `discardPersisted`.
    if (record === null && this.failed && this.options.keepConfirmed) return;
    this.persistedEmpty = record === null;
    this.persistedKeptVersion = record !== null && record.opIds.length === 0 ? record.version : undefined;
    const n = ++this.persistWrites;
    const key = this.clientKey;
    const write = this.issueWrite(() =>
      record === null ? this.persistence.delete(this.documentId, key) : this.persistence.save(record),
    );
    this.lastWrite = write;
    this.lastWriteOps = record?.opIds.length ?? 0;
    write.then(
      () => {
        if (n === this.persistWrites) this.persistRetryDelay = RETRY_MIN_MS;
      },
      (cause) => {
        if (this.closed) return;
        this.events.emit('error', new SynclineError('internal', 'could not save edits', { cause }));
        // Not saved, and no later write covers it: what is stored is unknown, so the next save (the retry, or
        // any change before it) writes again, whether my ops changed or not; else edits could be lost on reload.
        if (n !== this.persistWrites) return;
        this.persistedState = null;
        this.persistedRevision = -1;
        this.persistedEmpty = false;
        this.persistedKeptVersion = undefined;
        if (this.persistRetryTimer !== undefined) return;
        const delay = this.persistRetryDelay;
        this.persistRetryDelay = Math.min(RETRY_MAX_MS, delay * 2);
        this.persistRetryTimer = this.timers.setTimeout(() => {
          this.persistRetryTimer = undefined;
          this.persistSoon();
        }, delay);
      },
    );
  }

  /** Who a kept confirmed state is for: the signed-in user (the app's `userId` before the handshake). */
  private keptUserId(): string | undefined {
    return this.transport.userId ?? this.options.userId;
  }

  private record(): PersistedDoc | null {
    const s = this.state;
    if (!s) return null;
    if (s.unconfirmed === 0) {
      // `keepConfirmed`: the server's document as it confirmed it (never with edits of mine), for its user.
      const userId = this.keptUserId();
      if (!this.options.keepConfirmed || !this.opened || this.failed || userId === undefined) return null;
      return {
        ...journalOf(s),
        documentId: this.documentId,
        clientKey: this.clientKey,
        userId,
        version: s.version,
        inflight: null,
        pending: [],
        opIds: [],
        savedAt: this.clock.now(),
      };
    }
    const persisted = (p: LocalOp): PersistedOp =>
      p.madeAt === undefined ? { opId: p.opId, op: p.op } : { opId: p.opId, op: p.op, madeAt: p.madeAt };
    const inflight = s.inflight ? persisted(s.inflight) : null;
    const pending = s.pending.map(persisted);
    const opIds = [...(inflight ? [inflight.opId] : []), ...pending.map((p) => p.opId)];
    // Who typed the edits made here: as in `stamp()`. Restored edits of another user that the handshake has not
    // checked yet stay theirs (`userId`), the later ones are labelled `typedBy`: one label for both would, on the
    // next load, either discard my edits as theirs or submit theirs as mine.
    const typist = this.transport.userId ?? this.options.userId ?? this.restoredTypedBy?.userId;
    const restored = this.restoredUserId;
    const theirs =
      restored !== undefined && typist !== undefined && typist !== restored
        ? opIds.filter((id) => this.restoredOpIds.has(id))
        : [];
    const userId = theirs.length > 0 ? restored : (typist ?? restored);
    const mine = theirs.length > 0 ? opIds.filter((id) => !this.restoredOpIds.has(id)) : [];
    return {
      ...journalOf(s),
      documentId: this.documentId,
      clientKey: this.clientKey,
      ...(userId === undefined ? {} : { userId }),
      ...(typist !== undefined && mine.length > 0 ? { typedBy: { userId: typist, opIds: mine } } : {}),
      version: s.version,
      inflight,
      pending,
      opIds,
      savedAt: this.clock.now(),
    };
  }

  private requireState(): SyncState {
    if (this.closed || this.closing) throw new SynclineError('closed', 'the document was closed');
    if (!this.state) throw new SynclineError('not_open', 'the document is not open yet (await doc.ready)');
    return this.state;
  }

  private requireZone(zoneId: string): Zone {
    const zone = this.requireState().doc.zones;
    if (!Object.hasOwn(zone, zoneId))
      throw new RangeError(`no zone ${JSON.stringify(zoneId)} in the document`);
    return zone[zoneId];
  }

  private stamp(): Stamp | undefined {
    const by = this.transport.userId ?? this.options.userId ?? this.restoredUserId;
    return by ? { by, at: Math.floor(this.clock.now()) } : undefined;
  }

  private clearTimer(
    name:
      | 'retryTimer'
      | 'openRetryTimer'
      | 'persistRetryTimer'
      | 'closeTimer'
      | 'keepTimer'
      | 'checksumTimer',
  ): void {
    const timer = this[name];
    if (timer !== undefined) this.timers.clearTimeout(timer);
    this[name] = undefined;
  }

  private reportListenerError(error: unknown): void {
    // A throwing listener must not break the document (nor the other listeners).
    this.options.logger?.error?.('syncline: document listener failed', error);
  }
}

/** Whether a record holds unconfirmed edits (else it is a kept confirmed state). */
/** The most op ids a `doc.open` asks about (`opIds`; the server's limit). */
const MAX_OPEN_OP_IDS = 16;

/** Zones hashed between two looks at the clock while a checksum is worked out (`verifyChecksum`). */
const CHECKSUM_STEP_ZONES = 250;
/** The main-thread time a checksum takes per task before it goes on in the next one (`verifyChecksum`). */
export const CHECKSUM_SLICE_MS = 8;

/**
 * The most committed ops a saved record carries after its snapshot (format 2): past that the next save starts
 * again from the current server document (one write of the whole document every so many ops, not one per edit).
 */
export const JOURNAL_SAVE_MAX = 200;

/** A record's snapshot and committed ops: the state's journal, started again when it has grown too long. */
function journalOf(s: SyncState): Pick<PersistedDoc, 'format' | 'snapshot' | 'committed'> {
  if (s.journal.ops.length > JOURNAL_SAVE_MAX) s.restartJournal();
  const { doc, ops } = s.journal;
  // A copy of the ops: the journal grows on, and a persistence may keep the record as given.
  return ops.length === 0
    ? { format: 1, snapshot: doc }
    : { format: 2, snapshot: doc, committed: ops.slice() };
}

const hasEdits = (record: PersistedDoc): boolean => record.inflight !== null || record.pending.length > 0;

/** Claims for a persistence without `claim`: the clients of this page only. */
const localClaims = new WeakMap<DocPersistence, LocalClaims>();
function pageClaims(persistence: DocPersistence): LocalClaims {
  let claims = localClaims.get(persistence);
  if (!claims) localClaims.set(persistence, (claims = new LocalClaims()));
  return claims;
}

/** Sent, and the server's answer (committed at a version, or a no-op) not known yet. */
function unanswered(op: LocalOp): boolean {
  return op.sent && op.committedAt === undefined && op.noopAt === undefined;
}

function toCommitted(d: DocOpEventData): Committed {
  return { version: d.version, op: (d.op ?? null) as Op, opId: d.opId, userId: d.userId };
}

/** `ops` holds every version in `(from, to]`, in order. */
function coversOps(ops: DocOpEventData[] | undefined, from: number, to: number): boolean {
  if (!Array.isArray(ops)) return false;
  let expected = from + 1;
  for (const rec of ops) {
    if (rec.version < expected) continue;
    if (rec.version !== expected) return false;
    expected++;
  }
  return expected === to + 1;
}

/** Whether two snapshots hold the same values (each key compared by identity), `except` one key. */
function sameSnapshot(a: DocumentState, b: DocumentState, except?: keyof DocumentState): boolean {
  for (const key of Object.keys(a) as (keyof DocumentState)[])
    if (key !== except && a[key] !== b[key]) return false;
  return true;
}

function asDocument(snapshot: unknown): ZoneDocument {
  if (typeof snapshot !== 'object' || snapshot === null) return emptyDocument();
  const doc = snapshot as Partial<ZoneDocument>;
  if (
    typeof doc.zones === 'object' &&
    doc.zones !== null &&
    typeof doc.meta === 'object' &&
    doc.meta !== null
  )
    return snapshot as ZoneDocument;
  return { ...doc, meta: doc.meta ?? {}, zones: doc.zones ?? {} } as ZoneDocument;
}

/**
 * The memory persistence a document client uses when given none: one per `owner`, normally the `SynclineClient`
 * (a `DocumentClient` without a `persistence` option uses its transport's). A transport that wraps the client (the
 * React bindings' one per document) passes `defaultDocPersistence(client)` as the `persistence` option, so that its
 * documents share the client's memory with `client.doc()` and with each other.
 */
export function defaultDocPersistence(owner: object): DocPersistence {
  let persistence = defaultPersistence.get(owner);
  if (!persistence) defaultPersistence.set(owner, (persistence = new MemoryDocPersistence()));
  return persistence;
}

function asError(error: unknown, message: string): SynclineError {
  return error instanceof SynclineError ? error : new SynclineError('internal', message, { cause: error });
}
