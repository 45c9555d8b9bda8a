import {
  apply,
  applyOneZone,
  boxChange,
  type ConflictZoneWords,
  checkOp,
  checksum,
  checksumSteps,
  conflictAttribute,
  conflictLoser,
  conflictZoneWords,
  DEFAULT_LIMITS,
  type DocLimits,
  describeConflict,
  describeOp,
  emptyDocument,
  findConflicts,
  isNoop,
  type Json,
  normalize,
  numberAddProblem,
  type OneZoneResult,
  type Op,
  type OpConflict,
  removedZone,
  reservedKey,
  setOneZone,
  transform,
  validateDocument,
  validateZone,
  type Zone,
  type ZoneDocument,
} from '@syncline/doc';
import {
  DOC_METHODS,
  DOC_OPEN_REASONS,
  DOC_USERS_MAX,
  type DocSnapshot,
  type DocUserInfo,
  docRoom,
  ErrorCode,
  type HistoryEntry,
  isStorableId,
  Preencoded,
  userRoom,
  type ZoneLock,
} from '@syncline/protocol';
import type { Clock } from '../core/clock.js';
import { SynclineError } from '../core/errors.js';
import type { Hub } from '../core/hub.js';
import type { Identity } from '../core/identity.js';
import type { Session } from '../core/session.js';
import type { DeletedDocument, DocStore, DocUser, DocumentInfo, OpRecord } from './doc-store.js';
import { DeletedDocumentError, DuplicateOpError, UnknownDocumentError } from './memory-doc-store.js';
import { ZoneLocks, type ZoneLockTable } from './zone-locks.js';

/** A conflict to tell `to`: `by` made the change that won. */
interface ConflictNotice {
  to: string;
  conflict: OpConflict;
  by: string;
  /** What names the zone (label, type, page, first words) at the time, as far as the server knew it. */
  zone: ConflictZoneWords;
}

/** A zone of the document as it is now (an own key only: a zone id may be any string). */
const zoneNow = (doc: LiveDocument, zoneId: string): Zone | undefined =>
  Object.hasOwn(doc.data.zones, zoneId) ? doc.data.zones[zoneId] : undefined;

export interface SequencerOptions {
  /**
   * Save a snapshot every this many ops. Default 100. A bigger document is saved less often: every this many times
   * the power of two at or above its zones per thousand (10,000 zones: every 1,600 ops), since each snapshot is the
   * whole document (~6 MB at 10,000 zones, ~35 ms of the event loop to encode and write) and loading replays the ops
   * after it in place (one-zone ops: microseconds each).
   */
  snapshotEvery?: number;
  /** Publish `doc_checksum` every this many ops. Default 50. */
  checksumEvery?: number;
  /**
   * At most one `doc_checksum` per document per this many ms: a multiple of `checksumEvery` reached sooner is
   * skipped, and once the interval is over the next sweep (once a second) publishes one for the version the
   * document is at then. Every replica hashes the whole document for each checksum, so without a bound a
   * document edited at 3,000 ops/s would make each of its clients hash it 60 times a second. Default 1000; 0
   * publishes at every multiple.
   */
  checksumIntervalMs?: number;
  /** Zone lock lease. Default 30 s (clients renew at a third of it). */
  lockTtlMs?: number;
  /**
   * Most zones a document holds (`DEFAULT_LIMITS.maxZones`, 10,000, by default): an op that would make more is
   * refused `invalid`, and a processing job stops before the page that would pass it (`zone_limit`). Every replica
   * hashes and every open sends the whole document, so its cost grows with it: at 50,000 zones of ~300 characters
   * a snapshot is ~26 MB, and a checksum or a snapshot takes 0.3-1 s of the event loop (docs/architecture.md).
   */
  maxZones?: number;
  /** Ops kept in memory per document for transforms (older ones are read from the store). Default 1000. */
  recentOps?: number;
  /**
   * Most ops a `doc.open` with `since` carries (`DocSnapshot.ops`). A client further behind (a copy kept for weeks
   * while the document was edited) gets the snapshot without `ops` and rebuilds from it, as past the store's
   * retention: its unconfirmed ops wait for their own answers. Without a bound one open would read, hold and send
   * every op since. Default 1000.
   */
  maxOpenOps?: number;
  /** A loaded document nobody has touched for this long is unloaded. Default 5 min. */
  idleUnloadMs?: number;
  /** Permission hook: may this user make this change? Return false (or throw) to refuse with `forbidden`. */
  canEdit?(ctx: {
    user: Identity;
    documentId: string;
    kind: string;
    zoneIds: string[];
  }): boolean | undefined | Promise<boolean | undefined>;
}

/** The document a server batch is planned against (see `applyServerOps`), taken in its commit queue. */
export interface ServerBatchState {
  /** The document now (changed in place by later commits: read it, do not keep it). */
  readonly data: ZoneDocument;
  readonly zoneCount: number;
  /** The sequencer's zone limit. */
  readonly maxZones: number;
}

/** One change a server batch commits (see `applyServerOps`). */
export interface ServerOpItem {
  op: Op | ((doc: ZoneDocument) => Op);
  opId: string;
}

/**
 * The document at one version as every `doc.open` at that version sends it: one copy of the zone map, its checksum,
 * and its encoding made at most once per codec and spliced into each reply (`Preencoded`). The reply's other fields
 * (members, locks, ops) are encoded per reply.
 */
export interface OpenSnapshot {
  readonly version: number;
  readonly snapshot: Preencoded<ZoneDocument>;
  /** Of a big document, worked out a slice at a time (`checksumInTasks`) from the snapshot's copy. */
  readonly checksum: string | Promise<string>;
}

/** The most op ids a `doc.open` asks about (`opIds`): a client asks about its op in flight and the restored ones after it. */
export const MAX_OPEN_OP_IDS = 16;

/** What `doc.open` answers on the server: a `DocSnapshot` whose snapshot is encoded once per version and codec. */
export type DocOpenReply = Omit<DocSnapshot, 'snapshot'> & { snapshot: Preencoded<ZoneDocument> };

/**
 * One loaded document: its state, version, recent ops, locks, and a queue that serializes commits. `data` is
 * changed in place by ops that stay inside one zone (the zone object is replaced, never changed), so it is
 * handed out only as a copy (`copy()`) to anything that keeps it past the current turn.
 */
class LiveDocument {
  recent: OpRecord[] = [];
  /** How many zones `data` holds (the zone limit is checked against it without counting the map per op). */
  zoneCount: number;
  /** In memory, or shared by every node (the broker's, leases in Redis). */
  locks: ZoneLockTable = new ZoneLocks();
  lastUsed = 0;
  /** When this node last published a checksum of the document, and whether one was skipped since. */
  checksumAt = Number.NEGATIVE_INFINITY;
  checksumOwed = false;
  /** A big document's checksum being worked out a slice at a time (`publishChecksum`), for this version. */
  checksumRun: number | null = null;
  /** The last version this node committed and broadcast (ops caught up from other nodes are theirs to announce). */
  broadcastVersion = 0;
  /**
   * userId -> what this node last saved of them (`saveUser` again only when their name or avatar changes), of
   * those who opened the document here; conflict notices name people by it.
   */
  readonly people = new Map<string, DocUser>();
  /** Deleted (here or on another node): commits still queued on it are refused. */
  deleted = false;
  private tail: Promise<unknown> = Promise.resolve();
  private v: number;
  /**
   * The open snapshot of the current version, once someone opened it; dropped as the version moves, and by the
   * sweep once nobody opened it for `OPEN_SNAPSHOT_IDLE_MS` (a read-mostly document kept loaded by its viewers would
   * otherwise hold a copy and its encodings, megabytes, for hours).
   */
  private opened: OpenSnapshot | undefined;
  private openedUsedAt = 0;

