import { boxesByCoordinate } from './box-change.js';
import { conflictLoser, findConflicts, type OpConflict } from './conflicts.js';
import { describeOp, type Stamp, stampOp, withoutStamps } from './ops.js';
import {
  compose,
  invertWithDoc,
  type Json,
  type Op,
  type OpEntry,
  opComponents,
  opFromComponents,
  transform,
} from './ot.js';
import type { ZoneDocument } from './zone.js';
import { zoneLocal } from './zone-local.js';

/**
 * Per-user undo/redo over a shared document.
 *
 * The undo stack holds inverses of *my* ops, made invertible against the document they were applied to.
 * It is a chain: the top entry applies to the current document, and each entry below applies once the
 * entries above it were undone (so my later ops are undone first, and need no transforming). Every op
 * that is not mine (a remote op as applied locally, a rollback) is transformed down the chain, so each
 * entry always applies to what the document will be when its turn comes; on a collision the later op
 * wins (entries transform as `'right'`), which is why an undo never reverts someone else's work.
 *
 * Policy for what transforming cannot express:
 * - an entry that would delete a zone others edited since (undoing my creation of it), or replace it whole
 *   (undoing my creation that replaced theirs, made at once and committed first), keeps the zone as it is,
 *   with notice `edited_by_others` (decided at undo time; the steps below then see the zone kept);
 * - parts lost because others deleted the zone or overwrote the attribute are reported with the undo
 *   that would have carried them (`zone_deleted`, `overwritten`); if nothing is left, `undo()` returns
 *   `op: null` with that notice;
 * - an entry that would put back whole a zone that others deleted since (it replaces the zone: undoing my creation
 *   that replaced theirs; json1 would make it an insert, and the zone would come back) leaves the zone deleted,
 *   with notice `zone_deleted`, as an edit inside a zone others deleted does (decided at undo time);
 * - `updatedBy`/`updatedAt` are not restored by an undo (it is a new change); pass a stamp to `undo()`
 *   to mark the zones it touches as changed by the undoing user.
 */

export type UndoNoticeReason =
  | 'nothing_to_undo'
  | 'nothing_to_redo'
  | 'zone_deleted'
  | 'edited_by_others'
  | 'overwritten';

export type UndoNotice = {
  reason: UndoNoticeReason;
  /** The zones concerned, sorted. */
  zoneIds: string[];
  /** Part of the change could still be undone (`op` is not null). */
  partial: boolean;
  /**
   * Who made the changes behind `reason`, as far as their ops were recorded with an author (`recordRemote(op, by)`):
   * each once, ordered by their latest such change (the last is the most recent). Absent when none is known.
   */
  byUserIds?: string[];
};

export type UndoResult = {
  /** Apply this to the document passed to `undo`/`redo` and submit it; `null` when there is nothing to do. */
  op: Op;
  notice: UndoNotice | null;
};

export type UndoManagerOptions = {
  /** How many steps are kept; the oldest are dropped beyond it. */
  depth?: number;
  /**
   * Text edits of one zone made within this many ms of each other are one step (typing a word is undone at
   * once, as editors do), also while others edit the document: their changes do not split my run, and
   * undoing the run never takes theirs back. Needs the `at` of `recordOwn`. Default 0:
   * every op is a step.
   */
  captureMs?: number;
};

type Lost = Exclude<UndoNoticeReason, 'nothing_to_undo' | 'nothing_to_redo'>;
/**
 * `later`: ops not mine that came while this entry was the top of its stack, oldest first, not yet
 * transformed into it (see `rebase`).
 */
type Entry = {
  op: Op;
  /**
   * The subtrees `op` touched when the step was made (`footprint`). Transforming only ever narrows an op's
   * footprint, so this stays a superset of the current one.
   */
  keys: string[] | null;
  lost: Map<Lost, Set<string>>;
  /** Who made the changes behind each reason of `lost`, when known (see `UndoNotice.byUserIds`). */
  lostBy?: Map<Lost, Set<string>>;
  later: Later[];
  /**
   * A typing step: the zone whose text it edits, when it was last extended, and how many edits it holds
   * (see `captureMs`).
   */
  typing?: { zoneId: string; at: number; edits: number };
};
/** An op queued on an entry, with its footprint and, when known, who made it (several: ops composed). */
type Later = { op: Op; keys: string[] | null; by?: readonly string[] };

export const DEFAULT_UNDO_DEPTH = 100;

