import { isStampPath, withoutStamps } from './ops.js';
import { CONFLICT, type Op, type OpEntry, opComponents, type Path, tryTransform } from './ot.js';
import { isStampKey } from './zone.js';
import { collidingSets } from './zone-local.js';

/**
 * The conflicts between two concurrent ops that are worth telling a user about, seen from `mine`:
 * - `edit_on_deleted`: my change inside a zone they deleted is lost;
 * - `delete_of_edited`: my deletion of a zone drops their change inside it;
 * - `same_attribute`: we both set the same attribute (or meta key) to different values; one wins. Its `path` is the
 *   attribute's, also when the two set the same coordinate of a box (`bbox.x`): two moves of one box are one
 *   conflict about `bbox`, and changes of different coordinates (one moves a box, the other narrows it) none;
 * - `other`: anything else json1 resolved by dropping a change (moves), and two creations of the same zone id: the
 *   later one (mine, transformed past theirs) replaces theirs, so theirs lost (`lost: 'theirs'`).
 *
 * A value replaced whole (`{r, i}`: a zone, as undo steps and hand-made ops replace one, or an attribute such as a box
 * set as one value) wins over every change inside it, whichever of the two ops was submitted first (json1: removal
 * beats edit), and a zone replaced whole wins over its deletion (json1 keeps the replacement and reports nothing). The
 * change that lost is reported to its author, by the replacer:
 * - my replacement overwrote their change inside: `same_attribute` about each attribute they set (the attribute of
 *   their box coordinate, their text edit's `text`), as when I set it after them;
 * - their replacement dropped my change inside, or my deletion of the zone: `other` (mine lost, as the kind says);
 * - my replacement brought back the zone they deleted: `other` with `lost: 'theirs'`.
 * Stamps, and a change to the value the replacement holds there anyway, are no loss.
 *
 * json1's `tryTransform` stops at the first conflict, and every builder op writes `updatedBy`/`updatedAt`,
 * which would make any two edits of one zone "collide". So ops are split into components, each pair that
 * touches the same subtree goes through `tryTransform`, and collisions on the stamp fields are ignored.
 *
 * The ops are ones `transform` takes: normalized ops that passed `checkOp` (the sequencer checks and normalizes
 * every submitted op first; the client's own ops are built or normalized, and remote ones come from the server).
 * On anything else it throws where json1's `tryTransform` throws (text edits that text-unicode refuses, such as
 * a zero or negative skip or an empty insert, meeting on one key), as `transform` on the same pair would: it
 * never answers "no conflict" for a pair that cannot be transformed.
 */

export type ConflictKind = 'edit_on_deleted' | 'same_attribute' | 'delete_of_edited' | 'other';
export type OpConflict = {
  kind: ConflictKind;
  /** The zone concerned, or `null` outside zones (meta). */
  zoneId: string | null;
  /**
   * The removed subtree (zone) for the delete kinds, the attribute's path for `same_attribute`, the zone (or the
   * attribute, such as a box) the other op replaced whole for `other` when mine lost to that replacement.
   */
  path: Path;
  /**
   * Whose change was lost, where it is not the kind's own side (`conflictLoser`): a deletion of a zone that my
   * replacement of it brought back, and their creation of a zone id my creation of the same id replaced (`other`,
   * theirs lost).
   */
  lost?: 'mine' | 'theirs';
};

/**
 * Whose change a conflict dropped or overrode, the one to tell: `mine` for `edit_on_deleted` and `other`, `theirs`
 * for `delete_of_edited` and `same_attribute`, unless `lost` says otherwise.
 */
export function conflictLoser(c: OpConflict): 'mine' | 'theirs' {
  return c.lost ?? (c.kind === 'edit_on_deleted' || c.kind === 'other' ? 'mine' : 'theirs');
}

const isPrefix = (a: Path, b: Path) => a.length <= b.length && a.every((k, i) => b[i] === k);
const zoneOf = (p: Path): string | null => (p[0] === 'zones' && typeof p[1] === 'string' ? p[1] : null);
const isRemove = (e: OpEntry) => e.c.r !== undefined && e.c.i === undefined;
/** A value replaced whole: removed and inserted by one component. */
const isReplace = (e: OpEntry) => e.c.r !== undefined && e.c.i !== undefined;
const isMove = (e: OpEntry) => e.c.p !== undefined || e.c.d !== undefined;
const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
/** The path of the zone attribute `p` is in (`['zones', id, 'bbox']` for a box coordinate), or `p` itself. */
const attributePath = (p: Path): Path => (zoneOf(p) !== null && p.length > 3 ? p.slice(0, 3) : p);

/** Components not inside a subtree the same op removes (json1 nests `{r}` below a removed zone). */
function topComponents(op: Op): OpEntry[] {
  const all = opComponents(op);
  const removed = all.filter((e) => e.c.r !== undefined).map((e) => e.path);
  return all.filter((e) => !removed.some((r) => r.length < e.path.length && isPrefix(r, e.path)));
}

export function findConflicts(mine: Op, theirs: Op): OpConflict[] {
  if (mine === null || theirs === null) return [];
  // Edits of one zone's text and attributes (nearly every op): compared key by key, as json1 would.
  const sets = collidingSets(mine, theirs);
  if (sets !== undefined) {
    return sets
      .filter(({ key }) => !isStampKey(key))
      .map(({ zoneId, key }) => ({ kind: 'same_attribute', zoneId, path: ['zones', zoneId, key] }));
  }
  return findConflictsWithJson1(mine, theirs);
}