  constructor(
    readonly id: string,
    version: number,
    public data: ZoneDocument,
    readonly ownerId: string | undefined,
  ) {
    this.v = version;
    this.zoneCount = Object.keys(data.zones).length;
  }

  /** The latest version applied to `data` (set in the same synchronous step as `data` changes). */
  get version(): number {
    return this.v;
  }

  set version(version: number) {
    if (version !== this.v) this.opened = undefined;
    this.v = version;
  }

  /**
   * The document at its current version as `doc.open` sends it, made by the first open of the version and shared by
   * the opens after it until the version moves (a 10,000-zone document is ~5 MB of JSON: encoding it, copying its
   * zone map and hashing it per reply stalled every socket of the node when many opened it at once).
   */
  openSnapshot(now: number, clock: Clock): OpenSnapshot {
    this.openedUsedAt = now;
    const opened = this.opened;
    if (opened !== undefined && opened.version === this.v) return opened;
    // A copy: ops change `data` in place, and replies may be encoded (for another codec) after the version moved.
    // Its zone objects are never changed (replaced), so a big one is hashed a slice at a time, after this turn.
    const copy = this.copy();
    const snap: OpenSnapshot = {
      version: this.v,
      snapshot: new Preencoded(copy),
      checksum:
        this.zoneCount > SLICED_CHECKSUM_ZONES
          ? checksumInTasks(checksumSteps(copy, CHECKSUM_STEP_ZONES), clock).then((sum) => sum ?? '')
          : checksum(this.data),
    };
    this.opened = snap;
    return snap;
  }

  /** The version whose open snapshot is kept, if any (tests, metrics). */
  get openSnapshotVersion(): number | undefined {
    return this.opened?.version;
  }

  /** Lets go of what is kept for opens (the document is unloaded or deleted). */
  release(): void {
    this.opened = undefined;
  }

  /** Lets go of the open snapshot if nobody opened the document since `before`. */
  releaseOpenedIdleSince(before: number): void {
    if (this.opened !== undefined && this.openedUsedAt < before) this.opened = undefined;
  }

  /** The document as it is now, safe to keep while later ops change `data`. */
  copy(): ZoneDocument {
    return { ...this.data, zones: { ...this.data.zones } };
  }

  /** Applies a committed op (loading, catching up): in place when it stays inside one zone. */
  applyCommitted(op: Op): void {
    const one = applyOneZone(this.data, op);
    if (one === null) {
      this.data = apply(this.data as unknown as Json, op) as unknown as ZoneDocument;
      this.zoneCount = Object.keys(this.data.zones).length;
      return;
    }
    setOneZone(this.data, one);
    this.zoneCount += (one.after !== undefined ? 1 : 0) - (one.before !== undefined ? 1 : 0);
  }

  /** Runs `fn` after every earlier commit of this document has finished. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => {});
    return run;
  }
}

const OPEN_REASONS: ReadonlySet<string> = new Set(DOC_OPEN_REASONS);
/** What a document id may be (the id part of its room name `doc:<id>`). */
export const DOC_ID = /^[A-Za-z0-9_.@~|+=:-]{1,128}$/;
const SEED_KINDS = new Set(['zone_create', 'zone_update', 'zone_edit', 'zone_delete']);
/**
 * Lost commit races (another node took the version) retried before a submit is refused as busy. Past the first
 * immediate retry each waits a jittered pause growing to `COMMIT_BACKOFF_MAX_MS`, so nodes flooding one document
 * fall out of lockstep instead of losing to each other again: bounded at ~0.3 s of pauses in all.
 */
const MAX_COMMIT_RETRIES = 12;
/** How many ops before `v` a submit's `made` makes the sequencer look through for notices (`rebasedOver`). */
export const MAX_REBASED_NOTICE_OPS = 1_000;
/** Longest zone text (UTF-16 units) that a `zone_edit` event repeats whole in `content`. */
export const EDIT_CONTENT_MAX = 1024;
const COMMIT_BACKOFF_MAX_MS = 40;
/** A document's open snapshot (its copy and encodings, `LiveDocument.openSnapshot`) is let go this long after its last open. */
const OPEN_SNAPSHOT_IDLE_MS = 60_000;
/** Documents with more zones than this are checksummed a slice at a time (`publishChecksum`). */
const SLICED_CHECKSUM_ZONES = 1_000;
/** Zones hashed between two looks at the clock in a sliced checksum. */
const CHECKSUM_STEP_ZONES = 100;
/** The event-loop time a sliced checksum takes per task before it goes on in the next one. */
const CHECKSUM_SLICE_MS = 4;
/** Past every lease: `expire` with it releases every lock of a document. */
const END_OF_TIME = Number.MAX_SAFE_INTEGER;

const deletedError = () => new SynclineError(ErrorCode.NotFound, 'the document was deleted');

/** `data.zoneId` of `doc.lock` / `doc.unlock`, checked alike: a string of 1-128 characters. */
function zoneIdOf(data: unknown): string {
  const zoneId = (data as { zoneId?: unknown }).zoneId;
  if (typeof zoneId !== 'string' || zoneId.length === 0 || zoneId.length > 128) {
    throw new SynclineError(ErrorCode.Invalid, 'zoneId: a string of 1-128 characters');
  }
  return zoneId;
}

function documentIdOf(data: unknown): string {
  const id = (data as { documentId?: unknown } | null)?.documentId;
  if (typeof id !== 'string' || !DOC_ID.test(id)) {
    throw new SynclineError(ErrorCode.Invalid, 'documentId: 1-128 characters of [A-Za-z0-9_.@~|+=:-]');
  }
  return id;
}

/**
 * The server's document sequencer (ShareDB's model): a client submits `{op, v, opId}`; the server
 * transforms the op over what was committed since `v`, checks it (locks, permission, the resulting
 * zones' schema), applies it, appends it at `version + 1` (a version-checked append: a loser reloads
 * and retries), answers the sender and broadcasts the op to the document's room with the seed's event
 * names. Conflicts worth telling a user about are sent to them as `conflict` events.
 */
export class DocumentSequencer {
  private readonly docs = new Map<string, LiveDocument>();
  /** Server-side authors named for every document (`nameAuthor`). */
  private readonly authors = new Map<string, string>();
  private readonly loading = new Map<string, Promise<LiveDocument>>();
  private readonly opts: Required<Omit<SequencerOptions, 'canEdit'>> & Pick<SequencerOptions, 'canEdit'>;
  private readonly limits: DocLimits;
  /** `limits` without a zone limit, for ops that add no zone. */
  private readonly anyZoneCount: DocLimits;
  private timer: unknown = null;

