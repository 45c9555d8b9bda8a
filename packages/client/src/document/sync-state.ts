import {
  apply,
  applyOps,
  canonicalJson,
  compose,
  copyObject,
  DEFAULT_LIMITS,
  type DocLimits,
  describeOp,
  findConflicts,
  invertWithDoc,
  isStampPath,
  type Json,
  numberAddProblem,
  type Op,
  type OpConflict,
  opComponents,
  transform,
  validateDocument,
  type Zone,
  type ZoneDocument,
  zoneLocalStep,
} from '@syncline/doc';
import { diffDocuments } from './diff.js';

/**
 * What a local edit is checked against: the zones it touches, not the number of zones. The server is the authority
 * on that (its limit is configurable, `SYNCLINE_MAX_ZONES`): checked against the default here, every edit of a
 * document the server let grow past 10,000 zones would throw. An op adding zones past the server's limit is
 * refused by the server and rolled back.
 */
const LOCAL_LIMITS: DocLimits = { ...DEFAULT_LIMITS, maxZones: Number.POSITIVE_INFINITY };

/**
 * The most ops the journal holds (`SyncState.journal`): past that it starts again from the current server document
 * when next read. A document only watched (nothing saved) does not hold every op it ever received.
 */
export const JOURNAL_CAP = 1000;

/**
 * The most JSON characters (UTF-16 units) a pending op grows to by composing my edits into it. Each edit fits a frame
 * on its own (the server's limit is 64 KiB by default), but composed they could pass it: a zone typed or pasted into
 * offline went out as one op, refused `too_large`, and every one of those edits was rolled back. 16,000 units are at
 * most 48 KB of UTF-8, with room for the envelope.
 */
export const MAX_COMPOSED_OP_CHARS = 16_000;

/**
 * The client's side of the OT protocol, as ShareDB runs it, with no I/O: the confirmed server document
 * and its version, at most one op in flight (sent, awaiting its commit) and a list of pending ops (not
 * sent yet), and the local document, which is always `serverDoc` + in-flight + pending.
 *
 * Every op of mine is expressed against the document it follows: the in-flight op against `serverDoc`,
 * each pending op against the one before it. A remote op is transformed past them (`'right'`), and they
 * past it (`'left'`: the op not yet committed is the left one, as on the server).
 */

/** An op of mine that the server has not confirmed. */
export interface LocalOp {
  /** Unique per user; the server recognises a re-sent op by it. */
  opId: string;
  op: Op;
  /** Sent at least once, or restored from storage: the server may have it (re-send with the same opId). */
  sent: boolean;
  /** The server may have committed it already, in a snapshot we rebased onto without its ops. */
  mayBeIncluded: boolean;
  /** The version the server says it was committed at (its reply came, its event maybe not yet). */
  committedAt?: number;
  /**
   * The confirmed version it (its oldest part) was made on. Sent as `made` when it is older than the version the op
   * goes with and it `clashed`, so the server tells those whose changes it overwrites (their ops were transformed
   * here, not there).
   */
  madeAt?: number;
  /**
   * It was transformed here past a remote op it conflicts with (`applyRemote`'s conflicts), or it was restored from
   * storage (rebased onto a snapshot: unknown). Only then is `made` worth the server's look back.
   */
  clashed?: boolean;
  /**
   * The server's version when it answered `noop`: the op was not committed, the ops up to that version
   * transformed it to nothing (once they are applied here, so did they my copy of it).
   */
  noopAt?: number;
}

/** A conflict between a pending op of mine and a remote op, found before transforming. */
export interface PendingConflict {
  opId: string;
  conflict: OpConflict;
}

/**
 * A value a remote op set that my unconfirmed ops overwrite (the server applies them after it): the op as applied
 * here does not set it. `was`: the server document's value there before the remote op.
 */
export interface Shadowed {
  path: (string | number)[];
  value: Json;
  /** `undefined`: there was none. */
  was: Json | undefined;
}