/**
 * A typing step ends after this many edits even without a pause: a sentence typed in one go is undone in
 * pieces, and the step's op (transformed past others' edits at every keystroke of mine) stays small.
 */
export const MAX_RUN_EDITS = 64;

/** Notice priority: the first reason present names the notice. */
const LOST_ORDER: Lost[] = ['zone_deleted', 'edited_by_others', 'overwritten'];

export class UndoManager {
  readonly depth: number;
  readonly captureMs: number;
  #undo: Entry[] = [];
  #redo: Entry[] = [];

  constructor(options: UndoManagerOptions = {}) {
    const depth = options.depth ?? DEFAULT_UNDO_DEPTH;
    if (!Number.isSafeInteger(depth) || depth < 1) throw new RangeError('depth must be an integer >= 1');
    this.depth = depth;
    this.captureMs = options.captureMs ?? 0;
  }

  /**
   * An op of mine, applied to `before`. It becomes the next step to undo, and clears the redo stack.
   * Do not pass ops returned by `undo()`/`redo()`: they are recorded already.
   */
  recordOwn(op: Op, before: ZoneDocument, at?: number): void {
    if (op === null) return;
    const inverse = boxesByCoordinate(withoutStamps(invertWithDoc(op, before)));
    this.#redo = [];
    if (inverse === null) {
      // Nothing to undo (a stamp-only change): the entries below must still apply after it.
      rebase(this.#undo, op);
      return;
    }
    const desc = describeOp(op);
    const zoneId = desc.kind === 'zone_edit' && desc.zoneIds.length === 1 ? desc.zoneIds[0] : undefined;
    const typing = zoneId !== undefined && at !== undefined ? { zoneId, at, edits: 1 } : undefined;
    const top = this.#undo[this.#undo.length - 1];
    if (
      this.captureMs > 0 &&
      typing &&
      top?.typing &&
      top.typing.zoneId === typing.zoneId &&
      top.lost.size === 0 &&
      top.typing.edits < MAX_RUN_EDITS &&
      typing.at - top.typing.at <= this.captureMs
    ) {
      // The same typing run, whatever others did meanwhile: the step takes in their ops first (they go on
      // down the stack), so it applies to the document this op was made on; undoing it then undoes this op
      // and the rest of the run, and nothing of theirs.
      settle(this.#undo, this.#undo.length - 1);
      if (top.lost.size === 0) {
        try {
          top.op = compose(inverse, top.op);
          top.typing.at = typing.at;
          top.typing.edits++;
          return;
        } catch {
          // not expected (the ops follow each other); keep it a step of its own
        }
      }
    }
    // The step below stops being the top: take in what was queued on it now, so its queue (remote ops that
    // arrived while I typed it) goes down as one composed op instead of staying in memory, op by op, until
    // the step drops off the stack (seconds: long enough for the garbage collector to copy and promote them).
    settle(this.#undo, this.#undo.length - 1);
    push(
      this.#undo,
      { op: inverse, keys: footprint(inverse), lost: new Map(), later: [], typing },
      this.depth,
    );
  }

  /**
   * An op that is not mine, as applied to the local document after the ops recorded so far: a remote op
   * (transformed past my pending ops), or the rollback of a rejected op of mine. `by`: who made it, when known
   * (a notice it causes names them: `byUserIds`).
   */
  recordRemote(op: Op, by?: string): void {
    // Without its stamps: the steps never hold stamps (they are set anew when a step is applied), so the
    // stamps' parts transform nothing, and a queued op without them is about half the size.
    const queued = withoutStamps(op);
    if (queued === null) return;
    const authors = by === undefined ? undefined : [by];
    rebase(this.#undo, queued, authors);
    rebase(this.#redo, queued, authors);
  }

  /**
   * A remote op set `path` to `value` (the document had `was` there before it), but unconfirmed ops of mine, which
   * the server applies after it, set `path` too: the op as applied here (`recordRemote`) does not set it, and my
   * value stays. In the server's order their change came first, so the step that undoes my first set of `path` must
   * put back `value`, not `was`, as it would had their change arrived before mine (online); and the steps below it
   * (made before their change) take it in as others' changes: it overwrote what they would put back. That step is
   * the topmost one putting back `was` at `path` (`undefined`: removing what is there); none: nothing to do.
   */
  recordShadowed(path: readonly (string | number)[], value: Json, was: Json | undefined, by?: string): void {
    const stack = this.#undo;
    for (let i = stack.length - 1; i >= 0; i--) {
      settle(stack, i); // up to date, its queue passed on below (in order: older than this change)
      const entry = stack[i];
      if (entry.op === null) continue;
      const entries = opComponents(entry.op);
      // `was` none: the step removes what my op inserted there.
      const putsBack = (c: OpEntry['c']) =>
        was === undefined
          ? c.i === undefined && c.r !== undefined
          : c.i !== undefined && sameJson(c.i as Json, was);
      const at = entries.findIndex((e) => samePath(e.path, path) && putsBack(e.c));
      if (at < 0) continue;
      entries[at] = { path: entries[at].path, c: { ...entries[at].c, i: value } };
      entry.op = opFromComponents(entries);
      const below = stack[i - 1];
      if (below !== undefined) {
        const op = opFromComponents([
          { path: [...path], c: was === undefined ? { i: value } : { r: was, i: value } },
        ]);
        const keys = footprint(op);
        below.later.push(by === undefined ? { op, keys } : { op, keys, by: [by] });
        if (below.later.length > MAX_LATER) settle(stack, i - 1);
      }
      return;
    }
  }

  canUndo(): boolean {
    return this.#undo.length > 0;
  }

  canRedo(): boolean {
    return this.#redo.length > 0;
  }

  /**
   * The op that undoes my latest step, to apply to `doc` (the current local document) and submit.
   * With `stamp`, the zones it touches get `updatedBy`/`updatedAt` from it.
   */
  undo(doc: ZoneDocument, stamp?: Stamp): UndoResult {
    return this.closeTyping(step(this.#undo, this.#redo, doc, stamp, this.depth, 'nothing_to_undo'));
  }

  /** The op that redoes the latest undone step; same contract as `undo`. */
  redo(doc: ZoneDocument, stamp?: Stamp): UndoResult {
    return this.closeTyping(step(this.#redo, this.#undo, doc, stamp, this.depth, 'nothing_to_redo'));
  }

  /** After an undo or redo, what I type next is a step of its own. */
  private closeTyping(result: UndoResult): UndoResult {
    const top = this.#undo[this.#undo.length - 1];
    if (top) top.typing = undefined;
    return result;
  }

  clear(): void {
    this.#undo = [];
    this.#redo = [];
  }

  get undoSize(): number {
    return this.#undo.length;
  }

  get redoSize(): number {
    return this.#redo.length;
  }

  /** How many of others' ops wait on the undo steps, per step, bottom first (for tests and diagnostics). */
  queuedOps(): number[] {
    return this.#undo.map((e) => e.later.length);
  }
}

function push(stack: Entry[], entry: Entry, depth: number) {
  stack.push(entry);
  // Dropping the bottom of a chain is safe: nothing applies after it.
  if (stack.length > depth) stack.splice(0, stack.length - depth);
}

/**
 * The top-level subtrees an op touches (`zones/<id>`, `meta/<key>`), or `null` when it writes above
 * them. Ops with disjoint footprints transform to themselves (keys of objects, no list indices), which
 * saves a stack of 100 entries from 100 transforms on every remote keystroke elsewhere.
 */
function footprint(op: Op): string[] | null {
  const local = zoneLocal(op);
  if (local !== null) return [`zones\u0000${local.zone}`];
  const keys: string[] = [];
  for (const { path } of opComponents(op)) {
    if (path.length < 2) return null;
    const key = `${path[0]}\u0000${path[1]}`;
    if (!keys.includes(key)) keys.push(key);
  }
  return keys;
}

/** Whether `op` picks up or drops anything (a json1 move). One-zone ops never do. */
const moves = (op: Op): boolean =>
  zoneLocal(op) === null && opComponents(op).some(({ c }) => c.p !== undefined || c.d !== undefined);

const overlaps = (a: string[] | null, b: string[] | null) =>
  a === null || b === null || a.some((k) => b.includes(k));

/**
 * Ops queued on one entry before it is brought up to date at once (then they move on to the entry below).
 * Bounds the memory a stack holds while others edit and I do not, and the size of what one settle composes.
 * Every queued op that outlives a young-generation collection is copied to the old one, so the fewer times ops
 * are re-made on their way down, the less the collector promotes: with 20 replicas in one process typing into
 * one text (the collab-latency scenario, paced), 64 promotes 17 MB in 20 s where 16 promoted 37 MB, for 22% less
 * undo CPU and its slowest calls no slower (queues are composed pairwise; folded left to right, 32 already stalled the
 * deeper queues' keystrokes for 100-300 ms).
 */
export const MAX_LATER = 64;

/**
 * Transform the chain past `op` (an op not mine, applied after everything in the stack), lazily: `op` is
 * queued on the top entry, and an entry takes in its queue only when it is about to be used (`settle`,
 * before `undo`/`redo` pop it), passing the transformed ops on to the queue of the entry below. Each entry
 * sees the same ops, in the same order and transformed the same way, as if every op went down the whole
 * chain when it arrived; but entries that drop off the bottom of the stack (or are cleared) never pay
 * for it: in a shared zone with a stack of 100 steps, that saves 100 transforms on every remote keystroke.
 */
function rebase(stack: Entry[], op: Op, by?: readonly string[]) {
  const top = stack[stack.length - 1];
  if (top === undefined || op === null) return;
  const keys = footprint(op);
  // An op that touches nothing any step touches (others editing other zones) transforms every step to itself
  // and passes through them unchanged: it is not queued at all (nor composed with its neighbours, which for ops
  // of different zones is json1's slow path). Checked from the top, where my latest steps are.
  let touches = false;
  for (let i = stack.length - 1; i >= 0 && !touches; i--) touches = overlaps(stack[i].keys, keys);
  if (!touches) return;
  // A move (nothing the builders make) can carry a step's edit to another key: from then on any op may touch it.
  if (moves(op)) for (const entry of stack) entry.keys = null;
  top.later.push(by === undefined ? { op, keys } : { op, keys, by });
  if (top.later.length > MAX_LATER) settle(stack, stack.length - 1);
}

/**
 * Brings `stack[i]` up to date: transforms its queued ops into it, and queues them (transformed) below. A
 * queue this fills past `MAX_LATER` is settled in turn, and so on down only while the queues there are full
 * too: every queue stays bounded (a keystroke of mine settles the top each time, so the queue below it fills
 * even when the top's never does), and no keystroke pays for the whole stack at once.
 */
function settle(stack: Entry[], i: number) {
  for (; i >= 0; i--) {
    const entry = stack[i];
    if (entry === undefined || entry.later.length === 0) return;
    const ops = composed(entry.later);
    entry.later = [];
    const below = stack[i - 1];
    for (const item of ops) {
      const other = carry(entry, item);
      if (other.op !== null && below !== undefined) below.later.push(other);
    }
    if (below === undefined || below.later.length <= MAX_LATER) return;
  }
}

/**
 * The queued ops as few: consecutive ops that only edit (text typed and deleted: nearly every remote op, their
 * stamps stripped) follow each other, so their composition goes down the stack as a single op (one transform per
 * entry instead of one per queued op: settling a full queue through 100 entries cost 100 x 65 transforms, a stall
 * of hundreds of ms on every 65th remote keystroke). Composed pairwise, in rounds: the queues deeper down hold
 * compositions of many inserts each, and folding them left to right re-copied the growing result at every step
 * (undo's CPU in the collab-latency scenario -18%, its slowest 0.1% of calls -25%).
 *
 * Ops that insert, replace, remove or move go down one at a time, as they came: json1's transform does not commute
 * with compose there. Their composition can cancel what a step must see one op at a time: a remote insert of the
 * value my step inserts (after which my step has nothing left to do) then its removal compose to nothing, and my
 * undo would put back what they removed; an edit then a delete of a zone my step deletes compose to the delete
 * alone, and the step would not learn that others edited the zone.
 */
function composed(ops: Later[]): Later[] {
  if (ops.length < 2) return ops;
  const out: Later[] = [];
  let run: Later[] = [];
  for (const item of ops) {
    if (editsOnly(item.op)) {
      run.push(item);
      continue;
    }
    if (run.length > 0) out.push(...composedRun(run));
    run = [];
    out.push(item);
  }
  if (run.length > 0) out.push(...composedRun(run));
  return out;
}

/** Whether `op` only edits values in place (text, numbers): no insert, remove, replace or move. */
function editsOnly(op: Op): boolean {
  const local = zoneLocal(op);
  if (local !== null) return local.comps.every((c) => c.es !== undefined);
  return opComponents(op).every(
    ({ c }) => c.r === undefined && c.i === undefined && c.p === undefined && c.d === undefined,
  );
}

/** Ops that follow each other and only edit, as one (see `composed`). */
function composedRun(ops: Later[]): Later[] {
  if (ops.length < 2) return ops;
  let op: Op = null;
  try {
    let layer = ops.map((item) => item.op);
    while (layer.length > 1) {
      const next: Op[] = [];
      for (let i = 0; i < layer.length; i += 2) {
        next.push(i + 1 < layer.length ? compose(layer[i], layer[i + 1]) : layer[i]);
      }
      layer = next;
    }
    op = layer[0];
  } catch {
    return ops; // not expected for ops that follow each other; one at a time is always right
  }
  if (op === null) return [];
  const by = authorsOf(ops);
  return [by === undefined ? { op, keys: footprint(op) } : { op, keys: footprint(op), by }];
}

/** Who made `ops`, each once, in the order of their latest op; `undefined` when no author is known. */
function authorsOf(ops: Later[]): readonly string[] | undefined {
  let by: Set<string> | undefined;
  for (const item of ops) {
    if (item.by === undefined) continue;
    by ??= new Set();
    for (const u of item.by) {
      by.delete(u);
      by.add(u);
    }
  }
  return by === undefined ? undefined : [...by];
}

/** Transforms `entry` past `other` (noting what it loses) and returns `other` transformed past `entry`. */
function carry(entry: Entry, item: Later): Later {
  const other = item.op;
  if (entry.op === null || !overlaps(footprint(entry.op), item.keys)) return item;
  for (const c of findConflicts(entry.op, other)) {
    if (c.zoneId === null) continue;
    // An entry deleting (or replacing) a zone others edited or deleted keeps that for now: the entries below are
    // made for a document with the zone as the entry leaves it. `step` decides at undo time, when the zone's
    // content is known.
    note(entry, lostReason(c, entry.op), c.zoneId, item.by);
  }
  const next = transform(other, entry.op, 'left');
  entry.op = transform(entry.op, other, 'right');
  return item.by === undefined
    ? { op: next, keys: footprint(next) }
    : { op: next, keys: footprint(next), by: item.by };
}

/**
 * What `c`, a conflict of my entry (`step`, on the left) with an op of others, costs the entry. `other` with their
 * change lost is my entry's replacement of a zone they deleted (`conflicts.ts`), and `same_attribute` in a zone my
 * entry replaces whole is their change inside it: as for an entry deleting a zone, `step` settles both at undo time.
 */
function lostReason(c: OpConflict, step: Op): Lost {
  if (c.kind === 'delete_of_edited') return 'edited_by_others';
  if (c.kind === 'edit_on_deleted') return 'zone_deleted';
  if (c.kind === 'other' && conflictLoser(c) === 'theirs') return 'zone_deleted';
  if (c.kind === 'same_attribute' && c.zoneId !== null && replacesZone(step, c.zoneId))
    return 'edited_by_others';
  return 'overwritten';
}

/** Whether `op` replaces zone `zoneId` whole (removes and inserts it in one component). */
function replacesZone(op: Op, zoneId: string): boolean {
  return opComponents(op).some((e) => isZone(e, zoneId) && e.c.r !== undefined && e.c.i !== undefined);
}

/** Whether `e` is the component at zone `zoneId` itself (`['zones', zoneId]`). */
const isZone = (e: OpEntry, zoneId: string) =>
  e.path.length === 2 && e.path[0] === 'zones' && e.path[1] === zoneId;

/**
 * Leave deleted the zones that others deleted since my entry was made, if it would put them back whole: an entry that
 * replaced such a zone (undoing my creation that replaced theirs, made at the same time and committed first) is an
 * insert of it once transformed past their deletion. Undoing into a zone another user deleted changes nothing there
 * (notice `zone_deleted`, noted in `carry`). Returns the entry without those inserts, and the op that turns "zone
 * back" into "zone gone" for the entries below, or `null` when there is none.
 */
function spareDeletedZones(entry: Entry, doc: ZoneDocument): { op: Op; kept: Op } | null {
  const zoneIds = entry.lost.get('zone_deleted');
  if (!zoneIds || entry.op === null) return null;
  const entries = opComponents(entry.op);
  const inserts = (z: string) =>
    entries.some((e) => isZone(e, z) && e.c.i !== undefined && e.c.r === undefined);
  const gone = [...zoneIds].filter((z) => doc.zones[z] === undefined && inserts(z));
  if (gone.length === 0) return null;
  const inGone = (e: OpEntry) =>
    e.path.length >= 2 && e.path[0] === 'zones' && gone.includes(e.path[1] as string);
  return {
    op: opFromComponents(entries.filter((e) => !inGone(e))),
    kept: opFromComponents(gone.map((z) => ({ path: ['zones', z], c: { r: true } }))),
  };
}

/**
 * Spare the zones that others edited since my entry was made, if it would delete them, or replace them whole (my
 * creation replaced theirs, made at the same time and committed first: `recordShadowed` makes undoing it put theirs
 * back as they first made it, which would take away what they changed since): returns the entry without those
 * deletions or replacements, and the op that turns "zone deleted" (or "their first zone back") into "zone kept" for
 * the entries below (the zone as it is in `doc`), or `null` when nothing was spared.
 */
function spareEditedZones(entry: Entry, doc: ZoneDocument): { op: Op; kept: Op } | null {
  const zoneIds = entry.lost.get('edited_by_others');
  if (!zoneIds || entry.op === null) return null;
  const entries = opComponents(entry.op);
  // The component removing (and maybe replacing) zone `z` whole.
  const removal = (z: string) =>
    entries.find(
      (e) => e.path.length === 2 && e.path[0] === 'zones' && e.path[1] === z && e.c.r !== undefined,
    );
  const spared = [...zoneIds].filter((z) => doc.zones[z] !== undefined && removal(z) !== undefined);
  if (spared.length === 0) return null;
  const inSpared = (e: OpEntry) => e.path[0] === 'zones' && spared.includes(e.path[1] as string);
  return {
    op: opFromComponents(entries.filter((e) => !inSpared(e))),
    kept: opFromComponents(
      spared.map((z) => {
        const put = removal(z)?.c.i;
        return {
          path: ['zones', z],
          c: put === undefined ? { i: doc.zones[z] } : { r: put, i: doc.zones[z] },
        };
      }),
    ),
  };
}

function note(entry: Entry, reason: Lost, zoneId: string, by: readonly string[] | undefined) {
  const zones = entry.lost.get(reason) ?? new Set<string>();
  entry.lost.set(reason, zones);
  zones.add(zoneId);
  if (by === undefined) return;
  entry.lostBy ??= new Map();
  const who = entry.lostBy.get(reason) ?? new Set<string>();
  entry.lostBy.set(reason, who);
  for (const u of by) {
    who.delete(u); // the latest last
    who.add(u);
  }
}

function noticeOf(entry: Entry): UndoNotice | null {
  const reason = LOST_ORDER.find((r) => entry.lost.has(r));
  if (reason === undefined) return null;
  const zoneIds = new Set<string>();
  for (const zones of entry.lost.values()) for (const z of zones) zoneIds.add(z);
  const notice: UndoNotice = { reason, zoneIds: [...zoneIds].sort(), partial: entry.op !== null };
  const by = entry.lostBy?.get(reason);
  if (by !== undefined && by.size > 0) notice.byUserIds = [...by];
  return notice;
}

function step(
  from: Entry[],
  to: Entry[],
  doc: ZoneDocument,
  stamp: Stamp | undefined,
  depth: number,
  empty: 'nothing_to_undo' | 'nothing_to_redo',
): UndoResult {
  for (;;) {
    settle(from, from.length - 1); // the top entry takes in the ops queued on it
    const entry = from.pop();
    if (entry === undefined) break;
    const spared = spareEditedZones(entry, doc);
    if (spared) {
      entry.op = spared.op;
      rebase(from, spared.kept);
    }
    const gone = spareDeletedZones(entry, doc);
    if (gone) {
      entry.op = gone.op;
      rebase(from, gone.kept);
    }
    const notice = noticeOf(entry);
    if (entry.op === null) {
      // Became a no-op. Say why if others' changes were involved; otherwise (e.g. everything I typed was
      // deleted by someone else) go on to the next step, so that pressing undo does something.
      if (notice) return { op: null, notice };
      continue;
    }
    const op = stamp ? stampOp(entry.op, stamp, doc) : entry.op;
    const back = boxesByCoordinate(withoutStamps(invertWithDoc(op, doc)));
    if (back !== null) push(to, { op: back, keys: footprint(back), lost: new Map(), later: [] }, depth);
    else rebase(to, op);
    return { op, notice };
  }
  return { op: null, notice: { reason: empty, zoneIds: [], partial: false } };
}

const samePath = (a: readonly (string | number)[], b: readonly (string | number)[]) =>
  a.length === b.length && a.every((k, i) => k === b[i]);

/** Whether two JSON values are equal (keys in any order). */
function sameJson(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => k in b && sameJson((a as Record<string, Json>)[k], (b as Record<string, Json>)[k]));
}