  constructor(
    private readonly hub: Hub,
    private readonly store: DocStore,
    options: SequencerOptions = {},
  ) {
    this.opts = {
      snapshotEvery: 100,
      checksumEvery: 50,
      checksumIntervalMs: 1000,
      lockTtlMs: 30_000,
      recentOps: 1000,
      maxOpenOps: 1000,
      idleUnloadMs: 300_000,
      maxZones: DEFAULT_LIMITS.maxZones,
      ...options,
    };
    if (!(Number.isSafeInteger(this.opts.maxZones) && this.opts.maxZones >= 1)) {
      throw new RangeError(`maxZones must be an integer >= 1, got ${this.opts.maxZones}`);
    }
    // A lease of 0 ends every lock as it is taken; a timer takes at most 2^31 - 1 ms (a longer one fires at once).
    const ttl = this.opts.lockTtlMs;
    if (!(Number.isInteger(ttl) && ttl >= 1 && ttl <= 2 ** 31 - 1)) {
      throw new RangeError(`lockTtlMs must be an integer from 1 to ${2 ** 31 - 1}, got ${ttl}`);
    }
    this.limits = { ...DEFAULT_LIMITS, maxZones: this.opts.maxZones };
    this.anyZoneCount = { ...this.limits, maxZones: Number.POSITIVE_INFINITY };
    const m = hub.methods;
    m.set(DOC_METHODS.open, (data, ctx) => this.open(data, ctx.session));
    m.set(DOC_METHODS.submit, (data, ctx) => this.submit(data, ctx.session));
    m.set(DOC_METHODS.history, (data, ctx) => this.history(data, ctx.session));
    m.set(DOC_METHODS.users, (data, ctx) => this.users(data, ctx.session));
    m.set(DOC_METHODS.lock, (data, ctx) => this.lock(data, ctx.session));
    m.set(DOC_METHODS.unlock, (data, ctx) => this.unlock(data, ctx.session));
    // Reads: a re-sent open or history request (after a reconnect) is answered afresh, not from the stored reply.
    hub.readMethods.add(DOC_METHODS.open);
    hub.readMethods.add(DOC_METHODS.history);
    hub.readMethods.add(DOC_METHODS.users);
    // A user who left the document (last tab gone past the presence grace) releases their locks: those taken before
    // the leave. The user_leave is stored before this runs, and meanwhile the user may have come back and taken a
    // lock (a tab that left the room and joined it again), which stays theirs: a lock taken or renewed at or after
    // `ts` has a lease ending at or after `ts + lockTtlMs`.
    hub.onPublished.push((room, type, data, ts) => {
      if (type !== 'user_leave' || !room.startsWith('doc:')) return;
      const documentId = room.slice(4);
      const doc = this.docs.get(documentId);
      const userId = (data as { userId?: string }).userId;
      // Several nodes: the locks are shared, so this node releases them even without the document loaded.
      const locks = doc?.locks ?? (hub.broker.distributed ? hub.broker.zoneLocks(documentId) : undefined);
      if (locks && userId) {
        Promise.resolve(locks.releaseUser(userId, ts + this.opts.lockTtlMs)).then(
          (ls) => {
            for (const l of ls) this.announceUnlock({ id: documentId }, l, 'left');
          },
          (err) => hub.log.warn({ err: String(err) }, 'releasing locks failed'),
        );
      }
    });
    this.timer = hub.clock.setInterval(() => this.sweep(), 1000);
  }

  /** Most zones a document may hold (`SequencerOptions.maxZones`). */
  get maxZones(): number {
    return this.limits.maxZones;
  }

  stop(): void {
    if (this.timer !== null) this.hub.clock.clearInterval(this.timer);
    this.timer = null;
  }

  /** Stops and closes the store. */
  async close(): Promise<void> {
    this.stop();
    await this.store.close();
  }

  // ---- requests ---------------------------------------------------------------------------------

  async open(data: unknown, session: Session): Promise<DocOpenReply> {
    const documentId = documentIdOf(data);
    this.requireMember(session, documentId);
    const { reason, since, opIds } = data as { reason?: unknown; since?: unknown; opIds?: unknown };
    if (
      opIds !== undefined &&
      (!Array.isArray(opIds) ||
        opIds.length > MAX_OPEN_OP_IDS ||
        !opIds.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 128 && isStorableId(id)))
    ) {
      throw new SynclineError(
        ErrorCode.Invalid,
        `opIds: at most ${MAX_OPEN_OP_IDS} op ids, strings of 1-128 characters without U+0000 or a lone surrogate`,
      );
    }
    // A re-open for any reason but a plain resume means the client's replica had to be repaired.
    // Counted under the known reasons only: the string is the client's, and each new one would stay in the table.
    if (typeof reason === 'string' && reason !== 'resume') {
      this.hub.stats.bump(this.hub.stats.docResyncs, OPEN_REASONS.has(reason) ? reason : 'other');
    }
    const doc = await this.loadCurrent(documentId, session.userId);
    const now = this.hub.clock.now();
    await this.rememberUser(doc, session.identity, now);
    const members = await this.hub.membersKnown(docRoom(documentId));
    // Taken after the awaits above and before those below: `version`, `snapshot` and `checksum` are of one version.
    const at = doc.openSnapshot(this.hub.clock.now(), this.hub.clock);
    const snap: DocOpenReply = {
      documentId,
      version: at.version,
      snapshot: at.snapshot,
      checksum: await at.checksum,
      locks: await doc.locks.list(now),
      members,
    };
    if (doc.ownerId !== undefined) snap.ownerId = doc.ownerId;
    // With `since`, the ops after it (when still stored, and at most `maxOpenOps`), so a client can rebase its
    // unconfirmed edits exactly and recognise its own op committed just before a reload.
    if (
      typeof since === 'number' &&
      Number.isInteger(since) &&
      since >= 0 &&
      since < at.version &&
      at.version - since <= this.opts.maxOpenOps
    ) {
      const version = at.version;
      const ops = await this.opsSince(doc, since);
      snap.ops = ops
        .filter((r) => r.version <= version)
        .map((r) => ({
          documentId,
          version: r.version,
          op: r.op,
          opId: r.opId,
          userId: r.userId,
          zoneIds: describeOp(r.op as Op).zoneIds,
        }));
    }
    // Without ops, which of the caller's op ids (those it may have had committed: sent, their answer lost) the
    // snapshot holds, so that it does not show them twice while their re-sends are answered.
    if (snap.ops === undefined && Array.isArray(opIds) && opIds.length > 0) {
      const ids = [...new Set(opIds as string[])];
      const found = await Promise.all(ids.map((opId) => this.store.findOp(documentId, session.userId, opId)));
      const committed = found.flatMap((r, i) =>
        r !== undefined && r.version <= at.version ? [{ opId: ids[i], version: r.version }] : [],
      );
      if (committed.length > 0) snap.committed = committed;
    }
    return snap;
  }