/**
 * Remote ops not applied to the local document yet (`SyncState.deferred`): `base` is the document before them and
 * `changes` what they made of each zone they touched, in the order json1 would leave the keys (`moved`: the key was
 * removed, and put back at the end if `zone` is not null).
 */
interface Deferred {
  base: ZoneDocument;
  changes: Map<string, { zone: Zone | null; moved: boolean }>;
}

/** What `applyRemote` tells besides the op as applied. */
export interface RemoteResult {
  applied: Op;
  conflicts: PendingConflict[];
  shadowed: Shadowed[];
  /** The local document before the op, when it was applied at once. */
  before?: ZoneDocument;
  /** When it was deferred: the zones it deleted (id and zone), as they were. */
  deleted?: [string, Zone][];
}

export class SyncState {
  version: number;
  private current: ZoneDocument;
  /**
   * Remote ops taken while nothing of mine was unconfirmed, not applied yet. A run of them (a frame of other users'
   * typing, a processing job's zones, the ops missed while offline) is applied with one copy of the zones when the
   * document is next read, not one copy per op: on a big document each copy costs the zone count (10,000 zones:
   * milliseconds per op, seconds for a burst of a thousand). `zone(id)` reads through them without applying.
   */
  private deferred: Deferred | null = null;
  inflight: LocalOp | null;
  pending: LocalOp[];
  /**
   * The server document is kept lazily: `base` plus the committed ops in `behind`, applied when someone reads
   * `serverDoc`. While an op of mine is in flight, remote ops are applied to the local document only; when
   * the ack comes with nothing of mine pending, the local document *is* the server's and `behind` is dropped
   * unapplied. So a remote op costs one apply, not two, in the usual rhythm of typing.
   */
  private base: ZoneDocument;
  private behind: Op[] = [];
  /** Bumped whenever my ops change other than by a remote op (what a saved record must follow). */
  revision = 0;
  /**
   * The journal: the server document at `journalVersion` (null: start again from the current one when next read)
   * and the ops committed since, in order. A saved record holds these rather than the current server document, so
   * a big document's snapshot is not written again for every op (see `journal`).
   */
  private journalDoc: ZoneDocument | null;
  private journalVersion: number;
  private journalOps: Op[] = [];
  /** An op in `behind` did not fit the server document (the replicas diverged); see `takeDiverged`. */
  private diverged = false;

  constructor(
    serverDoc: ZoneDocument,
    version: number,
    inflight: LocalOp | null = null,
    pending: LocalOp[] = [],
  ) {
    this.base = serverDoc;
    this.version = version;
    this.journalDoc = serverDoc;
    this.journalVersion = version;
    this.inflight = inflight;
    this.pending = pending;
    this.current = serverDoc;
    this.recompute();
  }

  /** The local document: the server's + in flight + pending. */
  get doc(): ZoneDocument {
    if (this.deferred !== null) this.applyDeferred();
    return this.current;
  }

  set doc(doc: ZoneDocument) {
    if (this.deferred !== null) this.applyDeferred();
    this.current = doc;
  }

  /** Whether remote ops wait to be applied (the next read of `doc` applies them). */
  get deferring(): boolean {
    return this.deferred !== null;
  }

  /** One zone of the local document, read through the deferred ops (none is applied). */
  zone(zoneId: string): Zone | undefined {
    const change = this.deferred?.changes.get(zoneId);
    if (change !== undefined) return change.zone ?? undefined;
    const zones = this.current.zones;
    return Object.hasOwn(zones, zoneId) ? zones[zoneId] : undefined;
  }

  /** The confirmed server document at `version`. */
  get serverDoc(): ZoneDocument {
    if (this.deferred !== null) this.applyDeferred();
    if (this.behind.length > 0) this.catchUp();
    return this.base;
  }

  set serverDoc(doc: ZoneDocument) {
    if (this.deferred !== null) this.applyDeferred();
    this.base = doc;
    this.behind = [];
  }