/** `findConflicts` for any two ops, through json1's `tryTransform` (exported for the equivalence test). */
export function findConflictsWithJson1(mine: Op, theirs: Op): OpConflict[] {
  if (mine === null || theirs === null) return [];
  // A deletion of a zone the other op replaces whole is no conflict to json1 (the replacement stays).
  const deletions = replacedDeletions(mine, theirs);
  // The common case, two edits of one zone, collides only on the stamps (never reported): check the rest
  // at once instead of pair by pair.
  const quick = tryTransform(withoutStamps(mine), withoutStamps(theirs), 'left');
  if (quick.ok) return deletions;
  const whole = tryTransform(mine, theirs, 'left');
  if (whole.ok) return deletions;
  const mineC = topComponents(mine);
  const theirsC = topComponents(theirs);
  if (mineC.some(isMove) || theirsC.some(isMove)) {
    // Moves span paths, so one component alone is not an op: report what json1 found for the whole op.
    // Their side of the conflict names the place: the removal or the collision's destination.
    const path = (opComponents(whole.conflict.op2)[0] ?? opComponents(whole.conflict.op1)[0])?.path ?? [];
    return [{ kind: 'other', zoneId: zoneOf(path), path }];
  }
  const found = new Map<string, OpConflict>();
  const add = (c: OpConflict) => found.set(`${c.kind}\u0000${JSON.stringify(c.path)}`, c);
  for (const c of deletions) add(c);
  for (const m of mineC) {
    for (const t of theirsC) {
      if (!isPrefix(m.path, t.path) && !isPrefix(t.path, m.path)) continue;
      const r = tryTransform([...m.path, m.c], [...t.path, t.c], 'left');
      if (r.ok) continue;
      const conflict = classify(m, t, r.conflict.type);
      if (conflict) add(conflict);
    }
  }
  return [...found.values()];
}

function classify(m: OpEntry, t: OpEntry, type: number): OpConflict | null {
  if (type === CONFLICT.RM_UNEXPECTED_CONTENT) {
    // A value replaced whole (a zone, a box) against a change inside it: the replacement wins, whichever came first.
    if (isReplace(t) && isPrefix(t.path, m.path)) {
      // Their replacement dropped my change: told to me (`other`), about the zone or attribute they replaced.
      if (!lostTo(m, t)) return null;
      return { kind: 'other', zoneId: zoneOf(t.path), path: attributePath(t.path) };
    }
    if (isReplace(m) && isPrefix(m.path, t.path)) {
      // My replacement overwrote their change: told to them, as if I had set what they set after them.
      if (!lostTo(t, m)) return null;
      return { kind: 'same_attribute', zoneId: zoneOf(t.path), path: attributePath(t.path) };
    }
    // One side removed a subtree the other changes inside (or replaces).
    const theyRemoved = isRemove(t) && isPrefix(t.path, m.path);
    const removed = theyRemoved ? t.path : m.path;
    const zoneId = zoneOf(removed);
    if (zoneId !== null && removed.length === 2) {
      return { kind: theyRemoved ? 'edit_on_deleted' : 'delete_of_edited', zoneId, path: removed };
    }
    return { kind: 'same_attribute', zoneId: zoneOf(removed), path: attributePath(removed) };
  }
  if (type === CONFLICT.DROP_COLLISION) {
    if (isStampPath(m.path) || sameJson(m.c.i, t.c.i)) return null;
    const zoneId = zoneOf(m.path);
    // Mine, transformed past theirs, is the one json1 keeps: as with an attribute both set, theirs lost.
    if (zoneId !== null && m.path.length === 2)
      return { kind: 'other', zoneId, path: m.path, lost: 'theirs' };
    return { kind: 'same_attribute', zoneId, path: attributePath(m.path) };
  }
  return { kind: 'other', zoneId: zoneOf(m.path), path: m.path };
}

/**
 * Whether `change`, inside the value `replace` replaces whole, is lost to it: not a stamp (never reported), and not
 * a set of what the replacement holds at that place anyway.
 */
function lostTo(change: OpEntry, replace: OpEntry): boolean {
  if (isStampPath(change.path)) return false;
  if (change.c.i === undefined || change.c.es !== undefined || change.c.e !== undefined) return true;
  let value: unknown = replace.c.i;
  for (const key of change.path.slice(replace.path.length)) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return true;
    value = (value as Record<string | number, unknown>)[key];
  }
  return !sameJson(change.c.i, value);
}

/**
 * The zones one op deletes and the other replaces whole: json1 keeps the replacement whichever came first, and sees
 * no conflict. The deletion's author lost: mine (`other`), or theirs (`other`, `lost: 'theirs'`).
 */
function replacedDeletions(mine: Op, theirs: Op): OpConflict[] {
  const theirsZones = zoneComponents(theirs);
  if (theirsZones.size === 0) return [];
  const out: OpConflict[] = [];
  for (const [zoneId, m] of zoneComponents(mine)) {
    const t = theirsZones.get(zoneId);
    if (t === undefined) continue;
    const path = ['zones', zoneId];
    if (isRemove(m) && isReplace(t)) out.push({ kind: 'other', zoneId, path });
    else if (isReplace(m) && isRemove(t)) out.push({ kind: 'other', zoneId, path, lost: 'theirs' });
  }
  return out;
}

/** The components of `op` at a zone itself (`['zones', id]`: a create, delete or replacement), by zone id. */
function zoneComponents(op: Op): Map<string, OpEntry> {
  const out = new Map<string, OpEntry>();
  for (const e of opComponents(op)) {
    const zoneId = zoneOf(e.path);
    if (zoneId !== null && e.path.length === 2) out.set(zoneId, e);
  }
  return out;
}