  async submit(
    data: unknown,
    session: Session,
  ): Promise<{ version: number; duplicate?: boolean; noop?: boolean }> {
    const documentId = documentIdOf(data);
    this.requireMember(session, documentId);
    const {
      op: rawOp,
      v,
      opId,
      made,
    } = data as { op?: unknown; v?: unknown; opId?: unknown; made?: unknown };
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new SynclineError(ErrorCode.Invalid, 'v: the version the op is based on (an integer >= 0)');
    }
    if (made !== undefined && (typeof made !== 'number' || !Number.isInteger(made) || made < 0 || made > v)) {
      throw new SynclineError(
        ErrorCode.Invalid,
        'made: the version the op was made on (an integer from 0 to v)',
      );
    }
    // The op id is stored as it is: PostgreSQL's text cannot hold U+0000, and reads a lone surrogate back as U+FFFD (so
    // does SQLite) while memory keeps it, so a re-sent op would be a duplicate on one storage and not on another.
    if (typeof opId !== 'string' || opId.length === 0 || opId.length > 128 || !isStorableId(opId)) {
      throw new SynclineError(
        ErrorCode.Invalid,
        'opId: a string of 1-128 characters without U+0000 or a lone surrogate',
      );
    }
    const problem = checkOp(rawOp);
    if (problem) throw new SynclineError(ErrorCode.Invalid, `op: ${problem}`);
    let normalized: Op;
    try {
      normalized = normalize(rawOp as Op);
    } catch (err) {
      // A text edit its type cannot read (a lone surrogate, a delete that splits a character): invalid, not internal.
      throw new SynclineError(ErrorCode.Invalid, `op: ${(err as Error).message}`);
    }
    const user = session.identity;
    const doc = await this.load(documentId, user.userId);
    // The next submit may commit while this one's broadcast is being stored: the room log keeps the order
    // of the calls, and the answer still waits until the event is out.
    const held: Promise<unknown>[] = [];
    const result = await doc.serial(() =>
      this.commit(doc, user, normalized, v, opId, held, made as number | undefined),
    );
    await Promise.all(held);
    return result;
  }

  private async commit(
    doc: LiveDocument,
    user: Identity,
    submitted: Op,
    v: number,
    opId: string,
    /** Server batches: collect the broadcast here instead of waiting for it (see `applyServerOps`). */
    held?: Promise<unknown>[],
    /** The version the op was made on, before its client rebased it onto `v` (`doc.submit`'s `made`). */
    made?: number,
  ): Promise<{ version: number; duplicate?: boolean; noop?: boolean }> {
    const { hub } = this;
    for (let attempt = 0; ; attempt++) {
      if (doc.deleted) throw deletedError();
      // Checked on every attempt: after a lost race the winner may have been this very op (another node).
      const dup = await this.findDuplicate(doc, user.userId, opId, v);
      if (dup) return { version: dup.version, duplicate: true };
      // Another node may have committed versions this one has not loaded yet (the client saw them).
      if (v > doc.version && this.hub.broker.distributed) await this.catchUp(doc);
      if (v > doc.version) {
        throw new SynclineError(
          ErrorCode.BadVersion,
          `v ${v} is ahead of the document (version ${doc.version})`,
        );
      }
      let op = submitted;
      const notices: ConflictNotice[] =
        made !== undefined && made < v ? await this.rebasedOver(doc, user, submitted, made, v) : [];
      for (const rec of await this.opsSince(doc, v)) {
        try {
          op = this.transformPast(doc, user, submitted, op, rec, notices);
        } catch (err) {
          // An op that cannot go past a committed one (a text edit its type refuses there): refused, not `internal`,
          // which a client would retry for ever.
          throw new SynclineError(
            ErrorCode.Invalid,
            `op does not transform past version ${rec.version}: ${(err as Error).message}`,
          );
        }
      }
      const now = hub.clock.now();
      if (isNoop(op)) {
        this.sendConflicts(doc, notices, opId);
        return { version: doc.version, noop: true };
      }
      const desc = describeOp(op);
      const lock = await doc.locks.blocking(desc.zoneIds, desc.touchesAllZones, user.userId, now);
      if (lock) {
        hub.stats.bump(hub.stats.docConflicts, 'locked');
        const zone = conflictZoneWords(zoneNow(doc, lock.zoneId));
        const by = lock.userName ?? lock.userId;
        void hub
          .publish(userRoom(user.userId), 'conflict', {
            documentId: doc.id,
            zoneId: lock.zoneId,
            kind: 'locked',
            byUserId: lock.userId,
            ...(lock.userName === undefined ? {} : { byUserName: lock.userName }),
            ...zone,
            opId,
            message: describeConflict({
              kind: 'locked',
              origin: 'server',
              by,
              zoneId: lock.zoneId,
              ...zone,
            }),
          })
          .catch(() => {});
        throw new SynclineError(
          ErrorCode.ZoneLocked,
          `zone ${lock.zoneId} is locked by ${lock.userName ?? lock.userId}`,
        );
      }
      if (this.opts.canEdit) {
        const ok = await this.opts.canEdit({
          user,
          documentId: doc.id,
          kind: desc.kind,
          zoneIds: desc.zoneIds,
        });
        if (ok === false) throw new SynclineError(ErrorCode.Forbidden, 'not allowed to edit this document');
      }
      // An op inside one zone is worked out on that zone alone and put in place once stored; any other
      // op makes a new document.
      const adds = numberAddProblem(doc.data as unknown as Json, op);
      if (adds !== null) throw new SynclineError(ErrorCode.Invalid, `op: ${adds}`);
      let one: OneZoneResult | null;
      let next: ZoneDocument | null = null;
      // Names every JavaScript object has: json1 takes them for present (inherited). Zone ids are checked from the
      // op's description, the paths of other ops (meta keys) in full.
      const reserved =
        desc.zoneIds.find((id) => id in Object.prototype) ??
        (desc.kind === 'zone_edit' || desc.kind === 'zone_update' ? null : reservedKey(op));
      if (reserved != null)
        throw new SynclineError(
          ErrorCode.Invalid,
          `op: "${reserved}" cannot be a zone id or a meta key (every JavaScript object has it)`,
        );
      try {
        one = applyOneZone(doc.data, op);
        if (one === null) next = apply(doc.data as unknown as Json, op) as unknown as ZoneDocument;
      } catch (err) {
        throw new SynclineError(ErrorCode.Invalid, `op does not apply: ${(err as Error).message}`);
      }
      const problems =
        one !== null
          ? zoneProblems(one, doc.zoneCount, this.limits)
          : validateDocument(next, {
              // The zone limit is for ops that add zones: a document over it (the limit lowered since) can still
              // be edited, and shrunk.
              limits: zoneCountOf(next) > doc.zoneCount ? this.limits : this.anyZoneCount,
              ...(desc.touchesAllZones ? {} : { zoneIds: desc.zoneIds }),
            });
      if (problems.length > 0) throw new SynclineError(ErrorCode.Invalid, problems[0]);
      const record: OpRecord = {
        documentId: doc.id,
        version: doc.version + 1,
        op,
        userId: user.userId,
        opId,
        ts: now,
      };
      const stored = await this.append(doc, record);
      // Committed before (its conflicts were told then).
      if (typeof stored === 'object') return stored;
      if (!stored) {
        // Another writer (another node) committed this version first: catch up and transform again.
        if (attempt >= MAX_COMMIT_RETRIES)
          throw new SynclineError(ErrorCode.Unavailable, 'document is busy; retry', 200);
        if (attempt >= 1) {
          const ms = Math.random() * Math.min(COMMIT_BACKOFF_MAX_MS, 2 ** attempt);
          await new Promise<void>((resolve) => hub.clock.setTimeout(resolve, ms));
        }
        await this.catchUp(doc);
        continue;
      }
      const firstZone = desc.zoneIds[0];
      const before =
        one !== null ? one.before : firstZone === undefined ? undefined : doc.data.zones[firstZone];
      if (one !== null) {
        setOneZone(doc.data, one);
        doc.zoneCount += (one.after !== undefined ? 1 : 0) - (one.before !== undefined ? 1 : 0);
      } else if (next !== null) {
        doc.data = next;
        doc.zoneCount = Object.keys(next.zones).length;
      }
      doc.version = record.version;
      doc.lastUsed = now;
      this.remember(doc, record);
      hub.stats.docOps++;
      const broadcast = this.broadcast(doc, record, desc.kind, desc.zoneIds, before);
      doc.broadcastVersion = record.version;
      if (held) held.push(broadcast);
      else await broadcast;
      this.sendConflicts(doc, notices, opId);
      if (record.version % snapshotInterval(this.opts.snapshotEvery, doc.zoneCount) === 0) {
        this.store
          // Stores encode the snapshot before their first await, so later in-place changes cannot reach it.
          .saveSnapshot({ documentId: doc.id, version: record.version, data: doc.data, ts: now })
          .catch((err) => hub.log.error({ err, documentId: doc.id }, 'snapshot failed'));
      }
      if (record.version % this.opts.checksumEvery === 0) {
        if (now - doc.checksumAt >= this.opts.checksumIntervalMs) this.publishChecksum(doc, now);
        else doc.checksumOwed = true;
      }
      return { version: record.version };
    }
  }

  async history(data: unknown, session: Session): Promise<{ entries: HistoryEntry[] }> {
    const documentId = documentIdOf(data);
    this.requireMember(session, documentId);
    const { from, limit } = data as { from?: unknown; limit?: unknown };
    const start = typeof from === 'number' && from >= 0 ? Math.floor(from) : 0;
    const max = typeof limit === 'number' && limit > 0 ? Math.min(Math.floor(limit), 1000) : 100;
    const ops = await this.store.ops(documentId, start, start + max);
    const names = new Map<string, string>();
    if (ops.length > 0) {
      const users = await this.usersOf(documentId, [...new Set(ops.map((r) => r.userId))]);
      for (const u of users) if (u.name !== undefined) names.set(u.userId, u.name);
    }
    return {
      entries: ops.map((r) => {
        const d = describeOp(r.op as Op);
        const entry: HistoryEntry = {
          version: r.version,
          userId: r.userId,
          ts: r.ts,
          opId: r.opId,
          kind: d.kind,
          zoneIds: d.zoneIds,
        };
        const name = names.get(r.userId);
        if (name !== undefined) entry.userName = name;
        const box = d.kind === 'zone_update' ? boxChange(r.op as Op) : undefined;
        if (box !== undefined) entry.box = box;
        return entry;
      }),
    };
  }

  /** The names the document remembers for some of its users (`doc.users`). Creates nothing. */
  async users(data: unknown, session: Session): Promise<{ users: DocUserInfo[] }> {
    const documentId = documentIdOf(data);
    this.requireMember(session, documentId);
    const ids = (data as { userIds?: unknown }).userIds;
    if (
      !Array.isArray(ids) ||
      ids.length === 0 ||
      ids.length > DOC_USERS_MAX ||
      !ids.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 256)
    ) {
      throw new SynclineError(ErrorCode.Invalid, `userIds: 1-${DOC_USERS_MAX} strings of 1-256 characters`);
    }
    const known = await this.usersOf(documentId, ids as string[]);
    return {
      users: known.map((u) => {
        const info: DocUserInfo = { userId: u.userId };
        if (u.name !== undefined) info.name = u.name;
        if (u.avatar !== undefined) info.avatar = u.avatar;
        return info;
      }),
    };
  }

  /**
   * Names a server-side author (such as the PDF pipeline) in every document's history and `doc.users`, also in
   * documents it changed before it was remembered there by name.
   */
  nameAuthor(userId: string, name: string): void {
    this.authors.set(userId, name);
  }

  /** What the document remembers of these users, and the named server authors among them it does not. */
  private async usersOf(documentId: string, userIds: string[]): Promise<DocUser[]> {
    const users = await this.store.users(documentId, userIds);
    if (this.authors.size === 0) return users;
    const found = new Set(users.map((u) => u.userId));
    for (const id of userIds) {
      const name = this.authors.get(id);
      if (name !== undefined && !found.has(id)) users.push({ userId: id, name, seenAt: 0 });
    }
    return users;
  }

  /**
   * The document a server change goes to, and its author. An author with a name (such as the PDF pipeline) is
   * remembered as a user of the document, so its history names it.
   */
  private async serverAuthor(
    documentId: string,
    opts: { userId: string; ownerId?: string; name?: string },
  ): Promise<{ doc: LiveDocument; user: Identity }> {
    documentIdOf({ documentId });
    const user: Identity = { userId: opts.userId, roles: [], claims: {} };
    const doc = await this.load(documentId, opts.ownerId ?? opts.userId);
    if (opts.name !== undefined) {
      user.name = opts.name;
      await this.rememberUser(doc, user, this.hub.clock.now());
    }
    return { doc, user };
  }

  /**
   * Remembers who opened the document under which name, so its history can name them once they are gone. Written
   * when this node has not saved this name for them yet (the first open after loading, a new name), before the
   * open is answered; never in the way of the open: a failed write is logged, and tried again at their next open.
   */
  private async rememberUser(doc: LiveDocument, user: Identity, now: number): Promise<void> {
    const known = doc.people.get(user.userId);
    if (known && known.name === user.name && known.avatar === user.avatar) return;
    const saved: DocUser = { userId: user.userId, seenAt: now };
    if (user.name !== undefined) saved.name = user.name;
    if (user.avatar !== undefined) saved.avatar = user.avatar;
    doc.people.set(user.userId, saved);
    try {
      await this.store.saveUser(doc.id, saved);
    } catch (err) {
      if (doc.people.get(user.userId) === saved) doc.people.delete(user.userId);
      this.hub.log.warn(
        { err: String(err), documentId: doc.id },
        'remembering a user of the document failed',
      );
    }
  }

  async lock(data: unknown, session: Session): Promise<ZoneLock> {
    const documentId = documentIdOf(data);
    this.requireMember(session, documentId);
    const zoneId = zoneIdOf(data);
    const doc = await this.loadExisting(documentId, session.userId);
    const now = this.hub.clock.now();
    const user = session.identity;
    // A renewal extends a lock that is still mine and never makes a new one: a lock that ended meanwhile (its lease ran
    // out while its holder was offline, or the document's owner released it) stays ended, and its holder is told.
    if ((data as { renew?: unknown }).renew === true) {
      const held = await doc.locks.get(zoneId, now);
      if (!held)
        throw new SynclineError(ErrorCode.NotFound, `no lock of yours on zone ${zoneId} to renew: it ended`);
    } else {
      // Leases that ran out since the last sweep end here, said as the sweep says it (`expired`), before the zone is
      // taken: otherwise a lock taken over a lapsed one would replace it with no zone_unlock ever published.
      for (const l of await doc.locks.expire(now)) this.announceUnlock(doc, l, 'expired');
    }
    const lock = await doc.locks.acquire(zoneId, user.userId, user.name, now, this.opts.lockTtlMs);
    if (lock.userId !== user.userId) {
      throw new SynclineError(
        ErrorCode.ZoneLocked,
        `zone ${zoneId} is locked by ${lock.userName ?? lock.userId}`,
      );
    }
    doc.lastUsed = now;
    await this.hub.publish(docRoom(documentId), 'zone_lock', { documentId, ...lock });
    return lock;
  }

  async unlock(data: unknown, session: Session): Promise<Record<string, never>> {
    const documentId = documentIdOf(data);
    this.requireMember(session, documentId);
    const zoneId = zoneIdOf(data);
    const { force } = data as { force?: unknown };
    const doc = await this.loadExisting(documentId, session.userId);
    const held = await doc.locks.get(zoneId, this.hub.clock.now());
    if (!held) return {};
    const mine = held.userId === session.userId;
    if (!mine) {
      if (force !== true || doc.ownerId !== session.userId) {
        throw new SynclineError(ErrorCode.Forbidden, 'only the holder, or the owner with force, can unlock');
      }
    }
    // Only the lock checked above: past its lease another user may have taken the zone since.
    const released = await doc.locks.release(zoneId, held.userId);
    // Forced: the holder is told who released it (their notice names the owner).
    if (released)
      this.announceUnlock(doc, released, mine ? 'released' : 'forced', mine ? undefined : session.identity);
    return {};
  }

  // ---- server-side changes ----------------------------------------------------------------------

  /**
   * Commits a change made by the server itself (the PDF pipeline, an import) through the same path as a
   * client's `doc.submit`: sequenced after every earlier commit, checked, stored, and broadcast to
   * `doc:<id>` under the seed's event names. `op` may be a function of the current document (built
   * against its latest version, so it needs no transform). `opId` makes it idempotent: committing the
   * same opId again (a resumed job) is a no-op answered `duplicate`. A document that does not exist yet is
   * created with `ownerId` (default `userId`) as its owner.
   */
  async applyServerOp(
    documentId: string,
    op: Op | ((doc: ZoneDocument) => Op),
    opts: { userId: string; opId: string; ownerId?: string; name?: string },
  ): Promise<{ version: number; duplicate?: boolean; noop?: boolean }> {
    const { doc, user } = await this.serverAuthor(documentId, opts);
    return doc.serial(async () => {
      const built = typeof op === 'function' ? op(doc.data) : op;
      if (built === null) return { version: doc.version, noop: true };
      const problem = checkOp(built);
      if (problem) throw new SynclineError(ErrorCode.Invalid, `op: ${problem}`);
      return this.commit(doc, user, normalize(built), doc.version, opts.opId);
    });
  }

  /**
   * Commits several server changes in a row, each its own version and event (as `applyServerOp`), without
   * waiting for each broadcast before the next commit: the events of the batch are stored in the room log
   * together and leave in one frame per watcher (one page of zones from the PDF pipeline). Resolves once
   * every event of the batch is out. `items` may be a function of the document as the batch starts (its zone
   * count and the zone limit), called in the document's commit queue: nothing else this node commits comes between
   * it and the batch, so a batch planned to fit (whole pages up to the zone limit) does. (With several nodes, a
   * commit race lost to another node's op still catches up first, and each op is checked against the limit as
   * always.)
   */
  async applyServerOps(
    documentId: string,
    items: ServerOpItem[] | ((doc: ServerBatchState) => ServerOpItem[]),
    opts: { userId: string; ownerId?: string; name?: string },
  ): Promise<{ version: number; duplicate?: boolean; noop?: boolean }[]> {
    const { doc, user } = await this.serverAuthor(documentId, opts);
    return doc.serial(async () => {
      if (doc.deleted) throw deletedError();
      const planned =
        typeof items === 'function'
          ? items({ data: doc.data, zoneCount: doc.zoneCount, maxZones: this.limits.maxZones })
          : items;
      const held: Promise<unknown>[] = [];
      const results: { version: number; duplicate?: boolean; noop?: boolean }[] = [];
      try {
        for (const { op, opId } of planned) {
          const built = typeof op === 'function' ? op(doc.data) : op;
          if (built === null) {
            results.push({ version: doc.version, noop: true });
            continue;
          }
          const problem = checkOp(built);
          if (problem) throw new SynclineError(ErrorCode.Invalid, `op: ${problem}`);
          results.push(await this.commit(doc, user, normalize(built), doc.version, opId, held));
        }
      } finally {
        await Promise.allSettled(held);
      }
      await Promise.all(held);
      return results;
    });
  }

  /**
   * Deletes a document for good (`DocStore.delete`), after the commits queued before it: its ops, snapshots and
   * users are gone, its zone locks released, its loaded copy dropped, and opening it again (or any request on it)
   * answers `not_found`. Resolves whether the store had it. Telling its clients is the caller's part.
   */
  async deleteDocument(documentId: string): Promise<boolean> {
    documentIdOf({ documentId });
    const loaded = this.docs.get(documentId) ?? (await this.loading.get(documentId)?.catch(() => undefined));
    const run = async (): Promise<boolean> => {
      const existed = await this.store.delete(documentId, this.hub.clock.now());
      this.forget(documentId);
      // Shared locks (several nodes) outlive this node's copy: released in the broker too.
      if (this.hub.broker.distributed) {
        await Promise.resolve(this.hub.broker.zoneLocks(documentId).expire(END_OF_TIME)).catch((err) =>
          this.hub.log.warn(
            { err: String(err), documentId },
            'releasing the locks of a deleted document failed',
          ),
        );
      }
      return existed;
    };
    return loaded ? loaded.serial(run) : run();
  }

  /**
   * Drops what this node keeps of a deleted document (its loaded copy with its recent ops and in-memory zone
   * locks); commits still queued on that copy are refused. For a document deleted on another node, too.
   */
  forget(documentId: string): void {
    const doc = this.docs.get(documentId);
    if (!doc) return;
    doc.deleted = true;
    doc.release();
    this.docs.delete(documentId);
  }

  /** What the store knows of a document: `undefined` when it is unknown, deleted, or its id is not valid. */
  async info(documentId: string): Promise<DocumentInfo | undefined> {
    return DOC_ID.test(documentId) ? this.store.info(documentId) : undefined;
  }

  /** The tombstone of a deleted document (with the owner it had), `undefined` otherwise (`DocStore.deleted`). */
  async deleted(documentId: string): Promise<DeletedDocument | undefined> {
    return DOC_ID.test(documentId) ? this.store.deleted(documentId) : undefined;
  }

  /** Whether this node has the document loaded (tests, metrics). */
  isLoaded(documentId: string): boolean {
    return this.docs.has(documentId);
  }

  /** The version whose `doc.open` snapshot this node keeps encoded for the document, if any (tests, metrics). */
  openSnapshotVersion(documentId: string): number | undefined {
    return this.docs.get(documentId)?.openSnapshotVersion;
  }

  /** The document as committed now (its version and data), loading it if needed. */
  async read(
    documentId: string,
    ownerId?: string,
  ): Promise<{ version: number; data: ZoneDocument; ownerId?: string }> {
    documentIdOf({ documentId });
    // Caught up, as for `doc.open`: an export or a job reading it on this node must see what other nodes committed.
    const doc = await this.loadCurrent(documentId, ownerId ?? 'system');
    const out: { version: number; data: ZoneDocument; ownerId?: string } = {
      version: doc.version,
      data: doc.copy(),
    };
    if (doc.ownerId !== undefined) out.ownerId = doc.ownerId;
    return out;
  }

  // ---- internals --------------------------------------------------------------------------------

  /** The document loaded and, with several nodes, caught up with what the others committed; `not_found` if deleted. */
  private async loadCurrent(documentId: string, userId: string): Promise<LiveDocument> {
    const doc = await this.load(documentId, userId);
    if (this.hub.broker.distributed) {
      await doc.serial(() => this.catchUp(doc));
      // Deleted on another node whose word has not reached this one (or was lost): the copy here is all that is left.
      if (!doc.deleted && !(await this.store.info(documentId))) this.forget(documentId);
    }
    if (doc.deleted) throw deletedError();
    return doc;
  }

  private requireMember(session: Session, documentId: string): void {
    if (!session.subs.get(docRoom(documentId))) {
      throw new SynclineError(ErrorCode.NotJoined, `join doc:${documentId} first`);
    }
  }

  private async load(documentId: string, userId: string): Promise<LiveDocument> {
    const live = this.docs.get(documentId);
    if (live) return live;
    let pending = this.loading.get(documentId);
    if (!pending) {
      pending = (async () => {
        const now = this.hub.clock.now();
        const info = await this.store.ensure(documentId, userId, now).catch((err: unknown) => {
          throw err instanceof DeletedDocumentError ? deletedError() : err;
        });
        // Both reads are bounded by the version `ensure` saw: another node may commit meanwhile, and data ahead
        // of `version` would have those ops applied a second time by the next catch-up.
        const snap = await this.store.snapshot(documentId, info.version);
        const data = (snap?.data as ZoneDocument | undefined) ?? emptyDocument();
        const ops = await this.store.ops(documentId, snap?.version ?? 0, info.version);
        // The stores decode a fresh object per read: it is this document's own to change in place.
        const doc = new LiveDocument(documentId, info.version, data, info.ownerId);
        for (const r of ops) doc.applyCommitted(r.op as Op);
        if (this.hub.broker.distributed) doc.locks = this.hub.broker.zoneLocks(documentId);
        doc.recent = ops.slice(-this.opts.recentOps);
        doc.lastUsed = now;
        this.docs.set(documentId, doc);
        return doc;
      })().finally(() => this.loading.delete(documentId));
      this.loading.set(documentId, pending);
    }
    return pending;
  }

  /**
   * The loaded document, refused `not_found` once deleted. With several nodes the store is asked too: this node may
   * have missed the word of a deletion on another (a lost broadcast), and would grant locks on a copy of nothing.
   */
  private async loadExisting(documentId: string, userId: string): Promise<LiveDocument> {
    const doc = await this.load(documentId, userId);
    if (this.hub.broker.distributed && !doc.deleted && !(await this.store.info(documentId))) {
      this.forget(documentId);
    }
    if (doc.deleted) throw deletedError();
    return doc;
  }

  /**
   * Applies ops another writer (another node) committed. They are not broadcast again: the node that committed
   * an op broadcasts it, and the room log carries it to every node's subscribers.
   */
  private async catchUp(doc: LiveDocument): Promise<void> {
    const ops = await this.store.ops(doc.id, doc.version);
    for (const r of ops) {
      if (r.version !== doc.version + 1) continue;
      doc.applyCommitted(r.op as Op);
      doc.version = r.version;
      this.remember(doc, r);
    }
  }

  /**
   * The committed op with this opId, if any. A re-sent op was committed after the version it was based on, so
   * when every version after `v` is in memory the lookup stays there; otherwise the store answers. (With
   * several nodes an op committed elsewhere and not caught up yet is found on the retry after the lost race.)
   */
  private async findDuplicate(
    doc: LiveDocument,
    userId: string,
    opId: string,
    v: number,
  ): Promise<{ version: number } | undefined> {
    const recent = doc.recent;
    const first = recent[0]?.version;
    if (v >= doc.version) return undefined;
    if (first !== undefined && v >= first - 1 && recent[recent.length - 1].version === doc.version) {
      for (let i = recent.length - 1; i >= 0 && recent[i].version > v; i--) {
        if (recent[i].opId === opId && recent[i].userId === userId) return recent[i];
      }
      return undefined;
    }
    return this.store.findOp(doc.id, userId, opId);
  }

  /**
   * Stores `record`: `true` once committed, `false` when its version was taken (a lost race). An op this user
   * committed before under the same opId (the store's backstop, `DuplicateOpError`) comes back as a `duplicate`
   * result instead, which `commit` answers with the version it was committed at. `findDuplicate` cannot see those
   * by itself when the op is based on a version at or after its own: a server op (always based on the latest
   * version: a resumed job committing a page again), or a client's op re-sent after it rebased onto a snapshot
   * that already held it.
   */
  private async append(
    doc: LiveDocument,
    record: OpRecord,
  ): Promise<boolean | { version: number; duplicate: true }> {
    try {
      return await this.store.appendOp(record);
    } catch (err) {
      // Deleted meanwhile (on another node: this node has not heard of it yet).
      if (err instanceof UnknownDocumentError) {
        this.forget(doc.id);
        throw deletedError();
      }
      if (!(err instanceof DuplicateOpError)) throw err;
      const committed = await this.store.findOp(doc.id, record.userId, record.opId);
      if (committed === undefined) throw err;
      return { version: committed.version, duplicate: true };
    }
  }

  private remember(doc: LiveDocument, r: OpRecord): void {
    doc.recent.push(r);
    // Trimmed a quarter at a time, not one op per commit (a shift of the whole array each time).
    const keep = this.opts.recentOps;
    if (doc.recent.length > keep + Math.ceil(keep / 4)) doc.recent.splice(0, doc.recent.length - keep);
  }

  /**
   * `op` (what `submitted` has become so far) transformed past the committed op `rec`, noting in `notices` the
   * conflicts with it worth telling (another user's op). Throws where json1 cannot transform the two.
   */
  private transformPast(
    doc: LiveDocument,
    user: Identity,
    submitted: Op,
    op: Op,
    rec: OpRecord,
    notices: ConflictNotice[],
  ): Op {
    if (rec.userId !== user.userId) {
      for (const c of findConflicts(op, rec.op as Op)) {
        // Who lost: an edit into a deleted zone is the submitter's loss; an attribute overwritten or
        // a zone deleted under someone's edit is the earlier author's; a change inside a value someone replaced
        // whole (a zone, a box), or the deletion of a zone someone replaced, is its author's, whichever came first.
        const mine = conflictLoser(c) === 'mine';
        // The zone as it is now; a deleted one as the deletion carried it, if it did (the SDK's do).
        const zone = conflictZoneWords(
          c.zoneId === null
            ? undefined
            : (zoneNow(doc, c.zoneId) ??
                removedZone(rec.op as Op, c.zoneId) ??
                removedZone(submitted, c.zoneId)),
        );
        notices.push(
          mine
            ? { to: user.userId, conflict: c, by: rec.userId, zone }
            : { to: rec.userId, conflict: c, by: user.userId, zone },
        );
      }
    }
    return transform(op, rec.op as Op, 'left');
  }

  /**
   * The notices owed to other users for ops of theirs, committed after `made` and up to `v`, that the submitter's
   * client transformed its op past before sending it (made offline, or while others' ops arrived): their attribute
   * overwritten, or their change inside a zone the op deletes. The server never transformed these, so it would not
   * tell them otherwise. What the submitter lost was told by its client. At most `MAX_REBASED_NOTICE_OPS` ops back.
   */
  private async rebasedOver(
    doc: LiveDocument,
    user: Identity,
    submitted: Op,
    made: number,
    v: number,
  ): Promise<ConflictNotice[]> {
    const notices: ConflictNotice[] = [];
    const from = Math.max(made, v - MAX_REBASED_NOTICE_OPS);
    for (const rec of await this.opsSince(doc, from)) {
      if (rec.version > v) break;
      if (rec.userId === user.userId) continue;
      let found: OpConflict[];
      try {
        found = findConflicts(submitted, rec.op as Op);
      } catch {
        continue; // information only: an op that does not compare (not concurrent with it) tells nothing
      }
      for (const c of found) {
        if (conflictLoser(c) !== 'theirs') continue;
        // A zone they deleted and the op replaces (brought back) as their deletion carried it.
        const zone = conflictZoneWords(
          c.zoneId === null
            ? undefined
            : (zoneNow(doc, c.zoneId) ??
                removedZone(submitted, c.zoneId) ??
                removedZone(rec.op as Op, c.zoneId)),
        );
        notices.push({ to: rec.userId, conflict: c, by: user.userId, zone });
      }
    }
    return notices;
  }

  private async opsSince(doc: LiveDocument, v: number): Promise<OpRecord[]> {
    if (v >= doc.version) return [];
    const first = doc.recent[0]?.version;
    if (first !== undefined && v >= first - 1) return doc.recent.slice(v - (first - 1));
    return this.store.ops(doc.id, v, doc.version);
  }

  /** Broadcasts a committed op to the document's room under the seed's event name. */
  private async broadcast(
    doc: LiveDocument,
    r: OpRecord,
    kind: string,
    zoneIds: string[],
    /** The zone `zoneIds[0]` before the op. */
    before: Zone | undefined,
  ): Promise<void> {
    const base = {
      documentId: doc.id,
      version: r.version,
      op: r.op,
      opId: r.opId,
      userId: r.userId,
      zoneIds,
    };
    const zoneId = zoneIds[0];
    let type = 'doc_op';
    let data: Record<string, unknown> = base;
    if (SEED_KINDS.has(kind) && zoneIds.length === 1 && zoneId !== undefined) {
      type = kind;
      const zone: Zone | undefined = doc.data.zones[zoneId];
      if (kind === 'zone_create') data = { ...base, zoneId, zone };
      else if (kind === 'zone_delete') data = { ...base, zoneId };
      else if (kind === 'zone_edit') {
        // The seed's whole-text `content`, for zones of ordinary size; past that every keystroke would carry
        // (and log) the whole text, so it is `null` and readers apply `op`.
        const text = zone?.text ?? '';
        data = { ...base, zoneId, content: text.length <= EDIT_CONTENT_MAX ? text : null };
      } else data = { ...base, zoneId, updates: changedAttrs(before, zone) };
    }
    await this.hub.publish(docRoom(doc.id), type, data);
  }

  private sendConflicts(doc: LiveDocument, notices: ConflictNotice[], opId: string): void {
    for (const { to, conflict, by, zone } of notices) {
      this.hub.stats.bump(this.hub.stats.docConflicts, conflict.kind);
      const byName = doc.people.get(by)?.name;
      const attribute = conflictAttribute(conflict);
      const { kind, zoneId } = conflict;
      void this.hub
        .publish(userRoom(to), 'conflict', {
          documentId: doc.id,
          zoneId,
          kind,
          byUserId: by,
          ...(byName === undefined ? {} : { byUserName: byName }),
          ...zone,
          ...(attribute === undefined ? {} : { attribute }),
          opId,
          message: describeConflict({
            kind,
            origin: 'server',
            by: byName ?? by,
            zoneId,
            ...zone,
            attribute,
          }),
        })
        .catch(() => {});
    }
  }

  /**
   * Publishes the checksum of the document at its current version, after that version's event (`data` and
   * `version` change together, in one synchronous step of a commit or a catch-up). A document of more than
   * `SLICED_CHECKSUM_ZONES` zones is hashed a slice at a time instead (`CHECKSUM_SLICE_MS` of each task): hashing
   * 10,000 zones in one go held the node's event loop for 90-160 ms every second the document was edited, and every
   * other socket of the node with it. The slices read `data` as it is, so the run is given up when the version moves
   * (an op came) and owed again: the next sweep after the interval starts it over. A busy big document is thus
   * checksummed in its pauses.
   */
  private publishChecksum(doc: LiveDocument, now: number): void {
    doc.checksumAt = now;
    doc.checksumOwed = false;
    if (doc.zoneCount > SLICED_CHECKSUM_ZONES) {
      this.checksumInSlices(doc);
      return;
    }
    let sum: string;
    try {
      sum = checksum(doc.data);
    } catch (err) {
      // Validation keeps documents checksummable; should one not be, its commits and the sweep go on without it.
      this.hub.log.error({ err, documentId: doc.id }, 'checksum failed');
      return;
    }
    this.announceChecksum(doc, doc.version, sum);
  }

  private checksumInSlices(doc: LiveDocument): void {
    if (doc.checksumRun !== null) return; // one at a time; the one under way gives up if it is outdated
    const version = doc.version;
    doc.checksumRun = version;
    const outdated = () => doc.deleted || this.docs.get(doc.id) !== doc || doc.version !== version;
    checksumInTasks(checksumSteps(doc.data, CHECKSUM_STEP_ZONES), this.hub.clock, outdated).then(
      (sum) => {
        doc.checksumRun = null;
        if (sum !== null) this.announceChecksum(doc, version, sum);
        else if (!doc.deleted) doc.checksumOwed = true;
      },
      (err) => {
        doc.checksumRun = null;
        this.hub.log.error({ err, documentId: doc.id }, 'checksum failed');
      },
    );
  }

  private announceChecksum(doc: LiveDocument, version: number, sum: string): void {
    void this.hub
      .publish(docRoom(doc.id), 'doc_checksum', { documentId: doc.id, version, checksum: sum })
      .catch(() => {});
  }

  /** Publishes the end of `lock`; `by`: who ended it when that is not its holder (the owner forcing it). */
  private announceUnlock(
    doc: Pick<LiveDocument, 'id'>,
    lock: ZoneLock,
    reason: 'released' | 'expired' | 'left' | 'forced',
    by?: Pick<Identity, 'userId' | 'name'>,
  ): void {
    void this.hub
      .publish(docRoom(doc.id), 'zone_unlock', {
        documentId: doc.id,
        zoneId: lock.zoneId,
        userId: lock.userId,
        reason,
        ...(by === undefined ? {} : { byUserId: by.userId }),
        ...(by?.name === undefined ? {} : { byUserName: by.name.slice(0, 128) }),
      })
      .catch(() => {});
  }

  private sweep(): void {
    const now = this.hub.clock.now();
    for (const [id, doc] of this.docs) {
      // Only at a version whose event this node published before: with several nodes, an op caught up from
      // another node may not be in the room's log yet, and a checksum ahead of its event would send clients
      // re-opening for a gap. (That node's own sweep owes its checksum.)
      if (
        doc.checksumOwed &&
        doc.version === doc.broadcastVersion &&
        now - doc.checksumAt >= this.opts.checksumIntervalMs
      )
        this.publishChecksum(doc, now);
      const expired = doc.locks.expire(now);
      if (Array.isArray(expired)) for (const l of expired) this.announceUnlock(doc, l, 'expired');
      else {
        expired.then(
          (ls) => {
            for (const l of ls) this.announceUnlock(doc, l, 'expired');
          },
          () => {}, // the broker is away; the next sweep tries again
        );
      }
      doc.releaseOpenedIdleSince(now - OPEN_SNAPSHOT_IDLE_MS);
      const room = this.hub.rooms.get(docRoom(id));
      if (!room?.subs.size && doc.locks.size === 0 && now - doc.lastUsed > this.opts.idleUnloadMs) {
        doc.release();
        this.docs.delete(id);
      }
    }
  }
}