  /**
   * Whether a committed op turned out not to fit the server document when it was finally applied (the
   * document stops before it, so the next checksum differs too); reading clears it. The caller resyncs.
   */
  takeDiverged(): boolean {
    const d = this.diverged;
    this.diverged = false;
    return d;
  }

  /**
   * The server document at an earlier version and the ops committed since (`doc` + `ops` = `serverDoc` at
   * `version`). The document stays the same value until the journal starts again (`restartJournal`, or past
   * `JOURNAL_CAP` ops), so a persistence can store it once and, per save, only the ops.
   */
  get journal(): { doc: ZoneDocument; version: number; ops: readonly Op[] } {
    if (this.journalDoc === null) this.restartJournal();
    return { doc: this.journalDoc as ZoneDocument, version: this.journalVersion, ops: this.journalOps };
  }

  /** Starts the journal again from the current server document. */
  restartJournal(): void {
    this.journalDoc = this.serverDoc;
    this.journalVersion = this.version;
    this.journalOps = [];
  }

  /** Continues a saved journal: `doc` + `ops` is the server document this state was made with. */
  continueJournal(doc: ZoneDocument, ops: readonly Op[]): void {
    if (ops.length > this.version) throw new RangeError('more journal ops than versions');
    this.journalDoc = doc;
    this.journalVersion = this.version - ops.length;
    this.journalOps = [...ops];
  }

  /** A committed op, at the version just taken. Past the cap the journal lets go of its ops and document. */
  private journalPush(op: Op): void {
    if (this.journalDoc === null) return;
    if (this.journalOps.length >= JOURNAL_CAP) {
      this.journalDoc = null;
      this.journalOps = [];
      return;
    }
    this.journalOps.push(op);
  }

  private catchUp(): void {
    // In one pass (`applyOps`): a typist's acks queue an op each here, and applying them one by one copied a big
    // document's zones once per op (50 ops on 10,000 zones: ~350 ms in Chromium, at every checksum).
    const { doc, failed } = applyOps(this.base, this.behind);
    if (failed.length > 0) {
      this.diverged = true;
      this.journalDoc = null; // it holds that op too: start it again from what the server document is here
    }
    this.base = doc;
    this.behind = [];
  }

  /** Ops of mine the server has not confirmed (in flight + pending). */
  get unconfirmed(): number {
    return this.pending.length + (this.inflight ? 1 : 0);
  }

  /**
   * Applies an op of mine to the local document and queues it. Throws (changing nothing) when it does not
   * fit the document or leaves a touched zone invalid. With `compose`, the op joins the last pending op
   * when both touch the same zones (typing in one zone makes one op, not one per keystroke).
   */
  applyLocal(op: Op, opId: string, composeWithLast = true): void {
    if (op === null) return;
    const adds = numberAddProblem(this.doc, op);
    if (adds !== null) throw new RangeError(`the op does not fit the document: ${adds}`);
    this.revision++;
    const next = apply(this.doc, op);
    const { zoneIds, touchesAllZones } = describeOp(op);
    const problems = validateDocument(
      next,
      touchesAllZones ? { limits: LOCAL_LIMITS } : { limits: LOCAL_LIMITS, zoneIds },
    );
    if (problems.length > 0)
      throw new RangeError(`the op leaves the document invalid: ${problems.join('; ')}`);
    this.doc = next;
    const last = this.pending[this.pending.length - 1];
    if (
      composeWithLast &&
      last &&
      !last.sent &&
      !last.mayBeIncluded &&
      sameScope(last.op, op) &&
      JSON.stringify(last.op).length + JSON.stringify(op).length <= MAX_COMPOSED_OP_CHARS
    ) {
      last.op = compose(last.op, op);
      if (last.op === null) this.pending.pop(); // undone before it was sent: nothing to send
    } else {
      this.pending.push({ opId, op, sent: false, mayBeIncluded: false, madeAt: this.version });
    }
  }

  /** Moves the first pending op in flight (when none is). */
  promote(): LocalOp | null {
    if (this.inflight) return this.inflight;
    this.revision++;
    // Ops that became no-ops (transformed away) and were never sent need not go anywhere.
    while (this.pending.length > 0 && this.pending[0].op === null && !this.pending[0].sent)
      this.pending.shift();
    this.inflight = this.pending.shift() ?? null;
    return this.inflight;
  }

  /**
   * A committed op that is not mine, at `version + 1`. Returns the op as applied to the local document,
   * and the conflicts it had with my pending ops (the server reports those with my in-flight op).
   * Throws, changing nothing, when the op does not fit the server document (the replicas diverged).
   */
  applyRemote(op: Op): RemoteResult {
    if (this.unconfirmed === 0) {
      const deleted = this.defer(op);
      if (deleted !== undefined) {
        this.version++;
        this.journalPush(op);
        return { applied: op, conflicts: [], shadowed: [], deleted };
      }
      // The local document is the server's (the same value): one apply serves both.
      const before = this.doc;
      const next = apply(before, op);
      this.serverDoc = next;
      this.doc = next;
      this.version++;
      this.journalPush(op);
      return { applied: op, conflicts: [], shadowed: [], before };
    }
    const inflightOp = this.inflight?.op ?? null;
    const pendingOps = this.pending.map((p) => p.op);
    let remote = op;
    const conflicts: PendingConflict[] = [];
    if (this.inflight) {
      const mine = this.inflight.op;
      this.inflight.op = transform(mine, remote, 'left');
      remote = transform(remote, mine, 'right');
    }
    for (const p of this.pending) {
      const mine = p.op;
      for (const conflict of findConflicts(mine, remote)) {
        conflicts.push({ opId: p.opId, conflict });
        p.clashed = true;
      }
      p.op = transform(mine, remote, 'left');
      remote = transform(remote, mine, 'right');
    }
    let local: ZoneDocument | null = null;
    const before = this.doc;
    try {
      local = apply(this.doc, remote);
    } catch {
      // Does the op fit the server document? If not, the replicas diverged: undo the transforms and say so.
      try {
        this.base = apply(this.serverDoc, op);
      } catch (error) {
        if (this.inflight) this.inflight.op = inflightOp;
        this.pending.forEach((p, i) => {
          p.op = pendingOps[i];
        });
        throw error;
      }
      this.version++;
      this.journalPush(op);
      this.recompute();
      // `remote` did not apply to my copy, and `recompute` may have dropped ops of mine: what changed in the
      // local document is told by the difference (change events and the undo manager must get that).
      return { applied: diffDocuments(before, this.doc), conflicts, shadowed: [], before };
    }
    const shadowed = this.shadowedBy(op, remote);
    this.behind.push(op);
    this.doc = local;
    this.version++;
    this.journalPush(op);
    return { applied: remote, conflicts, shadowed, before };
  }

  /**
   * Takes `op` into the deferred ops when it is one whose outcome is certain without applying it (a text or
   * attribute edit of one zone, a zone created where there is none, a zone deleted): returns the zones it deletes.
   * `undefined`: apply it now (anything else, or an op that would not apply, whose error `apply` then throws).
   * Only while the local document is the server's.
   */
  private defer(op: Op): [string, Zone][] | undefined {
    if (
      op === null ||
      !Array.isArray(op) ||
      (this.deferred === null && (this.base !== this.current || this.behind.length > 0))
    )
      return undefined;
    const d = this.deferred ?? { base: this.current, changes: new Map() };
    const zoneAt = (id: string): Zone | undefined => {
      const change = d.changes.get(id);
      if (change !== undefined) return change.zone ?? undefined;
      return Object.hasOwn(d.base.zones, id) ? d.base.zones[id] : undefined;
    };
    let deleted: [string, Zone][] = [];
    const [head, id, last] = op as unknown[];
    if (
      op.length === 3 &&
      head === 'zones' &&
      typeof id === 'string' &&
      id !== '__proto__' &&
      isPlain(last)
    ) {
      const keys = Object.keys(last);
      const zone = zoneAt(id);
      if (keys.length === 1 && keys[0] === 'i' && zone === undefined && isPlain(last.i)) {
        // Created: the key is added at the end.
        d.changes.delete(id);
        d.changes.set(id, { zone: last.i as unknown as Zone, moved: true });
      } else if (keys.length === 1 && keys[0] === 'r' && zone !== undefined) {
        d.changes.delete(id);
        d.changes.set(id, { zone: null, moved: true });
        deleted = [[id, zone]];
      } else return this.deferEdit(d, op, zoneAt);
    } else return this.deferEdit(d, op, zoneAt);
    this.deferred = d;
    return deleted;
  }