/**
 * Runs a checksum's steps (`checksumSteps`) `CHECKSUM_SLICE_MS` of the event loop at a time, each slice in a task of
 * its own; `null` when `stop` says so before a slice (the document it reads changed).
 */
function checksumInTasks(
  steps: Generator<void, string, void>,
  clock: Clock,
  stop: () => boolean = () => false,
): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const slice = (): void => {
      if (stop()) {
        resolve(null);
        return;
      }
      const until = clock.now() + CHECKSUM_SLICE_MS;
      try {
        for (let step = steps.next(); ; step = steps.next()) {
          if (step.done) {
            resolve(step.value);
            return;
          }
          if (clock.now() >= until) break;
        }
      } catch (err) {
        reject(err);
        return;
      }
      clock.defer(slice);
    };
    clock.defer(slice);
  });
}

/** Ops between two snapshots of a document of `zoneCount` zones (see `SequencerOptions.snapshotEvery`). */
export function snapshotInterval(every: number, zoneCount: number): number {
  let scale = 1;
  while (scale * 1_000 < zoneCount) scale *= 2;
  return every * scale;
}

/**
 * What `validateDocument` finds in a document after a one-zone op: the zone's problems, and the zone limit when the op
 * adds the zone (a document over the limit, lowered since it grew, can still be edited).
 */