  /** `defer` for an edit inside one zone (`zoneLocalStep`'s ops), which keeps the zone's key where it is. */
  private deferEdit(
    d: Deferred,
    op: Op,
    zoneAt: (id: string) => Zone | undefined,
  ): [string, Zone][] | undefined {
    const id = Array.isArray(op) && op[0] === 'zones' && typeof op[1] === 'string' ? op[1] : undefined;
    const zone = id === undefined ? undefined : zoneAt(id);
    if (id === undefined || zone === undefined || id === '__proto__') return undefined;
    let step: ReturnType<typeof zoneLocalStep>;
    try {
      step = zoneLocalStep({ [id]: zone }, op);
    } catch {
      return undefined; // a text edit that does not fit: `apply` throws it
    }
    if (step === undefined || step.id !== id) return undefined;
    const change = d.changes.get(id);
    if (change !== undefined) change.zone = step.zone as unknown as Zone;
    else d.changes.set(id, { zone: step.zone as unknown as Zone, moved: false });
    this.deferred = d;
    return [];
  }

  /** Applies the deferred ops: one copy of the zones, each zone they touched written once. */
  private applyDeferred(): void {
    const d = this.deferred;
    if (d === null) return;
    this.deferred = null;
    const zones = copyObject(d.base.zones as never) as Record<string, Zone>;
    for (const [id, { zone, moved }] of d.changes) {
      if (moved) delete zones[id];
      if (zone !== null) zones[id] = zone;
    }
    const doc = { ...d.base, zones };
    this.current = doc;
    this.base = doc;
  }

  /**
   * The values remote op `op` sets (a key replaced or inserted, not text edited) that it no longer sets once
   * transformed past my unconfirmed ops (`applied`): my ops set them after it. Called before `op` joins the server
   * document, whose values before it are read only when there is one (rare: two users setting one attribute).
   */
  private shadowedBy(op: Op, applied: Op): Shadowed[] {
    let sets: { path: (string | number)[]; value: Json }[] | undefined;
    for (const { path, c } of opComponents(op)) {
      if (
        c.i === undefined ||
        c.e !== undefined ||
        c.es !== undefined ||
        c.p !== undefined ||
        c.d !== undefined
      )
        continue;
      if (isStampPath(path)) continue; // who changed a zone last: no undo step holds it
      (sets ??= []).push({ path, value: c.i as Json });
    }
    if (sets === undefined) return [];
    const kept = new Set(opComponents(applied).map((e) => pathKey(e.path)));
    const lost = sets.filter((s) => !kept.has(pathKey(s.path)));
    if (lost.length === 0) return [];
    const server = this.serverDoc;
    return lost.map(({ path, value }) => ({ path, value, was: valueAt(server, path) }));
  }

  /** The in-flight op was committed at `version + 1`. */
  ack(): LocalOp {
    const inflight = this.inflight;
    if (!inflight) throw new Error('no op in flight');
    this.revision++;
    // Nothing of mine after it: the local document is the server's now (the same value, not applied again).
    if (this.pending.length === 0) this.serverDoc = this.doc;
    else if (inflight.op !== null) this.behind.push(inflight.op);
    this.version++;
    this.journalPush(inflight.op);
    this.inflight = null;
    return inflight;
  }

  /**
   * Takes the in-flight op out (the server rejected it, or it is in the snapshot already): its inverse,
   * against the server document it applies to, is transformed past the pending ops, which are transformed
   * past it. Returns the op that undid it in the local document.
   */
  dropInflight(): { dropped: LocalOp; applied: Op } {
    this.revision++;
    const dropped = this.inflight;
    if (!dropped) throw new Error('no op in flight');
    this.inflight = null;
    const before = this.doc;
    let inverse: Op;
    try {
      inverse = invertWithDoc(dropped.op, this.serverDoc);
    } catch {
      // Cannot happen while the invariant holds; if it does, drop the op and rebuild from the server doc.
      this.recompute();
      return { dropped, applied: diffDocuments(before, this.doc) };
    }
    let undo = inverse;
    for (const p of this.pending) {
      const mine = p.op;
      p.op = transform(mine, undo, 'left');
      undo = transform(undo, mine, 'right');
    }
    this.pending = this.pending.filter((p) => p.op !== null || p.sent);
    // Recompute rather than apply `undo`: the local document must be exactly server + pending.
    this.recompute();
    return { dropped, applied: sameDoc(before, this.doc, undo) ? undo : diffDocuments(before, this.doc) };
  }

  /**
   * Rebases onto a snapshot whose ops are not known: what changed between the server document and
   * `snapshot` (as one op) is treated as a remote op. Returns that change as applied locally.
   */
  rebase(snapshot: ZoneDocument, version: number): Op {
    this.revision++;
    const before = this.doc;
    let change = diffDocuments(this.serverDoc, snapshot);
    for (const mine of this.inflight ? [this.inflight, ...this.pending] : this.pending) {
      const op = mine.op;
      mine.op = transform(op, change, 'left');
      change = transform(change, op, 'right');
      mine.mayBeIncluded = mine.mayBeIncluded || mine.sent;
    }
    this.serverDoc = snapshot;
    this.diverged = false;
    this.version = version;
    this.journalDoc = snapshot; // its ops are not known: the journal starts again from it
    this.journalVersion = version;
    this.journalOps = [];
    this.pending = this.pending.filter((p) => p.op !== null || p.sent);
    this.recompute();
    return sameDoc(before, this.doc, change) ? change : diffDocuments(before, this.doc);
  }

  /**
   * Recomputes the local document as server + in-flight + pending. An op that no longer applies (only
   * after the replicas diverged) is dropped; returns the dropped ops.
   */
  recompute(): LocalOp[] {
    this.revision++;
    let doc = this.serverDoc;
    const dropped: LocalOp[] = [];
    if (this.inflight) {
      try {
        doc = apply(doc, this.inflight.op);
      } catch {
        // Keep it in flight (the server decides about it) but without local effect.
        dropped.push(this.inflight);
        this.inflight.op = null;
      }
    }
    const kept: LocalOp[] = [];
    for (const p of this.pending) {
      try {
        doc = apply(doc, p.op);
        kept.push(p);
      } catch {
        dropped.push(p);
      }
    }
    this.pending = kept;
    this.doc = doc;
    return dropped;
  }
}

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The zones (or `meta`) two ops touch are the same: they can be composed into one op for the server. */
function sameScope(a: Op, b: Op): boolean {
  const x = describeOp(a);
  const y = describeOp(b);
  if (x.touchesAllZones || y.touchesAllZones || x.kind === 'mixed' || y.kind === 'mixed') return false;
  return x.zoneIds.join('\u0000') === y.zoneIds.join('\u0000') && (x.kind === 'meta') === (y.kind === 'meta');
}

/** Whether applying `op` to `before` gives `after` (so that `op` describes the change exactly). */
function sameDoc(before: ZoneDocument, after: ZoneDocument, op: Op): boolean {
  try {
    return canonicalJson(apply(before, op)) === canonicalJson(after);
  } catch {
    return false;
  }
}

const pathKey = (path: readonly (string | number)[]) => path.join('\u0000');

/** The value at `path` in `doc` (`undefined` where there is none). */
function valueAt(doc: Json, path: readonly (string | number)[]): Json | undefined {
  let v: Json | undefined = doc;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string | number, Json | undefined>)[k];
  }
  return v;
}