function zoneProblems(one: OneZoneResult, zoneCount: number, limits: DocLimits): string[] {
  if (one.after === undefined) return [];
  const problems = validateZone(one.after, one.zoneId, limits);
  const count = zoneCount + 1;
  if (one.before === undefined && count > limits.maxZones) {
    problems.push(`${count} zones, the limit is ${limits.maxZones}`);
  }
  return problems;
}

/** How many zones a document made by an op holds (0 when its `zones` is not an object: it is refused anyway). */
function zoneCountOf(doc: ZoneDocument | null): number {
  const zones = (doc as { zones?: unknown } | null)?.zones;
  return typeof zones === 'object' && zones !== null ? Object.keys(zones).length : 0;
}

/**
 * A `zone_update`'s `updates`: each field but `id` and `text` the op changed, with its new value, and `null` for one it
 * removed (an optional field such as `order`, which a move drops): a reader merging `updates` into its copy of the
 * zone deletes the `null` ones.
 */
function changedAttrs(before: Zone | undefined, after: Zone | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!after) return out;
  for (const [k, v] of Object.entries(after)) {
    if (k === 'text' || k === 'id') continue;
    if (JSON.stringify(before?.[k as keyof Zone]) !== JSON.stringify(v)) out[k] = v;
  }
  for (const k of Object.keys(before ?? {})) {
    if (k !== 'text' && k !== 'id' && !(k in after)) out[k] = null;
  }
  return out;
}
